import Testing
@testable import SecureMail

@Suite("Building messages")
struct MIMEBuilderTests {
    private func makeMessage(lineEnding: LineEnding) -> MIMEPart {
        let text = MIMEPart.leaf(
            content: "Hej Søren,\nFrom now on: sag 42.\n".bytes,
            contentType: ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .quotedPrintable,
            lineEnding: lineEnding
        )
        let attachment = MIMEPart.leaf(
            content: (0..<300).map { UInt8($0 % 256) },
            contentType: ContentType(type: "application", subtype: "pdf", parameters: [MIMEParameter(name: "name", value: "skadesanmeldelse æøå.pdf")]),
            transferEncoding: .base64,
            extraFields: [(name: "Content-Disposition", value: ContentDisposition(disposition: "attachment", parameters: [MIMEParameter(name: "filename", value: "skadesanmeldelse æøå.pdf")]).headerValue)],
            lineEnding: lineEnding
        )
        let inner = MIMEPart.multipart(subtype: "mixed", parts: [text, attachment], lineEnding: lineEnding)
        var outer = MIMEPart.multipart(
            subtype: "mixed",
            parts: [inner, MIMEPart.embedding(MIMEPart.leaf(content: "embedded".bytes, contentType: .default, transferEncoding: .sevenBit, lineEnding: lineEnding), lineEnding: lineEnding)],
            extraFields: [(name: "Subject", value: EncodedWords.encode("Skade på bil"))],
            lineEnding: lineEnding
        )
        outer.header.append(name: "From", value: "Alice <alice@example.com>")
        return outer
    }

    @Test(arguments: [LineEnding.crlf, LineEnding.lf])
    func builtMessageParsesBackIdentically(lineEnding: LineEnding) throws {
        let message = makeMessage(lineEnding: lineEnding)
        let bytes = message.serialize()
        let reparsed = try MIMEParser.parse(bytes)
        #expect(reparsed == message)
        #expect(reparsed.serialize() == bytes)

        #expect(reparsed.header.first("subject")?.decodedValue == "Skade på bil")
        let outer = try #require(reparsed.multipartBody)
        let inner = try #require(outer.entries[0].part.multipartBody)
        #expect(inner.entries[0].part.text() == "Hej Søren,\(lineEnding == .crlf ? "\r\n" : "\n")From now on: sag 42.\(lineEnding == .crlf ? "\r\n" : "\n")")
        #expect(inner.entries[1].part.decodedBody() == (0..<300).map { UInt8($0 % 256) })
        #expect(inner.entries[1].part.filename == "skadesanmeldelse æøå.pdf")
        #expect(outer.entries[1].part.messageBody?.text() == "embedded")
    }

    @Test func crlfMessageHasNoBareLineFeeds() {
        let bytes = makeMessage(lineEnding: .crlf).serialize()
        #expect(Canonicalization.crlf(bytes) == bytes)
        #expect(bytes.allSatisfy { $0 < 0x80 })
    }

    @Test func lfMessageHasNoCarriageReturns() {
        let bytes = makeMessage(lineEnding: .lf).serialize()
        #expect(!bytes.contains(0x0D))
    }

    @Test func generatedBoundariesAreUniqueAndSafe() {
        let first = MIMEMultipart.generateBoundary()
        let second = MIMEMultipart.generateBoundary()
        #expect(first != second)
        #expect(first.contains("=_"))
        #expect(first.count <= 70)
    }

    @Test func multipartCarriesBoundaryAndParameters() {
        let part = MIMEPart.multipart(
            subtype: "signed",
            parts: [],
            parameters: [MIMEParameter(name: "protocol", value: "application/pkcs7-signature"), MIMEParameter(name: "micalg", value: "sha-256")],
            boundary: "b1"
        )
        #expect(part.contentType.boundary == "b1")
        #expect(part.contentType.parameter("micalg") == "sha-256")
        #expect(part.multipartBody?.boundary == "b1")
    }

    @Test func replacingAPartKeepsTheRestExact() throws {
        let original = try MIMEFixtures.bytes("smime-multipart-signed.eml")
        var message = try MIMEParser.parse(original)
        guard case .multipart(var multipart) = message.body else {
            Issue.record("fixture is not multipart")
            return
        }
        let signed = multipart.entries[0].part.serialize()
        multipart.entries[1].part = MIMEPart.leaf(content: "replaced".bytes, contentType: .default, transferEncoding: .sevenBit, lineEnding: .lf)
        message.body = .multipart(multipart)
        let bytes = message.serialize()
        #expect(bytes.starts(with: original.prefix(600)))
        let reparsed = try MIMEParser.parse(bytes)
        #expect(reparsed.multipartBody?.entries[0].part.serialize() == signed)
        #expect(reparsed.multipartBody?.entries[1].part.text() == "replaced")
    }
}
