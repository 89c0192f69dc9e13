import COpenSSL
import Foundation
import Testing
@testable import SecureMail

/// CRLs that OpenSSL parses only when a path asks for their issuer's.
@Suite struct RevocationListTests {
    static func demoCRL() throws -> CertificateRevocationList {
        try CertificateRevocationList(CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-ca.crl.pem")))
    }

    @Test func issuerAndDatesAreReadWithoutParsing() throws {
        let list = try Self.demoCRL()
        #expect(!list.isParsed)
        #expect(list.issuer == (try CryptoFixtures.certificate("demo-ca")).subject)
        let parsed = try list.handle()
        #expect(list.thisUpdate == date(from: X509_CRL_get0_lastUpdate(parsed.pointer)))
        #expect(list.nextUpdate == date(from: X509_CRL_get0_nextUpdate(parsed.pointer)))
        #expect(list.isParsed)
    }

    /// A plain message needs no CRL, and a path needs the CRLs of its certificates' issuers only.
    @Test func onlyTheCRLsOfAPathsIssuersAreParsed() throws {
        guard OpenSSLTool.available() else { return }
        let authority = try TestAuthority.make()
        defer { try? FileManager.default.removeItem(at: authority.folder) }
        let otherCRL = try CertificateRevocationList(CryptoFixtures.bytes(authority.folder.appendingPathComponent("ca.crl").path))
        let demoCRL = try Self.demoCRL()
        let trust = TrustStore(anchors: [try CryptoFixtures.certificate("demo-ca"), authority.authority], revocationLists: [otherCRL, demoCRL])
        #expect(trust.evaluate(try CryptoFixtures.certificate("demo-customer"), at: Date(), purpose: .emailSigning) == .trusted)
        #expect(demoCRL.isParsed)
        #expect(!otherCRL.isParsed)
        if case .revoked = trust.evaluate(authority.revokedSigner.certificate, at: Date(), purpose: .emailSigning) {} else {
            Issue.record("the other CA's CRL, parsed when its signer's path needs it, must revoke the signer")
        }
        #expect(otherCRL.isParsed)
    }

    /// A CRL whose structure reads but which OpenSSL cannot parse must not let its issuer's
    /// certificates pass as unrevoked: the evaluation fails and says which CRL to replace.
    @Test func aCRLOpenSSLCannotParseFailsItsIssuersPaths() throws {
        let pem = try CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-ca.crl.pem"))
        var der = try #require(PEMBlocks.blocks(in: pem).first?.der)
        let reader = DERReader(bytes: der)
        let outer = try #require(reader.element(at: 0))
        let algorithm = try #require(reader.children(of: outer).dropFirst().first)
        let oid = try #require(reader.children(of: algorithm).first)
        for index in oid.contents { der[index] = 0xFF }
        let broken = try CertificateRevocationList(der)
        #expect(throws: CryptoError.self) { try broken.handle() }
        let trust = TrustStore(anchors: [try CryptoFixtures.certificate("demo-ca")], revocationLists: [broken])
        guard case .untrusted(let reason) = trust.evaluate(try CryptoFixtures.certificate("demo-customer"), at: Date(), purpose: .emailSigning) else {
            Issue.record("a path whose issuer's CRL cannot be parsed must not be trusted")
            return
        }
        #expect(reason.contains("CRL"))
        #expect(trust.confirmedPathCount == 0)
    }

    @Test func whatIsNotACRLIsRefused() throws {
        let pem = try CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-ca.crl.pem"))
        let der = try #require(PEMBlocks.blocks(in: pem).first?.der)
        #expect(try CertificateRevocationList(der).thisUpdate == (try Self.demoCRL()).thisUpdate)
        #expect(throws: CryptoError.self) { try CertificateRevocationList(Array(der.dropLast(3))) }
        #expect(throws: CryptoError.self) { try CertificateRevocationList(try CryptoFixtures.certificate("demo-ca").derBytes) }
        #expect(throws: CryptoError.self) { try CertificateRevocationList(Array("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n".utf8)) }
        #expect(throws: CryptoError.self) { try CertificateRevocationList([]) }
    }

    /// A process for one message leaves the CRLs to the paths that need them; a gateway parses
    /// them at its start, and a broken CRL file is an error that names the file.
    @Test func keyringParsesCRLsAtStartOnlyWhenAskedTo() throws {
        var configuration = try ConfigurationLoader.parse(ExampleConfiguration.toml, source: "test", baseDirectory: Repository.root.path)
        #expect(!configuration.trust.crls.isEmpty)
        #expect(try Keyring.load(configuration, identities: .onFirstUse).trust.revocationLists.allSatisfy { !$0.isParsed })
        #expect(try Keyring.load(configuration, identities: .atStart).trust.revocationLists.allSatisfy { $0.isParsed })
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let garbage = folder.appendingPathComponent("garbage.crl")
        try CryptoFixtures.write(Array("no CRL here\n".utf8), to: garbage)
        configuration.trust.crls = [garbage.path]
        #expect(try CryptoFixtures.keyringErrors(configuration, naming: garbage.path).allSatisfy { $0.problem.contains("CRL") })
    }
}
