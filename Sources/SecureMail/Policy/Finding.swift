/// What a DLP finding is about. The raw values are the `kind` strings of the JSON report.
public enum FindingKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Danish CPR number.
    case danishCPR = "dk-cpr"
    /// Swedish personnummer or samordningsnummer.
    case swedishPersonnummer = "se-personnummer"
    /// Norwegian fødselsnummer, D-nummer or H-nummer.
    case norwegianFodselsnummer = "no-fodselsnummer"
    /// Data concerning health (GDPR art. 9).
    case health
    /// Trade-union membership (GDPR art. 9).
    case tradeUnion = "trade-union"
    /// Criminal convictions and offences (GDPR art. 10).
    case criminal
    /// Racial or ethnic origin (GDPR art. 9).
    case ethnicity
    /// Religious or philosophical beliefs (GDPR art. 9).
    case religion
    /// Sex life or sexual orientation (GDPR art. 9).
    case sexualOrientation = "sexual-orientation"
    /// Genetic data (GDPR art. 9).
    case genetic
    /// Biometric data used to identify a person (GDPR art. 9).
    case biometric

    /// True for national identity numbers, false for special categories of personal data.
    public var isIdentifier: Bool {
        switch self {
        case .danishCPR, .swedishPersonnummer, .norwegianFodselsnummer: true
        default: false
        }
    }
}

/// How sure a detector is.
public enum FindingConfidence: String, Sendable, Codable, Hashable, CaseIterable {
    /// Validated and supported by context (or by a check digit that rarely passes by chance).
    case high
    /// Structurally valid but without supporting context.
    case medium
}

/// One piece of sensitive data found in a text, safe to log, audit and show: `masked`
/// never contains the identifying digits or the sentence, only e.g. `010190-XXXX` or `health`.
public struct Finding: Sendable, Codable, Hashable {
    /// What was found.
    public var kind: FindingKind
    /// A rendering that reveals nothing sensitive: the birth-date part of an identifier
    /// with the rest replaced by `X`, or the category name for special categories.
    public var masked: String
    /// Where the text came from, e.g. `body`, `subject`, `attachment:claim.pdf`
    /// (encoded as `where` in the JSON report).
    public var location: String
    /// How sure the detector is.
    public var confidence: FindingConfidence
    /// Offset in Unicode scalars from the start of the scanned text to the identifier, or
    /// to the start of the sentence for special categories.
    public var offset: Int?

    /// Creates a finding.
    public init(kind: FindingKind, masked: String, location: String, confidence: FindingConfidence, offset: Int? = nil) {
        self.kind = kind
        self.masked = masked
        self.location = location
        self.confidence = confidence
        self.offset = offset
    }

    private enum CodingKeys: String, CodingKey {
        case kind, masked, location = "where", confidence, offset
    }

    /// The synthesized form, with the two enumerations written as their raw strings directly: a
    /// scan of a log reports tens of thousands of findings, and each nested value costs an encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(masked, forKey: .masked)
        try container.encode(location, forKey: .location)
        try container.encode(confidence.rawValue, forKey: .confidence)
        try container.encodeIfPresent(offset, forKey: .offset)
    }
}
