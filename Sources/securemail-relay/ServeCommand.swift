import ArgumentParser
import Foundation
import Logging
import SecureMail

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the certificate web site (with /healthz and /metrics) until SIGINT or SIGTERM.",
        discussion: """
            The page lists every configured mailbox with its certificate downloads. Only \
            certificates are served, from memory; keys never leave the process. A warning is \
            logged at start and daily for a certificate that expires within 30 days.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "HOST:PORT for the web site (default: serve.http of the configuration, 127.0.0.1:8080).")
    var http: String?

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let listen = http ?? configuration.serve.http
            guard let (host, port) = WebServer.parseListenAddress(listen) else {
                throw OperatorError(code: .usage, message: "--http \(listen): give HOST:PORT, e.g. 127.0.0.1:8080")
            }
            let keyring: Keyring
            do {
                keyring = try Keyring.load(configuration)
            } catch {
                throw OperatorError(code: .config, message: "\(error)")
            }
            let logger = Logger(label: "securemail.web")
            try await WebServer.run(configuration: configuration, keyring: keyring, host: host, port: port, logger: logger)
        } catch {
            throw OperatorError.report(error)
        }
    }
}
