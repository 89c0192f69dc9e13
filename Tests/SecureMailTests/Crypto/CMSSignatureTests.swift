import Foundation
import Testing
@testable import SecureMail

@Suite struct CMSSignatureTests {
    let content = Array("Content-Type: text/plain\r\n\r\nHej med dig\r\n".utf8)

    @Test(arguments: DigestAlgorithm.allCases, ["sikkermail", "sikkermail-ec"])
    func signAndVerifyRoundTrip(digest: DigestAlgorithm, signerName: String) throws {
        let signer = try CryptoFixtures.identity(signerName)
        let trust = try CryptoFixtures.demoTrust()
        for detached in [true, false] {
            let signature = try CMS.sign(content, signer: signer, digest: digest, detached: detached)
            #expect(CMS.contentType(of: signature) == .signedData)
            let result = try CMS.verify(signature, detachedContent: detached ? content : nil, trust: trust, at: Date())
            #expect(result.content == content)
            #expect(result.isDataContent)
            #expect(result.warnings.isEmpty)
            #expect(result.signers.count == 1)
            let signerResult = try #require(result.signers.first)
            #expect(signerResult.cryptographicallyValid, "\(signerResult.failure ?? "")")
            #expect(signerResult.status == .valid)
            #expect(signerResult.trust == .trusted)
            #expect(signerResult.email == "sikkermail@gjensidige.dk")
            #expect(signerResult.digestAlgorithm == digest.rawValue)
            #expect(signerResult.certificate == signer.certificate)
            #expect(signerResult.capabilities == ["aes-256-gcm", "aes-256-cbc", "aes-128-cbc", "rsaesOaep"])
            let signingTime = try #require(signerResult.signingTime)
            #expect(abs(signingTime.timeIntervalSinceNow) < 3600)
        }
    }

    @Test func flippedContentByteIsInvalid() throws {
        let signer = try CryptoFixtures.identity("sikkermail")
        let trust = try CryptoFixtures.demoTrust()
        let detachedSignature = try CMS.sign(content, signer: signer, detached: true)
        var tampered = content
        tampered[30] ^= 0x01
        let detachedResult = try CMS.verify(detachedSignature, detachedContent: tampered, trust: trust, at: Date())
        #expect(detachedResult.signers.map(\.status) == [.invalid])
        #expect(detachedResult.signers.first?.cryptographicallyValid == false)

        var opaque = try CMS.sign(content, signer: signer, detached: false)
        let marker = Array("Hej med dig".utf8)
        let offset = try #require(firstRange(of: marker, in: opaque))
        opaque[offset] ^= 0x20
        let opaqueResult = try CMS.verify(opaque, detachedContent: nil, trust: trust, at: Date())
        #expect(opaqueResult.signers.map(\.status) == [.invalid])
        #expect(opaqueResult.content != content)
    }

    @Test func detachedSignatureWithoutContentIsInvalid() throws {
        let signature = try CMS.sign(content, signer: try CryptoFixtures.identity("sikkermail"), detached: true)
        let result = try CMS.verify(signature, detachedContent: nil, trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.signers.map(\.status) == [.invalid])
        #expect(!result.warnings.isEmpty)
    }

    @Test func unknownAnchorIsUntrustedAndLateDateIsExpired() throws {
        let signer = try CryptoFixtures.identity("sikkermail-ec")
        let signature = try CMS.sign(content, signer: signer, detached: false)
        let empty = try CMS.verify(signature, detachedContent: nil, trust: TrustStore(), at: Date())
        #expect(empty.signers.map(\.status) == [.untrusted])
        let late = signer.certificate.notValidAfter.addingTimeInterval(86_400)
        let expired = try CMS.verify(signature, detachedContent: nil, trust: try CryptoFixtures.demoTrust(), at: late)
        #expect(expired.signers.map(\.status) == [.expired])
        #expect(expired.signers.first?.cryptographicallyValid == true)
    }

