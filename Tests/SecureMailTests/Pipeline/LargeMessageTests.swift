import Foundation
import Testing
@testable import SecureMail

/// Large messages go through signing, encryption, decryption and verification piece by piece
/// (issue 8: memory). These tests check that the result is byte for byte what the whole-buffer
/// path gives; peak memory itself is measured by scripts/bench-cms.sh, not here.
@Suite struct LargeMessageTests {
    /// Deterministic bytes (xorshift), so that a failure can be reproduced.
    static func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    static func staffMail(text: String, attachment: [UInt8], attachmentName: String, attachmentType: ContentType) -> MIMEPart {
        let textPart = MIMEPart.leaf(
            content: Array(text.utf8),
            contentType: ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .quotedPrintable)
        let attachmentPart = MIMEPart.leaf(
            content: attachment, contentType: attachmentType, transferEncoding: .base64,
            extraFields: [(name: "Content-Disposition", value: "attachment; filename=\"\(attachmentName)\"")])
        var message = MIMEPart.multipart(subtype: "mixed", parts: [textPart, attachmentPart])
        message.header.fields = [
            MIMEHeaderField(name: "From", value: "Søren Kjærgaard <\(OutboundEndToEndTests.staff)>"),
            MIMEHeaderField(name: "To", value: "kunde@example.dk"),
            MIMEHeaderField(name: "Subject", value: "Billeder af skaden"),
            MIMEHeaderField(name: "Message-ID", value: "<large-\(UUID().uuidString)@gjensidige.dk>"),
            MIMEHeaderField(name: "MIME-Version", value: "1.0"),
        ] + message.header.fields
        return message
    }

    /// Every split of inputs with bare CR, bare LF and CR LF (also a CR LF cut in two) gives
    /// exactly what canonicalising the whole does.
    @Test func canonicalisingPieceByPieceEqualsCanonicalisingTheWhole() throws {
        let samples: [[UInt8]] = [
            Array("a\r\nb\nc\rd\r\r\n\n\re\r".utf8), Array("\n\r\n\r".utf8), Array("plain text without line breaks".utf8),
            Array("line\r\nline\r\nline\r\n".utf8), Array("\r".utf8), Array("\n".utf8), [],
        ]
        for sample in samples {
            let expected = Canonicalization.crlf(sample)
            for first in 0...sample.count {
                for second in first...sample.count {
                    var canonicaliser = LineEndingCanonicaliser()
                    var output: [UInt8] = []
                    for piece in [sample[0..<first], sample[first..<second], sample[second...]] {
                        try canonicaliser.write(piece) { output += $0 }
                    }
                    try canonicaliser.finish { output += $0 }
                    #expect(output == expected, "split at \(first), \(second) of \(sample)")
                }
            }
            var part = MIMEPart(header: MIMEHeader(fields: []), body: .single(sample))
            part.headerTerminator = []
            #expect(part.canonicalBytes() == expected)
        }
    }

    /// Long texts, mostly CR LF lines with now and then a bare CR, a bare LF or a run of them, cut
    /// into pieces anywhere: at every vector width of the line-end scan (which passes over CR LF
    /// text a block at a time, with pairs that straddle two blocks), the pieces give exactly what
    /// canonicalising the whole does.
    @Test func canonicalisingLongTextsAtEveryBlockWidthEqualsCanonicalisingTheWhole() throws {
        let lineEnds: [[UInt8]] = [[0x0D, 0x0A], [0x0D, 0x0A], [0x0D, 0x0A], [0x0D, 0x0A], [0x0A], [0x0D], [0x0D, 0x0D, 0x0A], [0x0A, 0x0D]]
        defer { UTF8Scanning.useBlockScanLevel(-1) }
        for level in LargeTextIdentifierScanTests.levels {
            #expect(UTF8Scanning.useBlockScanLevel(level) == level)
            var generator = DetectorEquivalenceTests.Generator(state: UInt64(80 + level))
            for _ in 0..<300 {
                var text: [UInt8] = []
                for _ in 0..<generator.below(12) {
                    text += (0..<generator.below(80)).map { UInt8(0x61 + $0 % 26) }
                    text += generator.pick(lineEnds)
                }
                if generator.below(2) == 0 { text += Array("end".utf8) }
                var cuts = (0..<generator.below(4)).map { _ in generator.below(text.count + 1) }.sorted()
                cuts = [0] + cuts + [text.count]
                var canonicaliser = LineEndingCanonicaliser()
                var output: [UInt8] = []
                for (start, end) in zip(cuts, cuts.dropFirst()) {
                    try canonicaliser.write(text[start..<end]) { output += $0 }
                }
                try canonicaliser.finish { output += $0 }
                #expect(output == Canonicalization.crlf(text), "level \(level), cuts \(cuts) of \(text)")
            }
        }
    }

