import ArgumentParser
import Foundation
import Logging
import SecureMail

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the SMTP content filter, the certificate web site, /healthz and /metrics until SIGINT or SIGTERM.",
        discussion: """
            The SMTP filter receives from Postfix (--smtp, default 127.0.0.1:10025), processes every message \
            and re-injects the result to --next-hop (default 127.0.0.1:10026); it answers 250 only after the \
            next hop accepted every result or the message was durably quarantined, 4xx on anything transient. \
            The web site (--http, default 127.0.0.1:8080) publishes the mailbox certificates; keys never leave \
            the process. On SIGINT/SIGTERM the listeners close and sessions in flight finish. Retention purges \
            run hourly.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "HOST:PORT for the web site (default: serve.http of the configuration).")
    var http: String?

    @Option(name: .long, help: "HOST:PORT the SMTP content filter listens on (default: serve.smtp).")
    var smtp: String?

    @Option(name: .customLong("next-hop"), help: "HOST:PORT to re-inject processed mail to (default: serve.next_hop).")
    var nextHop: String?

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let httpEndpoint = try endpoint(http ?? configuration.serve.http, option: "--http")
            let smtpEndpoint = try endpoint(smtp ?? configuration.serve.smtp, option: "--smtp")
            let nextHopEndpoint = try endpoint(nextHop ?? configuration.serve.nextHop, option: "--next-hop")
            let keyring: Keyring
            let sealer: CMSQuarantineSealer
            do {
                keyring = try Keyring.load(configuration)
                sealer = try CMSQuarantineSealer.load(configuration)
            } catch {
                throw OperatorError(code: .config, message: "\(error)")
            }
            let store = try await openStore(configuration)
            let metrics = GatewayMetrics()
            let logger = Logger(label: "securemail.serve")
            let filter = GatewayFilter(
                processor: GatewayProcessor(configuration: configuration, keyring: keyring, store: store, sealer: sealer),
                onReport: { report, duration in
                    metrics.recordMessage(direction: report.direction, outcome: report.action ?? "deliver", duration: duration)
                })
            let server = SMTPServer(
                configuration: SMTPServer.Configuration(
                    host: smtpEndpoint.host, port: smtpEndpoint.port, maximumMessageSize: configuration.limits.maxMessageBytes),
                filter: filter,
                nextHop: SMTPClient(configuration: SMTPClient.Configuration(host: nextHopEndpoint.host, port: nextHopEndpoint.port)))
            let boundPort = try await server.start()
            logger.info("SMTP content filter listening", metadata: ["address": "\(smtpEndpoint.host):\(boundPort)", "nextHop": "\(nextHopEndpoint)"])
            let purge = Task { await purgePeriodically(store: store, retention: configuration.retention, logger: logger) }
            do {
                try await WebServer.run(
                    configuration: configuration, keyring: keyring, host: httpEndpoint.host, port: httpEndpoint.port, metrics: metrics,
                    logger: Logger(label: "securemail.web"))
            } catch {
                purge.cancel()
                await server.shutdown()
                await store.close()
                throw error
            }
            purge.cancel()
            await server.shutdown()
            await store.close()
            logger.info("stopped")
        } catch {
            throw OperatorError.report(error)
        }
    }

    private func endpoint(_ text: String, option: String) throws -> HostPort {
        guard let endpoint = HostPort(text) else {
            throw OperatorError(code: .usage, message: "\(option) \(text): give HOST:PORT, e.g. 127.0.0.1:10025")
        }
        return endpoint
    }
}

/// Deletes quarantine and audit rows past their retention, at start and then hourly; a store
/// that is down is tried again at the next hour.
func purgePeriodically(store: any SecureMailStore, retention: RetentionSettings, logger: Logger) async {
    while !Task.isCancelled {
        do {
            let deleted = try await store.purge(
                quarantineOlderThan: TimeInterval(retention.quarantineDays) * 86_400,
                auditOlderThan: TimeInterval(retention.auditDays) * 86_400, now: Date())
            if deleted.quarantine + deleted.audit > 0 {
                logger.info("retention purge", metadata: ["quarantine": "\(deleted.quarantine)", "audit": "\(deleted.audit)"])
            }
        } catch {
            logger.warning("retention purge failed; retrying in an hour", metadata: ["error": "\(error)"])
        }
        try? await Task.sleep(for: .seconds(3600))
    }
}
