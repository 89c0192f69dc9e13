import Foundation

/// Which way a message travelled through the gateway, as recorded in quarantine and audit.
///
/// The raw values match the `direction` field of the JSON report.
public enum StoreDirection: String, Sendable, Hashable, CaseIterable, Codable {
    /// Mail from outside to one of the gateway's mailboxes.
    case inbound
    /// Mail from staff to outside recipients.
    case outbound
    /// Mail that stays between internal domains.
    case `internal`
}

/// A certificate the gateway knows, with where it came from and when it was seen.
///
/// The store keeps what it is handed: the caller (Crypto / Pipeline) parses the certificate and
/// fills in the fields. The fingerprint is the key: harvesting the same certificate again updates
/// the existing row instead of adding one.
public struct StoredCertificate: Sendable, Hashable, Identifiable {
    /// How the certificate entered the store. When the same certificate arrives by several routes,
    /// the store keeps the most authoritative one: `mailbox` over `imported` over `harvested`.
    public enum Source: String, Sendable, Hashable, CaseIterable, Codable {
        /// Imported by an operator (`certs import`).
        case imported
        /// Taken from a verified signed message (for encrypting replies).
        case harvested
        /// One of the gateway's own mailbox certificates.
        case mailbox
    }

    /// Lower-case hexadecimal SHA-256 of the DER encoding (64 characters).
    public var fingerprint: String
    /// The certificate, DER encoded.
    public var der: [UInt8]
    /// E-mail addresses the certificate is issued to, as written in it.
    public var emails: [String]
    /// The subject distinguished name, for display.
    public var subject: String
    /// The issuer distinguished name, for display.
    public var issuer: String
    /// Start of validity.
    public var notBefore: Date
    /// End of validity.
    public var notAfter: Date
    /// Whether key usage / extended key usage allow encrypting mail to this certificate.
    public var allowsEncryption: Bool
    /// Whether the certificate is known to be revoked.
    public var revoked: Bool
    /// The holder's S/MIME capabilities (algorithm names or OIDs), most preferred first.
    public var capabilities: [String]
    /// How the certificate entered the store.
    public var source: Source
    /// When the gateway first saw the certificate.
    public var firstSeen: Date
    /// When the gateway last saw the certificate.
    public var lastSeen: Date

    /// The fingerprint, which identifies the certificate.
    public var id: String { fingerprint }

    /// Creates a certificate record. Times are kept with millisecond precision by the store.
    public init(
        fingerprint: String, der: [UInt8], emails: [String], subject: String, issuer: String,
        notBefore: Date, notAfter: Date, allowsEncryption: Bool, revoked: Bool = false,
        capabilities: [String] = [], source: Source, firstSeen: Date, lastSeen: Date
    ) {
        self.fingerprint = fingerprint
        self.der = der
        self.emails = emails
        self.subject = subject
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.allowsEncryption = allowsEncryption
        self.revoked = revoked
        self.capabilities = capabilities
        self.source = source
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    /// Whether mail may be encrypted to this certificate at `time`: within validity, not revoked,
    /// and allowed for encryption.
    public func isUsableForEncryption(at time: Date) -> Bool {
        allowsEncryption && !revoked && notBefore <= time && time <= notAfter
    }
}

/// Seals quarantined messages so that they are encrypted at rest.
///
/// The Pipeline implements this with CMS encryption to the gateway's quarantine key; the store
/// never sees a clear message, only what ``seal(_:)`` returned.
public protocol QuarantineSealing: Sendable {
    /// Encrypts a whole message for storage.
    func seal(_ message: [UInt8]) throws -> [UInt8]
    /// Decrypts what ``seal(_:)`` produced.
    func open(_ sealed: [UInt8]) throws -> [UInt8]
}

/// A message encrypted at rest by a ``QuarantineSealing``.
///
/// The only public way to make one is to seal a message, so the store can only ever be handed
/// sealed bytes.
public struct SealedMessage: Sendable, Hashable {
    /// The sealed bytes, as the sealing produced them.
    public let bytes: [UInt8]
    /// The size of the clear message in bytes.
    public let clearSize: Int

    /// Seals `message` with `sealing`.
    /// - Throws: whatever the sealing throws; nothing is stored then.
    public init(sealing message: [UInt8], with sealing: some QuarantineSealing) throws {
        self.bytes = try sealing.seal(message)
        self.clearSize = message.count
    }

