import Foundation
import Testing
@testable import SecureMail

/// Customer mail made by real S/MIME implementations (the openssl CLI and gpgsm): signed,
/// encrypted to the DEMO mailbox certificate, with the real Subject only inside the
/// encryption. Processed with a real SQLite store: decrypted, verified, routed by the
/// protected Subject, the sender's certificate harvested, and one audit row written.
@Suite struct InboundEndToEndTests {
    static let peers = ["openssl", "gpgsm"]

    /// The inner message a customer's client would build: protected headers inside.
    static func innerEntity(subject: String) -> MIMEPart {
        var inner = MIMEPart.leaf(
            content: Array("Hej,\r\n\r\nJeg har haft en skade på min bil.\r\n".utf8),
            contentType: ContentType(type: "text", subtype: "plain", parameters: [
                MIMEParameter(name: "charset", value: "utf-8"), MIMEParameter(name: "hp", value: "cipher"),
            ]),
            transferEncoding: .quotedPrintable)
        inner.header.fields += [
            MIMEHeaderField(name: "From", value: "Demo Kunde <kunde@example.dk>"),
            MIMEHeaderField(name: "To", value: "sikkermail@gjensidige.dk"),
            MIMEHeaderField(name: "Subject", value: EncodedWords.encode(subject)),
            MIMEHeaderField(name: "Message-ID", value: "<e2e-\(UUID().uuidString)@example.dk>"),
        ]
        return inner
    }

