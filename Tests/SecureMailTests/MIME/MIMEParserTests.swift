import Testing
@testable import SecureMail

/// Odd and hostile messages. Each must parse and serialise back to the same bytes.
let hostileMessages: [(name: String, bytes: [UInt8])] = [
    ("empty input", []),
    ("only a line ending", "\r\n".bytes),
    ("header without body or blank line", "Subject: hi\r\nFrom: a@b".bytes),
    ("header ending at blank line, no body", "Subject: hi\r\n\r\n".bytes),
    ("body only, no header", "\r\nhello\r\n".bytes),
    ("header line without colon", "Subject: x\r\nthis is not a header\r\nFrom: a@b\r\n\r\nbody".bytes),
    ("bare LF line endings", "Subject: x\nContent-Type: text/plain\n\nline1\nline2\n".bytes),
    ("mixed line endings", "Subject: x\r\nFrom: a@b\n\r\nline1\nline2\r\nline3\r".bytes),
    ("bare CR inside header", "Subject: a\rb\r\nX: y\r\n\r\nbody".bytes),
    ("NUL and 8-bit bytes in header", [UInt8]("Subject: caf".utf8) + [0xE9, 0x00, 0xFF] + "\r\nX-Null: \u{0}\r\n\r\nbody".bytes),
    ("folded header with tabs", "Subject: one\r\n\ttwo\r\n   three\r\nTo: a@b\r\n\r\nx".bytes),
    ("continuation line at the very start", "  leading continuation\r\nSubject: x\r\n\r\nbody".bytes),
    ("multipart without boundary parameter", "Content-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n--x--\r\n".bytes),
    ("multipart with empty boundary", "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\nhello\r\n".bytes),
    ("multipart whose boundary never appears", "Content-Type: multipart/mixed; boundary=abc\r\n\r\njust text\r\n".bytes),
    ("multipart without closing delimiter", "Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc\r\n\r\npart one\r\n--abc\r\n\r\npart two\r\n".bytes),
    ("multipart with preamble and epilogue", "Content-Type: multipart/mixed; boundary=abc\r\n\r\npreamble\r\n--abc\r\n\r\none\r\n--abc--\r\nepilogue\r\n".bytes),
    ("whitespace after boundary", "Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc  \t\r\n\r\none\r\n--abc-- \r\n".bytes),
    ("boundaries that are prefixes of each other (inner longer)",
     """
     Content-Type: multipart/mixed; boundary=abc

     --abc
     Content-Type: multipart/alternative; boundary=abcdef

     --abcdef
     Content-Type: text/plain

     inner
     --abcdef--
     --abc
     Content-Type: text/plain

     second
     --abc--

     """.crlfBytes),
    ("boundaries that are prefixes of each other (outer longer)",
     """
     Content-Type: multipart/mixed; boundary=abcdef

     --abcdef
     Content-Type: multipart/alternative; boundary=abc

     --abc
     Content-Type: text/plain

     inner
     --abcdef
     Content-Type: text/plain

     second
     --abcdef--

     """.bytes),
    ("outer boundary closes unclosed inner multipart",
     """
     Content-Type: multipart/mixed; boundary=outer

     --outer
     Content-Type: multipart/mixed; boundary=inner

     --inner

     text
     --outer--

     """.crlfBytes),
    ("part with header and no blank line before delimiter",
     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b--\r\n".bytes),
    ("delimiter at the very start of the body", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--".bytes),
    ("closing delimiter at end of input without line ending", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--".bytes),
    ("boundary lookalike inside a part", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--bx\r\n--b-x\r\n--b--\r\n".bytes),
    ("delimiters after the closing delimiter",
     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n--b\r\nafter\r\n".bytes),
    ("message/rfc822 nested",
     """
     Content-Type: multipart/mixed; boundary=m

     --m
     Content-Type: message/rfc822

     Subject: inner
     Content-Type: multipart/alternative; boundary=n

     --n

     a
     --n--
     --m--

     """.crlfBytes),
    ("base64 message/rfc822 stays a leaf", "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQpib2R5\r\n".bytes),
    ("message/rfc822 at top level without body", "Content-Type: message/rfc822\r\n\r\n".bytes),
    ("garbage content type", "Content-Type: ;;;==\"\r\n\r\nbody".bytes),
    ("unterminated quoted boundary", "Content-Type: multipart/mixed; boundary=\"abc\r\n\r\n--abc\r\n\r\nx\r\n--abc--\r\n".bytes),
    ("header field name with space before colon", "Subject : spaced\r\n\r\nbody".bytes),
    ("duplicate content-type headers", "Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\nz\r\n--q--\r\n".bytes),
    ("CR CR LF line endings", "Subject: x\r\r\n\r\r\nbody\r\r\n".bytes),
    ("very long single line body", "Subject: x\r\n\r\n".bytes + [UInt8](repeating: 0x41, count: 100_000)),
    ("binary body with NULs", "Content-Type: application/octet-stream\r\n\r\n".bytes + (0...255).map { UInt8($0) }),
    ("LF-only nested multipart",
     "Content-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: text/plain\n\nx\n--z\nContent-Type: multipart/related; boundary=y\n\n--y\n\nq\n--y--\n--z--\n".bytes),
    ("colon-less line inside a part header",
     "Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\nnot a header\r\n\r\nbody\r\n--z--\r\n".bytes),
]

@Suite("MIME parser")
struct MIMEParserTests {
    @Test("every fixture serialises back to its exact bytes", arguments: MIMEFixtures.names)
    func fixtureIdentity(name: String) throws {
        let bytes = try MIMEFixtures.bytes(name)
        let part = try MIMEParser.parse(bytes)
        #expect(part.serialize() == bytes)
    }

    @Test("every hostile message parses and serialises back exactly", arguments: hostileMessages.indices)
    func hostileIdentity(index: Int) throws {
        let (name, bytes) = hostileMessages[index]
        let part = try MIMEParser.parse(bytes)
        #expect(part.serialize() == bytes, "identity failed for: \(name)")
    }

    @Test("a message handed over as its only copy parses and serialises back exactly", arguments: hostileMessages.indices)
    func handedOverIdentity(index: Int) throws {
        let (name, bytes) = hostileMessages[index]
        let part = try MIMEParser.parse(Array(bytes))
        #expect(part.serialize() == bytes, "identity failed for: \(name)")
    }

    @Test func singlePartBodyIsTheHandedOverInputItself() throws {
        let header = "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        let body = String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n", count: 1000)
        var input = Array((header + body).utf8)
        let inputStorage = input.withUnsafeMutableBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let message = try MIMEParser.parse(consume input)
        guard case .single(let parsedBody) = message.body else {
            Issue.record("a single-part message parsed as \(message.body)")
            return
        }
        #expect(parsedBody.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == inputStorage)
        #expect(parsedBody == Array(body.utf8))
        #expect(message.serialize() == Array((header + body).utf8))
    }

    /// A mail with a large attachment in a multipart inside an encapsulated message: the
    /// attachment's body is the handed-over input itself; the small parts are copies.
    @Test func aLargeAttachmentDeepInsideIsTheHandedOverInputItself() throws {
        let attachment = String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n", count: 1000)
        let text = "From: a@example.dk\r\nSubject: vedhæftet\r\nContent-Type: message/rfc822\r\n\r\n"
            + "Subject: inner\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble\r\n--b\r\n"
            + "Content-Type: text/plain\r\n\r\nHej\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + attachment + "\r\n--b--\r\nepilogue\r\n"
        var input = Array(text.utf8)
        let inputStorage = input.withUnsafeMutableBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let message = try MIMEParser.parse(consume input)
        let pdf = try #require(message.allParts().first { $0.contentType.mimeType == "application/pdf" })
        guard case .single(let parsedBody) = pdf.body else {
            Issue.record("the attachment parsed as \(pdf.body)")
            return
        }
        #expect(parsedBody.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == inputStorage)
        #expect(parsedBody == Array(attachment.utf8))
        #expect(message.allParts().first { $0.contentType.mimeType == "text/plain" }?.body == .single(Array("Hej".utf8)))
        #expect(message.serialize() == Array(text.utf8))
    }

    @Test func multipartSignedStructure() throws {
        let bytes = try MIMEFixtures.bytes("smime-multipart-signed.eml")
        let message = try MIMEParser.parse(bytes)
        #expect(message.contentType.mimeType == "multipart/signed")
        #expect(message.contentType.parameter("protocol") == "application/pkcs7-signature")
        #expect(message.contentType.parameter("micalg") == "sha-256")
        #expect(message.header.first("subject")?.value == "The FooCorp contract")
        #expect(message.header.first("Received")?.value == "from localhost (localhost [127.0.0.1]); Tue, 26 Nov 2019 20:03:17 -0400 (UTC-04:00)")
        let multipart = try #require(message.multipartBody)
        #expect(multipart.boundary == "179")
        #expect(multipart.entries.count == 2)
        #expect(multipart.closingDelimiter != nil)

        // The signed part is exactly the bytes between the first delimiter line and the CR LF before the next one.
        let text = String(decoding: bytes, as: UTF8.self)
        let startMarker = "--179\n"
        let start = try #require(text.range(of: startMarker)).upperBound
        let end = try #require(text.range(of: "\n--179\n", range: start..<text.endIndex)).lowerBound
        let expected = Array(text[start..<end].utf8)
        #expect(multipart.entries[0].part.serialize() == expected)
        #expect(multipart.entries[0].part.canonicalBytes() == Canonicalization.crlf(expected))
        #expect(multipart.entries[0].delimiter == Array("--179\n".utf8))
        #expect(multipart.entries[1].delimiter == Array("\n--179\n".utf8))

        let signature = multipart.entries[1].part
        #expect(signature.contentType.mimeType == "application/pkcs7-signature")
        #expect(signature.header.contentTransferEncoding == .base64)
        #expect(signature.filename == "smime.p7s")
        let der = signature.decodedBody()
        #expect(der.first == 0x30)
        #expect(der.count > 1000)
        #expect(multipart.entries[0].part.text()?.contains("Bob, we need to cancel this contract.") == true)
    }

    @Test func innerFixturesParseAsPlainParts() throws {
        let inner = try MIMEParser.parse(try MIMEFixtures.bytes("smime-onepart-signed.inner"))
        #expect(inner.contentType.mimeType == "text/plain")
        #expect(inner.contentType.parameter("protected-headers") == "v1")
        #expect(inner.text()?.contains("onepart") == true)
    }

    @Test func defaultContentTypeIsTextPlainUSASCII() throws {
        let part = try MIMEParser.parse("Subject: x\r\n\r\nbody".bytes)
        #expect(part.contentType.mimeType == "text/plain")
        #expect(part.contentType.charset == "us-ascii")
        #expect(part.header.contentTransferEncoding == .sevenBit)
        #expect(part.text() == "body")
    }

    @Test func emptyInputGivesEmptyPart() throws {
        let part = try MIMEParser.parse([])
        #expect(part.header.fields.isEmpty)
        #expect(part.headerTerminator.isEmpty)
        #expect(part.singleBody == [])
    }

    @Test func headerWithoutBody() throws {
        let part = try MIMEParser.parse("Subject: hi\r\nFrom: a@b".bytes)
        #expect(part.header.fields.count == 2)
        #expect(part.header.first("from")?.value == "a@b")
        #expect(part.headerTerminator.isEmpty)
        #expect(part.singleBody == [])
    }

    @Test func colonlessLineEndsHeader() throws {
        let part = try MIMEParser.parse("Subject: x\r\nthis is not a header\r\nFrom: a@b\r\n\r\nbody".bytes)
        #expect(part.header.fields.map(\.name) == ["Subject"])
        #expect(part.singleBody == "this is not a header\r\nFrom: a@b\r\n\r\nbody".bytes)
    }

    @Test func foldedValueIsUnfolded() throws {
        let part = try MIMEParser.parse("Subject: one\r\n\ttwo\r\n   three\r\nTo: a@b\r\n\r\nx".bytes)
        let subject = try #require(part.header.first("SUBJECT"))
        #expect(subject.value == "one\ttwo   three")
        #expect(subject.raw == "Subject: one\r\n\ttwo\r\n   three\r\n".bytes)
        #expect(part.header.first("Subject ")?.name == nil)
    }

    @Test func eightBitHeaderFallsBackToLatin1() throws {
        let bytes = [UInt8]("Subject: caf".utf8) + [0xE9] + "\r\nX-Utf8: caf\u{E9}\r\n\r\n".bytes
        let part = try MIMEParser.parse(bytes)
        #expect(part.header.first("Subject")?.value == "café")
        #expect(part.header.first("X-Utf8")?.value == "café")
    }

    @Test func spacedFieldNameIsTrimmed() throws {
        let part = try MIMEParser.parse("Subject : spaced\r\n\r\nbody".bytes)
        #expect(part.header.first("subject")?.value == "spaced")
    }

    @Test func missingClosingDelimiter() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc\r\n\r\npart one\r\n--abc\r\n\r\npart two\r\n".bytes)
        let multipart = try #require(part.multipartBody)
        #expect(multipart.entries.count == 2)
        #expect(multipart.closingDelimiter == nil)
        #expect(multipart.entries[0].part.singleBody == "part one".bytes)
        #expect(multipart.entries[1].part.singleBody == "part two\r\n".bytes)
    }

    @Test func preambleAndEpilogueAreKept() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed; boundary=abc\r\n\r\npreamble\r\n--abc\r\n\r\none\r\n--abc--\r\nepilogue\r\n".bytes)
        let multipart = try #require(part.multipartBody)
        #expect(multipart.preamble == "preamble".bytes)
        #expect(multipart.entries[0].delimiter == "\r\n--abc\r\n".bytes)
        #expect(multipart.closingDelimiter == "\r\n--abc--\r\n".bytes)
        #expect(multipart.epilogue == "epilogue\r\n".bytes)
    }

    @Test func whitespaceAfterBoundaryIsAccepted() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc  \t\r\n\r\none\r\n--abc-- \r\n".bytes)
        let multipart = try #require(part.multipartBody)
        #expect(multipart.entries.count == 1)
        #expect(multipart.entries[0].part.singleBody == "one".bytes)
        #expect(multipart.closingDelimiter == "\r\n--abc-- \r\n".bytes)
    }

    @Test func prefixBoundariesInnerLonger() throws {
        let part = try MIMEParser.parse(hostileMessages[18].bytes)
        let outer = try #require(part.multipartBody)
        #expect(outer.entries.count == 2)
        let inner = try #require(outer.entries[0].part.multipartBody)
        #expect(inner.entries.count == 1)
        #expect(inner.closingDelimiter != nil)
        #expect(inner.entries[0].part.text() == "inner")
        #expect(outer.entries[1].part.text() == "second")
    }

    @Test func prefixBoundariesOuterLonger() throws {
        let part = try MIMEParser.parse(hostileMessages[19].bytes)
        let outer = try #require(part.multipartBody)
        #expect(outer.entries.count == 2)
        let inner = try #require(outer.entries[0].part.multipartBody)
        #expect(inner.entries.count == 1)
        #expect(inner.closingDelimiter == nil)
        #expect(inner.entries[0].part.text() == "inner")
        #expect(outer.entries[1].part.text() == "second")
    }

    @Test func outerBoundaryClosesInner() throws {
        let part = try MIMEParser.parse(hostileMessages[20].bytes)
        let outer = try #require(part.multipartBody)
        #expect(outer.entries.count == 1)
        #expect(outer.closingDelimiter != nil)
        let inner = try #require(outer.entries[0].part.multipartBody)
        #expect(inner.closingDelimiter == nil)
        #expect(inner.entries[0].part.singleBody == "text".bytes)
    }

    @Test func headerOnlyPartBeforeDelimiter() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b--\r\n".bytes)
        let multipart = try #require(part.multipartBody)
        #expect(multipart.entries.count == 1)
        #expect(multipart.entries[0].part.header.first("content-type") != nil)
        #expect(multipart.entries[0].part.singleBody == [])
        #expect(multipart.closingDelimiter == "--b--\r\n".bytes)
    }

    @Test func boundaryLookalikesAreContent() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--bx\r\n--b-x\r\n--b--\r\n".bytes)
        let multipart = try #require(part.multipartBody)
        #expect(multipart.entries.count == 1)
        #expect(multipart.entries[0].part.singleBody == "--bx\r\n--b-x".bytes)
    }

    @Test func closedBoundaryIsInactiveInEpilogue() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n--b\r\nafter\r\n".bytes)
        let multipart = try #require(part.multipartBody)
        #expect(multipart.entries.count == 1)
        #expect(multipart.epilogue == "--b\r\nafter\r\n".bytes)
    }

    @Test func nestedMessageIsParsed() throws {
        let part = try MIMEParser.parse(hostileMessages[26].bytes)
        let outer = try #require(part.multipartBody)
        let attached = outer.entries[0].part
        #expect(attached.contentType.mimeType == "message/rfc822")
        let inner = try #require(attached.messageBody)
        #expect(inner.header.first("Subject")?.value == "inner")
        let alternative = try #require(inner.multipartBody)
        #expect(alternative.entries[0].part.text() == "a")
        #expect(outer.closingDelimiter != nil)
        #expect(attached.decodedBody() == inner.serialize())
    }

    @Test func encodedMessageStaysLeaf() throws {
        let part = try MIMEParser.parse("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQpib2R5\r\n".bytes)
        #expect(part.messageBody == nil)
        #expect(part.decodedBody() == "Subject: x\r\n\r\nbody".bytes)
    }

    @Test func multipartWithoutBoundaryIsLeaf() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n--x--\r\n".bytes)
        #expect(part.singleBody != nil)
    }

    @Test func unterminatedQuotedBoundaryStillWorks() throws {
        let part = try MIMEParser.parse("Content-Type: multipart/mixed; boundary=\"abc\r\n\r\n--abc\r\n\r\nx\r\n--abc--\r\n".bytes)
        let multipart = try #require(part.multipartBody)
        #expect(multipart.entries.count == 1)
    }

    @Test func lfOnlyNestedStructure() throws {
        let part = try MIMEParser.parse(hostileMessages[36].bytes)
        let outer = try #require(part.multipartBody)
        #expect(outer.entries.count == 2)
        #expect(outer.entries[0].part.text() == "x")
        let related = try #require(outer.entries[1].part.multipartBody)
        #expect(related.entries[0].part.text() == "q")
        #expect(related.entries[0].delimiter == "--y\n".bytes)
        #expect(outer.closingDelimiter == "--z--\n".bytes)
    }

    @Test func appendingAfterUnterminatedLastFieldAddsLineEnding() throws {
        var part = try MIMEParser.parse("Subject: x\r\nFrom: a@b".bytes)
        part.header.append(name: "X-Added", value: "1")
        #expect(part.header.raw == "Subject: x\r\nFrom: a@b\r\nX-Added: 1\r\n".bytes)
        #expect(try MIMEParser.parse(part.serialize()).header.first("x-added")?.value == "1")
    }

    @Test func manyPartsAndLongBodiesRoundTrip() throws {
        var text = "Content-Type: multipart/mixed; boundary=q\r\n\r\n"
        for index in 0..<2_000 {
            text += "--q\r\nContent-Type: text/plain; name=\"f\(index).txt\"\r\n\r\n" + String(repeating: "line \(index)\r\n", count: 20)
        }
        text += "--q--\r\n"
        let bytes = text.bytes
        let part = try MIMEParser.parse(bytes)
        #expect(part.multipartBody?.entries.count == 2_000)
        #expect(part.multipartBody?.entries.last?.part.filename == "f1999.txt")
        #expect(part.serialize() == bytes)
    }

    @Test func allPartsWalksInDocumentOrder() throws {
        let part = try MIMEParser.parse(hostileMessages[26].bytes)
        let types = part.allParts().map(\.contentType.mimeType)
        #expect(types == ["multipart/mixed", "message/rfc822", "multipart/alternative", "text/plain"])
    }

    @Test func mailboxesOfEveryField() throws {
        let part = try MIMEParser.parse("From: \"a@x\" <b@y>\r\nFrom: c@z\r\nTo: =?utf-8?q?S=C3=B8ren?= <s@x.dk>, t@x.dk\r\n\r\n".bytes)
        #expect(part.header.mailboxes("from").map(\.address) == ["b@y", "c@z"])
        #expect(part.header.mailboxes("To").first?.displayName == "Søren")
        #expect(part.header.mailboxes("To").count == 2)
    }

    @Test func fieldFromRawBytes() {
        let field = MIMEHeaderField(raw: "X-Copied : v\r\n \tw\r\n".bytes)
        #expect(field?.name == "X-Copied")
        #expect(field?.value == "v \tw")
        #expect(MIMEHeaderField(raw: "no colon\r\n".bytes) == nil)
        #expect(MIMEHeaderField(raw: ": empty name\r\n".bytes) == nil)
        #expect(MIMEHeaderField(raw: "bad name: x\r\n".bytes) == nil)
    }

    @Test func changedHeaderSerialisesWithChange() throws {
        var part = try MIMEParser.parse("Subject: x\nX-SecureMail-Verdict: forged\nFrom: a@b\n\nbody\n".bytes)
        part.header.removeAll { $0.name.lowercased().hasPrefix("x-securemail-") }
        part.header.append(name: "X-SecureMail-Verdict", value: "plain")
        #expect(part.serialize() == "Subject: x\nFrom: a@b\nX-SecureMail-Verdict: plain\n\nbody\n".bytes)
    }
}

