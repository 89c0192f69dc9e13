import ArgumentParser
import SecureMail

@main
struct SecureMailRelay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securemail-relay",
        abstract: "S/MIME gateway: verify, decrypt, route, scan, encrypt and sign mail.",
        version: SecureMailBuild.version,
        subcommands: []
    )
}
