#!/usr/bin/env bash
# Runs SecureMail on its built-in example configuration (DEMO certificates, SQLite state):
# shows the report on the demo customer message, then runs the gateway until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
chmod 600 certs/*.key.pem
swift build --product securemail-relay
relay=.build/debug/securemail-relay
"$relay" inspect Examples/demo-inbound.eml --json
echo
echo "Starting the gateway: SMTP filter 127.0.0.1:10025 -> 127.0.0.1:10026, certificate page http://127.0.0.1:8080/ (Ctrl-C stops)"
exec "$relay" serve
