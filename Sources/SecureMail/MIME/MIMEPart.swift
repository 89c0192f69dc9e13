/// The body of a MIME part.
public enum MIMEBody: Sendable, Hashable {
    /// A leaf body: the raw bytes, still transfer-encoded.
    case single([UInt8])
    /// A multipart body (RFC 2046 section 5.1).
    case multipart(MIMEMultipart)
    /// An encapsulated message (`message/rfc822` or `message/global`) that is not base64 or
    /// quoted-printable encoded, parsed as a part of its own.
    indirect case message(MIMEPart)
}

/// One body part inside a multipart, with the exact delimiter line that introduced it.
public struct MIMEMultipartEntry: Sendable, Hashable {
    /// The delimiter bytes: the line break before the delimiter line (which RFC 2046 assigns to
    /// the delimiter; empty for a delimiter at the very start of the body), `--boundary`, any
    /// trailing whitespace, and the line ending.
    public var delimiter: [UInt8]
    /// The body part between this delimiter and the next.
    public var part: MIMEPart

    /// Pairs a part with its delimiter bytes.
    public init(delimiter: [UInt8], part: MIMEPart) {
        self.delimiter = delimiter
        self.part = part
    }
}

/// A multipart body, kept bytes-exact: preamble, each delimiter, the closing delimiter and the epilogue.
public struct MIMEMultipart: Sendable, Hashable {
    /// The boundary (the Content-Type `boundary` parameter).
    public var boundary: String
    /// The bytes before the first delimiter.
    public var preamble: [UInt8]
    /// The body parts with their delimiters.
    public var entries: [MIMEMultipartEntry]
    /// The closing delimiter (`--boundary--` with its preceding line break and line ending),
    /// or nil when the message ended without one.
    public var closingDelimiter: [UInt8]?
    /// The bytes after the closing delimiter.
    public var epilogue: [UInt8]

    /// Makes a multipart from its exact pieces.
    public init(boundary: String, preamble: [UInt8], entries: [MIMEMultipartEntry], closingDelimiter: [UInt8]?, epilogue: [UInt8]) {
        self.boundary = boundary
        self.preamble = preamble
        self.entries = entries
        self.closingDelimiter = closingDelimiter
        self.epilogue = epilogue
    }

    /// Makes a new multipart with standard delimiters written with `lineEnding`,
    /// an empty preamble and epilogue.
    public init(parts: [MIMEPart], boundary: String = MIMEMultipart.generateBoundary(), lineEnding: LineEnding = .crlf) {
        let ending = lineEnding.bytes
        let dashBoundary = Array("--\(boundary)".utf8)
        self.boundary = boundary
        self.preamble = []
        self.entries = parts.enumerated().map { position, part in
            MIMEMultipartEntry(delimiter: (position == 0 ? [] : ending) + dashBoundary + ending, part: part)
        }
        self.closingDelimiter = (parts.isEmpty ? [] : ending) + dashBoundary + Array("--".utf8) + ending
        self.epilogue = []
    }

    /// The body parts, in order.
    public var parts: [MIMEPart] { entries.map(\.part) }

    /// A fresh random boundary: 144 random bits as 24 characters of a 64-character alphabet of
    /// boundary characters (RFC 2046), from three draws of the system's generator instead of one
    /// per character. It contains `=_`, which can never occur in base64 or quoted-printable
    /// output, so it cannot collide with encoded content.
    public static func generateBoundary() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.".utf8)
        var generator = SystemRandomNumberGenerator()
        var random: [UInt8] = []
        random.reserveCapacity(24)
        for _ in 0..<3 {
            var bits = generator.next()
            for _ in 0..<8 {
                random.append(alphabet[Int(bits & 63)])
                bits >>= 6
            }
        }
        return "=_SecureMail_" + String(decoding: random, as: UTF8.self)
    }
}

/// A MIME entity: a whole message or a body part. A header, a separator line and a body.
public struct MIMEPart: Sendable, Hashable {
    /// The header fields.
    public var header: MIMEHeader
    /// The blank line that ends the header (`CR LF` or `LF`), or empty when the header ran
    /// straight into the end of the input, a delimiter, or a line that is not a field.
    public var headerTerminator: [UInt8]
    /// The body.
    public var body: MIMEBody

