#!/usr/bin/env bash
# A throw-away Postfix instance beside SecureMail, set up exactly as README.md "Postfix set-up"
# documents, for end-to-end tests, fault drills and benchmarks. Run as root.
#
#   scripts/postfix-lab.sh [options] start|stop|status|queue-count|flush|destroy|next-hop-down|next-hop-up|relay ARGS...
#
#   --mode filter|pipe    filter: after-queue content filter to securemail-relay serve on
#                         127.0.0.1:FILTER_PORT, results back on 127.0.0.1:REINJECT_PORT (default);
#                         pipe: pipe(8) runs `securemail-relay process` as the user `securemail`
#   --port P              the lab's "port 25": its smtpd listens on 127.0.0.1:P (default 2525)
#   --reinject-port P     filter mode: the after-queue smtpd (README's 10026) (default P+1)
#   --filter-port P       filter mode: where securemail-relay serve listens (README's 10025) (default P+2)
#   --relay PATH          pipe mode: the securemail-relay binary (default .build/debug/securemail-relay)
#   --state DIR           config, queue, logs and Maildirs (default .state/postfix-lab-P)
#
# Everything is virtual: gjensidige.dk and example.dk (which stands for the internet) are
# delivered by virtual(8) to Maildirs DIR/mail/DOMAIN/USER/ for the demo addresses (and
# kunde@example.dk), DIR/mail/DOMAIN/catch-all/ for any other local part. No DNS. Only
# 127.0.0.1 is ever bound, never port 25.
#
# Verbs: start (idempotent; writes the configuration on first start), stop (idempotent),
# status (exit 0 when running), queue-count (messages in the queue, all states), flush
# (retry every deferred message now), destroy (stop and remove DIR), relay (pipe mode: run
# securemail-relay as the user securemail with the lab's configuration, e.g.
# `relay certs import DIR/securemail/certs/demo-customer.pem`), next-hop-down / next-hop-up
# (filter mode: close or reopen the re-injection smtpd, README's 127.0.0.1:10026).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

mode=filter port=2525 reinject_port="" filter_port="" relay="$root/.build/debug/securemail-relay" state=""
while [ $# -gt 0 ]; do
    case "$1" in
        --mode) mode="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --reinject-port) reinject_port="$2"; shift 2 ;;
        --filter-port) filter_port="$2"; shift 2 ;;
        --relay) relay="$2"; shift 2 ;;
        --state) state="$2"; shift 2 ;;
        -*) echo "postfix-lab: unknown option $1" >&2; exit 64 ;;
        *) break ;;
    esac
done
verb="${1:-}"
[ -n "$verb" ] || { echo "usage: $0 [--mode filter|pipe] [--port P] [--state DIR] start|stop|status|queue-count|flush|destroy|relay ARGS" >&2; exit 64; }
shift
case "$mode" in filter|pipe) ;; *) echo "postfix-lab: --mode must be filter or pipe" >&2; exit 64 ;; esac
[ "$port" != 25 ] || { echo "postfix-lab: never port 25; choose another --port" >&2; exit 64; }
reinject_port="${reinject_port:-$((port + 1))}"
filter_port="${filter_port:-$((port + 2))}"
state="${state:-$root/.state/postfix-lab-$port}"
config="$state/config"
[ "$(id -u)" = 0 ] || { echo "postfix-lab: run as root (Postfix's master must start as root)" >&2; exit 77; }
command -v postfix >/dev/null || { echo "postfix-lab: postfix is not installed (scripts/test.sh installs it)" >&2; exit 69; }

running() { [ -f "$config/main.cf" ] && postfix -c "$config" status >/dev/null 2>&1; }

ensure_user() {
    if ! id securemail >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin securemail
    fi
}

# sendmail's set-gid helper postdrop uses a non-default configuration only when the default
# main.cf names it in alternate_config_directories (pipe mode re-injects as the unprivileged user
# securemail). Debian's "No configuration" install has no /etc/postfix/main.cf: write one whose
# default instance could never listen on the network even if someone started it.
authorise_config_directory() {
    if [ ! -f /etc/postfix/main.cf ]; then
        cat > /etc/postfix/main.cf <<'EOF'
# Written by SecureMail's scripts/postfix-lab.sh. This machine runs no default Postfix: only the
# lab instances (postfix -c DIR) named below, whose sendmail/postdrop must be allowed their
# configuration directories. The default instance may start no network service.
compatibility_level = 3.6
master_service_disable = inet
alternate_config_directories =
EOF
    fi
    local current
    current="$(postconf -h alternate_config_directories 2>/dev/null || true)"
    case " $current " in *" $config "*) ;; *) postconf -e "alternate_config_directories = ${current:+$current }$config" ;; esac
}

