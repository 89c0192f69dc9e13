/// Character references of HTML and XML (`&amp;`, `&#45;`, `&#x2D;`).
enum CharacterReferences {
    /// The named references that matter for Scandinavian and English mail text. Unknown names
    /// are left as written, which keeps digits around them intact for the detectors.
    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "shy": "",
        "aelig": "æ", "AElig": "Æ", "oslash": "ø", "Oslash": "Ø", "aring": "å", "Aring": "Å",
        "auml": "ä", "Auml": "Ä", "ouml": "ö", "Ouml": "Ö", "uuml": "ü", "Uuml": "Ü",
        "eacute": "é", "Eacute": "É", "egrave": "è", "aacute": "á", "oacute": "ó", "iacute": "í",
        "ndash": "–", "mdash": "—", "minus": "-", "hyphen": "-", "dash": "-", "hellip": "…", "laquo": "«", "raquo": "»",
        "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "bull": "•", "middot": "·",
        "euro": "€", "pound": "£", "copy": "©", "reg": "®", "trade": "™", "deg": "°", "sect": "§",
        "para": "¶", "times": "×", "divide": "÷", "thinsp": " ", "ensp": " ", "emsp": " ", "zwnj": "", "zwj": "",
    ]

    /// Decodes the reference whose body (between `&` and `;`) is `body`; nil when unknown.
    static func decode(_ body: String) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" {
                value = digits.count > 1 && digits.count <= 9 ? UInt32(digits.dropFirst(), radix: 16) : nil
            } else {
                value = !digits.isEmpty && digits.count <= 10 ? UInt32(digits) : nil
            }
            guard let value else { return nil }
            // A control or non-scalar value is replaced, as HTML does, rather than dropped.
            guard value != 0, let scalar = Unicode.Scalar(value) else { return "\u{FFFD}" }
            if value == 0xA0 { return " " }
            if value == 0xAD { return "" }
            return String(Character(scalar))
        }
        return named[body] ?? named[body.lowercased()]
    }

    /// Longest reference body considered; longer runs are plain text.
    static let maxBodyLength = 32
}

