/// The DLP findings for a whole message: `MessageTextExtractor` followed by
/// `SensitiveDataScanner` on every extracted text.
public struct ContentScanResult: Sendable, Hashable {
    /// Masked findings, each with its `location` (`subject`, `body`, `attachment:NAME`).
    /// The same identifier found twice at one location (say in the text and the HTML
    /// alternative) is listed once, with the higher confidence.
    public var findings: [Finding]
    /// What could not be read; the policy decides whether that alone is reason to encrypt or hold.
    public var unreadable: [UnreadableContent]

    /// Makes a result.
    public init(findings: [Finding], unreadable: [UnreadableContent]) {
        self.findings = findings
        self.unreadable = unreadable
    }

    /// True when anything sensitive was found (unreadable content alone does not count).
    public var isSensitive: Bool { !findings.isEmpty }
}

/// Scans messages, files and text for sensitive data (DESIGN.md §5).
public enum SensitiveContentScan {
    /// Findings in a parsed message.
    public static func scan(_ message: MIMEPart, limits: ExtractionLimits = .default) -> ContentScanResult {
        scan(MessageTextExtractor(limits: limits).extract(message))
    }

    /// Findings in a message given as bytes (RFC 5322).
    public static func scan(messageBytes: [UInt8], limits: ExtractionLimits = .default) -> ContentScanResult {
        scan(MessageTextExtractor(limits: limits).extract(messageBytes: messageBytes))
    }

    /// Findings in text that is not a message; every finding is at `location`.
    public static func scan(plainText: String, location: String = "body") -> ContentScanResult {
        scan(MessageExtraction(texts: [ExtractedText(text: plainText, location: location)]))
    }

    /// Findings in text already extracted.
    public static func scan(_ extraction: MessageExtraction) -> ContentScanResult {
        var findings: [Finding] = []
        var indexByKey: [FindingKey: Int] = [:]
        for segment in extraction.texts {
            for finding in SensitiveDataScanner.scan(segment.text, location: segment.location) {
                let key = FindingKey(kind: finding.kind, masked: finding.masked, location: finding.location)
                if let existing = indexByKey[key] {
                    if finding.confidence == .high { findings[existing].confidence = .high }
                } else {
                    indexByKey[key] = findings.count
                    findings.append(finding)
                }
            }
        }
        return ContentScanResult(findings: findings, unreadable: extraction.unreadable)
    }

    private struct FindingKey: Hashable {
        var kind: FindingKind
        var masked: String
        var location: String
    }
}
