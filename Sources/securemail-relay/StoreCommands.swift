import ArgumentParser
import Foundation
import SecureMail

/// Opens the configured store, creating the SQLite folder when needed; a store that cannot be
/// reached is a temporary failure (exit 75).
func openStore(_ configuration: GatewayConfiguration) async throws -> any SecureMailStore {
    do {
        return try await StoreFactory.open(url: configuration.gateway.databaseURL)
    } catch let error as StoreError {
        throw OperatorError(code: error.isTransient ? .tempFail : .config, message: "\(error)")
    }
}

/// Runs `body` with the store open, and closes it; store errors become operator errors.
func withStore<Result>(_ configuration: GatewayConfiguration, _ body: (any SecureMailStore) async throws -> Result) async throws -> Result {
    let store = try await openStore(configuration)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch let error as StoreError {
        await store.close()
        switch error {
        case .notFound: throw OperatorError(code: .noInput, message: "\(error)")
        case .unavailable: throw OperatorError(code: .tempFail, message: "\(error)")
        default: throw OperatorError(code: .software, message: "\(error)")
        }
    } catch {
        await store.close()
        throw error
    }
}

func formatDate(_ date: Date) -> String { ISO8601.format(date) }

// MARK: certs

struct CertsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the certificates in the store.")
    @OptionGroup var configurationOptions: ConfigurationOptions
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let certificates = try await withStore(configuration) { try await $0.listCertificates() }
            if json {
                try writeOutput(encodeJSON(certificates.map(CertificateSummary.init)), to: "-")
                return
            }
            if certificates.isEmpty { print("no certificates stored") }
            for certificate in certificates {
                let state = certificate.revoked ? "REVOKED" : (certificate.notAfter < Date() ? "expired" : "valid")
                print("\(certificate.fingerprint)  \(certificate.emails.joined(separator: ","))  \(certificate.source.rawValue)  \(state) until \(formatDate(certificate.notAfter))  last seen \(formatDate(certificate.lastSeen))")
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}

/// What `certs list --json` prints about a certificate.
struct CertificateSummary: Encodable {
    var fingerprint: String
    var emails: [String]
    var subject: String
    var issuer: String
    var notBefore: String
    var notAfter: String
    var allowsEncryption: Bool
    var revoked: Bool
    var capabilities: [String]
    var source: String
    var firstSeen: String
    var lastSeen: String

    init(_ certificate: StoredCertificate) {
        fingerprint = certificate.fingerprint
        emails = certificate.emails
        subject = certificate.subject
        issuer = certificate.issuer
        notBefore = formatDate(certificate.notBefore)
        notAfter = formatDate(certificate.notAfter)
        allowsEncryption = certificate.allowsEncryption
        revoked = certificate.revoked
        capabilities = certificate.capabilities
        source = certificate.source.rawValue
        firstSeen = formatDate(certificate.firstSeen)
        lastSeen = formatDate(certificate.lastSeen)
    }
}

struct CertsImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import customer certificates (PEM, DER or PKCS#7 .p7c) into the store.")
    @Argument(help: "Certificate file.") var file: String
    @OptionGroup var configurationOptions: ConfigurationOptions

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let bytes = try readInput(file)
            let certificates: [Certificate]
            do {
                certificates = try Certificate.parseAll(bytes)
            } catch {
                throw OperatorError(code: .dataError, message: "\(file) holds no certificate that can be read: \(error)")
            }
            let leaves = certificates.filter { !$0.isCertificateAuthority }
            guard !leaves.isEmpty else {
                throw OperatorError(code: .dataError, message: "\(file) holds only CA certificates; import the customer's own certificate")
            }
            try await withStore(configuration) { store in
                for certificate in leaves {
                    let stored = try await store.upsertCertificate(StoredCertificate(certificate, source: .imported, capabilities: [], seenAt: Date()))
                    print("imported \(stored.fingerprint) \(stored.emails.joined(separator: ","))\(certificate.allowsEncryption ? "" : " (not usable for encryption)")")
                }
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}

struct CertsRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a certificate from the store.")
    @Argument(help: "SHA-256 fingerprint (hex, colons allowed).") var fingerprint: String
    @OptionGroup var configurationOptions: ConfigurationOptions

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let normalized = fingerprint.replacingOccurrences(of: ":", with: "").lowercased()
            try await withStore(configuration) { try await $0.removeCertificate(fingerprint: normalized) }
            print("removed \(normalized)")
        } catch {
            throw OperatorError.report(error)
        }
    }
}

