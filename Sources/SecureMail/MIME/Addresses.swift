/// One mailbox from an address header (RFC 5322 section 3.4).
public struct MailboxAddress: Sendable, Hashable, CustomStringConvertible {
    /// The display name, RFC 2047 decoded and unquoted; nil when there is none.
    public var displayName: String?
    /// The addr-spec `local@domain` as written (without angle brackets, comments or route).
    /// May lack an `@` when the header held a bare word.
    public var address: String

    /// Makes a mailbox.
    public init(displayName: String?, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// The local part (before the last `@`), or the whole address when there is no `@`.
    public var localPart: String {
        guard let at = lastAtSign else { return address }
        return String(address[..<at])
    }

    /// The domain (after the last `@`), lowercased; nil when there is no `@`.
    public var domain: String? {
        guard let at = lastAtSign else { return nil }
        return address[address.index(after: at)...].lowercased()
    }

    /// The last `@` that is a character of its own: found among the UTF-8 bytes when the
    /// address is ASCII (no ASCII character but CR LF spans two bytes), else by characters.
    private var lastAtSign: String.Index? {
        let bytes = address.utf8
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return address.lastIndex(of: "@") }
        return bytes.lastIndex(of: UInt8(ascii: "@"))
    }

    /// The address with its domain lowercased (the local part is kept: it may be case-sensitive).
    public var normalizedAddress: String {
        guard let domain else { return address }
        return localPart + "@" + domain
    }

    /// Whether both name the same mailbox: same local part, domain compared case-insensitively.
    public func isSameAddress(as other: MailboxAddress) -> Bool {
        normalizedAddress == other.normalizedAddress
    }

    /// Whether this mailbox's address equals `address` (domain compared case-insensitively).
    public func isSameAddress(as address: String) -> Bool {
        isSameAddress(as: MailboxAddress(displayName: nil, address: address))
    }

    /// `Display Name <address>`, or `<address>` without a display name.
    public var description: String {
        guard let displayName, !displayName.isEmpty else { return "<\(address)>" }
        return "\(displayName) <\(address)>"
    }
}

/// Parsing of address lists (From, To, Cc, Reply-To ...).
public enum AddressList {
    enum Token: Equatable {
        case word(String, spaceBefore: Bool)
        case quoted(String, spaceBefore: Bool)
        case comment(String)
        case special(Character)
        case domainLiteral(String)
    }

    /// Parses an unfolded address header value into its mailboxes, in order; the members of
    /// groups are included, group names are not. Tolerant of obsolete forms (routes, missing
    /// angle brackets, unbalanced quotes or comments, stray commas). An entry that is not an
    /// address at all is still returned as a mailbox (without `@`) so that counts stay honest.
    public static func parse(_ headerValue: String) -> [MailboxAddress] {
        let tokens = tokenize(headerValue)
        var result: [MailboxAddress] = []
        var phrase: [Token] = []
        var comments: [String] = []
        var phraseHasAt = false
        var index = 0

        func finishBare() {
            defer {
                phrase.removeAll()
                comments.removeAll()
                phraseHasAt = false
            }
            guard !phrase.isEmpty else { return }
            var address = ""
            for token in phrase {
                switch token {
                case .word(let text, let spaceBefore):
                    if spaceBefore, !address.isEmpty { address += " " }
                    address += text
                case .quoted(let text, let spaceBefore):
                    if spaceBefore, !address.isEmpty { address += " " }
                    address += "\"" + text + "\""
                case .special(let char): address.append(char)
                case .domainLiteral(let text): address += text
                case .comment: break
                }
            }
            let name = comments.last.map { EncodedWords.decode($0).trimmingSpace() }
            result.append(MailboxAddress(displayName: name?.isEmpty == false ? name : nil, address: address))
        }

        while index < tokens.count {
            let token = tokens[index]
            switch token {
            case .special("<"):
                var addressPieces: [String] = []
                index += 1
                while index < tokens.count, tokens[index] != .special(">") {
                    switch tokens[index] {
                    case .word(let text, _), .domainLiteral(let text): addressPieces.append(text)
                    case .quoted(let text, _): addressPieces.append("\"" + text + "\"")
                    case .special(let char): addressPieces.append(String(char))
                    case .comment: break
                    }
                    index += 1
                }
                var address = addressPieces.joined()
                // Obsolete route: <@a.example,@b.example:user@c.example>
                if address.hasPrefix("@"), let colon = address.firstIndex(of: ":") {
                    address = String(address[address.index(after: colon)...])
                }
                let name = displayName(from: phrase) ?? comments.last.map { EncodedWords.decode($0) }
                let trimmedName = name?.trimmingSpace()
                result.append(MailboxAddress(displayName: trimmedName?.isEmpty == false ? trimmedName : nil, address: address))
                phrase.removeAll()
                comments.removeAll()
                phraseHasAt = false
                // A comment right after the angle address can name a mailbox that has no display name.
                index += 1
                while index < tokens.count, case .comment(let text) = tokens[index] {
                    let decoded = EncodedWords.decode(text).trimmingSpace()
                    if result[result.count - 1].displayName == nil, !decoded.isEmpty {
                        result[result.count - 1].displayName = decoded
                    }
                    index += 1
                }
                continue
            case .special(":"):
                // A group name ends here; its members follow. Only in a phrase without "@" (else it is a route or junk).
                if !phraseHasAt {
                    phrase.removeAll()
                    comments.removeAll()
                } else {
                    phrase.append(token)
                }
            case .special(","), .special(";"):
                finishBare()
            case .comment(let text):
                comments.append(text)
            default:
                if token == .special("@") { phraseHasAt = true }
                phrase.append(token)
            }
            index += 1
        }
        finishBare()
        return result
    }

