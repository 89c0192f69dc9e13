/// What the SMTP content filter (or pipe mode) hands to the message-processing pipeline.
///
/// The transport calls the filter once per received message, after the whole message was read
/// and before anything is answered to the client; the client keeps the message until the
/// transport replies, so the filter may take its time and may fail without losing mail.
public protocol MessageFilter: Sendable {
    /// Decides what happens to one message. Throwing means "transient trouble": the transport
    /// answers 451 4.3.0 (SMTP) or exits 75 (pipe mode) and the client retries later. The filter
    /// owns the message, so that it can let a large one go as soon as it holds it in another form.
    func decide(_ message: consuming ReceivedMessage) async throws -> FilterDecision
}

/// One message as received from the mail server, with its envelope.
public struct ReceivedMessage: Sendable, Equatable {
    /// Envelope sender (MAIL FROM); empty for the null sender `<>` of bounces.
    public var sender: String
    /// Envelope recipients (RCPT TO), in the order they were given.
    public var recipients: [String]
    /// The message, header and body, with CRLF line ends and dot-unstuffed.
    public var bytes: [UInt8]
    /// Attributes of the original client that Postfix passed with XFORWARD (NAME, ADDR, HELO ...),
    /// keys upper-case, values xtext-decoded; empty in pipe mode or when Postfix sent none.
    public var forwardedAttributes: [String: String]
    /// The SMTP session (or pipe invocation) the message arrived in.
    public var session: SessionInfo

    /// Creates a received message.
    public init(
        sender: String, recipients: [String], bytes: [UInt8], forwardedAttributes: [String: String] = [:],
        session: SessionInfo
    ) {
        self.sender = sender
        self.recipients = recipients
        self.bytes = bytes
        self.forwardedAttributes = forwardedAttributes
        self.session = session
    }
}

/// Where and how a message reached the gateway.
public struct SessionInfo: Sendable, Equatable {
    /// An identifier for log correlation, unique per session within the process.
    public var sessionID: String
    /// The peer's address as text (for example "127.0.0.1:51234"), or "pipe" in pipe mode.
    public var clientAddress: String
    /// The name the client gave with EHLO/HELO, if any.
    public var heloName: String?
    /// Whether the client used EHLO (ESMTP) rather than HELO.
    public var usedESMTP: Bool
    /// The BODY parameter of MAIL FROM ("8BITMIME" or "7BIT"), if given.
    public var declaredBody: String?

    /// Creates session information.
    public init(
        sessionID: String, clientAddress: String, heloName: String? = nil, usedESMTP: Bool = false,
        declaredBody: String? = nil
    ) {
        self.sessionID = sessionID
        self.clientAddress = clientAddress
        self.heloName = heloName
        self.usedESMTP = usedESMTP
        self.declaredBody = declaredBody
    }

    /// Session information for pipe mode (`securemail-relay process`).
    public static func pipe(sessionID: String) -> SessionInfo {
        SessionInfo(sessionID: sessionID, clientAddress: "pipe")
    }
}

/// A filter's answer for one message: what to do with each group of recipients.
///
/// A content filter gets exactly one reply for all recipients of a message, so the outcomes
/// combine as follows (see ``MessageDispatcher``):
/// - any `.tempfail` → nothing is delivered, the client is told to retry (4xx / exit 75);
/// - only `.reject` outcomes → the first rejection is the reply (5xx / exit 65, 67 or 77);
/// - otherwise every `.deliver` is handed to the next hop and `.quarantined` counts as accepted.
///
/// A decision that rejects some recipients permanently and delivers to others cannot be answered
/// with one SMTP reply. The filter expresses it by delivering what can be delivered and adding a
/// `.deliver` of a notice (a bounce) to the envelope sender for the refused recipients; the reply
/// is then 250. Mixing `.reject` with `.deliver` or `.quarantined` is refused as a filter bug
/// with a 451 (the mail stays queued at the client, nothing is lost) and an error log line.
public struct FilterDecision: Sendable, Equatable {
    /// The outcomes, one per recipient group; never empty for a valid decision.
    public var outcomes: [FilterOutcome]

    /// Creates a decision from its outcomes.
    public init(_ outcomes: [FilterOutcome]) {
        self.outcomes = outcomes
    }

    /// A decision that delivers the given bytes unchanged to the original envelope.
    public static func deliverUnchanged(_ message: ReceivedMessage) -> FilterDecision {
        FilterDecision([.deliver(bytes: MessageBytes(message.bytes), sender: message.sender, recipients: message.recipients)])
    }
}

/// What happens to one group of recipients.
public enum FilterOutcome: Sendable, Equatable {
    /// Hand these bytes to the next hop for these recipients, with this envelope sender
    /// (empty for the null sender, as for a notice or bounce).
    case deliver(bytes: MessageBytes, sender: String, recipients: [String])
    /// The filter already stored the message durably in quarantine; counts as accepted.
    case quarantined(reason: String)
    /// Refuse permanently: `code` is a 5xx reply code, `enhanced` an RFC 3463 code such as "5.7.1",
    /// `text` a one-line reason for the sender (no message content, no identifiers).
    case reject(code: Int, enhanced: String, text: String)
    /// Refuse for now: the client keeps the message and retries; `text` is a one-line reason.
    case tempfail(text: String)
}

/// A message to hand to the next hop.
public struct OutboundMessage: Sendable, Equatable {
    /// Envelope sender; empty for the null sender.
    public var sender: String
    /// Envelope recipients; at least one.
    public var recipients: [String]
    /// The message (line ends may be LF or CRLF: the SMTP client sends CRLF).
    public var bytes: MessageBytes

    /// Creates an outbound message.
    public init(sender: String, recipients: [String], bytes: MessageBytes) {
        self.sender = sender
        self.recipients = recipients
        self.bytes = bytes
    }
}

/// Something that hands a message to the next mail server: the SMTP client (content-filter
/// mode) or sendmail (pipe mode).
public protocol NextHopDelivering: Sendable {
    /// Delivers one message. Never throws: every failure is a ``DeliveryResult``.
    func deliver(_ message: OutboundMessage) async -> DeliveryResult
    /// Ends what is kept open between messages (connections to the next hop); called when the
    /// server shuts down.
    func closeIdleConnections() async
}

extension NextHopDelivering {
    /// Nothing is kept open between messages.
    public func closeIdleConnections() async {}
}

/// How the next hop answered.
public enum DeliveryResult: Sendable, Equatable {
    /// The next hop took responsibility for every recipient.
    case accepted
    /// The next hop took the message for `accepted` (possibly none) and refused the others,
    /// each with its own reply (4xx: temporary, 5xx: permanent).
    case recipientsRefused(accepted: [String], refused: [RecipientRefusal])
    /// Nothing was delivered and a retry may succeed (connection failed, 4xx, timeout, EX_TEMPFAIL).
    case transientFailure(reason: String)
    /// Nothing was delivered and a retry will not help (5xx to MAIL FROM or DATA, permanent exit status).
    case permanentFailure(reason: String)
}

/// One recipient the next hop refused, with its reply.
public struct RecipientRefusal: Sendable, Equatable {
    /// The refused recipient.
    public var recipient: String
    /// The next hop's reply to RCPT TO.
    public var reply: SMTPReply

    /// Creates a refusal.
    public init(recipient: String, reply: SMTPReply) {
        self.recipient = recipient
        self.reply = reply
    }

    /// Whether the refusal is permanent (5xx).
    public var isPermanent: Bool { reply.code >= 500 }
}
