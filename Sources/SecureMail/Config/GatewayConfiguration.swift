/// The whole configuration of one SecureMail deployment.
///
/// Loaded from TOML by ``ConfigurationLoader``; every path in it is absolute once loaded
/// (relative paths are resolved against the configuration file's folder).
public struct GatewayConfiguration: Sendable, Equatable {
    public var gateway: GatewaySettings
    public var trust: TrustSettings
    public var mailboxes: [MailboxSettings]
    public var routing: RoutingSettings
    public var inbound: InboundSettings
    public var outbound: OutboundSettings
    public var limits: LimitSettings
    public var retention: RetentionSettings
    public var serve: ServeSettings
    public var delivery: DeliverySettings

    public init(
        gateway: GatewaySettings, trust: TrustSettings, mailboxes: [MailboxSettings],
        routing: RoutingSettings, inbound: InboundSettings = InboundSettings(),
        outbound: OutboundSettings = OutboundSettings(), limits: LimitSettings = LimitSettings(),
        retention: RetentionSettings = RetentionSettings(), serve: ServeSettings = ServeSettings(),
        delivery: DeliverySettings = DeliverySettings()
    ) {
        self.gateway = gateway
        self.trust = trust
        self.mailboxes = mailboxes
        self.routing = routing
        self.inbound = inbound
        self.outbound = outbound
        self.limits = limits
        self.retention = retention
        self.serve = serve
        self.delivery = delivery
    }

    /// The mailbox settings for an address, compared case-insensitively.
    public func mailbox(_ address: String) -> MailboxSettings? {
        let wanted = address.lowercased()
        return mailboxes.first { $0.address.lowercased() == wanted }
    }

    /// The routing table of the mailboxes, departments and employees.
    public var routingTable: RoutingTable {
        RoutingTable(
            mailboxes: mailboxes.map { SecureMailbox(address: $0.address, defaultDestination: $0.defaultDestination) },
            targets: routing.employees + routing.departments)
    }

    /// The mailbox that signs and keeps a readable copy of outbound mail from `sender`.
    public func outboundMailbox(for sender: String) -> MailboxSettings? {
        mailbox(sender) ?? outbound.mailbox.flatMap(mailbox) ?? mailboxes.first
    }

    /// Whether an address belongs to one of the organisation's own domains.
    public func isInternal(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@") else { return false }
        let domain = address[address.index(after: at)...].lowercased()
        return gateway.internalDomains.contains { $0.lowercased() == domain }
    }
}

/// Identity and state of this gateway instance.
public struct GatewaySettings: Sendable, Equatable {
    /// Name of this relay in logs and audit rows (several relays may share one database).
    public var name: String
    /// Folder for local state: the SQLite database and spill files.
    public var stateDirectory: String
    /// `sqlite:PATH` or `postgres://user@host:port/db`.
    public var databaseURL: String
    /// Domains whose addresses are the organisation's own (staff, departments, mailboxes).
    public var internalDomains: [String]
    /// Certificate that quarantined messages are encrypted to at rest.
    public var quarantineCertificate: String
    /// Private key of ``quarantineCertificate``; needed to release or show quarantined mail.
    public var quarantineKey: String

    public init(
        name: String, stateDirectory: String, databaseURL: String, internalDomains: [String],
        quarantineCertificate: String, quarantineKey: String
    ) {
        self.name = name
        self.stateDirectory = stateDirectory
        self.databaseURL = databaseURL
        self.internalDomains = internalDomains
        self.quarantineCertificate = quarantineCertificate
        self.quarantineKey = quarantineKey
    }
}

/// Trust anchors and revocation lists for signature verification.
public struct TrustSettings: Sendable, Equatable {
    /// PEM files with trust anchors (for example the Danish OCES / MitID roots).
    public var anchors: [String]
    /// PEM or DER files with intermediate certificates that are not anchors.
    public var intermediates: [String]
    /// PEM or DER CRL files.
    public var crls: [String]

    public init(anchors: [String], intermediates: [String] = [], crls: [String] = []) {
        self.anchors = anchors
        self.intermediates = intermediates
        self.crls = crls
    }
}

/// One public secure mailbox, such as `sikkermail@gjensidige.dk`.
public struct MailboxSettings: Sendable, Equatable {
    public var address: String
    /// Where mail goes when the Subject names nobody, or names several targets equally well.
    public var defaultDestination: String
    /// The mailbox's certificate and key pairs (for example one RSA and one EC); the first signs.
    public var identities: [IdentityFiles]
    /// What happens to inbound mail that is not `verified`.
    public var unverified: UnverifiedAction
    /// Tag put in front of the Subject of mail delivered with ``UnverifiedAction/deliverMarked``.
    public var unverifiedSubjectTag: String