/// Renders HTML as the text a reader would see: tags removed, scripts, styles and comments
/// dropped, character references decoded, block elements on lines of their own.
///
/// Attribute values (`title`, `alt`, `value`) are not rendered. Linear in the input, whatever
/// it contains: unclosed tags, comments and quotes simply run to the end.
public enum HTMLText {
    private static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head",
        "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot",
        "thead", "title", "tr", "ul",
    ]
    private static let cellElements: Set<String> = ["td", "th"]
    private static let rawTextElements: Set<String> = ["script", "style", "template", "xmp"]

    /// The visible text of `html`.
    public static func text(from html: String) -> String {
        let input = Array(html.unicodeScalars)
        var output = TextBuilder()
        var index = 0
        let count = input.count
        while index < count {
            let scalar = input[index]
            if scalar == "<" {
                index = consumeMarkup(input, at: index, into: &output)
            } else if scalar == "&" {
                index = consumeReference(input, at: index, into: &output)
            } else {
                output.append(scalar)
                index += 1
            }
        }
        return output.finish()
    }

    /// Handles the markup starting at `start` (a `<`) and returns the index after it.
    private static func consumeMarkup(_ input: [Unicode.Scalar], at start: Int, into output: inout TextBuilder) -> Int {
        let count = input.count
        if matches(input, at: start, "<!--") {
            return (find(input, "-->", from: start + 4).map { $0 + 3 }) ?? count
        }
        var index = start + 1
        if index < count, input[index] == "!" || input[index] == "?" {
            return (find(input, ">", from: index).map { $0 + 1 }) ?? count
        }
        var closing = false
        if index < count, input[index] == "/" {
            closing = true
            index += 1
        }
        var name = ""
        while index < count, isNameScalar(input[index]), name.unicodeScalars.count < 32 {
            name.unicodeScalars.append(input[index])
            index += 1
        }
        guard !name.isEmpty, let first = name.unicodeScalars.first, first.properties.isAlphabetic else {
            output.append("<")
            return start + 1
        }
        name = name.lowercased()
        let end = tagEnd(input, from: index)
        if !closing, rawTextElements.contains(name) {
            guard let closeStart = findClosingTag(input, name: name, from: end) else { return count }
            return tagEnd(input, from: closeStart + 2 + name.unicodeScalars.count)
        }
        if name == "br" {
            output.forcedLineBreak()
        } else if blockElements.contains(name) {
            output.lineBreak()
        } else if cellElements.contains(name) {
            output.separator("\t")
        }
        return end
    }

    /// The index after the `>` that ends a tag, skipping quoted attribute values. A quote that
    /// never closes must not hide the rest of the document from the detectors: the tag then
    /// ends at its first `>`. (Once a quote character has no partner, later tags cannot
    /// rescan for it, so this stays linear.)
    private static func tagEnd(_ input: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        var quote: Unicode.Scalar?
        while index < input.count {
            let scalar = input[index]
            if let open = quote {
                if scalar == open { quote = nil }
            } else if scalar == "\"" || scalar == "'" {
                quote = scalar
            } else if scalar == ">" {
                return index + 1
            }
            index += 1
        }
        return (find(input, ">", from: start).map { $0 + 1 }) ?? input.count
    }

    private static func consumeReference(_ input: [Unicode.Scalar], at start: Int, into output: inout TextBuilder) -> Int {
        var index = start + 1
        var body = ""
        while index < input.count, index - start <= CharacterReferences.maxBodyLength {
            let scalar = input[index]
            if scalar == ";" {
                if let decoded = CharacterReferences.decode(body) {
                    output.append(contentsOf: decoded)
                    return index + 1
                }
                break
            }
            guard isNameScalar(scalar) || scalar == "#" else { break }
            body.unicodeScalars.append(scalar)
            index += 1
        }
        output.append("&")
        return start + 1
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == ":")
    }

    private static func matches(_ input: [Unicode.Scalar], at index: Int, _ literal: String) -> Bool {
        var position = index
        for scalar in literal.unicodeScalars {
            guard position < input.count, input[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    private static func find(_ input: [Unicode.Scalar], _ literal: String, from start: Int) -> Int? {
        guard let first = literal.unicodeScalars.first else { return nil }
        var index = start
        while index < input.count {
            if input[index] == first, matches(input, at: index, literal) { return index }
            index += 1
        }
        return nil
    }

    /// The index of `</name` (any case) at or after `start`.
    private static func findClosingTag(_ input: [Unicode.Scalar], name: String, from start: Int) -> Int? {
        let nameScalars = Array(name.unicodeScalars)
        var index = start
        while let candidate = find(input, "</", from: index) {
            var matched = true
            for (offset, scalar) in nameScalars.enumerated() {
                let position = candidate + 2 + offset
                guard position < input.count, input[position].properties.lowercaseMapping == String(scalar) else {
                    matched = false
                    break
                }
            }
            if matched { return candidate }
            index = candidate + 2
        }
        return nil
    }
}

/// Collects rendered text: runs of white space become one space, block boundaries one line
/// break (explicit breaks can add an empty line, never more), and no line ends in spaces or tabs.
/// Kept as UTF-8 bytes: appending to a `String` scalar by scalar costs several times more.
struct TextBuilder {
    private var utf8: [UInt8] = []
    private var pendingSpace = false
    private var pendingNewlines = 0

    private static let tab = UInt8(ascii: "\t")

    mutating func append(_ scalar: Unicode.Scalar) {
        if scalar.value == 0x20 || scalar.properties.isWhitespace {
            pendingSpace = true
            return
        }
        flushPending()
        if scalar.isASCII {
            utf8.append(UInt8(truncatingIfNeeded: scalar.value))
        } else {
            UTF8.encode(scalar) { utf8.append($0) }
        }
    }

    mutating func append(contentsOf text: String) {
        for scalar in text.unicodeScalars { append(scalar) }
    }

    /// A block boundary: the next text starts a new line; several boundaries in a row are one.
    mutating func lineBreak() {
        pendingSpace = false
        if !utf8.isEmpty { pendingNewlines = max(pendingNewlines, 1) }
    }

    /// An explicit line break (`<br>`, `<w:br/>`): two in a row leave an empty line.
    mutating func forcedLineBreak() {
        pendingSpace = false
        if !utf8.isEmpty { pendingNewlines = min(pendingNewlines + 1, 2) }
    }

    /// Separates two cells of a row (an ASCII separator such as a tab); several in a row are one.
    mutating func separator(_ scalar: Unicode.Scalar) {
        let byte = UInt8(truncatingIfNeeded: scalar.value)
        if pendingNewlines == 0 && !utf8.isEmpty && utf8.last != byte {
            pendingSpace = false
            utf8.append(byte)
        }
    }

    private mutating func flushPending() {
        if pendingNewlines > 0 {
            while utf8.last == Self.tab { utf8.removeLast() }
            utf8.append(contentsOf: repeatElement(UInt8(ascii: "\n"), count: pendingNewlines))
        } else if pendingSpace, !utf8.isEmpty, utf8.last != Self.tab {
            utf8.append(UInt8(ascii: " "))
        }
        pendingNewlines = 0
        pendingSpace = false
    }

    func finish() -> String {
        var result = utf8[...]
        while result.last == Self.tab { result.removeLast() }
        return String(decoding: result, as: UTF8.self)
    }
}
