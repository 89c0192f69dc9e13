import Foundation
import Testing
@testable import SecureMail

@Suite struct IdentityTests {
    @Test func keyFileReadableByOthersIsRefused() throws {
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyBytes = try CryptoFixtures.bytes(CryptoFixtures.certsPath("sikkermail.key.pem"))
        let keyFile = folder.appendingPathComponent("open.key.pem")
        try CryptoFixtures.write(keyBytes, to: keyFile, mode: 0o644)
        let error = try #require(throws: CryptoError.self) { try PrivateKey.load(path: keyFile.path, passphrase: nil) }
        #expect(error.kind == .insecureKeyFile)
        #expect(error.description.contains("chmod 600 \(keyFile.path)"))
        #expect(throws: CryptoError.self) {
            try Identity.load(certificatePath: CryptoFixtures.certsPath("sikkermail.pem"), keyPath: keyFile.path, passphrase: nil)
        }

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        let identity = try Identity.load(certificatePath: CryptoFixtures.certsPath("sikkermail.pem"), keyPath: keyFile.path, passphrase: nil)
        #expect(identity.certificate.emailAddresses == ["sikkermail@gjensidige.dk"])
    }

    @Test func mismatchedKeyIsRefused() throws {
        let key = try PrivateKey(pemEncoded: try CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-customer.key.pem")), passphrase: nil)
        let certificate = try CryptoFixtures.certificate("sikkermail")
        #expect(!key.matches(certificate))
        #expect(key.matches(try CryptoFixtures.certificate("demo-customer")))
        let error = try #require(throws: CryptoError.self) { try Identity(certificate: certificate, privateKey: key) }
        #expect(error.kind == .keyMismatch)
    }

    @Test func encryptedKeyNeedsItsPassphrase() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try OpenSSLTool.run(
            ["pkey", "-in", CryptoFixtures.certsPath("sikkermail-ec.key.pem"), "-aes256", "-passout", "pass:hemmelig", "-out", "enc.key"], in: folder)
        let encrypted = try CryptoFixtures.bytes(folder.appendingPathComponent("enc.key").path)
        let key = try PrivateKey(pemEncoded: encrypted, passphrase: "hemmelig")
        #expect(key.matches(try CryptoFixtures.certificate("sikkermail-ec")))
        #expect((try #require(throws: CryptoError.self) { try PrivateKey(pemEncoded: encrypted, passphrase: nil) }).kind == .wrongPassphrase)
        #expect((try #require(throws: CryptoError.self) { try PrivateKey(pemEncoded: encrypted, passphrase: "forkert") }).kind == .wrongPassphrase)
        #expect((try #require(throws: CryptoError.self) { try PrivateKey(pemEncoded: Array("garbage".utf8), passphrase: nil) }).kind == .malformedInput)
    }

    @Test(arguments: ["sikkermail", "sikkermail-ec"])
    func everyPEMFormOfAKeyLoadsTheSameKey(name: String) throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyPath = CryptoFixtures.certsPath("\(name).key.pem")
        try OpenSSLTool.run(["pkey", "-in", keyPath, "-traditional", "-out", "traditional.pem"], in: folder)
        let pkcs8 = try CryptoFixtures.bytes(keyPath)
        let traditional = try CryptoFixtures.bytes(folder.appendingPathComponent("traditional.pem").path)
        #expect(String(decoding: pkcs8, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(String(decoding: traditional, as: UTF8.self).contains(name.hasSuffix("-ec") ? "BEGIN EC PRIVATE KEY" : "BEGIN RSA PRIVATE KEY"))
        let certificate = try CryptoFixtures.certificate(name)
        let content = Array("Content-Type: text/plain\r\n\r\nHej\r\n".utf8)
        // PKCS#8 is read by the decoder for its algorithm, the other forms by OpenSSL's general reader.
        for pem in [pkcs8, traditional, certificate.pemString.utf8 + pkcs8, Array("preamble\n".utf8) + pkcs8] {
            let key = try PrivateKey(pemEncoded: pem, passphrase: nil)
            #expect(key.matches(certificate))
            let signature = try CMS.sign(content, signer: try Identity(certificate: certificate, privateKey: key), detached: true)
            let result = try CMS.verify(signature, detachedContent: content, trust: try CryptoFixtures.demoTrust(), at: Date())
            #expect(result.signers.map(\.status) == [.valid])
        }
    }

    @Test func aPKCS8KeyUnderAnAlgorithmThatIsNotItsOwnIsRefused() throws {
        let pem = String(decoding: try CryptoFixtures.bytes(CryptoFixtures.certsPath("sikkermail.key.pem")), as: UTF8.self)
        let base64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        var der = try #require(Data(base64Encoded: base64).map(Array.init))
        // rsaEncryption (1.2.840.113549.1.1.1) becomes sha256WithRSAEncryption (...1.1.11), which no key decoder knows.
        let rsaEncryption: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        let offset = try #require(firstRange(of: rsaEncryption, in: der))
        der[offset + rsaEncryption.count - 1] = 0x0B
        let relabelled = "-----BEGIN PRIVATE KEY-----\n\(Data(der).base64EncodedString(options: .lineLength64Characters))\n-----END PRIVATE KEY-----\n"
        let error = try #require(throws: CryptoError.self) { try PrivateKey(pemEncoded: Array(relabelled.utf8), passphrase: nil) }
        #expect(error.kind == .malformedInput)
    }

    @Test func legacyPKCS12LoadsFromManyThreads() async throws {
        let der = try LAMPS.bobPKCS12()
        try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask { try Identity.loadPKCS12(der, passphrase: "bob").certificate.emailAddresses.first }
            }
            for try await email in group {
                #expect(email == "bob@smime.example")
            }
        }
        let error = try #require(throws: CryptoError.self) { try Identity.loadPKCS12(der, passphrase: "alice") }
        #expect(error.kind == .wrongPassphrase)
    }

    @Test func modernPKCS12CarriesTheChain() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try OpenSSLTool.run(
            ["pkcs12", "-export", "-in", CryptoFixtures.certsPath("sikkermail.pem"), "-inkey", CryptoFixtures.certsPath("sikkermail.key.pem"),
             "-certfile", CryptoFixtures.certsPath("demo-ca.pem"), "-passout", "pass:modern", "-out", "modern.p12"], in: folder)
        let identity = try Identity.loadPKCS12(try CryptoFixtures.bytes(folder.appendingPathComponent("modern.p12").path), passphrase: "modern")
        #expect(identity.certificate == (try CryptoFixtures.certificate("sikkermail")))
        #expect(identity.chain == [try CryptoFixtures.certificate("demo-ca")])
    }

    @Test func pkcs12FileReadableByOthersIsRefused() throws {
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bob.p12")
        try CryptoFixtures.write(try LAMPS.bobPKCS12(), to: file, mode: 0o640)
        let error = try #require(throws: CryptoError.self) { try Identity.loadPKCS12(path: file.path, passphrase: "bob") }
        #expect(error.kind == .insecureKeyFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try Identity.loadPKCS12(path: file.path, passphrase: "bob").certificate.emailAddresses == ["bob@smime.example"])
    }
}

