import Foundation
import NIOCore
import Testing
@testable import SecureMail

struct TransportUnitTests {
    @Test func repliesRenderMultiLineWithEnhancedCodesAndNoControlCharacters() {
        let reply = SMTPReply(code: 250, ["host", "PIPELINING"])
        #expect(String(decoding: reply.wireBytes, as: UTF8.self) == "250-host\r\n250 PIPELINING\r\n")
        let injected = SMTPReply(code: 554, enhanced: "5.7.1", "bad\r\n250 ok")
        #expect(String(decoding: injected.wireBytes, as: UTF8.self) == "554 5.7.1 bad  250 ok\r\n")
    }

    @Test func replyReaderParsesMultiLineAndWaitsForTheLastLine() throws {
        var bytes = Array("250-first\r\n250-SIZE 100\r\n".utf8)
        #expect(try ReplyReader.parse(&bytes) == nil)
        bytes += Array("250 8BITMIME\r\n550 5.1.1 <x>: unknown\r\n".utf8)
        #expect(try ReplyReader.parse(&bytes) == SMTPReply(code: 250, ["first", "SIZE 100", "8BITMIME"]))
        #expect(try ReplyReader.parse(&bytes) == SMTPReply(code: 550, enhanced: "5.1.1", "<x>: unknown"))
        var garbage = Array("HTTP/1.1 400 Bad\r\n".utf8)
        #expect(throws: SMTPClientError.self) { try ReplyReader.parse(&garbage) }
    }

    /// The DATA stream of `text` given to the encoder in pieces that end at `cuts`.
    static func dataStream(_ text: String, cuts: [Int] = []) -> String {
        let bytes = Array(text.utf8)
        var encoder = SMTPClient.DataStreamEncoder()
        var output = ByteBuffer()
        var start = 0
        for end in cuts + [bytes.count] {
            bytes[start..<end].withUnsafeBytes { encoder.encode($0, into: &output) }
            start = end
        }
        encoder.finish(into: &output)
        return String(buffer: output)
    }

    @Test func dataStreamNormalisesLineEndsAndStuffsDots() {
        let text = "a\n.b\r\n.\r\n..c\nlast"
        let expected = "a\r\n..b\r\n..\r\n...c\r\nlast\r\n.\r\n"
        #expect(Self.dataStream(text) == expected)
        #expect(Self.dataStream("") == ".\r\n")
        // A CR, an LF or a dot at either side of a piece's end is encoded as within one piece.
        for cut in 0...text.utf8.count {
            #expect(Self.dataStream(text, cuts: [cut]) == expected, "cut at \(cut)")
        }
        #expect(Self.dataStream(text, cuts: Array(1..<text.utf8.count)) == expected)
    }

