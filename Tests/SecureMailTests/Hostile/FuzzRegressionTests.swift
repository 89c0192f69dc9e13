import Foundation
import SecureMailFuzzing
import Testing

/// The fuzz targets' entry points (scripts/fuzz.sh) on the inputs that once crashed them
/// (Fixtures/fuzz/TARGET/) and on the bad-input corpus, so that a fixed crash stays fixed and the
/// harness itself is exercised by every test run.
@Suite struct FuzzRegressionTests {
    static let regressions = Repository.fixtures.appendingPathComponent("fuzz")

    static func inputs(_ target: String) -> [URL] {
        let folder = regressions.appendingPathComponent(target)
        return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("every input that once crashed a fuzz target runs through it", arguments: ["mime", "inbound", "cms"])
    func crashesStayFixed(target: String) throws {
        let entryPoint = try #require(FuzzEntryPoints.targets[target])
        for input in Self.inputs(target) {
            entryPoint([UInt8](try Data(contentsOf: input)))
        }
    }

    @Test("the MIME target's round-trip property holds on the whole bad-input corpus")
    func mimeTargetOnTheCorpus() throws {
        #expect(HostileCorpus.entries.count >= 200)
        for entry in HostileCorpus.entries {
            FuzzEntryPoints.mime(try HostileCorpus.bytes(entry))
        }
    }

    @Test("the CMS target takes DER it did not make and garbage")
    func cmsTargetOnDER() throws {
        let signed = try ExternalTool.run(
            "openssl", ["cms", "-sign", "-binary", "-signer", Repository.certs("demo-customer.pem"),
                        "-inkey", Repository.certs("demo-customer.key.pem"), "-outform", "DER"],
            input: Array("Content-Type: text/plain\r\n\r\nhej\r\n".utf8))
        #expect(signed.succeeded, "\(signed.standardError)")
        for input in [signed.standardOutput, Array(signed.standardOutput.prefix(100)), [0x30, 0x82, 0xff, 0xff], []] {
            FuzzEntryPoints.cms(input)
        }
    }
}
