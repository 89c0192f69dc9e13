import Foundation
import Testing
@testable import SecureMail

@Suite struct ConfigurationTests {
    @Test func exampleConfigurationCarriesTheDemoOrganisation() throws {
        let configuration = try ConfigurationLoader.load(path: nil, environment: [:], currentDirectory: "/srv/checkout")
        #expect(configuration.mailboxes.map(\.address) == ["sikkermail@gjensidige.dk", "sikkermail-arbejdsskade@gjensidige.dk"])
        #expect(configuration.mailbox("SIKKERMAIL@gjensidige.dk")?.defaultDestination == "kundeservice@gjensidige.dk")
        #expect(configuration.mailbox("sikkermail-arbejdsskade@gjensidige.dk")?.defaultDestination == "arbejdsskade@gjensidige.dk")
        #expect(configuration.routing.departments.count == 8)
        #expect(configuration.routing.employees.map(\.name).contains("Anne Marie Holm"))
        #expect(configuration.trust.anchors == ["/srv/checkout/certs/demo-ca.pem"])
        #expect(configuration.gateway.databaseURL == "sqlite:/srv/checkout/.securemail-state/securemail.sqlite")
        #expect(configuration.mailboxes[0].identities.count == 2)
        #expect(configuration.mailboxes[0].unverified == .deliverMarked)
        #expect(configuration.isInternal("Anne.Holm@Gjensidige.DK"))
        #expect(!configuration.isInternal("kunde@example.dk"))
    }

    @Test func exampleRoutingTableIsExactlyTheDesignOrganisation() throws {
        let table = try ConfigurationLoader.load(path: nil, environment: [:]).routingTable
        #expect(Set(table.targets) == Set(demoRoutingTable.targets))
        #expect(table.targets.count == demoRoutingTable.targets.count)
        #expect(table.mailboxes == demoRoutingTable.mailboxes)
        #expect(table.problems().isEmpty)
    }

    @Test func environmentOverridesTheDatabase() throws {
        let configuration = try ConfigurationLoader.load(
            path: nil, environment: ["SECUREMAIL_DATABASE_URL": "postgres://sm@127.0.0.1:5432/sm"], currentDirectory: "/x")
        #expect(configuration.gateway.databaseURL == "postgres://sm@127.0.0.1:5432/sm")
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(path: nil, environment: ["SECUREMAIL_DATABASE_URL": "mysql://x"], currentDirectory: "/x")
        }
    }

    @Test func relativePathsResolveAgainstTheFilesFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("securemail-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("gateway.toml")
        try ExampleConfiguration.toml.write(to: file, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.load(path: file.path, environment: [:], currentDirectory: "/elsewhere")
        #expect(configuration.trust.anchors == [folder.path + "/certs/demo-ca.pem"])
        let viaEnvironment = try ConfigurationLoader.load(path: nil, environment: ["SECUREMAIL_CONFIG": file.path], currentDirectory: "/")
        #expect(viaEnvironment == configuration)
    }

    @Test(arguments: [
        ("[gateway]\nquarantine_certificate = \"q.pem\"\nquarantine_key = \"q.key\"\nnmae = \"typo\"\n[trust]\nanchors = [\"a.pem\"]\n", "gateway.nmae"),
        ("[gateway]\nquarantine_certificate = \"q.pem\"\nquarantine_key = \"q.key\"\n[trust]\nanchors = []\n", "trust.anchors"),
        ("[gateway]\nquarantine_certificate = \"q.pem\"\nquarantine_key = \"q.key\"\n[trust]\nanchors = [\"a.pem\"]\n", "mailboxes"),
        ("[trust]\nanchors = [\"a.pem\"]\n", "gateway"),
        ("[gateway\n", ""),
    ])
    func badConfigurationsNameTheKey(text: String, key: String) {
        do {
            _ = try ConfigurationLoader.parse(text, source: "test.toml", baseDirectory: "/")
            Issue.record("expected an error for \(key)")
        } catch let error as ConfigurationError {
            #expect(error.key == key)
            #expect(error.description.hasPrefix("test.toml"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func badPolicyValuesAreRefusedWithTheAllowedValues() {
        let text = ExampleConfiguration.toml.replacingOccurrences(of: "action = \"encrypt\"  ", with: "action = \"encrpyt\"  ")
        #expect(text != ExampleConfiguration.toml)
        do {
            _ = try ConfigurationLoader.parse(text, source: "x.toml", baseDirectory: "/")
            Issue.record("a misspelt action must be refused")
        } catch let error as ConfigurationError {
            #expect(error.key == "outbound.rules[0].action")
            #expect(error.problem.contains("encrypt-or-tls"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingFileSaysWhatToCheck() {
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: "/nonexistent/securemail.toml") }
    }

    /// One `@` with a local part before it and a dot after it, no white space anywhere (Unicode's
    /// too); letters outside ASCII are allowed.
    @Test func addressesAreCheckedForTheirShape() {
        for good in ["a@b.dk", "anne.holm@gjensidige.dk", "søren@kjærgaard.dk", "a@b.c.d"] {
            #expect(ConfigurationValidator.isAddress(good), "\(good)")
        }
        for bad in ["", "a@b", "@b.dk", "a@@b.dk", "a@b@c.dk", "a.b@c", "a b@c.dk", "a@b.dk ", "a@b.dk\u{00A0}", "a@b.dk\u{2003}", "a\t@b.dk", "ab.dk"] {
            #expect(!ConfigurationValidator.isAddress(bad), "\(bad)")
        }
    }

    @Test func hostPortParsing() {
        #expect(HostPort("127.0.0.1:10025") == HostPort("127.0.0.1:10025"))
        #expect(HostPort("[::1]:25")?.host == "::1")
        #expect(HostPort("[::1]:25")?.description == "[::1]:25")
        #expect(HostPort("localhost") == nil)
        #expect(HostPort("host:70000") == nil)
    }
}
