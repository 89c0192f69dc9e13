#!/usr/bin/env bash
# Runs every SecureMail test on a fresh Debian machine: installs the packages the tests
# use, starts the services they need on loopback, then runs `swift test`.
# Extra arguments go to `swift test` (for example: scripts/test.sh --filter Interop).
#
# The suite is built with AddressSanitizer (all Swift code and SecureMail's C shims) and
# UndefinedBehaviorSanitizer (the C shims), in .build-asan: every program the tests start is that
# build too, so CI's one run is also the sanitizer job. `scripts/test.sh --plain [ARGS]` builds
# without sanitizers, in .build, for a quicker local run.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI runs this with no standard input at all; give every program started below an empty one.
exec </dev/null

packages=(
    openssl libssl-dev zlib1g-dev gpgsm gnupg libnss3-tools python3-vobject python3-prometheus-client curl chromium
    poppler-utils postgresql postfix swaks
)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    # Postfix is here only for its test programs smtp-sink and smtp-source: install it without a
    # configuration, and forbid package scripts to start services, so that no mail server ever
    # listens on port 25 of the test machine.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    policy_created=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_created="yes"
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ -n "$policy_created" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# Belt and braces: should a Postfix master run anyway (installed earlier with a configuration),
# stop it; the transport tests start their own smtp-sink on free loopback ports.
if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
    postfix stop >/dev/null 2>&1 || true
fi

# git does not keep file modes, and SecureMail refuses keys that others may read.
chmod 600 certs/*.key.pem

# A throw-away PostgreSQL on 127.0.0.1 for the store tests (SQLite needs nothing).
SECUREMAIL_TEST_POSTGRES_URL=$(scripts/postgres.sh start)
export SECUREMAIL_TEST_POSTGRES_URL
trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT

build_options=(--scratch-path .build-asan -Xswiftc -sanitize=address)
if [ "${1:-}" = "--plain" ]; then
    shift
    build_options=()
else
    # Leaks are not failures here (see Sources/CPosix/shims.c): TOMLKit's would fail every run.
    export SECUREMAIL_SANITIZE=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
fi
swift build --build-tests "${build_options[@]}"
# A test that hangs must fail the run with its output, well inside CI's limit, not time it out.
timeout --kill-after=60 40m swift test --skip-build "${build_options[@]}" "$@"