// MARK: quarantine

struct Quarantine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List, show, release or delete quarantined messages.",
        subcommands: [QuarantineList.self, QuarantineShow.self, QuarantineRelease.self, QuarantineDelete.self])
}

/// What `quarantine list --json` prints about an entry: never the message.
struct QuarantineSummary: Encodable {
    var id: String
    var created: String
    var direction: String
    var mailbox: String
    var sender: String
    var recipients: [String]
    var reason: String
    var findings: [String: Int]
    var maskedFindings: [String]
    var size: Int
    var released: String?

    init(_ entry: QuarantineEntry) {
        id = entry.id.uuidString
        created = formatDate(entry.created)
        direction = entry.direction.rawValue
        mailbox = entry.mailbox
        sender = entry.sender
        recipients = entry.recipients
        reason = entry.reason
        findings = entry.findingCounts
        maskedFindings = entry.maskedFindings
        size = entry.size
        released = entry.releasedAt.map(formatDate)
    }
}

struct QuarantineList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List quarantined messages, newest first.")
    @OptionGroup var configurationOptions: ConfigurationOptions
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let entries = try await withStore(configuration) { try await $0.listQuarantine() }
            if json {
                try writeOutput(encodeJSON(entries.map(QuarantineSummary.init)), to: "-")
                return
            }
            if entries.isEmpty { print("quarantine is empty") }
            for entry in entries {
                print("\(entry.id.uuidString)  \(formatDate(entry.created))  \(entry.direction.rawValue)  \(entry.sender) -> \(entry.recipients.joined(separator: ","))  \(entry.isReleased ? "released" : "held")  \(entry.reason)")
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}

struct QuarantineShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a quarantined entry; --message also decrypts and prints the message (needs the quarantine key).")
    @Argument(help: "Quarantine id.") var id: String
    @OptionGroup var configurationOptions: ConfigurationOptions
    @Flag(name: .long, help: "Print the message itself.") var message = false
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let entry = try await loadQuarantineEntry(id, configuration: configuration)
            if message {
                let sealer = try loadSealer(configuration)
                try writeOutput(try entry.sealedMessage.open(with: sealer), to: "-")
            } else if json {
                try writeOutput(encodeJSON(QuarantineSummary(entry)), to: "-")
            } else {
                let summary = QuarantineSummary(entry)
                print("""
                    id:         \(summary.id)
                    created:    \(summary.created)
                    direction:  \(summary.direction)
                    mailbox:    \(summary.mailbox)
                    sender:     \(summary.sender)
                    recipients: \(summary.recipients.joined(separator: ", "))
                    reason:     \(summary.reason)
                    findings:   \(summary.maskedFindings.joined(separator: ", "))
                    size:       \(summary.size) bytes
                    released:   \(summary.released ?? "no")
                    """)
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}

struct QuarantineRelease: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Re-inject a quarantined message to its recipients (or --to) through the configured next hop, and mark it released.")
    @Argument(help: "Quarantine id.") var id: String
    @OptionGroup var configurationOptions: ConfigurationOptions
    @Option(name: .long, help: "Deliver to this address instead of the original recipients; repeatable.") var to: [String] = []

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let entry = try await loadQuarantineEntry(id, configuration: configuration)
            let message = try entry.sealedMessage.open(with: loadSealer(configuration))
            let recipients = to.isEmpty ? entry.recipients : to
            let result = await nextHop(configuration).deliver(OutboundMessage(sender: entry.sender, recipients: recipients, bytes: MessageBytes(message)))
            guard result == .accepted else {
                throw OperatorError(code: .tempFail, message: "the next hop did not take the message (\(result)); it stays in quarantine")
            }
            _ = try await withStore(configuration) { try await $0.markReleased(id: entry.id) }
            print("released \(entry.id.uuidString) to \(recipients.joined(separator: ", "))")
        } catch {
            throw OperatorError.report(error)
        }
    }
}

/// The configured way to hand mail to the MTA: sendmail, or SMTP to `serve.next_hop`.
func nextHop(_ configuration: GatewayConfiguration) -> any NextHopDelivering {
    if configuration.delivery.method == "smtp", let endpoint = HostPort(configuration.serve.nextHop) {
        // One message per process: nothing to keep a connection open for.
        return SMTPClient(configuration: SMTPClient.Configuration(host: endpoint.host, port: endpoint.port, connectionCacheTimeLimit: .zero))
    }
    return SendmailDelivery(sendmailPath: configuration.delivery.sendmailPath)
}

