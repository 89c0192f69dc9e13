import COpenSSL
import Foundation
import Testing
@testable import SecureMail

@Suite struct CertificateCacheTests {
    static let demoCertificates = [
        "demo-ca", "demo-customer", "demo-customer-ec", "demo-quarantine", "sikkermail", "sikkermail-ec",
        "sikkermail-arbejdsskade", "sikkermail-arbejdsskade-ec",
    ]
    let content = Array("Content-Type: text/plain\r\n\r\nHej med dig\r\n".utf8)

    @Test func theSameBytesGiveTheSameParsedCertificate() throws {
        let cache = CertificateCache(generationSize: 4)
        let der = try CryptoFixtures.certificate("demo-customer").derBytes
        let first = try #require(cache.certificate(derEncoded: der))
        let second = try #require(cache.certificate(derEncoded: der))
        #expect(first.handle === second.handle)
        #expect(first.derBytes == der)
        #expect(first.emailAddresses == ["kunde@example.dk"])
        #expect(cache.count == 1)
    }

    @Test func twoGenerationsBoundTheCacheAndKeepWhatIsInUse() throws {
        let cache = CertificateCache(generationSize: 2)
        let ders = try Self.demoCertificates.map { try CryptoFixtures.certificate($0).derBytes }
        let kept = try #require(cache.certificate(derEncoded: ders[0]))
        let onceOnly = try #require(cache.certificate(derEncoded: ders[1]))
        for der in ders.dropFirst(2) {
            #expect(cache.certificate(derEncoded: der) != nil)
            // Asked for after every new one, the first certificate is never dropped.
            #expect(cache.certificate(derEncoded: ders[0])?.handle === kept.handle)
            #expect(cache.count <= 4)
        }
        // The second was asked for once and has been dropped: it is parsed again.
        let again = try #require(cache.certificate(derEncoded: ders[1]))
        #expect(again.handle !== onceOnly.handle)
        #expect(again == onceOnly)
    }

    @Test func bytesThatAreNotOneWholeCertificateAreRefused() throws {
        let cache = CertificateCache(generationSize: 4)
        let der = try CryptoFixtures.certificate("sikkermail").derBytes
        #expect(cache.certificate(derEncoded: der + [0]) == nil)
        #expect(cache.certificate(derEncoded: Array(der.dropLast())) == nil)
        #expect(cache.certificate(derEncoded: []) == nil)
        #expect(cache.count == 0)
    }

    @Test(arguments: [true, false])
    func aSignedDataSplitsIntoItsCertificatesAndTheRest(detached: Bool) throws {
        let signer = try CryptoFixtures.identity("sikkermail")
        let extra = try CryptoFixtures.certificate("demo-ca")
        let signature = try CMS.sign(content, signer: signer, detached: detached, extraCertificates: [extra])
        let whole = try #require(CMSHandle.parse(signature))
        let split = try #require(CMS.SignedDataCertificates(splitting: signature, cache: CertificateCache(generationSize: 4)))
        #expect(split.certificates == Certificate.certificatesOf(whole))
        #expect(Set(split.certificates) == [signer.certificate, extra])
        #expect(split.remainder.count < signature.count - signer.certificate.derBytes.count - extra.derBytes.count + 16)
        let rest = try #require(CMSHandle.parse(split.remainder))
        #expect(Certificate.certificatesOf(rest).isEmpty)
        #expect(CMS_get0_SignerInfos(rest.pointer).map { securemail_sk_CMS_SignerInfo_num($0) } == 1)

        let result = try CMS.verify(signature, detachedContent: detached ? content : nil, trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.signers.map(\.status) == [.valid])
        #expect(Set(result.certificates) == [signer.certificate, extra])
        #expect(result.content == content)
    }

    @Test func signaturesFromManyThreadsShareTheParsedCertificates() async throws {
        let signers = [try CryptoFixtures.identity("sikkermail"), try CryptoFixtures.identity("sikkermail-ec")]
        let message = content
        let signatures = try signers.map { try CMS.sign(message, signer: $0, detached: true) }
        let trust = try CryptoFixtures.demoTrust()
        try await withThrowingTaskGroup(of: (Int, CMSVerification).self) { group in
            for round in 0..<64 {
                group.addTask {
                    let index = round % signatures.count
                    return (index, try CMS.verify(signatures[index], detachedContent: message, trust: trust, at: Date()))
                }
            }
            for try await (index, result) in group {
                #expect(result.signers.map(\.status) == [.valid])
                #expect(result.signers.first?.certificate == signers[index].certificate)
            }
        }
        let shared = try #require(CertificateCache.shared.certificate(derEncoded: signers[0].certificate.derBytes))
        let again = try #require(CMS.verify(signatures[0], detachedContent: message, trust: trust, at: Date()).signers.first?.certificate)
        #expect(again.handle === shared.handle)
    }