@Suite("MIME limits")
struct MIMELimitTests {
    @Test func messageSize() {
        #expect(throws: MIMEError.limitExceeded(what: "message size (11 bytes)", limit: 10)) {
            try MIMEParser.parse("Subject: x\n".bytes, limits: MIMELimits(maxMessageSize: 10))
        }
    }

    @Test func headerLineLength() {
        let bytes = "Subject: ".bytes + [UInt8](repeating: 0x61, count: 200) + "\r\n\r\n".bytes
        #expect(throws: MIMEError.limitExceeded(what: "header line length", limit: 100)) {
            try MIMEParser.parse(bytes, limits: MIMELimits(maxHeaderLineLength: 100))
        }
        // The body may have long lines.
        #expect(throws: Never.self) {
            try MIMEParser.parse("Subject: x\r\n\r\n".bytes + [UInt8](repeating: 0x61, count: 200), limits: MIMELimits(maxHeaderLineLength: 100))
        }
    }

    @Test func headerFieldCount() {
        let bytes = Array(repeating: "X-A: b\r\n", count: 11).joined().bytes + "\r\n".bytes
        #expect(throws: MIMEError.limitExceeded(what: "header fields in one header block", limit: 10)) {
            try MIMEParser.parse(bytes, limits: MIMELimits(maxHeaderFields: 10))
        }
        #expect(throws: Never.self) {
            try MIMEParser.parse(bytes, limits: MIMELimits(maxHeaderFields: 11))
        }
    }

    @Test func partCount() {
        var text = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        for _ in 0..<20 { text += "--b\r\n\r\nx\r\n" }
        let bytes = text.bytes
        #expect(throws: MIMEError.limitExceeded(what: "number of MIME parts", limit: 20)) {
            try MIMEParser.parse(bytes, limits: MIMELimits(maxParts: 20))
        }
        #expect(throws: Never.self) {
            try MIMEParser.parse(bytes, limits: MIMELimits(maxParts: 21))
        }
    }

    @Test func nestingDepth() {
        let bytes = nestedMultiparts(depth: 5)
        #expect(throws: MIMEError.limitExceeded(what: "MIME nesting depth", limit: 4)) {
            try MIMEParser.parse(bytes, limits: MIMELimits(maxDepth: 4))
        }
        #expect(throws: Never.self) {
            try MIMEParser.parse(bytes, limits: MIMELimits(maxDepth: 5))
        }
    }

    @Test func tenThousandNestedMultipartsThrowInsteadOfOverflowing() {
        let bytes = nestedMultiparts(depth: 10_000)
        #expect(throws: MIMEError.limitExceeded(what: "MIME nesting depth", limit: MIMELimits.default.maxDepth)) {
            try MIMEParser.parse(bytes)
        }
    }

    @Test func tenThousandNestedMessagesThrow() {
        let bytes = Array(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 10_000).joined().bytes
        #expect(throws: MIMEError.limitExceeded(what: "MIME nesting depth", limit: MIMELimits.default.maxDepth)) {
            try MIMEParser.parse(bytes)
        }
    }

    @Test func errorMessageSaysWhatToDo() {
        let error = MIMEError.limitExceeded(what: "MIME nesting depth", limit: 64)
        #expect(error.description.contains("MIME nesting depth"))
        #expect(error.description.contains("64"))
    }

    @Test func nestedWithinLimitRoundTrips() throws {
        let bytes = nestedMultiparts(depth: 60)
        let part = try MIMEParser.parse(bytes)
        #expect(part.serialize() == bytes)
        var depth = 0
        var current = part
        while let multipart = current.multipartBody, let first = multipart.entries.first {
            depth += 1
            current = first.part
        }
        #expect(depth == 60)
        #expect(current.text() == "deepest")
    }

    private func nestedMultiparts(depth: Int) -> [UInt8] {
        var output: [UInt8] = []
        for level in 0..<depth {
            output += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n".bytes
        }
        output += "Content-Type: text/plain\r\n\r\ndeepest".bytes
        for level in (0..<depth).reversed() {
            output += "\r\n--b\(level)--".bytes
        }
        return output
    }
}
