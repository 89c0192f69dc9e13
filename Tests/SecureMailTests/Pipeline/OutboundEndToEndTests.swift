import Foundation
import Testing
@testable import SecureMail

/// Staff mail to customers: CPR numbers and sensitive data leave encrypted and signed, or are
/// held; harmless mail leaves unchanged. Real SQLite store, real recipients' tools.
@Suite struct OutboundEndToEndTests {
    static let staff = "soeren.kjaergaard@gjensidige.dk"

    static func staffMail(to recipients: [String], body: String, subject: String = "Din skadesag") -> [UInt8] {
        var message = MIMEPart.leaf(
            content: Array(body.utf8),
            contentType: ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .quotedPrintable)
        message.header.fields = [
            MIMEHeaderField(name: "From", value: "Søren Kjærgaard <\(staff)>"),
            MIMEHeaderField(name: "To", value: recipients.joined(separator: ", ")),
            MIMEHeaderField(name: "Subject", value: subject),
            MIMEHeaderField(name: "Message-ID", value: "<out-\(UUID().uuidString)@gjensidige.dk>"),
            MIMEHeaderField(name: "MIME-Version", value: "1.0"),
        ] + message.header.fields
        return message.serialize()
    }

    static let cprMail = "Kære kunde,\r\n\r\nVi har registreret dit CPR-nr. 010190-1009 på sagen.\r\n"

    /// A gateway processor on a scratch SQLite store that holds the demo customer's certificate.
    static func withProcessor(_ body: @Sendable (GatewayProcessor, SQLSecureMailStore) async throws -> Void) async throws {
        try await ScratchDatabase.withStores(.sqlite) { stores, _ in
            let processor = GatewayProcessor(
                configuration: try PipelineFixtures.configuration, keyring: try PipelineFixtures.keyring, store: stores[0],
                sealer: CMSQuarantineSealer(
                    certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: try CryptoFixtures.identity("demo-quarantine")))
            _ = try await stores[0].upsertCertificate(
                StoredCertificate(try CryptoFixtures.certificate("demo-customer"), source: .imported, capabilities: [], seenAt: Date()))
            try await body(processor, stores[0])
        }
    }

    @Test(arguments: Peers.all.map(\.name))
    func cprMailLeavesEncryptedAndSignedAndThePeerReadsIt(peerName: String) async throws {
        try await Self.withProcessor { processor, _ in
            guard let peer = try Peers.make(peerName) else { return }
            let original = Self.staffMail(to: ["kunde@example.dk"], body: Self.cprMail)
            let result = try await processor.process(original, sender: Self.staff, recipients: ["kunde@example.dk"])
            #expect(result.report.direction == "outbound")
            #expect(result.report.action == "encrypt")
            #expect(result.report.dlp?.findings.map(\.masked) == ["010190-XXXX"])
            #expect(result.deliveries.count == 1)
            let delivery = try #require(result.deliveries.first)
            #expect(delivery.kind == "encrypted")
            #expect(delivery.recipients == ["kunde@example.dk"])
            let text = String(decoding: try delivery.message.collected(), as: UTF8.self)
            #expect(!text.contains("010190-1009") && !text.contains("0101901009"), "nothing leaves in clear")
            let sent = try MIMEParser.parse(try delivery.message.collected())
            #expect(sent.contentType.mimeType == "application/pkcs7-mime")
            #expect(sent.header.first("Subject")?.value == "Din skadesag")

            let decrypted = try peer.decrypt(sent.decodedBody())
            let inner = try MIMEParser.parse(decrypted)
            #expect(inner.contentType.mimeType == "multipart/signed")
            let signedPart = inner.children[0]
            #expect(try peer.verify(inner.children[1].decodedBody(), detachedContent: signedPart.canonicalBytes()) != nil)
            #expect(signedPart.text()?.contains("010190-1009") == true)
            #expect(signedPart.header.first("Subject")?.value == "Din skadesag", "protected header inside")
        }
    }

