import Foundation
@testable import SecureMail

/// The example configuration with the DEMO keys, loaded from their bytes so that tests do not
/// depend on the file modes a checkout has.
enum PipelineFixtures {
    static var configuration: GatewayConfiguration {
        get throws { try ConfigurationLoader.load(path: nil, environment: [:], currentDirectory: Repository.root.path) }
    }

    /// The example configuration with other outbound rules.
    static func configuration(rules: [OutboundRule]) throws -> GatewayConfiguration {
        var configuration = try configuration
        configuration.outbound.rules = rules
        return configuration
    }

    static var keyring: Keyring {
        get throws {
            Keyring(
                mailboxIdentities: [
                    "sikkermail@gjensidige.dk": [try CryptoFixtures.identity("sikkermail"), try CryptoFixtures.identity("sikkermail-ec")],
                    "sikkermail-arbejdsskade@gjensidige.dk": [
                        try CryptoFixtures.identity("sikkermail-arbejdsskade"), try CryptoFixtures.identity("sikkermail-arbejdsskade-ec"),
                    ],
                ],
                extraIdentities: [], trust: try CryptoFixtures.demoTrust())
        }
    }

    static func inspector(at time: Date = Date()) throws -> Inspector {
        Inspector(configuration: try configuration, keyring: try keyring, evaluationTime: time)
    }

    /// A customer message to a mailbox: signed by the customer, encrypted to the mailbox, the
    /// real Subject protected inside and `...` outside.
    static func customerMessage(
        subject: String, to mailbox: String = "sikkermail@gjensidige.dk", recipientCertificate: String = "sikkermail",
        extraFields: [(name: String, value: String)] = [], sign: Bool = true
    ) throws -> [UInt8] {
        let customer = try CryptoFixtures.identity("demo-customer")
        let recipient = CMSRecipient(certificate: try CryptoFixtures.certificate(recipientCertificate))
        let message = SMIMEFixtures.textMessage(to: mailbox, subject: subject, extraFields: extraFields)
        return try SMIMEWriter.wrap(message, protectHeaders: true, encrypted: true, obscuredSubject: "...") { inner in
            try SMIMEWriter.encrypt(sign ? SMIMEWriter.signDetached(inner, signer: customer) : inner, recipients: [recipient])
        }.serialize()
    }
}
