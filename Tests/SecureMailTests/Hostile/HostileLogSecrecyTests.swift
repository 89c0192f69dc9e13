import Foundation
import Testing
@testable import SecureMail

/// Logs never carry a message body or a clear CPR number: the real binary processes a CPR
/// mail outbound and CPR-bearing mail inbound (in the body, the protected Subject, and a
/// hostile sender's Message-ID, also glued to letters), and everything it wrote to standard
/// error and to the audit trail is searched.
@Suite struct HostileLogSecrecyTests {
    static let cpr = "010190-1009"
    static let bodyText = "Min ryg gør ondt efter ulykken"

    private func forbidden(in log: String) -> [String] {
        [Self.cpr, Self.cpr.replacingOccurrences(of: "-", with: ""), Self.bodyText, "Vi har registreret dit CPR-nr"].filter { log.contains($0) }
    }

    @Test func processingLogsNoBodyTextAndNoClearCPR() throws {
        let scenario = try RelayScenario()
        var stderr = ""
        let outbound = try scenario.relay(
            ["process", "--sender", OutboundEndToEndTests.staff, "--recipient", "kunde@example.dk"],
            input: OutboundEndToEndTests.staffMail(to: ["kunde@example.dk"], body: OutboundEndToEndTests.cprMail))
        #expect(outbound.status == 0, "\(outbound.standardError)")
        stderr += outbound.standardError

        let customer = try CryptoFixtures.identity("demo-customer")
        let recipient = CMSRecipient(certificate: try CryptoFixtures.certificate("sikkermail"))
        let message = SMIMEFixtures.textMessage(
            subject: "Til Skade: CPR \(Self.cpr)", body: "\(Self.bodyText). CPR \(Self.cpr).\r\n",
            extraFields: [(name: "X-Note", value: "CPR \(Self.cpr)")])
        let inbound = try SMIMEWriter.wrap(message, protectHeaders: true, encrypted: true, obscuredSubject: "...") { inner in
            try SMIMEWriter.encrypt(SMIMEWriter.signDetached(inner, signer: customer), recipients: [recipient])
        }.serialize()
        let hostileID = SMIMEFixtures.replacing("Message-ID: <test-", with: "Message-ID: <\(Self.cpr)@", in: message.serialize())
        let gluedID = SMIMEFixtures.replacing(
            "Message-ID: <test-", with: "Message-ID: <ref\(Self.cpr.replacingOccurrences(of: "-", with: ""))x", in: message.serialize())
        let plainBody = Array("From: kunde@example.dk\r\nTo: sikkermail@gjensidige.dk\r\n\r\n\(Self.bodyText) \(Self.cpr)\r\n".utf8)
        let broken = Array("From: kunde@example.dk\r\nSubject: \(Self.cpr)\r\nContent-Type: application/pkcs7-mime\r\n\r\n\(Self.bodyText)\r\n".utf8)
        for input in [inbound, hostileID, gluedID, plainBody, broken] {
            let run = try scenario.relay(["process", "--sender", "kunde@example.dk", "--recipient", "sikkermail@gjensidige.dk"], input: input)
            #expect(run.status == 0, "\(run.standardError)")
            stderr += run.standardError
        }
        #expect(stderr.contains("processed"), "the relay logs at info level, so the test sees its log lines: \(stderr)")
        #expect(forbidden(in: stderr).isEmpty, "\(forbidden(in: stderr)) in the log:\n\(stderr)")
        let audit = try scenario.relay(["audit", "list", "--json"])
        #expect(audit.status == 0, "\(audit.standardError)")
        #expect(audit.outputText.contains("010190XXXX"), "the glued Message-ID is in the audit trail, masked: \(audit.outputText)")
        #expect(forbidden(in: audit.outputText).isEmpty, "\(forbidden(in: audit.outputText)) in the audit trail")
    }
}
