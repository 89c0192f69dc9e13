/// One step of a forgiving, non-validating XML read: enough for the text of office documents.
enum XMLEvent {
    /// A start tag (`selfClosing` for `<x/>`); `name` keeps its prefix (`w:p`); `attributes` is the raw text after the name.
    case start(name: String, attributes: String, selfClosing: Bool)
    /// An end tag.
    case end(name: String)
    /// Character data with references decoded (CDATA sections included).
    case text(String)
}

/// Walks XML bytes (UTF-8) and reports tags and text in order. Never fails: malformed
/// markup ends the walk at the end of the input. Linear in the input.
enum XMLEvents {
    static func walk(_ bytes: ArraySlice<UInt8>, _ visit: (XMLEvent) -> Void) {
        var index = bytes.startIndex
        let end = bytes.endIndex
        var textStart = index
        func flushText(upTo position: Int) {
            if textStart < position { visit(.text(decodeText(bytes[textStart..<position]))) }
        }
        while index < end {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            flushText(upTo: index)
            if hasPrefix(bytes, at: index, "<![CDATA[") {
                let contentStart = index + 9
                let close = find(bytes, "]]>", from: contentStart) ?? end
                visit(.text(String(decoding: bytes[contentStart..<close], as: UTF8.self)))
                index = min(end, close + 3)
            } else if hasPrefix(bytes, at: index, "<!--") {
                index = (find(bytes, "-->", from: index + 4).map { $0 + 3 }) ?? end
            } else if index + 1 < end, bytes[index + 1] == UInt8(ascii: "?") || bytes[index + 1] == UInt8(ascii: "!") {
                index = (find(bytes, ">", from: index).map { $0 + 1 }) ?? end
            } else {
                let close = findTagEnd(bytes, from: index + 1)
                let inner = bytes[(index + 1)..<close]
                visitTag(inner, visit)
                index = min(end, close + 1)
            }
            textStart = index
        }
        flushText(upTo: end)
    }

    private static func visitTag(_ inner: ArraySlice<UInt8>, _ visit: (XMLEvent) -> Void) {
        var body = inner
        let closing = body.first == UInt8(ascii: "/")
        if closing { body = body.dropFirst() }
        let selfClosing = body.last == UInt8(ascii: "/")
        if selfClosing { body = body.dropLast() }
        let nameEnd = body.firstIndex { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } ?? body.endIndex
        let name = String(decoding: body[body.startIndex..<nameEnd], as: UTF8.self)
        guard !name.isEmpty else { return }
        if closing {
            visit(.end(name: name))
        } else {
            visit(.start(name: name, attributes: String(decoding: body[nameEnd...], as: UTF8.self), selfClosing: selfClosing))
        }
    }

    /// The index of the `>` closing a tag, outside quoted attribute values. A quote that never
    /// closes ends the tag at its first `>`, so that it cannot hide the rest of the document.
    private static func findTagEnd(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int {
        var quote: UInt8?
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return index
            }
            index += 1
        }
        return find(bytes, ">", from: start) ?? bytes.endIndex
    }

    /// Text with character references decoded; unknown references are kept as written.
    static func decodeText(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var result = ""
        var index = bytes.startIndex
        var runStart = index
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "&"),
               let semicolon = bytes[index..<min(bytes.endIndex, index + CharacterReferences.maxBodyLength + 2)].firstIndex(of: UInt8(ascii: ";")),
               let decoded = CharacterReferences.decode(String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)) {
                result += String(decoding: bytes[runStart..<index], as: UTF8.self)
                result += decoded
                index = semicolon + 1
                runStart = index
            } else {
                index += 1
            }
        }
        result += String(decoding: bytes[runStart..<bytes.endIndex], as: UTF8.self)
        return result
    }

    /// The value of attribute `name` in the raw attribute text of a start tag.
    static func attribute(_ name: String, in attributes: String) -> String? {
        var rest = Substring(attributes)
        while let range = rest.range(of: name + "=") {
            let before = rest[rest.startIndex..<range.lowerBound].last
            let after = rest[range.upperBound...]
            if before == nil || before == " " || before == "\t" || before == "\n" || before == "\r",
               let quote = after.first, quote == "\"" || quote == "'" {
                let value = after.dropFirst().prefix { $0 != quote }
                return String(value)
            }
            rest = after
        }
        return nil
    }

    private static func hasPrefix(_ bytes: ArraySlice<UInt8>, at index: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { return false }
        return literal.withUTF8Buffer { buffer in
            buffer.indices.allSatisfy { bytes[index + $0] == buffer[$0] }
        }
    }

    static func find(_ bytes: ArraySlice<UInt8>, _ literal: StaticString, from start: Int) -> Int? {
        let count = literal.utf8CodeUnitCount
        guard count > 0, start <= bytes.endIndex else { return nil }
        return literal.withUTF8Buffer { buffer -> Int? in
            var index = start
            while index + count <= bytes.endIndex {
                if bytes[index] == buffer[0], buffer.indices.allSatisfy({ bytes[index + $0] == buffer[$0] }) { return index }
                index += 1
            }
            return nil
        }
    }
}
