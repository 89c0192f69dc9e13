/// An SMTP reply: a three-digit code, an optional enhanced status code (RFC 3463) and text lines.
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    /// The reply code, 200-599.
    public var code: Int
    /// The enhanced status code such as "2.0.0", or nil.
    public var enhanced: String?
    /// The text, one element per reply line (without code, enhanced code or line end).
    public var lines: [String]

    /// Creates a reply; text is cleaned of CR, LF and other control characters so that it can
    /// never break the reply framing.
    public init(code: Int, enhanced: String? = nil, _ lines: [String]) {
        self.code = code
        self.enhanced = enhanced
        self.lines = lines.isEmpty ? [""] : lines.map(Self.printable)
    }

    /// Creates a one-line reply.
    public init(code: Int, enhanced: String? = nil, _ text: String) {
        self.init(code: code, enhanced: enhanced, [text])
    }

    /// 2xx.
    public var isPositive: Bool { (200..<300).contains(code) }
    /// 4xx.
    public var isTransient: Bool { (400..<500).contains(code) }
    /// 5xx.
    public var isPermanent: Bool { (500..<600).contains(code) }

    /// The reply text on one line, for logs and error messages.
    public var text: String { lines.joined(separator: " ") }

    /// "451 4.3.0 text" on one line.
    public var description: String {
        [String(code), enhanced, text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The reply as sent on the wire: every line "code-" / last line "code ", CRLF-terminated.
    public var wireBytes: [UInt8] {
        var result: [UInt8] = []
        for (index, line) in lines.enumerated() {
            let separator = index == lines.count - 1 ? " " : "-"
            var rendered = String(code) + separator
            if let enhanced { rendered += enhanced + (line.isEmpty ? "" : " ") }
            rendered += line
            result += Array(rendered.utf8) + [13, 10]
        }
        return result
    }

    private static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}

extension SMTPReply {
    /// Parses an enhanced status code at the start of `text` ("5.1.1 User unknown"), if present.
    static func splitEnhanced(_ text: String) -> (enhanced: String?, rest: String) {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first else { return (nil, text) }
        let fields = first.split(separator: ".", omittingEmptySubsequences: false)
        let looksEnhanced = fields.count == 3 && ["2", "4", "5"].contains(fields[0])
            && fields.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
        guard looksEnhanced else { return (nil, text) }
        return (String(first), parts.count > 1 ? String(parts[1]) : "")
    }
}
