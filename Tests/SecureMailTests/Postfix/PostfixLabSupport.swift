import Foundation
import Testing
@testable import SecureMail

/// A throw-away Postfix instance from `scripts/postfix-lab.sh`, set up as README.md documents,
/// on free loopback ports, with its state in a temporary folder that goes with the value.
final class PostfixLab {
    let mode: String
    let port: Int
    let reinjectPort: Int
    let filterPort: Int
    let folder: TemporaryFolder
    var state: String { folder.path("lab") }

    /// Whether this machine can run a Postfix lab: the tools, and root (Postfix's master starts
    /// as root). In CI a missing prerequisite is a failure; elsewhere a printed skip.
    static func prerequisitesMet(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        for tool in ["postfix", "postqueue", "swaks", "smtp-source", "openssl"] {
            guard ExternalTool.available(tool, sourceLocation: sourceLocation) else { return false }
        }
        guard getuid() == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("the Postfix lab must run as root; CI must not skip it", sourceLocation: sourceLocation)
            } else {
                print("SKIPPED: the Postfix lab needs root (Postfix's master starts as root)")
            }
            return false
        }
        return true
    }

    init(mode: String) throws {
        self.mode = mode
        folder = try TemporaryFolder("postfix-lab")
        port = try freePort()
        reinjectPort = try freePort()
        filterPort = try freePort()
        let start = try script(["start"])
        guard start.succeeded else {
            throw PeerFailure(description: "postfix-lab.sh start exited \(start.status): \(start.standardError)")
        }
    }

    deinit { _ = try? script(["destroy"]) }

    /// Runs the lab script with this lab's mode, ports and state folder.
    @discardableResult
    func script(_ verb: [String]) throws -> ToolRun {
        try ExternalTool.run(
            "/bin/bash",
            [Repository.root.appendingPathComponent("scripts/postfix-lab.sh").path, "--mode", mode,
             "--port", "\(port)", "--reinject-port", "\(reinjectPort)", "--filter-port", "\(filterPort)",
             "--relay", Relay.binary, "--state", state] + verb)
    }

    /// Messages in Postfix's queue, whatever their state.
    func queueCount() throws -> Int {
        Int(try script(["queue-count"]).outputText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Whether the queue holds exactly `count` messages within a few seconds. The queue manager moves
    /// deferred mail back to the active queue on every queue run, so one walk of the queue directories
    /// can miss a message in transit: look again until a walk sees them all.
    func queueHolds(_ count: Int) async throws -> Bool {
        try await eventually(within: 15) { try queueCount() == count }
    }

    /// Every message file delivered to any Maildir of the lab, by path.
    func deliveredFiles() -> [String] {
        let base = URL(fileURLWithPath: "\(state)/mail")
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }
            .filter { ["new", "cur"].contains($0.deletingLastPathComponent().lastPathComponent) }
            .map(\.path).sorted()
    }

    /// The message files in one Maildir, e.g. `("gjensidige.dk", "soeren.kjaergaard")`.
    func maildir(_ domain: String, _ user: String) -> [String] {
        deliveredFiles().filter { $0.hasPrefix("\(state)/mail/\(domain)/\(user)/") }
    }

    /// Sends one message to the lab's smtpd (its "port 25") with swaks.
    func send(from sender: String, to recipient: String, message: [UInt8]) throws -> ToolRun {
        try ExternalTool.run(
            "swaks", ["--server", "127.0.0.1:\(port)", "--from", sender, "--to", recipient, "--data", "-", "--silent", "2"],
            input: message)
    }

    /// Message-Id values of the messages delivered to one Maildir: how many distinct, how many files.
    func messageIdentifiers(_ domain: String, _ user: String) -> (distinct: Int, files: Int) {
        var seen = Set<String>()
        let files = maildir(domain, user)
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let line = text.split(separator: "\n").first { $0.lowercased().hasPrefix("message-id:") }
            if let line { seen.insert(String(line.dropFirst("message-id:".count)).trimmingCharacters(in: .whitespaces)) }
        }
        return (seen.count, files.count)
    }

    /// The last lines of the lab's mail log, for failure messages.
    var logTail: String {
        let log = (try? String(contentsOfFile: "\(state)/maillog", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(15).joined(separator: "\n")
    }
}

/// `securemail-relay serve` as Postfix's after-queue content filter, in a child process that a
/// test may kill and start again.
final class ContentFilterGateway {
    let configPath: String
    let smtpPort: Int
    let nextHopPort: Int
    let environment: [String: String]
    let logPath: String
    private(set) var process: ChildProcess?

    /// The gateway between a filter-mode lab's content filter and its re-injection listener,
    /// with the scenario's configuration and its log in the scenario's folder.
    convenience init(lab: PostfixLab, scenario: RelayScenario, environment: [String: String] = [:]) {
        self.init(
            configPath: scenario.configPath, smtpPort: lab.filterPort, nextHopPort: lab.reinjectPort,
            logPath: scenario.folder.path("serve.log"), environment: environment)
    }

    init(configPath: String, smtpPort: Int, nextHopPort: Int, logPath: String, environment: [String: String] = [:]) {
        self.configPath = configPath
        self.smtpPort = smtpPort
        self.nextHopPort = nextHopPort
        self.logPath = logPath
        self.environment = environment
    }

    deinit { stop(signal: SIGTERM) }

    /// Starts serve and waits (at most 30 s) until its SMTP port accepts connections.
    func start() async throws {
        let process = try ChildProcess(
            Relay.binary,
            ["serve", "--config", configPath, "--smtp", "127.0.0.1:\(smtpPort)", "--next-hop", "127.0.0.1:\(nextHopPort)",
             "--http", "127.0.0.1:\(try freePort())"],
            environment: environment, directory: Repository.root.path,
            standardOutput: .file(logPath, append: true), standardError: .standardOutput)
        self.process = process
        for _ in 0..<300 {
            if acceptsConnections(port: smtpPort) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw PeerFailure(description: "serve did not listen on 127.0.0.1:\(smtpPort): \(self.log)")
    }

    /// Ends the gateway with `signal` (SIGKILL: as a crash would) and reaps it.
    func stop(signal: Int32) {
        process?.stop(signal: signal)
        process = nil
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func acceptsConnections(port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// Polls `condition` every 250 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(250))
    }
    return try condition()
}

/// The staff mail of the outbound demo: a CPR number to a customer outside.
let staffMailWithCPR = Array("""
    From: Søren Kjærgaard <soeren.kjaergaard@gjensidige.dk>\r
    To: Kunde <kunde@example.dk>\r
    Subject: Deres skadesag\r
    Message-ID: <postfix-e2e-cpr@gjensidige.dk>\r
    MIME-Version: 1.0\r
    Content-Type: text/plain; charset=utf-8\r
    Content-Transfer-Encoding: 8bit\r
    \r
    Hej. Vi har registreret Deres CPR-nr. 010190-1009 på sagen.\r
    \r
    Venlig hilsen, Søren\r

    """.utf8)
