import Foundation
import Testing
@testable import SecureMail

/// SecureMail beside a real Postfix (scripts/postfix-lab.sh, the README's settings), delivering to
/// Maildirs: both modes, and no mail lost when the gateway crashes, the next hop or the store is down.
@Suite("Postfix: end to end through a real Postfix", .serialized)
struct PostfixEndToEndTests {
    @Test("content filter: the customer's message arrives decrypted and verified, the staff CPR mail leaves encrypted")
    func contentFilterDeliversBothDirections() async throws {
        guard PostfixLab.prerequisitesMet() else { return }
        let lab = try PostfixLab(mode: "filter")
        let scenario = try RelayScenario()
        #expect(try scenario.relay(["certs", "import", Repository.certs("demo-customer.pem")]).status == 0)
        let gateway = ContentFilterGateway(lab: lab, scenario: scenario)
        try await gateway.start()
        try await sendAndCheckBothDirections(lab)
        gateway.stop(signal: SIGTERM)
    }

    @Test("pipe mode: the same two messages, through pipe(8) and sendmail re-injection as the user securemail")
    func pipeModeDeliversBothDirections() async throws {
        guard PostfixLab.prerequisitesMet() else { return }
        let lab = try PostfixLab(mode: "pipe")
        let imported = try lab.script(["relay", "certs", "import", "\(lab.state)/securemail/certs/demo-customer.pem"])
        #expect(imported.status == 0, "\(imported.standardError)")
        try await sendAndCheckBothDirections(lab)
    }

    @Test("no loss: 200 messages while the gateway is killed with SIGKILL and restarted")
    func gatewayKilledMidRunLosesNothing() async throws {
        guard PostfixLab.prerequisitesMet() else { return }
        let lab = try PostfixLab(mode: "filter")
        let scenario = try RelayScenario()
        let gateway = ContentFilterGateway(lab: lab, scenario: scenario)
        try await gateway.start()
        let total = 200
        let source = try startSMTPSource(lab, messages: total, sessions: 5, recipient: "crash@example.dk")
        let flowing = try await eventually(within: 60) { lab.maildir("example.dk", "catch-all").count >= 30 }
        #expect(flowing, "mail did not flow through the gateway: \(lab.logTail)\n\(gateway.log)")
        gateway.stop(signal: SIGKILL)
        let atKill = lab.maildir("example.dk", "catch-all").count
        try await Task.sleep(for: .seconds(1))
        try await gateway.start()
        #expect(source.wait(seconds: 120) == .exited(0), "smtp-source did not finish")
        let settled = try await eventually(within: 90) {
            try lab.queueCount() == 0 && lab.messageIdentifiers("example.dk", "catch-all").distinct == total
        }
        let counted = lab.messageIdentifiers("example.dk", "catch-all")
        let queued = try lab.queueCount()
        print("POSTFIX-NO-LOSS gateway SIGKILL: sent \(total), delivered before the kill \(atKill), delivered distinct \(counted.distinct), files \(counted.files), duplicates \(counted.files - counted.distinct), still queued \(queued), lost \(total - counted.distinct - queued)")
        #expect(settled, "\(lab.logTail)")
        #expect(counted.distinct + queued >= total, "lost mail")
        #expect(counted.distinct == total && queued == 0)
        // A duplicate is possible only for messages in flight at the kill (accepted by the next hop,
        // 250 not yet given): never more than the filter's concurrency.
        #expect(counted.files - counted.distinct <= 10)
    }

    @Test("no loss: with the next hop down mail stays queued, and flows once it is back")
    func nextHopDownKeepsMailQueued() async throws {
        guard PostfixLab.prerequisitesMet() else { return }
        let lab = try PostfixLab(mode: "filter")
        let scenario = try RelayScenario()
        let gateway = ContentFilterGateway(lab: lab, scenario: scenario)
        try await gateway.start()
        #expect(try lab.script(["next-hop-down"]).status == 0)
        let total = 20
        let source = try startSMTPSource(lab, messages: total, sessions: 2, recipient: "nexthop@example.dk")
        #expect(source.wait(seconds: 120) == .exited(0), "smtp-source did not finish")
        let deferred = try await eventually(within: 30) {
            (try? String(contentsOfFile: "\(lab.state)/maillog", encoding: .utf8))?.contains("status=deferred") == true
        }
        #expect(deferred, "\(lab.logTail)")
        let allQueued = try await lab.queueHolds(total)
        #expect(allQueued, "queued \((try? lab.queueCount()) ?? -1) of \(total)\n\(lab.logTail)")
        #expect(lab.deliveredFiles().isEmpty)
        #expect(try lab.script(["next-hop-up"]).status == 0)
        // Deferred mail waits out Postfix's backoff; flush on every look, as an operator would.
        let delivered = try await eventually(within: 90) {
            let done = try lab.queueCount() == 0 && lab.messageIdentifiers("example.dk", "catch-all").distinct == total
            if !done { _ = try? lab.script(["flush"]) }
            return done
        }
        let counted = lab.messageIdentifiers("example.dk", "catch-all")
        print("POSTFIX-NO-LOSS next hop down: sent \(total), delivered distinct \(counted.distinct), files \(counted.files), still queued \(try lab.queueCount())")
        #expect(delivered, "\(lab.logTail)\n\(gateway.log)")
        #expect(counted.files == total)
    }

