import CPosix
import Foundation

/// A program the gateway (or a test) starts, spawned with POSIX calls, reaped by its own process
/// identifier, and never waited for without a deadline.
///
/// Not Foundation's `Process`: its exit notification was seen to go missing here (a child that had
/// ended, and `waitUntilExit` or the termination handler waiting for ever), and a pipe inherited
/// by a daemon the child starts never reaches end of file. A gateway that hangs on its
/// re-injection program holds mail hostage; this type bounds every wait instead. The child starts
/// with no signal blocked and every signal at its default, whatever the spawning thread had
/// blocked (a thread-pool thread often blocks SIGTERM).
final class ChildProcess: @unchecked Sendable {
    /// Where one of the child's standard streams goes.
    enum Stream: Sendable {
        case nullDevice
        /// A file read from (standard input) or written to, created with mode 0600 if missing.
        case file(String, append: Bool = false)
        /// Standard error only: the same place as standard output.
        case standardOutput
        /// A descriptor of this process, duplicated into the child.
        case descriptor(Int32)
    }

    /// How a child ended.
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        /// The child is gone but its status was collected elsewhere (SIGCHLD ignored, or another
        /// waitpid in this process): how it ended is unknown.
        case unknown

        /// A shell's convention: the exit status, or 128 plus the signal; -1 when unknown.
        var shellStatus: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): 128 + signal
            case .unknown: -1
            }
        }
    }

    struct SpawnFailure: Error, CustomStringConvertible {
        let description: String
    }

    let processIdentifier: pid_t
    /// Readable once the child has ended (`pidfd_open`); -1 on a kernel without it, where waits
    /// fall back to looking every 10 ms. Waking at the moment the re-injection program ends,
    /// instead of at the next look, takes 5 ms on average off every message in pipe mode.
    private let exitDescriptor: Int32
    /// The command line, for messages.
    let commandLine: String
    private let lock = NSLock()
    private var termination: Termination?

    /// Starts the program at `path` with `arguments`.
    ///
    /// - Parameter environment: nil inherits this process's environment; otherwise these
    ///   variables are added to it, overriding any of the same name.
    init(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        standardInput: Stream = .nullDevice, standardOutput: Stream = .nullDevice, standardError: Stream = .nullDevice
    ) throws {
        commandLine = ([path] + arguments).joined(separator: " ")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (descriptor, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case .nullDevice:
                posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let file, let append):
                let flags = descriptor == 0 ? O_RDONLY : O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
                posix_spawn_file_actions_addopen(&actions, descriptor, file, flags, 0o600)
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&actions, 1, descriptor)
            case .descriptor(let source):
                posix_spawn_file_actions_adddup2(&actions, source, descriptor)
            }
        }
        if let directory { securemail_spawn_add_chdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), everySignal = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } }
            ?? ProcessInfo.processInfo.environment
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        var spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        // A program file that was just written may still be open for writing in a child another
        // thread is spawning, until that child's exec closes it: wait that moment out.
        for _ in 0..<100 where spawned == ETXTBSY {
            usleep(10_000)
            spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        }
        guard spawned == 0 else {
            throw SpawnFailure(description: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        processIdentifier = pid
        // Created close-on-exec: no program spawned later inherits it.
        exitDescriptor = securemail_pidfd_open(pid)
    }

    /// A child nobody stopped is killed rather than left behind.
    deinit {
        stop(signal: SIGKILL, grace: 5)
        if exitDescriptor >= 0 { close(exitDescriptor) }
    }

    /// How the child ended, reaping it; nil while it runs.
    var ended: Termination? {
        lock.withLock {
            if let termination { return termination }
            var status: Int32 = 0
            let reaped = waitpid(processIdentifier, &status, WNOHANG)
            if reaped == -1, errno == ECHILD {
                termination = .unknown
                return termination
            }
            guard reaped == processIdentifier else { return nil }
            let signal = status & 0x7f
            termination = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            return termination
        }
    }

    var isRunning: Bool { ended == nil }

    /// Waits at most `seconds` for the child to end; how it ended, or nil if it still runs.
    @discardableResult
    func wait(seconds: Double) -> Termination? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let ended { return ended }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            awaitExit(milliseconds: Int32(min(remaining * 1000, 1000).rounded(.up)))
        }
    }

    /// Sleeps until the child ends or `milliseconds` pass (10 ms at most without a pidfd).
    private func awaitExit(milliseconds: Int32) {
        guard exitDescriptor >= 0 else {
            usleep(useconds_t(min(milliseconds, 10)) * 1000)
            return
        }
        var descriptor = pollfd(fd: exitDescriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, milliseconds)
    }

    /// The descriptor `run` adds to its poll set while the child runs, if there is one.
    fileprivate var exitPollDescriptor: pollfd? {
        exitDescriptor >= 0 ? pollfd(fd: exitDescriptor, events: Int16(POLLIN), revents: 0) : nil
    }

    /// Sends `signal` if the child runs, waits `grace` seconds, then SIGKILL; how it ended (nil
    /// only for a child that even SIGKILL did not end within 30 s).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, grace: Double = 10) -> Termination? {
        if isRunning { kill(processIdentifier, signal) }
        if let ended = wait(seconds: grace) { return ended }
        kill(processIdentifier, SIGKILL)
        return wait(seconds: 30)
    }
}

