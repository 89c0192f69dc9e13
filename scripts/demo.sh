#!/usr/bin/env bash
# Runs SecureMail on its built-in example configuration (DEMO certificates, SQLite state):
# unwraps, decrypts and verifies the demo customer message and prints the JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
chmod 600 certs/*.key.pem
swift build --product securemail-relay
.build/debug/securemail-relay inspect Examples/demo-inbound.eml --json
