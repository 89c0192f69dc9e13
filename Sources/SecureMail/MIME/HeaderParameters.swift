/// One `name=value` parameter of a Content-Type or Content-Disposition field, after
/// RFC 2231 continuations and charset encoding have been resolved.
public struct MIMEParameter: Sendable, Hashable {
    /// The parameter name, lowercased, without RFC 2231 section or `*` markers.
    public var name: String
    /// The decoded value.
    public var value: String

    /// Makes a parameter; `name` is lowercased.
    public init(name: String, value: String) {
        self.name = name.lowercased()
        self.value = value
    }

    /// Makes a parameter whose name is already lowercase.
    init(loweredName: String, value: String) {
        self.name = loweredName
        self.value = value
    }
}

/// Parsing and writing of RFC 2045 parameter lists with RFC 2231 extensions.
enum ParameterList {
    /// Splits `text` at the first `;` outside quotes: the leading value and the parameter text.
    static func splitLeadingValue(_ text: String) -> (String, Substring) {
        var inQuotes = false
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\"" { inQuotes.toggle() }
            if scalar == ";", !inQuotes {
                return (String(scalars[..<index]), Substring(scalars[scalars.index(after: index)...]))
            }
            index = scalars.index(after: index)
        }
        return (text, "")
    }

    private struct RawParameter {
        var name: String
        var section: Int?
        var extended: Bool
        var value: String
    }

    /// Parses `a=b; c="d"; e*0*=utf-8''%C3%A6; e*1=f` tolerantly: bad quoting, missing `=`,
    /// stray semicolons and RFC 2231 sections out of order are all accepted.
    static func parse(_ text: Substring) -> [MIMEParameter] {
        var raw: [RawParameter] = []
        let chars = Array(text.unicodeScalars)
        var index = 0
        while index < chars.count {
            while index < chars.count, chars[index] == ";" || chars[index].isWhiteSpace { index += 1 }
            let nameStart = index
            while index < chars.count, chars[index] != "=", chars[index] != ";" { index += 1 }
            let rawName = String(String.UnicodeScalarView(chars[nameStart..<index])).trimmingSpace()
            guard index < chars.count, chars[index] == "=" else { continue }
            index += 1
            while index < chars.count, chars[index] == " " || chars[index] == "\t" { index += 1 }
            var value = ""
            if index < chars.count, chars[index] == "\"" {
                index += 1
                value = readQuoted(chars, &index)
            } else {
                let valueStart = index
                while index < chars.count, chars[index] != ";" { index += 1 }
                value = String(String.UnicodeScalarView(chars[valueStart..<index])).trimmingSpace()
            }
            guard !rawName.isEmpty else { continue }
            raw.append(splitName(rawName.lowercased(), value: value))
        }
        return combine(raw)
    }

    /// Reads a quoted string whose opening quote was consumed. A closing quote followed by
    /// something other than `;` or the end is taken as a literal quote inside the value.
    private static func readQuoted(_ chars: [Unicode.Scalar], _ index: inout Int) -> String {
        var value = ""
        while index < chars.count {
            let char = chars[index]
            if char == "\\", index + 1 < chars.count {
                // Windows paths in filenames use unescaped backslashes; keep them unless they escape a quote or backslash.
                let next = chars[index + 1]
                if next == "\"" || next == "\\" {
                    value.unicodeScalars.append(next)
                    index += 2
                } else {
                    value.unicodeScalars.append(char)
                    index += 1
                }
                continue
            }
            if char == "\"" {
                var look = index + 1
                while look < chars.count, chars[look] == " " || chars[look] == "\t" { look += 1 }
                if look >= chars.count || chars[look] == ";" {
                    index = look
                    return value
                }
                value.unicodeScalars.append(char)
                index += 1
                continue
            }
            value.unicodeScalars.append(char)
            index += 1
        }
        return value
    }

    private static func splitName(_ name: String, value: String) -> RawParameter {
        var base = name
        var extended = false
        if base.hasSuffix("*") {
            extended = true
            base.removeLast()
        }
        var section: Int?
        if let star = base.lastIndex(of: "*"), let number = Int(base[base.index(after: star)...]), number >= 0 {
            section = number
            base = String(base[..<star])
        }
        return RawParameter(name: base, section: section, extended: extended, value: value)
    }

    private static func combine(_ raw: [RawParameter]) -> [MIMEParameter] {
        var order: [String] = []
        var seen: Set<String> = []
        var plain: [String: String] = [:]
        var sections: [String: [RawParameter]] = [:]
        for parameter in raw {
            if seen.insert(parameter.name).inserted { order.append(parameter.name) }
            if parameter.section == nil, !parameter.extended {
                if plain[parameter.name] == nil { plain[parameter.name] = parameter.value }
            } else {
                sections[parameter.name, default: []].append(parameter)
            }
        }
        return order.map { name in
            if let parts = sections[name], let decoded = decodeSections(parts) {
                return MIMEParameter(name: name, value: decoded)
            }
            return MIMEParameter(name: name, value: plain[name] ?? "")
        }
    }

    private static func decodeSections(_ parts: [RawParameter]) -> String? {
        let sorted = parts.enumerated().sorted {
            ($0.element.section ?? -1, $0.offset) < ($1.element.section ?? -1, $1.offset)
        }.map(\.element)
        guard !sorted.isEmpty else { return nil }
        var charset = "utf-8"
        var bytes: [UInt8] = []
        for (position, part) in sorted.enumerated() {
            var value = Substring(part.value)
            if part.extended, position == 0 {
                let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if pieces.count == 3 {
                    if !pieces[0].isEmpty { charset = String(pieces[0]) }
                    value = pieces[2]
                }
            }
            bytes += part.extended ? percentDecode(value) : Array(value.utf8)
        }
        return Charsets.decode(bytes, charset: charset) ?? String(utf8OrLatin1: bytes)
    }

    private static func percentDecode(_ text: Substring) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let value = UInt8(String(decoding: utf8[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                output.append(value)
                index += 3
            } else {
                output.append(utf8[index])
                index += 1
            }
        }
        return output
    }

    /// Writes `; name=value` pairs: tokens bare, other ASCII quoted, non-ASCII as RFC 2231 UTF-8.
    static func render(_ parameters: [MIMEParameter]) -> String {
        parameters.map { parameter in
            let value = parameter.value
            if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
                if !value.isEmpty, value.utf8.allSatisfy(isTokenByte) {
                    return "; \(parameter.name)=\(value)"
                }
                // Bytes, not Foundation's replacingOccurrences: every signed message renders a boundary.
                var quoted: [UInt8] = [UInt8(ascii: "\"")]
                for byte in value.utf8 {
                    if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { quoted.append(UInt8(ascii: "\\")) }
                    quoted.append(byte)
                }
                quoted.append(UInt8(ascii: "\""))
                return "; \(parameter.name)=\(String(decoding: quoted, as: UTF8.self))"
            }
            var encoded = "utf-8''"
            for byte in value.utf8 {
                if byte < 0x80, isAttributeChar(byte) {
                    encoded.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            }
            return "; \(parameter.name)*=\(encoded)"
        }.joined()
    }

    /// RFC 2045's token characters: visible ASCII but for the tspecials.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"), UInt8(ascii: ","),
             UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
            false
        default:
            byte > 0x20 && byte < 0x7F
        }
    }

    /// Token characters that leave a parameter name plain: not RFC 2231's `*`, `'` and `%`.
    static func isAttributeChar(_ byte: UInt8) -> Bool {
        isTokenByte(byte) && byte != UInt8(ascii: "*") && byte != UInt8(ascii: "'") && byte != UInt8(ascii: "%")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A parsed Content-Type (RFC 2045 section 5).
public struct ContentType: Sendable, Hashable {
    /// The media type, lowercased (`text`, `multipart` ...).
    public var type: String
    /// The subtype, lowercased (`plain`, `signed` ...).
    public var subtype: String
    /// The parameters in the order they appeared.
    public var parameters: [MIMEParameter]

    /// The RFC 2045 default for parts without a (valid) Content-Type: `text/plain; charset=us-ascii`.
    public static let `default` = ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "us-ascii")])

    /// Makes a content type; `type` and `subtype` are lowercased.
    public init(type: String, subtype: String, parameters: [MIMEParameter] = []) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// Parses a Content-Type header value. A value without a valid `type/subtype` gives the RFC 2045 default.
    public init(headerValue: String) {
        let (leading, rest) = ParameterList.splitLeadingValue(headerValue)
        // A comment after the media type ("text/plain (body text)") is legal and ignored.
        let mediaType = (leading.split(separator: "(", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? leading)
            .trimmingSpaceAndNewlines()
        let pieces = mediaType.split(separator: "/", maxSplits: 1).map { $0.trimmingSpace().lowercased() }
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty,
              !pieces[0].contains(" "), !pieces[1].contains(" ") else {
            self = .default
            return
        }
        self.init(type: pieces[0], subtype: pieces[1], parameters: ParameterList.parse(rest))
    }

    /// Reads the common shape of a Content-Type straight from a field's bytes after the colon:
    /// ASCII `type/subtype` and parameters `name=value` or `name="quoted value"`, each name once,
    /// with spaces, tabs and line breaks between them. Nil for anything else (comments, RFC 2231
    /// sections, escapes, a name given twice, stray characters), which ``init(headerValue:)``
    /// then reads; where this gives a value, it is the value that reader gives (`ContentTypeTests`
    /// compare the two). Every part of every message has a Content-Type, and the general reader's
    /// work on Unicode scalars was a tenth of handling a 20 KB message.
    init?(commonFormIn value: ArraySlice<UInt8>) {
        var index = value.startIndex
        let end = value.endIndex
        func skipSpace() {
            while index < end, value[index] == 0x20 || value[index] == 0x09 || value[index] == 0x0D || value[index] == 0x0A { index += 1 }
        }
        func run(of allowed: (UInt8) -> Bool) -> ArraySlice<UInt8>? {
            let start = index
            while index < end, allowed(value[index]) { index += 1 }
            return index > start ? value[start..<index] : nil
        }
        func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
            String(decoding: bytes.map(\.asciiLowercased), as: UTF8.self)
        }
        skipSpace()
        guard let type = run(of: ParameterList.isTokenByte), index < end, value[index] == UInt8(ascii: "/") else { return nil }
        index += 1
        guard let subtype = run(of: ParameterList.isTokenByte) else { return nil }
        skipSpace()
        var parameters: [MIMEParameter] = []
        while index < end {
            guard value[index] == UInt8(ascii: ";") else { return nil }
            index += 1
            skipSpace()
            if index == end { break }
            guard let name = run(of: ParameterList.isAttributeChar), index < end, value[index] == UInt8(ascii: "=") else { return nil }
            index += 1
            skipSpace()
            let text: ArraySlice<UInt8>
            if index < end, value[index] == UInt8(ascii: "\"") {
                index += 1
                let start = index
                while index < end, value[index] != UInt8(ascii: "\"") {
                    guard value[index] >= 0x20, value[index] < 0x7F, value[index] != UInt8(ascii: "\\") else { return nil }
                    index += 1
                }
                guard index < end else { return nil }
                text = value[start..<index]
                index += 1
            } else {
                guard let bare = run(of: { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: "\"") }) else { return nil }
                text = bare
            }
            skipSpace()
            let parameter = MIMEParameter(loweredName: lowercased(name), value: String(decoding: text, as: UTF8.self))
            guard !parameters.contains(where: { $0.name == parameter.name }) else { return nil }
            parameters.append(parameter)
        }
        self.type = lowercased(type)
        self.subtype = lowercased(subtype)
        self.parameters = parameters
    }

    /// `type/subtype`, lowercase.
    public var mimeType: String { "\(type)/\(subtype)" }

    /// The value of the parameter named `name` (case-insensitive), RFC 2231 decoded.
    public func parameter(_ name: String) -> String? {
        let lowered = name.lowercased()
        return parameters.first { $0.name == lowered }?.value
    }

    /// Sets (replacing) or removes (when `value` is nil) a parameter.
    public mutating func setParameter(_ name: String, _ value: String?) {
        let lowered = name.lowercased()
        if let value {
            if let index = parameters.firstIndex(where: { $0.name == lowered }) {
                parameters[index].value = value
            } else {
                parameters.append(MIMEParameter(name: lowered, value: value))
            }
        } else {
            parameters.removeAll { $0.name == lowered }
        }
    }

    /// The `charset` parameter, if any.
    public var charset: String? { parameter("charset") }
    /// The `boundary` parameter, if any.
    public var boundary: String? { parameter("boundary") }
    /// Whether this is `multipart/*`.
    public var isMultipart: Bool { type == "multipart" }

    /// The header value, e.g. `multipart/signed; protocol="application/pkcs7-signature"; boundary=b1`.
    public var headerValue: String { mimeType + ParameterList.render(parameters) }
}

/// A parsed Content-Disposition (RFC 2183).
public struct ContentDisposition: Sendable, Hashable {
    /// `inline`, `attachment` or another value, lowercased.
    public var disposition: String
    /// The parameters in the order they appeared.
    public var parameters: [MIMEParameter]

    /// Makes a disposition; `disposition` is lowercased.
    public init(disposition: String, parameters: [MIMEParameter] = []) {
        self.disposition = disposition.lowercased()
        self.parameters = parameters
    }

    /// Parses a Content-Disposition header value tolerantly.
    public init(headerValue: String) {
        let (leading, rest) = ParameterList.splitLeadingValue(headerValue)
        let disposition = leading.trimmingSpaceAndNewlines()
        self.init(disposition: disposition, parameters: ParameterList.parse(rest))
    }

    /// The value of the parameter named `name` (case-insensitive), RFC 2231 decoded.
    public func parameter(_ name: String) -> String? {
        let lowered = name.lowercased()
        return parameters.first { $0.name == lowered }?.value
    }

    /// Whether the disposition is `attachment`.
    public var isAttachment: Bool { disposition == "attachment" }

    /// The header value, e.g. `attachment; filename="a b.pdf"`.
    public var headerValue: String { disposition + ParameterList.render(parameters) }
}
