#!/usr/bin/env bash
# Runs every SecureMail test on a fresh Debian machine: installs the packages the tests
# use, starts the services they need on loopback, then runs `swift test`.
# Extra arguments go to `swift test` (for example: scripts/test.sh --filter Interop).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openssl libssl-dev gpgsm gnupg libnss3-tools python3-vobject zlib1g-dev poppler-utils)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# git does not keep file modes, and SecureMail refuses keys that others may read.
chmod 600 certs/*.key.pem

swift build --build-tests
swift test --skip-build "$@"
