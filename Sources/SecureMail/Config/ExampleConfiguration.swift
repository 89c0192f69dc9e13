/// The example configuration shipped with SecureMail: the two sikkermail mailboxes with
/// DEMO certificates from `certs/`, SQLite state under `.securemail-state/`, and the demo
/// organisation that routing tests and demos rely on.
///
/// `securemail-relay check-config --print-example` writes it out as a starting point.
public enum ExampleConfiguration {
    public static let toml = #"""
# SecureMail example configuration: DEMO certificates, never for real mail.
# Relative paths are resolved against this file's folder (the built-in copy: the current folder).

[gateway]
name = "securemail-demo"
state_directory = ".securemail-state"
# database_url = "postgres://securemail@127.0.0.1:5432/securemail"   # default: SQLite in state_directory
internal_domains = ["gjensidige.dk"]
quarantine_certificate = "certs/demo-quarantine.pem"
quarantine_key = "certs/demo-quarantine.key.pem"

[trust]
anchors = ["certs/demo-ca.pem"]
crls = ["certs/demo-ca.crl.pem"]

[[mailboxes]]
address = "sikkermail@gjensidige.dk"
default_destination = "kundeservice@gjensidige.dk"
unverified = "deliver-marked"          # or "quarantine", "reject"
unverified_subject_tag = "[Ikke verificeret]"
  [[mailboxes.identities]]
  certificate = "certs/sikkermail.pem"
  key = "certs/sikkermail.key.pem"
  [[mailboxes.identities]]
  certificate = "certs/sikkermail-ec.pem"
  key = "certs/sikkermail-ec.key.pem"

[[mailboxes]]
address = "sikkermail-arbejdsskade@gjensidige.dk"
default_destination = "arbejdsskade@gjensidige.dk"
  [[mailboxes.identities]]
  certificate = "certs/sikkermail-arbejdsskade.pem"
  key = "certs/sikkermail-arbejdsskade.key.pem"
  [[mailboxes.identities]]
  certificate = "certs/sikkermail-arbejdsskade-ec.pem"
  key = "certs/sikkermail-arbejdsskade-ec.key.pem"

[[routing.departments]]
name = "Skade"
aliases = ["Skadeafdelingen", "Skadeservice"]
address = "skade@gjensidige.dk"

[[routing.departments]]
name = "Arbejdsskade"
aliases = ["Arbejdsskadeafdelingen"]
address = "arbejdsskade@gjensidige.dk"

[[routing.departments]]
name = "Personskade"
address = "personskade@gjensidige.dk"

[[routing.departments]]
name = "Erhverv"
aliases = ["Erhvervsafdelingen"]
address = "erhverv@gjensidige.dk"

[[routing.departments]]
name = "Kundeservice"
address = "kundeservice@gjensidige.dk"

[[routing.departments]]
name = "Rejse"
aliases = ["Rejseforsikring", "Gouda", "Gouda Rejseforsikring"]
address = "rejse@gjensidige.dk"

[[routing.departments]]
name = "Regres"
address = "regres@gjensidige.dk"

[[routing.departments]]
name = "Databeskyttelse"
aliases = ["DPO", "Databeskyttelsesrådgiver"]
address = "dpo@gjensidige.dk"

[[routing.employees]]
name = "Søren Kjærgaard"
address = "soeren.kjaergaard@gjensidige.dk"

[[routing.employees]]
name = "Åse Ødegård"
address = "aase.oedegaard@gjensidige.dk"

[[routing.employees]]
name = "Mette Skade Jensen"
address = "mette.jensen@gjensidige.dk"

[[routing.employees]]
name = "Björn Lindqvist"
address = "bjorn.lindqvist@gjensidige.dk"

[[routing.employees]]
name = "Anne Holm"
address = "anne.holm@gjensidige.dk"

[[routing.employees]]
name = "Anne Marie Holm"
address = "annemarie.holm@gjensidige.dk"

[inbound]
harvest_certificates = true

[outbound]
cipher = "aes-256-cbc"                 # AES-256-GCM and RSA-OAEP are used where the recipient announces them
signing = "detached"
  [[outbound.rules]]
  kinds = ["*"]                        # every identifier and special-category finding
  min_confidence = "medium"
  action = "encrypt"                   # encrypt, encrypt-or-tls, quarantine, block, allow

[limits]
max_message_bytes = 67108864
max_header_line_bytes = 65536
max_header_fields = 2000
max_mime_depth = 32
max_parts = 5000
max_cms_bytes = 268435456

[retention]
quarantine_days = 30
audit_days = 1826

[serve]
http = "127.0.0.1:8080"
smtp = "127.0.0.1:10025"
next_hop = "127.0.0.1:10026"

[delivery]
method = "sendmail"
sendmail_path = "/usr/sbin/sendmail"
"""#
}
