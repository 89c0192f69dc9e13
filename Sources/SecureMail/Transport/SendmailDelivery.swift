import Foundation
import Logging

/// Re-injection for pipe mode: runs `<sendmailPath> -G -i -f SENDER -- RECIPIENTS` with the
/// message on stdin (Postfix's sendmail(1): -G "gateway submission, not initial", -i "a lone dot
/// does not end the message").
///
/// Exit status 0 is success; 75 (EX_TEMPFAIL), death by a signal, a timeout, a program that does
/// not start and any status not listed as permanent are transient; 65, 66, 67, 68, 69, 76 and 77
/// (data error, no input, no user, no host, unavailable, protocol, no permission) are permanent.
/// Whatever the program wrote to stderr is part of the reason.
public struct SendmailDelivery: NextHopDelivering {
    /// The sendmail program, normally Postfix's /usr/sbin/sendmail.
    public var sendmailPath: String
    /// How long sendmail may run before it is killed and the delivery counted as transient.
    public var timeout: Duration
    /// Where outcomes are logged (no content).
    public var logger: Logger

    /// Exit statuses that mean "retrying will not help".
    public static let permanentStatuses: Set<Int32> = [65, 66, 67, 68, 69, 76, 77]
    private static let maximumCapturedError = 4096

    /// Creates a sendmail delivery.
    public init(sendmailPath: String = "/usr/sbin/sendmail", timeout: Duration = .seconds(300),
                logger: Logger = Logger(label: "securemail.transport.sendmail")) {
        self.sendmailPath = sendmailPath
        self.timeout = timeout
        self.logger = logger
    }

    /// The arguments sendmail gets for a message (the null sender is passed as "<>").
    public static func arguments(sender: String, recipients: [String]) -> [String] {
        ["-G", "-i", "-f", sender.isEmpty ? "<>" : sender, "--"] + recipients
    }

    /// Runs sendmail for one message.
    public func deliver(_ message: OutboundMessage) async -> DeliveryResult {
        guard !message.recipients.isEmpty else {
            return .permanentFailure(reason: "no recipients to hand to sendmail")
        }
        let path = sendmailPath
        let arguments = Self.arguments(sender: message.sender, recipients: message.recipients)
        let timeout = timeout
        let result: DeliveryResult = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.run(path: path, arguments: arguments, input: message.bytes, timeout: timeout))
            }
        }
        switch result {
        case .accepted:
            logger.info("sendmail accepted the message", metadata: ["recipients": "\(message.recipients.count)", "size": "\(message.bytes.count)"])
        default:
            logger.warning("sendmail did not accept the message", metadata: ["result": "\(result)"])
        }
        return result
    }

    /// Writing to a pipe whose reader has gone raises SIGPIPE, which would end the whole gateway.
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    private static func run(path: String, arguments: [String], input: [UInt8], timeout: Duration) -> DeliveryResult {
        ignoreBrokenPipes
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            return .transientFailure(reason: "cannot start \(path): \(error.localizedDescription); check sendmail_path")
        }
        let collected = CollectedError()
        let readers = DispatchGroup()
        DispatchQueue.global().async(group: readers) { _ = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: readers) {
            collected.set(stderr.fileHandleForReading.readDataToEndOfFile())
        }
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        // Written from another thread so that a sendmail that stops reading cannot block the
        // timeout; one that exits early closes its stdin, the write then fails (EPIPE, with
        // SIGPIPE ignored) and the exit status tells what happened.
        let writeFailure = CollectedError()
        DispatchQueue.global().async(group: readers) {
            do {
                try stdin.fileHandleForWriting.write(contentsOf: Data(input))
            } catch {
                writeFailure.set(Data("\(error)".utf8))
            }
            try? stdin.fileHandleForWriting.close()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            // SIGKILL: a child started from a thread pool inherits that thread's blocked
            // signals, so SIGTERM may never arrive.
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
            readers.wait()
            return .transientFailure(reason: "\(path) did not finish within \(timeout); killed")
        }
        readers.wait()
        let errorText = collected.text(limit: maximumCapturedError)
        let detail = errorText.isEmpty ? "" : ": \(errorText)"
        if process.terminationReason == .uncaughtSignal {
            return .transientFailure(reason: "\(path) was killed by signal \(process.terminationStatus)\(detail)")
        }
        let status = process.terminationStatus
        if status == 0 {
            let writeError = writeFailure.text(limit: maximumCapturedError)
            if !writeError.isEmpty {
                return .transientFailure(reason: "\(path) exited 0 without reading the whole message (\(writeError))")
            }
            return .accepted
        }
        if permanentStatuses.contains(status) {
            return .permanentFailure(reason: "\(path) exited \(status)\(detail)")
        }
        return .transientFailure(reason: "\(path) exited \(status)\(detail)")
    }
}

private final class CollectedError: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func set(_ value: Data) { lock.withLock { data = value } }

    func text(limit: Int) -> String {
        let bytes = lock.withLock { data.prefix(limit) }
        return String(decoding: bytes, as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }
}