    private static func displayName(from phrase: [Token]) -> String? {
        var name = ""
        for token in phrase {
            switch token {
            case .word(let text, let spaceBefore), .quoted(let text, let spaceBefore):
                if spaceBefore, !name.isEmpty { name += " " }
                name += text
            case .special(let char):
                name.append(char)
            case .domainLiteral(let text):
                name += text
            case .comment:
                break
            }
        }
        guard !name.isEmpty else { return nil }
        return EncodedWords.decode(name)
    }

    /// Splits on Unicode scalars, not characters: RFC 5322's specials and quotes are single
    /// code points, a combining mark after one must not hide it, and grapheme breaking made
    /// this the costliest step of reading a message's addresses. Reads the text's UTF-8
    /// storage: tokens are copied from it whole, scalar by scalar only where a backslash
    /// escapes something.
    static func tokenize(_ text: String) -> [Token] {
        var text = text
        return text.withUTF8(tokenize(utf8:))
    }

    private static func tokenize(utf8 bytes: UnsafeBufferPointer<UInt8>) -> [Token] {
        let end = bytes.count
        var tokens: [Token] = []
        var index = 0
        var spaceBefore = false
        /// The length of the scalar starting at `position` (the text is valid UTF-8).
        func length(at position: Int) -> Int {
            switch bytes[position] {
            case ..<0xC0: 1
            case ..<0xE0: 2
            case ..<0xF0: 3
            default: 4
            }
        }
        func isWhiteSpace(at position: Int) -> Bool {
            let lead = bytes[position]
            if lead < 0x80 { return Unicode.Scalar(lead).isWhiteSpace }
            var decoder = UTF8()
            var iterator = UnsafeBufferPointer(rebasing: bytes[position..<position + length(at: position)]).makeIterator()
            guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return false }
            return scalar.isWhiteSpace
        }
        func isSpecial(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"),
                 UInt8(ascii: "@"), UInt8(ascii: "."): true
            default: false
            }
        }
        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        /// The text of `range` with each backslash dropped and the scalar after it kept.
        func unescaped(_ range: Range<Int>) -> String {
            var value: [UInt8] = []
            var position = range.lowerBound
            while position < range.upperBound {
                if bytes[position] == UInt8(ascii: "\\"), position + 1 < range.upperBound { position += 1 }
                let next = position + length(at: position)
                value += UnsafeBufferPointer(rebasing: bytes[position..<next])
                position = next
            }
            return String(decoding: value, as: UTF8.self)
        }
        while index < end {
            let byte = bytes[index]
            if isWhiteSpace(at: index) {
                spaceBefore = true
                index += length(at: index)
                continue
            }
            let start = index
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "("):
                let isComment = byte == UInt8(ascii: "(")
                var depth = 1
                var escapes = false
                index += 1
                while index < end {
                    let current = bytes[index]
                    if current == UInt8(ascii: "\\"), index + 1 < end {
                        escapes = true
                        index += 1 + length(at: index + 1)
                        continue
                    }
                    if isComment {
                        if current == UInt8(ascii: "(") { depth += 1 }
                        if current == UInt8(ascii: ")") { depth -= 1 }
                        if depth == 0 { break }
                    } else if current == UInt8(ascii: "\"") {
                        break
                    }
                    index += length(at: index)
                }
                let content = start + 1..<index
                let value = escapes ? unescaped(content) : text(content)
                tokens.append(isComment ? .comment(value) : .quoted(value, spaceBefore: spaceBefore))
                if index < end { index += 1 }
            case UInt8(ascii: "["):
                while index < end, bytes[index] != UInt8(ascii: "]") { index += length(at: index) }
                tokens.append(.domainLiteral(text(start..<index) + "]"))
                if index < end { index += 1 }
            case _ where isSpecial(byte):
                tokens.append(.special(Character(Unicode.Scalar(byte))))
                index += 1
            default:
                while index < end, !isSpecial(bytes[index]), bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "("),
                      bytes[index] != UInt8(ascii: "["), !isWhiteSpace(at: index) {
                    index += length(at: index)
                }
                tokens.append(.word(text(start..<index), spaceBefore: spaceBefore))
            }
            spaceBefore = false
        }
        return tokens
    }
}
