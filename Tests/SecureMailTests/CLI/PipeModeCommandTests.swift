import Foundation
import Testing
@testable import SecureMail

/// A configuration file for the relay binary: the example, with absolute DEMO paths, a SQLite
/// database in a temporary folder and a sendmail stand-in that records what it is given.
struct RelayScenario {
    let folder: TemporaryFolder
    let configPath: String
    let sendmailLog: String

    init(name: String = "securemail-demo") throws {
        folder = try TemporaryFolder("relay")
        sendmailLog = folder.path("sendmail.log")
        let sendmail = try folder.write("sendmail", Array("#!/bin/sh\necho \"ARGS $*\" >> '\(sendmailLog)'\ncat >> '\(sendmailLog)'\nexit 0\n".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail)
        var toml = ExampleConfiguration.toml
            .replacingOccurrences(of: "\"certs/", with: "\"\(Repository.root.path)/certs/")
            .replacingOccurrences(of: "sendmail_path = \"/usr/sbin/sendmail\"", with: "sendmail_path = \"\(sendmail)\"")
        toml = toml.replacingOccurrences(of: "state_directory = \".securemail-state\"", with: "state_directory = \"\(folder.path("state"))\"")
            .replacingOccurrences(of: "name = \"securemail-demo\"", with: "name = \"\(name)\"")
        configPath = try folder.write("securemail.toml", Array(toml.utf8))
    }

    func relay(_ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:]) throws -> ToolRun {
        try Relay.run(arguments + ["--config", configPath], input: input, environment: environment)
    }

    var sendmailTranscript: String { (try? String(contentsOfFile: sendmailLog, encoding: .utf8)) ?? "" }
}

@Suite struct PipeModeCommandTests {
    @Test func inboundPipeModeWritesTheDecryptedMessageAndTheReport() throws {
        let scenario = try RelayScenario()
        let run = try scenario.relay(
            ["process", "--direction", "inbound", "--sender", "kunde@example.dk", "--recipient", "sikkermail@gjensidige.dk",
             "--output", scenario.folder.path("out.eml"), "--report", scenario.folder.path("report.json")],
            input: try Repository.file("Examples/demo-inbound.eml"))
        #expect(run.status == 0, "\(run.standardError)")
        let output = String(decoding: try scenario.folder.read("out.eml"), as: UTF8.self)
        #expect(output.hasPrefix("X-SecureMail-Envelope: from=<kunde@example.dk> to=<soeren.kjaergaard@gjensidige.dk>"))
        #expect(output.contains("X-SecureMail-Verdict: verified"))
        #expect(output.contains("Vedhæftet er billeder"))
        let report = try JSONSerialization.jsonObject(with: Data(try scenario.folder.read("report.json"))) as? [String: Any]
        #expect(report?["verdict"] as? String == "verified")
        #expect(report?["action"] as? String == "deliver")
        #expect((report?["route"] as? [String: Any])?["to"] as? [String] == ["soeren.kjaergaard@gjensidige.dk"])
    }

    @Test func pipeModeReinjectsThroughSendmailAndAuditsOnce() throws {
        let scenario = try RelayScenario()
        let run = try scenario.relay(
            ["process", "--sender", "kunde@example.dk", "--recipient", "sikkermail@gjensidige.dk"],
            input: try Repository.file("Examples/demo-inbound.eml"))
        #expect(run.status == 0, "\(run.standardError)")
        #expect(scenario.sendmailTranscript.contains("ARGS -G -i -f kunde@example.dk -- soeren.kjaergaard@gjensidige.dk"))
        let audit = try scenario.relay(["audit", "list", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(audit.standardOutput)) as? [[String: Any]]
        #expect(rows?.count == 1)
        #expect(rows?.first?["verdict"] as? String == "verified")
    }

    @Test func anUnreachableDatabaseIsATemporaryFailure() throws {
        let scenario = try RelayScenario()
        let run = try scenario.relay(
            ["process", "--sender", "kunde@example.dk", "--recipient", "sikkermail@gjensidige.dk"],
            input: try Repository.file("Examples/demo-inbound.eml"),
            environment: ["SECUREMAIL_DATABASE_URL": "postgres://securemail@127.0.0.1:9/securemail"])
        #expect(run.status == 75, "\(run.standardError)")
        #expect(run.standardError.split(separator: "\n").count == 1)
        #expect(scenario.sendmailTranscript.isEmpty)
    }

    /// A command's own exit status (the data error of a bad `--direction`) is the process's, with
    /// its one line and no usage text; a command line the parser rejects gets the usage and 64.
    @Test func commandsAndTheParserEachSetTheExitStatus() throws {
        let scenario = try RelayScenario()
        let badDirection = try scenario.relay(
            ["process", "--direction", "sideways", "--sender", "kunde@example.dk", "--recipient", "sikkermail@gjensidige.dk"],
            input: try Repository.file("Examples/demo-inbound.eml"))
        #expect(badDirection.status == 65)
        #expect(badDirection.standardError == "securemail-relay: --direction must be auto, inbound or outbound\n")
        let noRecipient = try scenario.relay(["process", "--sender", "kunde@example.dk"])
        #expect(noRecipient.status == 64)
        #expect(noRecipient.standardError.contains("Usage: securemail-relay process"))
        #expect(scenario.sendmailTranscript.isEmpty)
    }

    /// `process` reads the key of the mailbox a message is for. A broken key of another mailbox
    /// does not hold up that mail; mail that needs the broken key waits with the MTA (75), and
    /// is neither quarantined nor delivered as undecryptable. `check-config` names the key.
    @Test func aBrokenKeyHoldsUpOnlyTheMailThatNeedsIt() throws {
        let scenario = try RelayScenario()
        let configuration = try String(contentsOfFile: scenario.configPath, encoding: .utf8)
            .replacingOccurrences(of: "certs/sikkermail-arbejdsskade.key.pem", with: "certs/missing-DEMO.key.pem")
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: scenario.configPath))

