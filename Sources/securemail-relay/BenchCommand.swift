import ArgumentParser
import Foundation
import SecureMail

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run every message in DIR through the pipeline N times on all cores; report messages/s, MB/s and the ratio to RSA-2048's limit.",
        discussion: """
            Inbound: parse, unwrap, decrypt, verify, route and build the delivered message. Outbound: parse, scan, \
            decide, sign and encrypt to recipients whose certificates are in the store. No store writes and no \
            re-injection. In the same run, the machine's RSA-2048 private-key operations per second are measured \
            through OpenSSL with the first mailbox key; each message needs at least one.
            """)

    @Argument(help: "Folder of messages (every regular file in it).") var directory: String
    @OptionGroup var configurationOptions: ConfigurationOptions
    @Option(name: .long, help: "How many times to process every message.") var `repeat` = 10
    @Option(name: .long, help: "Extra trust anchor (PEM); repeatable.") var trust: [String] = []
    @Option(name: .long, help: "inbound or outbound.") var direction = "inbound"
    @Option(name: .long, help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        do {
            guard let mailDirection = MailDirection(rawValue: direction), mailDirection != .internal else {
                throw OperatorError(code: .usage, message: "--direction must be inbound or outbound")
            }
            let configuration = try configurationOptions.load()
            let keyring: Keyring
            do {
                keyring = try Keyring.load(configuration, extraAnchorFiles: trust)
            } catch {
                throw OperatorError(code: .config, message: "\(error)")
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                .map { (directory as NSString).appendingPathComponent($0) }
                .filter { var isFolder: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &isFolder) && !isFolder.boolValue }
            let messages = try files.map(readInput)
            guard !messages.isEmpty else { throw OperatorError(code: .noInput, message: "\(directory) holds no messages") }
            var certificates: [String: RecipientCertificate] = [:]
            if mailDirection == .outbound {
                certificates = try await withStore(configuration) { store in
                    var found: [String: RecipientCertificate] = [:]
                    for stored in try await store.listCertificates() where stored.allowsEncryption && !stored.revoked {
                        guard let certificate = try? Certificate(derEncoded: stored.der) else { continue }
                        for email in stored.emails { found[email.lowercased()] = RecipientCertificate(certificate: certificate, capabilities: stored.capabilities) }
                    }
                    return found
                }
            }
            let mailboxIdentities = try configuration.mailboxes.flatMap { try keyring.identities(ofMailbox: $0.address) }
            guard let rsaKey = mailboxIdentities.first(where: {
                if case .rsa(bits: 2048) = $0.certificate.publicKeyAlgorithm { return true } else { return false }
            })?.privateKey else {
                throw OperatorError(code: .config, message: "no RSA-2048 mailbox key to measure the RSA limit with")
            }
            let result = try PipelineBenchmark(
                configuration: configuration, keyring: keyring, direction: mailDirection, recipientCertificates: certificates, threads: threads
            ).run(messages: messages, repetitions: `repeat`, rsaKey: rsaKey)
            if json {
                try writeOutput(encodeJSON(result), to: "-")
            } else {
                print(String(
                    format: "%@: %d messages (%d failed, %d %@) on %d threads in %.2f s: %.1f messages/s, %.2f MB/s; RSA-2048 limit %.1f ops/s; %.0f%% of the limit",
                    result.direction, result.messages, result.failures, result.protectedMessages,
                    result.direction == MailDirection.outbound.rawValue ? "encrypted" : "decrypted and verified",
                    result.threads, result.seconds, result.messagesPerSecond,
                    result.megabytesPerSecond, result.rsaOperationsPerSecond, result.fractionOfRSALimit * 100))
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}
