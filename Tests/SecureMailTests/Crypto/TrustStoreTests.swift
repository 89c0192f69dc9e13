import Foundation
import Testing
@testable import SecureMail

/// A throw-away CA made with `openssl req` and `openssl ca`, issuing two signers and revoking one.
struct TestAuthority {
    let folder: URL
    let authority: Certificate
    let revokedSigner: Identity
    let goodSigner: Identity
    let revocationList: CertificateRevocationList

    static func make() throws -> TestAuthority {
        let folder = try CryptoFixtures.temporaryFolder()
        let configuration = """
            [ca]
            default_ca = test
            [test]
            database = ./index.txt
            new_certs_dir = ./issued
            serial = ./serial
            crlnumber = ./crlnumber
            certificate = ./ca.pem
            private_key = ./ca.key
            default_md = sha256
            default_days = 365
            default_crl_days = 30
            policy = anything
            unique_subject = no
            [anything]
            commonName = supplied
            emailAddress = optional
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = SecureMail Test Revocation CA
            \(CryptoFixtures.authorityExtensions)
            [signer]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
            extendedKeyUsage = emailProtection
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """
        try CryptoFixtures.write(Array(configuration.utf8), to: folder.appendingPathComponent("ca.cnf"))
        try CryptoFixtures.write([], to: folder.appendingPathComponent("index.txt"))
        try CryptoFixtures.write(Array("1000\n".utf8), to: folder.appendingPathComponent("serial"))
        try CryptoFixtures.write(Array("1000\n".utf8), to: folder.appendingPathComponent("crlnumber"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("issued"), withIntermediateDirectories: true)
        try OpenSSLTool.run(
            ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
             "-config", "ca.cnf", "-extensions", "authority", "-keyout", "ca.key", "-out", "ca.pem"], in: folder)
        func issue(_ name: String) throws -> Identity {
            try OpenSSLTool.run(
                ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).key",
                 "-subj", "/CN=\(name)/emailAddress=\(name)@example.test", "-out", "\(name).csr"], in: folder)
            try OpenSSLTool.run(
                ["ca", "-batch", "-notext", "-config", "ca.cnf", "-extensions", "signer", "-in", "\(name).csr", "-out", "\(name).pem"], in: folder)
            let certificate = try Certificate(pemEncoded: String(decoding: try CryptoFixtures.bytes(folder.appendingPathComponent("\(name).pem").path), as: UTF8.self))
            let key = try PrivateKey(pemEncoded: try CryptoFixtures.bytes(folder.appendingPathComponent("\(name).key").path), passphrase: nil)
            return try Identity(certificate: certificate, privateKey: key)
        }
        let revoked = try issue("revoked")
        let good = try issue("good")
        try OpenSSLTool.run(["ca", "-config", "ca.cnf", "-revoke", "revoked.pem", "-crl_reason", "keyCompromise"], in: folder)
        try OpenSSLTool.run(["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl"], in: folder)
        return TestAuthority(
            folder: folder,
            authority: try Certificate.parseAll(try CryptoFixtures.bytes(folder.appendingPathComponent("ca.pem").path))[0],
            revokedSigner: revoked,
            goodSigner: good,
            revocationList: try CertificateRevocationList(try CryptoFixtures.bytes(folder.appendingPathComponent("ca.crl").path)))
    }
}

@Suite struct TrustStoreTests {
    let content = Array("revocation test\r\n".utf8)

    @Test func revokedSignerIsReportedRevoked() throws {
        guard OpenSSLTool.available() else { return }
        let authority = try TestAuthority.make()
        defer { try? FileManager.default.removeItem(at: authority.folder) }
        let withCRL = TrustStore(anchors: [authority.authority], revocationLists: [authority.revocationList])
        let withoutCRL = TrustStore(anchors: [authority.authority])

        let revokedSignature = try CMS.sign(content, signer: authority.revokedSigner, detached: false)
        let revoked = try CMS.verify(revokedSignature, detachedContent: nil, trust: withCRL, at: Date())
        #expect(revoked.signers.map(\.status) == [.revoked])
        #expect(revoked.signers.first?.cryptographicallyValid == true)
        guard case .revoked(let reason) = revoked.signers.first?.trust else {
            Issue.record("expected .revoked, got \(String(describing: revoked.signers.first?.trust))")
            return
        }
        #expect(reason.contains("revoked"))
        #expect(try CMS.verify(revokedSignature, detachedContent: nil, trust: withoutCRL, at: Date()).signers.map(\.status) == [.valid])

        let goodSignature = try CMS.sign(content, signer: authority.goodSigner, detached: true)
        #expect(try CMS.verify(goodSignature, detachedContent: content, trust: withCRL, at: Date()).signers.map(\.status) == [.valid])
        // The test signers are EC keys with keyEncipherment only: no key agreement, so no encryption.
        if case .untrusted = withCRL.evaluate(authority.goodSigner.certificate, at: Date(), purpose: .emailEncryption) {} else {
            Issue.record("an EC certificate without keyAgreement must not be trusted for encryption")
        }
    }

    @Test func signerFromAnotherCAIsUntrusted() throws {
        guard OpenSSLTool.available() else { return }
        let authority = try TestAuthority.make()
        defer { try? FileManager.default.removeItem(at: authority.folder) }
        let signature = try CMS.sign(content, signer: authority.goodSigner, detached: false)
        let result = try CMS.verify(signature, detachedContent: nil, trust: try CryptoFixtures.demoTrust(), at: Date())
        #expect(result.signers.map(\.status) == [.untrusted])
        #expect(result.signers.first?.cryptographicallyValid == true)
    }