    @Test func commandsParse() {
        #expect(SMTPCommand.parse("mail from: <a@b.dk> size=12 BODY=8BITMIME")
            == .mail(sender: "a@b.dk", parameters: ["SIZE": "12", "BODY": "8BITMIME"]))
        #expect(SMTPCommand.parse("MAIL FROM:<>") == .mail(sender: "", parameters: [:]))
        #expect(SMTPCommand.parse("RCPT TO:<@relay.dk:a@b.dk>") == .rcpt(recipient: "a@b.dk", parameters: [:]))
        #expect(SMTPCommand.parse("RCPT TO:<\"x>y\"@b.dk>") == .rcpt(recipient: "\"x>y\"@b.dk", parameters: [:]))
        #expect(SMTPCommand.parse("XFORWARD NAME=mail.example.dk ADDR=192.0.2.1 HELO=x+20y")
            == .xforward(["NAME": "mail.example.dk", "ADDR": "192.0.2.1", "HELO": "x y"]))
        #expect(SMTPCommand.parse("VRFY root") == .vrfy)
        #expect(SMTPCommand.parse("BDAT 10") == .unrecognized)
        guard case .syntaxError(let reply) = SMTPCommand.parse("MAIL FROM:a@b.dk") else {
            Issue.record("a path without brackets is a syntax error")
            return
        }
        #expect(reply.code == 501)
        guard case .syntaxError = SMTPCommand.parse("XFORWARD EVIL=1") else {
            Issue.record("an unknown XFORWARD attribute is a syntax error")
            return
        }
    }

    @Test func pipeExitCodesFollowSysexits() {
        #expect(PipeExit(.accepted(deliveries: 1, quarantined: 0)).code == .success)
        #expect(PipeExit(.temporaryFailure(enhanced: "4.4.0", reason: "down")).code == .temporaryFailure)
        #expect(PipeExit(.permanentFailure(code: 550, enhanced: "5.1.1", reason: "no user")).code == .noUser)
        #expect(PipeExit(.permanentFailure(code: 554, enhanced: "5.7.1", reason: "policy")).code == .noPermission)
        #expect(PipeExit(.permanentFailure(code: 554, enhanced: "5.6.0", reason: "bad\nmessage")) == PipeExit(code: .dataError, reason: "bad message"))
        #expect(PipeExit.internalError(FixedDecisionFilter.Failure()).code.rawValue == 75)
    }

    private func received(_ recipients: [String] = ["a@gjensidige.dk"]) -> ReceivedMessage {
        ReceivedMessage(sender: "kunde@example.dk", recipients: recipients, bytes: message(subject: "s", body: "b\r\n"),
                        session: .pipe(sessionID: "test"))
    }

    @Test func dispatcherRefusesInconsistentDecisionsWithoutDelivering() async throws {
        let unused = clientTo(try freePort())
        let decisions = [
            FilterDecision([]),
            FilterDecision([.deliver(bytes: MessageBytes([]), sender: "", recipients: [])]),
            FilterDecision([.reject(code: 450, enhanced: "4.7.1", text: "not permanent")]),
            FilterDecision([.quarantined(reason: "q"), .reject(code: 550, enhanced: "5.7.1", text: "mixed")]),
        ]
        for decision in decisions {
            let dispatcher = MessageDispatcher(filter: FixedDecisionFilter(decision: decision), nextHop: unused, logger: transportTestLogger)
            let outcome = await dispatcher.dispatch(received())
            #expect(outcome == .temporaryFailure(enhanced: "4.3.0", reason: "Error: internal error, try again later"))
        }
    }

    @Test func dispatcherDeliversEveryGroupAndAPermanentNextHopRefusalIsPermanent() async throws {
        guard let sinkPath = TransportTools.require("smtp-sink") else { return }
        let sink = try await SMTPSink(path: sinkPath)
        let decision = FilterDecision([
            .deliver(bytes: MessageBytes(message(subject: "encrypted copy", body: "x\r\n")), sender: "kunde@example.dk", recipients: ["a@gjensidige.dk"]),
            .deliver(bytes: MessageBytes(message(subject: "notice", body: "y\r\n")), sender: "", recipients: ["kunde@example.dk"]),
            .quarantined(reason: "one recipient without certificate"),
        ])
        let dispatcher = MessageDispatcher(filter: FixedDecisionFilter(decision: decision), nextHop: clientTo(sink.port), logger: transportTestLogger)
        #expect(await dispatcher.dispatch(received()) == .accepted(deliveries: 2, quarantined: 1))
        #expect(try await sink.waitForMessages(2).count == 2)

        let refusing = try await SMTPSink(path: sinkPath, options: ["-f", "RCPT"])
        let refused = MessageDispatcher(filter: HeaderAddingFilter(), nextHop: clientTo(refusing.port), logger: transportTestLogger)
        guard case .permanentFailure(let code, _, let reason) = await refused.dispatch(received()) else {
            Issue.record("a next hop refusing every recipient permanently gives a permanent failure")
            return
        }
        #expect(code == 554 && reason.contains("a@gjensidige.dk"))
    }
}
