import Foundation
import Testing
@testable import SecureMail

/// The re-injection client against Postfix's smtp-sink.
@Suite(.serialized)
struct SMTPClientTests {
    @Test func deliversWithCRLFAndDotStuffingToSink() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        // Bare LF line ends, a line starting with a dot, a lone dot, 8-bit text.
        let bytes = Array("Subject: client\n\n.leading dot\n.\nsl\u{E6}t\nlast line without end".utf8)
        let result = await clientTo(sink.port).deliver(
            OutboundMessage(sender: "kunde@example.dk", recipients: ["a@gjensidige.dk", "b@gjensidige.dk"], bytes: MessageBytes(bytes)))
        #expect(result == .accepted)
        let messages = try await sink.waitForMessages(1)
        try #require(messages.count == 1)
        #expect(messages[0].recipients == ["a@gjensidige.dk", "b@gjensidige.dk"])
        #expect(messages[0].mailArguments.contains("BODY=8BITMIME"))
        #expect(!messages[0].mailArguments.contains("SIZE="), "smtp-sink does not offer SIZE, so none is sent")
        #expect(messages[0].text.hasPrefix("Subject: client\n\n.leading dot\n.\nsl\u{E6}t\nlast line without end\n"))
    }

    /// A message of several DATA pieces from a spill file, with lines that start with a dot,
    /// bare LF line ends and CR LF ones at and around the pieces' ends.
    @Test func aSpilledMessageArrivesWholeAndDotStuffedAcrossPieces() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let folder = try TemporaryFolder("spill")
        var text = "Subject: large\n\n"
        var number = 0
        while text.utf8.count < 3 * SpillFile.threshold {
            number += 1
            text += number % 5 == 0 ? ".line \(number) starts with a dot\r\n" : "line \(number) of a long message\n"
        }
        let bytes = try MessageBytesTests.written(Array(text.utf8), spillDirectory: folder.path(""))
        try #require(bytes.isSpilled)
        let result = await clientTo(sink.port).deliver(OutboundMessage(sender: "a@example.dk", recipients: ["b@gjensidige.dk"], bytes: bytes))
        #expect(result == .accepted)
        let received = try await sink.waitForMessages(1).first?.text ?? ""
        // smtp-sink ends its dump with an empty line.
        #expect(received == text.replacingOccurrences(of: "\r\n", with: "\n") + "\n")
    }

    @Test func nullSenderIsSentAsEmptyPath() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let result = await clientTo(sink.port).deliver(
            OutboundMessage(sender: "", recipients: ["kunde@example.dk"], bytes: MessageBytes(message(subject: "notice", body: "x\r\n"))))
        #expect(result == .accepted)
        #expect(try await sink.waitForMessages(1).first?.mailArguments.hasPrefix("<>") == true)
    }

    @Test func nothingListeningIsTransient() async throws {
        let result = await clientTo(try freePort()).deliver(
            OutboundMessage(sender: "a@example.dk", recipients: ["b@gjensidige.dk"], bytes: MessageBytes(message(subject: "x", body: "y\r\n"))))
        guard case .transientFailure(let reason) = result else {
            Issue.record("expected a transient failure, got \(result)")
            return
        }
        #expect(reason.contains("127.0.0.1:"))
    }

    @Test func permanentlyRefusedRecipientsAreReportedPerRecipient() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath, options: ["-f", "RCPT"])
        let result = await clientTo(sink.port).deliver(
            OutboundMessage(sender: "a@example.dk", recipients: ["b@gjensidige.dk", "c@gjensidige.dk"], bytes: MessageBytes(message(subject: "x", body: "y\r\n"))))
        guard case .recipientsRefused(let accepted, let refused) = result else {
            Issue.record("expected refused recipients, got \(result)")
            return
        }
        #expect(accepted.isEmpty)
        #expect(refused.map(\.recipient) == ["b@gjensidige.dk", "c@gjensidige.dk"])
        #expect(refused.allSatisfy { $0.isPermanent && $0.reply.code == 500 && $0.reply.enhanced == "5.3.0" })
        #expect(try sink.messages().isEmpty)
    }

    @Test func temporarilyRefusedRecipientsAreReportedAsTemporary() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath, options: ["-r", "RCPT"])
        let result = await clientTo(sink.port).deliver(
            OutboundMessage(sender: "a@example.dk", recipients: ["b@gjensidige.dk"], bytes: MessageBytes(message(subject: "x", body: "y\r\n"))))
        guard case .recipientsRefused(_, let refused) = result else {
            Issue.record("expected refused recipients, got \(result)")
            return
        }
        #expect(refused.count == 1 && refused[0].reply.code == 450 && !refused[0].isPermanent)
    }

    @Test func refusedMessageIsPermanentAndRefusedSenderTooAndA421IsTransient() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let outbound = OutboundMessage(sender: "a@example.dk", recipients: ["b@gjensidige.dk"], bytes: MessageBytes(message(subject: "x", body: "y\r\n")))
        let refusesData = try await SMTPSink(path: sinkPath, options: ["-f", "."])
        guard case .permanentFailure(let reason) = await clientTo(refusesData.port).deliver(outbound) else {
            Issue.record("a 5xx to the final dot must be permanent")
            return
        }
        #expect(reason.contains("500 5.3.0"))
        let refusesSender = try await SMTPSink(path: sinkPath, options: ["-f", "MAIL"])
        guard case .permanentFailure = await clientTo(refusesSender.port).deliver(outbound) else {
            Issue.record("a 5xx to MAIL FROM must be permanent")
            return
        }
        let closes = try await SMTPSink(path: sinkPath, options: ["-Q", "DATA"])
        guard case .transientFailure = await clientTo(closes.port).deliver(outbound) else {
            Issue.record("a 421 must be transient")
            return
        }
    }

    @Test func clientDrivesOurOwnServerAsNextHop() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        try await withServer(nextHop: clientTo(sink.port)) { _, port in
            let result = await clientTo(port).deliver(
                OutboundMessage(sender: "a@example.dk", recipients: ["b@gjensidige.dk"], bytes: MessageBytes(message(subject: "chain", body: ".dot\r\n"))))
            #expect(result == .accepted)
        }
        let text = try await sink.waitForMessages(1).first?.text ?? ""
        #expect(text.contains("Subject: chain\n\n.dot\n"))
    }
}