    @Test func harvestedCapabilitiesChooseGCMAndOAEPAndECRecipientsGetECDH() async throws {
        try await Self.withProcessor { processor, store in
            _ = try await store.upsertCertificate(
                StoredCertificate(
                    try CryptoFixtures.certificate("demo-customer"), source: .harvested, capabilities: ["aes-256-gcm", "aes-256-cbc", "rsaesOaep"],
                    seenAt: Date()))
            _ = try await store.upsertCertificate(
                StoredCertificate(try CryptoFixtures.certificate("demo-customer-ec"), source: .imported, capabilities: [], seenAt: Date()))
            let recipients = ["kunde@example.dk", "kunde.ec@example.dk"]
            let result = try await processor.process(Self.staffMail(to: recipients, body: Self.cprMail), sender: Self.staff, recipients: recipients)
            #expect(result.deliveries.count == 2)
            let folder = try TemporaryFolder("capabilities")
            let expectations: [(identity: DemoIdentity, type: String, transport: String)] = [
                (.customer, "authEnveloped-data", "rsaesOaep"), (.customerEC, "enveloped-data", "dhSinglePass"),
            ]
            for (delivery, (identity, type, transport)) in zip(result.deliveries, expectations) {
                let sent = try MIMEParser.parse(try delivery.message.collected())
                #expect(sent.contentType.parameter("smime-type") == type)
                let der = try folder.write("\(type).der", sent.decodedBody())
                let printed = try ExternalTool.require("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", der]).outputText
                #expect(printed.contains(transport), "\(delivery.recipients): \(transport)")
                let decrypted = try ExternalTool.require(
                    "openssl", ["cms", "-decrypt", "-binary", "-inform", "DER", "-in", der, "-recip", identity.certificate, "-inkey", identity.key])
                #expect(decrypted.outputText.contains("010190-1009"))
            }
        }
    }

    @Test func harmlessMailLeavesUnchanged() async throws {
        try await Self.withProcessor { processor, store in
            let original = Self.staffMail(to: ["kunde@example.dk"], body: "Tak for din henvendelse. Ring på 70 12 34 56.\r\n")
            let result = try await processor.process(original, sender: Self.staff, recipients: ["kunde@example.dk"])
            #expect(result.report.action == "allow")
            #expect(result.deliveries == [Delivery(sender: Self.staff, recipients: ["kunde@example.dk"], message: MessageBytes(original), kind: "unchanged")])
            #expect(try await store.listQuarantine().isEmpty)
        }
    }

    /// As `process` runs: keys and the quarantine certificate read when a message first needs
    /// them. With the mailbox key and the quarantine certificate missing, harmless mail still
    /// leaves; mail that must be signed, or held, waits (a temporary error the MTA retries).
    @Test func plainMailNeedsNeitherTheMailboxKeyNorTheQuarantineCertificate() async throws {
        var configuration = try PipelineFixtures.configuration
        for index in configuration.mailboxes.indices {
            for identity in configuration.mailboxes[index].identities.indices {
                configuration.mailboxes[index].identities[identity].key = "/nonexistent/mailbox.key.pem"
            }
        }
        configuration.gateway.quarantineCertificate = "/nonexistent/quarantine.pem"
        let keyring = try Keyring.load(configuration, identities: .onFirstUse)
        let sealer = try CMSQuarantineSealer.load(configuration, opening: false)
        try await ScratchDatabase.withStores(.sqlite) { [configuration] stores, _ in
            _ = try await stores[0].upsertCertificate(
                StoredCertificate(try CryptoFixtures.certificate("demo-customer"), source: .imported, capabilities: [], seenAt: Date()))
            let processor = GatewayProcessor(configuration: configuration, keyring: keyring, store: stores[0], sealer: sealer)
            let harmless = Self.staffMail(to: ["kunde@example.dk"], body: "Tak for din henvendelse.\r\n")
            let result = try await processor.process(harmless, sender: Self.staff, recipients: ["kunde@example.dk"])
            #expect(result.report.action == "allow")
            #expect(result.deliveries.map(\.kind) == ["unchanged"])
            for recipient in ["kunde@example.dk", "ukendt@example.dk"] {
                let waiting = await #expect(throws: TransientProcessingError.self) {
                    try await processor.process(Self.staffMail(to: [recipient], body: Self.cprMail), sender: Self.staff, recipients: [recipient])
                }
                #expect(waiting?.description.contains("/nonexistent/") == true)
            }
            #expect(try await stores[0].listQuarantine().isEmpty)
        }
    }

    @Test func cprMailToARecipientWithoutCertificateIsHeldAndNothingLeavesInClear() async throws {
        try await Self.withProcessor { processor, store in
            let original = Self.staffMail(to: ["ukendt@example.dk"], body: Self.cprMail)
            let result = try await processor.process(original, sender: Self.staff, recipients: ["ukendt@example.dk"])
            #expect(result.deliveries.allSatisfy { $0.kind == "notice" && $0.recipients == [Self.staff] })
            #expect(result.deliveries.count == 1)
            let notice = String(decoding: try #require(result.deliveries.first).message.collected(), as: UTF8.self)
            #expect(notice.contains("010190-XXXX"))
            #expect(!notice.contains("010190-1009"))
            let id = try #require(result.quarantineID)
            let entry = try #require(try await store.quarantineEntry(id: id))
            #expect(entry.recipients == ["ukendt@example.dk"])
            #expect(entry.maskedFindings == ["dk-cpr: 010190-XXXX"])
            #expect(!String(decoding: entry.sealedMessage.bytes, as: UTF8.self).contains("010190-1009"))
            let audit = try await store.listAudit(since: nil, limit: 10)
            #expect(audit.first?.findings == ["dk-cpr": 1])
            #expect(audit.first?.action == "encrypt+quarantine")
            #expect(GatewayFilter.decision(for: result).outcomes.contains(.quarantined(reason: "quarantine \(id.uuidString)")))
        }
    }

    @Test func twoRecipientsOneWithAndOneWithoutCertificateEachGetTheirOutcome() async throws {
        try await Self.withProcessor { processor, store in
            let recipients = ["kunde@example.dk", "ukendt@example.dk", "anne.holm@gjensidige.dk"]
            let original = Self.staffMail(to: recipients, body: Self.cprMail)
            let result = try await processor.process(original, sender: Self.staff, recipients: recipients)
            let byKind = Dictionary(grouping: result.deliveries, by: \.kind)
            #expect(byKind["encrypted"]?.map(\.recipients) == [["kunde@example.dk"]])
            #expect(byKind["unchanged"]?.map(\.recipients) == [["anne.holm@gjensidige.dk"]], "internal colleagues read it as it is")
            #expect(byKind["notice"]?.map(\.recipients) == [[Self.staff]])
            #expect(!result.deliveries.contains { $0.recipients.contains("ukendt@example.dk") })
            let id = try #require(result.quarantineID)
            #expect(try await store.quarantineEntry(id: id)?.recipients == ["ukendt@example.dk"])
        }
    }

    @Test func encryptOrTLSMarksCopiesForEnforcedTLSInsteadOfHolding() async throws {
        let configuration = try PipelineFixtures.configuration(rules: [OutboundRule(kinds: [.danishCPR], action: .encryptOrTLS)])
        try await ScratchDatabase.withStores(.sqlite) { stores, _ in
            let processor = GatewayProcessor(
                configuration: configuration, keyring: try PipelineFixtures.keyring, store: stores[0],
                sealer: CMSQuarantineSealer(certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: nil))
            let result = try await processor.process(
                Self.staffMail(to: ["ukendt@example.dk"], body: Self.cprMail), sender: Self.staff, recipients: ["ukendt@example.dk"])
            #expect(result.quarantineID == nil)
            let delivery = try #require(result.deliveries.first)
            #expect(delivery.kind == "tls-required")
            #expect(try MIMEParser.parse(try delivery.message.collected()).header.first(OutboundPlanner.requireTLSHeader)?.value == "yes")
        }
    }

    @Test func blockRefusesWithMaskedFindings() async throws {
        let configuration = try PipelineFixtures.configuration(rules: [OutboundRule(kinds: nil, action: .block)])
        try await ScratchDatabase.withStores(.sqlite) { stores, _ in
            let processor = GatewayProcessor(
                configuration: configuration, keyring: try PipelineFixtures.keyring, store: stores[0],
                sealer: CMSQuarantineSealer(certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: nil))
            let result = try await processor.process(
                Self.staffMail(to: ["kunde@example.dk"], body: Self.cprMail), sender: Self.staff, recipients: ["kunde@example.dk"])
            let rejection = try #require(result.rejection)
            #expect(rejection.contains("010190-XXXX"))
            #expect(!rejection.contains("1009"))
            #expect(result.deliveries.isEmpty)
            guard case .reject(let code, let enhanced, _)? = GatewayFilter.decision(for: result).outcomes.first else {
                Issue.record("block must be a rejection")
                return
            }
            #expect(code == 550)
            #expect(enhanced == "5.7.1")
        }
    }
}
