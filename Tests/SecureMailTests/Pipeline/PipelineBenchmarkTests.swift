import Foundation
import Testing
@testable import SecureMail

/// The benchmark machinery counts right and processes for real (no timings are asserted).
@Suite struct PipelineBenchmarkTests {
    @Test func inboundAndOutboundRunsProcessEveryMessageWithoutFailures() throws {
        let configuration = try PipelineFixtures.configuration
        let keyring = try PipelineFixtures.keyring
        let rsaKey = try CryptoFixtures.identity("sikkermail").privateKey
        let message = try Repository.file("Examples/demo-inbound.eml")
        let inbound = try PipelineBenchmark(configuration: configuration, keyring: keyring, direction: .inbound, threads: 2)
            .run(messages: [message], repetitions: 3, rsaKey: rsaKey)
        #expect(inbound.messages == 3)
        // Run in stretches between the RSA measurements, every message is processed exactly once.
        #expect(inbound.bytes == 3 * message.count)
        #expect(inbound.failures == 0)
        #expect(inbound.protectedMessages == 3)
        #expect(inbound.rsaOperationsPerSecond > 0)
        #expect(inbound.fractionOfRSALimit > 0)

        let customer = RecipientCertificate(certificate: try CryptoFixtures.certificate("demo-customer"), capabilities: [])
        let outbound = try PipelineBenchmark(
            configuration: configuration, keyring: keyring, direction: .outbound, recipientCertificates: ["kunde@example.dk": customer], threads: 2
        ).run(
            messages: [OutboundEndToEndTests.staffMail(to: ["kunde@example.dk"], body: OutboundEndToEndTests.cprMail)], repetitions: 2,
            rsaKey: rsaKey)
        #expect(outbound.messages == 2)
        #expect(outbound.failures == 0)
        #expect(outbound.protectedMessages == 2)
    }

    /// A message processed along another path than decryption and a verified signature is
    /// counted apart, so that a benchmark of such messages shows it is not measuring the normal case.
    @Test func plainMailToTheMailboxIsProcessedButNotCountedAsProtected() throws {
        let plain = Array("From: Demo Kunde <kunde@example.dk>\r\nTo: sikkermail@gjensidige.dk\r\nSubject: Til Skade\r\n\r\nHej\r\n".utf8)
        let result = try PipelineBenchmark(
            configuration: try PipelineFixtures.configuration, keyring: try PipelineFixtures.keyring, direction: .inbound, threads: 1
        ).run(messages: [plain], repetitions: 2, rsaKey: try CryptoFixtures.identity("sikkermail").privateKey)
        #expect(result.failures == 0)
        #expect(result.protectedMessages == 0)
    }

    @Test func garbageCountsAsAFailureNotACrash() throws {
        let result = try PipelineBenchmark(
            configuration: try PipelineFixtures.configuration, keyring: try PipelineFixtures.keyring, direction: .inbound, threads: 1
        ).run(messages: [Array("no header, no mailbox".utf8)], repetitions: 1, rsaKey: try CryptoFixtures.identity("sikkermail").privateKey)
        #expect(result.failures == 1)
    }
}
