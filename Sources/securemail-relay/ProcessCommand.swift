import ArgumentParser
import Foundation
import SecureMail

struct Process: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Pipe mode: process one message from standard input and re-inject the result.",
        discussion: """
            Exit status (sysexits, as Postfix's pipe(8) reads it): 0 re-injected or durably quarantined; 75 anything \
            transient (store down, re-injection failed): the MTA keeps the message and retries; 65/67/77 a permanent \
            refusal, with a one-line reason on stderr for the bounce. With --output the result is written there \
            instead of re-injected (for inspection); the store is still updated.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions
    @Option(name: .long, help: "Envelope sender (empty for <>).") var sender: String
    @Option(name: .long, help: "Envelope recipient; repeatable.") var recipient: [String]
    @Option(name: .long, help: "auto, inbound or outbound.") var direction = "auto"
    @Option(name: .long, help: "Write the processed message(s) here (- for stdout) instead of re-injecting.") var output: String?
    @Option(name: .long, help: "Write the JSON report here (- for stdout).") var report: String?

    func run() async throws {
        let exit = await pipeExit()
        if exit.code != .success {
            FileHandle.standardError.write(Data("securemail-relay: \(exit.reason)\n".utf8))
        }
        throw ExitCode(exit.code.rawValue)
    }

    private func pipeExit() async -> PipeExit {
        do {
            guard !recipient.isEmpty else { return PipeExit(code: .dataError, reason: "no --recipient given") }
            let forced: MailDirection?
            switch direction {
            case "auto": forced = nil
            case "inbound": forced = .inbound
            case "outbound": forced = .outbound
            default: return PipeExit(code: .dataError, reason: "--direction must be auto, inbound or outbound")
            }
            let configuration = try configurationOptions.load()
            // One message needs one mailbox's key, and quarantine only seals.
            let keyring = try Keyring.load(configuration, identities: .onFirstUse)
            let sealer = try CMSQuarantineSealer.load(configuration, opening: false)
            let bytes = try readInput("-")
            let store: any SecureMailStore
            do {
                store = try await openStore(configuration)
            } catch {
                return PipeExit(code: .temporaryFailure, reason: "\(error)")
            }
            let reports = ReportCollector()
            let filter = GatewayFilter(
                processor: GatewayProcessor(configuration: configuration, keyring: keyring, store: store, sealer: sealer),
                direction: forced, onReport: { report, _ in reports.append(report) })
            let destination: any NextHopDelivering = output.map { FileDelivery(path: $0) } ?? nextHop(configuration)
            let dispatcher = MessageDispatcher(filter: filter, nextHop: destination, logger: .init(label: "securemail.process"))
            let outcome = await dispatcher.dispatch(
                ReceivedMessage(sender: sender, recipients: recipient, bytes: consume bytes, session: .pipe(sessionID: UUID().uuidString)))
            await store.close()
            if let report, let last = reports.all.last {
                try writeOutput(encodeJSON(last), to: report)
            }
            return PipeExit(outcome)
        } catch let error as OperatorError {
            return PipeExit(code: .temporaryFailure, reason: error.message)
        } catch {
            // A configuration or key problem is fixed by the operator; the MTA keeps the mail meanwhile.
            return PipeExit(code: .temporaryFailure, reason: "\(error)")
        }
    }
}

/// Collects reports from the filter callback.
final class ReportCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [MessageReport] = []

    func append(_ report: MessageReport) { lock.withLock { reports.append(report) } }
    var all: [MessageReport] { lock.withLock { reports } }
}

/// `--output`: writes each delivery to a file (or stdout) instead of re-injecting it; several
/// deliveries are written one after the other, each preceded by an `X-SecureMail-Envelope`
/// header line, so that a single delivery is still a message that parses.
struct FileDelivery: NextHopDelivering {
    var path: String
    private let written = DeliveredBytes()

    init(path: String) { self.path = path }

    func deliver(_ message: OutboundMessage) async -> DeliveryResult {
        let envelope = "X-SecureMail-Envelope: from=<\(message.sender)> to=<\(message.recipients.joined(separator: ">,<"))>\n"
        do {
            let chunk = Array(envelope.utf8) + (try message.bytes.collected())
            try writeOutput(path == "-" ? chunk : written.appending(chunk), to: path)
            return .accepted
        } catch {
            return .transientFailure(reason: "\(error)")
        }
    }
}

/// Accumulates what `FileDelivery` wrote so that a file receives every delivery, not the last.
final class DeliveredBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    func appending(_ chunk: [UInt8]) -> [UInt8] {
        lock.withLock {
            bytes += chunk
            return bytes
        }
    }
}
