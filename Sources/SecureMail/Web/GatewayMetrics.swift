import Foundation
import Prometheus

/// The gateway's metrics in one Prometheus registry: messages processed (by direction and
/// outcome), how long processing took, and how many days each mailbox certificate has left.
/// The pipeline records into it; `/metrics` renders it. Safe to share between tasks.
public final class GatewayMetrics: Sendable {
    /// The registry every metric lives in.
    public let registry: PrometheusCollectorRegistry
    private let duration: ValueHistogram

    /// Upper bounds, in seconds, of the message duration histogram's buckets.
    public static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private static var messages: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "securemail", metricName: "messages", unitName: "total",
            helpText: "Messages processed, by direction (inbound, outbound, internal) and outcome (deliver, encrypt, quarantine, block, tempfail ...).")
    }

    private static var messageDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "securemail", metricName: "message_duration", unitName: "seconds",
            helpText: "Time to process one message, from receipt to outcome.")
    }

    private static var certificateExpiry: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "securemail", metricName: "certificate_expiry", unitName: "days",
            helpText: "Days until a mailbox certificate expires (negative once expired).")
    }

    /// Metrics in a new registry, or in `registry` to share one with other components.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        duration = registry.makeValueHistogram(descriptor: Self.messageDuration, labels: [], buckets: Self.durationBuckets)
    }

    /// Records one processed message: counts it under its direction and outcome (the report's
    /// `direction` and `action` values) and records how long it took.
    public func recordMessage(direction: String, outcome: String, duration: Duration) {
        registry.makeCounter(descriptor: Self.messages, labels: [("direction", direction), ("outcome", outcome)]).increment()
        let components = duration.components
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        self.duration.record(max(0, seconds))
    }

    /// Sets the days left before a mailbox certificate expires.
    public func setCertificateExpiry(mailbox: String, fingerprint: String, daysLeft: Double) {
        registry.makeGauge(descriptor: Self.certificateExpiry, labels: [("mailbox", mailbox), ("fingerprint", fingerprint)])
            .set(to: daysLeft)
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    public func prometheusText() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// The media type of ``prometheusText()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
