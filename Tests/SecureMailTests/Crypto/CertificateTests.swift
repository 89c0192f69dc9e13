import Foundation
import Testing
@testable import SecureMail

@Suite struct CertificateTests {
    @Test func demoCertificateProperties() throws {
        let certificate = try CryptoFixtures.certificate("sikkermail")
        #expect(certificate.subject == "emailAddress=sikkermail@gjensidige.dk,CN=Sikker mail (DEMO),O=SecureMail DEMO,C=DK")
        #expect(certificate.issuer == "CN=SecureMail DEMO Root CA,O=SecureMail DEMO,C=DK")
        #expect(certificate.emailAddresses == ["sikkermail@gjensidige.dk"])
        #expect(certificate.publicKeyAlgorithm == .rsa(bits: 2048))
        #expect(certificate.allowsEncryption)
        #expect(certificate.allowsSigning)
        #expect(!certificate.isCertificateAuthority)
        #expect(certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore) > 9 * 365 * 86_400)
        #expect(certificate.sha256Fingerprint.count == 32)
        #expect(try Certificate(derEncoded: certificate.derBytes) == certificate)
        #expect(try Certificate(pemEncoded: certificate.pemString) == certificate)
        #expect(Set([certificate, try CryptoFixtures.certificate("sikkermail")]).count == 1)

        let ec = try CryptoFixtures.certificate("sikkermail-ec")
        #expect(ec.publicKeyAlgorithm == .ec(curve: "prime256v1"))
        #expect(ec.allowsEncryption)
        #expect(ec.allowsSigning)

        let ca = try CryptoFixtures.certificate("demo-ca")
        #expect(ca.isCertificateAuthority)
        #expect(!ca.allowsEncryption)
        #expect(ca.emailAddresses.isEmpty)
    }

    @Test func fingerprintAndSerialMatchOpenSSL() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificate = try CryptoFixtures.certificate("demo-customer-ec")
        let output = try OpenSSLTool.run(
            ["x509", "-noout", "-fingerprint", "-sha256", "-serial", "-in", CryptoFixtures.certsPath("demo-customer-ec.pem")], in: folder)
        let text = String(decoding: output.standardOutput, as: UTF8.self)
        #expect(text.contains("=\(certificate.sha256FingerprintHex)\n"))
        #expect(text.contains("serial=\(certificate.serialNumberHex)\n"))
    }

    @Test func parseAllReadsBundlesDERAndPKCS7() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let leaf = try CryptoFixtures.certificate("sikkermail")
        let ca = try CryptoFixtures.certificate("demo-ca")
        #expect(try Certificate.parseAll(Array((leaf.pemString + "some text between\n" + ca.pemString).utf8)) == [leaf, ca])
        #expect(try Certificate.parseAll(leaf.derBytes) == [leaf])
        for format in ["DER", "PEM"] {
            try OpenSSLTool.run(
                ["crl2pkcs7", "-nocrl", "-certfile", CryptoFixtures.certsPath("sikkermail.pem"), "-certfile", CryptoFixtures.certsPath("demo-ca.pem"),
                 "-outform", format, "-out", "chain.p7c"], in: folder)
            let parsed = try Certificate.parseAll(try CryptoFixtures.bytes(folder.appendingPathComponent("chain.p7c").path))
            #expect(Set(parsed) == Set([leaf, ca]))
        }
        #expect(throws: CryptoError.self) { try Certificate.parseAll(Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8)) }
        #expect(throws: CryptoError.self) { try Certificate.parseAll([0x30, 0x03, 0x02, 0x01, 0x01]) }
        #expect(throws: CryptoError.self) { try Certificate(derEncoded: leaf.derBytes + [0]) }
    }
}
