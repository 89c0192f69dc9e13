#!/usr/bin/env bash
# Fuzzes SecureMail's input handling with libFuzzer, each target for a given time.
#
#   scripts/fuzz.sh [--seconds N] [--build-only] [mime] [inbound] [cms]
#
#   mime      the MIME parser: whatever it accepts must serialise back byte for byte
#   inbound   the whole inbound inspection (unwrap, decrypt, verify, route, scan) with the demo keys
#   cms       CMS SignedData verification, EnvelopedData/AuthEnvelopedData decryption, X.509 parsing
#
# Default: all three targets, 3600 s each, one after another (run several invocations for
# parallel runs). The executable is built with -sanitize=fuzzer,address in .build-fuzz, linked
# with lld (gold fails on it).
# Corpora grow in .state/fuzz/corpus-TARGET, seeded from the test fixtures (the bad-input
# corpus, the LAMPS samples, the examples) and from CMS made here with the DEMO keys. Crashing
# inputs land in .state/fuzz/crashes-TARGET/; once fixed, copy them to
# Tests/SecureMailTests/Fixtures/fuzz/TARGET/, where FuzzRegressionTests replays them. The log of
# each run, with libFuzzer's final statistics, is .state/fuzz/TARGET.log. An input counts as
# hanging after 60 s of wall time, not libFuzzer's usual few seconds: on a shared two-core
# machine a fuzzer at low priority is starved for seconds at a time (seen: a 28 KB message with
# 4,000 empty parts, 0.3 s on its own, reported at 10 s).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=3600 build_only="" targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --build-only) build_only=yes; shift ;;
        mime|inbound|cms) targets+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument $1 (targets: mime inbound cms)" >&2; exit 64 ;;
    esac
done
[ "${#targets[@]}" -gt 0 ] || targets=(mime inbound cms)

SECUREMAIL_FUZZ=1 swift build --scratch-path .build-fuzz --product securemail-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
binary=.build-fuzz/debug/securemail-fuzz
[ -z "$build_only" ] || exit 0

state=.state/fuzz
mkdir -p "$state"
chmod 600 certs/*.key.pem

seed_messages() {
    local corpus="$1"
    cp Tests/SecureMailTests/Fixtures/hostile/messages/* "$corpus/"
    cp Tests/SecureMailTests/Fixtures/lamps-smime/*.eml "$corpus/" 2>/dev/null || true
    cp Examples/*.eml "$corpus/"
}

seed_cms() {
    local corpus="$1" work
    work=$(mktemp -d)
    printf 'Content-Type: text/plain\r\n\r\nhej\r\n' > "$work/content"
    openssl cms -sign -binary -in "$work/content" -signer certs/demo-customer.pem -inkey certs/demo-customer.key.pem \
        -outform DER -out "$corpus/signed-detached.der"
    openssl cms -sign -binary -nodetach -in "$work/content" -signer certs/demo-customer-ec.pem \
        -inkey certs/demo-customer-ec.key.pem -outform DER -out "$corpus/signed-opaque-ec.der"
    openssl cms -encrypt -binary -aes-256-cbc -in "$work/content" -outform DER -out "$corpus/enveloped-rsa.der" certs/sikkermail.pem
    openssl cms -encrypt -binary -aes-256-gcm -in "$work/content" -outform DER -out "$corpus/authenveloped-rsa.der" certs/sikkermail.pem
    openssl cms -encrypt -binary -aes-128-cbc -recip certs/sikkermail.pem -keyopt rsa_padding_mode:oaep \
        -in "$work/content" -outform DER -out "$corpus/enveloped-oaep.der"
    openssl cms -encrypt -binary -aes-256-cbc -in "$work/content" -outform DER -out "$corpus/enveloped-ecdh.der" certs/sikkermail-ec.pem
    openssl x509 -in certs/sikkermail.pem -outform DER -out "$corpus/certificate.der"
    rm -rf "$work"
}

for target in "${targets[@]}"; do
    corpus="$state/corpus-$target" crashes="$state/crashes-$target"
    mkdir -p "$corpus" "$crashes"
    if [ -z "$(ls -A "$corpus")" ]; then
        case "$target" in
            mime|inbound) seed_messages "$corpus" ;;
            cms) seed_cms "$corpus" ;;
        esac
    fi
    regressions="Tests/SecureMailTests/Fixtures/fuzz/$target"
    [ ! -d "$regressions" ] || cp "$regressions"/* "$corpus/" 2>/dev/null || true
    echo "fuzz.sh: $target for $seconds s; log $state/$target.log"
    status=0
    SECUREMAIL_FUZZ_TARGET="$target" ASAN_OPTIONS=detect_leaks=0 "$binary" "$corpus" \
        -max_total_time="$seconds" -timeout=60 -report_slow_units=60 -rss_limit_mb=3072 -max_len=262144 \
        -artifact_prefix="$crashes/" -print_final_stats=1 > "$state/$target.log" 2>&1 || status=$?
    tail -n 25 "$state/$target.log" | grep -E '^(stat::|Done|#[0-9]+.*DONE|==[0-9]+==ERROR|SUMMARY)' || true
    echo "fuzz.sh: $target exited $status; crashes: $(ls "$crashes" | wc -l)"
done
