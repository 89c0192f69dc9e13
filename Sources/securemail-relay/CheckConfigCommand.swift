import ArgumentParser
import Foundation
import SecureMail

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Load the configuration and every key, certificate and CRL it names; report problems.",
        discussion: "Exit status 0 when everything loads; 78 with one line naming the problem otherwise.")

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(name: .customLong("print-example"), help: "Print the built-in example configuration and exit.")
    var printExample = false

    func run() throws {
        if printExample {
            print(ExampleConfiguration.toml, terminator: "")
            return
        }
        do {
            let configuration = try configurationOptions.load()
            let keyring: Keyring
            do {
                keyring = try Keyring.load(configuration)
            } catch {
                throw OperatorError(code: .config, message: "\(error)")
            }
            let routingProblems = configuration.routingTable.problems()
            guard routingProblems.isEmpty else {
                throw OperatorError(code: .config, message: "routing: " + routingProblems.joined(separator: "; "))
            }
            print("configuration OK: \(configuration.mailboxes.count) mailboxes, \(keyring.trust.anchors.count) trust anchors, database \(configuration.gateway.databaseURL)")
            for mailbox in configuration.mailboxes {
                for identity in try keyring.identities(ofMailbox: mailbox.address) {
                    let days = Int(identity.certificate.notValidAfter.timeIntervalSinceNow / 86_400)
                    print("  \(mailbox.address): \(identity.certificate.subject), SHA-256 \(identity.certificate.sha256FingerprintHex), expires in \(days) days")
                }
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}
