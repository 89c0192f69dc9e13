import Foundation
import Testing
@testable import SecureMail

@Suite("securemail-relay certs export")
struct CertsExportCommandTests {
    private func relay(_ arguments: [String]) throws -> ToolRun {
        try ExternalTool.run(Relay.binary, arguments, environment: ["SECUREMAIL_CONFIG": ""], directory: Repository.root)
    }

    @Test("each format on standard output is the renderer's bytes", arguments: PublishedFormat.allCases)
    func exportOne(format: PublishedFormat) throws {
        let publication = try PublishingFixtures.publication("sikkermail-arbejdsskade@gjensidige.dk")
        let run = try relay(["certs", "export", "sikkermail-arbejdsskade@gjensidige.dk", "--format", format.rawValue])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput == (try publication.render(format)))
    }

    @Test("--chain, --public-key-hash and --output")
    func exportOptions() throws {
        let folder = try TemporaryFolder("certs-export")
        let publication = try PublishingFixtures.publication()
        let chain = try relay(["certs", "export", "sikkermail@gjensidige.dk", "--format", "pem", "--chain", "--output", folder.path("c.pem")])
        #expect(chain.status == 0, "\(chain.standardError)")
        #expect(try folder.read("c.pem") == publication.render(.pem, options: .init(includeChain: true)))
        let smimea = try relay(["certs", "export", "sikkermail@gjensidige.dk", "--format", "smimea", "--public-key-hash"])
        #expect(smimea.outputText == String(decoding: try publication.render(.smimea, options: .init(smimeaKind: .publicKeySHA256)), as: UTF8.self))
    }

    @Test("an unknown address exits 67 (EX_NOUSER) with one line naming the configured mailboxes")
    func unknownAddress() throws {
        let run = try relay(["certs", "export", "nobody@gjensidige.dk", "--format", "pem"])
        #expect(run.status == 67)
        #expect(run.standardOutput.isEmpty)
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(run.standardError.contains("nobody@gjensidige.dk"))
        for mailbox in PublishingFixtures.mailboxes { #expect(run.standardError.contains(mailbox)) }
    }

    @Test("--all --output DIR writes every format for every mailbox, and no key")
    func exportAll() throws {
        let folder = try TemporaryFolder("certs-export")
        let output = folder.path("published")
        let run = try relay(["certs", "export", "--all", "--output", output])
        #expect(run.status == 0, "\(run.standardError)")
        let files = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(files.count == PublishingFixtures.mailboxes.count * PublishedVariant.all.count)
        let directory = try PublishingFixtures.directory()
        for publication in directory.publications {
            for variant in PublishedVariant.all {
                let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output).appendingPathComponent(variant.filename(for: publication.mailbox))))
                #expect(written == (try publication.render(variant.format, options: .init(includeChain: variant.includesChain))))
                #expect(!String(decoding: written, as: UTF8.self).contains("PRIVATE KEY"))
            }
        }
    }

    @Test("usage errors: --all with an address, a missing --format")
    func usageErrors() throws {
        #expect(try relay(["certs", "export", "--all", "sikkermail@gjensidige.dk", "--output", "/tmp/x"]).status == 64)
        #expect(try relay(["certs", "export", "sikkermail@gjensidige.dk"]).status == 64)
        #expect(try relay(["certs", "export", "sikkermail@gjensidige.dk", "--format", "jpeg"]).status == 64)
    }
}
