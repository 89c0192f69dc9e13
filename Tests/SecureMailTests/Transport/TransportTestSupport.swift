import Foundation
import Logging
import Testing
@testable import SecureMail

#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (external programs, blocking sockets) off Swift's cooperative pool, so that
/// the server's own tasks keep running on a two-core machine.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

enum TransportTools {
    /// The path of a mail test program (Postfix's live in /usr/sbin, which may not be on PATH).
    static func locate(_ name: String) -> String? {
        if let found = ExternalTool.locate(name) { return found }
        for folder in ["/usr/sbin", "/usr/bin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        return nil
    }

    /// The tool's path; in CI a missing tool fails the test, elsewhere the test is skipped.
    static func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let path = locate(name) { return path }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("\(name) is not installed: scripts/test.sh installs postfix and swaks; CI must not skip this test",
                         sourceLocation: sourceLocation)
        } else {
            print("SKIPPED: \(name) is not installed (run scripts/test.sh to install the test tools)")
        }
        return nil
    }

    static func run(_ path: String, _ arguments: [String]) async throws -> ToolRun {
        try await offPool { try ExternalTool.run(path, arguments) }
    }

    static func swaks(port: Int, from: String = "kunde@example.dk", to recipients: [String], message: [UInt8],
                      folder: TemporaryFolder, extra: [String] = []) async throws -> ToolRun {
        let file = try folder.write("swaks-\(UUID().uuidString).eml", message)
        guard let swaks = locate("swaks") else { throw TransportTestError.missing("swaks") }
        return try await run(swaks, [
            "--server", "127.0.0.1:\(port)", "--from", from, "--to", recipients.joined(separator: ","),
            "--data", file, "--timeout", "60", "--hide-informational",
        ] + extra)
    }
}

enum TransportTestError: Error, CustomStringConvertible {
    case missing(String)
    case timedOut(String)
    case socket(String)

    var description: String {
        switch self {
        case .missing(let tool): return "\(tool) is not installed"
        case .timedOut(let what): return "timed out waiting for \(what)"
        case .socket(let what): return "socket error: \(what)"
        }
    }
}

/// Hands out loopback ports below Linux's ephemeral range (32768-60999): a port taken from the
/// kernel's port 0 can be given to some outgoing connection between the moment it is closed here
/// and the moment a server binds it, which under a busy test run made servers fail to start.
/// Each port is handed out once per run, so two tests never race for the same one.
private let portSequence = PortSequence()

private final class PortSequence: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 20_000 + Int(getpid() % 1_000) * 12

    func take() -> Int {
        lock.withLock {
            defer { next = next >= 32_000 ? 20_000 : next + 1 }
            return next
        }
    }
}

/// A loopback port nothing listens on right now, not handed out before in this run.
func freePort() throws -> Int {
    for _ in 0..<1_000 {
        let port = portSequence.take()
        if canBind(port: port) { return port }
    }
    throw TransportTestError.socket("bind(): no free loopback port between 20000 and 32000")
}

private func canBind(port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// A plain blocking TCP connection for speaking SMTP by hand (pipelining, garbage, timeouts).
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        descriptor = try Self.connectedSocket(port: port)
    }

    /// A socket connected to the port. On failure it is closed here and nothing else owns it:
    /// a failed connect made in the initializer would also be closed by deinit, and that second
    /// close can hit a descriptor number the kernel has meanwhile given to a server under test.
    private static func connectedSocket(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TransportTestError.socket("socket()") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(descriptor)
            throw TransportTestError.socket("connect to port \(port) failed")
        }
        return descriptor
    }

    deinit { close(descriptor) }

    static func open(port: Int) async throws -> RawConnection {
        try await offPool { try RawConnection(port: port) }
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        try await offPool {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { throw TransportTestError.socket("send failed") }
                offset += written
            }
        }
    }

    /// Reads one complete reply (all its lines), or nil when the server closed the connection.
    /// Gives up after `timeout` seconds so that a broken server cannot hang the test run.
    func reply(timeout: Double = 30) async throws -> String? {
        try await offPool {
            while true {
                if let reply = self.takeReply() { return reply }
                var poller = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, Int32(timeout * 1000)) > 0 else { throw TransportTestError.timedOut("an SMTP reply") }
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return self.pending.isEmpty ? nil : String(decoding: self.pending, as: UTF8.self) }
                self.pending += chunk[0..<count]
            }
        }
    }

    /// Reads `count` replies in order.
    func replies(_ count: Int) async throws -> [String] {
        var result: [String] = []
        for _ in 0..<count { result.append(try await reply() ?? "(closed)") }
        return result
    }

    private func takeReply() -> String? {
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[start..<newline]
            start = newline + 1
            if line.count < 4 || line[line.startIndex + 3] != UInt8(ascii: "-") {
                let text = String(decoding: pending[0..<start], as: UTF8.self)
                pending.removeFirst(start)
                return text
            }
        }
        return nil
    }
}

/// Postfix's smtp-sink on a free loopback port, dumping every message it accepts into a folder.
final class SMTPSink: @unchecked Sendable {
    let port: Int
    let folder: TemporaryFolder
    private let process: ChildProcess

    /// One message as smtp-sink dumped it.
    struct Message {
        var mailArguments: String
        var recipients: [String]
        /// Header and body as received, dot-unstuffed, with LF line ends.
        var text: String
    }

