# Sourced by the bench scripts, from the repository's root:
#   make_bench_messages COUNT DIR
# writes COUNT inbound messages of about 20 KB to DIR/inbound (signed by the DEMO customer and
# encrypted with AES-256-CBC to the DEMO sikkermail certificate, by the openssl CLI) and COUNT
# outbound staff mails with a CPR number to the DEMO customer to DIR/outbound.
make_bench_messages() {
    local count=$1 work=$2 body i
    mkdir -p "$work/inbound" "$work/outbound"
    # Lines end in CR LF, as S/MIME clients write what they sign. The body has no line break of
    # its own at the end (the shell would keep its CR and drop its LF): printf adds the last CR LF.
    body=$(python3 -c "import sys; sys.stdout.write('\r\n'.join(['Hej Gjensidige, her er billederne af skaden på min bil. ' * 8] * 40))")
    for i in $(seq 1 "$count"); do
        printf 'Content-Type: text/plain; charset=utf-8\r\nFrom: Demo Kunde <kunde@example.dk>\r\nTo: sikkermail@gjensidige.dk\r\nSubject: Til Skade %s\r\n\r\n%s\r\n' "$i" "$body" > "$work/inner"
        openssl cms -sign -in "$work/inner" -binary -signer certs/demo-customer.pem -inkey certs/demo-customer.key.pem -out "$work/signed"
        openssl cms -encrypt -in "$work/signed" -binary -aes-256-cbc -from kunde@example.dk -to sikkermail@gjensidige.dk \
            -subject "..." -out "$work/inbound/$i.eml" certs/sikkermail.pem
        printf 'From: Søren Kjærgaard <soeren.kjaergaard@gjensidige.dk>\r\nTo: kunde@example.dk\r\nSubject: Din sag %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDit CPR-nr. 010190-1009.\r\n%s\r\n' "$i" "$body" > "$work/outbound/$i.eml"
    done
    rm -f "$work/inner" "$work/signed"
}
