import Foundation
import Testing
@testable import SecureMail

@Suite struct InboundPlannerTests {
    private func plan(_ bytes: [UInt8], mailbox address: String = "sikkermail@gjensidige.dk", unverified: UnverifiedAction = .deliverMarked)
        throws -> (InboundPlan, MessageReport)
    {
        let inspection = try PipelineFixtures.inspector().inspect(bytes, sender: "kunde@example.dk", recipients: [address])
        var mailbox = try #require(try PipelineFixtures.configuration.mailbox(address))
        mailbox.unverified = unverified
        let route = try #require(inspection.report.route)
        return (InboundPlanner.plan(inspection, mailbox: mailbox, route: route), inspection.report)
    }

    @Test func verifiedMailIsDeliveredDecryptedToTheRoutedEmployeeWithStatusHeaders() throws {
        let (plan, report) = try plan(PipelineFixtures.customerMessage(subject: "Til Søren Kjærgaard: skade på carport"))
        #expect(report.verdict == .verified)
        #expect(plan.action == .deliver)
        #expect(plan.recipients == ["soeren.kjaergaard@gjensidige.dk"])
        let delivered = try MIMEParser.parse(try #require(plan.message))
        #expect(delivered.header.first("Subject")?.decodedValue == "Til Søren Kjærgaard: skade på carport")
        #expect(delivered.header.all("Subject").count == 1)
        #expect(delivered.header.first("X-SecureMail-Verdict")?.value == "verified")
        #expect(delivered.header.first("X-SecureMail-Signature")?.value == "valid")
        #expect(delivered.header.first("X-SecureMail-Signer")?.value == "kunde@example.dk")
        #expect(delivered.header.first("X-SecureMail-Encrypted")?.value == "aes-256-cbc")
        #expect(delivered.header.first("X-SecureMail-Route")?.decodedValue == "employee:Søren Kjærgaard")
        #expect(delivered.contentType.mimeType == "text/plain")
        #expect(delivered.text() == "Hej,\r\n\r\nHer er billederne.\r\n")
        #expect(!String(decoding: try #require(plan.message), as: UTF8.self).contains("application/pkcs7-mime"))
    }

    @Test func aForgedVerdictHeaderOnAnUnsignedMessageDoesNotSurvive() throws {
        var message = SMIMEFixtures.textMessage(subject: "Til Skade")
        message.header.append(name: "X-SecureMail-Verdict", value: "verified")
        message.header.append(name: "X-Securemail-Signer", value: "ceo@gjensidige.dk")
        let (plan, report) = try plan(message.serialize())
        #expect(report.verdict == .plain)
        #expect(plan.action == .deliver)
        let delivered = try MIMEParser.parse(try #require(plan.message))
        #expect(delivered.header.all("X-SecureMail-Verdict").map(\.value) == ["plain"])
        #expect(delivered.header.all("X-SecureMail-Signer").isEmpty)
        #expect(delivered.header.first("Subject")?.decodedValue == "[Ikke verificeret] Til Skade")
        #expect(plan.recipients == ["skade@gjensidige.dk"])
    }

    @Test func aForgedVerdictInsideTheEncryptionDoesNotSurviveEither() throws {
        let bytes = try PipelineFixtures.customerMessage(
            subject: "Til Skade", extraFields: [(name: "X-SecureMail-Verdict", value: "verified")], sign: false)
        let (plan, report) = try plan(bytes)
        #expect(report.verdict == .notVerified)
        let delivered = try MIMEParser.parse(try #require(plan.message))
        #expect(delivered.header.all("X-SecureMail-Verdict").map(\.value) == ["not-verified"])
        #expect(delivered.header.first("Subject")?.decodedValue == "[Ikke verificeret] Til Skade")
    }

    @Test func unverifiedPolicyQuarantinesOrRejectsWhenConfigured() throws {
        let unsigned = try PipelineFixtures.customerMessage(subject: "Til Regres", sign: false)
        #expect(try plan(unsigned, unverified: .quarantine).0.action == .quarantine)
        let (rejected, _) = try plan(unsigned, unverified: .reject)
        #expect(rejected.action == .reject)
        #expect(rejected.reasons.contains { $0.contains("not signed") })
    }

    @Test func mailThatCannotBeDecryptedIsQuarantinedNeverDelivered() throws {
        let forCustomer = try PipelineFixtures.customerMessage(subject: "Til Skade", recipientCertificate: "demo-customer")
        let (plan, report) = try plan(forCustomer)
        #expect(report.verdict == .decryptFailed)
        #expect(plan.action == .quarantine)
        #expect(plan.message == nil)
    }

    @Test func eachMailboxRoutesToItsOwnDefault() throws {
        let (general, _) = try plan(PipelineFixtures.customerMessage(subject: "Hej"))
        #expect(general.recipients == ["kundeservice@gjensidige.dk"])
        let bytes = try PipelineFixtures.customerMessage(
            subject: "Hej", to: "sikkermail-arbejdsskade@gjensidige.dk", recipientCertificate: "sikkermail-arbejdsskade")
        let (workInjury, report) = try plan(bytes, mailbox: "sikkermail-arbejdsskade@gjensidige.dk")
        #expect(report.verdict == .verified)
        #expect(workInjury.recipients == ["arbejdsskade@gjensidige.dk"])
    }
}

@Suite struct ReportPrivacyTests {
    @Test func aCPRNumberInTheSubjectIsMaskedInTheReportButDeliveredToTheEmployee() throws {
        let bytes = try PipelineFixtures.customerMessage(subject: "Til Skade vedr. 010190-1009", sign: false)
        let inspection = try PipelineFixtures.inspector().inspect(bytes, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"])
        #expect(inspection.report.subject == "Til Skade vedr. 010190-XXXX")
        let json = String(decoding: try JSONEncoder().encode(inspection.report), as: UTF8.self)
        #expect(!json.contains("1009"))
        let mailbox = try #require(try PipelineFixtures.configuration.mailbox("sikkermail@gjensidige.dk"))
        let plan = InboundPlanner.plan(inspection, mailbox: mailbox, route: try #require(inspection.report.route))
        let delivered = try MIMEParser.parse(try #require(plan.message))
        #expect(delivered.header.first("Subject")?.decodedValue == "[Ikke verificeret] Til Skade vedr. 010190-1009")
        #expect(plan.recipients == ["skade@gjensidige.dk"])
    }
}
