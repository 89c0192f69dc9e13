#!/usr/bin/env bash
# One process of SecureMail against the openssl CLI, per message, in one run (issue 8):
#
#   scripts/bench-cms.sh [--runs N] [--relay PATH] [--sizes "20K 1M 25M 100M"]
#
# For each size, one inbound message (signed by the DEMO customer, AES-256-CBC to the DEMO
# sikkermail certificate, made with the openssl CLI) and one outbound staff mail with a CPR
# number. Inbound: `securemail-relay inspect MSG --json` (parse, decrypt, verify, route, scan)
# against `openssl cms -decrypt | openssl cms -verify`. Outbound: `securemail-relay process`
# (scan, sign, encrypt, hand to a sendmail that discards) against `openssl cms -sign | openssl
# cms -encrypt`. Median wall time of N runs (default 5) and the peak resident memory of the
# largest process, written between the bench-cms markers in BENCHMARKS.md. Then each message once
# through the content filter (`securemail-relay serve`, started afresh per message) over SMTP, with
# Postfix's smtp-sink as the next hop: its peak resident memory (VmHWM) and the SMTP transaction's time.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5 relay=.build/release/securemail-relay sizes="20K 1M 25M 100M"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --relay) relay="$2"; shift 2 ;;
        --sizes) sizes="$2"; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--relay PATH] [--sizes \"20K 1M 25M 100M\"]" >&2; exit 64 ;;
    esac
done
if [ "$relay" = .build/release/securemail-relay ]; then scripts/build-release.sh >/dev/null 2>&1; fi
chmod 600 certs/*.key.pem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '#!/bin/sh\nexec cat >/dev/null\n' > "$work/discard"
chmod 755 "$work/discard"
"$relay" check-config --print-example \
    | sed -e "s#\"certs/#\"$PWD/certs/#g" -e "s#^state_directory = .*#state_directory = \"$work/state\"#" \
          -e "s#^sendmail_path = .*#sendmail_path = \"$work/discard\"#" \
          -e "s#^max_message_bytes = .*#max_message_bytes = 268435456#" > "$work/securemail.toml"
"$relay" certs import certs/demo-customer.pem --config "$work/securemail.toml" >/dev/null

# Message bodies: text for 20K, a random attachment (base64) for the larger sizes.
# The second argument opens the text (the outbound mail's CPR number).
make_body() {
    python3 - "$1" "${2:-}" <<'PY'
import base64, os, sys
size = {"K": 1024, "M": 1024 * 1024}[sys.argv[1][-1]] * int(sys.argv[1][:-1])
text = sys.argv[2] + ("Hej, her er billederne af skaden på min bil. " * 8 + "\r\n")
if size <= 64 * 1024:
    body = "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text * (size // len(text.encode()))
else:
    data = base64.encodebytes(os.urandom(size * 3 // 4)).decode().replace("\n", "\r\n")
    body = ("Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + text + "\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=skade.bin\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + data + "--b1--\r\n")
sys.stdout.write(body)
PY
}

# Median seconds and peak RSS (MiB) of a shell command over the runs.
measure() {
    python3 - "$runs" "$1" <<'PY'
import resource, statistics, subprocess, sys, time
runs, command = int(sys.argv[1]), sys.argv[2]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(["bash", "-c", command], check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{statistics.median(times):.3f} {peak:.0f}")
PY
}

# Peak RSS (MiB) and seconds of a fresh `serve` for one message sent over SMTP with SIZE.
serve_peak() { # message sender recipient
    read -r smtp_port sink_port http_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(3)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')
    sed -e "s#^smtp = .*#smtp = \"127.0.0.1:$smtp_port\"#" -e "s#^next_hop = .*#next_hop = \"127.0.0.1:$sink_port\"#" \
        -e "s#^http = .*#http = \"127.0.0.1:$http_port\"#" "$work/securemail.toml" > "$work/serve.toml"
    smtp-sink $( [ "$(id -u)" = 0 ] && echo -u nobody ) "127.0.0.1:$sink_port" 64 & local sink=$!
    "$relay" serve --config "$work/serve.toml" >"$work/serve.log" 2>&1 & local serve=$!
    for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break; sleep 0.05; done
    python3 - "$1" "$2" "$3" "$smtp_port" "$serve" <<'PY'
import smtplib, sys, time
path, sender, recipient, port, pid = sys.argv[1:]
data = open(path, "rb").read()
start = time.perf_counter()
with smtplib.SMTP("127.0.0.1", int(port)) as client:
    refused = client.sendmail(sender, [recipient], data)
seconds = time.perf_counter() - start
peak = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmHWM:")) / 1024
print(f"{seconds:.3f} {peak:.0f}" if not refused else "refused")
PY
    kill "$serve" "$sink"
    wait "$serve" "$sink" 2>/dev/null || true
}
serve_available=$(command -v smtp-sink >/dev/null && echo yes || echo no)
serve_note=""
[ "$serve_available" = yes ] || serve_note=$'\nNot measured: smtp-sink (Debian\'s postfix package) is not installed.'

rows="" serve_rows=""
for size in $sizes; do
    make_body "$size" > "$work/body"
    { printf 'From: Demo Kunde <kunde@example.dk>\r\nTo: sikkermail@gjensidige.dk\r\nSubject: Til Skade\r\n'; cat "$work/body"; } > "$work/inner"
    openssl cms -sign -in "$work/inner" -binary -signer certs/demo-customer.pem -inkey certs/demo-customer.key.pem -out "$work/signed"
    openssl cms -encrypt -in "$work/signed" -binary -aes-256-cbc -from kunde@example.dk -to sikkermail@gjensidige.dk \
        -subject "..." -out "$work/in-$size.eml" certs/sikkermail.pem
    { printf 'From: Søren Kjærgaard <soeren.kjaergaard@gjensidige.dk>\r\nTo: kunde@example.dk\r\nSubject: Din sag\r\n'
      make_body "$size" $'Dit CPR-nr. 010190-1009.\r\n'; } > "$work/out-$size.eml"
    bytes_in=$(stat -c %s "$work/in-$size.eml") bytes_out=$(stat -c %s "$work/out-$size.eml")

    securemail_in=$(measure "'$relay' inspect '$work/in-$size.eml' --config '$work/securemail.toml' --json")
    openssl_in=$(measure "openssl cms -decrypt -in '$work/in-$size.eml' -recip certs/sikkermail.pem -inkey certs/sikkermail.key.pem \
        | openssl cms -verify -CAfile certs/demo-ca.pem -out /dev/null 2>/dev/null")
    securemail_out=$(measure "'$relay' process --config '$work/securemail.toml' --sender soeren.kjaergaard@gjensidige.dk \
        --recipient kunde@example.dk < '$work/out-$size.eml'")
    openssl_out=$(measure "openssl cms -sign -in '$work/out-$size.eml' -binary -signer certs/sikkermail.pem -inkey certs/sikkermail.key.pem \
        | openssl cms -encrypt -binary -aes-256-cbc -out /dev/null certs/demo-customer.pem")
    row() { # label bytes securemail openssl
        set -- "$1" "$2" $3 $4
        awk -v l="$1" -v b="$2" -v st="$3" -v sm="$4" -v ot="$5" -v om="$6" 'BEGIN {
            printf "| %s | %d | %.3f | %s | %.0f | %.3f | %s | %.2f |\n", l, b, st, sm, (1.5 * b + 64e6) / 1048576, ot, om, ot / st }'
    }
    rows+="$(row "inbound $size" "$bytes_in" "$securemail_in" "$openssl_in")"$'\n'
    rows+="$(row "outbound $size" "$bytes_out" "$securemail_out" "$openssl_out")"$'\n'
    if [ "$serve_available" = yes ]; then
        serve_row() { # label bytes "seconds peak"
            set -- "$1" "$2" $3
            awk -v l="$1" -v b="$2" -v s="$3" -v m="$4" 'BEGIN { printf "| %s | %d | %.3f | %s | %.0f |\n", l, b, s, m, (1.5 * b + 64e6) / 1048576 }'
        }
        serve_rows+="$(serve_row "inbound $size" "$bytes_in" "$(serve_peak "$work/in-$size.eml" kunde@example.dk sikkermail@gjensidige.dk)")"$'\n'
        serve_rows+="$(serve_row "outbound $size" "$bytes_out" "$(serve_peak "$work/out-$size.eml" soeren.kjaergaard@gjensidige.dk kunde@example.dk)")"$'\n'
    fi
    echo "$size: inbound securemail $securemail_in, openssl $openssl_in; outbound securemail $securemail_out, openssl $openssl_out"
done

section=$(cat <<MD
<!-- bench-cms:begin -->
## One message, one process: SecureMail against the openssl CLI (\`scripts/bench-cms.sh --runs $runs\`)

Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $relay, $(openssl version | cut -d' ' -f1-2).
Median wall time of $runs runs; peak RSS is the largest process of the command (MiB).
Inbound: \`securemail-relay inspect\` (parse, decrypt, verify, route, DLP scan) against
\`openssl cms -decrypt | openssl cms -verify\`. Outbound: \`securemail-relay process\` (DLP scan,
sign, encrypt, audit, hand to a discarding sendmail) against \`openssl cms -sign | openssl cms -encrypt\`.
A ratio above 1 means SecureMail is faster. The memory limit of issue 8 is 1.5 times the
message plus 64 MB. The configuration allows messages of up to 256 MiB for the 100M row.

| message | bytes | SecureMail s | SecureMail peak MiB | limit MiB | openssl s | openssl peak MiB | openssl s / SecureMail s |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$rows
The content filter, \`securemail-relay serve\`, started afresh for each message, which Python's
smtplib sends over SMTP (with SIZE) and the filter hands to Postfix's smtp-sink: the SMTP
transaction's time and the filter's peak resident memory (VmHWM), against the same limit.$serve_note

| message | bytes | serve s | serve peak MiB | limit MiB |
| --- | ---: | ---: | ---: | ---: |
$serve_rows<!-- bench-cms:end -->
MD
)
printf '%s\n' "$section" | scripts/benchmark-section.py bench-cms
