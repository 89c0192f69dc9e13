/// The exit statuses of pipe mode (`securemail-relay process`), from sysexits.h, as Postfix's
/// pipe(8) delivery agent reads them.
public enum PipeExitCode: Int32, Sendable, Equatable {
    /// Re-injected or durably quarantined: Postfix forgets the message.
    case success = 0
    /// EX_DATAERR: the message itself is refused; Postfix bounces it.
    case dataError = 65
    /// EX_NOUSER: a recipient does not exist; Postfix bounces it.
    case noUser = 67
    /// EX_TEMPFAIL: anything transient; Postfix keeps the message and retries.
    case temporaryFailure = 75
    /// EX_NOPERM: refused by policy; Postfix bounces it.
    case noPermission = 77
}

/// How pipe mode ends: the exit status and a one-line reason for stderr (Postfix puts it in the
/// bounce or the deferral log).
public struct PipeExit: Sendable, Equatable {
    /// The exit status.
    public var code: PipeExitCode
    /// One line, no line breaks, without message content.
    public var reason: String

    /// Creates an exit; the reason is flattened to one line.
    public init(code: PipeExitCode, reason: String) {
        self.code = code
        self.reason = String(reason.map { $0.isNewline ? " " : $0 })
    }

    /// Maps a dispatch outcome: accepted → 0; temporary → 75; permanent → 67 for enhanced code
    /// 5.1.x (bad recipient or mailbox), 77 for 5.7.x (policy), 65 otherwise.
    public init(_ outcome: DispatchOutcome) {
        switch outcome {
        case .accepted(let deliveries, let quarantined):
            self.init(code: .success, reason: "delivered \(deliveries), quarantined \(quarantined)")
        case .temporaryFailure(_, let reason):
            self.init(code: .temporaryFailure, reason: reason)
        case .permanentFailure(_, let enhanced, let reason):
            let code: PipeExitCode =
                enhanced.hasPrefix("5.1.") ? .noUser : enhanced.hasPrefix("5.7.") ? .noPermission : .dataError
            self.init(code: code, reason: reason)
        }
    }

    /// An unexpected error in pipe mode: always temporary, so that the MTA keeps the message.
    public static func internalError(_ error: any Error) -> PipeExit {
        PipeExit(code: .temporaryFailure, reason: "internal error, will retry: \(error)")
    }
}
