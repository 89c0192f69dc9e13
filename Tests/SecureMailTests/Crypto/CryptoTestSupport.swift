import Foundation
import Testing
@testable import SecureMail

/// Shared helpers for the Crypto tests: demo material, temporary folders and the openssl CLI.
enum CryptoFixtures {
    static func certsPath(_ name: String) -> String { Repository.certs(name) }

    /// LAMPS sample messages copied from the shared corpus (autocrypt/protected-headers test vectors).
    static var lampsFolder: String {
        Repository.fixtures.appendingPathComponent("lamps-smime").path
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FixtureError("cannot read \(path)")
        }
        return [UInt8](data)
    }

    static func certificate(_ name: String) throws -> Certificate {
        try Certificate(pemEncoded: String(decoding: bytes(certsPath("\(name).pem")), as: UTF8.self))
    }

    /// Demo identity; reads the key bytes directly so that tests do not depend on the file mode git left.
    static func identity(_ name: String) throws -> Identity {
        let key = try PrivateKey(pemEncoded: bytes(certsPath("\(name).key.pem")), passphrase: nil)
        return try Identity(certificate: certificate(name), privateKey: key, chain: [])
    }

    /// The extensions section `[authority]` of a throw-away CA's own certificate, for `openssl req -extensions authority`.
    static let authorityExtensions = """
        [authority]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        """

    /// The errors of loading `configuration`'s keyring at start and on first use, which must both
    /// fail and name `path`.
    static func keyringErrors(_ configuration: GatewayConfiguration, naming path: String) throws -> [ConfigurationError] {
        try [Keyring.Loading.atStart, .onFirstUse].map { loading in
            let error = try #require(throws: ConfigurationError.self) { try Keyring.load(configuration, identities: loading) }
            #expect(error.source == path)
            return error
        }
    }

    static func demoTrust() throws -> TrustStore {
        TrustStore(anchors: [try certificate("demo-ca")])
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("securemail-crypto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ bytes: [UInt8], to url: URL, mode: Int = 0o600) throws {
        try Data(bytes).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the openssl command-line tool.
enum OpenSSLTool {
    static let path: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// True when openssl can be used. Without it, fails the test when CI is set, else prints why it skips.
    static func available() -> Bool { ExternalTool.available("openssl") }

    /// Runs openssl with `arguments` in `folder`; throws when it exits non-zero unless `allowFailure`.
    @discardableResult
    static func run(_ arguments: [String], in folder: URL, allowFailure: Bool = false) throws -> ToolRun {
        guard let path else { throw FixtureError("openssl not installed") }
        let output = try ExternalTool.run(path, arguments, directory: folder)
        if !output.succeeded && !allowFailure {
            throw FixtureError("openssl \(arguments.joined(separator: " ")) failed (\(output.status)): \(output.standardError)")
        }
        return output
    }
}
