import COpenSSL
import Foundation
import Testing
@testable import SecureMail

/// Trust anchors that OpenSSL parses only when a path reaches them.
@Suite struct TrustAnchorTests {
    /// Three unrelated roots and a leaf that is no CA, the demo CA among them, as one PEM bundle.
    static func bundle() throws -> [UInt8] {
        try CryptoFixtures.bytes("\(CryptoFixtures.lampsFolder)/sample-ca.pem") + CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-quarantine.pem"))
            + CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-ca.pem")) + CryptoFixtures.bytes(CryptoFixtures.certsPath("sikkermail.pem"))
    }

    @Test func onlyTheAnchorAPathReachesIsParsed() throws {
        let anchors = try TrustAnchor.all(in: Self.bundle())
        #expect(anchors.count == 4)
        #expect(anchors.allSatisfy { !$0.isParsed })
        let trust = TrustStore(trustAnchors: anchors)
        let customer = try CryptoFixtures.identity("demo-customer")
        let signature = try CMS.sign(Array("anchors\r\n".utf8), signer: customer, detached: false)
        #expect(try CMS.verify(signature, detachedContent: nil, trust: trust, at: Date()).signers.map(\.status) == [.valid])
        let demoCA = try CryptoFixtures.certificate("demo-ca")
        #expect(anchors.filter(\.isParsed).map(\.derBytes) == [demoCA.derBytes])
        #expect(try anchors[2].certificate() == demoCA)
    }

    /// The same verdicts as a store of certificates parsed beforehand: trusted, another CA's
    /// signer, outside the validity period, and the purposes of RSA and EC certificates.
    @Test func verdictsEqualThoseOfParsedAnchors() throws {
        let parsed = TrustStore(anchors: try Certificate.parseAll(Self.bundle()))
        let lazy = TrustStore(trustAnchors: try TrustAnchor.all(in: Self.bundle()))
        let otherCA = TrustStore(trustAnchors: try TrustAnchor.all(in: CryptoFixtures.bytes("\(CryptoFixtures.lampsFolder)/sample-ca.pem")))
        let rsa = try CryptoFixtures.certificate("sikkermail")
        let ec = try CryptoFixtures.certificate("sikkermail-ec")
        let customer = try CryptoFixtures.certificate("demo-customer")
        let times = [Date(), rsa.notValidAfter.addingTimeInterval(60), rsa.notValidBefore.addingTimeInterval(-60)]
        for time in times {
            for certificate in [rsa, ec, customer] {
                for purpose in [TrustPurpose.emailSigning, .emailEncryption] {
                    #expect(lazy.evaluate(certificate, at: time, purpose: purpose) == parsed.evaluate(certificate, at: time, purpose: purpose))
                }
            }
        }
        #expect(lazy.evaluate(customer, at: Date(), purpose: .emailSigning) == .trusted)
        #expect(!otherCA.evaluate(customer, at: Date(), purpose: .emailSigning).isTrusted)
    }

    @Test func validityIsReadWithoutParsing() throws {
        let anchors = try TrustAnchor.all(in: Self.bundle())
        let certificates = try Certificate.parseAll(Self.bundle())
        #expect(anchors.map(\.notValidBefore) == certificates.map(\.notValidBefore))
        #expect(anchors.map(\.notValidAfter) == certificates.map(\.notValidAfter))
        #expect(anchors.map(\.derBytes) == certificates.map(\.derBytes))
        #expect(anchors.allSatisfy { !$0.isParsed })
    }

