#!/usr/bin/env bash
# Recreates every DEMO certificate and key in this folder with the openssl CLI.
# DEMO ONLY: these keys are public in the source tree. Replace them in any real deployment.
set -euo pipefail
cd "$(dirname "$0")"
umask 077

days_ca=7300
days_leaf=3650
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/ca.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
C = DK
O = SecureMail DEMO
CN = SecureMail DEMO Root CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF

openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days "$days_ca" \
    -config "$work/ca.cnf" -extensions v3_ca \
    -keyout demo-ca.key.pem -out demo-ca.pem

# issue NAME EMAIL "COMMON NAME" rsa|ec
issue() {
    local name=$1 email=$2 cn=$3 kind=$4 usage
    if [ "$kind" = rsa ]; then
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key.pem"
        usage="digitalSignature, nonRepudiation, keyEncipherment"
    else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key.pem"
        usage="digitalSignature, nonRepudiation, keyAgreement"
    fi
    cat > "$work/$name.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
C = DK
O = SecureMail DEMO
CN = $cn
emailAddress = $email
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $usage
extendedKeyUsage = emailProtection
subjectAltName = email:$email
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    openssl req -new -key "$name.key.pem" -config "$work/$name.cnf" -out "$work/$name.csr"
    openssl x509 -req -in "$work/$name.csr" -CA demo-ca.pem -CAkey demo-ca.key.pem \
        -CAcreateserial -CAserial "$work/ca.srl" -sha256 -days "$days_leaf" \
        -extfile "$work/$name.cnf" -extensions leaf -out "$name.pem"
}

issue sikkermail                    sikkermail@gjensidige.dk             "Sikker mail (DEMO)"               rsa
issue sikkermail-arbejdsskade       sikkermail-arbejdsskade@gjensidige.dk "Sikker mail arbejdsskade (DEMO)" rsa
issue sikkermail-ec                 sikkermail@gjensidige.dk             "Sikker mail EC (DEMO)"            ec
issue sikkermail-arbejdsskade-ec    sikkermail-arbejdsskade@gjensidige.dk "Sikker mail arbejdsskade EC (DEMO)" ec
issue demo-customer                 kunde@example.dk                     "Demo Kunde (DEMO)"                rsa
issue demo-customer-ec              kunde.ec@example.dk                  "Demo Kunde EC (DEMO)"             ec
issue demo-quarantine               quarantine@securemail.invalid        "SecureMail quarantine key (DEMO)" rsa

# An empty CRL, so that revocation checking has something to read out of the box.
cat > "$work/crl.cnf" <<CNF
[ca]
default_ca = demo
[demo]
database = $work/index.txt
crlnumber = $work/crlnumber
default_md = sha256
default_crl_days = $days_leaf
CNF
: > "$work/index.txt"
echo 01 > "$work/crlnumber"
openssl ca -gencrl -config "$work/crl.cnf" -keyfile demo-ca.key.pem -cert demo-ca.pem -out demo-ca.crl.pem

chmod 600 ./*.key.pem
for f in ./*.pem; do case "$f" in *.key.pem) ;; *) chmod 644 "$f" ;; esac; done
echo "DEMO certificates written to $(pwd)"

# The demo message is encrypted to these certificates: make it anew as well.
../Examples/generate.sh