    /// What a shared certificate says as text is read once, and every thread reads what a
    /// certificate parsed on its own says.
    @Test func readingsOfASharedCertificateAgreeFromManyThreads() async throws {
        let der = try CryptoFixtures.certificate("demo-customer").derBytes
        let shared = try #require(CertificateCache(generationSize: 4).certificate(derEncoded: der))
        let alone = try Certificate(derEncoded: der)
        #expect(alone.handle !== shared.handle)
        let expected = [alone.subject, alone.issuer, alone.sha256FingerprintHex, "\(alone.publicKeyAlgorithm)"] + alone.emailAddresses
        #expect(alone.issuer == (try CryptoFixtures.certificate("demo-ca")).subject)
        #expect(alone.emailAddresses == ["kunde@example.dk"])
        #expect(alone.publicKeyAlgorithm == .rsa(bits: 2048))
        await withTaskGroup(of: [String].self) { group in
            for _ in 0..<32 {
                group.addTask { [shared.subject, shared.issuer, shared.sha256FingerprintHex, "\(shared.publicKeyAlgorithm)"] + shared.emailAddresses }
            }
            for await readings in group { #expect(readings == expected) }
        }
    }

    @Test func aChangedSignatureValueIsStillInvalid() throws {
        let signer = try CryptoFixtures.identity("sikkermail")
        var signature = try CMS.sign(content, signer: signer, detached: true)
        // The RSA signature value is the last 256 bytes of the last SignerInfo.
        signature[signature.count - 10] ^= 0x01
        #expect(CMS.SignedDataCertificates(splitting: signature, cache: CertificateCache(generationSize: 4)) != nil)
        let result = try CMS.verify(signature, detachedContent: content, trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.signers.map(\.status) == [.invalid])
        #expect(result.signers.first?.cryptographicallyValid == false)
    }

    @Test func aCertificateThatDoesNotParseStillMakesTheSignatureUnreadable() throws {
        let signer = try CryptoFixtures.identity("sikkermail")
        var signature = try CMS.sign(content, signer: signer, detached: true)
        let certificate = signer.certificate.derBytes
        let offset = try #require(firstRange(of: certificate, in: signature))
        // The certificate's TBSCertificate SEQUENCE tag becomes a SET: neither path can parse it.
        signature[offset + 4] = 0x31
        #expect(CMS.SignedDataCertificates(splitting: signature, cache: CertificateCache(generationSize: 4)) == nil)
        #expect(throws: CryptoError.self) {
            try CMS.verify(signature, detachedContent: content, trust: try CryptoFixtures.demoTrust(), at: Date())
        }
    }

    @Test func aChangedSignerCertificateIsNoLongerTrusted() throws {
        let signer = try CryptoFixtures.identity("sikkermail")
        var signature = try CMS.sign(content, signer: signer, detached: true)
        let certificate = signer.certificate.derBytes
        let offset = try #require(firstRange(of: certificate, in: signature))
        // The last byte of the issuer's signature over the certificate.
        signature[offset + certificate.count - 1] ^= 0x01
        let result = try CMS.verify(signature, detachedContent: content, trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.signers.map(\.status) == [.untrusted])
    }

    @Test func aStreamedBERSignedDataFromTheOpenSSLCommandSplitsAndVerifies() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CryptoFixtures.write(content, to: folder.appendingPathComponent("content"))
        try OpenSSLTool.run(
            ["cms", "-sign", "-binary", "-nodetach", "-stream", "-outform", "DER", "-in", "content",
             "-signer", CryptoFixtures.certsPath("demo-customer.pem"), "-inkey", CryptoFixtures.certsPath("demo-customer.key.pem"),
             "-out", "signed.ber"],
            in: folder)
        let signature = try CryptoFixtures.bytes(folder.appendingPathComponent("signed.ber").path)
        // -stream writes indefinite lengths (0x80) for the ContentInfo and the SignedData.
        #expect(signature[1] == 0x80)
        let split = try #require(CMS.SignedDataCertificates(splitting: signature, cache: CertificateCache(generationSize: 4)))
        #expect(split.certificates == [try CryptoFixtures.certificate("demo-customer")])
        let result = try CMS.verify(signature, detachedContent: nil, trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.signers.map(\.status) == [.valid])
        #expect(result.content == content)
    }
}