    @Test("no loss: with the store (PostgreSQL) down mail is deferred, and delivered after recovery")
    func storeDownDefersMail() async throws {
        guard PostfixLab.prerequisitesMet(), ScriptedPostgres.installed() else { return }
        let lab = try PostfixLab(mode: "filter")
        let scenario = try RelayScenario()
        let postgres = ScriptedPostgres(port: try freePort(), stateDirectory: scenario.folder.path("pg"))
        defer { postgres.run("destroy") }
        #expect(postgres.run("start").status == 0)
        let url = postgres.run("url").outputText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(url.hasPrefix("postgres://"), "scripts/postgres.sh start: \(url)")
        let gateway = ContentFilterGateway(lab: lab, scenario: scenario, environment: ["SECUREMAIL_DATABASE_URL": url])
        try await gateway.start()
        #expect(postgres.run("stop").status == 0)
        let total = 10
        let source = try startSMTPSource(lab, messages: total, sessions: 2, recipient: "store@example.dk")
        #expect(source.wait(seconds: 120) == .exited(0), "smtp-source did not finish")
        let deferred = try await eventually(within: 30) {
            (try? String(contentsOfFile: "\(lab.state)/maillog", encoding: .utf8))?.contains("status=deferred") == true
        }
        #expect(deferred, "\(lab.logTail)")
        #expect(lab.deliveredFiles().isEmpty)
        let allQueued = try await lab.queueHolds(total)
        #expect(allQueued, "queued \((try? lab.queueCount()) ?? -1) of \(total)\n\(lab.logTail)")
        #expect(postgres.run("start").status == 0)
        try lab.script(["flush"])
        let delivered = try await eventually(within: 60) {
            try lab.queueCount() == 0 && lab.messageIdentifiers("example.dk", "catch-all").distinct == total
        }
        let counted = lab.messageIdentifiers("example.dk", "catch-all")
        print("POSTFIX-NO-LOSS store down: sent \(total), delivered distinct \(counted.distinct), files \(counted.files), still queued \(try lab.queueCount())")
        #expect(delivered, "\(lab.logTail)\n\(gateway.log)")
        #expect(counted.files == total)
    }

    // MARK: - The two demo messages

    private func sendAndCheckBothDirections(_ lab: PostfixLab) async throws {
        let inbound = try lab.send(
            from: "kunde@example.dk", to: "sikkermail@gjensidige.dk", message: try Repository.file("Examples/demo-inbound.eml"))
        #expect(inbound.status == 0, "\(inbound.standardError)")
        let outbound = try lab.send(from: "soeren.kjaergaard@gjensidige.dk", to: "kunde@example.dk", message: staffMailWithCPR)
        #expect(outbound.status == 0, "\(outbound.standardError)")
        let arrived = try await eventually(within: 60) {
            lab.maildir("gjensidige.dk", "soeren.kjaergaard").count == 1 && lab.maildir("example.dk", "kunde").count == 1
        }
        #expect(arrived, "\(lab.logTail)")
        guard arrived else { return }
        #expect(lab.deliveredFiles().count == 2, "delivered elsewhere too: \(lab.deliveredFiles())")

        let decrypted = String(decoding: try Data(contentsOf: URL(fileURLWithPath: lab.maildir("gjensidige.dk", "soeren.kjaergaard")[0])), as: UTF8.self)
        #expect(decrypted.contains("X-SecureMail-Verdict: verified"))
        #expect(decrypted.contains("Vedhæftet er billeder"))
        let subject = decrypted.split(separator: "\n").first { $0.hasPrefix("Subject:") }.map(String.init) ?? ""
        #expect(subject.contains("carport"), "Subject: \(subject)")

        let encryptedPath = lab.maildir("example.dk", "kunde")[0]
        let encrypted = String(decoding: try Data(contentsOf: URL(fileURLWithPath: encryptedPath)), as: UTF8.self)
        #expect(encrypted.lowercased().contains("content-type: application/pkcs7-mime"))
        #expect(!encrypted.contains("010190-1009"))
        let opened = try ExternalTool.run(
            "openssl", ["cms", "-decrypt", "-in", encryptedPath, "-inkey", Repository.certs("demo-customer.key.pem"),
                        "-recip", Repository.certs("demo-customer.pem")])
        #expect(opened.status == 0, "\(opened.standardError)")
        #expect(opened.outputText.contains("010190-1009"))
    }

    private func startSMTPSource(_ lab: PostfixLab, messages: Int, sessions: Int, recipient: String) throws -> ChildProcess {
        try ChildProcess(ExternalTool.locate("smtp-source") ?? "/usr/sbin/smtp-source", [
            "-m", "\(messages)", "-s", "\(sessions)", "-f", "soeren.kjaergaard@gjensidige.dk", "-t", recipient,
            "127.0.0.1:\(lab.port)",
        ])
    }
}

/// A throw-away PostgreSQL cluster of scripts/postgres.sh on its own port and folder.
struct ScriptedPostgres {
    let port: Int
    let stateDirectory: String

    /// Whether PostgreSQL 15's server programs are installed (a failure in CI, a printed skip elsewhere).
    static func installed(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/15/bin/pg_ctl") { return true }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("PostgreSQL 15 is not installed: scripts/test.sh installs it", sourceLocation: sourceLocation)
        } else {
            print("SKIPPED: PostgreSQL 15 is not installed (run scripts/test.sh)")
        }
        return false
    }

    /// Runs scripts/postgres.sh with this cluster's port and folder.
    @discardableResult
    func run(_ verb: String) -> ToolRun {
        let script = Repository.root.appendingPathComponent("scripts/postgres.sh").path
        return (try? ExternalTool.run("/bin/bash", [script, verb, "--port", "\(port)", "--state-dir", stateDirectory]))
            ?? ToolRun(status: -1, standardOutput: [], standardError: "could not run scripts/postgres.sh")
    }
}
