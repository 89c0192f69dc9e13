import Foundation
import Testing
@testable import SecureMail

/// Shared helpers for the Crypto tests: demo material, temporary folders and the openssl CLI.
enum CryptoFixtures {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func certsPath(_ name: String) -> String { repositoryRoot.appendingPathComponent("certs/\(name)").path }

    /// LAMPS sample messages copied from the shared corpus (autocrypt/protected-headers test vectors).
    static var lampsFolder: String {
        guard let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            return repositoryRoot.appendingPathComponent("Tests/SecureMailTests/Fixtures/Crypto/lamps").path
        }
        return fixtures.appendingPathComponent("Crypto/lamps").path
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
    static func available() -> Bool {
        if path != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("the openssl command-line tool is required for interop tests (apt-get install -y openssl)")
        } else {
            print("skipping: the openssl command-line tool is not installed")
        }
        return false
    }

    struct Output {
        let status: Int32
        let standardOutput: [UInt8]
        let standardError: String
    }

    /// Runs openssl with `arguments` in `folder`; throws when it exits non-zero unless `allowFailure`.
    @discardableResult
    static func run(_ arguments: [String], in folder: URL, allowFailure: Bool = false) throws -> Output {
        guard let path else { throw FixtureError("openssl not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let outputFile = folder.appendingPathComponent("stdout-\(UUID().uuidString)")
        let errorFile = folder.appendingPathComponent("stderr-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil),
              FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw FixtureError("cannot create output files in \(folder.path)")
        }
        let outputHandle = try FileHandle(forWritingTo: outputFile)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outputHandle.close()
        try errorHandle.close()
        let output = Output(
            status: process.terminationStatus,
            standardOutput: try CryptoFixtures.bytes(outputFile.path),
            standardError: String(decoding: try CryptoFixtures.bytes(errorFile.path), as: UTF8.self))
        if output.status != 0 && !allowFailure {
            throw FixtureError("openssl \(arguments.joined(separator: " ")) failed (\(output.status)): \(output.standardError)")
        }
        return output
    }
}
