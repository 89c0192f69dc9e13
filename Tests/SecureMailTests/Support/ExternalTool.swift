import Foundation
import Testing
@testable import SecureMail

/// What an external program printed and how it ended.
struct ToolRun {
    var status: Int32
    var standardOutput: [UInt8]
    var standardError: String

    var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    var succeeded: Bool { status == 0 }
}

/// Runs real programs (openssl, gpgsm, cmsutil, the relay binary) for interoperability tests.
enum ExternalTool {
    /// The absolute path of a program on PATH, or nil.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether a tool a test needs is installed. In CI a missing tool is a failure, never a
    /// silent skip; elsewhere the test is skipped with the reason printed.
    static func available(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if locate(name) != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("\(name) is not installed: scripts/test.sh installs it; CI must not skip this test", sourceLocation: sourceLocation)
        } else {
            print("SKIPPED: \(name) is not installed (run scripts/test.sh to install the test tools)")
        }
        return false
    }

    /// Runs a program to completion, its input, output and errors through files.
    ///
    /// Never waits longer than `timeout` seconds: a program still running then is killed and the
    /// run reported with status -1, so a stuck tool fails its test instead of hanging the suite.
    @discardableResult
    static func run(
        _ name: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:],
        directory: URL? = nil, timeout: Double = 300
    ) throws -> ToolRun {
        let folder = try TemporaryFolder("tool-run")
        let inputPath = try folder.write("stdin", input)
        let child = try ChildProcess(
            locate(name) ?? name, arguments, environment: environment, directory: directory?.path,
            standardInput: .file(inputPath), standardOutput: .file(folder.path("stdout")), standardError: .file(folder.path("stderr")))
        let termination = child.wait(seconds: timeout)
        if termination == nil { child.stop(signal: SIGKILL) }
        let output = (try? folder.read("stdout")) ?? []
        var errors = String(decoding: (try? folder.read("stderr")) ?? [], as: UTF8.self)
        if termination == nil { errors = "timed out after \(Int(timeout)) s: \(child.commandLine)\n" + errors }
        return ToolRun(status: termination?.shellStatus ?? -1, standardOutput: output, standardError: errors)
    }

    /// Runs a program and fails the test with its stderr when it does not exit 0.
    @discardableResult
    static func require(
        _ name: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ToolRun {
        let result = try run(name, arguments, input: input, environment: environment)
        if !result.succeeded {
            Issue.record(
                "\(name) \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)",
                sourceLocation: sourceLocation)
        }
        return result
    }
}

/// A folder under the system temporary directory, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init(_ label: String = "securemail") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    /// Writes a file of the folder, with O_CLOEXEC: a program that another test spawns at the
    /// same moment must not inherit the descriptor, or exec of this file (a script) fails with
    /// "Text file busy" for as long as that program runs.
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = path(name)
        let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PeerFailure(description: "cannot write \(target): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard count > 0 else { throw PeerFailure(description: "cannot write \(target): \(String(cString: strerror(errno)))") }
            written += count
        }
        return target
    }

    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}

/// Paths inside the repository, found from this source file.
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func certs(_ name: String) -> String { root.appendingPathComponent("certs/\(name)").path }

    static var fixtures: URL { root.appendingPathComponent("Tests/SecureMailTests/Fixtures") }

    static func fixture(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(relativePath)))
    }

    /// A file of the repository, by its path from the root.
    static func file(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }
}
