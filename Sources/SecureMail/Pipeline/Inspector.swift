import Foundation

/// Which way a message travels, decided from the envelope and the configuration.
public enum MailDirection: String, Sendable, Codable {
    /// To one of the secure mailboxes.
    case inbound
    /// From an internal sender to at least one external recipient.
    case outbound
    /// Anything else: passed through unchanged.
    case `internal`

    public static func classify(sender: String?, recipients: [String], configuration: GatewayConfiguration) -> MailDirection {
        if recipients.contains(where: { configuration.mailbox($0) != nil }) { return .inbound }
        if let sender, configuration.isInternal(sender), recipients.contains(where: { !configuration.isInternal($0) }) {
            return .outbound
        }
        return .internal
    }
}

extension LimitSettings {
    /// The parser's limits for these settings.
    public var mimeLimits: MIMELimits {
        MIMELimits(
            maxMessageSize: maxMessageBytes, maxHeaderLineLength: maxHeaderLineBytes, maxHeaderFields: maxHeaderFields,
            maxDepth: maxMIMEDepth, maxParts: maxParts)
    }
}

/// The result of looking at a message: the report, and the unwrapped message when it parsed.
public struct Inspection: Sendable {
    public var report: MessageReport
    public var unwrapped: UnwrappedMessage?
}

extension SubjectRouter {
    /// The router of `configuration`'s routing table, built when a message to a secure mailbox
    /// first needs it: a process for one outbound message never does, and building one
    /// normalises every name and alias.
    static func built(for configuration: GatewayConfiguration) -> LoadedOnce<SubjectRouter, Never> {
        LoadedOnce { SubjectRouter(table: configuration.routingTable) }
    }
}

/// Unwraps, decrypts and verifies a message and reports on it, changing nothing. Input it
/// cannot read gives the verdict `malformed` with the reason; it throws only
/// ``IdentityUnavailableError``, when a key of the configuration cannot be loaded.
public struct Inspector: Sendable {
    public var configuration: GatewayConfiguration
    public var keyring: Keyring
    public var evaluationTime: Date
    private let router: LoadedOnce<SubjectRouter, Never>

    public init(configuration: GatewayConfiguration, keyring: Keyring, evaluationTime: Date = Date()) {
        self.init(configuration: configuration, keyring: keyring, router: SubjectRouter.built(for: configuration), evaluationTime: evaluationTime)
    }

    /// An inspector that routes with `router`, which must be built from `configuration`'s routing
    /// table: building one normalises every name and alias, too much to repeat for every message.
    init(configuration: GatewayConfiguration, keyring: Keyring, router: LoadedOnce<SubjectRouter, Never>, evaluationTime: Date) {
        self.configuration = configuration
        self.keyring = keyring
        self.evaluationTime = evaluationTime
        self.router = router
    }

    /// MIME limits from the configuration.
    public var mimeLimits: MIMELimits { configuration.limits.mimeLimits }

    /// Inspects a message. Without an envelope, the sender and recipients come from the From,
    /// To and Cc fields.
    /// Takes ownership of `bytes`, which become the parsed message (it serialises back to them
    /// exactly), so that a caller who hands them over holds a large message only once.
    public func inspect(
        _ bytes: consuming [UInt8], sender envelopeSender: String? = nil, recipients envelopeRecipients: [String]? = nil
    ) throws(IdentityUnavailableError) -> Inspection {
        let message: MIMEPart
        do {
            message = try MIMEParser.parse(consume bytes, limits: mimeLimits)
        } catch {
            return Inspection(report: malformedReport(reason: "the message cannot be parsed: \(error)", sender: envelopeSender), unwrapped: nil)
        }
        return try inspect(parsed: consume message, sender: envelopeSender, recipients: envelopeRecipients)
    }

    /// Inspects a message already parsed (with ``mimeLimits``), which it takes over (see
    /// ``SMIMEUnwrapper/unwrap(_:)``).
    public func inspect(
        parsed message: consuming MIMEPart, sender envelopeSender: String? = nil, recipients envelopeRecipients: [String]? = nil
    ) throws(IdentityUnavailableError) -> Inspection {
        let headerRecipients = ["To", "Cc"].flatMap { message.header.all($0) }.flatMap { AddressList.parse($0.value) }.map(\.address)
        let recipients = envelopeRecipients ?? headerRecipients
        let sender = envelopeSender ?? message.header.first("From").flatMap { AddressList.parse($0.value).first?.address }
        let unwrapper = SMIMEUnwrapper(
            decryptionCandidates: keyring.decryptionCandidates(forRecipients: recipients), trust: keyring.trust,
            evaluationTime: evaluationTime, limits: mimeLimits, maximumCMSBytes: configuration.limits.maxCMSBytes)
        let unwrapped = try unwrapper.unwrap(consume message)
        let assessment = SignatureVerdict.assess(unwrapped)
        let direction = MailDirection.classify(sender: sender, recipients: recipients, configuration: configuration)
        let subject = ProtectedHeaders.effectiveValue("Subject", of: unwrapped)
        let mailbox = recipients.first { configuration.mailbox($0) != nil }
        let allLayers = unwrapped.layers.map { LayerReport($0) } + unwrapped.partialSignatures.map { LayerReport($0, coversWholeMessage: false) }
        let report = MessageReport(
            // A sender chooses the Message-ID: it may carry a CPR number, even glued to letters,
            // and it reaches logs and the audit trail.
            messageId: ProtectedHeaders.effectiveValue("Message-ID", of: unwrapped)
                .map {
                    SensitiveContentScan.maskingDigitRuns(in: SensitiveContentScan.maskingIdentifiers(in: $0))
                        .trimmingSpace()
                },
            direction: direction.rawValue,
            from: ProtectedHeaders.effectiveValue("From", of: unwrapped).flatMap { AddressList.parse($0).first?.address },
            layers: allLayers,
            encrypted: unwrapped.isEncrypted,
            decrypted: unwrapped.layers.contains { $0.kind != .signed } && unwrapped.decryptionFailure == nil,
            signed: !unwrapped.allSigners.isEmpty || allLayers.contains { $0.type == "signed" },
            signature: assessment.signature,
            signer: assessment.signer,
            signerMatchesFrom: assessment.signerMatchesFrom,
            verdict: assessment.verdict,
            subject: subject.map { SensitiveContentScan.maskingIdentifiers(in: $0).trimmingSpace() },
            protectedHeaders: ProtectedHeaders.fields(of: unwrapped).map(\.name),
            route: mailbox.map { maskedRoute(router.value().route(subject: subject, mailbox: $0)) },
            reasons: assessment.reasons,
            evaluatedAt: ISO8601.format(evaluationTime))
        return Inspection(report: report, unwrapped: unwrapped)
    }

    /// The route as reported: the subject it was decided on, with identifiers masked.
    private func maskedRoute(_ decision: RouteDecision) -> RouteDecision {
        var masked = decision
        masked.effectiveSubject = SensitiveContentScan.maskingIdentifiers(in: decision.effectiveSubject)
        return masked
    }

    private func malformedReport(reason: String, sender: String?) -> MessageReport {
        MessageReport(
            messageId: nil, direction: MailDirection.internal.rawValue, from: sender, layers: [], encrypted: false,
            decrypted: false, signed: false, signature: .none, signer: nil, signerMatchesFrom: nil, verdict: .malformed,
            subject: nil, protectedHeaders: [], reasons: [reason], evaluatedAt: ISO8601.format(evaluationTime))
    }
}