    /// Makes a part. The header terminator defaults to a blank line in the header's line ending.
    public init(header: MIMEHeader, body: MIMEBody, headerTerminator: [UInt8]? = nil) {
        self.header = header
        self.body = body
        self.headerTerminator = headerTerminator ?? header.lineEnding.bytes
    }

    /// The exact bytes of this part. For a parsed part that was not changed, these are the
    /// bytes it was parsed from (for a multipart/signed first part: what the signature covers,
    /// before canonicalisation).
    public func serialize() -> [UInt8] {
        // One allocation of the exact size: a large message is not copied through growing buffers.
        var output: [UInt8] = []
        LargeBuffers.reserveCapacity(&output, serializedCount)
        writeSerialized { output += $0 }
        return output
    }

    /// The number of bytes `serialize()` returns.
    public var serializedCount: Int {
        var count = 0
        writeSerialized { count += $0.count }
        return count
    }

    /// Calls `emit` with the bytes of `serialize()` piece by piece, in order (header fields,
    /// delimiters and bodies as they are stored), so that a large message can be written, digested
    /// or encrypted without being gathered into one buffer.
    public func writeSerialized(_ emit: (ArraySlice<UInt8>) throws -> Void) rethrows {
        for field in header.fields { try emit(field.raw[...]) }
        try emit(headerTerminator[...])
        switch body {
        case .single(let bytes):
            try emit(bytes[...])
        case .message(let inner):
            try inner.writeSerialized(emit)
        case .multipart(let multipart):
            try emit(multipart.preamble[...])
            for entry in multipart.entries {
                try emit(entry.delimiter[...])
                try entry.part.writeSerialized(emit)
            }
            if let closing = multipart.closingDelimiter { try emit(closing[...]) }
            try emit(multipart.epilogue[...])
        }
    }

    /// `serialize()` with line endings canonicalised to CR LF (RFC 8551 section 3.1.1); the
    /// serialised bytes themselves when they are canonical already.
    public func canonicalBytes() -> [UInt8] {
        let bytes = serialize()
        return Self.isCanonical(bytes) ? bytes : Canonicalization.crlf(bytes)
    }

