import Foundation
import Testing

/// A demo certificate and its key, as PEM file paths.
struct DemoIdentity {
    var certificate: String
    var key: String
    var email: String

    static let sikkermail = DemoIdentity(
        certificate: Repository.certs("sikkermail.pem"), key: Repository.certs("sikkermail.key.pem"),
        email: "sikkermail@gjensidige.dk")
    static let sikkermailEC = DemoIdentity(
        certificate: Repository.certs("sikkermail-ec.pem"), key: Repository.certs("sikkermail-ec.key.pem"),
        email: "sikkermail@gjensidige.dk")
    static let customer = DemoIdentity(
        certificate: Repository.certs("demo-customer.pem"), key: Repository.certs("demo-customer.key.pem"),
        email: "kunde@example.dk")
    static let customerEC = DemoIdentity(
        certificate: Repository.certs("demo-customer-ec.pem"), key: Repository.certs("demo-customer-ec.key.pem"),
        email: "kunde.ec@example.dk")
}

/// A throw-away GnuPG home for `gpgsm` (GnuPG's S/MIME tool) that trusts the demo CA.
///
/// gpgsm 2.2 reads PKCS#12 only with an unencrypted certificate bag and a 3DES key bag, and
/// takes passphrases in batch mode only from a file descriptor: hence the export options
/// and `--passphrase-fd 0` below.
final class GpgsmHome {
    let folder: TemporaryFolder
    static let passphrase = "interop"

    init(anchors: [String] = [Repository.certs("demo-ca.pem")]) throws {
        folder = try TemporaryFolder("gpgsm")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.url.path)
        try folder.write("gpg-agent.conf", Array("allow-loopback-pinentry\n".utf8))
        try folder.write("gpgsm.conf", Array("disable-crl-checks\ndisable-policy-checks\npinentry-mode loopback\n".utf8))
        var trustlist = ""
        for anchor in anchors {
            try run(["--batch", "--import", anchor])
            let fingerprint = try ExternalTool.require("openssl", ["x509", "-in", anchor, "-noout", "-fingerprint", "-sha1"])
            trustlist += fingerprint.outputText.split(separator: "=").last.map { "\($0.trimmingCharacters(in: .whitespacesAndNewlines)) S relax\n" } ?? ""
        }
        try folder.write("trustlist.txt", Array(trustlist.utf8))
    }

    deinit {
        _ = try? ExternalTool.run("gpgconf", ["--kill", "all"], environment: ["GNUPGHOME": folder.url.path])
    }

    var environment: [String: String] { ["GNUPGHOME": folder.url.path] }

    /// Imports a certificate (public only).
    func importCertificate(_ path: String) throws { try run(["--batch", "--import", path]) }

    /// Imports a certificate with its private key.
    func importIdentity(_ identity: DemoIdentity) throws {
        // gpgsm 2.2 (seen in CI and locally, on a loaded machine) sometimes fails to read the
        // PKCS#12 it is given ("decryption failed; trying charset ..."), several times in a row;
        // a fresh export and a pause then succeed. Five tries, each with a new file, and the
        // last failure fails the test.
        for attempt in 1...5 {
            let p12 = folder.path(UUID().uuidString + ".p12")
            try ExternalTool.require("openssl", [
                "pkcs12", "-export", "-in", identity.certificate, "-inkey", identity.key, "-out", p12,
                "-passout", "pass:\(Self.passphrase)", "-certpbe", "NONE", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1",
            ])
            let result = try runAllowingFailure(["--batch", "--import", p12], passphrase: true)
            if result.succeeded { return }
            if attempt == 5 {
                Issue.record("gpgsm --import of \(identity.certificate) failed five times: \(result.standardError)")
            }
            Thread.sleep(forTimeInterval: Double(attempt))
        }
    }

    /// Runs gpgsm in this home; fails the test when it exits non-zero.
    @discardableResult
    func run(_ arguments: [String], passphrase: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> ToolRun {
        let result = try runAllowingFailure(arguments, passphrase: passphrase)
        if !result.succeeded {
            Issue.record("gpgsm \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)", sourceLocation: sourceLocation)
        }
        return result
    }

    /// gpgsm takes a passphrase only from a file descriptor; it gets a file as standard input
    /// (not a pipe written after start, which lost the race under load).
    func runAllowingFailure(_ arguments: [String], passphrase: Bool = false) throws -> ToolRun {
        guard passphrase else { return try ExternalTool.run("gpgsm", arguments, environment: environment) }
        let passphraseFile = folder.path("passphrase")
        if !FileManager.default.fileExists(atPath: passphraseFile) {
            try folder.write("passphrase", Array("\(Self.passphrase)\n".utf8))
        }
        return try ExternalTool.run(
            "sh", ["-c", "exec gpgsm --batch --passphrase-fd 0 \"$@\" < \"$0\"", passphraseFile] + arguments, environment: environment)
    }
}

/// A throw-away NSS certificate database for `cmsutil`, the CMS engine of Thunderbird.
final class NSSDatabase {
    let folder: TemporaryFolder
    static let passphrase = "interop"

    init(anchors: [String] = [Repository.certs("demo-ca.pem")]) throws {
        folder = try TemporaryFolder("nss")
        try ExternalTool.require("certutil", ["-N", "-d", directory, "--empty-password"])
        for (index, anchor) in anchors.enumerated() {
            try ExternalTool.require("certutil", ["-A", "-d", directory, "-n", "anchor-\(index)", "-t", "C,C,C", "-i", anchor])
        }
    }

    var directory: String { "sql:" + folder.url.path }

    func importCertificate(_ path: String, nickname: String) throws {
        try ExternalTool.require("certutil", ["-A", "-d", directory, "-n", nickname, "-t", ",,", "-i", path])
    }

    func importIdentity(_ identity: DemoIdentity, nickname: String) throws {
        let p12 = folder.path(nickname + ".p12")
        try ExternalTool.require("openssl", [
            "pkcs12", "-export", "-in", identity.certificate, "-inkey", identity.key, "-out", p12,
            "-passout", "pass:\(Self.passphrase)", "-name", nickname,
        ])
        try ExternalTool.require("pk12util", ["-i", p12, "-d", directory, "-W", Self.passphrase])
    }

    /// What `cmsutil -D` made of a CMS object: the signer report and the content.
    struct Decoded {
        var run: ToolRun
        /// The `-h 2` report, with one `signerN.status=...` per signer.
        var signerReport: String
        var content: [UInt8]
    }

    /// Decodes (verifies or decrypts) with `cmsutil -D`. cmsutil prints its signer report in
    /// front of the content, so the report and the content come from two runs.
    func decode(_ cmsPath: String, detachedContent: String? = nil) throws -> Decoded {
        var arguments = ["-D", "-d", directory, "-i", cmsPath, "-u", "4"]
        if let detachedContent { arguments += ["-c", detachedContent] }
        let report = try ExternalTool.run("cmsutil", arguments + ["-h", "2"])
        let contentRun = try ExternalTool.run("cmsutil", arguments)
        return Decoded(run: contentRun, signerReport: report.outputText, content: contentRun.standardOutput)
    }
}