    @Test func zeroSignerInfosGiveNoSigners() throws {
        // A certs-only SignedData (what a .p7c is) has no SignerInfo at all.
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try OpenSSLTool.run(
            ["crl2pkcs7", "-nocrl", "-certfile", CryptoFixtures.certsPath("sikkermail.pem"), "-outform", "DER", "-out", "certs.p7c"],
            in: folder)
        let der = try CryptoFixtures.bytes(folder.appendingPathComponent("certs.p7c").path)
        let result = try CMS.verify(der, detachedContent: nil, trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.signers.isEmpty)
        #expect(result.certificates.count == 1)
    }

    @Test func twoSignerInfosAreJudgedSeparately() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CryptoFixtures.write(content, to: folder.appendingPathComponent("content.txt"))
        try OpenSSLTool.run(
            ["cms", "-sign", "-binary", "-nodetach", "-in", "content.txt", "-outform", "DER", "-out", "two.der",
             "-signer", CryptoFixtures.certsPath("sikkermail.pem"), "-inkey", CryptoFixtures.certsPath("sikkermail.key.pem"),
             "-signer", CryptoFixtures.certsPath("demo-customer-ec.pem"), "-inkey", CryptoFixtures.certsPath("demo-customer-ec.key.pem")],
            in: folder)
        let valid = try CryptoFixtures.bytes(folder.appendingPathComponent("two.der").path)
        let trust = try CryptoFixtures.demoTrust()
        let both = try CMS.verify(valid, detachedContent: nil, trust: trust, at: Date())
        #expect(both.signers.map(\.status) == [.valid, .valid])

