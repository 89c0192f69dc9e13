import Foundation
import Logging

/// The outcome of processing one message: what to hand to the next hop, what was held, and
/// whether the message is refused.
public struct ProcessingResult: Sendable {
    public var report: MessageReport
    public var deliveries: [Delivery]
    /// Set when the message (or part of it) was durably quarantined.
    public var quarantineID: UUID?
    /// A permanent refusal with its one-line reason; the MTA bounces the message.
    public var rejection: String?
}

/// Processing failed in a way that retrying later may fix (the store is down, say): the MTA
/// must keep the message and try again (pipe exit 75, SMTP 4xx). Nothing was delivered.
public struct TransientProcessingError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Processes messages: decides the direction, unwraps, verifies and routes inbound mail,
/// scans and protects outbound mail, and records quarantine, harvested certificates and
/// audit rows in the store. The imperative shell around the pure planners.
public struct GatewayProcessor: Sendable {
    public var configuration: GatewayConfiguration {
        didSet { router = SubjectRouter.built(for: configuration) }
    }
    public var keyring: Keyring
    public var store: any SecureMailStore
    public var sealer: any QuarantineSealing
    /// Built once from the routing table, when a message to a secure mailbox first needs it:
    /// `serve` processes every message with the same one.
    private var router: LoadedOnce<SubjectRouter, Never>
    private let logger = Logger(label: "securemail.pipeline")

    public init(configuration: GatewayConfiguration, keyring: Keyring, store: any SecureMailStore, sealer: any QuarantineSealing) {
        self.configuration = configuration
        self.keyring = keyring
        self.store = store
        self.sealer = sealer
        router = SubjectRouter.built(for: configuration)
    }

    /// Processes one message. Throws ``TransientProcessingError`` only; everything permanent is
    /// in the result. The bytes are let go once parsed (outbound, the parsed message serialises
    /// back to them exactly, for quarantine; inbound, a large message is kept in a spill file,
    /// see ``OriginalMessage``), so that a caller who hands them over holds a large message once.
    public func process(
        _ bytes: consuming [UInt8], sender: String, recipients: [String], direction requested: MailDirection? = nil, at time: Date = Date()
    ) async throws -> ProcessingResult {
        let started = ContinuousClock.now
        let direction = requested ?? MailDirection.classify(sender: sender, recipients: recipients, configuration: configuration)
        let result: ProcessingResult
        do {
            switch direction {
            case .inbound:
                result = try await processInbound(consume bytes, sender: sender, recipients: recipients, at: time)
            case .outbound:
                result = try await processOutbound(consume bytes, sender: sender, recipients: recipients, at: time)
            case .internal:
                result = passThrough(MessageBytes(bytes), sender: sender, recipients: recipients, at: time)
            }
            try await audit(result, direction: direction, sender: sender, recipients: recipients, started: started, at: time)
        } catch let error as StoreError where error.isTransient {
            throw TransientProcessingError(description: "the state database is unavailable: \(error)")
        } catch let error as TransientProcessingError {
            throw error
        } catch let error as IdentityUnavailableError {
            throw TransientProcessingError(description: error.description)
        } catch let error as StoreError {
            throw TransientProcessingError(description: "the state database refused the operation: \(error)")
        }
        logger.info(
            "processed",
            metadata: [
                "direction": "\(direction.rawValue)", "verdict": "\(result.report.verdict.rawValue)",
                "action": "\(result.report.action ?? "-")", "deliveries": "\(result.deliveries.count)",
                "quarantined": "\(result.quarantineID != nil)", "messageId": "\(result.report.messageId ?? "-")",
            ])
        return result
    }

    // MARK: Inbound