    public init(
        address: String, defaultDestination: String, identities: [IdentityFiles],
        unverified: UnverifiedAction = .deliverMarked, unverifiedSubjectTag: String = "[Ikke verificeret]"
    ) {
        self.address = address
        self.defaultDestination = defaultDestination
        self.identities = identities
        self.unverified = unverified
        self.unverifiedSubjectTag = unverifiedSubjectTag
    }
}

/// A certificate file and its private key file (PEM), or a PKCS#12 file.
public struct IdentityFiles: Sendable, Equatable {
    public var certificate: String?
    public var key: String?
    public var pkcs12: String?
    /// File holding the passphrase of the key or PKCS#12 file (first line), if it has one.
    public var passphraseFile: String?

    public init(certificate: String? = nil, key: String? = nil, pkcs12: String? = nil, passphraseFile: String? = nil) {
        self.certificate = certificate
        self.key = key
        self.pkcs12 = pkcs12
        self.passphraseFile = passphraseFile
    }
}

/// What to do with inbound mail whose verdict is not `verified`.
public enum UnverifiedAction: String, Sendable, Equatable, CaseIterable {
    /// Deliver with the verdict headers and a Subject tag, never as verified.
    case deliverMarked = "deliver-marked"
    /// Hold in quarantine for an operator to release.
    case quarantine
    /// Refuse permanently (the MTA bounces it to the sender).
    case reject
}

/// Employees and departments that inbound mail is routed to by the name in the Subject.
public struct RoutingSettings: Sendable, Equatable {
    public var departments: [RouteTarget]
    public var employees: [RouteTarget]

    public init(departments: [RouteTarget], employees: [RouteTarget]) {
        self.departments = departments
        self.employees = employees
    }
}

/// Inbound processing settings shared by all mailboxes.
public struct InboundSettings: Sendable, Equatable {
    /// Store the sender certificates of verified mail for encrypted replies.
    public var harvestCertificates: Bool

    public init(harvestCertificates: Bool = true) {
        self.harvestCertificates = harvestCertificates
    }
}

/// Outbound data-loss-prevention policy.
public struct OutboundSettings: Sendable, Equatable {
    /// Rules tried in order; the first whose kinds and confidence match a finding decides.
    public var rules: [OutboundRule]
    /// Content encryption when the recipient's capabilities say nothing better.
    public var cipher: String
    /// `detached` (multipart/signed, readable without S/MIME) or `opaque`.
    public var signing: String
    /// The mailbox whose key signs, and whose certificate gets a copy of, encrypted mail from
    /// staff addresses (mail from a mailbox uses that mailbox). Nil: the first mailbox.
    public var mailbox: String?

    public init(rules: [OutboundRule] = OutboundRule.defaults, cipher: String = "aes-256-cbc", signing: String = "detached", mailbox: String? = nil) {
        self.rules = rules
        self.cipher = cipher
        self.signing = signing
        self.mailbox = mailbox
    }
}

/// Limits on hostile or oversized input; past any of them a message is refused or quarantined.
public struct LimitSettings: Sendable, Equatable {
    public var maxMessageBytes: Int
    public var maxHeaderLineBytes: Int
    public var maxHeaderFields: Int
    public var maxMIMEDepth: Int
    public var maxParts: Int
    public var maxCMSBytes: Int

    public init(
        maxMessageBytes: Int = 64 << 20, maxHeaderLineBytes: Int = 64 << 10, maxHeaderFields: Int = 2000,
        maxMIMEDepth: Int = 32, maxParts: Int = 5000, maxCMSBytes: Int = 256 << 20
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxHeaderLineBytes = maxHeaderLineBytes
        self.maxHeaderFields = maxHeaderFields
        self.maxMIMEDepth = maxMIMEDepth
        self.maxParts = maxParts
        self.maxCMSBytes = maxCMSBytes
    }
}

/// How long quarantined mail and audit rows are kept.
public struct RetentionSettings: Sendable, Equatable {
    public var quarantineDays: Int
    public var auditDays: Int

    public init(quarantineDays: Int = 30, auditDays: Int = 1826) {
        self.quarantineDays = quarantineDays
        self.auditDays = auditDays
    }
}

/// Listening and next-hop addresses of `securemail-relay serve`.
public struct ServeSettings: Sendable, Equatable {
    public var http: String
    public var smtp: String
    public var nextHop: String

    public init(http: String = "127.0.0.1:8080", smtp: String = "127.0.0.1:10025", nextHop: String = "127.0.0.1:10026") {
        self.http = http
        self.smtp = smtp
        self.nextHop = nextHop
    }
}

/// How pipe mode hands a processed message back to the MTA.
public struct DeliverySettings: Sendable, Equatable {
    /// `sendmail` or `smtp`.
    public var method: String
    public var sendmailPath: String

    public init(method: String = "sendmail", sendmailPath: String = "/usr/sbin/sendmail") {
        self.method = method
        self.sendmailPath = sendmailPath
    }
}
