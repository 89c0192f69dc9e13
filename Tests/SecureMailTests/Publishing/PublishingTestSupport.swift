import Foundation
import Testing
@testable import SecureMail

/// The example configuration's mailboxes, loaded the way the relay loads them.
enum PublishingFixtures {
    static let mailboxes = ["sikkermail@gjensidige.dk", "sikkermail-arbejdsskade@gjensidige.dk"]

    static func configuration() throws -> GatewayConfiguration {
        try ConfigurationLoader.parse(ExampleConfiguration.toml, source: "test", baseDirectory: Repository.root.path)
    }

    static func directory() throws -> CertificateDirectory {
        let configuration = try configuration()
        return try CertificateDirectory(configuration: configuration, keyring: try Keyring.load(configuration))
    }

    static func publication(_ mailbox: String = "sikkermail@gjensidige.dk") throws -> PublishedCertificate {
        guard let publication = try directory().publication(for: mailbox) else {
            throw FixtureError("the example configuration has no mailbox \(mailbox)")
        }
        return publication
    }
}

/// Debian's python3 (where python3-vobject and python3-prometheus-client live), with a module check.
enum SystemPython {
    static let path = "/usr/bin/python3"

    /// True when /usr/bin/python3 can import `module`; otherwise fails the test in CI, or prints
    /// why it skips.
    static func available(module: String, package: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if FileManager.default.isExecutableFile(atPath: path),
           let run = try? ExternalTool.run(path, ["-c", "import \(module)"]), run.succeeded {
            return true
        }
        let reason = "\(path) cannot import \(module) (Debian package \(package); scripts/test.sh installs it)"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("\(reason); CI must not skip this test", sourceLocation: sourceLocation)
        } else {
            print("SKIPPED: \(reason)")
        }
        return false
    }

    static func run(_ script: String, arguments: [String] = [], input: [UInt8] = []) throws -> ToolRun {
        try ExternalTool.require(path, ["-c", script] + arguments, input: input)
    }
}

/// Hex helpers for comparing with tool output.
func lowercaseHex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// Every PEM CERTIFICATE block of a text, decoded to DER.
func pemCertificateBlocks(_ text: String) -> [[UInt8]] {
    text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst().compactMap { chunk in
        guard let body = chunk.components(separatedBy: "-----END CERTIFICATE-----").first else { return nil }
        return Data(base64Encoded: body.filter { !$0.isWhitespace }).map { [UInt8]($0) }
    }
}
