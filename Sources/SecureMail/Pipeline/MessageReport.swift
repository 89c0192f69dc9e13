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
    /// `2026-11-21T12:00:00Z`: UTC, whole seconds. Computed from the day number (the proleptic
    /// Gregorian calendar, as RFC 3339 requires) rather than with a formatter, whose first use
    /// loads time zone and calendar data: a measurable part of a short `inspect` run.
    public static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (dayNumber, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let (year, month, day) = civilDate(daysSince1970: dayNumber)
        func digits(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))T"
            + "\(digits(second / 3600, 2)):\(digits(second / 60 % 60, 2)):\(digits(second % 60, 2))Z"
    }

    /// Year, month and day of a day number (days since 1970-01-01), after Howard Hinnant's
    /// `civil_from_days`: eras of 400 years, each year starting on 1 March.
    static func civilDate(daysSince1970: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSince1970 + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses `2026-11-21T12:00:00Z`, with fractional seconds or an offset, or a bare date (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }
}
