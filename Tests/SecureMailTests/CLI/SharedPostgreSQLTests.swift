import Foundation
import Testing
@testable import SecureMail

/// Two relay processes on one PostgreSQL database, as several gateways beside one mail cluster.
@Suite struct SharedPostgreSQLTests {
    @Test func twoRelaysShareCertificatesQuarantineAndAudit() throws {
        guard let baseURL = ProcessInfo.processInfo.environment[EngineUnderTest.postgresURLVariable], !baseURL.isEmpty else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("\(EngineUnderTest.postgresURLVariable) is not set: scripts/test.sh starts PostgreSQL; CI must not skip this test")
            } else {
                print("SKIPPED: \(EngineUnderTest.postgresURLVariable) is not set (run scripts/test.sh)")
            }
            return
        }
        let database = try ScratchDatabase(for: .postgresql(baseURL: baseURL))
        defer { try? database.remove() }
        let shared = ["SECUREMAIL_DATABASE_URL": database.url]
        let relayA = try RelayScenario(name: "relay-a")
        let relayB = try RelayScenario(name: "relay-b")

        let imported = try relayA.relay(["certs", "import", Repository.certs("demo-customer.pem")], environment: shared)
        #expect(imported.status == 0, "\(imported.standardError)")

        let message = OutboundEndToEndTests.staffMail(to: ["kunde@example.dk"], body: OutboundEndToEndTests.cprMail)
        let encrypted = try relayB.relay(
            ["process", "--sender", OutboundEndToEndTests.staff, "--recipient", "kunde@example.dk"], input: message, environment: shared)
        #expect(encrypted.status == 0, "\(encrypted.standardError)")
        #expect(relayB.sendmailTranscript.contains("-- kunde@example.dk"), "relay B encrypts with the certificate relay A imported")
        #expect(relayB.sendmailTranscript.contains("application/pkcs7-mime"))

        let toUnknown = OutboundEndToEndTests.staffMail(to: ["ukendt@example.dk"], body: OutboundEndToEndTests.cprMail)
        let held = try relayB.relay(
            ["process", "--sender", OutboundEndToEndTests.staff, "--recipient", "ukendt@example.dk"], input: toUnknown, environment: shared)
        #expect(held.status == 0, "\(held.standardError)")

        let inbound = try relayA.relay(
            ["process", "--sender", "kunde@example.dk", "--recipient", "sikkermail@gjensidige.dk"],
            input: try Repository.file("Examples/demo-inbound.eml"), environment: shared)
        #expect(inbound.status == 0, "\(inbound.standardError)")

        let listed = try relayA.relay(["quarantine", "list", "--json"], environment: shared)
        let entries = try JSONSerialization.jsonObject(with: Data(listed.standardOutput)) as? [[String: Any]]
        #expect(entries?.count == 1)
        let id = try #require(entries?.first?["id"] as? String)
        let released = try relayA.relay(["quarantine", "release", id], environment: shared)
        #expect(released.status == 0, "\(released.standardError)")
        #expect(relayA.sendmailTranscript.contains("-- ukendt@example.dk"), "relay A releases what relay B quarantined")

        let audit = try relayB.relay(["audit", "list", "--json"], environment: shared)
        let rows = try JSONSerialization.jsonObject(with: Data(audit.standardOutput)) as? [[String: Any]] ?? []
        #expect(rows.count == 3)
        #expect(Set(rows.compactMap { $0["id"] as? String }).count == 3)
        #expect(Set(rows.compactMap { $0["instance"] as? String }) == ["relay-a", "relay-b"])
    }
}
