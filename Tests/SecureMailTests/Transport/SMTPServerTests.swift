import Foundation
import Testing
@testable import SecureMail

/// The content filter end to end: real clients (swaks, smtp-source, a raw socket) → SMTPServer →
/// filter → SMTPClient → Postfix's smtp-sink.
@Suite(.serialized)
struct SMTPServerTests {
    @Test func messageArrivesAtTheNextHopTransformedWithItsEnvelope() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink"), TransportTools.require("swaks") != nil else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let folder = try TemporaryFolder("transport")
        try await withServer(nextHop: clientTo(sink.port)) { _, port in
            let run = try await TransportTools.swaks(
                port: port, to: ["sikkermail@gjensidige.dk", "skade@gjensidige.dk"],
                message: message(subject: "Skade", body: "Hej\r\n"), folder: folder)
            #expect(run.succeeded, "swaks: \(run.outputText)")
            #expect(run.outputText.contains("250 2.0.0 Ok: delivered 1"))
        }
        let messages = try await sink.waitForMessages(1)
        try #require(messages.count == 1)
        #expect(messages[0].mailArguments.hasPrefix("<kunde@example.dk>"))
        #expect(messages[0].recipients == ["sikkermail@gjensidige.dk", "skade@gjensidige.dk"])
        #expect(messages[0].text.hasPrefix(HeaderAddingFilter.header + "\nFrom: kunde@example.dk\n"))
        #expect(messages[0].text.contains("\nHej\n"))
    }

    @Test func pipelinedCommandsAndDotStuffedLinesRoundTrip() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink"), TransportTools.require("swaks") != nil else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let folder = try TemporaryFolder("transport")
        let body = ".hidden line\r\n..two dots\r\n.\r\nafter a lone dot\r\n"
        try await withServer(nextHop: clientTo(sink.port)) { _, port in
            let run = try await TransportTools.swaks(
                port: port, to: ["a@gjensidige.dk"], message: message(subject: "dots", body: body), folder: folder,
                extra: ["--pipeline"])
            #expect(run.succeeded, "swaks: \(run.outputText)")

            // A whole session in one write: every command, the message and QUIT.
            let connection = try await RawConnection.open(port: port)
            _ = try await connection.reply()
            try await connection.send(
                "EHLO raw.test\r\nMAIL FROM:<raw@example.dk>\r\nRCPT TO:<b@gjensidige.dk>\r\nRCPT TO:<c@gjensidige.dk>\r\nDATA\r\n"
                    + "Subject: raw\r\n\r\n..stuffed\r\n.\r\nNOOP\r\nQUIT\r\n")
            let replies = try await connection.replies(8)
            #expect(replies[0].contains("250-PIPELINING"))
            #expect(replies[1].hasPrefix("250 2.1.0"))
            #expect(replies[2].hasPrefix("250 2.1.5") && replies[3].hasPrefix("250 2.1.5"))
            #expect(replies[4].hasPrefix("354"))
            #expect(replies[5].hasPrefix("250 2.0.0"))
            #expect(replies[6].hasPrefix("250 2.0.0 Ok"))
            #expect(replies[7].hasPrefix("221"))
        }
        let messages = try await sink.waitForMessages(2)
        try #require(messages.count == 2)
        let swaksMessage = try #require(messages.first { $0.text.contains("Subject: dots") })
        #expect(swaksMessage.text.contains("\n.hidden line\n..two dots\n.\nafter a lone dot\n"))
        let rawMessage = try #require(messages.first { $0.text.contains("Subject: raw") })
        #expect(rawMessage.text.contains("\n.stuffed\n"))
        #expect(rawMessage.recipients == ["b@gjensidige.dk", "c@gjensidige.dk"])
    }

    @Test func fiftyConcurrentSessionsDeliverEveryMessageExactlyOnce() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink"),
              let source = TransportTools.require("smtp-source") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let total = 200
        try await withServer(nextHop: clientTo(sink.port)) { _, port in
            // -s 50 sessions in parallel, -m 200 messages in all, -d several per connection,
            // -N a distinct recipient per message so that each one can be counted.
            let run = try await TransportTools.run(source, [
                "-s", "50", "-m", "\(total)", "-d", "-N", "-l", "2048", "-f", "kunde@example.dk",
                "-t", "sikkermail@gjensidige.dk", "-S", "load", "127.0.0.1:\(port)",
            ])
            #expect(run.succeeded, "smtp-source: \(run.standardError)")
        }
        let messages = try await sink.waitForMessages(total)
        #expect(messages.count == total)
        let recipients = messages.flatMap(\.recipients)
        #expect(recipients.count == total)
        #expect(Set(recipients).count == total, "a message arrived twice")
        #expect(messages.allSatisfy { $0.text.hasPrefix(HeaderAddingFilter.header) })
    }

    @Test func nextHopDownGivesTemporaryFailureAndTheClientKeepsTheMessage() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink"), TransportTools.require("swaks") != nil else { return }
        let folder = try TemporaryFolder("transport")
        let deadPort = try freePort()
        let mail = message(subject: "retry me", body: "Hej\r\n")
        try await withServer(nextHop: clientTo(deadPort)) { _, port in
            let run = try await TransportTools.swaks(port: port, to: ["a@gjensidige.dk"], message: mail, folder: folder)
            #expect(!run.succeeded)
            #expect(run.outputText.contains("451 4.4.0 Next hop:"))
        }
        // The client still has the message; its retry, once the next hop is back, gets through.
        let sink = try await SMTPSink(path: sinkPath)
        try await withServer(nextHop: clientTo(sink.port)) { _, port in
            let run = try await TransportTools.swaks(port: port, to: ["a@gjensidige.dk"], message: mail, folder: folder)
            #expect(run.succeeded, "swaks: \(run.outputText)")
        }
        #expect(try await sink.waitForMessages(1).count == 1)
    }

    @Test func messageContentIsExactWhereverTheReadsSplitIt() async throws {
        let filter = RecordingFilter()
        try await withServer(filter: filter, nextHop: clientTo(try freePort())) { _, port in
            let connection = try await RawConnection.open(port: port)
            _ = try await connection.reply()
            // Splits between CR and LF, inside a line, before and after a stuffed dot, and in the terminator.
            let pieces = [
                "Subject: chunks\r\n\r\nfirst line\r", "\nsecond", " line\nbare LF above\r\n.", ".stuffed\r\n",
                "a\rb CR inside\r\n", "..", "\r\nafter bare LF\n.\r\nlast\r\n.", "\r\n",
            ]
            try await connection.send("EHLO raw.test\r\nMAIL FROM:<a@example.dk>\r\nRCPT TO:<b@gjensidige.dk>\r\nDATA\r\n")
            _ = try await connection.replies(4)
            for piece in pieces {
                try await connection.send(piece)
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await connection.reply()?.hasPrefix("250 2.0.0") == true)
            try await connection.send("MAIL FROM:<a@example.dk>\r\nRCPT TO:<b@gjensidige.dk>\r\nDATA\r\n" + pieces.joined())
            _ = try await connection.replies(3)
            #expect(try await connection.reply()?.hasPrefix("250 2.0.0") == true)
        }
        let expected = "Subject: chunks\r\n\r\nfirst line\r\nsecond line\r\nbare LF above\r\n.stuffed\r\n"
            + "a\rb CR inside\r\n.\r\nafter bare LF\r\n\r\nlast\r\n"
        let received = filter.received
        #expect(received.count == 2)
        for message in received { #expect(String(decoding: message.bytes, as: UTF8.self) == expected) }
    }

    @Test func sizeLimitGives552BothAnnouncedAndCounted() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink"), TransportTools.require("swaks") != nil else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let folder = try TemporaryFolder("transport")
        let configuration = SMTPServer.Configuration(maximumMessageSize: 4096)
        try await withServer(configuration, nextHop: clientTo(sink.port)) { _, port in
            let big = message(subject: "big", body: String(repeating: "0123456789abcdef0123456789abcdef\r\n", count: 2000))
            let run = try await TransportTools.swaks(port: port, to: ["a@gjensidige.dk"], message: big, folder: folder)
            #expect(!run.succeeded)
            #expect(run.outputText.contains("552 5.3.4"))

            let connection = try await RawConnection.open(port: port)
            _ = try await connection.reply()
            try await connection.send("EHLO raw.test\r\nMAIL FROM:<a@example.dk> SIZE=999999\r\nMAIL FROM:<a@example.dk> SIZE=100\r\nQUIT\r\n")
            let replies = try await connection.replies(4)
            #expect(replies[0].contains("250-SIZE 4096"))
            #expect(replies[1].hasPrefix("552 5.3.4"))
            #expect(replies[2].hasPrefix("250 2.1.0"))
        }
        #expect(try sink.messages().isEmpty)
    }

    @Test func garbageAndOverlongLinesGet500AndTheSessionGoesOn() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let configuration = SMTPServer.Configuration(maximumDataLineLength: 8192)
        try await withServer(configuration, nextHop: clientTo(sink.port)) { _, port in
            let connection = try await RawConnection.open(port: port)
            _ = try await connection.reply()
            try await connection.send("EHLO raw.test\r\n")
            _ = try await connection.reply()
            try await connection.send("\u{1}\u{2}GARBAGE \u{7F}\r\n")
            #expect(try await connection.reply()?.hasPrefix("500 5.5.2") == true)
            try await connection.send(String(repeating: "X", count: 100_000) + "\r\n")
            #expect(try await connection.reply()?.hasPrefix("500 5.5.2") == true)
            try await connection.send("NOOP\r\n")
            #expect(try await connection.reply()?.hasPrefix("250") == true)
            try await connection.send("MAIL FROM:<a@example.dk>\r\nRCPT TO:<b@gjensidige.dk>\r\nDATA\r\n")
            _ = try await connection.replies(3)
            try await connection.send("Subject: long\r\n\r\n" + String(repeating: "y", count: 20_000) + "\r\n.\r\n")
            #expect(try await connection.reply()?.hasPrefix("500 5.5.2") == true)
            try await connection.send("MAIL FROM:<a@example.dk>\r\nRCPT TO:<b@gjensidige.dk>\r\nDATA\r\n")
            _ = try await connection.replies(3)
            try await connection.send("Subject: fine\r\n\r\n" + String(repeating: "z", count: 4000) + "\r\n.\r\nQUIT\r\n")
            #expect(try await connection.reply()?.hasPrefix("250 2.0.0") == true)
            #expect(try await connection.reply()?.hasPrefix("221") == true)
        }
        let messages = try await sink.waitForMessages(1)
        #expect(messages.count == 1)
        #expect(messages.first?.text.contains("Subject: fine") == true)
    }

    @Test func idleSessionIsClosedWith421() async throws {
        let configuration = SMTPServer.Configuration(idleTimeout: .seconds(1))
        try await withServer(configuration, nextHop: clientTo(try freePort())) { _, port in
            let connection = try await RawConnection.open(port: port)
            #expect(try await connection.reply()?.hasPrefix("220") == true)
            #expect(try await connection.reply()?.hasPrefix("421 4.4.2") == true)
            #expect(try await connection.reply() == nil)
        }
    }

    @Test func filterDecisionsMapToReplies() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let cases: [(FilterDecision?, String)] = [
            (FilterDecision([.reject(code: 554, enhanced: "5.7.1", text: "Message refused by policy")]), "554 5.7.1 Message refused by policy"),
            (FilterDecision([.tempfail(text: "Certificate store unavailable")]), "451 4.3.0 Certificate store unavailable"),
            (nil, "451 4.3.0"),
            (FilterDecision([.quarantined(reason: "CPR number without encryption")]), "250 2.0.0 Ok: delivered 0, quarantined 1"),
            (FilterDecision([
                .deliver(bytes: MessageBytes(message(subject: "ok", body: "x\r\n")), sender: "a@example.dk", recipients: ["b@gjensidige.dk"]),
                .reject(code: 550, enhanced: "5.1.1", text: "no such user"),
            ]), "451 4.3.0"),
        ]
        for (decision, expected) in cases {
            try await withServer(filter: FixedDecisionFilter(decision: decision), nextHop: clientTo(sink.port)) { _, port in
                let connection = try await RawConnection.open(port: port)
                _ = try await connection.reply()
                try await connection.send("EHLO raw.test\r\nMAIL FROM:<a@example.dk>\r\nRCPT TO:<b@gjensidige.dk>\r\nDATA\r\n")
                _ = try await connection.replies(4)
                try await connection.send("Subject: x\r\n\r\nbody\r\n.\r\n")
                let reply = try await connection.reply() ?? "(closed)"
                #expect(reply.hasPrefix(expected), "decision \(String(describing: decision))")
            }
        }
        #expect(try sink.messages().isEmpty)
    }

    @Test func tooManySessionsGet421() async throws {
        let configuration = SMTPServer.Configuration(maximumSessions: 2)
        try await withServer(configuration, nextHop: clientTo(try freePort())) { server, port in
            let first = try await RawConnection.open(port: port)
            let second = try await RawConnection.open(port: port)
            #expect(try await first.reply()?.hasPrefix("220") == true)
            #expect(try await second.reply()?.hasPrefix("220") == true)
            let third = try await RawConnection.open(port: port)
            #expect(try await third.reply()?.hasPrefix("421 4.7.0") == true)
            #expect(server.activeSessions == 2)
        }
    }

    @Test func shutdownLetsTheMessageInFlightFinish() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let gate = Gate()
        let server = SMTPServer(
            configuration: .init(port: 0, hostname: "shutdown-\(UUID().uuidString).test"), filter: GatedFilter(gate: gate),
            nextHop: clientTo(sink.port), logger: transportTestLogger)
        let port = try await server.start()
        let busy = try await RawConnection.open(port: port)
        let idle = try await RawConnection.open(port: port)
        _ = try await busy.reply()
        _ = try await idle.reply()
        try await busy.send("EHLO raw.test\r\nMAIL FROM:<a@example.dk>\r\nRCPT TO:<b@gjensidige.dk>\r\nDATA\r\n")
        _ = try await busy.replies(4)
        try await busy.send("Subject: in flight\r\n\r\nbody\r\n.\r\n")
        await gate.waitUntilEntered()

        async let stopped: Void = server.shutdown()
        #expect(try await idle.reply()?.hasPrefix("421 4.3.2") == true)
        // The freed port may already serve another test running in parallel: only this server's
        // greeting proves the listener still open.
        if let late = try? await RawConnection.open(port: port) {
            let greeting = (try? await late.reply()) ?? nil
            #expect(greeting?.contains(server.configuration.hostname) != true, "the listener must be closed")
        }
        await gate.open()
        #expect(try await busy.reply()?.hasPrefix("250 2.0.0") == true)
        #expect(try await busy.reply()?.hasPrefix("421 4.3.2") == true)
        await stopped
        #expect(server.activeSessions == 0)
        #expect(try await sink.waitForMessages(1).count == 1)
    }
}

/// Lets a test hold a message in the filter until it says so.
actor Gate {
    private var entered = false
    private var isOpen = false
    private var enterWaiters: [CheckedContinuation<Void, Never>] = []
    private var openWaiters: [CheckedContinuation<Void, Never>] = []

    func enterAndWait() async {
        entered = true
        enterWaiters.forEach { $0.resume() }
        enterWaiters = []
        if isOpen { return }
        await withCheckedContinuation { openWaiters.append($0) }
    }

    func waitUntilEntered() async {
        if entered { return }
        await withCheckedContinuation { enterWaiters.append($0) }
    }

    func open() {
        isOpen = true
        openWaiters.forEach { $0.resume() }
        openWaiters = []
    }
}

struct GatedFilter: MessageFilter {
    let gate: Gate

    func decide(_ message: ReceivedMessage) async throws -> FilterDecision {
        await gate.enterAndWait()
        return .deliverUnchanged(message)
    }
}
