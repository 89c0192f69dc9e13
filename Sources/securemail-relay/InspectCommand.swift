import ArgumentParser
import Foundation
import SecureMail

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Unwrap, decrypt and verify a message, and report on it. Changes nothing.",
        discussion: """
            Decrypts with the configured mailbox keys and any --key; verifies against the configured trust \
            anchors and any --trust, at --at (default: now). Exit status 0 whenever a report was produced, \
            whatever its verdict; 66 when FILE cannot be read; 78 for a configuration or key problem.
            """)

    @Argument(help: "The message (RFC 5322), or - for standard input.")
    var file: String

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "Extra trust anchor (PEM); repeatable.")
    var trust: [String] = []

    @Option(name: .long, help: "Extra decryption key: PEM with key and certificate, NAME.key.pem beside NAME.pem, or PKCS#12; repeatable.")
    var key: [String] = []

    @Option(name: .customLong("password-file"), help: "File whose first line is the passphrase of the --key files.")
    var passwordFile: String?

    @Option(name: .long, help: "Evaluate certificates at this time (ISO 8601, e.g. 2030-01-01T00:00:00Z).")
    var at: String?

    @Flag(name: .long, help: "Print the JSON report.")
    var json = false

    func run() throws {
        do {
            let configuration = try configurationOptions.load()
            var evaluationTime = Date()
            if let at {
                guard let parsed = ISO8601.parse(at) else {
                    throw OperatorError(code: .usage, message: "--at \(at) is not an ISO 8601 time such as 2030-01-01T00:00:00Z")
                }
                evaluationTime = parsed
            }
            let keyring: Keyring
            do {
                let passphrase = try passwordFile.map(Keyring.readPassphrase)
                keyring = try Keyring.load(
                    configuration, identities: .onFirstUse, extraKeyFiles: key, extraPassphrase: passphrase, extraAnchorFiles: trust)
            } catch let error as OperatorError {
                throw error
            } catch {
                throw OperatorError(code: .config, message: "\(error)")
            }
            // Handed straight to the inspector, which lets the bytes go once they are parsed.
            let report: MessageReport
            do {
                report = try Inspector(configuration: configuration, keyring: keyring, evaluationTime: evaluationTime)
                    .inspect(try readInput(file)).report
            } catch let error as IdentityUnavailableError {
                throw OperatorError(code: .config, message: error.description)
            }
            try writeOutput(json ? encodeJSON(report) : Array(ReportText.render(report).utf8), to: "-")
        } catch {
            throw OperatorError.report(error)
        }
    }
}

/// The report for a person reading a terminal.
enum ReportText {
    static func render(_ report: MessageReport) -> String {
        var lines: [String] = []
        lines.append("Verdict:    \(report.verdict.rawValue)")
        var signature = "Signature:  \(report.signature.rawValue)"
        if let signer = report.signer {
            signature += " (signer \(signer)"
            if let matches = report.signerMatchesFrom { signature += matches ? ", matches From" : ", does NOT match From" }
            signature += ")"
        }
        lines.append(signature)
        let cipher = report.layers.first { $0.type != "signed" }?.algorithm
        lines.append("Encrypted:  " + (report.encrypted ? (report.decrypted ? "yes, decrypted (\(cipher ?? "?"))" : "yes, NOT decrypted") : "no"))
        if let from = report.from { lines.append("From:       \(from)") }
        if let subject = report.subject { lines.append("Subject:    \(subject)") }
        if !report.protectedHeaders.isEmpty { lines.append("Protected:  \(report.protectedHeaders.joined(separator: ", "))") }
        lines.append("Direction:  \(report.direction)")
        if let route = report.route {
            lines.append("Route:      \(route.to.joined(separator: ", ")) (\(route.reason))")
        }
        if !report.layers.isEmpty {
            lines.append("Layers:")
            for (index, layer) in report.layers.enumerated() {
                var line = "  \(index + 1). \(layer.type) \(layer.algorithm)"
                if let form = layer.form { line += " \(form)" }
                if !layer.coversWholeMessage { line += " (covers only part of the message)" }
                for signer in layer.signers { line += "; \(signer.email ?? signer.subject ?? "unknown signer"): \(signer.status)" }
                lines.append(line)
            }
        }
        if !report.reasons.isEmpty {
            lines.append("Reasons:")
            lines += report.reasons.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