    /// A 3 MB attachment with a CPR number in the text: the copy that leaves is encrypted and
    /// signed, the customer's key opens it, the signature is valid both through the streaming
    /// verifier and over the whole canonical content, and the attachment comes back byte for byte.
    @Test func largeOutboundMailLeavesEncryptedAndSignedAndComesBackByteExact() async throws {
        let attachment = Self.pseudoRandomBytes(3 * 1024 * 1024 + 7, seed: 8)
        let message = Self.staffMail(
            text: "Kære kunde,\r\nDit CPR-nr. 010190-1009.\r\n", attachment: attachment, attachmentName: "skade.bin",
            attachmentType: ContentType(type: "application", subtype: "octet-stream"))
        try await OutboundEndToEndTests.withProcessor { processor, _ in
            let result = try await processor.process(
                message.serialize(), sender: OutboundEndToEndTests.staff, recipients: ["kunde@example.dk"])
            #expect(result.report.action == "encrypt")
            #expect(result.report.dlp?.findings.map(\.masked) == ["010190-XXXX"])
            #expect(result.report.dlp?.findings.map(\.location) == ["body"])
            let delivery = try #require(result.deliveries.first)
            #expect(delivery.kind == "encrypted")
            #expect(delivery.message.isSpilled, "the encrypted copy is written to a spill file as it is made")

            let unwrapper = SMIMEUnwrapper(
                identities: [try CryptoFixtures.identity("demo-customer")], trust: try CryptoFixtures.demoTrust())
            let unwrapped = try unwrapper.unwrap(try MIMEParser.parse(try delivery.message.collected()))
            #expect(unwrapped.decryptionFailure == nil && unwrapped.malformation == nil)
            #expect(unwrapped.layers.map(\.kind) == [.enveloped, .signed])
            #expect(unwrapped.layers.last?.signers.map(\.status) == [.valid])
            let received = try #require(unwrapped.content.allParts().first { $0.filename == "skade.bin" })
            #expect(received.decodedBody() == attachment)

            // The same signature checked over the whole canonical content, without streaming.
            let decrypted = try CMS.decrypt(
                try MIMEParser.parse(try delivery.message.collected()).decodedBody(), identities: [try CryptoFixtures.identity("demo-customer")])
            let signed = try MIMEParser.parse(decrypted.content)
            let verification = try CMS.verify(
                signed.children[1].decodedBody(), detachedContent: Canonicalization.crlf(signed.children[0].serialize()),
                trust: try CryptoFixtures.demoTrust(), at: Date())
            #expect(verification.signers.map(\.status) == [.valid])
        }
    }

