import Glibc
import Logging
import NIOCore
import NIOPosix

/// The SMTP client that re-injects filtered mail into the next hop (Postfix's 127.0.0.1:10026
/// in the after-queue content-filter setup).
///
/// A connection greets with EHLO (HELO if EHLO is refused); each message is MAIL FROM with SIZE
/// and BODY=8BITMIME when the server offers them, one RCPT TO per recipient, DATA with CRLF
/// line ends and dot-stuffing. With PIPELINING the MAIL, RCPT and DATA commands go out in one
/// write. Every wait for a reply is bounded by `replyTimeout`.
///
/// As Postfix's SMTP client does, a connection whose message went through is kept open for the
/// next message for `connectionCacheTimeLimit` (and reused for at most `connectionReuseTimeLimit`),
/// so that a busy gateway does not pay a connection, greeting, EHLO and QUIT for every message.
/// A kept connection that turns out closed before the next hop took the message's MAIL command
/// is dropped and the message goes out on a new one.
public struct SMTPClient: NextHopDelivering {
    /// Where and how to connect.
    public struct Configuration: Sendable {
        /// The next hop's host name or address.
        public var host: String
        /// The next hop's port.
        public var port: Int
        /// The name sent with EHLO/HELO.
        public var heloName: String
        /// How long connecting may take.
        public var connectTimeout: Duration
        /// How long the client waits for any one reply (including the reply to the final dot).
        public var replyTimeout: Duration
        /// How long a connection waits, idle, for another message before it is closed; zero
        /// closes every connection after its message (Postfix: smtp_connection_cache_time_limit).
        public var connectionCacheTimeLimit: Duration
        /// How long after it was opened a connection is still given new messages (Postfix:
        /// smtp_connection_reuse_time_limit).
        public var connectionReuseTimeLimit: Duration

        /// Creates a configuration; defaults follow RFC 5321's minimum timeouts loosely, and
        /// Postfix's for keeping connections.
        public init(host: String = "127.0.0.1", port: Int = 10026, heloName: String = "localhost",
                    connectTimeout: Duration = .seconds(30), replyTimeout: Duration = .seconds(300),
                    connectionCacheTimeLimit: Duration = .seconds(2), connectionReuseTimeLimit: Duration = .seconds(300)) {
            self.host = host
            self.port = port
            self.heloName = heloName
            self.connectTimeout = connectTimeout
            self.replyTimeout = replyTimeout
            self.connectionCacheTimeLimit = connectionCacheTimeLimit
            self.connectionReuseTimeLimit = connectionReuseTimeLimit
        }
    }

    /// Where and how to connect.
    public var configuration: Configuration
    /// The event loops the connections run on.
    public var eventLoopGroup: any EventLoopGroup
    /// Where conversations are logged (commands' outcomes, never content).
    public var logger: Logger
    /// Connections waiting for their next message; shared by copies of this client.
    private let idleConnections = IdleConnections()

