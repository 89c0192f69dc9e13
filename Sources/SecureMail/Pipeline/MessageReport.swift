import Foundation

/// The JSON report of `inspect --json`, `process --report` and `scan --json`. Field names
/// and values are a contract (DESIGN.md section 3); fields are added, never renamed.
public struct MessageReport: Codable, Sendable, Equatable {
    public var messageId: String?
    /// `inbound`, `outbound` or `internal`.
    public var direction: String
    public var from: String?
    public var layers: [LayerReport]
    public var encrypted: Bool
    public var decrypted: Bool
    public var signed: Bool
    public var signature: SignatureSummary
    public var signer: String?
    public var signerMatchesFrom: Bool?
    public var verdict: Verdict
    /// The effective subject: the protected one when present, RFC 2047 decoded.
    public var subject: String?
    public var protectedHeaders: [String]
    public var route: RouteDecision?
    public var dlp: DLPReport?
    public var action: String?
    public var reasons: [String]
    /// The time certificates were evaluated at, ISO 8601.
    public var evaluatedAt: String

    public init(
        messageId: String?, direction: String, from: String?, layers: [LayerReport], encrypted: Bool, decrypted: Bool,
        signed: Bool, signature: SignatureSummary, signer: String?, signerMatchesFrom: Bool?, verdict: Verdict,
        subject: String?, protectedHeaders: [String], route: RouteDecision? = nil, dlp: DLPReport? = nil,
        action: String? = nil, reasons: [String], evaluatedAt: String
    ) {
        self.messageId = messageId
        self.direction = direction
        self.from = from
        self.layers = layers
        self.encrypted = encrypted
        self.decrypted = decrypted
        self.signed = signed
        self.signature = signature
        self.signer = signer
        self.signerMatchesFrom = signerMatchesFrom
        self.verdict = verdict
        self.subject = subject
        self.protectedHeaders = protectedHeaders
        self.route = route
        self.dlp = dlp
        self.action = action
        self.reasons = reasons
        self.evaluatedAt = evaluatedAt
    }
}

/// One layer of the report.
public struct LayerReport: Codable, Sendable, Equatable {
    /// `enveloped`, `authEnveloped` or `signed`.
    public var type: String
    public var algorithm: String
    /// `opaque` or `detached` for signatures.
    public var form: String?
    /// False for a signature that covers only part of the message.
    public var coversWholeMessage: Bool
    public var signers: [SignerReport]

    public init(_ layer: SMIMELayer, coversWholeMessage: Bool = true) {
        type = layer.kind.rawValue
        algorithm = layer.algorithm
        form = layer.form?.rawValue
        self.coversWholeMessage = coversWholeMessage
        signers = layer.signers.map(SignerReport.init)
    }
}

/// One signer of a signature layer.
public struct SignerReport: Codable, Sendable, Equatable {
    public var email: String?
    public var subject: String?
    public var issuer: String?
    public var fingerprint: String?
    public var status: String
    public var reason: String?
    public var signingTime: String?
    public var digestAlgorithm: String
    public var capabilities: [String]

    public init(_ signer: SignerOutcome) {
        email = signer.email
        subject = signer.subject
        issuer = signer.issuer
        fingerprint = signer.fingerprint
        status = signer.status.rawValue
        reason = signer.reason
        signingTime = signer.signingTime.map(ISO8601.format)
        digestAlgorithm = signer.digestAlgorithm
        capabilities = signer.capabilities
    }
}

/// Sensitive data found in a message; values are masked.
public struct DLPReport: Codable, Sendable, Equatable {
    public var sensitive: Bool
    public var findings: [Finding]

    public init(findings: [Finding]) {
        self.sensitive = !findings.isEmpty
        self.findings = findings
    }
}

/// ISO 8601 with seconds and time zone, as reports and `--at` use it.
public enum ISO8601 {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Parses `2026-11-21T12:00:00Z`, with fractional seconds or an offset, or a bare date (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }
}
