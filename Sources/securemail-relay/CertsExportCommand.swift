import ArgumentParser
import Foundation
import SecureMail

/// `certs`: the certificate command group.
struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Work with certificates: export the mailbox certificates; list, import and remove stored ones.",
        subcommands: [CertsExport.self, CertsList.self, CertsImport.self, CertsRemove.self])
}

extension PublishedFormat: RawValueArgument {}

/// Exit status for an address that is not a configured mailbox (sysexits EX_NOUSER).
private let exitNoUser: Int32 = 67

struct CertsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a mailbox certificate as PEM, DER, vCard 3.0/4.0, PKCS#7 or an SMIMEA record.",
        discussion: """
            Only certificates are written, never keys. `--all --output DIR` writes every format for \
            every configured mailbox into DIR (created if needed). An address that is not a configured \
            mailbox exits 67 naming the configured ones.
            """)

    @Argument(help: "The mailbox address, e.g. sikkermail@gjensidige.dk.")
    var address: String?

    @Option(name: .long, help: "pem, der, vcard (3.0, for Outlook), vcard4, p7c or smimea.")
    var format: PublishedFormat?

    @Flag(name: .long, help: "PEM: append the issuer chain (PKCS#7 always carries it).")
    var chain = false

    @Flag(name: .customLong("public-key-hash"), help: "SMIMEA: publish `3 1 1` (SHA-256 of the public key) instead of `3 0 0` (the full certificate).")
    var publicKeyHash = false

    @Flag(name: .long, help: "Export every format of every mailbox (needs --output DIR).")
    var all = false

    @Option(name: .long, help: "Output file (default: standard output), or the folder for --all.")
    var output: String?

    @OptionGroup var configurationOptions: ConfigurationOptions

    func validate() throws {
        if all {
            guard address == nil, format == nil else {
                throw ValidationError("--all exports every mailbox in every format: give neither ADDRESS nor --format")
            }
            guard output != nil else { throw ValidationError("--all needs --output DIR") }
        } else {
            guard address != nil else { throw ValidationError("give the mailbox ADDRESS, or --all") }
            guard format != nil else { throw ValidationError("give --format pem|der|vcard|vcard4|p7c|smimea") }
        }
    }

    func run() throws {
        do {
            let directory = try loadDirectory()
            if all, let output {
                try exportAll(directory, into: output)
                return
            }
            guard let address, let format else { return }
            guard let publication = directory.publication(for: address) else {
                let problem = PublishingError.unknownMailbox(address, configured: directory.mailboxes)
                FileHandle.standardError.write(Data("securemail-relay: \(problem)\n".utf8))
                throw ExitCode(exitNoUser)
            }
            let options = PublishedCertificate.RenderOptions(
                includeChain: chain, smimeaKind: publicKeyHash ? .publicKeySHA256 : .fullCertificate)
            try writeOutput(try publication.render(format, options: options), to: output ?? "-")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw OperatorError.report(error)
        }
    }

    private func loadDirectory() throws -> CertificateDirectory {
        let configuration = try configurationOptions.load()
        do {
            return try CertificateDirectory(configuration: configuration, keyring: try Keyring.load(configuration))
        } catch {
            throw OperatorError(code: .config, message: "\(error)")
        }
    }

    private func exportAll(_ directory: CertificateDirectory, into folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw OperatorError(code: .noPermission, message: "cannot create \(folder): \(error.localizedDescription)")
        }
        for publication in directory.publications {
            for variant in PublishedVariant.all {
                let bytes = try publication.render(variant.format, options: .init(includeChain: variant.includesChain))
                let path = (folder as NSString).appendingPathComponent(variant.filename(for: publication.mailbox))
                try writeOutput(bytes, to: path)
                print(path)
            }
        }
    }
}