    /// Creates a client.
    public init(configuration: Configuration = Configuration(),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "securemail.transport.smtp-client")) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Ends the sessions of the connections kept open (QUIT) and waits until they are closed.
    public func closeIdleConnections() async {
        await idleConnections.closeAll()
    }

    /// Delivers one message; every failure becomes a ``DeliveryResult``.
    public func deliver(_ message: OutboundMessage) async -> DeliveryResult {
        guard !message.recipients.isEmpty else {
            return .permanentFailure(reason: "no recipients to deliver to")
        }
        let target = "\(configuration.host):\(configuration.port)"
        let open: (IdleConnections.Job) -> Void = { job in Task { await runConnection(first: job) } }
        var outcome = await idleConnections.deliver(message, open: open)
        if case .stale = outcome {
            logger.debug("kept next hop connection was closed; using a new one", metadata: ["nextHop": "\(target)"])
            outcome = await idleConnections.deliver(message, reuse: false, open: open)
        }
        switch outcome {
        case .delivered(let result):
            logger.debug("next hop conversation finished", metadata: ["nextHop": "\(target)", "result": "\(result)"])
            return result
        case .failed(let error as SMTPClientError):
            return .transientFailure(reason: "\(target): \(error)")
        case .failed(let error):
            return .transientFailure(reason: "\(target): cannot deliver: \(error)")
        case .stale:
            return .transientFailure(reason: "\(target): \(SMTPClientError.connectionClosed)")
        }
    }

    private func connect() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let replyTimeout = TimeAmount(configuration.replyTimeout)
        let bootstrap = ClientBootstrap(group: eventLoopGroup).connectTimeout(TimeAmount(configuration.connectTimeout))
        let setUp: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: replyTimeout))
                try channel.pipeline.syncOperations.addHandler(ReplyTimeoutHandler())
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        // The next hop is usually an address literal (Postfix's reinjection listener on loopback):
        // it is connected to directly, without a trip through the resolver.
        if let address = try? SocketAddress(ipAddress: configuration.host, port: configuration.port) {
            return try await bootstrap.connect(to: address, channelInitializer: setUp)
        }
        return try await bootstrap.connect(host: configuration.host, port: configuration.port, channelInitializer: setUp)
    }

    /// One connection's life: `first` and then, while the next hop keeps taking messages, the
    /// messages handed to it while it waits; QUIT when it has waited long enough. Answers every
    /// job exactly once.
    private func runConnection(first: IdleConnections.Job) async {
        var unanswered: IdleConnections.Job? = first
        var reused = false
        defer { idleConnections.connectionEnded() }
        do {
            let channel = try await connect()
            let eventLoop = channel.channel.eventLoop
            let openedAt = ContinuousClock.now
            try await channel.executeThenClose { inbound, outbound in
                var conversation = Conversation(replies: ReplyReader(inbound.makeAsyncIterator()), outbound: outbound)
                try await conversation.greet(heloName: configuration.heloName)
                while let job = unanswered {
                    let (result, open) = try await conversation.transact(job.message, onReusedConnection: reused)
                    unanswered = nil
                    let age = ContinuousClock.now - openedAt
                    guard open, configuration.connectionCacheTimeLimit > .zero, age < configuration.connectionReuseTimeLimit else {
                        job.reply.resume(returning: .delivered(result))
                        if open { break } else { return }
                    }
                    let instruction = await idleConnections.waitForMessage(
                        on: eventLoop, upTo: TimeAmount(configuration.connectionCacheTimeLimit),
                        waiting: { job.reply.resume(returning: .delivered(result)) })
                    switch instruction {
                    case .deliver(let next):
                        unanswered = next
                        reused = true
                    case .close:
                        break
                    }
                }
                try? await conversation.quit()
            }
        } catch is StaleConnection {
            unanswered?.reply.resume(returning: .stale)
        } catch {
            unanswered?.reply.resume(returning: .failed(error))
        }
    }

    /// Converts message bytes to the DATA stream piece by piece: every line ends in CRLF (a bare
    /// LF becomes CRLF), a line starting with "." gets another ".", and ``finish(into:)`` appends
    /// the terminating ".\r\n". A line may span pieces.
    public struct DataStreamEncoder: Sendable {
        private var atLineStart = true
        private var previous: UInt8 = 0

        public init() {}

        /// Appends the DATA stream of `piece` to `output`, a line at a time.
        public mutating func encode(_ piece: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
            guard let base = piece.baseAddress, !piece.isEmpty else { return }
            output.reserveCapacity(minimumWritableBytes: piece.count + piece.count / 64 + 2)
            var start = 0
            while start < piece.count {
                if atLineStart && piece[start] == UInt8(ascii: ".") { output.writeInteger(UInt8(ascii: ".")) }
                guard let found = memchr(base + start, Int32(UInt8(ascii: "\n")), piece.count - start) else {
                    output.writeBytes(UnsafeRawBufferPointer(rebasing: piece[start...]))
                    previous = piece[piece.count - 1]
                    atLineStart = false
                    return
                }
                let lineFeed = base.distance(to: UnsafeRawPointer(found))
                output.writeBytes(UnsafeRawBufferPointer(rebasing: piece[start..<lineFeed]))
                let beforeLineFeed = lineFeed > start ? piece[lineFeed - 1] : previous
                if beforeLineFeed != UInt8(ascii: "\r") { output.writeInteger(UInt8(ascii: "\r")) }
                output.writeInteger(UInt8(ascii: "\n"))
                previous = UInt8(ascii: "\n")
                atLineStart = true
                start = lineFeed + 1
            }
        }

        /// Ends the last line when it is open and appends the terminating ".\r\n".
        public mutating func finish(into output: inout ByteBuffer) {
            if !atLineStart { output.writeStaticString("\r\n") }
            output.writeStaticString(".\r\n")
            atLineStart = true
        }
    }
}

