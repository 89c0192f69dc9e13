import Foundation
import Logging
import Testing
@testable import SecureMail

/// The received bytes of an inbound message: kept in a nameless spill file when large, so that
/// the parser can take over the copy in memory, and given back exactly every time.
@Suite struct OriginalMessageTests {
    static let logger = Logger(label: "securemail.test")

    static func storageAddress(_ bytes: [UInt8]) -> UInt {
        bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    @Test func aLargeMessageIsHandedOverOnceThenReadBackFromANamelessFile() throws {
        let folder = try TemporaryFolder("spill")
        let input = LargeMessageTests.pseudoRandomBytes(SpillFile.threshold + 4097, seed: 11)
        var handedOver: [UInt8] = []
        handedOver.append(contentsOf: input)
        let inputStorage = Self.storageAddress(handedOver)
        let original = OriginalMessage(consume handedOver, spillDirectory: folder.path(""), logger: Self.logger)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "the spill file has no name")

        let first = try original.bytes()
        #expect(Self.storageAddress(first) == inputStorage, "the first request takes over the copy in memory")
        let second = try original.bytes()
        let third = try original.bytes()
        #expect(first == input && second == input && third == input)
        #expect(Self.storageAddress(second) != Self.storageAddress(third), "each later request gets a copy of its own")
    }

    @Test func withoutAWritableDirectoryTheBytesStayInMemory() throws {
        let folder = try TemporaryFolder("spill")
        let input = LargeMessageTests.pseudoRandomBytes(SpillFile.threshold + 1, seed: 12)
        let original = OriginalMessage(input, spillDirectory: folder.path("missing/state"), logger: Self.logger)
        #expect(try original.bytes() == input)
        #expect(try original.bytes() == input)
        #expect(!FileManager.default.fileExists(atPath: folder.path("missing")))
    }

    @Test func aMissingStateDirectoryIsCreatedForTheSpillFile() throws {
        let folder = try TemporaryFolder("spill")
        let input = LargeMessageTests.pseudoRandomBytes(SpillFile.threshold + 1, seed: 13)
        let original = OriginalMessage(input, spillDirectory: folder.path("state"), logger: Self.logger)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path("state")).isEmpty)
        #expect(try original.bytes() == input)
        #expect(try original.bytes() == input)
    }

    @Test func aSmallMessageIsNeverSpilled() throws {
        let folder = try TemporaryFolder("spill")
        let input = Array("Subject: kort\r\n\r\nHej\r\n".utf8)
        let original = OriginalMessage(input, spillDirectory: folder.path(""), logger: Self.logger)
        #expect(Self.storageAddress(try original.bytes()) == Self.storageAddress(input))
        #expect(try original.bytes() == input)
    }

    /// A large message for a key the gateway does not hold, sent to the mailbox and to an
    /// ordinary address: the quarantined copy and the copy passed on are the received bytes.
    @Test func aLargeUndecryptableMessageIsQuarantinedAndPassedOnExactly() async throws {
        let folder = try TemporaryFolder("state")
        let content = SMIMEFixtures.textMessage(body: String(repeating: "Skadesbeskrivelse, linje for linje.\r\n", count: 40_000))
        let otherKey = CMSRecipient(certificate: try CryptoFixtures.certificate("demo-customer"))
        let message = try SMIMEWriter.wrap(content, protectHeaders: true, encrypted: true, obscuredSubject: "...") {
            try SMIMEWriter.encrypt($0, recipients: [otherKey])
        }.serialize()
        #expect(message.count > SpillFile.threshold)
        var configuration = try PipelineFixtures.configuration
        configuration.gateway.stateDirectory = folder.url.path
        try await ScratchDatabase.withStores(.sqlite) { [configuration] stores, _ in
            let sealer = CMSQuarantineSealer(
                certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: try CryptoFixtures.identity("demo-quarantine"))
            let processor = GatewayProcessor(configuration: configuration, keyring: try PipelineFixtures.keyring, store: stores[0], sealer: sealer)
            let result = try await processor.process(
                message, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk", "kopi@example.com"])
            #expect(result.report.verdict == .decryptFailed)
            #expect(result.deliveries.map(\.kind) == ["unchanged"])
            #expect(result.deliveries.first?.message == MessageBytes(message))
            let id = try #require(result.quarantineID)
            let entry = try #require(try await stores[0].quarantineEntry(id: id))
            #expect(try entry.sealedMessage.open(with: sealer) == message)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    /// An outbound message over the configured MIME limits is not parsed into parts: the
    /// received bytes themselves are quarantined, exactly.
    @Test func anOutboundMessageOverTheLimitsIsQuarantinedExactly() async throws {
        let message = OutboundEndToEndTests.staffMail(to: ["kunde@example.dk"], body: "CPR-nr. 010190-1009\r\n")
        var configuration = try PipelineFixtures.configuration
        configuration.limits.maxHeaderFields = 2
        try await ScratchDatabase.withStores(.sqlite) { [configuration] stores, _ in
            let sealer = CMSQuarantineSealer(
                certificate: try CryptoFixtures.certificate("demo-quarantine"), identity: try CryptoFixtures.identity("demo-quarantine"))
            let processor = GatewayProcessor(configuration: configuration, keyring: try PipelineFixtures.keyring, store: stores[0], sealer: sealer)
            let result = try await processor.process(message, sender: OutboundEndToEndTests.staff, recipients: ["kunde@example.dk"])
            #expect(result.report.action == "quarantine")
            #expect(result.deliveries.isEmpty)
            let id = try #require(result.quarantineID)
            let entry = try #require(try await stores[0].quarantineEntry(id: id))
            #expect(try entry.sealedMessage.open(with: sealer) == message)
        }
    }
}
