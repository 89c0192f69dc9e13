import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One SMTP session of the content filter. Runs on its channel's event loop; reading is paused
/// (autoRead off) while a message is being filtered and delivered, so pipelined input waits in
/// the socket rather than in memory.
final class SMTPSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent by ``SMTPServer/shutdown()`` to every session.
    struct ShutdownRequested: Sendable {}

    private enum Phase {
        case command
        case data
        case processing
        case closed
    }

    private let configuration: SMTPServer.Configuration
    private let dispatcher: MessageDispatcher
    private let sessionID: String
    private var logger: Logger

    private var phase = Phase.command
    private var input: [UInt8] = []
    private var inputStart = 0
    private var discardingLongCommand = false
    private var errorCount = 0
    private var clientAddress = "unknown"

    private var heloName: String?
    private var usedESMTP = false
    private var sender: String?
    private var declaredBody: String?
    /// The SIZE the client announced; the message is allocated once for it instead of growing,
    /// which copies a large message and holds it up to three times meanwhile.
    private var declaredSize: Int?
    private var recipients: [String] = []
    private var forwarded: [String: String] = [:]

    private var message: [UInt8] = []
    private var messageSize = 0
    private var messageTooLarge = false
    private var messageLineTooLong = false
    private var dataLineLength = 0
    private var dataLineIsDiscarded = false
    private var previousLineEndedWithCRLF = true

    private var idleTimer: Scheduled<Void>?
    private var sessionTimer: Scheduled<Void>?
    private var closeAfterTransaction: SMTPReply?

    init(configuration: SMTPServer.Configuration, dispatcher: MessageDispatcher, sessionID: String, logger: Logger) {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.sessionID = sessionID
        self.logger = logger
        self.logger[metadataKey: "session"] = "\(sessionID)"
    }

    // MARK: Channel events

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        logger[metadataKey: "client"] = "\(clientAddress)"
        logger.debug("session opened")
        let loop = context.eventLoop.assumeIsolated()
        sessionTimer = loop.scheduleTask(in: TimeAmount(configuration.sessionTimeout)) { [self] in
            sessionExpired(context: context)
        }
        resetIdleTimer(context: context)
        send(SMTPReply(code: 220, "\(configuration.hostname) ESMTP SecureMail"), context: context)
        context.flush()
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closed
        idleTimer?.cancel()
        sessionTimer?.cancel()
        logger.debug("session closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .closed else { return }
        let buffer = unwrapInboundIn(data)
        input += buffer.readableBytesView
        if phase != .processing { resetIdleTimer(context: context) }
        processInput(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        if phase == .command || phase == .data { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ShutdownRequested else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let reply = SMTPReply(code: 421, enhanced: "4.3.2", "\(configuration.hostname) Service shutting down, try again later")
        if phase == .command && sender == nil {
            close(with: reply, context: context)
        } else {
            closeAfterTransaction = reply
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.notice("session failed", metadata: ["error": "\(error)"])
        phase = .closed
        context.close(promise: nil)
    }

    // MARK: Timers

    private func resetIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(configuration.idleTimeout)) { [self] in
            guard phase == .command || phase == .data else { return }
            logger.info("session idle too long; closing")
            close(with: SMTPReply(code: 421, enhanced: "4.4.2", "\(configuration.hostname) Error: timeout exceeded"), context: context)
        }
    }

    private func sessionExpired(context: ChannelHandlerContext) {
        let reply = SMTPReply(code: 421, enhanced: "4.4.2", "\(configuration.hostname) Error: session time limit exceeded")
        logger.info("session lasted too long; closing")
        if phase == .processing {
            closeAfterTransaction = reply
        } else {
            close(with: reply, context: context)
        }
    }

    // MARK: Input

    private func processInput(context: ChannelHandlerContext) {
        while phase == .command || phase == .data {
            let consumed: Bool
            if phase == .command {
                consumed = processCommandLine(context: context)
            } else {
                consumed = processDataLines(context: context)
            }
            if !consumed { break }
        }
        if inputStart > 0 && inputStart * 2 >= input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    /// Handles one command line if a whole one is buffered; returns false when more input is needed.
    private func processCommandLine(context: ChannelHandlerContext) -> Bool {
        guard let newline = input[inputStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            if input.count - inputStart > configuration.maximumCommandLineLength {
                // Without a line end in sight the line is too long already: answer now, drop
                // what arrived, and skip the rest of it up to its line end.
                input.removeAll(keepingCapacity: false)
                inputStart = 0
                if !discardingLongCommand {
                    discardingLongCommand = true
                    refuse(SMTPReply(code: 500, enhanced: "5.5.2", "Error: line too long"), context: context)
                }
            }
            return false
        }
        let lineStart = inputStart
        inputStart = newline + 1
        if discardingLongCommand {
            discardingLongCommand = false
            return true
        }
        if newline + 1 - lineStart > configuration.maximumCommandLineLength {
            refuse(SMTPReply(code: 500, enhanced: "5.5.2", "Error: line too long"), context: context)
            return true
        }
        var end = newline
        if end > lineStart && input[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: input[lineStart..<end], as: UTF8.self)
        handle(SMTPCommand.parse(line), context: context)
        return true
    }

    /// Handles the buffered lines of message content; returns false when more input is needed.
    /// Lines that need no change (ended by CR LF, not dot-stuffed) are copied a run at a time.
    private func processDataLines(context: ChannelHandlerContext) -> Bool {
        var runStart = inputStart
        func keepRun(upTo end: Int) {
            if end > runStart { message += input[runStart..<end] }
        }
        while let newline = input[inputStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let lineStart = inputStart
            inputStart = newline + 1
            let endsWithCR = newline > lineStart && input[newline - 1] == UInt8(ascii: "\r")
            let contentEnd = endsWithCR ? newline - 1 : newline
            let content = input[lineStart..<contentEnd]
            let wholeLineLength = dataLineLength + (newline + 1 - lineStart)
            let wasDiscarded = dataLineIsDiscarded
            dataLineLength = 0
            dataLineIsDiscarded = false

            if !wasDiscarded && endsWithCR && previousLineEndedWithCRLF && content.count == 1 && content.first == UInt8(ascii: ".") {
                keepRun(upTo: lineStart)
                endOfData(context: context)
                return true
            }
            previousLineEndedWithCRLF = endsWithCR
            if wasDiscarded || wholeLineLength > configuration.maximumDataLineLength {
                keepRun(upTo: lineStart)
                runStart = inputStart
                messageLineTooLong = true
                if !wasDiscarded { countMessageBytes(wholeLineLength) }
                continue
            }
            let stuffed = content.first == UInt8(ascii: ".")
            guard countMessageBytes(content.count - (stuffed ? 1 : 0) + 2) else {
                runStart = inputStart
                continue
            }
            if endsWithCR && !stuffed { continue }
            keepRun(upTo: lineStart)
            runStart = inputStart
            message += stuffed ? content.dropFirst() : content
            message += [13, 10]
        }
        keepRun(upTo: inputStart)
        let partial = input.count - inputStart
        if dataLineLength + partial > configuration.maximumDataLineLength {
            // An endless line: count it and let it go, the message will be refused.
            messageLineTooLong = true
            dataLineIsDiscarded = true
            dataLineLength += partial
            countMessageBytes(partial)
            input.removeAll(keepingCapacity: false)
            inputStart = 0
        }
        return false
    }

    /// Counts bytes towards the size limit; returns whether they may still be kept.
    @discardableResult
    private func countMessageBytes(_ count: Int) -> Bool {
        let (sum, overflow) = messageSize.addingReportingOverflow(count)
        messageSize = overflow ? Int.max : sum
        if messageSize > configuration.maximumMessageSize || messageLineTooLong {
            if !messageTooLarge && messageSize > configuration.maximumMessageSize { messageTooLarge = true }
            message = []
            return false
        }
        return true
    }

    // MARK: Commands

    private func handle(_ command: SMTPCommand, context: ChannelHandlerContext) {
        switch command {
        case .ehlo(let name):
            resetTransaction()
            heloName = name
            usedESMTP = true
            send(SMTPReply(code: 250, [
                configuration.hostname, "PIPELINING", "SIZE \(configuration.maximumMessageSize)", "8BITMIME",
                "ENHANCEDSTATUSCODES", "XFORWARD " + SMTPCommand.forwardAttributes.joined(separator: " "),
            ]), context: context)
        case .helo(let name):
            resetTransaction()
            heloName = name
            usedESMTP = false
            send(SMTPReply(code: 250, configuration.hostname), context: context)
        case .xforward(let attributes):
            guard sender == nil else {
                return refuse(SMTPReply(code: 503, enhanced: "5.5.1", "Error: MAIL transaction in progress"), context: context)
            }
            forwarded.merge(attributes) { $1 }
            send(SMTPReply(code: 250, enhanced: "2.0.0", "Ok"), context: context)
        case .mail(let address, let parameters):
            mail(from: address, parameters: parameters, context: context)
        case .rcpt(let address, let parameters):
            guard sender != nil else {
                return refuse(SMTPReply(code: 503, enhanced: "5.5.1", "Error: need MAIL command"), context: context)
            }
            guard parameters.isEmpty else {
                return refuse(SMTPReply(code: 555, enhanced: "5.5.4", "Unsupported option: \(parameters.keys.sorted().joined(separator: " "))"), context: context)
            }
            guard recipients.count < configuration.maximumRecipients else {
                return send(SMTPReply(code: 452, enhanced: "4.5.3", "Error: too many recipients"), context: context)
            }
            recipients.append(address)
            send(SMTPReply(code: 250, enhanced: "2.1.5", "Ok"), context: context)
        case .data:
            guard sender != nil else {
                return refuse(SMTPReply(code: 503, enhanced: "5.5.1", "Error: need RCPT command"), context: context)
            }
            guard !recipients.isEmpty else {
                return refuse(SMTPReply(code: 554, enhanced: "5.5.1", "Error: no valid recipients"), context: context)
            }
            message = []
            if let declaredSize { LargeBuffers.reserveCapacity(&message, declaredSize + declaredSize / 64 + 4096) }
            messageSize = 0
            messageTooLarge = false
            messageLineTooLong = false
            dataLineLength = 0
            dataLineIsDiscarded = false
            previousLineEndedWithCRLF = true
            phase = .data
            send(SMTPReply(code: 354, "End data with <CR><LF>.<CR><LF>"), context: context)
        case .rset:
            resetTransaction()
            send(SMTPReply(code: 250, enhanced: "2.0.0", "Ok"), context: context)
        case .noop:
            send(SMTPReply(code: 250, enhanced: "2.0.0", "Ok"), context: context)
        case .vrfy:
            send(SMTPReply(code: 252, enhanced: "2.0.0", "Cannot VRFY user, but will accept message"), context: context)
        case .quit:
            close(with: SMTPReply(code: 221, enhanced: "2.0.0", "Bye"), context: context)
        case .syntaxError(let reply):
            refuse(reply, context: context)
        case .unrecognized:
            refuse(SMTPReply(code: 500, enhanced: "5.5.2", "Error: command not recognized"), context: context)
        }
    }

    private func mail(from address: String, parameters: [String: String], context: ChannelHandlerContext) {
        guard heloName != nil else {
            return refuse(SMTPReply(code: 503, enhanced: "5.5.1", "Error: send HELO/EHLO first"), context: context)
        }
        guard sender == nil else {
            return refuse(SMTPReply(code: 503, enhanced: "5.5.1", "Error: nested MAIL command"), context: context)
        }
        var body: String?
        var announcedSize: Int?
        for (name, value) in parameters {
            switch name {
            case "SIZE":
                guard let size = Int(value), size >= 0 else {
                    return refuse(SMTPReply(code: 501, enhanced: "5.5.4", "Bad SIZE parameter"), context: context)
                }
                if size > configuration.maximumMessageSize {
                    return send(SMTPReply(code: 552, enhanced: "5.3.4", "Message size exceeds fixed limit"), context: context)
                }
                announcedSize = size
            case "BODY":
                let upper = value.uppercased()
                guard upper == "7BIT" || upper == "8BITMIME" else {
                    return refuse(SMTPReply(code: 501, enhanced: "5.5.4", "Bad BODY parameter"), context: context)
                }
                body = upper
            default:
                return refuse(SMTPReply(code: 555, enhanced: "5.5.4", "Unsupported option: \(name)"), context: context)
            }
        }
        sender = address
        declaredBody = body
        declaredSize = announcedSize
        send(SMTPReply(code: 250, enhanced: "2.1.0", "Ok"), context: context)
    }

    private func resetTransaction() {
        sender = nil
        declaredBody = nil
        declaredSize = nil
        recipients = []
        forwarded = [:]
        message = []
    }

    // MARK: End of a message

    private func endOfData(context: ChannelHandlerContext) {
        if messageTooLarge {
            logger.notice("message refused: too large", metadata: ["size": "\(messageSize)", "limit": "\(configuration.maximumMessageSize)"])
            finishTransaction(SMTPReply(code: 552, enhanced: "5.3.4", "Error: message file too big"), context: context)
            return
        }
        if messageLineTooLong {
            logger.notice("message refused: a line exceeds the tolerated length", metadata: ["limit": "\(configuration.maximumDataLineLength)"])
            finishTransaction(SMTPReply(code: 500, enhanced: "5.5.2", "Error: message line too long"), context: context)
            return
        }
        phase = .processing
        idleTimer?.cancel()
        context.flush()
        let received = ReceivedMessage(
            sender: sender ?? "", recipients: recipients, bytes: message, forwardedAttributes: forwarded,
            session: SessionInfo(
                sessionID: sessionID, clientAddress: clientAddress, heloName: heloName, usedESMTP: usedESMTP,
                declaredBody: declaredBody))
        message = []
        let dispatcher = self.dispatcher
        // Taken out of the box by the task: a message captured by the closure itself would stay
        // alive while it is processed, and the parser would have to copy it instead of taking it over.
        let handover = NIOLockedValueBox<ReceivedMessage?>(consume received)
        let promise = context.eventLoop.makePromise(of: DispatchOutcome.self)
        promise.completeWithTask {
            guard let message = handover.withLockedValue({ $0.take() }) else { preconditionFailure("a received message is dispatched once") }
            return await dispatcher.dispatch(consume message)
        }
        promise.futureResult.assumeIsolated().whenSuccess { [self] outcome in
            guard phase == .processing else {
                logger.warning("client went away before the reply; it will retry and may cause a duplicate",
                               metadata: ["outcome": "\(outcome)"])
                return
            }
            phase = .command
            finishTransaction(outcome.smtpReply, context: context)
            processInput(context: context)
            context.flush()
            if phase == .command || phase == .data { context.read() }
        }
    }

    private func finishTransaction(_ reply: SMTPReply, context: ChannelHandlerContext) {
        resetTransaction()
        phase = .command
        send(reply, context: context)
        resetIdleTimer(context: context)
        if let closing = closeAfterTransaction {
            close(with: closing, context: context)
        }
    }

    // MARK: Output

    private func send(_ reply: SMTPReply, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(ByteBuffer(bytes: reply.wireBytes)), promise: nil)
    }

    /// Sends an error reply and closes the session when the client keeps erring.
    private func refuse(_ reply: SMTPReply, context: ChannelHandlerContext) {
        errorCount += 1
        if errorCount > configuration.maximumErrors {
            logger.notice("too many errors; closing", metadata: ["errors": "\(errorCount)"])
            close(with: SMTPReply(code: 421, enhanced: "4.7.0", "\(configuration.hostname) Error: too many errors"), context: context)
        } else {
            send(reply, context: context)
        }
    }

    private func close(with reply: SMTPReply, context: ChannelHandlerContext) {
        guard phase != .closed else { return }
        phase = .closed
        idleTimer?.cancel()
        sessionTimer?.cancel()
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply.wireBytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
