import Foundation
import Testing
@testable import SecureMail

@Suite struct PEMBlocksTests {
    static let certificateFiles = ["demo-ca", "demo-customer", "demo-customer-ec", "demo-quarantine", "sikkermail", "sikkermail-ec"]

    /// Every certificate of certs/ reads to the DER OpenSSL's own PEM reader gives, in a bundle
    /// with the comment lines of Debian's and Mozilla's bundles between the blocks.
    @Test func certificatesReadAsOpenSSLReadsThem() throws {
        var bundle: [UInt8] = []
        var expected: [[UInt8]] = []
        for name in Self.certificateFiles {
            let pem = try CryptoFixtures.bytes(CryptoFixtures.certsPath("\(name).pem"))
            expected.append(try Certificate(pemEncoded: String(decoding: pem, as: UTF8.self)).derBytes)
            bundle += Array("# \(name)\nsubject=CN = \(name)\n\n".utf8) + pem
        }
        let blocks = PEMBlocks.blocks(in: bundle)
        #expect(blocks.map(\.label) == Array(repeating: "CERTIFICATE", count: Self.certificateFiles.count))
        #expect(blocks.map(\.der) == expected)
        #expect(try Certificate.parseAll(bundle).map(\.derBytes) == expected)
    }

    @Test func lineEndsSpacesAndHeadersAreTolerated() throws {
        let pem = String(decoding: try CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-ca.pem")), as: UTF8.self)
        let der = try Certificate(pemEncoded: pem).derBytes
        let crlf = pem.split(separator: "\n").map { "  \($0) \t" }.joined(separator: "\r\n")
        #expect(PEMBlocks.blocks(in: Array(crlf.utf8)).map(\.der) == [der])
        let lines = pem.split(separator: "\n")
        let withHeaders = ([lines[0], "Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,00", ""] + lines.dropFirst()).joined(separator: "\n")
        #expect(PEMBlocks.blocks(in: Array(withHeaders.utf8)).map(\.der) == [der])
    }

    /// A block that is not base64, that ends under another label or never ends is skipped; the
    /// blocks after it are still read (OpenSSL's reader stopped at the first broken block).
    @Test func brokenBlocksAreSkippedAndTheRestRead() throws {
        let pem = try CryptoFixtures.bytes(CryptoFixtures.certsPath("demo-ca.pem"))
        let der = try Certificate(pemEncoded: String(decoding: pem, as: UTF8.self)).derBytes
        let notBase64 = Array("-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n".utf8)
        let wrongEnd = Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n".utf8)
        let unended = Array("-----BEGIN CERTIFICATE-----\nAAAA\n".utf8)
        #expect(PEMBlocks.blocks(in: notBase64 + wrongEnd + pem).map(\.der) == [der])
        #expect(PEMBlocks.blocks(in: unended + pem).map(\.der) == [der])
        #expect(PEMBlocks.blocks(in: pem + unended).map(\.der) == [der])
        #expect(PEMBlocks.blocks(in: Array("-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----".utf8)).map(\.label) == ["X509 CRL"])
        #expect(PEMBlocks.blocks(in: Array("-----BEGIN -----\n-----END -----\n".utf8)).map(\.der) == [[]])
        #expect(PEMBlocks.blocks(in: []).isEmpty)
        #expect(PEMBlocks.blocks(in: Array("-----BEGIN CERTIFICATE----".utf8)).isEmpty)
    }
}
