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
        let dumped = try sink.messages()
        #expect(dumped.isEmpty, "smtp-sink dumped \(dumped.map { "\($0.mailArguments) \($0.recipients): \($0.text)" })")
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

    @Test func aConnectionIsKeptForTheNextMessageUntilItsTimeLimit() async throws {
        let filter = RecordingFilter()
        try await withServer(filter: filter, nextHop: clientTo(try freePort())) { server, port in
            let client = SMTPClient(
                configuration: .init(port: port, heloName: "securemail.test", connectionCacheTimeLimit: .milliseconds(500)),
                logger: transportTestLogger)
            for number in 1...3 {
                #expect(await client.deliver(outbound(number)) == .accepted)
            }
            try await Task.sleep(for: .seconds(1.5))
            #expect(server.activeSessions == 0, "the idle connection ended its session after the time limit")
            #expect(await client.deliver(outbound(4)) == .accepted)
            #expect(server.activeSessions == 1)
            await client.closeIdleConnections()
            try await Task.sleep(for: .milliseconds(200))
            #expect(server.activeSessions == 0, "closing the idle connections ends their sessions")
        }
        let sessions = filter.received.map(\.session.sessionID)
        #expect(sessions.count == 4)
        #expect(Set(sessions[0..<3]).count == 1, "the first three messages share one connection")
        #expect(sessions[3] != sessions[0])
    }

    @Test func aKeptConnectionTheNextHopClosedIsReplacedWithoutLosingTheMessage() async throws {
        let filter = RecordingFilter()
        let configuration = SMTPServer.Configuration(idleTimeout: .milliseconds(300))
        try await withServer(configuration, filter: filter, nextHop: clientTo(try freePort())) { _, port in
            let client = SMTPClient(
                configuration: .init(port: port, heloName: "securemail.test", connectionCacheTimeLimit: .seconds(30)),
                logger: transportTestLogger)
            #expect(await client.deliver(outbound(1)) == .accepted)
            // The server says 421 and closes the idle session while the client still keeps it.
            try await Task.sleep(for: .seconds(1))
            #expect(await client.deliver(outbound(2)) == .accepted)
            #expect(await client.deliver(outbound(3)) == .accepted)
            await client.closeIdleConnections()
        }
        let received = filter.received
        #expect(received.map { String(decoding: $0.bytes, as: UTF8.self).contains("Subject: number 2\r\n") } == [false, true, false])
        #expect(received.count == 3)
        #expect(received[1].session.sessionID != received[0].session.sessionID)
        #expect(received[2].session.sessionID == received[1].session.sessionID)
    }

    @Test func manyMessagesOverKeptConnectionsAllArriveAtPostfixsSink() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let client = clientTo(sink.port)
        await withTaskGroup(of: DeliveryResult.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var last = DeliveryResult.accepted
                    for number in 0..<10 where last == .accepted { last = await client.deliver(outbound(worker * 10 + number)) }
                    return last
                }
            }
            for await result in group { #expect(result == .accepted) }
        }
        await client.closeIdleConnections()
        let subjects = try await sink.waitForMessages(40).compactMap { $0.text.split(separator: "\n").first { $0.hasPrefix("Subject: ") } }
        #expect(Set(subjects).count == 40)
    }

    private func outbound(_ number: Int) -> OutboundMessage {
        OutboundMessage(sender: "a@example.dk", recipients: ["b@gjensidige.dk"], bytes: MessageBytes(message(subject: "number \(number)", body: "x\r\n")))
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