    /// True when every CR is followed by LF and every LF preceded by CR.
    static func isCanonical(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var previous: UInt8 = 0
            for byte in buffer {
                if byte == 0x0A, previous != 0x0D { return false }
                if previous == 0x0D, byte != 0x0A { return false }
                previous = byte
            }
            return previous != 0x0D
        }
    }

    /// The Content-Type of this part (the RFC 2045 default when absent).
    public var contentType: ContentType { header.contentType }

    /// The body with its transfer encoding removed; the raw bytes of an embedded message; empty for multiparts.
    public func decodedBody() -> [UInt8] {
        switch body {
        case .single(let bytes): header.contentTransferEncoding.decode(bytes)
        case .message(let inner): inner.serialize()
        case .multipart: []
        }
    }

    /// ``decodedBody()``, taken out of the part, whose body is left empty: a base64 body, the
    /// common case, is decoded in its own storage instead of into a second buffer.
    public mutating func takeDecodedBody() -> [UInt8] {
        guard case .single(var bytes) = body, header.contentTransferEncoding == .base64 else {
            let decoded = decodedBody()
            body = .single([])
            return decoded
        }
        body = .single([])
        Base64.decodeInPlace(&bytes)
        return bytes
    }

    /// The first `count` bytes of ``decodedBody()`` (fewer when it is shorter), decoding only
    /// those of a base64 body.
    public func decodedBodyOpening(_ count: Int) -> [UInt8] {
        if case .single(let bytes) = body, header.contentTransferEncoding == .base64 {
            // Four characters a three bytes, and line breaks: twice as many characters is plenty.
            return Array(Base64.decode(bytes.prefix(count * 2)).prefix(count))
        }
        return Array(decodedBody().prefix(count))
    }

    /// The body as text: transfer decoding, then charset decoding with the Content-Type charset
    /// (us-ascii when absent). Nil for multiparts, embedded messages, and unknown charsets whose
    /// bytes are not valid UTF-8.
    public func text() -> String? {
        guard case .single = body else { return nil }
        let bytes = decodedBody()
        let charset = contentType.charset ?? "us-ascii"
        if let decoded = Charsets.decode(bytes, charset: charset) { return decoded }
        return String(validatingUTF8Bytes: bytes)
    }

    /// The file name: the Content-Disposition `filename`, else the Content-Type `name`,
    /// with RFC 2231 and RFC 2047 decoding applied. Nil when neither is present.
    public var filename: String? {
        let candidate = header.contentDisposition?.parameter("filename") ?? contentType.parameter("name")
        guard let candidate else { return nil }
        let decoded = EncodedWords.decode(candidate).trimmingCharacters(in: .whitespacesAndNewlines)
        return decoded.isEmpty ? nil : decoded
    }

    /// The direct child parts of a multipart, or the embedded message; empty for a leaf.
    public var children: [MIMEPart] {
        switch body {
        case .single: []
        case .multipart(let multipart): multipart.parts
        case .message(let inner): [inner]
        }
    }

    /// This part and every part inside it, depth-first in document order (parents before
    /// children, embedded messages included). Iterative, so any depth is safe.
    public func allParts() -> [MIMEPart] {
        var result: [MIMEPart] = []
        var pending: [MIMEPart] = [self]
        while let part = pending.popLast() {
            result.append(part)
            pending.append(contentsOf: part.children.reversed())
        }
        return result
    }

    /// Makes a leaf part from decoded content: sets Content-Type and
    /// Content-Transfer-Encoding and encodes `content` accordingly.
    /// - Parameters:
    ///   - content: the decoded bytes (for text, already in the charset named by `contentType`).
    ///   - contentType: the Content-Type to write.
    ///   - transferEncoding: how to encode the body.
    ///   - extraFields: further fields as (name, value), written after the two above.
    ///   - lineEnding: the line ending for the header and the encoded body.
    public static func leaf(
        content: [UInt8],
        contentType: ContentType,
        transferEncoding: TransferEncoding,
        extraFields: [(name: String, value: String)] = [],
        lineEnding: LineEnding = .crlf
    ) -> MIMEPart {
        var header = MIMEHeader(lineEnding: lineEnding)
        header.append(contentType: contentType)
        header.append(name: "Content-Transfer-Encoding", value: transferEncoding.headerValue)
        for field in extraFields { header.append(name: field.name, value: field.value) }
        let encoded = transferEncoding.encode(content, lineEnding: lineEnding, isText: contentType.type == "text")
        return MIMEPart(header: header, body: .single(encoded))
    }

    /// Makes a multipart part of `multipart/<subtype>` around `parts`, with a generated boundary
    /// unless one is given, and standard delimiters in `lineEnding`.
    /// - Parameter parameters: further Content-Type parameters (for example `protocol` and `micalg`).
    public static func multipart(
        subtype: String,
        parts: [MIMEPart],
        parameters: [MIMEParameter] = [],
        boundary: String = MIMEMultipart.generateBoundary(),
        extraFields: [(name: String, value: String)] = [],
        lineEnding: LineEnding = .crlf
    ) -> MIMEPart {
        var contentType = ContentType(type: "multipart", subtype: subtype, parameters: parameters)
        contentType.setParameter("boundary", boundary)
        var header = MIMEHeader(lineEnding: lineEnding)
        header.append(contentType: contentType)
        for field in extraFields { header.append(name: field.name, value: field.value) }
        return MIMEPart(header: header, body: .multipart(MIMEMultipart(parts: parts, boundary: boundary, lineEnding: lineEnding)))
    }

    /// Makes a `message/rfc822` part that embeds `message`.
    public static func embedding(_ message: MIMEPart, lineEnding: LineEnding = .crlf) -> MIMEPart {
        var header = MIMEHeader(lineEnding: lineEnding)
        header.append(name: "Content-Type", value: "message/rfc822")
        return MIMEPart(header: header, body: .message(message))
    }
}