    private func processInbound(_ bytes: consuming [UInt8], sender: String, recipients: [String], at time: Date) async throws -> ProcessingResult {
        let mailboxRecipients = recipients.filter { configuration.mailbox($0) != nil }
        let others = recipients.filter { configuration.mailbox($0) == nil }
        let inspector = Inspector(configuration: configuration, keyring: keyring, router: router, evaluationTime: time)
        let original = OriginalMessage(consume bytes, spillDirectory: configuration.gateway.stateDirectory, logger: logger)
        var deliveries: [Delivery] =
            others.isEmpty ? [] : [Delivery(sender: sender, recipients: others, message: try original.forDelivery(), kind: "unchanged")]
        var report: MessageReport?
        var quarantineID: UUID?
        var rejections: [String] = []
        var quarantineReasons: [String] = []

        for address in mailboxRecipients {
            guard let mailbox = configuration.mailbox(address) else { continue }
            var inspection = try inspector.inspect(try original.bytes(), sender: sender, recipients: [address])
            let route = inspection.report.route ?? router.value().route(subject: nil, mailbox: address)
            let plan = InboundPlanner.plan(inspection, mailbox: mailbox, route: route)
            inspection.report.action = plan.action.rawValue
            switch plan.action {
            case .deliver:
                if let message = plan.deliveredMessage {
                    let bytes: MessageBytes
                    do {
                        bytes = try MessageBytes(serializing: message, spillDirectory: configuration.gateway.stateDirectory)
                    } catch {
                        throw TransientProcessingError(description: "the decrypted message cannot be written to a spill file (\(error)); free space in the state_directory")
                    }
                    deliveries.append(Delivery(sender: sender, recipients: plan.recipients, message: bytes, kind: "decrypted"))
                }
                if inspection.report.verdict == .verified, configuration.inbound.harvestCertificates, let unwrapped = inspection.unwrapped {
                    try await harvest(unwrapped, at: time)
                }
            case .quarantine:
                quarantineReasons += plan.reasons
                if quarantineID == nil {
                    quarantineID = try await quarantine(
                        try original.bytes(), direction: .inbound, mailbox: address, sender: sender, recipients: [address], reasons: plan.reasons,
                        findings: [], at: time)
                }
            case .reject:
                rejections.append("5.7.1 \(address) refuses mail that is not verified: \(plan.reasons.first ?? "not verified")")
            }
            if report == nil { report = inspection.report }
        }
        guard var finalReport = report else {
            return passThrough(try original.forDelivery(), sender: sender, recipients: recipients, at: time)
        }
        let rejection: String?
        if !rejections.isEmpty && deliveries.isEmpty && quarantineID == nil {
            rejection = rejections.joined(separator: "; ")
        } else if !rejections.isEmpty {
            // One DATA reply serves every recipient: what one mailbox refuses is held, not lost.
            if quarantineID == nil {
                quarantineID = try await quarantine(
                    try original.bytes(), direction: .inbound, mailbox: mailboxRecipients.first ?? "", sender: sender, recipients: mailboxRecipients,
                    reasons: rejections, findings: [], at: time)
            }
            rejection = nil
        } else {
            rejection = nil
        }
        finalReport.reasons += quarantineReasons.filter { !finalReport.reasons.contains($0) }
        return ProcessingResult(report: finalReport, deliveries: deliveries, quarantineID: quarantineID, rejection: rejection)
    }

    /// Stores the certificates of every signer of a verified message, with their capabilities.
    /// A certificate the store already holds as this sighting would leave it, last seen less
    /// than ``sightingResolution`` ago, is only read: otherwise every message of a customer
    /// would cost a write transaction, as much as the audit row.
    private func harvest(_ unwrapped: UnwrappedMessage, at time: Date) async throws {
        for signer in unwrapped.layers.filter({ $0.kind == .signed }).flatMap(\.signers) {
            guard let certificate = signer.certificate else { continue }
            let sighting = StoredCertificate(certificate, source: .harvested, capabilities: signer.capabilities, seenAt: time)
            if let stored = try await store.certificate(fingerprint: sighting.fingerprint),
               stored.alreadyRecords(sighting, within: Self.sightingResolution) {
                continue
            }
            _ = try await store.upsertCertificate(sighting)
        }
    }

    /// How finely a harvested certificate's `lastSeen` follows its sightings.
    static let sightingResolution: TimeInterval = 3600

