import Foundation
import Hummingbird
import Logging

/// Runs the certificate site over HTTP with Hummingbird.
///
/// `serve` uses ``run(site:host:port:expiryWatch:logger:onRunning:)``; a caller that runs more
/// services side by side (the SMTP filter) can take ``makeApplication(site:host:port:logger:onRunning:)``,
/// a ServiceLifecycle `Service`, and put it in its own service group.
public enum WebServer {
    /// A Hummingbird application serving `site` on `host:port` (port 0: any free port;
    /// `onRunning` receives the port actually bound).
    public static func makeApplication(
        site: CertificateSite, host: String, port: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: CertificateSiteResponder(site: site),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                await onRunning(channel.localAddress?.port ?? port)
            },
            logger: logger)
    }

    /// Serves `site` until SIGINT or SIGTERM, then shuts down gracefully (open requests are
    /// answered). Checks certificate expiry at start and daily while it runs.
    public static func run(
        site: CertificateSite, host: String, port: Int, expiryWatch: CertificateExpiryWatch?, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let application = makeApplication(site: site, host: host, port: port, logger: logger) { bound in
            logger.info("certificate site listening", metadata: ["address": "\(host):\(bound)"])
            await onRunning(bound)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let expiryWatch {
                group.addTask { await expiryWatch.runDaily() }
            }
            group.addTask { try await application.runService() }
            // The server ends on a signal (or an error); the daily check then stops with it.
            defer { group.cancelAll() }
            while let _ = try await group.next() {
                group.cancelAll()
            }
        }
    }
}

/// Hands each Hummingbird request to the site and turns its answer into a response.
struct CertificateSiteResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let site: CertificateSite

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let headers = request.headers.map { ($0.name.rawName, $0.value) }
        let answer = site.respond(method: request.method.rawValue, path: request.uri.path, query: request.uri.query, headers: headers)
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            guard let fieldName = HTTPFields.Element.Name(name) else { continue }
            fields.append(HTTPFields.Element(name: fieldName, value: value))
        }
        let status = HTTPResponse.Status(code: answer.status)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

extension WebServer {
    /// The site, and the expiry watch over its certificates, for a configuration's mailboxes.
    public static func makeSite(
        configuration: GatewayConfiguration, keyring: Keyring, metrics: GatewayMetrics, logger: Logger
    ) throws -> (site: CertificateSite, expiryWatch: CertificateExpiryWatch) {
        let directory = try CertificateDirectory(configuration: configuration, keyring: keyring)
        let watch = CertificateExpiryWatch(publications: directory.publications, metrics: metrics, logger: logger)
        return (try CertificateSite(directory: directory, metrics: metrics, expiryWatch: watch), watch)
    }

    /// Publishes the configuration's mailbox certificates on `host:port` until SIGINT or
    /// SIGTERM: what `securemail-relay serve` runs for the web part.
    public static func run(
        configuration: GatewayConfiguration, keyring: Keyring, host: String, port: Int,
        metrics: GatewayMetrics = GatewayMetrics(), logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let (site, watch) = try makeSite(configuration: configuration, keyring: keyring, metrics: metrics, logger: logger)
        try await run(site: site, host: host, port: port, expiryWatch: watch, logger: logger, onRunning: onRunning)
    }
}
