import Foundation

/// Throughput of the processing pipeline on this machine, set against the machine's own limit:
/// RSA-2048 private-key operations per second (one per message, to open or to sign it).
public struct BenchmarkResult: Codable, Sendable, Equatable {
    public var direction: String
    public var threads: Int
    public var messages: Int
    public var bytes: Int
    public var failures: Int
    /// Messages that took the gateway's normal path: inbound, decrypted with a verified signature;
    /// outbound, encrypted (and signed, when the mailbox has a key). Fewer than `messages` means the
    /// run measured another path: a signature the gateway rejects costs differently from one it accepts.
    public var protectedMessages: Int
    public var seconds: Double
    public var messagesPerSecond: Double
    public var megabytesPerSecond: Double
    /// RSA-2048 private-key operations per second over all threads, measured in the same run.
    public var rsaOperationsPerSecond: Double
    /// messagesPerSecond / rsaOperationsPerSecond: 1.0 would be the machine's limit.
    public var fractionOfRSALimit: Double
}

/// Runs messages through the full pipeline, as `serve` and `process` do, without the store and
/// the network: parse, unwrap, decrypt, verify, route and build the delivered message (inbound),
/// or parse, scan, decide, sign and encrypt (outbound). Uses every thread it is given; there is
/// no lock around OpenSSL.
public struct PipelineBenchmark: Sendable {
    public var configuration: GatewayConfiguration
    public var keyring: Keyring
    public var direction: MailDirection
    /// Certificates for outbound recipients, by lowercased address.
    public var recipientCertificates: [String: RecipientCertificate]
    public var threads: Int

    public init(
        configuration: GatewayConfiguration, keyring: Keyring, direction: MailDirection,
        recipientCertificates: [String: RecipientCertificate] = [:], threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.configuration = configuration
        self.keyring = keyring
        self.direction = direction
        self.recipientCertificates = recipientCertificates
        self.threads = max(1, threads)
    }

    /// The messages run in four stretches, each after half a second of RSA signatures on the same
    /// threads, and the limit is the mean of the four: on a shared machine whose speed drifts
    /// while the benchmark runs, the messages and the limit are measured at the same times.
    public func run(messages: [[UInt8]], repetitions: Int, rsaKey: PrivateKey) throws -> BenchmarkResult {
        let total = messages.count * max(1, repetitions)
        let progress = BenchmarkProgress()
        let inspector = Inspector(configuration: configuration, keyring: keyring)
        let stretches = 4
        var seconds = 0.0
        var rsaRates: [Double] = []
        for stretch in 1...stretches {
            rsaRates.append(try PrivateKeyBenchmark.operationsPerSecond(key: rsaKey, duration: .milliseconds(500), threads: threads))
            let end = total * stretch / stretches
            let started = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while let index = progress.claim(below: end) {
                    let message = messages[index % messages.count]
                    let outcome = direction == .outbound ? processOutbound(message) : processInbound(message, inspector: inspector)
                    progress.finish(bytes: message.count, outcome: outcome)
                }
            }
            let elapsed = ContinuousClock.now - started
            seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        let rsa = rsaRates.reduce(0, +) / Double(stretches)
        let perSecond = Double(total) / seconds
        return BenchmarkResult(
            direction: direction.rawValue, threads: threads, messages: total, bytes: progress.bytes, failures: progress.failures,
            protectedMessages: progress.protectedMessages, seconds: seconds, messagesPerSecond: perSecond, megabytesPerSecond: Double(progress.bytes) / 1_000_000 / seconds,
            rsaOperationsPerSecond: rsa, fractionOfRSALimit: perSecond / rsa)
    }

    /// The envelope is taken from the To and Cc fields: the mailbox among them is the one routed for.
    private func processInbound(_ bytes: [UInt8], inspector: Inspector) -> BenchmarkOutcome {
        guard let inspection = try? inspector.inspect(bytes) else { return .failed }
        guard let route = inspection.report.route, let mailbox = configuration.mailbox(route.mailbox) else { return .failed }
        guard InboundPlanner.plan(inspection, mailbox: mailbox, route: route).action != .reject else { return .failed }
        return inspection.report.decrypted && inspection.report.verdict == .verified ? .protected : .processed
    }

    private func processOutbound(_ bytes: [UInt8]) -> BenchmarkOutcome {
        guard let message = try? MIMEParser.parse(bytes, limits: configuration.limits.mimeLimits) else { return .failed }
        let sender = message.header.first("From").flatMap { AddressList.parse($0.value).first?.address } ?? ""
        let recipients = ["To", "Cc"].flatMap { message.header.all($0) }.flatMap { AddressList.parse($0.value) }.map(\.address)
        let decision = OutboundPolicy.decide(SensitiveContentScan.scan(message).findings, rules: configuration.outbound.rules)
        let mailbox = configuration.outboundMailbox(for: sender)
        guard let identities = try? mailbox.map({ mailbox throws(IdentityUnavailableError) in try keyring.identities(ofMailbox: mailbox.address) }) ?? []
        else { return .failed }
        let planner = OutboundPlanner(
            settings: configuration.outbound, signer: identities.first, ownCertificates: identities.map(\.certificate),
            noticeSender: mailbox?.address ?? "postmaster@localhost")
        let plan = try? planner.plan(
            message: message, sender: sender, recipients: recipients,
            internalRecipients: Set(recipients.filter { configuration.isInternal($0) }.map { $0.lowercased() }),
            decision: decision, certificates: recipientCertificates)
        guard let plan else { return .failed }
        return plan.deliveries.contains { $0.kind == "encrypted" } ? .protected : .processed
    }
}

/// What became of one benchmark message.
private enum BenchmarkOutcome {
    /// Not processed: unparseable, unroutable, rejected, or an error.
    case failed
    /// Processed, but not along the normal path (say, a signature that does not verify).
    case processed
    /// Decrypted and verified (inbound), or encrypted (outbound).
    case protected
}

/// Hands out message indices to the worker threads and adds up what they did.
private final class BenchmarkProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private(set) var bytes = 0
    private(set) var failures = 0
    private(set) var protectedMessages = 0

    func claim(below total: Int) -> Int? {
        lock.withLock {
            guard next < total else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func finish(bytes count: Int, outcome: BenchmarkOutcome) {
        lock.withLock {
            bytes += count
            switch outcome {
            case .failed: failures += 1
            case .processed: break
            case .protected: protectedMessages += 1
            }
        }
    }
}
