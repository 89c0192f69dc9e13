/// One header field, kept as the exact bytes it arrived as.
public struct MIMEHeaderField: Sendable, Hashable {
    /// The field name as written (without trailing whitespace before the colon).
    public let name: String
    /// The exact bytes of the field: name, colon, value, folding and the final line ending.
    public let raw: [UInt8]

    /// Wraps bytes read from a message. `raw` must start with the field name and a colon.
    init(parsedName: String, raw: [UInt8]) {
        self.name = parsedName
        self.raw = raw
    }

    /// Wraps the exact bytes of an existing field (for example one copied from another message).
    /// Returns nil unless `raw` starts with a field name (no whitespace or control characters)
    /// followed by a colon; the bytes are kept as given, so include the line ending.
    public init?(raw: [UInt8]) {
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        var nameEnd = colon
        while nameEnd > 0, raw[nameEnd - 1] == 0x20 || raw[nameEnd - 1] == 0x09 { nameEnd -= 1 }
        let name = raw[..<nameEnd]
        guard !name.isEmpty, !name.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }
        self.init(parsedName: String(utf8OrLatin1: name), raw: raw)
    }

    /// Makes a new field. Line breaks inside `value` are replaced by spaces (so a value can never
    /// inject another field), and the field is folded at whitespace so that lines stay within
    /// 78 characters where the value allows. `value` is written as given: encode non-ASCII text
    /// with `EncodedWords.encode` first where RFC 2047 is wanted.
    public init(name: String, value: String, lineEnding: LineEnding = .crlf) {
        let cleanName = String(decoding: name.utf8.filter { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }, as: UTF8.self)
        self.name = cleanName
        self.raw = Self.fold(name: cleanName, value: Self.singleLine(value), lineEnding: lineEnding)
    }

    /// The UTF-8 of `value` with each run of CR and LF made one space, without leading and
    /// trailing spaces (`isSpaceOrTab`). Bytes, not scalars: CR and LF never occur inside a
    /// multi-byte sequence, and the gateway makes several fields for every message it writes.
    private static func singleLine(_ value: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        var lastWasBreak = false
        for byte in value.utf8 {
            if byte == 0x0D || byte == 0x0A {
                if !lastWasBreak { bytes.append(0x20) }
                lastWasBreak = true
            } else {
                bytes.append(byte)
                lastWasBreak = false
            }
        }
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start < end, bytes[start] >= 0x80 || bytes[end - 1] >= 0x80 {
            // Space separators outside ASCII (NO-BREAK SPACE, ...) are trimmed by their scalars.
            return Array(String(decoding: bytes[start..<end], as: UTF8.self).trimmingSpace().utf8)
        }
        bytes.removeSubrange(end...)
        bytes.removeSubrange(..<start)
        return bytes
    }

    private static func fold(name: String, value valueBytes: [UInt8], lineEnding: LineEnding) -> [UInt8] {
        var output = Array(name.utf8) + [UInt8(ascii: ":")]
        var lineLength = output.count
        // Split the value before each run of whitespace; each piece starts with its whitespace.
        var pieces: [ArraySlice<UInt8>] = []
        var pieceStart = 0
        var index = 0
        while index < valueBytes.count {
            if valueBytes[index] == 0x20 || valueBytes[index] == 0x09, index > pieceStart,
               valueBytes[index - 1] != 0x20, valueBytes[index - 1] != 0x09 {
                pieces.append(valueBytes[pieceStart..<index])
                pieceStart = index
            }
            index += 1
        }
        if pieceStart < valueBytes.count { pieces.append(valueBytes[pieceStart...]) }
        for (position, piece) in pieces.enumerated() {
            if position == 0 {
                output.append(0x20)
                output += piece
                lineLength += 1 + piece.count
            } else if lineLength + piece.count > 78 {
                output += lineEnding.bytes
                output += piece
                lineLength = piece.count
            } else {
                output += piece
                lineLength += piece.count
            }
        }
        output += lineEnding.bytes
        return output
    }

    /// The value after the colon, unfolded (line breaks removed), without surrounding
    /// whitespace; bytes read as UTF-8, or Latin-1 when they are not valid UTF-8.
    public var value: String {
        String(utf8OrLatin1: unfoldedValueBytes)
    }

    /// `value` with RFC 2047 encoded words decoded.
    public var decodedValue: String {
        EncodedWords.decode(value)
    }

    /// The unfolded value bytes (see `value`).
    public var unfoldedValueBytes: [UInt8] {
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return [] }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count - colon)
        for byte in raw[(colon + 1)...] where byte != 0x0D && byte != 0x0A {
            bytes.append(byte)
        }
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return Array(bytes[start..<end])
    }

    /// The line ending this field ends with, if any.
    public var lineEnding: LineEnding? {
        guard raw.last == 0x0A else { return nil }
        return raw.count >= 2 && raw[raw.count - 2] == 0x0D ? .crlf : .lf
    }

    /// Whether this field is named `name`, ignoring ASCII case.
    public func hasName(_ name: String) -> Bool {
        self.name.equalsIgnoringCase(name)
    }
}

/// The ordered header fields of a message or body part.
public struct MIMEHeader: Sendable, Hashable {
    /// The fields in their original order.
    public var fields: [MIMEHeaderField] {
        didSet { refreshContentType() }
    }
    /// The line ending for fields added with `append` and `replaceOrAppend`.
    public var lineEnding: LineEnding

