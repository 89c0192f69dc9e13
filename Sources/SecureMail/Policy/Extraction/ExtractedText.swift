/// A piece of readable text taken from a message, with where it came from.
public struct ExtractedText: Sendable, Hashable {
    /// The text, decoded (transfer encoding, charset, HTML/XML markup, compression removed).
    public var text: String
    /// Where the text came from, in the report's `where` form: `subject`, `body`,
    /// `attachment:claim.pdf`, `attachment:bundle.zip/claim.docx`.
    public var location: String

    /// Makes a segment.
    public init(text: String, location: String) {
        self.text = text
        self.location = location
    }
}

/// Content that could not be read as text, so that the policy can decide what to do with it
/// (an encrypted attachment may hide exactly what DLP is looking for).
public struct UnreadableContent: Sendable, Hashable, Codable {
    /// Where the content is, in the same form as `ExtractedText.location`.
    public var location: String
    /// Why it could not be read, e.g. `encrypted`, `decompressed size limit`, `damaged ZIP archive`.
    public var reason: String

    /// Makes an entry.
    public init(location: String, reason: String) {
        self.location = location
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey {
        case location = "where", reason
    }
}

/// Everything the extractor found in one message.
public struct MessageExtraction: Sendable, Hashable {
    /// The readable text, in document order (Subject first).
    public var texts: [ExtractedText]
    /// The parts and attachments whose text could not be read, or not all of it.
    public var unreadable: [UnreadableContent]

    /// Makes a result.
    public init(texts: [ExtractedText] = [], unreadable: [UnreadableContent] = []) {
        self.texts = texts
        self.unreadable = unreadable
    }
}

/// Bounds on the work extraction does for one message; exceeding one makes the affected
/// content `unreadable` instead of exhausting memory or time.
public struct ExtractionLimits: Sendable, Hashable {
    /// Most bytes one ZIP entry or PDF stream may decompress to.
    public var maxDecompressedPerEntry: Int
    /// Most bytes all decompression for one message may produce together.
    public var maxDecompressedPerMessage: Int
    /// Most entries read from one ZIP archive (DOCX, XLSX and ODT are ZIP archives).
    public var maxZipEntries: Int
    /// Deepest nesting of containers: embedded messages inside messages and ZIP archives inside ZIP archives.
    public var maxNestingDepth: Int
    /// Most streams examined in one PDF.
    public var maxPDFStreams: Int

    /// Makes limits; each defaults to the value in `.default`.
    public init(
        maxDecompressedPerEntry: Int = 32 * 1024 * 1024,
        maxDecompressedPerMessage: Int = 128 * 1024 * 1024,
        maxZipEntries: Int = 2_000,
        maxNestingDepth: Int = 8,
        maxPDFStreams: Int = 20_000
    ) {
        self.maxDecompressedPerEntry = maxDecompressedPerEntry
        self.maxDecompressedPerMessage = maxDecompressedPerMessage
        self.maxZipEntries = maxZipEntries
        self.maxNestingDepth = maxNestingDepth
        self.maxPDFStreams = maxPDFStreams
    }

    /// 32 MiB per entry, 128 MiB per message, 2,000 ZIP entries, nesting depth 8, 20,000 PDF streams.
    public static let `default` = ExtractionLimits()
}

/// Reasons used in `UnreadableContent`, shared so that policies can match them.
public enum UnreadableReason {
    /// Decompression stopped at `ExtractionLimits.maxDecompressedPerEntry` or `maxDecompressedPerMessage`.
    public static let decompressedSizeLimit = "decompressed size limit"
    /// The content is encrypted (S/MIME, PGP, password-protected ZIP or PDF).
    public static let encrypted = "encrypted"
    /// Containers nested deeper than `ExtractionLimits.maxNestingDepth`.
    public static let nestingDepth = "nesting depth limit"
    /// A ZIP archive with more entries than `ExtractionLimits.maxZipEntries`.
    public static let zipEntryCount = "ZIP entry count limit"
}

/// Decompression still allowed for the message being extracted.
struct DecompressionBudget {
    var remaining: Int
    let perEntry: Int

    init(_ limits: ExtractionLimits) {
        remaining = max(0, limits.maxDecompressedPerMessage)
        perEntry = max(0, limits.maxDecompressedPerEntry)
    }

    /// Inflates within both limits and charges what was produced.
    mutating func inflate(_ input: ArraySlice<UInt8>, wrapping: DeflateWrapping) -> InflateOutcome {
        let outcome = Inflater.inflate(input, wrapping: wrapping, limit: min(perEntry, remaining))
        remaining -= outcome.bytes.count
        return outcome
    }
}

/// Text from bytes whose charset is not declared.
public enum UndeclaredText {
    /// UTF-8 when the bytes are valid UTF-8, otherwise Windows-1252: the result of
    /// `Charsets.decodeBestEffort`, but validated by the standard library's UTF-8 decoder,
    /// which is many times faster on large files (the scan benchmark's plain-text input).
    public static func decode(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return Charsets.decode(bytes, charset: "windows-1252") ?? Charsets.decodeBestEffort(bytes)
    }
}
