import Foundation
import Testing
@testable import SecureMail

/// An independent S/MIME implementation driven from its command line. It holds the demo
/// customer's keys (RSA and, where it can, EC) and trusts the demo CA; SecureMail holds the
/// mailbox keys. Every operation works on raw CMS (DER): the tests do the MIME wrapping, as a
/// mail client around these engines does.
protocol CMSPeer: AnyObject {
    var name: String { get }
    /// What the tool can do; anything else is outside the interop matrix for it.
    var ciphers: [ContentCipher] { get }
    var keyTransports: [KeyTransport] { get }
    var digests: [DigestAlgorithm] { get }
    var supportsEC: Bool { get }
    /// True when the tool picks the content cipher itself (the `cipher` argument is ignored).
    var choosesItsOwnCipher: Bool { get }

    /// Signs as the customer (`ec` picks the EC key).
    func sign(_ content: [UInt8], detached: Bool, digest: DigestAlgorithm, ec: Bool) throws -> [UInt8]
    /// Verifies with the demo CA as trust anchor; returns the signed content when good, nil when the tool rejects it.
    func verify(_ signature: [UInt8], detachedContent: [UInt8]?) throws -> [UInt8]?
    /// Encrypts to the sikkermail mailbox certificate (RSA or EC).
    func encrypt(_ content: [UInt8], cipher: ContentCipher, keyTransport: KeyTransport, ec: Bool) throws -> [UInt8]
    /// Decrypts with the customer's key.
    func decrypt(_ enveloped: [UInt8]) throws -> [UInt8]
}

struct PeerFailure: Error, CustomStringConvertible {
    var description: String
}

/// The OpenSSL command-line tool (`openssl cms`).
final class OpenSSLPeer: CMSPeer {
    let name = "openssl"
    let ciphers = ContentCipher.allCases
    let keyTransports: [KeyTransport] = [.rsaPKCS1v15, .rsaOAEP]
    let digests = DigestAlgorithm.allCases
    let supportsEC = true
    let choosesItsOwnCipher = false
    private let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder("openssl-peer") }

    private func run(_ arguments: [String]) throws -> ToolRun {
        try ExternalTool.run("openssl", arguments, directory: folder.url)
    }

    func sign(_ content: [UInt8], detached: Bool, digest: DigestAlgorithm, ec: Bool) throws -> [UInt8] {
        let identity = ec ? DemoIdentity.customerEC : .customer
        try folder.write("content", content)
        let result = try run(
            ["cms", "-sign", "-binary", "-in", "content", "-signer", identity.certificate, "-inkey", identity.key,
             "-md", digest.rawValue, "-outform", "DER", "-out", "signed.der"] + (detached ? [] : ["-nodetach"]))
        guard result.succeeded else { throw PeerFailure(description: "openssl cms -sign: \(result.standardError)") }
        return try folder.read("signed.der")
    }

    func verify(_ signature: [UInt8], detachedContent: [UInt8]?) throws -> [UInt8]? {
        try folder.write("signature.der", signature)
        var arguments = ["cms", "-verify", "-binary", "-inform", "DER", "-in", "signature.der", "-CAfile", Repository.certs("demo-ca.pem"), "-out", "verified"]
        if let detachedContent {
            try folder.write("detached", detachedContent)
            arguments += ["-content", "detached"]
        }
        return try run(arguments).succeeded ? folder.read("verified") : nil
    }

    func encrypt(_ content: [UInt8], cipher: ContentCipher, keyTransport: KeyTransport, ec: Bool) throws -> [UInt8] {
        try folder.write("plain", content)
        let recipient = Repository.certs(ec ? "sikkermail-ec.pem" : "sikkermail.pem")
        var arguments = ["cms", "-encrypt", "-binary", "-\(cipher.rawValue)", "-in", "plain", "-outform", "DER", "-out", "enveloped.der", "-recip", recipient]
        if case .rsaOAEP = keyTransport { arguments += ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256"] }
        let result = try run(arguments)
        guard result.succeeded else { throw PeerFailure(description: "openssl cms -encrypt: \(result.standardError)") }
        return try folder.read("enveloped.der")
    }

    func decrypt(_ enveloped: [UInt8]) throws -> [UInt8] {
        try folder.write("in.der", enveloped)
        for identity in [DemoIdentity.customer, .customerEC] {
            let result = try run(["cms", "-decrypt", "-binary", "-inform", "DER", "-in", "in.der", "-recip", identity.certificate, "-inkey", identity.key, "-out", "decrypted"])
            if result.succeeded { return try folder.read("decrypted") }
        }
        throw PeerFailure(description: "openssl cms -decrypt failed with both customer keys")
    }
}