    /// Rebuilds a sealed message read back from the database.
    init(storedBytes: [UInt8], clearSize: Int) {
        self.bytes = storedBytes
        self.clearSize = clearSize
    }

    /// Opens the message with the sealing that sealed it.
    /// - Throws: whatever the sealing throws (wrong key, damaged data).
    public func open(with sealing: some QuarantineSealing) throws -> [UInt8] {
        try sealing.open(bytes)
    }
}

/// A message held back by the gateway, with why, and whether an operator released it.
public struct QuarantineEntry: Sendable, Hashable, Identifiable {
    /// Identifies the entry (`quarantine show ID`).
    public var id: UUID
    /// When the message was quarantined.
    public var created: Date
    /// Which way the message was going.
    public var direction: StoreDirection
    /// The gateway mailbox or sending staff address the message belongs to.
    public var mailbox: String
    /// Envelope sender.
    public var sender: String
    /// Envelope recipients.
    public var recipients: [String]
    /// Why the message was quarantined, for people.
    public var reason: String
    /// Detector findings as kind → count (`dk-cpr` → 2).
    public var findingCounts: [String: Int]
    /// Findings as masked strings only (`010190-XXXX`); never a clear identifier.
    public var maskedFindings: [String]
    /// The message, encrypted at rest.
    public var sealedMessage: SealedMessage
    /// When an operator released the message, if they did.
    public var releasedAt: Date?

    /// Size of the clear message in bytes.
    public var size: Int { sealedMessage.clearSize }
    /// Whether an operator released the message.
    public var isReleased: Bool { releasedAt != nil }

    /// Creates an entry. Times are kept with millisecond precision by the store.
    public init(
        id: UUID = UUID(), created: Date, direction: StoreDirection, mailbox: String, sender: String,
        recipients: [String], reason: String, findingCounts: [String: Int] = [:], maskedFindings: [String] = [],
        sealedMessage: SealedMessage, releasedAt: Date? = nil
    ) {
        self.id = id
        self.created = created
        self.direction = direction
        self.mailbox = mailbox
        self.sender = sender
        self.recipients = recipients
        self.reason = reason
        self.findingCounts = findingCounts
        self.maskedFindings = maskedFindings
        self.sealedMessage = sealedMessage
        self.releasedAt = releasedAt
    }
}

/// One audit row: one message and its outcome. It has no field for content on purpose: bodies,
/// subjects and detected identifiers never enter the audit trail.
public struct AuditRecord: Sendable, Hashable, Identifiable {
    /// Identifies the record; appending the same id twice stores it once.
    public var id: UUID
    /// When the outcome was decided.
    public var time: Date
    /// Which way the message was going.
    public var direction: StoreDirection
    /// The gateway mailbox or sending staff address concerned.
    public var mailbox: String
    /// Envelope sender.
    public var sender: String
    /// Envelope recipients.
    public var recipients: [String]
    /// Where the message was routed (`department:Skade`), or empty.
    public var route: String
    /// Signature verdict (`verified`, `not-verified`, `plain` ...).
    public var verdict: String
    /// What was done (`deliver`, `encrypt`, `quarantine`, `block`, `tempfail`).
    public var action: String
    /// Finding kinds and how many of each; never the findings themselves.
    public var findings: [String: Int]
    /// Processing time in milliseconds.
    public var durationMilliseconds: Int
    /// The Message-ID as given, or a hash of it, as the caller decides.
    public var messageId: String
    /// Name of the relay instance that handled the message.
    public var instance: String

    /// Creates a record. Times are kept with millisecond precision by the store.
    public init(
        id: UUID = UUID(), time: Date, direction: StoreDirection, mailbox: String, sender: String,
        recipients: [String], route: String, verdict: String, action: String, findings: [String: Int],
        durationMilliseconds: Int, messageId: String, instance: String
    ) {
        self.id = id
        self.time = time
        self.direction = direction
        self.mailbox = mailbox
        self.sender = sender
        self.recipients = recipients
        self.route = route
        self.verdict = verdict
        self.action = action
        self.findings = findings
        self.durationMilliseconds = durationMilliseconds
        self.messageId = messageId
        self.instance = instance
    }
}