    /// A 3 MB attachment from a customer, signed and encrypted to the mailbox: the decrypted
    /// copy is written to a spill file as it is made and carries the attachment byte for byte.
    @Test func largeInboundMailIsDeliveredDecryptedFromASpillFile() async throws {
        let attachment = Self.pseudoRandomBytes(3 * 1024 * 1024 + 11, seed: 9)
        var content = Self.staffMail(
            text: "Hej, her er billederne.\r\n", attachment: attachment, attachmentName: "skade.bin",
            attachmentType: ContentType(type: "application", subtype: "octet-stream"))
        content.header.replaceOrAppend(name: "From", value: "kunde@example.dk")
        content.header.replaceOrAppend(name: "To", value: "sikkermail@gjensidige.dk")
        let customer = try CryptoFixtures.identity("demo-customer")
        let message = try SMIMEWriter.wrapEncrypted(
            content, protectHeaders: true, recipients: [CMSRecipient(certificate: try CryptoFixtures.certificate("sikkermail"))],
            sign: { try SMIMEWriter.signDetached($0, signer: customer) }).collected()
        try await OutboundEndToEndTests.withProcessor { processor, _ in
            let result = try await processor.process(message, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"])
            #expect(result.report.verdict == .verified)
            let delivery = try #require(result.deliveries.first)
            #expect(delivery.kind == "decrypted")
            #expect(delivery.message.isSpilled)
            let delivered = try MIMEParser.parse(try delivery.message.collected())
            #expect(delivered.allParts().first { $0.filename == "skade.bin" }?.decodedBody() == attachment)
        }
    }

    /// Content with bare LF line ends, signed opaquely and detached and encrypted with AES-GCM:
    /// what is signed and encrypted is the CR LF form, and it comes back whole.
    @Test func largeContentWithBareLineFeedsIsSignedAndEncryptedInCanonicalForm() throws {
        let line = Array("Skadesbeskrivelse med æøå og en lang linje tekst for at fylde beskeden op.\n".utf8)
        var body: [UInt8] = []
        body.reserveCapacity(2 * 1024 * 1024 + line.count)
        while body.count < 2 * 1024 * 1024 { body += line }
        var header = MIMEHeader(lineEnding: .lf)
        header.append(name: "Content-Type", value: "text/plain; charset=utf-8")
        header.append(name: "Content-Transfer-Encoding", value: "8bit")
        let content = MIMEPart(header: header, body: .single(body))
        let customer = try CryptoFixtures.identity("demo-customer")
        let mailbox = try CryptoFixtures.identity("sikkermail")
        let trust = try CryptoFixtures.demoTrust()

        let opaque = try SMIMEWriter.signOpaque(content, signer: customer)
        let opaqueVerification = try CMS.verify(opaque.decodedBody(), detachedContent: nil, trust: trust, at: Date())
        #expect(opaqueVerification.signers.map(\.status) == [.valid])
        #expect(opaqueVerification.content == Canonicalization.crlf(content.serialize()))

        let encrypted = try SMIMEWriter.encrypt(
            SMIMEWriter.signDetached(content, signer: customer), recipients: [CMSRecipient(certificate: mailbox.certificate)],
            cipher: .aes256GCM)
        let unwrapped = try SMIMEUnwrapper(identities: [mailbox], trust: trust).unwrap(try MIMEParser.parse(encrypted.serialize()))
        #expect(unwrapped.layers.map(\.kind) == [.authEnveloped, .signed])
        #expect(unwrapped.layers.last?.signers.map(\.status) == [.valid])
        #expect(unwrapped.content.decodedBody() == Canonicalization.crlf(body))
    }

    /// A large attachment is decoded only as far as needed to tell that it has no text, and one
    /// with text is still read to its end.
    @Test func largeAttachmentsAreSniffedButTextIsReadToTheEnd() throws {
        let binary = Self.pseudoRandomBytes(1024 * 1024, seed: 3)
        let binaryScan = SensitiveContentScan.scan(
            Self.staffMail(
                text: "Hej\r\n", attachment: binary, attachmentName: "skade.bin",
                attachmentType: ContentType(type: "application", subtype: "octet-stream")))
        #expect(binaryScan.findings.isEmpty)
        #expect(binaryScan.unreadable.map(\.location) == ["attachment:skade.bin"])

        var text = Array(String(repeating: "Noter om sagen og om bilen. ", count: 4_000).utf8)
        text += Array("\r\nCPR-nr. 010190-1009\r\n".utf8)
        let textScan = SensitiveContentScan.scan(
            Self.staffMail(
                text: "Hej\r\n", attachment: text, attachmentName: "noter.txt",
                attachmentType: ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")])))
        #expect(textScan.findings.map(\.masked) == ["010190-XXXX"])
        #expect(textScan.findings.map(\.location) == ["attachment:noter.txt"])
    }
}