/// The LAMPS sample messages (autocrypt/protected-headers) stored in the shared corpus.
enum LAMPS {
    static func text(_ name: String) throws -> String {
        String(decoding: try CryptoFixtures.bytes("\(CryptoFixtures.lampsFolder)/\(name)"), as: UTF8.self)
    }

    /// DER of bob.p12, which is stored as base64 between -----BEGIN PKCS12----- lines.
    static func bobPKCS12() throws -> [UInt8] {
        let base64 = try text("bob.p12").split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: base64) else { throw FixtureError("bob.p12 is not base64") }
        return [UInt8](data)
    }

    /// The base64 body of a single-part application/pkcs7-mime message, decoded.
    static func pkcs7Body(_ name: String) throws -> [UInt8] {
        let message = try text(name).replacingOccurrences(of: "\r\n", with: "\n")
        guard let separator = message.range(of: "\n\n") else { throw FixtureError("\(name) has no body") }
        let body = message[separator.upperBound...].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)) else { throw FixtureError("\(name) body is not base64") }
        return [UInt8](data)
    }

    static func certificate(_ name: String) throws -> Certificate {
        try Certificate(pemEncoded: text(name))
    }
}

@Suite struct LAMPSInteropTests {
    @Test func bobDecryptsTheEncryptedSample() throws {
        let bob = try Identity.loadPKCS12(try LAMPS.bobPKCS12(), passphrase: "bob")
        let der = try LAMPS.pkcs7Body("smime-enc+legacy-disp.eml")
        #expect(CMS.contentType(of: der) == .envelopedData)
        #expect(CMS.contentType(ofOpening: Array(der.prefix(40))) == .envelopedData)
        #expect(CMS.contentType(of: Array(der.prefix(40))) == nil, "a whole ContentInfo is checked against its length")
        let result = try CMS.decrypt(der, identities: [try CryptoFixtures.identity("sikkermail"), bob])
        #expect(result.recipient == bob.certificate)
        let expected = try LAMPS.text("smime-enc+legacy-disp.inner").replacingOccurrences(of: "\r\n", with: "\n")
        #expect(String(decoding: result.content, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n") == expected)
        #expect(!result.contentEncryptionAlgorithm.isEmpty && result.contentEncryptionAlgorithm != "unknown")

        let error = try #require(throws: CryptoError.self) { try CMS.decrypt(der, identities: [try CryptoFixtures.identity("sikkermail")]) }
        #expect(error.kind == .noMatchingRecipient)
        #expect(error.description.contains("Sample LAMPS Certificate Authority"))
    }

    @Test func aliceSignatureVerifiesAgainstSampleCA() throws {
        let der = try LAMPS.pkcs7Body("smime-onepart-signed.eml")
        let trust = TrustStore(anchors: [try LAMPS.certificate("sample-ca.pem")])
        let result = try CMS.verify(der, detachedContent: nil, trust: trust, at: Date())
        #expect(result.isDataContent)
        #expect(result.signers.count == 1)
        let signer = try #require(result.signers.first)
        #expect(signer.status == .valid, "\(signer.failure ?? "") \(signer.trust)")
        #expect(signer.email == "alice@smime.example")
        let expected = try LAMPS.text("smime-onepart-signed.inner").replacingOccurrences(of: "\r\n", with: "\n")
        #expect(String(decoding: result.content, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n") == expected)
        #expect(try CMS.verify(der, detachedContent: nil, trust: try CryptoFixtures.demoTrust(), at: Date()).signers.map(\.status) == [.untrusted])
    }
}