        // Corrupt the last byte of the first signature value (the RSA one, 256 bytes long).
        var broken = valid
        let rsaSignatureEnd = try #require(rsaSignatureValueEnd(in: broken))
        broken[rsaSignatureEnd - 1] ^= 0x01
        let mixed = try CMS.verify(broken, detachedContent: nil, trust: trust, at: Date())
        #expect(mixed.signers.count == 2)
        let byEmail = Dictionary(uniqueKeysWithValues: mixed.signers.map { ($0.email ?? "", $0.status) })
        #expect(byEmail["sikkermail@gjensidige.dk"] == .invalid)
        #expect(byEmail["kunde.ec@example.dk"] == .valid)
    }

    @Test func opensslVerifiesOurSignatures() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CryptoFixtures.write(content, to: folder.appendingPathComponent("content.txt"))
        for signerName in ["sikkermail", "sikkermail-ec"] {
            for digest in DigestAlgorithm.allCases {
                for detached in [true, false] {
                    let signature = try CMS.sign(content, signer: try CryptoFixtures.identity(signerName), digest: digest, detached: detached)
                    try CryptoFixtures.write(signature, to: folder.appendingPathComponent("sig.der"))
                    var arguments = ["cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der",
                                     "-CAfile", CryptoFixtures.certsPath("demo-ca.pem"), "-purpose", "smimesign", "-out", "out.txt"]
                    if detached { arguments += ["-content", "content.txt"] }
                    try OpenSSLTool.run(arguments, in: folder)
                    #expect(try CryptoFixtures.bytes(folder.appendingPathComponent("out.txt").path) == content)
                }
            }
        }
    }

    @Test func nonDataContentTypeIsReported() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CryptoFixtures.write(content, to: folder.appendingPathComponent("content.txt"))
        try OpenSSLTool.run(
            ["cms", "-sign", "-binary", "-nodetach", "-econtent_type", "1.2.3.4.5", "-in", "content.txt", "-outform", "DER", "-out", "odd.der",
             "-signer", CryptoFixtures.certsPath("demo-customer.pem"), "-inkey", CryptoFixtures.certsPath("demo-customer.key.pem")],
            in: folder)
        let result = try CMS.verify(
            try CryptoFixtures.bytes(folder.appendingPathComponent("odd.der").path), detachedContent: nil,
            trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.eContentType == "1.2.3.4.5")
        #expect(!result.isDataContent)
        #expect(result.warnings.contains { $0.contains("1.2.3.4.5") })
    }

    @Test func concurrentSigningAndVerifying() async throws {
        let signer = try CryptoFixtures.identity("sikkermail-ec")
        let trust = try CryptoFixtures.demoTrust()
        let message = content
        try await withThrowingTaskGroup(of: SignatureStatus?.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let signature = try CMS.sign(message, signer: signer, detached: true)
                    return try CMS.verify(signature, detachedContent: message, trust: trust, at: Date()).signers.first?.status
                }
            }
            for try await status in group {
                #expect(status == .valid)
            }
        }
    }

    @Test func weVerifyOpenSSLSignatures() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CryptoFixtures.write(content, to: folder.appendingPathComponent("content.txt"))
        let trust = try CryptoFixtures.demoTrust()
        for signerName in ["demo-customer", "demo-customer-ec"] {
            for digest in DigestAlgorithm.allCases {
                for detached in [true, false] {
                    var arguments = ["cms", "-sign", "-binary", "-in", "content.txt", "-outform", "DER", "-out", "sig.der", "-md", digest.rawValue,
                                     "-signer", CryptoFixtures.certsPath("\(signerName).pem"), "-inkey", CryptoFixtures.certsPath("\(signerName).key.pem")]
                    if !detached { arguments.append("-nodetach") }
                    try OpenSSLTool.run(arguments, in: folder)
                    let signature = try CryptoFixtures.bytes(folder.appendingPathComponent("sig.der").path)
                    let result = try CMS.verify(signature, detachedContent: detached ? content : nil, trust: trust, at: Date())
                    #expect(result.signers.map(\.status) == [.valid], "\(signerName) \(digest) detached=\(detached): \(result.signers.map { $0.failure ?? "" })")
                    #expect(result.content == content)
                    #expect(result.signers.first?.digestAlgorithm == digest.rawValue)
                    #expect(result.signers.first?.capabilities.contains("aes-256-cbc") == true)
                }
            }
        }
    }

    @Test func garbageNeverCrashes() throws {
        let signer = try CryptoFixtures.identity("sikkermail")
        let valid = try CMS.sign(content, signer: signer, detached: false)
        let trust = try CryptoFixtures.demoTrust()
        var generator = SystemRandomNumberGenerator()
        var inputs: [[UInt8]] = [[], [0x30], [0x30, 0x80], [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]]
        for length in stride(from: 0, to: valid.count, by: max(1, valid.count / 150)) {
            inputs.append(Array(valid.prefix(length)))
        }
        for _ in 0..<150 {
            var mutated = valid
            for _ in 0..<4 {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            inputs.append(mutated)
            inputs.append((0..<Int.random(in: 1...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        for input in inputs {
            _ = CMS.contentType(of: input)
            if let result = try? CMS.verify(input, detachedContent: nil, trust: trust, at: Date()), input != valid {
                #expect(result.signers.allSatisfy { $0.status != .valid } || result.content == content)
            }
            _ = try? CMS.decrypt(input, identities: [signer])
            _ = try? Certificate.parseAll(input)
            _ = try? Identity.loadPKCS12(input, passphrase: "x")
            _ = try? CertificateRevocationList(input)
        }
        #expect(CMS.contentType(of: Array("not cms at all".utf8)) == nil)
        #expect(CMS.contentType(of: valid, maximumInputSize: 10) == nil)
        #expect(throws: CryptoError.self) { try CMS.verify(Array("not cms at all".utf8), detachedContent: nil, trust: trust, at: Date()) }
        #expect(throws: CryptoError.self) { try CMS.verify([], detachedContent: nil, trust: trust, at: Date()) }
        #expect(throws: CryptoError.self) { try CMS.verify(valid, detachedContent: nil, trust: trust, at: Date(), maximumInputSize: 100) }
    }
}

func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
        return start
    }
    return nil
}

/// End offset of the first 256-byte OCTET STRING (an RSA-2048 signature value) in DER.
func rsaSignatureValueEnd(in der: [UInt8]) -> Int? {
    let header: [UInt8] = [0x04, 0x82, 0x01, 0x00]
    guard let start = firstRange(of: header, in: der) else { return nil }
    return start + header.count + 256
}