    /// OpenSSL matches names in their canonical form (case, spaces and string type aside), and so
    /// does the lookup: a leaf whose issuer is written `test  canonical ROOT` in a UTF8String
    /// chains to the anchor `Test Canonical Root` in a PrintableString, which has the same key.
    @Test func anchorsAreFoundByCanonicalName() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let extensions = """
            \(CryptoFixtures.authorityExtensions)
            [leaf]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = emailProtection
            authorityKeyIdentifier = keyid
            """
        for (file, mask, name) in [("anchor", "default", "Test Canonical Root"), ("issuer", "utf8only", "test  canonical ROOT")] {
            let configuration = "[req]\ndistinguished_name = dn\nstring_mask = \(mask)\nprompt = no\n[dn]\nCN = \(name)\n\(extensions)\n"
            try CryptoFixtures.write(Array(configuration.utf8), to: folder.appendingPathComponent("\(file).cnf"))
        }
        try OpenSSLTool.run(
            ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
             "-config", "anchor.cnf", "-extensions", "authority", "-keyout", "ca.key", "-out", "anchor.pem"], in: folder)
        try OpenSSLTool.run(["req", "-x509", "-new", "-key", "ca.key", "-days", "30", "-config", "issuer.cnf", "-extensions", "authority", "-out", "issuer.pem"], in: folder)
        try OpenSSLTool.run(
            ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key",
             "-subj", "/CN=leaf/emailAddress=leaf@example.test", "-out", "leaf.csr"], in: folder)
        try OpenSSLTool.run(
            ["x509", "-req", "-in", "leaf.csr", "-CA", "issuer.pem", "-CAkey", "ca.key", "-set_serial", "7", "-days", "10",
             "-extfile", "issuer.cnf", "-extensions", "leaf", "-out", "leaf.pem"], in: folder)
        let anchorBytes = try CryptoFixtures.bytes(folder.appendingPathComponent("anchor.pem").path)
        let leaf = try Certificate.parseAll(CryptoFixtures.bytes(folder.appendingPathComponent("leaf.pem").path))[0]
        let anchor = try Certificate.parseAll(anchorBytes)[0]
        #expect(leaf.issuer != anchor.subject)
        let lazy = TrustStore(trustAnchors: try TrustAnchor.all(in: Self.bundle() + anchorBytes))
        #expect(lazy.evaluate(leaf, at: Date(), purpose: .emailSigning) == .trusted)
        #expect(lazy.trustAnchors.filter(\.isParsed).map(\.derBytes) == [anchor.derBytes])
        #expect(TrustStore(anchors: [anchor]).evaluate(leaf, at: Date(), purpose: .emailSigning) == .trusted)
    }

    /// Names that OpenSSL's `X509_NAME_cmp` finds equal have equal keys; the keys tell apart
    /// what the canonical form keeps apart; names with BMPString values have none.
    @Test func nameKeysFoldWhatOpenSSLFolds() throws {
        func name(_ relativeNames: [[(type: UInt8, tag: UInt8, value: String)]]) -> [UInt8] {
            let sets = relativeNames.map { attributes in
                DERReader.encoding(tag: 0x31, contents: attributes.flatMap { attribute in
                    let value = attribute.tag == 0x1E ? attribute.value.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } : Array(attribute.value.utf8)
                    return DERReader.encoding(tag: 0x30, contents: [0x06, 0x03, 0x55, 0x04, attribute.type] + DERReader.encoding(tag: attribute.tag, contents: value))
                })
            }
            return DERReader.encoding(tag: 0x30, contents: sets.flatMap { $0 })
        }
        let commonName: UInt8 = 0x03, organisation: UInt8 = 0x0A
        let printable: UInt8 = 0x13, utf8: UInt8 = 0x0C, teletex: UInt8 = 0x14, bmp: UInt8 = 0x1E
        let root = name([[(organisation, printable, "SecureMail DEMO")], [(commonName, printable, "Root CA")]])
        let alike = [
            name([[(organisation, utf8, "securemail demo")], [(commonName, utf8, "  ROOT   CA ")]]),
            name([[(organisation, teletex, "SecureMail DEMO")], [(commonName, printable, "Root\tCA")]]),
        ]
        let different = [
            name([[(organisation, printable, "SecureMail DEMO")], [(commonName, printable, "Root CA 2")]]),
            name([[(commonName, printable, "Root CA")], [(organisation, printable, "SecureMail DEMO")]]),
            name([[(organisation, printable, "SecureMail DEMO"), (commonName, printable, "Root CA")]]),
            name([[(organisation, printable, "SecureMail DEMO")], [(0x0B, printable, "Root CA")]]),
        ]
        func openSSLEqual(_ first: [UInt8], _ second: [UInt8]) throws -> Bool {
            let a = try #require(X509NameHandle(parsing: first)), b = try #require(X509NameHandle(parsing: second))
            return X509_NAME_cmp(a.pointer, b.pointer) == 0
        }
        for other in alike {
            #expect(try openSSLEqual(root, other))
            #expect(NameKey(other) != nil && NameKey(other) == NameKey(root))
        }
        for other in different {
            #expect(try !openSSLEqual(root, other))
            #expect(NameKey(other) != NameKey(root))
        }
        let twoInOneSet = name([[(organisation, printable, "A"), (commonName, printable, "B")]])
        let reversed = name([[(commonName, utf8, "b"), (organisation, utf8, "a")]])
        #expect(try openSSLEqual(twoInOneSet, reversed))
        #expect(NameKey(twoInOneSet) == NameKey(reversed))
        // T61String is read as Latin-1: ø is the byte F8 there and C3 B8 in UTF-8.
        let teletexName = name([[(commonName, teletex, "S~ren")]]).map { $0 == UInt8(ascii: "~") ? 0xF8 : $0 }
        #expect(try openSSLEqual(teletexName, name([[(commonName, utf8, "søren")]])))
        #expect(NameKey(teletexName) == NameKey(name([[(commonName, utf8, "søren")]])))
        let withBMP = name([[(organisation, bmp, "SecureMail DEMO")], [(commonName, printable, "Root CA")]])
        #expect(try openSSLEqual(root, withBMP))
        #expect(NameKey(withBMP) == nil)
        #expect(NameKey([0x30, 0x03, 0x31, 0x01]) == nil)
    }

    @Test func whatIsNotACertificateIsRefused() throws {
        let der = try CryptoFixtures.certificate("demo-ca").derBytes
        #expect(throws: CryptoError.self) { try TrustAnchor(derEncoded: Array(der.dropLast(10))) }
        #expect(throws: CryptoError.self) { try TrustAnchor(derEncoded: der + [0]) }
        #expect(throws: CryptoError.self) { try TrustAnchor.all(in: Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8)) }
        #expect(throws: CryptoError.self) { try TrustAnchor.all(in: Array(repeating: 0x30, count: 40)) }
        #expect(try TrustAnchor.all(in: der).map(\.derBytes) == [der])
    }

    /// The structure passes, OpenSSL's parser does not (a signature algorithm that is not one):
    /// the anchor is left out of every path, and its error is kept.
    @Test func anAnchorOpenSSLCannotParseIsLeftOut() throws {
        var der = try CryptoFixtures.certificate("demo-ca").derBytes
        let reader = DERReader(bytes: der)
        let outer = try #require(reader.element(at: 0))
        let algorithm = try #require(reader.children(of: outer).dropFirst().first)
        let oid = try #require(reader.children(of: algorithm).first)
        for index in oid.contents { der[index] = 0xFF }
        let broken = try TrustAnchor(derEncoded: der)
        #expect(throws: CryptoError.self) { try broken.certificate() }
        #expect(throws: CryptoError.self) { try broken.certificate() }
        let trust = TrustStore(trustAnchors: [broken])
        #expect(!trust.evaluate(try CryptoFixtures.certificate("demo-customer"), at: Date(), purpose: .emailSigning).isTrusted)
    }

    /// A process for one message leaves the anchors to its message; a gateway parses them at its
    /// start, and a broken anchor file is an error that names the file.
    @Test func keyringParsesAnchorsAtStartOnlyWhenAskedTo() throws {
        var configuration = try ConfigurationLoader.parse(ExampleConfiguration.toml, source: "test", baseDirectory: Repository.root.path)
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bundle = folder.appendingPathComponent("roots.pem")
        try CryptoFixtures.write(try Self.bundle(), to: bundle)
        configuration.trust.anchors = [bundle.path]
        let perMessage = try Keyring.load(configuration, identities: .onFirstUse)
        #expect(perMessage.trust.trustAnchors.count == 4)
        #expect(perMessage.trust.trustAnchors.allSatisfy { !$0.isParsed })
        let atStart = try Keyring.load(configuration, identities: .atStart)
        #expect(atStart.trust.trustAnchors.allSatisfy { $0.isParsed })

        let garbage = folder.appendingPathComponent("garbage.pem")
        try CryptoFixtures.write(Array("no certificate here\n".utf8), to: garbage)
        configuration.trust.anchors = [garbage.path]
        #expect(try CryptoFixtures.keyringErrors(configuration, naming: garbage.path).allSatisfy { $0.problem.contains("find a certificate") })
    }
}