    @Test(arguments: peers)
    func customerMailIsDecryptedVerifiedRoutedAndHarvested(peerName: String) async throws {
        guard let peer = try Peers.make(peerName) else { return }
        let inner = Self.innerEntity(subject: "SV: Til Åse Ødegård vedr. skade")
        let signed = SMIMEWriter.pkcs7Mime(try peer.sign(inner.canonicalBytes(), detached: false, digest: .sha256, ec: false), smimeType: "signed-data")
        let enveloped = SMIMEWriter.pkcs7Mime(
            try peer.encrypt(signed.canonicalBytes(), cipher: .aes256CBC, keyTransport: .rsaPKCS1v15, ec: false), smimeType: "enveloped-data")
        let outerFields = [
            MIMEHeaderField(name: "From", value: "Demo Kunde <kunde@example.dk>"), MIMEHeaderField(name: "To", value: "sikkermail@gjensidige.dk"),
            MIMEHeaderField(name: "Subject", value: "..."), MIMEHeaderField(name: "MIME-Version", value: "1.0"),
        ]
        let message = MIMEPart(header: MIMEHeader(fields: outerFields + enveloped.header.fields), body: enveloped.body)

        try await ScratchDatabase.withStores(.sqlite) { stores, _ in
            let store = stores[0]
            let processor = GatewayProcessor(
                configuration: try PipelineFixtures.configuration, keyring: try PipelineFixtures.keyring, store: store,
                sealer: CMSQuarantineSealer(certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: try CryptoFixtures.identity("demo-quarantine")))
            let result = try await processor.process(message.serialize(), sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"])
            #expect(result.report.verdict == .verified, "\(result.report.reasons)")
            #expect(result.report.subject == "SV: Til Åse Ødegård vedr. skade")
            #expect(result.report.route?.to == ["aase.oedegaard@gjensidige.dk"])
            #expect(result.report.action == "deliver")
            #expect(result.deliveries.count == 1)
            let delivery = try #require(result.deliveries.first)
            #expect(delivery.recipients == ["aase.oedegaard@gjensidige.dk"])
            let delivered = try MIMEParser.parse(try delivery.message.collected())
            #expect(delivered.header.first("Subject")?.decodedValue == "SV: Til Åse Ødegård vedr. skade")
            #expect(delivered.header.first("X-SecureMail-Verdict")?.value == "verified")
            #expect(delivered.text()?.contains("skade på min bil") == true)

            let harvested = try await store.certificateForEncryption(email: "kunde@example.dk", at: Date())
            #expect(harvested?.source == .harvested)
            #expect(harvested?.der == (try CryptoFixtures.certificate("demo-customer")).derBytes)
            if peerName == "openssl" {
                #expect(harvested?.capabilities.contains("aes-256-cbc") == true)
            }
            let audit = try await store.listAudit(since: nil, limit: 10)
            #expect(audit.count == 1)
            #expect(audit.first?.verdict == "verified")
            #expect(audit.first?.route == "employee:Åse Ødegård")
        }
    }

    /// A customer's next message within the hour only reads the certificate already harvested;
    /// an hour on, the sighting is written again.
    @Test func aCertificateHarvestedWithinTheHourIsNotWrittenAgain() async throws {
        let bytes = try PipelineFixtures.customerMessage(subject: "Til Skade")
        try await ScratchDatabase.withStores(.sqlite) { stores, _ in
            let processor = GatewayProcessor(
                configuration: try PipelineFixtures.configuration, keyring: try PipelineFixtures.keyring, store: stores[0],
                sealer: CMSQuarantineSealer(certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: try CryptoFixtures.identity("demo-quarantine")))
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var lastSeen: [Date] = []
            for minutes in [0.0, 10, 59, 61, 200] {
                let result = try await processor.process(
                    bytes, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"], at: start.addingTimeInterval(minutes * 60))
                #expect(result.report.verdict == .verified, "\(result.report.reasons)")
                let stored = try #require(try await stores[0].certificateForEncryption(email: "kunde@example.dk", at: start))
                lastSeen.append(stored.lastSeen)
            }
            let expected = [0.0, 0, 0, 61, 200].map { start.addingTimeInterval($0 * 60) }
            #expect(lastSeen.map(\.timeIntervalSince1970) == expected.map(\.timeIntervalSince1970))
        }
    }

    @Test func aSightingIsAlreadyRecordedOnlyWhenStoringItWouldChangeNothingButTheTime() {
        let stored = StoreSamples.certificate(7, capabilities: ["aes256-CBC"], seen: StoreSamples.day(0))
        let hour: TimeInterval = 3600
        func sighting(capabilities: [String] = ["aes256-CBC"], seconds: TimeInterval, revoked: Bool = false, number: Int = 7) -> StoredCertificate {
            StoreSamples.certificate(number, revoked: revoked, capabilities: capabilities, seen: StoreSamples.day(0).addingTimeInterval(seconds))
        }
        #expect(stored.alreadyRecords(sighting(seconds: 600), within: hour))
        #expect(stored.alreadyRecords(sighting(capabilities: [], seconds: 600), within: hour))
        #expect(!stored.alreadyRecords(sighting(seconds: 3600), within: hour))
        #expect(!stored.alreadyRecords(sighting(capabilities: ["aes256-GCM"], seconds: 600), within: hour))
        #expect(!stored.alreadyRecords(sighting(seconds: 600, revoked: true), within: hour))
        #expect(!stored.alreadyRecords(sighting(seconds: -600), within: hour), "an earlier first sighting moves firstSeen back")
        #expect(!stored.alreadyRecords(sighting(seconds: 600, number: 8), within: hour))
    }

    @Test func undecryptableMailIsQuarantinedSealedAndCanBeOpenedWithTheQuarantineKey() async throws {
        let bytes = try PipelineFixtures.customerMessage(subject: "Til Skade", recipientCertificate: "demo-customer")
        try await ScratchDatabase.withStores(.sqlite) { stores, _ in
            let sealer = CMSQuarantineSealer(
                certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: try CryptoFixtures.identity("demo-quarantine"))
            let processor = GatewayProcessor(
                configuration: try PipelineFixtures.configuration, keyring: try PipelineFixtures.keyring, store: stores[0], sealer: sealer)
            let result = try await processor.process(bytes, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"])
            #expect(result.report.verdict == .decryptFailed)
            #expect(result.deliveries.isEmpty)
            let id = try #require(result.quarantineID)
            let entry = try #require(try await stores[0].quarantineEntry(id: id))
            #expect(entry.sealedMessage.bytes != bytes)
            #expect(try entry.sealedMessage.open(with: sealer) == bytes)
            #expect(GatewayFilter.decision(for: result).outcomes == [.quarantined(reason: "quarantine \(id.uuidString)")])
        }
    }

    @Test func aStoreThatIsClosedGivesATransientErrorNotALoss() async throws {
        let bytes = try PipelineFixtures.customerMessage(subject: "Til Skade")
        try await ScratchDatabase.withStores(.sqlite) { stores, _ in
            let processor = GatewayProcessor(
                configuration: try PipelineFixtures.configuration, keyring: try PipelineFixtures.keyring, store: stores[0],
                sealer: CMSQuarantineSealer(certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: nil))
            await stores[0].close()
            await #expect(throws: TransientProcessingError.self) {
                try await processor.process(bytes, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"])
            }
        }
    }
}
