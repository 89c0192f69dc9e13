import Foundation
import Logging

/// Watches the published mailbox certificates: keeps the expiry gauge current and warns in
/// the log when a certificate expires within the warning window (30 days by default) or has
/// expired. Logs carry the mailbox, fingerprint and dates only.
public struct CertificateExpiryWatch: Sendable {
    /// A certificate that expires within the window (or already has).
    public struct Expiring: Sendable, Equatable {
        /// The mailbox address.
        public var mailbox: String
        /// SHA-256 fingerprint, colon-separated hex.
        public var fingerprint: String
        /// End of validity.
        public var notValidAfter: Date
        /// Whole days left, rounded down; negative once expired.
        public var daysLeft: Int
    }

    /// The certificates watched.
    public let publications: [PublishedCertificate]
    /// Where the gauge is kept.
    public let metrics: GatewayMetrics
    /// How far ahead to warn.
    public let warningWindow: TimeInterval
    private let logger: Logger

    /// A watch over `publications` that warns `warningWindow` seconds ahead.
    public init(
        publications: [PublishedCertificate], metrics: GatewayMetrics, logger: Logger,
        warningWindow: TimeInterval = 30 * 86_400
    ) {
        self.publications = publications
        self.metrics = metrics
        self.logger = logger
        self.warningWindow = warningWindow
    }

    /// Sets the expiry gauge of every certificate as of `now`, without logging (for each
    /// `/metrics` scrape).
    public func refreshGauge(at now: Date = Date()) {
        for publication in publications {
            let certificate = publication.certificate
            metrics.setCertificateExpiry(
                mailbox: publication.mailbox, fingerprint: certificate.sha256FingerprintHex,
                daysLeft: certificate.notValidAfter.timeIntervalSince(now) / 86_400)
        }
    }

    /// Updates the gauge for every certificate as of `now`, logs a warning for each one that
    /// expires within the window (an error once expired), and returns those.
    @discardableResult
    public func check(at now: Date = Date()) -> [Expiring] {
        refreshGauge(at: now)
        var expiring: [Expiring] = []
        for publication in publications {
            let certificate = publication.certificate
            let secondsLeft = certificate.notValidAfter.timeIntervalSince(now)
            let fingerprint = certificate.sha256FingerprintHex
            guard secondsLeft < warningWindow else { continue }
            let entry = Expiring(
                mailbox: publication.mailbox, fingerprint: fingerprint, notValidAfter: certificate.notValidAfter,
                daysLeft: Int((secondsLeft / 86_400).rounded(.down)))
            expiring.append(entry)
            let metadata: Logger.Metadata = [
                "mailbox": "\(entry.mailbox)",
                "fingerprint": "\(entry.fingerprint)",
                "not_valid_after": "\(ISO8601DateFormatter().string(from: entry.notValidAfter))",
                "days_left": "\(entry.daysLeft)",
            ]
            if secondsLeft <= 0 {
                logger.error("mailbox certificate has expired: customers cannot encrypt to it; install a new certificate and key", metadata: metadata)
            } else {
                logger.warning("mailbox certificate expires soon: renew it and publish the new one before it expires", metadata: metadata)
            }
        }
        return expiring
    }

    /// Checks now, then once a day, until the task is cancelled.
    public func runDaily() async {
        while !Task.isCancelled {
            check()
            do {
                try await Task.sleep(for: .seconds(86_400))
            } catch {
                return
            }
        }
    }
}