unauthorise_config_directory() {
    [ -f /etc/postfix/main.cf ] || return 0
    local current kept="" entry
    current="$(postconf -h alternate_config_directories 2>/dev/null || true)"
    for entry in $current; do [ "$entry" = "$config" ] || kept="${kept:+$kept }$entry"; done
    postconf -e "alternate_config_directories = $kept"
}

# The relay's own copy of the example configuration and the DEMO keys, readable only by
# securemail; SQLite state in a folder it owns; re-injection through this instance's sendmail.
write_relay_configuration() {
    local folder="$state/securemail"
    [ -x "$relay" ] || { echo "postfix-lab: $relay is not built (swift build)" >&2; exit 69; }
    mkdir -p "$folder/certs" "$folder/state"
    cp "$root"/certs/*.pem "$folder/certs/"
    "$relay" check-config --print-example \
        | sed -e "s#\"certs/#\"$folder/certs/#g" \
              -e "s#^state_directory = .*#state_directory = \"$folder/state\"#" \
              -e "s#^sendmail_path = .*#sendmail_path = \"/usr/sbin/sendmail\"#" \
        > "$folder/securemail.toml"
    chown -R securemail:securemail "$folder"
    chmod 700 "$folder"
    chmod 600 "$folder"/certs/*.key.pem
}

write_configuration() {
    mkdir -p "$config" "$state/queue" "$state/data" "$state/mail"
    chmod 755 "$state"
    chown postfix:postfix "$state/data"
    chown securemail:securemail "$state/mail"
    local uid gid
    uid="$(id -u securemail)" gid="$(id -g securemail)"
    cat > "$config/main.cf" <<EOF
# SecureMail Postfix lab ($mode mode), written by scripts/postfix-lab.sh. Throw-away.
compatibility_level = 3.6
queue_directory = $state/queue
data_directory = $state/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $state/maillog
maillog_file_prefixes = $state
myhostname = postfix-lab.gjensidige.test
mydomain = gjensidige.test
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
disable_dns_lookups = yes
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
biff = no
# Everything is delivered here: gjensidige.dk (staff) and example.dk (the internet).
virtual_mailbox_domains = gjensidige.dk, example.dk
virtual_mailbox_base = $state/mail
virtual_mailbox_maps = texthash:$config/virtual-mailboxes
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
# Retry deferred mail quickly, so that fault drills finish in seconds.
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
EOF
    # virtual(8) allows no regexp substitution: one Maildir per demo address, and a catch-all
    # Maildir per domain for the rest (counted by Message-Id in fault drills and benchmarks).
    {
        local user
        for user in sikkermail sikkermail-arbejdsskade kundeservice arbejdsskade skade personskade erhverv rejse \
            regres dpo soeren.kjaergaard aase.oedegaard mette.jensen bjorn.lindqvist anne.holm annemarie.holm; do
            echo "$user@gjensidige.dk gjensidige.dk/$user/"
        done
        echo "kunde@example.dk example.dk/kunde/"
        echo "@gjensidige.dk gjensidige.dk/catch-all/"
        echo "@example.dk example.dk/catch-all/"
    } > "$config/virtual-mailboxes"
    local smtp_options=""
    if [ "$mode" = filter ]; then
        cat >> "$config/main.cf" <<EOF
# README "Postfix set-up", after-queue content filter:
content_filter = securemail:[127.0.0.1]:$filter_port
EOF
    else
        cat >> "$config/main.cf" <<EOF
# README "Postfix set-up", pipe mode:
securemail-pipe_destination_recipient_limit = 1
EOF
        smtp_options="    -o content_filter=securemail-pipe:dummy"
    fi
    # The instance's "port 25", on 127.0.0.1:$port; chroot off (a lab has no chroot jail).
    {
        echo "127.0.0.1:$port inet n       -       n       -       -       smtpd"
        [ -z "$smtp_options" ] || echo "$smtp_options"
        cat <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
        if [ "$mode" = filter ]; then
            cat <<EOF
# README "Postfix set-up", after-queue content filter (10026 is 127.0.0.1:$reinject_port here):
securemail unix  -       -       n       -       10      smtp
    -o smtp_data_done_timeout=1200
    -o smtp_send_xforward_command=yes
    -o disable_dns_lookups=yes
    -o max_use=20
127.0.0.1:$reinject_port inet n  -       n       -       -       smtpd
    -o content_filter=
    -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
    -o smtpd_helo_restrictions=
    -o smtpd_client_restrictions=
    -o smtpd_sender_restrictions=
    -o smtpd_relay_restrictions=permit_mynetworks,reject
    -o smtpd_recipient_restrictions=permit_mynetworks,reject
    -o mynetworks=127.0.0.0/8
    -o smtpd_authorized_xforward_hosts=127.0.0.0/8
EOF
        else
            cat <<EOF
# README "Postfix set-up", pipe mode:
securemail-pipe unix -  n       n       -       10      pipe
    flags=Rq user=securemail null_sender=
    argv=$relay process --config $state/securemail/securemail.toml --sender \${sender} --recipient \${recipient}
EOF
        fi
    } > "$config/master.cf"
    echo "$mode" > "$state/mode"
}

case "$verb" in
    start)
        if running; then echo "postfix-lab: already running ($state)"; exit 0; fi
        ensure_user
        if [ ! -f "$state/mode" ]; then
            write_configuration
            [ "$mode" = filter ] || write_relay_configuration
        elif [ "$(cat "$state/mode")" != "$mode" ]; then
            echo "postfix-lab: $state was set up for $(cat "$state/mode") mode; destroy it first" >&2; exit 64
        fi
        authorise_config_directory
        postfix -c "$config" check >/dev/null
        postfix -c "$config" start >/dev/null 2>&1 || { tail -n 20 "$state/maillog" >&2 || true; exit 75; }
        for _ in $(seq 1 100); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                echo "postfix-lab: $mode mode, smtpd 127.0.0.1:$port, state $state"; exit 0
            fi
            sleep 0.1
        done
        echo "postfix-lab: smtpd did not come up on 127.0.0.1:$port" >&2; tail -n 20 "$state/maillog" >&2 || true; exit 75
        ;;
    stop)
        if running; then postfix -c "$config" stop >/dev/null 2>&1 || true; fi
        for _ in $(seq 1 100); do running || break; sleep 0.1; done
        ;;
    status)
        if running; then echo "running ($(cat "$state/mode") mode, $state)"; else echo "stopped"; exit 3; fi
        ;;
    queue-count)
        [ -f "$config/main.cf" ] || { echo 0; exit 0; }
        # Every queue file, whatever its state (maildrop, incoming, active, deferred, hold), by queue
        # ID: a message the queue manager moves between two directories during the walk counts once.
        find "$state/queue/maildrop" "$state/queue/incoming" "$state/queue/active" \
             "$state/queue/deferred" "$state/queue/hold" -type f -printf '%f\n' 2>/dev/null | sort -u | wc -l
        ;;
    flush)
        postqueue -c "$config" -f
        ;;
    destroy)
        if running; then postfix -c "$config" stop >/dev/null 2>&1 || true; fi
        for _ in $(seq 1 100); do running || break; sleep 0.1; done
        unauthorise_config_directory
        rm -rf "$state"
        ;;
    next-hop-down|next-hop-up)
        # Filter mode: close (or reopen) the re-injection smtpd, the content filter's next hop.
        [ "$(cat "$state/mode" 2>/dev/null)" = filter ] || { echo "postfix-lab: $verb needs a filter-mode lab" >&2; exit 64; }
        if [ "$verb" = next-hop-down ]; then disabled="127.0.0.1:$reinject_port/inet"; else disabled=""; fi
        postconf -c "$config" -e "master_service_disable = $disabled"
        postfix -c "$config" reload >/dev/null 2>&1
        for _ in $(seq 1 100); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$reinject_port") 2>/dev/null; then listening=yes; else listening=no; fi
            if { [ "$verb" = next-hop-up ] && [ $listening = yes ]; } || { [ "$verb" = next-hop-down ] && [ $listening = no ]; }; then exit 0; fi
            sleep 0.1
        done
        echo "postfix-lab: $verb did not take effect on 127.0.0.1:$reinject_port" >&2; exit 75
        ;;
    relay)
        [ -f "$state/securemail/securemail.toml" ] || { echo "postfix-lab: no pipe-mode relay configuration in $state" >&2; exit 64; }
        exec runuser -u securemail -- env MAIL_CONFIG="$config" "$relay" "$@" --config "$state/securemail/securemail.toml"
        ;;
    *)
        echo "postfix-lab: unknown verb $verb" >&2; exit 64 ;;
esac