    @Test func crlsOfOtherIssuersDoNotBreakVerification() throws {
        guard OpenSSLTool.available() else { return }
        let authority = try TestAuthority.make()
        defer { try? FileManager.default.removeItem(at: authority.folder) }
        let demoCRL = try CertificateRevocationList(try CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-ca.crl.pem")))
        #expect(demoCRL.issuer == (try CryptoFixtures.certificate("demo-ca")).subject)
        let trust = TrustStore(
            anchors: [try CryptoFixtures.certificate("demo-ca"), authority.authority], revocationLists: [authority.revocationList, demoCRL])
        let customer = try CryptoFixtures.certificate("demo-customer")
        #expect(trust.evaluate(customer, at: Date(), purpose: .emailSigning) == .trusted)
        #expect(trust.evaluate(customer, at: Date(), purpose: .emailEncryption) == .trusted)
        let onlyOtherCRL = TrustStore(anchors: [try CryptoFixtures.certificate("demo-ca")], revocationLists: [authority.revocationList])
        #expect(onlyOtherCRL.evaluate(customer, at: Date(), purpose: .emailSigning) == .trusted)
    }

    /// A remembered verdict answers only while no date of the path or the store is crossed, for
    /// the same purpose and chain, and only in the store it was made in.
    @Test func rememberedPathsAnswerOnlyWhileNothingChanges() throws {
        let trust = try CryptoFixtures.demoTrust()
        let customer = try CryptoFixtures.certificate("demo-customer")
        let now = Date()
        #expect(trust.evaluate(customer, at: now, purpose: .emailSigning) == .trusted)
        #expect(trust.evaluate(customer, at: now.addingTimeInterval(5), purpose: .emailSigning) == .trusted)
        #expect(trust.confirmedPathCount == 1)
        #expect(trust.evaluate(customer, untrustedChain: [try CryptoFixtures.certificate("demo-ca")], at: now, purpose: .emailSigning) == .trusted)
        #expect(trust.evaluate(customer, at: now, purpose: .emailEncryption) == .trusted)
        #expect(trust.confirmedPathCount == 3)
        #expect(trust.evaluate(customer, at: now.addingTimeInterval(-1), purpose: .emailSigning) == .trusted)
        if case .expired = trust.evaluate(customer, at: customer.notValidBefore.addingTimeInterval(-60), purpose: .emailSigning) {} else {
            Issue.record("before notBefore the certificate must be outside its validity, whatever was remembered")
        }

        let nearTheEnd = customer.notValidAfter.addingTimeInterval(-30)
        let ending = try CryptoFixtures.demoTrust()
        #expect(ending.evaluate(customer, at: nearTheEnd, purpose: .emailSigning) == .trusted)
        #expect(ending.evaluate(customer, at: nearTheEnd.addingTimeInterval(20), purpose: .emailSigning) == .trusted)
        if case .expired = ending.evaluate(customer, at: customer.notValidAfter.addingTimeInterval(1), purpose: .emailSigning) {} else {
            Issue.record("a path remembered 30 seconds before notAfter must not answer after it")
        }
        #expect(ending.confirmedPathCount == 1)
    }

    @Test func aChangedStoreForgetsRememberedPaths() throws {
        guard OpenSSLTool.available() else { return }
        let authority = try TestAuthority.make()
        defer { try? FileManager.default.removeItem(at: authority.folder) }
        let withoutCRL = TrustStore(anchors: [authority.authority])
        let signer = authority.revokedSigner.certificate
        #expect(withoutCRL.evaluate(signer, at: Date(), purpose: .emailSigning) == .trusted)
        var withCRL = withoutCRL
        withCRL.revocationLists.append(authority.revocationList)
        #expect(withCRL.confirmedPathCount == 0)
        if case .revoked = withCRL.evaluate(signer, at: Date(), purpose: .emailSigning) {} else {
            Issue.record("a CRL added to a copy of the store must be consulted, not the copy's remembered verdict")
        }
        #expect(withoutCRL.evaluate(signer, at: Date(), purpose: .emailSigning) == .trusted)
        var withoutAnchor = withoutCRL
        withoutAnchor.anchors = []
        if case .untrusted = withoutAnchor.evaluate(signer, at: Date(), purpose: .emailSigning) {} else {
            Issue.record("without its anchor the signer cannot be trusted")
        }
    }

    @Test func evaluationFollowsPurposeAndTime() throws {
        let trust = try CryptoFixtures.demoTrust()
        let rsa = try CryptoFixtures.certificate("sikkermail")
        let ec = try CryptoFixtures.certificate("sikkermail-ec")
        #expect(trust.evaluate(ec, at: Date(), purpose: .emailEncryption) == .trusted)
        #expect(trust.evaluate(rsa, at: Date(), purpose: .emailEncryption) == .trusted)
        if case .expired = trust.evaluate(rsa, at: rsa.notValidAfter.addingTimeInterval(60), purpose: .emailSigning) {} else {
            Issue.record("a certificate evaluated after notAfter must be expired")
        }
        if case .expired = trust.evaluate(rsa, at: rsa.notValidBefore.addingTimeInterval(-60), purpose: .emailSigning) {} else {
            Issue.record("a certificate evaluated before notBefore must be outside its validity")
        }
        let ca = try CryptoFixtures.certificate("demo-ca")
        if case .untrusted = trust.evaluate(ca, at: Date(), purpose: .emailSigning) {} else {
            Issue.record("a CA certificate without emailProtection must not be trusted to sign mail")
        }
        if case .untrusted = TrustStore().evaluate(rsa, at: Date(), purpose: .emailSigning) {} else {
            Issue.record("an empty store trusts nothing")
        }
    }
}
