import Foundation
import Testing
@testable import SecureMail

/// The bad-input corpus in Fixtures/hostile (made by its generate.py) and its manifest.
struct HostileCorpus: Sendable {
    struct Entry: Decodable, Sendable, CustomTestStringConvertible {
        var file: String
        var category: String
        var description: String
        /// The verdict the generator expects; `accept` lists every verdict that is right
        /// (more than one only where the outcome depends on random ciphertext).
        var verdict: String
        var accept: [String]
        /// What inbound `process` does with it, when it does not depend on random ciphertext.
        var action: String?
        var processExit: Int32
        /// Part of the sample that also runs through the real binary.
        var cli: Bool

        var testDescription: String { file }
    }

    private struct Manifest: Decodable {
        var certificates: [String: String]
        var messages: [Entry]
    }

    static let folder = Repository.fixtures.appendingPathComponent("hostile")

    /// The manifest entries; empty when it cannot be read (the tests then fail on the count).
    static let entries: [Entry] = (try? load().messages) ?? []

    private static func load() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    }

    static func bytes(_ entry: Entry) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent("messages").appendingPathComponent(entry.file)))
    }

    /// The certificates the corpus was made with, by SHA-256 of their PEM files, against those in certs/.
    static func certificateMismatches() throws -> [String] {
        try load().certificates.compactMap { name, expected in
            let pem = try Data(contentsOf: URL(fileURLWithPath: Repository.certs("\(name).pem")))
            let actual = try Digest.sha256([UInt8](pem)).map { String(format: "%02x", $0) }.joined()
            return actual == expected ? nil : name
        }
    }
}

@Suite struct HostileCorpusTests {
    /// The inbound mailbox every corpus message is addressed to.
    static let mailbox = "sikkermail@gjensidige.dk"

    @Test func theCorpusIsLargeCoversEveryClassAndMatchesTheDemoCertificates() throws {
        #expect(HostileCorpus.entries.count >= 200)
        let categories = Set(HostileCorpus.entries.map(\.category))
        for expected in ["cms-garbage", "content-type", "boundaries", "nesting", "headers", "header-bytes", "transfer-encoding", "charsets",
                         "encoded-words", "empty", "spoofing", "efail"] {
            #expect(categories.contains(expected), "no corpus messages for \(expected)")
        }
        #expect(HostileCorpus.entries.filter(\.cli).count >= 20)
        #expect(!HostileCorpus.entries.contains { $0.accept.contains("verified") && $0.category == "spoofing" })
        let mismatched = try HostileCorpus.certificateMismatches()
        #expect(mismatched.isEmpty, "certs/ changed since the corpus was made (\(mismatched)): run Tests/SecureMailTests/Fixtures/hostile/generate.py")
    }

    /// Every message through the in-process Inspector and InboundPlanner: the expected verdict,
    /// never a crash, and a generous bound on the time each takes (a guard against
    /// super-linear parsing, not a performance measurement).
    @Test(arguments: HostileCorpus.entries)
    func inspectorGivesTheExpectedVerdict(_ entry: HostileCorpus.Entry) throws {
        let bytes = try HostileCorpus.bytes(entry)
        let inspector = try PipelineFixtures.inspector()
        let clock = ContinuousClock()
        let started = clock.now
        let inspection = try inspector.inspect(bytes, sender: "kunde@example.dk", recipients: [Self.mailbox])
        var mailbox = try #require(try PipelineFixtures.configuration.mailbox(Self.mailbox))
        mailbox.unverified = .deliverMarked
        let route = inspection.report.route ?? SubjectRouter(table: inspector.configuration.routingTable).route(subject: nil, mailbox: Self.mailbox)
        let plan = InboundPlanner.plan(inspection, mailbox: mailbox, route: route)
        let elapsed = clock.now - started
        let verdict = inspection.report.verdict.rawValue
        #expect(entry.accept.contains(verdict), "\(entry.file) (\(entry.description)): \(verdict), reasons \(inspection.report.reasons)")
        if let action = entry.action {
            #expect(plan.action.rawValue == action, "\(entry.file): \(plan.action)")
        }
        if let delivered = plan.message {
            let header = try MIMEParser.parse(delivered, limits: inspector.mimeLimits).header
            #expect(header.all("X-SecureMail-Verdict").map(\.value) == [verdict], "\(entry.file): one verdict header, ours")
        }
        // A hang detector, not a speed test (BENCHMARKS.md has the speed): the suite runs under
        // AddressSanitizer on two shared cores, where the slowest message has taken 2.6 s
        // against 0.1 s in a release build.
        #expect(elapsed < .seconds(30), "\(entry.file) took \(elapsed)")
    }
}

/// A sample of the corpus through the real `securemail-relay` binary.
@Suite struct HostileCorpusBinaryTests {
    static let sample = HostileCorpus.entries.filter(\.cli)

    @Test(arguments: sample)
    func inspectAndProcessExitAsExpected(_ entry: HostileCorpus.Entry) throws {
        let scenario = try RelayScenario()
        let path = HostileCorpus.folder.appendingPathComponent("messages").appendingPathComponent(entry.file).path
        let inspect = try scenario.relay(["inspect", path, "--json"])
        #expect(inspect.status == 0, "\(entry.file): inspect exited \(inspect.status): \(inspect.standardError)")
        let report = try Relay.json(inspect)
        #expect(entry.accept.contains(report["verdict"] as? String ?? "-"), "\(entry.file): \(report["verdict"] ?? "none")")

        let output = scenario.folder.path("out.eml")
        let reportPath = scenario.folder.path("report.json")
        let process = try scenario.relay(
            ["process", "--direction", "inbound", "--sender", "kunde@example.dk", "--recipient", HostileCorpusTests.mailbox,
             "--output", output, "--report", reportPath],
            input: try HostileCorpus.bytes(entry))
        #expect(process.status == entry.processExit, "\(entry.file): process exited \(process.status): \(process.standardError)")
        let processed = try JSONSerialization.jsonObject(with: Data(try scenario.folder.read("report.json"))) as? [String: Any]
        #expect(entry.accept.contains(processed?["verdict"] as? String ?? "-"))
        if let action = entry.action {
            #expect(processed?["action"] as? String == action, "\(entry.file): \(processed?["action"] ?? "none")")
        }
        let delivered = (try? scenario.folder.read("out.eml")) ?? []
        #expect((entry.action == "deliver") == !delivered.isEmpty, "\(entry.file): delivered \(delivered.count) bytes")
    }
}