struct QuarantineDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a quarantined message for good.")
    @Argument(help: "Quarantine id.") var id: String
    @OptionGroup var configurationOptions: ConfigurationOptions

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let uuid = try parseQuarantineID(id)
            try await withStore(configuration) { try await $0.deleteQuarantine(id: uuid) }
            print("deleted \(uuid.uuidString)")
        } catch {
            throw OperatorError.report(error)
        }
    }
}

func parseQuarantineID(_ text: String) throws -> UUID {
    guard let uuid = UUID(uuidString: text) else {
        throw OperatorError(code: .usage, message: "\(text) is not a quarantine id (see `securemail-relay quarantine list`)")
    }
    return uuid
}

func loadQuarantineEntry(_ id: String, configuration: GatewayConfiguration) async throws -> QuarantineEntry {
    let uuid = try parseQuarantineID(id)
    guard let entry = try await withStore(configuration, { try await $0.quarantineEntry(id: uuid) }) else {
        throw OperatorError(code: .noInput, message: "no quarantined message \(uuid.uuidString)")
    }
    return entry
}

func loadSealer(_ configuration: GatewayConfiguration) throws -> CMSQuarantineSealer {
    do {
        return try CMSQuarantineSealer.load(configuration)
    } catch {
        throw OperatorError(code: .config, message: "the quarantine key cannot be loaded: \(error)")
    }
}

// MARK: audit and retention

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Read the audit log.", subcommands: [AuditList.self])
}

/// What `audit list --json` prints: one row per message and outcome, never content.
struct AuditSummary: Encodable {
    var id: String
    var time: String
    var direction: String
    var mailbox: String
    var sender: String
    var recipients: [String]
    var route: String
    var verdict: String
    var action: String
    var findings: [String: Int]
    var durationMilliseconds: Int
    var messageId: String
    var instance: String

    init(_ record: AuditRecord) {
        id = record.id.uuidString
        time = formatDate(record.time)
        direction = record.direction.rawValue
        mailbox = record.mailbox
        sender = record.sender
        recipients = record.recipients
        route = record.route
        verdict = record.verdict
        action = record.action
        findings = record.findings
        durationMilliseconds = record.durationMilliseconds
        messageId = record.messageId
        instance = record.instance
    }
}

struct AuditList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List audit rows, oldest first.")
    @OptionGroup var configurationOptions: ConfigurationOptions
    @Option(name: .long, help: "Only rows at or after this time (ISO 8601).") var since: String?
    @Option(name: .long, help: "At most this many rows.") var limit = 1000
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            var sinceDate: Date?
            if let since {
                guard let parsed = ISO8601.parse(since) else {
                    throw OperatorError(code: .usage, message: "--since \(since) is not an ISO 8601 time")
                }
                sinceDate = parsed
            }
            let rows = try await withStore(configuration) { try await $0.listAudit(since: sinceDate, limit: limit) }
            if json {
                try writeOutput(encodeJSON(rows.map(AuditSummary.init)), to: "-")
                return
            }
            for row in rows {
                let findings = row.findings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                print("\(formatDate(row.time))  \(row.instance)  \(row.direction.rawValue)  \(row.sender) -> \(row.recipients.joined(separator: ","))  verdict=\(row.verdict) action=\(row.action) route=\(row.route) findings=\(findings.isEmpty ? "-" : findings) \(row.durationMilliseconds)ms")
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}

struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete quarantined mail and audit rows older than the configured retention.")
    @OptionGroup var configurationOptions: ConfigurationOptions

    func run() async throws {
        do {
            let configuration = try configurationOptions.load()
            let retention = configuration.retention
            let deleted = try await withStore(configuration) {
                try await $0.purge(
                    quarantineOlderThan: TimeInterval(retention.quarantineDays) * 86_400,
                    auditOlderThan: TimeInterval(retention.auditDays) * 86_400, now: Date())
            }
            print("purged \(deleted.quarantine) quarantined messages older than \(retention.quarantineDays) days and \(deleted.audit) audit rows older than \(retention.auditDays) days")
        } catch {
            throw OperatorError.report(error)
        }
    }
}