/// Why a conversation with the next hop broke off (all transient).
enum SMTPClientError: Error, CustomStringConvertible {
    case connectionClosed
    case timedOut
    case malformedReply
    case replyTooLong
    case refused(stage: String, reply: SMTPReply)

    var description: String {
        switch self {
        case .connectionClosed: return "connection closed before the server replied"
        case .timedOut: return "no reply within the reply timeout"
        case .malformedReply: return "the server sent something that is not an SMTP reply"
        case .replyTooLong: return "the server's reply is too long"
        case .refused(let stage, let reply): return "\(stage) refused: \(reply)"
        }
    }
}

/// Closes the connection with ``SMTPClientError/timedOut`` when no reply arrived in time.
private final class ReplyTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.fireErrorCaught(SMTPClientError.timedOut)
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Reads SMTP replies (single or multi-line) from the connection.
struct ReplyReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var pending: [UInt8] = []
    private static let maximumReplyBytes = 64 * 1024

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    mutating func next() async throws -> SMTPReply {
        while true {
            if let reply = try Self.parse(&pending) { return reply }
            if pending.count > Self.maximumReplyBytes { throw SMTPClientError.replyTooLong }
            guard let buffer = try await iterator.next() else { throw SMTPClientError.connectionClosed }
            pending += buffer.readableBytesView
        }
    }

    /// Takes one complete reply off the front of `bytes`, or returns nil when more input is needed.
    static func parse(_ bytes: inout [UInt8]) throws -> SMTPReply? {
        var lines: [String] = []
        var code: Int?
        var start = 0
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = bytes[start..<end]
            start = newline + 1
            guard line.count >= 3, line.prefix(3).allSatisfy({ (0x30...0x39).contains($0) }),
                  let lineCode = Int(String(decoding: line.prefix(3), as: UTF8.self)),
                  (200...599).contains(lineCode)
            else { throw SMTPClientError.malformedReply }
            if let code, code != lineCode { throw SMTPClientError.malformedReply }
            code = lineCode
            let separator = line.count > 3 ? line[line.startIndex + 3] : UInt8(ascii: " ")
            lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
            if separator != UInt8(ascii: "-") {
                bytes.removeFirst(start)
                let (enhanced, firstRest) = SMTPReply.splitEnhanced(lines[0])
                guard let enhanced else { return SMTPReply(code: lineCode, lines) }
                let rest = lines.dropFirst().map { SMTPReply.splitEnhanced($0).rest }
                return SMTPReply(code: lineCode, enhanced: enhanced, [firstRest] + rest)
            }
        }
        return nil
    }
}

/// One SMTP transaction with the next hop.
private struct Conversation {
    var replies: ReplyReader
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    mutating func send(_ line: String) async throws {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
    }

    /// What the next hop offered in its EHLO reply (keyword upper-case → parameters).
    var extensions: [String: String] = [:]