    /// Makes a header from fields; the line ending for new fields follows the first field,
    /// or CR LF when there is none.
    public init(fields: [MIMEHeaderField] = [], lineEnding: LineEnding? = nil) {
        self.fields = fields
        self.lineEnding = lineEnding ?? fields.lazy.compactMap(\.lineEnding).first ?? .crlf
        self.parsedContentType = ParsedContentType(of: fields.first { $0.hasName("Content-Type") })
    }

    /// The first field named `name` (case-insensitive).
    public func first(_ name: String) -> MIMEHeaderField? {
        fields.first { $0.hasName(name) }
    }

    /// Every field named `name` (case-insensitive), in order.
    public func all(_ name: String) -> [MIMEHeaderField] {
        fields.filter { $0.hasName(name) }
    }

    /// Removes every field named `name` (case-insensitive).
    public mutating func removeAll(named name: String) {
        fields.removeAll { $0.hasName(name) }
    }

    /// Removes every field for which `predicate` is true.
    public mutating func removeAll(where predicate: (MIMEHeaderField) throws -> Bool) rethrows {
        try fields.removeAll(where: predicate)
    }

    /// Appends a new field at the end, folded, with this header's line ending.
    /// A last field that ended without a line ending (at the end of the input) gets one first.
    public mutating func append(name: String, value: String) {
        terminateLastField()
        fields.append(MIMEHeaderField(name: name, value: value, lineEnding: lineEnding))
    }

    private mutating func terminateLastField() {
        guard let last = fields.last, last.lineEnding == nil else { return }
        fields[fields.count - 1] = MIMEHeaderField(parsedName: last.name, raw: last.raw + lineEnding.bytes)
    }

    /// Appends a Content-Type field written from `contentType`, which is kept as the parsed
    /// value: a part being built is not parsed again from what was just written for it.
    public mutating func append(contentType: ContentType) {
        terminateLastField()
        let field = contentTypeField(contentType)
        fields.append(field)
    }

    /// ``replaceOrAppend(name:value:)`` for the Content-Type, kept as ``append(contentType:)`` keeps it.
    public mutating func replaceOrAppend(contentType: ContentType) {
        replaceOrAppend(contentTypeField(contentType))
    }

    /// The field for `contentType`, remembered as the parsed Content-Type of this header. A
    /// value reads back as itself (tests check it on every part they build).
    private mutating func contentTypeField(_ contentType: ContentType) -> MIMEHeaderField {
        let field = MIMEHeaderField(name: "Content-Type", value: contentType.headerValue, lineEnding: lineEnding)
        assert(ContentType(headerValue: field.value) == contentType, "Content-Type \(field.value) reads back differently")
        parsedContentType = ParsedContentType(field: field.raw, value: contentType)
        return field
    }

    /// Replaces the first field named `name` in place (removing any others of that name),
    /// or appends it when there is none.
    public mutating func replaceOrAppend(name: String, value: String) {
        replaceOrAppend(MIMEHeaderField(name: name, value: value, lineEnding: lineEnding))
    }

    private mutating func replaceOrAppend(_ field: MIMEHeaderField) {
        let name = field.name
        guard let index = fields.firstIndex(where: { $0.hasName(name) }) else {
            terminateLastField()
            fields.append(field)
            return
        }
        fields[index] = field
        var position = fields.index(after: index)
        while position < fields.endIndex {
            if fields[position].hasName(name) {
                fields.remove(at: position)
            } else {
                position = fields.index(after: position)
            }
        }
    }

    /// The mailboxes of every field named `name` (From, To, Cc ...), in order, with display
    /// names RFC 2047 decoded. Two From fields give the mailboxes of both.
    public func mailboxes(_ name: String) -> [MailboxAddress] {
        all(name).flatMap { AddressList.parse($0.value) }
    }

    /// The exact bytes of all fields, in order.
    public var raw: [UInt8] { fields.flatMap(\.raw) }

    /// The Content-Type, or the RFC 2045 default `text/plain; charset=us-ascii` when absent or invalid.
    public var contentType: ContentType { parsedContentType.value }

    /// The Content-Type kept parsed, with the field it was parsed from: unwrapping and
    /// extraction ask for it many times per part, and most changes to a header (status fields
    /// added, foreign fields removed) leave it alone, so it is parsed again only when its
    /// field changed.
    private var parsedContentType: ParsedContentType

    private struct ParsedContentType: Sendable, Hashable {
        var field: [UInt8]?
        var value: ContentType

        init(of field: MIMEHeaderField?) {
            self.field = field?.raw
            guard let field else {
                value = .default
                return
            }
            if let colon = field.raw.firstIndex(of: UInt8(ascii: ":")), let common = ContentType(commonFormIn: field.raw[(colon + 1)...]) {
                value = common
            } else {
                value = ContentType(headerValue: field.value)
            }
        }

        init(field: [UInt8], value: ContentType) {
            self.field = field
            self.value = value
        }
    }

    private mutating func refreshContentType() {
        let field = fields.first { $0.hasName("Content-Type") }
        if field?.raw != parsedContentType.field { parsedContentType = ParsedContentType(of: field) }
    }

    /// The Content-Transfer-Encoding, 7bit when absent.
    public var contentTransferEncoding: TransferEncoding {
        first("Content-Transfer-Encoding").map { TransferEncoding(headerValue: $0.value) } ?? .sevenBit
    }

    /// The Content-Disposition, if present.
    public var contentDisposition: ContentDisposition? {
        first("Content-Disposition").map { ContentDisposition(headerValue: $0.value) }
    }
}
