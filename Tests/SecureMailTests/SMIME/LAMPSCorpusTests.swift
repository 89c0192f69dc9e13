import Foundation
import Testing
@testable import SecureMail

/// The LAMPS / protected-headers sample messages: real S/MIME made outside this project.
@Suite struct LAMPSCorpusTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var layers: [SMIMELayer.Kind]
        var verdict: Verdict
        var signature: SignatureSummary
        var inner: [String]
        var subject = "BarCorp contract signed, let's go!"
        var description: String { file }
    }

    static let expectations = [
        Expectation(
            file: "smime-multipart-signed.eml", layers: [.signed], verdict: .verified, signature: .valid, inner: [],
            subject: "The FooCorp contract"),
        Expectation(
            file: "smime-onepart-signed.eml", layers: [.signed], verdict: .verified, signature: .valid,
            inner: ["smime-onepart-signed.inner"], subject: "The FooCorp contract"),
        Expectation(
            file: "smime-sign+enc.eml", layers: [.enveloped, .signed], verdict: .verified, signature: .valid,
            inner: ["smime-sign+enc.inner", "smime-sign+enc.inner.inner"]),
        Expectation(
            file: "smime-sign+enc+legacy-disp.eml", layers: [.enveloped, .signed], verdict: .verified, signature: .valid,
            inner: ["smime-sign+enc+legacy-disp.inner", "smime-sign+enc+legacy-disp.inner.inner"]),
        Expectation(
            file: "smime-enc+legacy-disp.eml", layers: [.enveloped], verdict: .notVerified, signature: .none,
            inner: ["smime-enc+legacy-disp.inner"]),
    ]

    static func unwrapper(maximumLayers: Int = 8) throws -> SMIMEUnwrapper {
        SMIMEUnwrapper(
            identities: [try Identity.loadPKCS12(LAMPS.bobPKCS12(), passphrase: "bob")],
            trust: TrustStore(anchors: [try LAMPS.certificate("sample-ca.pem")]), maximumLayers: maximumLayers)
    }

    @Test(arguments: expectations)
    func sampleUnwrapsVerifiesAndRecoversTheSubject(expected: Expectation) throws {
        let message = try MIMEParser.parse(Array(LAMPS.text(expected.file).utf8))
        #expect(message.serialize() == Array(try LAMPS.text(expected.file).utf8), "parse/write identity")
        let unwrapped = try Self.unwrapper().unwrap(message)
        let assessment = SignatureVerdict.assess(unwrapped)
        #expect(unwrapped.layers.map(\.kind) == expected.layers)
        #expect(assessment.verdict == expected.verdict, "\(assessment.reasons)")
        #expect(assessment.signature == expected.signature)
        #expect(ProtectedHeaders.effectiveValue("Subject", of: unwrapped) == expected.subject)
        if expected.signature == .valid {
            #expect(assessment.signer == "alice@smime.example")
            #expect(assessment.signerMatchesFrom == true)
        }
        if expected.file.hasPrefix("smime-enc") {
            #expect(message.header.first("Subject")?.value == "...")
        }
    }

    /// Removing one layer, then two, gives exactly the published `.inner` files (line endings aside).
    @Test(arguments: expectations.filter { !$0.inner.isEmpty })
    func eachLayerMatchesThePublishedInnerFile(expected: Expectation) throws {
        let message = try MIMEParser.parse(Array(LAMPS.text(expected.file).utf8))
        for (index, innerFile) in expected.inner.enumerated() {
            let unwrapped = try Self.unwrapper(maximumLayers: index + 1).unwrap(message)
            let produced = Canonicalization.normalizeLineEndings(unwrapped.content.serialize(), to: .lf)
            let published = Canonicalization.normalizeLineEndings(Array(try LAMPS.text(innerFile).utf8), to: .lf)
            #expect(trimmingTrailingNewlines(produced) == trimmingTrailingNewlines(published), "\(innerFile)")
        }
    }

    @Test func legacyDisplayPartIsRecognisedAndRemovable() throws {
        let message = try MIMEParser.parse(Array(LAMPS.text("smime-enc+legacy-disp.eml").utf8))
        let unwrapped = try Self.unwrapper().unwrap(message)
        let cleaned = ProtectedHeaders.removingLegacyDisplay(from: unwrapped.content)
        #expect(unwrapped.content.children.count == 2)
        #expect(cleaned.children.count == 1)
        #expect(cleaned.children.first?.text()?.hasPrefix("Hi Bob!") == true)
    }

    private func trimmingTrailingNewlines(_ bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        while result.last == 0x0A { result.removeLast() }
        return result
    }
}
