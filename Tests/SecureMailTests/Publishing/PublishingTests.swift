import Foundation
import Testing
@testable import SecureMail

@Suite("Publishing: every format read back by an independent parser")
struct PublishingTests {
    @Test("the directory publishes each configured mailbox's first certificate with the demo CA as chain")
    func directoryFromConfiguration() throws {
        let directory = try PublishingFixtures.directory()
        #expect(directory.mailboxes == PublishingFixtures.mailboxes)
        let ca = try CryptoFixtures.certificate("demo-ca")
        for (publication, name) in zip(directory.publications, ["sikkermail", "sikkermail-arbejdsskade"]) {
            #expect(publication.certificate == (try CryptoFixtures.certificate(name)))
            #expect(publication.bundle.chain == [ca])
            #expect(publication.displayName.contains("Sikker mail"))
            #expect(publication.organization == "SecureMail DEMO")
        }
        #expect(directory.publication(for: "SIKKERMAIL@gjensidige.dk") != nil)
        #expect(directory.publication(for: "nobody@gjensidige.dk") == nil)
    }

    @Test("PEM and DER: openssl x509 reads the same certificate with the same fingerprint")
    func pemAndDER() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try TemporaryFolder("publishing")
        for mailbox in PublishingFixtures.mailboxes {
            let publication = try PublishingFixtures.publication(mailbox)
            let expected = "sha256 Fingerprint=\(publication.certificate.sha256FingerprintHex)"
            let pem = try folder.write("cert.pem", publication.render(.pem))
            let der = try folder.write("cert.cer", publication.render(.der))
            for (path, form) in [(pem, "PEM"), (der, "DER")] {
                let fingerprint = try ExternalTool.require("openssl", ["x509", "-inform", form, "-in", path, "-noout", "-fingerprint", "-sha256"])
                #expect(fingerprint.outputText.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
                let reencoded = try ExternalTool.require("openssl", ["x509", "-inform", form, "-in", path, "-outform", "DER"])
                #expect(reencoded.standardOutput == publication.certificate.derBytes)
                let email = try ExternalTool.require("openssl", ["x509", "-inform", form, "-in", path, "-noout", "-email"])
                #expect(email.outputText.contains(mailbox))
            }
            #expect(try publication.render(.pem) == Array(publication.certificate.pemString.utf8))
        }
    }

    @Test("PEM with chain: the certificate, then the demo CA, each readable by openssl")
    func pemWithChain() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try TemporaryFolder("publishing")
        let publication = try PublishingFixtures.publication()
        let text = String(decoding: try publication.render(.pem, options: .init(includeChain: true)), as: UTF8.self)
        let blocks = pemCertificateBlocks(text)
        #expect(blocks == [publication.certificate.derBytes, try CryptoFixtures.certificate("demo-ca").derBytes])
        let path = try folder.write("chain.pem", Array(text.utf8))
        let store = try ExternalTool.require("openssl", ["storeutl", "-noout", "-certs", path])
        #expect(store.outputText.contains("Total found: 2"))
    }

    @Test("PKCS#7 certs-only: openssl pkcs7 -print_certs lists the certificate and its chain, and there is no signer")
    func pkcs7CertsOnly() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try TemporaryFolder("publishing")
        for mailbox in PublishingFixtures.mailboxes {
            let publication = try PublishingFixtures.publication(mailbox)
            let path = try folder.write("bundle.p7c", publication.render(.p7c))
            let printed = try ExternalTool.require("openssl", ["pkcs7", "-inform", "DER", "-in", path, "-print_certs"])
            let certificates = pemCertificateBlocks(printed.outputText)
            // A SET OF in DER is sorted by encoding, so the order is not the chain order.
            #expect(certificates.count == publication.bundle.certificates.count)
            #expect(Set(certificates) == Set(publication.bundle.certificates.map(\.derBytes)))
            #expect(printed.outputText.contains("emailAddress = \(mailbox)"))
            var fingerprints: [String] = []
            for (index, der) in certificates.enumerated() {
                let path = try folder.write("printed-\(index).cer", der)
                let run = try ExternalTool.require("openssl", ["x509", "-inform", "DER", "-in", path, "-noout", "-fingerprint", "-sha256"])
                fingerprints.append(run.outputText.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            #expect(fingerprints.contains("sha256 Fingerprint=\(publication.certificate.sha256FingerprintHex)"))
            let structure = try ExternalTool.require("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", path])
            #expect(structure.outputText.contains("contentType: pkcs7-signedData"))
            #expect(structure.outputText.contains("signerInfos:\n      <EMPTY>"))
            #expect(Set(try Certificate.parseAll(publication.render(.p7c))) == Set(publication.bundle.certificates))
        }
    }

    @Test("vCard 3.0 and 4.0: python3-vobject reads FN, EMAIL and a KEY equal to the certificate DER", arguments: [PublishedFormat.vcard, .vcard4])
    func vCards(format: PublishedFormat) throws {
        guard SystemPython.available(module: "vobject", package: "python3-vobject") else { return }
        // vCard 3.0 through vobject's full reader; vCard 4.0 through its line unfolder and
        // content-line parser only, because vobject applies 3.0 text rules to every card (it would
        // cut the 4.0 KEY URI at its comma).
        let script = #"""
            import io, sys, json, base64, vobject
            from vobject.base import getLogicalLines, parseLine
            text = sys.stdin.buffer.read().decode("utf-8")
            if "\r\nVERSION:3.0\r\n" in text:
                card = vobject.readOne(text)
                key = card.key
                der = key.value if isinstance(key.value, bytes) else base64.b64decode(key.value)
                result = {"version": card.version.value, "fn": card.fn.value, "email": card.email.value,
                          "org": card.org.value[0] if hasattr(card, "org") else None,
                          "keyparams": {k: v for k, v in key.params.items()}}
            else:
                lines = {}
                for line, number in getLogicalLines(io.StringIO(text)):
                    name, params, value, group = parseLine(line)
                    lines[name.upper()] = (params, value)
                header, _, data = lines["KEY"][1].partition(",")
                assert header == "data:application/pkix-cert;base64", header
                der = base64.b64decode(data)
                result = {"version": lines["VERSION"][1], "fn": lines["FN"][1], "email": lines["EMAIL"][1],
                          "org": lines["ORG"][1], "keyparams": {}}
            result["der"] = der.hex()
            print(json.dumps(result))
            """#
        for mailbox in PublishingFixtures.mailboxes {
            let publication = try PublishingFixtures.publication(mailbox)
            let bytes = try publication.render(format)
            let run = try SystemPython.run(script, input: bytes)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput)) as? [String: Any])
            #expect(parsed["der"] as? String == lowercaseHex(publication.certificate.derBytes))
            #expect(parsed["email"] as? String == mailbox)
            #expect(parsed["fn"] as? String == publication.displayName)
            #expect(parsed["version"] as? String == (format == .vcard ? "3.0" : "4.0"))
            #expect(parsed["org"] as? String == "SecureMail DEMO")
            if format == .vcard {
                let params = try #require(parsed["keyparams"] as? [String: [String]])
                #expect(params["TYPE"] == ["X509"])
                #expect(params["ENCODING"]?.map { $0.lowercased() } == ["b"])
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains(format == .vcard ? "KEY;TYPE=X509;ENCODING=b:" : "KEY:data:application/pkix-cert;base64,"))
            #expect(text.contains("\r\nORG:SecureMail DEMO\r\n"))
            try expectFolded(bytes)
        }
    }

    @Test("SMIMEA: owner name and data recomputed with python3 hashlib and openssl")
    func smimea() throws {
        guard OpenSSLTool.available(), ExternalTool.available("python3") else { return }
        let folder = try TemporaryFolder("publishing")
        for mailbox in PublishingFixtures.mailboxes {
            let publication = try PublishingFixtures.publication(mailbox)
            let localPart = String(mailbox.split(separator: "@")[0])
            let hash = try ExternalTool.require(
                "python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode('utf-8')).digest()[:28].hex())", localPart])
            let owner = "\(hash.outputText.trimmingCharacters(in: .whitespacesAndNewlines))._smimecert.gjensidige.dk."

            let full = String(decoding: try publication.render(.smimea), as: UTF8.self)
            let pem = try folder.write("cert.pem", publication.render(.pem))
            let der = try ExternalTool.require("openssl", ["x509", "-in", pem, "-outform", "DER"])
            #expect(full == "\(owner) IN SMIMEA 3 0 0 \(lowercaseHex(der.standardOutput).uppercased())\n")

            let spkiText = String(decoding: try publication.render(.smimea, options: .init(smimeaKind: .publicKeySHA256)), as: UTF8.self)
            let publicKey = try ExternalTool.require("openssl", ["x509", "-in", pem, "-noout", "-pubkey"])
            let publicKeyPath = try folder.write("pub.pem", publicKey.standardOutput)
            let spki = try ExternalTool.require("openssl", ["pkey", "-pubin", "-in", publicKeyPath, "-outform", "DER"])
            let digest = try ExternalTool.require("python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"], input: spki.standardOutput)
            #expect(spkiText == "\(owner) IN SMIMEA 3 1 1 \(digest.outputText.trimmingCharacters(in: .whitespacesAndNewlines).uppercased())\n")
        }
    }

    @Test("SMIMEA owner names: the RFC 8162 hash of the local part only, NFC-normalised; malformed addresses throw")
    func smimeaOwnerNames() throws {
        let decomposed = "sa\u{0308}ren@Example.DK"
        let precomposed = "s\u{00E4}ren@example.dk"
        #expect(try SMIMEARecord.ownerName(for: decomposed) == SMIMEARecord.ownerName(for: precomposed))
        #expect(try SMIMEARecord.ownerName(for: precomposed).hasSuffix("._smimecert.example.dk."))
        #expect(try SMIMEARecord.ownerName(for: "a@x.dk").split(separator: ".")[0].count == 56)
        #expect(throws: PublishingError.self) { try SMIMEARecord.ownerName(for: "no-at-sign") }
        #expect(throws: PublishingError.self) { try SMIMEARecord.ownerName(for: "@example.dk") }
        #expect(throws: PublishingError.self) { try SMIMEARecord.ownerName(for: "user@") }
    }

    @Test("vCard text: names are escaped, long lines fold at 75 octets without splitting a UTF-8 character")
    func vCardEscapingAndFolding() throws {
        let name = "Skadeafdelingen; Åse Ødegård, Søren Kjærgaard \\ " + String(repeating: "æøå", count: 30)
        let card = VCard(
            card: .init(displayName: name, organization: "Forsikring, A/S", email: "x@example.dk", certificateDER: Array(repeating: 0xAB, count: 900)),
            version: .v3)
        let bytes = card.bytes
        try expectFolded(bytes)
        let unfolded = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n ", with: "")
        #expect(unfolded.contains("FN:Skadeafdelingen\\; Åse Ødegård\\, Søren Kjærgaard \\\\ "))
        #expect(unfolded.contains("\r\nORG:Forsikring\\, A/S\r\n"))
        #expect(unfolded.contains("KEY;TYPE=X509;ENCODING=b:" + Data(Array(repeating: UInt8(0xAB), count: 900)).base64EncodedString() + "\r\n"))
        #expect(VCard.escapeText("a\nb") == "a\\nb")
    }

    @Test("file names and media types per format", arguments: PublishedFormat.allCases)
    func formatNames(format: PublishedFormat) {
        let name = format.suggestedFilename(for: "Sikkermail@Gjensidige.dk")
        #expect(name.hasPrefix("sikkermail@gjensidige.dk"))
        #expect(name.hasSuffix(".\(format.fileExtension)"))
        #expect(!format.mimeType.isEmpty)
        let hostile = format.suggestedFilename(for: "../../etc/passwd\"@x")
        #expect(!hostile.contains("/") && !hostile.contains("..") && !hostile.contains("\"") && !hostile.hasPrefix("."))
    }

    @Test("every published file has its own name")
    func distinctFilenames() {
        let names = PublishedVariant.all.map { $0.filename(for: "sikkermail@gjensidige.dk") }
        #expect(Set(names).count == names.count)
        #expect(PublishedFormat.pem.mimeType == "application/x-pem-file")
        #expect(PublishedFormat.der.mimeType == "application/pkix-cert")
        #expect(PublishedFormat.p7c.mimeType == "application/pkcs7-mime; smime-type=certs-only")
    }

    /// Every line ends in CRLF, no physical line exceeds 75 octets, every line is valid UTF-8.
    private func expectFolded(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(bytes.suffix(2) == [0x0D, 0x0A], sourceLocation: sourceLocation)
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                lines.append(current)
                current = []
                index += 2
                continue
            }
            #expect(bytes[index] != 0x0A && bytes[index] != 0x0D, "bare CR or LF", sourceLocation: sourceLocation)
            current.append(bytes[index])
            index += 1
        }
        for line in lines {
            #expect(line.count <= 75, "line of \(line.count) octets", sourceLocation: sourceLocation)
            #expect(String(validating: line, as: UTF8.self) != nil, "a fold split a UTF-8 character", sourceLocation: sourceLocation)
        }
    }
}
