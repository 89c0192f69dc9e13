import Foundation
import Logging
import Testing
@testable import SecureMail

/// The certificate site running for real on 127.0.0.1 with an ephemeral port.
final class RunningSite: Sendable {
    let site: CertificateSite
    let port: Int
    private let task: Task<Void, any Error>

    private init(site: CertificateSite, port: Int, task: Task<Void, any Error>) {
        self.site = site
        self.port = port
        self.task = task
    }

    /// The example configuration's site, started on a free port.
    static func start(metrics: GatewayMetrics = GatewayMetrics()) async throws -> RunningSite {
        let configuration = try PublishingFixtures.configuration()
        var logger = Logger(label: "securemail.web.test")
        logger.logLevel = .error
        let (site, _) = try WebServer.makeSite(
            configuration: configuration, keyring: try Keyring.load(configuration), metrics: metrics, logger: logger)
        return try await start(site, logger: logger)
    }

    static func start(_ site: CertificateSite, logger: Logger) async throws -> RunningSite {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = WebServer.makeApplication(site: site, host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task { try await application.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw FixtureError("the web server did not start")
        }
        return RunningSite(site: site, port: port, task: task)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` against the running server, then stops it, whether `body` threw or not.
    func serving(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    /// Stops the server and waits until it has.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// One HTTP exchange made with curl.
struct HTTPExchange: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs blocking work (a child process) on a Dispatch thread, so that the Swift concurrency
/// threads stay free for the in-process server the work talks to.
func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}

enum Curl {
    /// GETs `path` exactly as given (no dot-segment removal) with extra request headers.
    static func get(_ base: String, _ path: String, headers: [String] = [], method: String = "GET") async throws -> HTTPExchange {
        try await offCooperativePool { try getBlocking(base, path, headers: headers, method: method) }
    }

    /// The same, blocking the calling thread.
    static func getBlocking(_ base: String, _ path: String, headers: [String] = [], method: String = "GET") throws -> HTTPExchange {
        var arguments = ["-s", "-i", "--path-as-is", "--max-time", "20"] + (method == "HEAD" ? ["-I"] : ["-X", method])
        for header in headers { arguments += ["-H", header] }
        arguments.append(base + path)
        let run = try ExternalTool.run("curl", arguments)
        guard run.succeeded else { throw FixtureError("curl \(path) exited \(run.status): \(run.standardError)") }
        return try parse(run.standardOutput)
    }

    static func parse(_ raw: [UInt8]) throws -> HTTPExchange {
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        guard let end = (0...(max(0, raw.count - 4))).first(where: { Array(raw[$0..<min($0 + 4, raw.count)]) == separator }) else {
            throw FixtureError("no header end in the response")
        }
        let head = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw FixtureError("bad status line \(head[0])") }
        let headers = head.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPExchange(status: status, headers: headers, body: Array(raw[(end + 4)...]))
    }
}

/// A log handler that keeps what was logged, for checking warnings.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    struct Entry {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var stored: [Entry] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock {
            stored.append(Entry(level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }

    var entries: [Entry] { lock.withLock { stored } }
}
