#!/usr/bin/env bash
# Recreates the DEMO message in this folder from the DEMO certificates in ../certs:
# signed by the DEMO customer, encrypted to the sikkermail mailbox, with the real Subject
# protected inside (RFC 9788) and "..." outside.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
certs=../certs

printf '%s\r\n' \
    'Content-Type: text/plain; charset=utf-8; hp="cipher"' \
    'Content-Transfer-Encoding: 8bit' \
    'From: Demo Kunde <kunde@example.dk>' \
    'To: sikkermail@gjensidige.dk' \
    'Subject: Til Søren Kjærgaard: skade på carport' \
    'Date: Sat, 21 Nov 2026 12:00:00 +0100' \
    'Message-ID: <demo-inbound-1@example.dk>' \
    '' \
    'Hej Søren,' \
    '' \
    'Vedhæftet er billeder af skaden på vores carport efter stormen.' \
    '' \
    'Venlig hilsen' \
    'Demo Kunde' > "$work/inner.eml"
openssl cms -sign -in "$work/inner.eml" -binary -md sha256 \
    -signer "$certs/demo-customer.pem" -inkey "$certs/demo-customer.key.pem" -out "$work/signed.eml"
openssl cms -encrypt -in "$work/signed.eml" -binary -aes-256-cbc -out "$work/enveloped.eml" \
    -from "Demo Kunde <kunde@example.dk>" -to "sikkermail@gjensidige.dk" -subject "..." "$certs/sikkermail.pem"
{
    printf 'Date: Sat, 21 Nov 2026 12:00:00 +0100\r\nMessage-ID: <demo-inbound-1@example.dk>\r\n'
    sed 's/\r\{0,1\}$/\r/' "$work/enveloped.eml"
} > demo-inbound.eml
echo "DEMO message written to $(pwd)/demo-inbound.eml"