    /// Starts smtp-sink with extra options (for example ["-f", "RCPT"] to refuse every recipient).
    init(path: String, options: [String] = []) async throws {
        folder = try TemporaryFolder("smtp-sink")
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.url.path)
        let user = getuid() == 0 ? ["-u", "nobody"] : []
        let dump = folder.path("message.")
        (process, port) = try await offPool {
            var failures: [String] = []
            for _ in 0..<3 {
                let port = try freePort()
                let process = try ChildProcess(path, user + ["-d", dump] + options + ["127.0.0.1:\(port)", "256"])
                for _ in 0..<400 {
                    if (try? RawConnection(port: port)) != nil { return (process, port) }
                    if let ended = process.ended {
                        failures.append("port \(port): smtp-sink ended (\(ended))")
                        break
                    }
                    usleep(50_000)
                }
                if process.isRunning { failures.append("port \(port): smtp-sink did not listen within 20 s") }
                process.stop(signal: SIGKILL)
            }
            throw TransportTestError.timedOut("smtp-sink to listen: \(failures.joined(separator: "; "))")
        }
    }

    deinit { stop() }

    func stop() { process.stop(signal: SIGKILL) }

    /// Every message dumped so far. smtp-sink opens a transaction's file at MAIL FROM and removes
    /// it at QUIT or RSET if no message came; such a file, without the Received: line that starts
    /// the content, is not a message.
    func messages() throws -> [Message] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasPrefix("message.") }
        return try names.sorted().compactMap { name in
            let text = String(decoding: try folder.read(name), as: UTF8.self)
            guard text.contains("\nReceived: ") || text.hasPrefix("Received: ") else { return nil }
            var lines = text.components(separatedBy: "\n")
            var mailArguments = ""
            var recipients: [String] = []
            while let line = lines.first, !line.hasPrefix("Received: ") {
                if line.hasPrefix("X-Mail-Args: ") { mailArguments = String(line.dropFirst(13)) }
                if line.hasPrefix("X-Rcpt-Args: ") {
                    recipients.append(String(line.dropFirst(13)).trimmingCharacters(in: CharacterSet(charactersIn: "<> ")))
                }
                lines.removeFirst()
            }
            lines.removeFirst(min(3, lines.count))
            return Message(mailArguments: mailArguments, recipients: recipients, text: lines.joined(separator: "\n"))
        }
    }

    /// Waits until at least `count` messages were dumped completely (up to a minute), then returns all.
    func waitForMessages(_ count: Int) async throws -> [Message] {
        for _ in 0..<600 {
            let found = try messages()
            if found.count >= count && found.allSatisfy({ $0.text.hasSuffix("\n\n") || $0.text.hasSuffix("\n") }) {
                try await Task.sleep(for: .milliseconds(100))
                return try messages()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try messages()
    }
}

/// A real filter for the server under test: adds a header, so that what reaches the next hop
/// shows it went through the filter, and keeps the envelope.
struct HeaderAddingFilter: MessageFilter {
    static let header = "X-SecureMail-Transport-Test: filtered"

    func decide(_ message: ReceivedMessage) async throws -> FilterDecision {
        FilterDecision([.deliver(bytes: MessageBytes(Array("\(Self.header)\r\n".utf8) + message.bytes),
                                 sender: message.sender, recipients: message.recipients)])
    }
}

/// A filter that keeps every message it is given and quarantines it, for tests of exactly what
/// the server passes on and in which session.
final class RecordingFilter: MessageFilter, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [ReceivedMessage] = []

    var received: [ReceivedMessage] { lock.withLock { messages } }

    func decide(_ message: ReceivedMessage) async throws -> FilterDecision {
        lock.withLock { messages.append(message) }
        return FilterDecision([.quarantined(reason: "recorded by the test")])
    }
}

/// A filter that answers with a fixed decision (or throws), for the reply-mapping tests.
struct FixedDecisionFilter: MessageFilter {
    var decision: FilterDecision?

    struct Failure: Error {}

    func decide(_ message: ReceivedMessage) async throws -> FilterDecision {
        guard let decision else { throw Failure() }
        return decision
    }
}

/// Quiet loggers for tests.
let transportTestLogger: Logger = {
    var logger = Logger(label: "securemail.transport.test")
    logger.logLevel = .warning
    return logger
}()

/// Starts a server on a free port with the given filter and next hop, runs `body`, shuts down.
func withServer(
    _ configuration: SMTPServer.Configuration = SMTPServer.Configuration(port: 0),
    filter: any MessageFilter = HeaderAddingFilter(), nextHop: any NextHopDelivering,
    _ body: (SMTPServer, Int) async throws -> Void
) async throws {
    var configuration = configuration
    configuration.port = 0
    let server = SMTPServer(configuration: configuration, filter: filter, nextHop: nextHop, logger: transportTestLogger)
    let port = try await server.start()
    do {
        try await body(server, port)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

func clientTo(_ port: Int) -> SMTPClient {
    SMTPClient(configuration: .init(port: port, heloName: "securemail.test"), logger: transportTestLogger)
}

func message(subject: String, body: String) -> [UInt8] {
    Array("From: kunde@example.dk\r\nTo: sikkermail@gjensidige.dk\r\nSubject: \(subject)\r\n\r\n\(body)".utf8)
}