        let unaffected = try scenario.relay(
            ["process", "--sender", "kunde@example.dk", "--recipient", "sikkermail@gjensidige.dk"],
            input: try Repository.file("Examples/demo-inbound.eml"))
        #expect(unaffected.status == 0, "\(unaffected.standardError)")
        #expect(scenario.sendmailTranscript.contains("-- soeren.kjaergaard@gjensidige.dk"))

        let waiting = [
            try PipelineFixtures.customerMessage(
                subject: "Arbejdsskade", to: "sikkermail-arbejdsskade@gjensidige.dk", recipientCertificate: "sikkermail-arbejdsskade"),
            // Addressed to the working mailbox but encrypted to the other one's certificate.
            try PipelineFixtures.customerMessage(subject: "Skade", recipientCertificate: "sikkermail-arbejdsskade"),
        ]
        for (message, recipient) in zip(waiting, ["sikkermail-arbejdsskade@gjensidige.dk", "sikkermail@gjensidige.dk"]) {
            let run = try scenario.relay(["process", "--sender", "kunde@example.dk", "--recipient", recipient], input: message)
            #expect(run.status == 75, "\(run.standardError)")
            #expect(run.standardError.contains("missing-DEMO.key.pem"), "\(run.standardError)")
        }
        let quarantined = try scenario.relay(["quarantine", "list", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(quarantined.standardOutput)) as? [Any])?.isEmpty == true)
        let audit = try scenario.relay(["audit", "list", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(audit.standardOutput)) as? [Any])?.count == 1, "only the delivered message")

        let inspected = try scenario.relay(["inspect", "-", "--json"], input: waiting[0])
        #expect(inspected.status == 78, "\(inspected.standardError)")
        let checked = try scenario.relay(["check-config"])
        #expect(checked.status != 0)
        #expect(checked.standardError.contains("missing-DEMO.key.pem"), "\(checked.standardError)")
    }

    @Test func outboundMailHeldForWantOfACertificateCanBeImportedForAndReleased() throws {
        let scenario = try RelayScenario()
        let message = OutboundEndToEndTests.staffMail(to: ["kunde@example.dk"], body: OutboundEndToEndTests.cprMail)
        let held = try scenario.relay(
            ["process", "--sender", OutboundEndToEndTests.staff, "--recipient", "kunde@example.dk", "--report", "-"], input: message)
        #expect(held.status == 0, "\(held.standardError)")
        #expect(held.outputText.contains("010190-XXXX"))
        #expect(!held.outputText.contains("010190-1009"))
        #expect(scenario.sendmailTranscript.contains("-- \(OutboundEndToEndTests.staff)"), "the notice goes to the sender")
        #expect(!scenario.sendmailTranscript.contains("-- kunde@example.dk"))

        let list = try scenario.relay(["quarantine", "list", "--json"])
        let entries = try JSONSerialization.jsonObject(with: Data(list.standardOutput)) as? [[String: Any]]
        let id = try #require(entries?.first?["id"] as? String)
        let shown = try scenario.relay(["quarantine", "show", id, "--message"])
        #expect(shown.outputText.contains("010190-1009"), "the quarantine key opens the sealed message")

        let imported = try scenario.relay(["certs", "import", Repository.certs("demo-customer.pem")])
        #expect(imported.status == 0, "\(imported.standardError)")
        let certificates = try scenario.relay(["certs", "list"])
        #expect(certificates.outputText.contains("kunde@example.dk"))
        #expect(certificates.outputText.contains("imported"))

        let again = try scenario.relay(["process", "--sender", OutboundEndToEndTests.staff, "--recipient", "kunde@example.dk"], input: message)
        #expect(again.status == 0)
        #expect(scenario.sendmailTranscript.contains("-- kunde@example.dk"))
        #expect(scenario.sendmailTranscript.contains("application/pkcs7-mime"))

        let released = try scenario.relay(["quarantine", "release", id, "--to", "dpo@gjensidige.dk"])
        #expect(released.status == 0, "\(released.standardError)")
        #expect(scenario.sendmailTranscript.contains("-- dpo@gjensidige.dk"))
        let after = try scenario.relay(["quarantine", "show", id, "--json"])
        #expect(after.outputText.contains("\"released\""))
    }
}