/// GnuPG's S/MIME tool. gpgsm 2.2 does RSA with PKCS#1 v1.5 key transport and AES-CBC; it
/// has no RSA-OAEP, no AuthEnvelopedData and no ECDH, and crashes importing EC keys.
final class GpgsmPeer: CMSPeer {
    let name = "gpgsm"
    let ciphers: [ContentCipher] = [.aes128CBC, .aes256CBC]
    let keyTransports: [KeyTransport] = [.rsaPKCS1v15]
    let digests = DigestAlgorithm.allCases
    let supportsEC = false
    let choosesItsOwnCipher = false
    private let home: GpgsmHome
    private let customerFingerprint: String
    private let mailboxFingerprint: String

    init() throws {
        home = try GpgsmHome()
        try home.importIdentity(.customer)
        try home.importCertificate(DemoIdentity.sikkermail.certificate)
        customerFingerprint = try Self.sha1Fingerprint(DemoIdentity.customer.certificate)
        mailboxFingerprint = try Self.sha1Fingerprint(DemoIdentity.sikkermail.certificate)
    }

    /// gpgsm names keys by SHA-1 fingerprint: the email is ambiguous when RSA and EC share it.
    static func sha1Fingerprint(_ certificate: String) throws -> String {
        let output = try ExternalTool.require("openssl", ["x509", "-in", certificate, "-noout", "-fingerprint", "-sha1"]).outputText
        return String(output.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private var folder: TemporaryFolder { home.folder }

    func sign(_ content: [UInt8], detached: Bool, digest: DigestAlgorithm, ec: Bool) throws -> [UInt8] {
        let input = try folder.write("content", content)
        let output = folder.path("signed.der")
        let result = try home.runAllowingFailure(
            ["--digest-algo", digest.rawValue.uppercased(), "-u", customerFingerprint, detached ? "--detach-sign" : "--sign", "-o", output, input],
            passphrase: true)
        guard result.succeeded else { throw PeerFailure(description: "gpgsm sign: \(result.standardError)") }
        return try folder.read("signed.der")
    }

    func verify(_ signature: [UInt8], detachedContent: [UInt8]?) throws -> [UInt8]? {
        let signaturePath = try folder.write("signature.der", signature)
        try? FileManager.default.removeItem(atPath: folder.path("verified"))
        var arguments = ["--batch", "--verify"]
        if let detachedContent {
            arguments += [signaturePath, try folder.write("detached", detachedContent)]
        } else {
            arguments += ["-o", folder.path("verified"), signaturePath]
        }
        let result = try home.runAllowingFailure(arguments)
        guard result.succeeded, result.standardError.contains("Good signature") else { return nil }
        return try detachedContent ?? folder.read("verified")
    }

    func encrypt(_ content: [UInt8], cipher: ContentCipher, keyTransport: KeyTransport, ec: Bool) throws -> [UInt8] {
        let input = try folder.write("plain", content)
        let algorithm = cipher == .aes128CBC ? "AES128" : "AES256"
        let result = try home.runAllowingFailure(["--batch", "--cipher-algo", algorithm, "-r", mailboxFingerprint, "--encrypt", "-o", folder.path("enveloped.der"), input])
        guard result.succeeded else { throw PeerFailure(description: "gpgsm encrypt: \(result.standardError)") }
        return try folder.read("enveloped.der")
    }

    func decrypt(_ enveloped: [UInt8]) throws -> [UInt8] {
        let input = try folder.write("in.der", enveloped)
        try? FileManager.default.removeItem(atPath: folder.path("decrypted"))
        let result = try home.runAllowingFailure(["--decrypt", "-o", folder.path("decrypted"), input], passphrase: true)
        // gpgsm 2.2 exits 2 when any RecipientInfo names a key it lacks, even after decrypting
        // with another one; a real failure says "message decryption failed".
        let output = (try? folder.read("decrypted")) ?? []
        guard !output.isEmpty, !result.standardError.contains("message decryption failed") else {
            throw PeerFailure(description: "gpgsm decrypt: \(result.standardError)")
        }
        return output
    }
}

/// NSS's `cmsutil`, the CMS engine of Thunderbird. NSS 3.87 signs with RSA and ECDSA and
/// decrypts RSA PKCS#1 v1.5 with AES-CBC; it has no RSA-OAEP, no AuthEnvelopedData and no
/// ECDH key agreement, and picks the content cipher itself when encrypting.
final class NSSPeer: CMSPeer {
    let name = "nss-cmsutil"
    let ciphers: [ContentCipher] = [.aes128CBC, .aes256CBC]
    let keyTransports: [KeyTransport] = [.rsaPKCS1v15]
    let digests = DigestAlgorithm.allCases
    let supportsEC = true
    let choosesItsOwnCipher = true
    private let database: NSSDatabase

    init() throws {
        database = try NSSDatabase()
        try database.importIdentity(.customer, nickname: "customer")
        try database.importIdentity(.customerEC, nickname: "customer-ec")
        try database.importCertificate(DemoIdentity.sikkermail.certificate, nickname: "sikkermail")
    }

    private var folder: TemporaryFolder { database.folder }

    func sign(_ content: [UInt8], detached: Bool, digest: DigestAlgorithm, ec: Bool) throws -> [UInt8] {
        let input = try folder.write("content", content)
        var arguments = ["-S", "-d", database.directory, "-N", ec ? "customer-ec" : "customer", "-H", digest.rawValue.uppercased(), "-i", input, "-o", folder.path("signed.der")]
        if detached { arguments.append("-T") }
        let result = try ExternalTool.run("cmsutil", arguments)
        guard result.succeeded else { throw PeerFailure(description: "cmsutil -S: \(result.standardError)") }
        return try folder.read("signed.der")
    }

    func verify(_ signature: [UInt8], detachedContent: [UInt8]?) throws -> [UInt8]? {
        let signaturePath = try folder.write("signature.der", signature)
        let decoded = try database.decode(signaturePath, detachedContent: try detachedContent.map { try folder.write("detached", $0) })
        guard decoded.run.succeeded, decoded.signerReport.contains("status=GoodSignature"),
            !decoded.signerReport.contains("status=BadSignature")
        else { return nil }
        return detachedContent ?? decoded.content
    }

    func encrypt(_ content: [UInt8], cipher: ContentCipher, keyTransport: KeyTransport, ec: Bool) throws -> [UInt8] {
        let input = try folder.write("plain", content)
        let result = try ExternalTool.run("cmsutil", ["-E", "-d", database.directory, "-r", "sikkermail@gjensidige.dk", "-i", input, "-o", folder.path("enveloped.der")])
        guard result.succeeded else { throw PeerFailure(description: "cmsutil -E: \(result.standardError)") }
        return try folder.read("enveloped.der")
    }

    func decrypt(_ enveloped: [UInt8]) throws -> [UInt8] {
        let input = try folder.write("in.der", enveloped)
        let decoded = try database.decode(input)
        guard decoded.run.succeeded else { throw PeerFailure(description: "cmsutil -D: \(decoded.run.standardError)") }
        return decoded.content
    }
}

/// The peers, by the tool each needs.
enum Peers {
    static let all: [(name: String, tool: String)] = [("openssl", "openssl"), ("gpgsm", "gpgsm"), ("nss-cmsutil", "cmsutil")]

    static func make(_ name: String) throws -> CMSPeer? {
        guard let entry = all.first(where: { $0.name == name }), ExternalTool.available(entry.tool) else { return nil }
        switch name {
        case "openssl": return try OpenSSLPeer()
        case "gpgsm": return try GpgsmPeer()
        default: return try NSSPeer()
        }
    }
}
