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

    private static func run(path: String, arguments: [String], input: MessageBytes, timeout: Duration) -> DeliveryResult {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let completion: ChildProcess.Completion
        do {
            completion = try ChildProcess.run(path, arguments, input: input, timeout: seconds, errorLimit: maximumCapturedError)
        } catch {
            return .transientFailure(reason: "\(error); check sendmail_path")
        }
        let errorText = String(decoding: completion.standardError, as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingSpace()
        let detail = errorText.isEmpty ? "" : ": \(errorText)"
        switch completion.termination {
        case nil:
            return .transientFailure(reason: "\(path) did not finish within \(timeout); killed")
        case .signalled(let signal):
            let cause = completion.inputError.map { ": \($0)" } ?? ""
            return .transientFailure(reason: "\(path) was killed by signal \(signal)\(cause)\(detail)")
        case .unknown:
            return .transientFailure(
                reason: "\(path) ended but its exit status was collected elsewhere (is SIGCHLD ignored?); retrying\(detail)")
        case .exited(0):
            if let inputError = completion.inputError {
                return .transientFailure(reason: "\(path) exited 0 without reading the whole message (\(inputError))")
            }
            return .accepted
        case .exited(let status) where permanentStatuses.contains(status):
            return .permanentFailure(reason: "\(path) exited \(status)\(detail)")
        case .exited(let status):
            return .transientFailure(reason: "\(path) exited \(status)\(detail)")
        }
    }
}
