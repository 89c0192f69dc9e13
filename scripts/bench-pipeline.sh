#!/usr/bin/env bash
# Pipeline throughput against the machine's RSA-2048 limit, in one run (issue 8):
#   scripts/bench-pipeline.sh [MESSAGES] [REPEAT]
# Builds release, makes MESSAGES inbound messages of about 20 KB with the openssl CLI (signed by
# the DEMO customer, encrypted to the DEMO sikkermail certificate) and as many outbound staff
# mails with a CPR number to the DEMO customer, runs `securemail-relay bench` on both and, in the
# same run, Benchmarks/openssl-floor.c (the same work done by OpenSSL alone, in process, with
# the same threads), and writes the results between the bench-pipeline markers in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-50}
repetitions=${2:-20}
chmod 600 certs/*.key.pem
scripts/build-release.sh >/dev/null 2>&1
relay=.build/release/securemail-relay
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. scripts/bench-messages.sh
cc -O2 -Wall -Wextra -pthread Benchmarks/openssl-floor.c -lcrypto -o "$work/openssl-floor"
cc -O2 -Wall -Wextra Benchmarks/primitive-floor.c -lcrypto -o "$work/primitive-floor"
threads=$(nproc)
make_bench_messages "$count" "$work"
size=$(stat -c %s "$work/inbound/1.eml")

export SECUREMAIL_DATABASE_URL="sqlite:$work/state.sqlite"
"$relay" certs import certs/demo-customer.pem >/dev/null
inbound=$("$relay" bench "$work/inbound" --repeat "$repetitions" --threads "$threads")
outbound=$("$relay" bench "$work/outbound" --repeat "$repetitions" --threads "$threads" --direction outbound)
# Every message must take the normal path (decrypted and verified; encrypted), or the run measures another.
for line in "$inbound" "$outbound"; do
    case "$line" in
        *"(0 failed, $((count * repetitions)) "*) ;;
        *) echo "bench-pipeline: not every message took the normal path: $line" >&2; exit 1 ;;
    esac
done
floor_in=$("$work/openssl-floor" inbound "$work/inbound" certs/sikkermail.pem certs/sikkermail.key.pem certs/demo-ca.pem "$threads" "$repetitions")
floor_out=$("$work/openssl-floor" outbound "$work/outbound" certs/sikkermail.pem certs/sikkermail.key.pem certs/demo-customer.pem "$threads" "$repetitions")
primitives=$("$work/primitive-floor" certs/sikkermail.pem certs/sikkermail.key.pem certs/demo-customer.pem 20480)
floor_line() { # KEY=VALUE output of openssl-floor -> one sentence
    eval "$1"
    printf '%s messages on %s threads in %s s: %s messages/s; RSA-2048 limit %s ops/s; %.0f%% of the limit' \
        "$messages" "$threads" "$seconds" "$messages_per_second" "$rsa_ops_per_second" "$(python3 -c "print($fraction * 100)")"
}
echo "$inbound"
echo "$outbound"
echo "openssl floor inbound: $floor_in"
echo "openssl floor outbound: $floor_out"
echo "primitives: $primitives"
primitive_line() { # KEY=VALUE output of primitive-floor -> one sentence
    eval "$1"
    printf 'one thread, %s bytes of content: RSA-2048 signature %s µs, decryption %s µs, verification %s µs, encryption %s µs; AES-256-CBC %s µs; SHA-256 %s µs; parsing the customer certificate (`d2i_X509`) %s µs. The primitives alone allow %.0f%% of the limit inbound (decryption, two verifications, AES, SHA-256) and %.0f%% outbound (signature, two encryptions, AES, SHA-256)' \
        "$bytes" "$sign_us" "$decrypt_us" "$verify_us" "$encrypt_us" "$aes_us" "$sha256_us" "$x509_us" \
        "$(python3 -c "print($inbound * 100)")" "$(python3 -c "print($outbound * 100)")"
}

section=$(cat <<MD
<!-- bench-pipeline:begin -->
## Pipeline vs the RSA-2048 limit (\`scripts/bench-pipeline.sh $count $repetitions\`)

Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, release build. Inbound messages are $size bytes
(signed by the DEMO customer with the openssl CLI, AES-256-CBC to the DEMO mailbox); outbound
messages carry a CPR number and are signed and encrypted to the DEMO customer. The RSA limit is
measured in the same run with the same threads (PKCS#1 v1.5 signatures with the mailbox key), in
four half seconds between four stretches of the messages, so that both see the machine as it is.

- $inbound
- $outbound
- OpenSSL alone, inbound (\`Benchmarks/openssl-floor.c\`: \`SMIME_read_CMS\`, \`CMS_decrypt\`, \`SMIME_read_CMS\`, \`CMS_verify\`): $(floor_line "$floor_in")
- OpenSSL alone, outbound (\`CMS_sign\` SHA-256 detached, \`CMS_encrypt\` AES-256-CBC to the customer and the mailbox, as the gateway does, S/MIME out, no DLP scan): $(floor_line "$floor_out")
- The primitives alone (\`Benchmarks/primitive-floor.c\`), $(primitive_line "$primitives")
<!-- bench-pipeline:end -->
MD
)
printf '%s\n' "$section" | scripts/benchmark-section.py bench-pipeline
