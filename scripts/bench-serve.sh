#!/usr/bin/env bash
# What the SMTP content filter costs per message, next to the in-process pipeline, in one run:
#   scripts/bench-serve.sh [-n MESSAGES_PER_SESSION] [-s SESSIONS] [-d inbound|outbound] [RELAY ...]
# Makes 50 inbound messages of about 20 KB and 50 outbound staff mails with a CPR number
# (scripts/bench-messages.sh). For each relay binary
# (default: the release build), alternating over two rounds, it starts Postfix's smtp-sink as the
# next hop and `securemail-relay serve` on the built-in configuration and SQLite, sends SESSIONS
# concurrent SMTP sessions of MESSAGES_PER_SESSION messages each with Python's smtplib (inbound:
# a customer's signed and encrypted mail to sikkermail@; outbound: a staff mail to the customer,
# whose DEMO certificate is in the store, so the gateway signs and encrypts it), and prints messages per second and the gateway's CPU time per message (user + system,
# from /proc); then `bench --threads 1` of the same messages, whose inverse rate is the CPU time
# of a message in process, without SMTP, the store or the next hop.
set -euo pipefail
cd "$(dirname "$0")/.."
per_session=100 sessions=16 direction=inbound relays=()
while [ $# -gt 0 ]; do
    case "$1" in
        -n) per_session="$2"; shift 2 ;;
        -s) sessions="$2"; shift 2 ;;
        -d) direction="$2"; shift 2 ;;
        -*) echo "usage: $0 [-n MESSAGES_PER_SESSION] [-s SESSIONS] [-d inbound|outbound] [RELAY ...]" >&2; exit 64 ;;
        *) relays+=("$1"); shift ;;
    esac
done
if [ ${#relays[@]} -eq 0 ]; then
    scripts/build-release.sh >/dev/null 2>&1
    relays=(.build/release/securemail-relay)
fi
command -v smtp-sink >/dev/null || { echo "bench-serve: needs smtp-sink (Debian package postfix)" >&2; exit 69; }
chmod 600 certs/*.key.pem
work=$(mktemp -d)
chmod 755 "$work"
sink_pid="" serve_pid=""
cleanup() {
    [ -z "$serve_pid" ] || { kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }
    [ -z "$sink_pid" ] || { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
. scripts/bench-messages.sh
make_bench_messages 50 "$work"
ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
read -r smtp_port sink_port http_port <<<"$ports"
sink_user=$([ "$(id -u)" = 0 ] && echo "-u nobody" || true)

one_run() { # RELAY -> "M messages/s, C ms CPU per message"
    rm -rf "$work/state"
    export SECUREMAIL_DATABASE_URL="sqlite:$work/state.sqlite"
    rm -f "$work"/state.sqlite*
    "$1" certs import certs/demo-customer.pem >/dev/null
    # shellcheck disable=SC2086
    smtp-sink $sink_user "127.0.0.1:$sink_port" 256 & sink_pid=$!
    "$1" serve --smtp "127.0.0.1:$smtp_port" --next-hop "127.0.0.1:$sink_port" --http "127.0.0.1:$http_port" \
        >"$work/serve.log" 2>&1 & serve_pid=$!
    for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break; sleep 0.05; done
    python3 - "$smtp_port" "$sessions" "$per_session" "$work/$direction" "$serve_pid" "$direction" <<'PY'
import glob, os, smtplib, sys, threading, time
port, sessions, per_session = map(int, sys.argv[1:4])
sender, recipient = ("kunde@example.dk", "sikkermail@gjensidige.dk") if sys.argv[6] == "inbound" else ("soeren.kjaergaard@gjensidige.dk", "kunde@example.dk")
# Postfix sends CR LF line ends; smtplib would pass the files' bare LFs on unchanged.
messages = [open(name, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for name in sorted(glob.glob(sys.argv[4] + "/*.eml"))]
def ticks():
    fields = open(f"/proc/{sys.argv[5]}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
def session(number):
    with smtplib.SMTP("127.0.0.1", port) as client:
        for index in range(per_session):
            refused = client.sendmail(sender, [recipient], messages[(number + index) % len(messages)])
            assert not refused, refused
workers = [threading.Thread(target=session, args=(number,)) for number in range(sessions)]
before, start = ticks(), time.perf_counter()
for worker in workers: worker.start()
for worker in workers: worker.join()
elapsed, used = time.perf_counter() - start, ticks() - before
count = sessions * per_session
print(f"{count / elapsed:.0f} messages/s, {used / os.sysconf('SC_CLK_TCK') / count * 1000:.2f} ms CPU per message")
PY
    kill "$serve_pid" "$sink_pid"; wait "$serve_pid" "$sink_pid" 2>/dev/null || true
    serve_pid="" sink_pid=""
}

echo "$sessions sessions x $per_session $direction messages of $(stat -c %s "$work/$direction/1.eml") bytes"
for round in 1 2; do
    for relay in "${relays[@]}"; do
        echo "round $round, serve ($relay): $(one_run "$relay")"
    done
done
for relay in "${relays[@]}"; do
    export SECUREMAIL_DATABASE_URL="sqlite:$work/bench.sqlite"
    "$relay" certs import certs/demo-customer.pem >/dev/null
    rate=$("$relay" bench "$work/$direction" --direction "$direction" --repeat 20 --threads 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["messagesPerSecond"])')
    echo "in process ($relay), bench --threads 1: $(python3 -c "print(f'{1000 / $rate:.2f} ms CPU per message')")"
done
