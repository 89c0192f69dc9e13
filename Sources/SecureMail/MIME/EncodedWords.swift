/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in header values.
public enum EncodedWords {
    private struct Word {
        var range: Range<Int>
        var charset: String
        var bytes: [UInt8]
    }

    /// Decodes every encoded word in `text`, the way real mail clients do.
    ///
    /// Whitespace between adjacent encoded words is dropped, and adjacent words in the same
    /// charset are joined before charset decoding (so a character split across words survives).
    /// Words are also decoded inside quoted strings and when glued to surrounding text.
    /// A word with an unknown charset, or that is not well formed, is kept as written. Never fails.
    public static func decode(_ text: String) -> String {
        guard text.containsASCIIPair(UInt8(ascii: "="), UInt8(ascii: "?")) else { return text }
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 8 else { return text }
        // For each position, where the next "?=" and the next line break start, so that looking
        // for the end of a word never rescans the text (many unterminated "=?" stay linear).
        var nextTerminator = [Int](repeating: scalars.count, count: scalars.count + 1)
        var nextLineBreak = [Int](repeating: scalars.count, count: scalars.count + 1)
        if scalars.count >= 2 {
            for position in stride(from: scalars.count - 1, through: 0, by: -1) {
                let isTerminator = position + 1 < scalars.count && scalars[position] == "?" && scalars[position + 1] == "="
                nextTerminator[position] = isTerminator ? position : nextTerminator[position + 1]
                let isBreak = scalars[position] == "\r" || scalars[position] == "\n"
                nextLineBreak[position] = isBreak ? position : nextLineBreak[position + 1]
            }
        }
        var words: [Word] = []
        var index = 0
        while index + 1 < scalars.count {
            if scalars[index] == "=", scalars[index + 1] == "?",
               let word = parseWord(scalars, at: index, nextTerminator: nextTerminator, nextLineBreak: nextLineBreak) {
                words.append(word)
                index = word.range.upperBound
            } else {
                index += 1
            }
        }
        guard !words.isEmpty else { return text }

        var result = String.UnicodeScalarView()
        var cursor = 0
        var wordIndex = 0
        while wordIndex < words.count {
            let first = words[wordIndex]
            result.append(contentsOf: scalars[cursor..<first.range.lowerBound])
            // Gather the run of words that are adjacent (separated by whitespace only).
            var run = [first]
            var next = wordIndex + 1
            while next < words.count {
                let between = scalars[run[run.count - 1].range.upperBound..<words[next].range.lowerBound]
                guard between.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) else { break }
                run.append(words[next])
                next += 1
            }
            // Decode groups of consecutive words that share a charset.
            var groupStart = 0
            while groupStart < run.count {
                var groupEnd = groupStart + 1
                let charset = run[groupStart].charset.lowercased()
                while groupEnd < run.count, run[groupEnd].charset.lowercased() == charset { groupEnd += 1 }
                let bytes = run[groupStart..<groupEnd].flatMap(\.bytes)
                if let decoded = Charsets.decode(bytes, charset: charset) {
                    result.append(contentsOf: decoded.unicodeScalars)
                } else {
                    for word in run[groupStart..<groupEnd] {
                        result.append(contentsOf: scalars[word.range])
                    }
                }
                groupStart = groupEnd
            }
            cursor = run[run.count - 1].range.upperBound
            wordIndex = next
        }
        result.append(contentsOf: scalars[cursor...])
        return String(result)
    }

    private static func parseWord(_ scalars: [Unicode.Scalar], at start: Int, nextTerminator: [Int], nextLineBreak: [Int]) -> Word? {
        var index = start + 2
        let charsetStart = index
        while index < scalars.count, scalars[index] != "?" {
            let scalar = scalars[index]
            if scalar == " " || scalar == "\t" || scalar == "=" || scalar.value < 0x21 || scalar.value > 0x7E { return nil }
            index += 1
        }
        guard index < scalars.count, index > charsetStart else { return nil }
        let charset = String(String.UnicodeScalarView(scalars[charsetStart..<index]))
        index += 1
        guard index + 1 < scalars.count, scalars[index + 1] == "?" else { return nil }
        let encoding = scalars[index]
        guard encoding == "B" || encoding == "b" || encoding == "Q" || encoding == "q" else { return nil }
        index += 2
        let textStart = index
        // The encoded text ends at the first "?=". Broken encoders leave spaces inside words,
        // so spaces are accepted, but a word never spans a line.
        index = nextTerminator[textStart]
        guard index + 1 < scalars.count, nextLineBreak[textStart] > index else { return nil }
        let payload = scalars[textStart..<index].map { $0.value < 0x100 ? UInt8($0.value) : UInt8(ascii: "?") }
        let bytes = (encoding == "B" || encoding == "b") ? Base64.decode(payload) : decodeQ(payload)
        return Word(range: start..<(index + 2), charset: charset, bytes: bytes)
    }

    private static func decodeQ(_ payload: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(payload.count)
        var index = 0
        while index < payload.count {
            let byte = payload[index]
            if byte == UInt8(ascii: "_") {
                output.append(0x20)
                index += 1
            } else if byte == UInt8(ascii: "="), index + 2 < payload.count,
                      let high = QuotedPrintable.hexValue(payload[index + 1]), let low = QuotedPrintable.hexValue(payload[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    /// Encodes `text` for an unstructured header field (such as Subject) when it needs it:
    /// text that is printable ASCII, has no line longer than fits, and contains no `=?` is
    /// returned unchanged. Otherwise the result is UTF-8 encoded words of at most 75
    /// characters each, separated by single spaces (where a header may be folded),
    /// using Q when the text is mostly ASCII and B otherwise. Characters are never split.
    public static func encode(_ text: String) -> String {
        let needsEncoding = text.unicodeScalars.contains { $0.value > 0x7E || ($0.value < 0x20 && $0 != "\t") }
            || text.containsASCIIPair(UInt8(ascii: "="), UInt8(ascii: "?"))
            || text.split(separator: " ", omittingEmptySubsequences: false).contains { $0.utf8.count > 70 }
        guard needsEncoding else { return text }
        let nonASCII = text.unicodeScalars.filter { $0.value > 0x7E }.count
        let useQ = nonASCII * 3 < text.unicodeScalars.count
        let prefix = useQ ? "=?UTF-8?Q?" : "=?UTF-8?B?"
        let budget = 75 - prefix.count - 2
        var words: [String] = []
        var pending: [UInt8] = []

        func encodedLength(_ bytes: [UInt8]) -> Int {
            useQ ? bytes.reduce(0) { $0 + (isQSafe($1) ? 1 : 3) } : (bytes.count + 2) / 3 * 4
        }
        func flush() {
            guard !pending.isEmpty else { return }
            let body = useQ ? encodeQ(pending) : String(decoding: Base64.encode(pending, lineEnding: nil), as: UTF8.self)
            words.append(prefix + body + "?=")
            pending.removeAll()
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if !pending.isEmpty, encodedLength(pending + bytes) > budget { flush() }
            pending += bytes
        }
        flush()
        return words.joined(separator: " ")
    }

    private static func isQSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "!"), UInt8(ascii: "*"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), 0x20:
            true
        default:
            false
        }
    }

    private static func encodeQ(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            if byte == 0x20 {
                output.append(UInt8(ascii: "_"))
            } else if isQSafe(byte) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