extension ChildProcess {
    /// What a program run to completion by ``run(_:_:input:timeout:errorLimit:)`` did.
    struct Completion: Sendable {
        /// How it ended; nil when it was killed at the deadline.
        var termination: Termination?
        /// The start of what it wrote to standard error.
        var standardError: [UInt8]
        /// Why not all of the input could be written (the program closed its standard input early).
        var inputError: String?
    }

    /// Writing to a pipe whose reader has gone raises SIGPIPE, which would end the whole gateway.
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Runs `path` with `input` on its standard input, collecting at most `errorLimit` bytes of its
    /// standard error, and kills it (SIGKILL) if it has not ended within `timeout` seconds.
    ///
    /// One thread drives it all with poll(2), so a program that stops reading cannot block the
    /// deadline. Standard error is read until the program has ended and a second has passed,
    /// not to end of file, which a daemon holding the pipe would postpone for ever.
    static func run(_ path: String, _ arguments: [String], input: MessageBytes, timeout: Double, errorLimit: Int) throws -> Completion {
        ignoreBrokenPipes
        var inputPipe: [Int32] = [-1, -1], errorPipe: [Int32] = [-1, -1]
        guard securemail_pipe_cloexec(&inputPipe) == 0 else { throw SpawnFailure(description: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard securemail_pipe_cloexec(&errorPipe) == 0 else {
            close(inputPipe[0]); close(inputPipe[1])
            throw SpawnFailure(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        var writer: Int32 = inputPipe[1], reader: Int32 = errorPipe[0]
        defer {
            if writer >= 0 { close(writer) }
            if reader >= 0 { close(reader) }
        }
        let child: ChildProcess
        do {
            defer { close(inputPipe[0]); close(errorPipe[1]) }
            child = try ChildProcess(path, arguments, standardInput: .descriptor(inputPipe[0]), standardError: .descriptor(errorPipe[1]))
        }
        _ = fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) | O_NONBLOCK)

        var written = 0, collected: [UInt8] = [], inputError: String?
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var inputScratch: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var endedAt: Date?
        if input.count == 0 { close(writer); writer = -1 }
        while true {
            if endedAt == nil, child.ended != nil { endedAt = Date() }
            if let endedAt, reader < 0 || Date().timeIntervalSince(endedAt) > 1 { break }
            if Date() >= deadline {
                kill(child.processIdentifier, SIGKILL)
                _ = child.wait(seconds: 30)
                return Completion(termination: nil, standardError: collected, inputError: inputError)
            }
            var descriptors: [pollfd] = []
            if writer >= 0 { descriptors.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)) }
            if reader >= 0 { descriptors.append(pollfd(fd: reader, events: Int16(POLLIN), revents: 0)) }
            // While it runs, its end wakes the poll too; once reaped its pidfd stays readable.
            if endedAt == nil, let exit = child.exitPollDescriptor { descriptors.append(exit) }
            if descriptors.isEmpty {
                usleep(10_000)
                continue
            }
            guard poll(&descriptors, nfds_t(descriptors.count), 50) >= 0 || errno == EINTR else { continue }
            for descriptor in descriptors where descriptor.revents != 0 && (descriptor.fd == writer || descriptor.fd == reader) {
                if descriptor.fd == writer {
                    do {
                        let count = try input.withPiece(at: written, maximum: 65_536, scratch: &inputScratch) { piece in
                            Glibc.write(writer, piece.baseAddress!, piece.count)
                        }
                        if count > 0 { written += count }
                        if count < 0, errno != EAGAIN, errno != EINTR {
                            inputError = String(cString: strerror(errno))
                        }
                    } catch {
                        // Closing its input would let the program take the message as complete.
                        kill(child.processIdentifier, SIGKILL)
                        inputError = "the message's spill file cannot be read (\(error))"
                    }
                    if written == input.count || inputError != nil {
                        close(writer)
                        writer = -1
                    }
                } else {
                    let count = Glibc.read(reader, &buffer, buffer.count)
                    if count > 0 {
                        collected.append(contentsOf: buffer[0..<min(count, max(0, errorLimit - collected.count))])
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(reader)
                        reader = -1
                    }
                }
            }
        }
        if writer >= 0, written < input.count, inputError == nil {
            inputError = "the program ended after reading \(written) of \(input.count) bytes"
        }
        return Completion(termination: child.ended, standardError: collected, inputError: inputError)
    }
}