    // MARK: Outbound

    private func processOutbound(_ bytes: consuming [UInt8], sender: String, recipients: [String], at time: Date) async throws -> ProcessingResult {
        let inspector = Inspector(configuration: configuration, keyring: keyring, router: router, evaluationTime: time)
        let structure: MIMEStructure
        do {
            structure = try MIMEParser.structure(of: bytes, limits: configuration.limits.mimeLimits)
        } catch {
            var report = try inspector.inspect(copy bytes, sender: sender, recipients: recipients).report
            report.direction = MailDirection.outbound.rawValue
            report.action = OutboundAction.quarantine.rawValue
            let id = try await quarantine(
                bytes, direction: .outbound, mailbox: "", sender: sender, recipients: recipients, reasons: report.reasons, findings: [],
                at: time)
            return ProcessingResult(report: report, deliveries: [], quarantineID: id, rejection: nil)
        }
        // From here on the parsed message is the only copy; it serialises back to the bytes exactly.
        let message = MIMEParser.build(structure, from: consume bytes)
        var report = try inspector.inspect(parsed: message, sender: sender, recipients: recipients).report
        report.direction = MailDirection.outbound.rawValue
        let scan = SensitiveContentScan.scan(message)
        let findings = scan.findings
        let decision = OutboundPolicy.decide(findings, rules: configuration.outbound.rules)
        report.dlp = DLPReport(findings: findings)
        report.action = decision.action.rawValue
        report.reasons += decision.reasons

        let internalRecipients = Set(recipients.filter { configuration.isInternal($0) }.map { $0.lowercased() })
        var certificates: [String: RecipientCertificate] = [:]
        if decision.action == .encrypt || decision.action == .encryptOrTLS {
            for recipient in recipients where !internalRecipients.contains(recipient.lowercased()) {
                // The certificates of frequent correspondents are parsed once, not for every message.
                if let stored = try await store.certificateForEncryption(email: recipient, at: time),
                    let certificate = CertificateCache.shared.certificate(derEncoded: stored.der)
                {
                    certificates[recipient.lowercased()] = RecipientCertificate(certificate: certificate, capabilities: stored.capabilities)
                }
            }
        }
        let mailbox = configuration.outboundMailbox(for: sender)
        // The mailbox's key signs and its certificates read the encrypted copies: plain mail
        // needs neither, nor waits for a key that cannot be read.
        let identities = certificates.isEmpty ? [] : try mailbox.map { mailbox throws(IdentityUnavailableError) in
            try keyring.identities(ofMailbox: mailbox.address)
        } ?? []
        let planner = OutboundPlanner(
            settings: configuration.outbound, signer: identities.first, ownCertificates: identities.map(\.certificate),
            noticeSender: mailbox?.address ?? "postmaster@\(sender.split(separator: "@").last ?? "localhost")",
            spillDirectory: configuration.gateway.stateDirectory)
        let plan: OutboundPlan
        do {
            plan = try planner.plan(
                message: message, sender: sender, recipients: recipients, internalRecipients: internalRecipients, decision: decision,
                certificates: certificates)
        } catch {
            throw TransientProcessingError(description: "encrypting the outbound message failed: \(error)")
        }
        report.reasons = plan.reasons
        var storedID: UUID?
        if let quarantineID = plan.quarantineID {
            storedID = try await quarantine(
                message.serialize(), direction: .outbound, mailbox: mailbox?.address ?? "", sender: sender, recipients: plan.heldRecipients,
                reasons: plan.reasons, findings: decision.findings, id: quarantineID, at: time)
        }
        return ProcessingResult(report: report, deliveries: plan.deliveries, quarantineID: storedID, rejection: plan.rejection)
    }

    // MARK: Shared

