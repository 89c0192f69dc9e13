import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The after-queue SMTP content filter (like amavisd-new): Postfix relays every message to it
/// (127.0.0.1:10025), it runs the ``MessageFilter`` and re-injects the result through a
/// ``NextHopDelivering`` (127.0.0.1:10026). It answers 250 to DATA only after the next hop
/// accepted every delivery or the message was quarantined, 4xx on anything transient and 5xx
/// only for a permanent refusal, so Postfix keeps every message until it is safe.
///
/// Speaks EHLO/HELO, PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES and XFORWARD.
public final class SMTPServer: Sendable {
    /// Limits and addresses of the server.
    public struct Configuration: Sendable {
        /// The address to listen on.
        public var host: String
        /// The port to listen on; 0 picks a free one (see ``SMTPServer/start()``).
        public var port: Int
        /// The name in the greeting and the EHLO reply.
        public var hostname: String
        /// The largest message accepted, in bytes (announced with SIZE; larger gives 552 5.3.4).
        public var maximumMessageSize: Int
        /// The most recipients per message (more get 452 4.5.3).
        public var maximumRecipients: Int
        /// The most sessions at once; more connections get 421 4.7.0 and are closed.
        public var maximumSessions: Int
        /// The longest command line, line end included (longer gives 500 5.5.2).
        public var maximumCommandLineLength: Int
        /// The longest line tolerated inside a message, line end included; the RFC 5322 limit is
        /// 1000, longer lines are accepted up to this bound, beyond it the message gets 500 5.5.2.
        public var maximumDataLineLength: Int
        /// How long the server waits for the client's next command or message bytes (421 4.4.2).
        public var idleTimeout: Duration
        /// How long one session may last (421 4.4.2 when it ends; a message being processed is
        /// answered first).
        public var sessionTimeout: Duration
        /// How many erroneous commands a session may send before it is closed (421 4.7.0).
        public var maximumErrors: Int
        /// How long ``SMTPServer/shutdown()`` lets sessions in flight finish before closing them.
        public var shutdownGracePeriod: Duration

        /// Creates a configuration with the content-filter defaults.
        public init(
            host: String = "127.0.0.1", port: Int = 10025, hostname: String = "localhost",
            maximumMessageSize: Int = 50 * 1024 * 1024, maximumRecipients: Int = 1000, maximumSessions: Int = 100,
            maximumCommandLineLength: Int = 2048, maximumDataLineLength: Int = 64 * 1024,
            idleTimeout: Duration = .seconds(300), sessionTimeout: Duration = .seconds(3600), maximumErrors: Int = 20,
            shutdownGracePeriod: Duration = .seconds(30)
        ) {
            self.host = host
            self.port = port
            self.hostname = hostname
            self.maximumMessageSize = maximumMessageSize
            self.maximumRecipients = maximumRecipients
            self.maximumSessions = maximumSessions
            self.maximumCommandLineLength = maximumCommandLineLength
            self.maximumDataLineLength = maximumDataLineLength
            self.idleTimeout = idleTimeout
            self.sessionTimeout = sessionTimeout
            self.maximumErrors = maximumErrors
            self.shutdownGracePeriod = shutdownGracePeriod
        }
    }

    /// Why the server could not do what was asked.
    public enum ServerError: Error, CustomStringConvertible {
        /// ``SMTPServer/start()`` was called twice, or after shutdown.
        case alreadyStarted

        /// What happened and what to do.
        public var description: String {
            switch self {
            case .alreadyStarted: return "the SMTP server was already started; create a new SMTPServer to listen again"
            }
        }
    }

    private struct State {
        var listener: (any Channel)?
        var started = false
        var shuttingDown = false
        var sessions: [ObjectIdentifier: any Channel] = [:]
        var nextSessionNumber = 1
    }

    /// The limits in force.
    public let configuration: Configuration
    private let dispatcher: MessageDispatcher
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// Creates a server; nothing listens until ``start()``.
    public init(
        configuration: Configuration, filter: any MessageFilter, nextHop: any NextHopDelivering,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "securemail.transport.smtp-server")
    ) {
        self.configuration = configuration
        self.dispatcher = MessageDispatcher(filter: filter, nextHop: nextHop, logger: logger)
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// The number of sessions open now.
    public var activeSessions: Int { state.withLockedValue { $0.sessions.count } }

    /// Starts listening and returns the port actually bound (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        try state.withLockedValue { state in
            guard !state.started else { throw ServerError.alreadyStarted }
            state.started = true
        }
        let listener = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(self.handler(for: channel))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        state.withLockedValue { $0.listener = listener }
        let port = listener.localAddress?.port ?? configuration.port
        logger.info("SMTP content filter listening", metadata: ["address": "\(configuration.host):\(port)"])
        return port
    }

    /// Stops accepting connections, lets sessions in flight finish their current transaction for
    /// up to the grace period (idle sessions get 421 4.3.2 at once), then closes whatever is left.
    public func shutdown() async {
        let (listener, sessions) = state.withLockedValue { state in
            state.shuttingDown = true
            return (state.listener, Array(state.sessions.values))
        }
        try? await listener?.close()
        logger.info("SMTP content filter shutting down", metadata: ["sessions": "\(sessions.count)"])
        for session in sessions {
            session.pipeline.fireUserInboundEventTriggered(SMTPSessionHandler.ShutdownRequested())
        }
        let grace = configuration.shutdownGracePeriod
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for session in sessions { try? await session.closeFuture.get() }
            }
            group.addTask { try? await Task.sleep(for: grace) }
            await group.next()
            group.cancelAll()
        }
        let remaining = state.withLockedValue { Array($0.sessions.values) }
        if !remaining.isEmpty {
            logger.warning("closing sessions still open after the grace period", metadata: ["sessions": "\(remaining.count)"])
        }
        for session in remaining {
            try? await session.close()
        }
        await dispatcher.nextHop.closeIdleConnections()
    }

    private func handler(for channel: any Channel) -> any ChannelHandler {
        let key = ObjectIdentifier(channel)
        let admitted: Int? = state.withLockedValue { state in
            guard !state.shuttingDown, state.sessions.count < configuration.maximumSessions else { return nil }
            state.sessions[key] = channel
            defer { state.nextSessionNumber += 1 }
            return state.nextSessionNumber
        }
        guard let number = admitted else {
            logger.warning("refusing a connection: too many sessions or shutting down",
                           metadata: ["limit": "\(configuration.maximumSessions)"])
            return RefusingHandler(hostname: configuration.hostname)
        }
        channel.closeFuture.whenComplete { [state] _ in
            _ = state.withLockedValue { $0.sessions.removeValue(forKey: key) }
        }
        return SMTPSessionHandler(
            configuration: configuration, dispatcher: dispatcher, sessionID: "smtp-\(number)", logger: logger)
    }
}

/// Tells a client that the server cannot take another session now.
private final class RefusingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let hostname: String

    init(hostname: String) { self.hostname = hostname }

    func channelActive(context: ChannelHandlerContext) {
        let reply = SMTPReply(code: 421, enhanced: "4.7.0", "\(hostname) Error: too many connections, try again later")
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply.wireBytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