    /// Reads the greeting and introduces the client.
    mutating func greet(heloName: String) async throws {
        let greeting = try await replies.next()
        guard greeting.isPositive else { throw SMTPClientError.refused(stage: "connection", reply: greeting) }

        try await send("EHLO \(heloName)")
        let ehlo = try await replies.next()
        if ehlo.isPositive {
            for line in ehlo.lines.dropFirst() {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard let keyword = parts.first else { continue }
                extensions[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
            }
        } else {
            try await send("HELO \(heloName)")
            let helo = try await replies.next()
            guard helo.isPositive else { throw SMTPClientError.refused(stage: "HELO", reply: helo) }
        }
    }

    /// Sends one message. Returns the next hop's answer, and whether the connection is still
    /// open and ready for another message (otherwise it has been ended). On a reused connection
    /// that was closed, or is closing, before the next hop answered MAIL FROM, throws
    /// ``StaleConnection``: nothing was delivered, and the message can go out on a new one.
    mutating func transact(_ message: OutboundMessage, onReusedConnection: Bool) async throws -> (DeliveryResult, open: Bool) {
        if let limitText = extensions["SIZE"], let limit = Int(limitText), limit > 0, message.bytes.count > limit {
            return (.permanentFailure(reason: "message of \(message.bytes.count) bytes exceeds the next hop's SIZE limit of \(limit)"), open: true)
        }
        var mail = "MAIL FROM:<\(message.sender)>"
        if extensions["SIZE"] != nil { mail += " SIZE=\(message.bytes.count)" }
        if extensions["8BITMIME"] != nil, try Self.hasEightBitBytes(message.bytes) { mail += " BODY=8BITMIME" }
        let commands = [mail] + message.recipients.map { "RCPT TO:<\($0)>" } + ["DATA"]

        let pipelining = extensions["PIPELINING"] != nil
        let mailReply: SMTPReply
        do {
            if pipelining {
                try await outbound.write(ByteBuffer(string: commands.map { $0 + "\r\n" }.joined()))
            } else {
                try await send(commands[0])
            }
            mailReply = try await replies.next()
        } catch {
            if onReusedConnection { throw StaleConnection() }
            throw error
        }
        if onReusedConnection && mailReply.code == 421 { throw StaleConnection() }
        guard mailReply.isPositive else {
            try? await quit(afterPipelinedReplies: pipelining ? message.recipients.count + 1 : 0)
            let reason = "MAIL FROM refused: \(mailReply)"
            return (mailReply.isPermanent ? .permanentFailure(reason: reason) : .transientFailure(reason: reason), open: false)
        }
        var accepted: [String] = []
        var refused: [RecipientRefusal] = []
        for (index, recipient) in message.recipients.enumerated() {
            if !pipelining { try await send(commands[index + 1]) }
            let reply = try await replies.next()
            if reply.isPositive {
                accepted.append(recipient)
            } else {
                refused.append(RecipientRefusal(recipient: recipient, reply: reply))
            }
        }
        if !pipelining && accepted.isEmpty {
            try? await quit()
            return (.recipientsRefused(accepted: [], refused: refused), open: false)
        }
        if !pipelining { try await send("DATA") }
        let dataReply = try await replies.next()
        if dataReply.code == 354 && accepted.isEmpty {
            // RFC 2920: a server that answers DATA with 354 after refusing every recipient still
            // gets a (empty) message, which it must then refuse.
            try await send(".")
            _ = try? await replies.next()
        }
        if accepted.isEmpty {
            try? await quit()
            return (.recipientsRefused(accepted: [], refused: refused), open: false)
        }
        guard dataReply.code == 354 else {
            try? await quit()
            let reason = "DATA refused: \(dataReply)"
            return (dataReply.isPermanent ? .permanentFailure(reason: reason) : .transientFailure(reason: reason), open: false)
        }
        try await sendData(message.bytes)
        let final = try await replies.next()
        let result: DeliveryResult
        if final.isPositive {
            result = refused.isEmpty ? .accepted : .recipientsRefused(accepted: accepted, refused: refused)
        } else {
            let reason = "message refused: \(final)"
            result = final.isPermanent ? .permanentFailure(reason: reason) : .transientFailure(reason: reason)
        }
        // After the reply to the final dot the session is ready for the next MAIL, unless the
        // next hop announced (421) that it is closing.
        guard final.code != 421 else {
            try? await quit()
            return (result, open: false)
        }
        return (result, open: true)
    }

    /// Writes the message as the DATA stream, a piece at a time: the writer waits while the
    /// connection is backed up, so a large message is never held a second time in the stream's form.
    mutating func sendData(_ bytes: MessageBytes) async throws {
        var encoder = SMTPClient.DataStreamEncoder()
        var scratch: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            var buffer = ByteBuffer()
            offset += try bytes.withPiece(at: offset, maximum: Self.dataPieceBytes, scratch: &scratch) { piece in
                encoder.encode(piece, into: &buffer)
                return piece.count
            }
            try await outbound.write(buffer)
        }
        var end = ByteBuffer()
        encoder.finish(into: &end)
        try await outbound.write(end)
    }

    /// How much of the message goes into one write to the connection.
    static let dataPieceBytes = 1 << 18

    static func hasEightBitBytes(_ bytes: MessageBytes) throws -> Bool {
        var found = false
        try bytes.forEachPiece { piece in
            if !found { found = piece.contains { $0 >= 0x80 } }
        }
        return found
    }

    /// Ends the session politely; replies to commands still in the pipeline are skipped first.
    mutating func quit(afterPipelinedReplies outstanding: Int = 0) async throws {
        try await send("QUIT")
        for _ in 0..<outstanding { _ = try await replies.next() }
        _ = try await replies.next()
    }
}
