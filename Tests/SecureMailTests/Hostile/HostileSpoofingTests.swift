import Foundation
import Testing
@testable import SecureMail

/// Signature spoofing (Müller et al., "Johnny, You Are Fired!", USENIX Security 2019): none of
/// these may ever be `verified`. Classes already covered elsewhere: signer is not the From
/// address, an address in the display name, two addresses in From and two From fields, a
/// protected From that differs from the outer one, unsigned text beside a signed part
/// (SMIME/UnwrapAndVerdictTests). The CMS shapes that need the openssl CLI (eContentType,
/// two SignerInfos, certs-only) come from the hostile corpus, made by its generate.py.
@Suite struct HostileSpoofingTests {
    typealias F = SMIMEFixtures

    private func inspect(_ bytes: [UInt8]) throws -> MessageReport {
        try PipelineFixtures.inspector().inspect(bytes, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"]).report
    }

    private func corpus(_ suffix: String) throws -> [UInt8] {
        let entry = try #require(HostileCorpus.entries.first { $0.file.hasSuffix("-\(suffix).eml") }, "no corpus message \(suffix)")
        return try HostileCorpus.bytes(entry)
    }

    private func expectNotVerified(_ report: MessageReport, because reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(report.verdict == .notVerified, "\(report.verdict): \(report.reasons)", sourceLocation: sourceLocation)
        #expect(report.reasons.contains { $0.contains(reason) }, "\(report.reasons)", sourceLocation: sourceLocation)
    }

    @Test func signedContentThatIsNotIdDataIsNeverVerified() throws {
        let report = try inspect(corpus("econtent-type-not-data"))
        #expect(report.signature == .valid, "the signature itself is good; the content type is the trick")
        expectNotVerified(report, because: "not id-data")
    }

    @Test func twoSignerInfosAreNeverVerified() throws {
        expectNotVerified(try inspect(corpus("two-signer-infos")), because: "2 signers")
    }

    @Test func aCertsOnlyObjectPresentedAsSignedIsNeverVerified() throws {
        let report = try inspect(corpus("certs-only-as-signed"))
        expectNotVerified(report, because: "no signer")
        #expect(report.signature == .invalid)
    }

    /// Unsigned text after the signed part (before it: UnwrapAndVerdictTests), and beside it in
    /// a multipart/alternative, where a client shows the unsigned HTML and hides the signed text.
    @Test(arguments: ["after", "alternative-html"])
    func unsignedContentBesideTheSignedPartIsNeverVerified(shape: String) throws {
        let customer = try F.customer
        let signed = try SMIMEWriter.signOpaque(F.textMessage(body: "Signeret tekst\r\n"), signer: customer)
        let injected = shape == "after"
            ? MIMEPart.leaf(content: Array("Udbetal til konto 1234\r\n".utf8), contentType: .default, transferEncoding: .sevenBit)
            : MIMEPart.leaf(
                content: Array("<p>Udbetal til konto 1234</p>".utf8), contentType: ContentType(type: "text", subtype: "html"),
                transferEncoding: .sevenBit)
        var message = MIMEPart.multipart(subtype: shape == "after" ? "mixed" : "alternative", parts: [signed, injected])
        message.header.fields = F.textMessage().header.fields.filter { !$0.name.lowercased().hasPrefix("content-") } + message.header.fields
        let report = try inspect(message.serialize())
        #expect(report.signature == .valid)
        expectNotVerified(report, because: "only part of the message is signed")
    }

    @Test func theSignerAsSenderWithSomeoneElseAsFromIsNeverVerified() throws {
        let customer = try F.customer
        let message = F.textMessage(from: "Direktør <ceo@gjensidige.dk>", extraFields: [(name: "Sender", value: "kunde@example.dk")])
        let signed = try SMIMEWriter.wrap(message, protectHeaders: true, encrypted: false) { try SMIMEWriter.signOpaque($0, signer: customer) }
        let report = try inspect(signed.serialize())
        expectNotVerified(report, because: "is not the From address ceo@gjensidige.dk")
        #expect(report.signerMatchesFrom == false)
    }

    /// A trusted signer whose own address is the From address, but whose display name shows
    /// another customer's address, plainly or as an RFC 2047 encoded word.
    @Test(arguments: ["\"kunde@example.dk\" <kunde.ec@example.dk>", "=?utf-8?Q?kunde=40example=2Edk?= <kunde.ec@example.dk>"])
    func aDisplayNameShowingAnotherAddressIsNeverVerified(from: String) throws {
        let other = try CryptoFixtures.identity("demo-customer-ec")
        let signed = try SMIMEWriter.wrap(F.textMessage(from: from), protectHeaders: false, encrypted: false) {
            try SMIMEWriter.signDetached($0, signer: other)
        }
        let report = try inspect(signed.serialize())
        #expect(report.signature == .valid)
        expectNotVerified(report, because: "display name shows the address kunde@example.dk")
    }

    @Test func twoFromFieldsOutsideASignedAndEncryptedMessageAreNeverVerified() throws {
        var bytes = try PipelineFixtures.customerMessage(subject: "Til Skade")
        bytes = Array("From: ceo@gjensidige.dk\r\n".utf8) + bytes
        let report = try inspect(bytes)
        expectNotVerified(report, because: "the outer header has 2 From fields")
    }

    @Test func everySpoofingShapeOfTheCorpusIsNotVerified() throws {
        let spoofs = HostileCorpus.entries.filter { $0.category == "spoofing" }
        #expect(spoofs.count >= 10)
        for entry in spoofs {
            let report = try inspect(HostileCorpus.bytes(entry))
            #expect(report.verdict == .notVerified, "\(entry.file): \(report.verdict) \(report.reasons)")
        }
    }
}
