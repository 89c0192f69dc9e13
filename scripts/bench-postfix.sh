#!/usr/bin/env bash
# Throughput of Postfix with and without SecureMail's after-queue content filter, in one run:
# smtp-source pushes N messages over S sessions into a throw-away Postfix (scripts/postfix-lab.sh,
# README's settings) that delivers everything to smtp-sink; the clock runs from the first
# connection until Postfix's queue is empty. Prints messages/second for both and the gateway's
# resident memory sampled every second (flat: the last quarter of the run against the first),
# and the errors seen (deferred or bounced deliveries, gateway error lines). Run as root, after `scripts/build-release.sh` (or pass --relay).
#
#   scripts/bench-postfix.sh [-n MESSAGES] [-s SESSIONS] [--relay PATH] [--port P]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
messages=10000 sessions=50 port=46025 relay="$root/.build/release/securemail-relay"
while [ $# -gt 0 ]; do
    case "$1" in
        -n) messages="$2"; shift 2 ;;
        -s) sessions="$2"; shift 2 ;;
        --relay) relay="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        *) echo "usage: $0 [-n MESSAGES] [-s SESSIONS] [--relay PATH] [--port P]" >&2; exit 64 ;;
    esac
done
[ -x "$relay" ] || relay="$root/.build/debug/securemail-relay"
[ -x "$relay" ] || { echo "bench-postfix: build securemail-relay first (scripts/build-release.sh)" >&2; exit 69; }
reinject_port=$((port + 1)) filter_port=$((port + 2)) sink_port=$((port + 3)) http_port=$((port + 4))
state="$root/.state/bench-postfix-$port"
lab=("$root/scripts/postfix-lab.sh" --mode filter --port "$port" --reinject-port "$reinject_port" --filter-port "$filter_port" --state "$state/lab")
sink_pid="" gateway_pid="" sampler_pid=""
cleanup() {
    [ -z "$sampler_pid" ] || kill "$sampler_pid" 2>/dev/null || true
    [ -z "$gateway_pid" ] || { kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; }
    [ -z "$sink_pid" ] || { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }
    "${lab[@]}" destroy >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
rm -rf "$state"; mkdir -p "$state"

"${lab[@]}" start >/dev/null
# Final destination: smtp-sink instead of the Maildirs.
postconf -c "$state/lab/config" -e "virtual_transport = smtp:[127.0.0.1]:$sink_port"
smtp-sink -u nobody -c 127.0.0.1:"$sink_port" 256 >/dev/null 2>&1 &
sink_pid=$!

"$relay" check-config --print-example \
    | sed -e "s#\"certs/#\"$root/certs/#g" -e "s#^state_directory = .*#state_directory = \"$state/gateway\"#" \
    > "$state/securemail.toml"

seconds_now() { date +%s.%N; }
# One measured run: push the messages, wait until the queue is empty.
run() {
    local start end queued
    start=$(seconds_now)
    smtp-source -m "$messages" -s "$sessions" -f soeren.kjaergaard@gjensidige.dk -t bench@example.dk 127.0.0.1:"$port"
    while :; do
        queued=$("${lab[@]}" queue-count)
        [ "$queued" -eq 0 ] && break
        sleep 0.2
    done
    end=$(seconds_now)
    echo "$start $end" | awk -v n="$messages" '{ printf "%.1f s, %.0f messages/s", $2 - $1, n / ($2 - $1) }'
}

postconf -c "$state/lab/config" -e "content_filter ="
postfix -c "$state/lab/config" reload >/dev/null 2>&1
sleep 1
alone=$(run)

postconf -c "$state/lab/config" -e "content_filter = securemail:[127.0.0.1]:$filter_port"
postfix -c "$state/lab/config" reload >/dev/null 2>&1
"$relay" serve --config "$state/securemail.toml" --smtp 127.0.0.1:"$filter_port" \
    --next-hop 127.0.0.1:"$reinject_port" --http 127.0.0.1:"$http_port" >"$state/serve.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$filter_port") 2>/dev/null && break; sleep 0.1; done
sleep 1
while kill -0 "$gateway_pid" 2>/dev/null; do
    awk '/^VmRSS/ { print $2 }' "/proc/$gateway_pid/status" 2>/dev/null || true
    sleep 1
done > "$state/rss.samples" &
sampler_pid=$!
filtered=$(run)
kill "$sampler_pid" 2>/dev/null || true
peak=$(awk '/^VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$gateway_pid/status")
flat=$(awk '{ v[NR] = $1 } END {
    q = int(NR / 4); if (q < 1) { print "too few samples"; exit }
    for (i = 1; i <= q; i++) first += v[i]; for (i = NR - q + 1; i <= NR; i++) last += v[i]
    printf "%.0f MiB in the first quarter, %.0f MiB in the last (%d samples)", first / q / 1024, last / q / 1024, NR }' "$state/rss.samples")
sent=$(grep -c "relay=127.0.0.1\[127.0.0.1\]:$sink_port.*status=sent" "$state/lab/maillog" || true)
problems=$(grep -cE "status=(deferred|bounced)" "$state/lab/maillog" || true)
gateway_errors=$(grep -c " error " "$state/serve.log" || true)

echo "messages: $messages per run, $sessions sessions, relay $relay"
echo "Postfix alone -> smtp-sink:           $alone"
echo "Postfix + SecureMail -> smtp-sink:    $filtered"
echo "gateway peak RSS (VmHWM):             $peak"
echo "gateway RSS, sampled every second:    $flat"
echo "deliveries to smtp-sink (both runs):  $sent of $((2 * messages))"
echo "deferred or bounced deliveries:       $problems; gateway error lines: $gateway_errors"
