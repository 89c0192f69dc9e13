import Foundation
import Testing
@testable import SecureMail

/// Builds test messages and runs them through the unwrapper the way mail arrives: as bytes.
enum SMIMEFixtures {
    static func textMessage(
        from: String = "Demo Kunde <kunde@example.dk>", to: String = "sikkermail@gjensidige.dk",
        subject: String = "Til Skade: min bil", body: String = "Hej,\r\n\r\nHer er billederne.\r\n",
        extraFields: [(name: String, value: String)] = []
    ) -> MIMEPart {
        var message = MIMEPart.leaf(
            content: Array(body.utf8), contentType: ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .quotedPrintable)
        var fields = [
            MIMEHeaderField(name: "From", value: from), MIMEHeaderField(name: "To", value: to),
            MIMEHeaderField(name: "Subject", value: EncodedWords.encode(subject)),
            MIMEHeaderField(name: "Date", value: "Sat, 21 Nov 2026 12:00:00 +0100"),
            MIMEHeaderField(name: "Message-ID", value: "<test-\(UUID().uuidString)@example.dk>"),
            MIMEHeaderField(name: "MIME-Version", value: "1.0"),
        ]
        fields += extraFields.map { MIMEHeaderField(name: $0.name, value: $0.value) }
        message.header.fields = fields + message.header.fields
        return message
    }

    static var customer: Identity { get throws { try CryptoFixtures.identity("demo-customer") } }
    static var mailbox: Identity { get throws { try CryptoFixtures.identity("sikkermail") } }
    static var mailboxEC: Identity { get throws { try CryptoFixtures.identity("sikkermail-ec") } }

    static func recipient(_ name: String, _ transport: KeyTransport = .rsaPKCS1v15) throws -> CMSRecipient {
        CMSRecipient(certificate: try CryptoFixtures.certificate(name), keyTransport: transport)
    }

    /// Serialises, parses again, unwraps and judges.
    static func assess(
        _ message: MIMEPart, identities: [Identity]? = nil, trust: TrustStore? = nil, at time: Date = Date()
    ) throws -> (UnwrappedMessage, VerdictAssessment) {
        try assess(bytes: message.serialize(), identities: identities, trust: trust, at: time)
    }

    static func assess(
        bytes: [UInt8], identities: [Identity]? = nil, trust: TrustStore? = nil, at time: Date = Date()
    ) throws -> (UnwrappedMessage, VerdictAssessment) {
        let parsed = try MIMEParser.parse(bytes)
        #expect(parsed.serialize() == bytes, "parse/write identity")
        let unwrapper = SMIMEUnwrapper(
            identities: try identities ?? [mailbox, mailboxEC], trust: try trust ?? CryptoFixtures.demoTrust(), evaluationTime: time)
        let unwrapped = try unwrapper.unwrap(parsed)
        for layer in [unwrapped.content] + unwrapped.content.allParts() {
            #expect(try MIMEParser.parse(layer.serialize()).serialize() == layer.serialize(), "parse/write identity of an inner layer")
        }
        return (unwrapped, SignatureVerdict.assess(unwrapped))
    }

    static func replacing(_ needle: String, with replacement: String, in bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: needle, with: replacement).utf8)
    }
}