    private func passThrough(_ bytes: MessageBytes, sender: String, recipients: [String], at time: Date) -> ProcessingResult {
        let report = MessageReport(
            messageId: nil, direction: MailDirection.internal.rawValue, from: sender, layers: [], encrypted: false, decrypted: false,
            signed: false, signature: .none, signer: nil, signerMatchesFrom: nil, verdict: .plain, subject: nil, protectedHeaders: [],
            action: "deliver", reasons: ["neither to a secure mailbox nor from an internal sender to an external recipient: passed through unchanged"],
            evaluatedAt: ISO8601.format(time))
        return ProcessingResult(
            report: report, deliveries: [Delivery(sender: sender, recipients: recipients, message: bytes, kind: "unchanged")],
            quarantineID: nil, rejection: nil)
    }

    private func quarantine(
        _ bytes: [UInt8], direction: StoreDirection, mailbox: String, sender: String, recipients: [String], reasons: [String],
        findings: [Finding], id: UUID = UUID(), at time: Date
    ) async throws -> UUID {
        let sealed: SealedMessage
        do {
            sealed = try SealedMessage(sealing: bytes, with: sealer)
        } catch {
            throw TransientProcessingError(description: "sealing the message for quarantine failed: \(error)")
        }
        var counts: [String: Int] = [:]
        for finding in findings { counts[finding.kind.rawValue, default: 0] += 1 }
        let entry = QuarantineEntry(
            id: id, created: time, direction: direction, mailbox: mailbox, sender: sender, recipients: recipients,
            reason: reasons.joined(separator: "; "), findingCounts: counts,
            maskedFindings: Array(Set(findings.map { "\($0.kind.rawValue): \($0.masked)" })).sorted(), sealedMessage: sealed, releasedAt: nil)
        try await store.quarantine(entry)
        return entry.id
    }

    private func audit(
        _ result: ProcessingResult, direction: MailDirection, sender: String, recipients: [String], started: ContinuousClock.Instant,
        at time: Date
    ) async throws {
        var counts: [String: Int] = [:]
        for finding in result.report.dlp?.findings ?? [] { counts[finding.kind.rawValue, default: 0] += 1 }
        let elapsed = ContinuousClock.now - started
        let action = result.rejection != nil ? "reject" : (result.report.action ?? "deliver")
        try await store.appendAudit(
            AuditRecord(
                id: UUID(), time: time, direction: StoreDirection(rawValue: direction.rawValue) ?? .internal,
                mailbox: recipients.first { configuration.mailbox($0) != nil } ?? configuration.outboundMailbox(for: sender)?.address ?? "",
                sender: sender, recipients: recipients,
                route: result.report.route.map { $0.matched ?? $0.outcome.rawValue } ?? "",
                verdict: result.report.verdict.rawValue, action: result.quarantineID != nil && action != "quarantine" ? "\(action)+quarantine" : action,
                findings: counts,
                durationMilliseconds: Int(elapsed / .milliseconds(1)),
                messageId: result.report.messageId ?? "", instance: configuration.gateway.name))
    }
}

extension StoredCertificate {
    /// A store record for a certificate seen now.
    public init(_ certificate: Certificate, source: Source, capabilities: [String], seenAt time: Date) {
        self.init(
            fingerprint: certificate.sha256Fingerprint.map { String(format: "%02x", $0) }.joined(), der: certificate.derBytes,
            emails: certificate.emailAddresses, subject: certificate.subject, issuer: certificate.issuer,
            notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, allowsEncryption: certificate.allowsEncryption,
            revoked: false, capabilities: capabilities, source: source, firstSeen: time, lastSeen: time)
    }

    /// Whether storing the harvested `sighting` of this certificate would change nothing but move
    /// `lastSeen` forward by less than `resolution` (see ``SecureMailStore/upsertCertificate(_:)``
    /// for how a sighting merges: a harvest never outranks the stored source).
    func alreadyRecords(_ sighting: StoredCertificate, within resolution: TimeInterval) -> Bool {
        sighting.fingerprint == fingerprint
            && (sighting.capabilities.isEmpty || sighting.capabilities == capabilities)
            && (!sighting.revoked || revoked)
            && sighting.firstSeen >= firstSeen
            && sighting.lastSeen < lastSeen.addingTimeInterval(resolution)
    }
}
