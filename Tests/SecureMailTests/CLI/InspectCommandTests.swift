import Foundation
import Testing
@testable import SecureMail

/// Runs the real `securemail-relay` binary, as operators and scripts do.
enum Relay {
    /// The program built beside the test bundle (whatever the build folder), else .build/debug's.
    static var binary: String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("securemail-relay").path
        if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
        return Repository.root.appendingPathComponent(".build/debug/securemail-relay").path
    }

    static func run(_ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:]) throws -> ToolRun {
        try ExternalTool.run(binary, arguments, input: input, environment: environment, directory: Repository.root)
    }

    static func json(_ run: ToolRun) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(run.standardOutput)) as? [String: Any] else {
            throw PeerFailure(description: "not a JSON object: \(run.outputText)")
        }
        return object
    }
}

@Suite struct InspectCommandTests {
    @Test func demoMessageIsVerifiedWithTheBuiltInConfiguration() throws {
        let run = try Relay.run(["inspect", "Examples/demo-inbound.eml", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try Relay.json(run)
        #expect(report["verdict"] as? String == "verified")
        #expect(report["signature"] as? String == "valid")
        #expect(report["signer"] as? String == "kunde@example.dk")
        #expect(report["signerMatchesFrom"] as? Bool == true)
        #expect(report["encrypted"] as? Bool == true)
        #expect(report["decrypted"] as? Bool == true)
        #expect(report["signed"] as? Bool == true)
        #expect(report["direction"] as? String == "inbound")
        #expect(report["subject"] as? String == "Til Søren Kjærgaard: skade på carport")
        #expect(report["messageId"] as? String == "<demo-inbound-1@example.dk>")
        let layers = try #require(report["layers"] as? [[String: Any]])
        #expect(layers.map { $0["type"] as? String } == ["enveloped", "signed"])
        #expect(layers.first?["algorithm"] as? String == "aes-256-cbc")
        #expect(report["reasons"] as? [String] == [])
    }

    @Test func evaluationTimeAfterExpiryGivesExpired() throws {
        let report = try Relay.json(try Relay.run(["inspect", "Examples/demo-inbound.eml", "--json", "--at", "2045-01-01T00:00:00Z"]))
        #expect(report["signature"] as? String == "expired")
        #expect(report["verdict"] as? String == "not-verified")
    }

    @Test func lampsSampleWithKeyPasswordFileAndExtraTrust() throws {
        let folder = try TemporaryFolder("inspect")
        let key = try folder.write("bob.p12", Repository.fixture("lamps-smime/bob.p12"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        let password = try folder.write("password", Array("bob\n".utf8))
        let sample = Repository.fixtures.appendingPathComponent("lamps-smime/smime-sign+enc.eml").path
        let run = try Relay.run([
            "inspect", sample, "--key", key, "--password-file", password,
            "--trust", Repository.fixtures.appendingPathComponent("lamps-smime/sample-ca.pem").path, "--json",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try Relay.json(run)
        #expect(report["verdict"] as? String == "verified")
        #expect(report["subject"] as? String == "BarCorp contract signed, let's go!")
        #expect(report["signer"] as? String == "alice@smime.example")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let refused = try Relay.run(["inspect", sample, "--key", key, "--password-file", password, "--json"])
        #expect(refused.status == 78)
        #expect(refused.standardError.contains("chmod 600"))
    }

    @Test(arguments: [
        [UInt8](), Array("garbage without header".utf8), [0, 1, 2, 255, 254],
        Array("Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIB////\r\n".utf8),
    ])
    func badInputGivesAReportNeverACrash(input: [UInt8]) throws {
        let run = try Relay.run(["inspect", "-", "--json"], input: input)
        #expect(run.status == 0, "\(run.standardError)")
        let verdict = try Relay.json(run)["verdict"] as? String
        #expect(verdict == "plain" || verdict == "malformed")
    }

    @Test func unreadableFileAndBadOptionsAreOperatorErrors() throws {
        let missing = try Relay.run(["inspect", "/nonexistent/message.eml"])
        #expect(missing.status == 66)
        #expect(missing.standardError.contains("cannot read /nonexistent/message.eml"))
        let badTime = try Relay.run(["inspect", "Examples/demo-inbound.eml", "--at", "yesterday"])
        #expect(badTime.status == 64)
        let badConfig = try Relay.run(["inspect", "Examples/demo-inbound.eml"], environment: ["SECUREMAIL_CONFIG": "/nonexistent.toml"])
        #expect(badConfig.status == 78)
    }

    @Test func humanReadableReport() throws {
        let run = try Relay.run(["inspect", "Examples/demo-inbound.eml"])
        #expect(run.outputText.contains("Verdict:    verified"))
        #expect(run.outputText.contains("Subject:    Til Søren Kjærgaard: skade på carport"))
    }
}
