import Logging

/// The single outcome of handling one received message, independent of how it arrived.
public enum DispatchOutcome: Sendable, Equatable {
    /// Every delivery was accepted by the next hop, or the message was quarantined: the client may
    /// forget the message.
    case accepted(deliveries: Int, quarantined: Int)
    /// Nothing is final yet: the client must keep the message and retry. `reason` is one line.
    case temporaryFailure(enhanced: String, reason: String)
    /// The message is refused for good; the client bounces it to the sender.
    case permanentFailure(code: Int, enhanced: String, reason: String)

    /// The SMTP reply to the final "." of DATA.
    public var smtpReply: SMTPReply {
        switch self {
        case .accepted(let deliveries, let quarantined):
            return SMTPReply(code: 250, enhanced: "2.0.0", "Ok: delivered \(deliveries), quarantined \(quarantined)")
        case .temporaryFailure(let enhanced, let reason):
            return SMTPReply(code: 451, enhanced: enhanced, reason)
        case .permanentFailure(let code, let enhanced, let reason):
            return SMTPReply(code: code, enhanced: enhanced, reason)
        }
    }
}

/// Runs the filter on a received message and hands its deliveries to the next hop, turning the
/// whole into one ``DispatchOutcome``. Shared by the SMTP server and pipe mode.
///
/// Rules (design section 7, never lose mail):
/// - the filter throwing, an empty or inconsistent decision, or any `.tempfail` → temporary
///   failure, before anything is delivered;
/// - only rejections → the first one, permanent;
/// - deliveries go to the next hop in order; the first transient failure (or a recipient refused
///   with 4xx) stops and gives a temporary failure. Deliveries made before it are repeated on the
///   client's retry: a duplicate is preferred to a loss;
/// - a permanent refusal by the next hop (5xx) gives a permanent failure with the next hop's
///   reason, so that the sender's MTA bounces the message rather than retrying for days.
public struct MessageDispatcher: Sendable {
    /// The message-processing pipeline.
    public var filter: any MessageFilter
    /// Where deliveries go.
    public var nextHop: any NextHopDelivering
    /// Where decisions are logged (envelope counts and reasons, never content).
    public var logger: Logger

    /// Creates a dispatcher.
    public init(filter: any MessageFilter, nextHop: any NextHopDelivering, logger: Logger) {
        self.filter = filter
        self.nextHop = nextHop
        self.logger = logger
    }

    /// Filters and delivers one message, handing it over to the filter (not kept meanwhile).
    public func dispatch(_ message: consuming ReceivedMessage) async -> DispatchOutcome {
        var logger = self.logger
        logger[metadataKey: "session"] = "\(message.session.sessionID)"
        logger[metadataKey: "size"] = "\(message.bytes.count)"
        logger[metadataKey: "recipients"] = "\(message.recipients.count)"

        let decision: FilterDecision
        do {
            decision = try await filter.decide(consume message)
        } catch {
            logger.error("message filter failed; asking the client to retry", metadata: ["error": "\(error)"])
            return .temporaryFailure(enhanced: "4.3.0", reason: "Error: internal error, try again later")
        }

        if let problem = Self.inconsistency(in: decision) {
            logger.error("message filter returned an unusable decision; asking the client to retry", metadata: ["problem": "\(problem)"])
            return .temporaryFailure(enhanced: "4.3.0", reason: "Error: internal error, try again later")
        }
        for case .tempfail(let text) in decision.outcomes {
            logger.notice("message filter asked for a retry", metadata: ["reason": "\(text)"])
            return .temporaryFailure(enhanced: "4.3.0", reason: text)
        }
        if case .reject(let code, let enhanced, let text) = decision.outcomes.first {
            logger.notice("message filter refused the message", metadata: ["code": "\(code)", "enhanced": "\(enhanced)", "reason": "\(text)"])
            return .permanentFailure(code: code, enhanced: enhanced, reason: text)
        }

        var delivered = 0
        var quarantined = 0
        var permanentProblems: [String] = []
        for outcome in decision.outcomes {
            switch outcome {
            case .quarantined(let reason):
                quarantined += 1
                logger.info("message quarantined", metadata: ["reason": "\(reason)"])
            case .deliver(let bytes, let sender, let recipients):
                let result = await nextHop.deliver(OutboundMessage(sender: sender, recipients: recipients, bytes: bytes))
                switch result {
                case .accepted:
                    delivered += 1
                    logger.info("next hop accepted a delivery", metadata: ["deliveryRecipients": "\(recipients.count)", "deliverySize": "\(bytes.count)"])
                case .transientFailure(let reason):
                    logger.warning("next hop failed transiently; asking the client to retry", metadata: ["reason": "\(reason)", "deliveredBefore": "\(delivered)"])
                    return .temporaryFailure(enhanced: "4.4.0", reason: "Next hop: \(reason)")
                case .permanentFailure(let reason):
                    logger.error("next hop refused a delivery permanently", metadata: ["reason": "\(reason)"])
                    permanentProblems.append(reason)
                case .recipientsRefused(let accepted, let refused):
                    let described = refused.map { "<\($0.recipient)>: \($0.reply)" }.joined(separator: "; ")
                    if refused.contains(where: { !$0.isPermanent }) {
                        logger.warning("next hop refused recipients temporarily; asking the client to retry", metadata: ["refused": "\(described)", "accepted": "\(accepted.count)"])
                        return .temporaryFailure(enhanced: "4.4.0", reason: "Next hop refused recipients: \(described)")
                    }
                    logger.error("next hop refused recipients permanently", metadata: ["refused": "\(described)", "accepted": "\(accepted.count)"])
                    permanentProblems.append("refused \(described)")
                    if !accepted.isEmpty { delivered += 1 }
                }
            case .reject, .tempfail:
                continue
            }
        }
        if !permanentProblems.isEmpty {
            return .permanentFailure(code: 554, enhanced: "5.0.0", reason: "Next hop: " + permanentProblems.joined(separator: "; "))
        }
        logger.info("message accepted", metadata: ["deliveries": "\(delivered)", "quarantined": "\(quarantined)"])
        return .accepted(deliveries: delivered, quarantined: quarantined)
    }

    /// Why a decision cannot be carried out as one reply, or nil when it can.
    static func inconsistency(in decision: FilterDecision) -> String? {
        if decision.outcomes.isEmpty { return "no outcome at all" }
        var rejects = 0
        var accepts = 0
        for outcome in decision.outcomes {
            switch outcome {
            case .reject(let code, let enhanced, _):
                rejects += 1
                if !(500..<600).contains(code) { return "reject with code \(code), which is not 5xx" }
                if !enhanced.hasPrefix("5.") { return "reject with enhanced code \(enhanced), which is not 5.x.x" }
            case .deliver(_, _, let recipients):
                accepts += 1
                if recipients.isEmpty { return "delivery without recipients" }
            case .quarantined:
                accepts += 1
            case .tempfail:
                continue
            }
        }
        if rejects > 0 && accepts > 0 {
            return "reject mixed with delivery or quarantine: deliver a notice to the sender for the refused recipients instead"
        }
        return nil
    }
}
