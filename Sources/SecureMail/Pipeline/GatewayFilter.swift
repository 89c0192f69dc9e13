/// The gateway as the transport sees it: one ``FilterDecision`` per received message.
/// Used by the SMTP content filter and by pipe mode alike.
public struct GatewayFilter: MessageFilter {
    public var processor: GatewayProcessor
    /// Forced direction (pipe mode's `--direction`); nil decides per message.
    public var direction: MailDirection?
    /// Called with every processed message's report and how long processing took (for
    /// `--report` and metrics).
    public var onReport: @Sendable (MessageReport, Duration) -> Void

    public init(
        processor: GatewayProcessor, direction: MailDirection? = nil,
        onReport: @escaping @Sendable (MessageReport, Duration) -> Void = { _, _ in }
    ) {
        self.processor = processor
        self.direction = direction
        self.onReport = onReport
    }

    public func decide(_ message: consuming ReceivedMessage) async throws -> FilterDecision {
        let started = ContinuousClock.now
        let sender = message.sender
        let recipients = message.recipients
        // Handed on, not kept: the processor lets a large message's bytes go once it has parsed them.
        let bytes = (consume message).bytes
        let result = try await processor.process(consume bytes, sender: sender, recipients: recipients, direction: direction)
        onReport(result.report, ContinuousClock.now - started)
        return Self.decision(for: result)
    }

    /// The transport's view of a processing result: deliveries, the quarantine, or a refusal.
    public static func decision(for result: ProcessingResult) -> FilterDecision {
        if let rejection = result.rejection {
            let enhanced = rejection.split(separator: " ").first.map(String.init) ?? "5.7.1"
            let text = rejection.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? rejection
            return FilterDecision([.reject(code: 550, enhanced: enhanced.hasPrefix("5.") ? enhanced : "5.7.1", text: text)])
        }
        var outcomes: [FilterOutcome] = result.deliveries.map { .deliver(bytes: $0.message, sender: $0.sender, recipients: $0.recipients) }
        if let id = result.quarantineID {
            outcomes.append(.quarantined(reason: "quarantine \(id.uuidString)"))
        }
        return FilterDecision(outcomes)
    }
}
