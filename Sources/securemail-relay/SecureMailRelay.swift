import ArgumentParser
import Foundation
import Logging
import SecureMail

@main
struct SecureMailRelay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securemail-relay",
        abstract: "S/MIME gateway: verify, decrypt, route, scan, encrypt and sign mail.",
        version: SecureMailBuild.version,
        subcommands: [
            Inspect.self, Process.self, Scan.self, Route.self, Certs.self, Quarantine.self, Audit.self, Purge.self, Serve.self, Bench.self,
            CheckConfig.self,
        ]
    )

    static func main() async {
        // A large message's buffers go back to the system as soon as each stage is done with them.
        LargeBuffers.mapSeparately()
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "securemail.relay")
        do {
            try OpenSSLProcess.initialize()
        } catch {
            logger.warning("\(error)")
        }
        do {
            try CoreDumps.disable()
        } catch {
            logger.warning("\(error)")
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exitCode as ExitCode {
            // The commands end with the status they chose and have printed what they had to say;
            // Argument Parser's exit(withError:) would build the usage text first, for nothing.
            Foundation.exit(exitCode.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

/// An option whose values are the raw values of an enumeration.
///
/// Argument Parser's own descriptions of such values (for help, completion and defaults) turn
/// each into text by interpolating a generic value, whose dynamic casts look through every
/// protocol conformance of the binary: some 700,000 instructions at every start of the
/// command that declares the option, before it does anything.
protocol RawValueArgument: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension RawValueArgument {
    public var defaultValueDescription: String { rawValue }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public static var allValueDescriptions: [String: String] { [:] }
}

/// `--config F`, shared by every subcommand.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $SECUREMAIL_CONFIG, else the built-in example).")
    var config: String?

    func load() throws -> GatewayConfiguration {
        do {
            return try ConfigurationLoader.load(path: config)
        } catch let error as ConfigurationError {
            throw OperatorError(code: .config, message: "configuration error: \(error)")
        }
    }
}

/// An error for the operator: one line on stderr and a sysexits code.
struct OperatorError: Error, CustomStringConvertible {
    enum Code: Int32 {
        case usage = 64
        case dataError = 65
        case noInput = 66
        case noUser = 67
        case software = 70
        case ioError = 74
        case tempFail = 75
        case noPermission = 77
        case config = 78
    }

    var code: Code
    var message: String

    var description: String { message }
}

extension OperatorError {
    /// Turns any error into one line for stderr and its exit code.
    static func report(_ error: Error) -> ExitCode {
        if let operatorError = error as? OperatorError {
            FileHandle.standardError.write(Data("securemail-relay: \(operatorError.message)\n".utf8))
            return ExitCode(operatorError.code.rawValue)
        }
        FileHandle.standardError.write(Data("securemail-relay: \(error)\n".utf8))
        return ExitCode(Code.software.rawValue)
    }
}

/// Reads a whole file, or standard input for `-`, into one array (no intermediate `Data`).
func readInput(_ path: String) throws -> [UInt8] {
    do {
        return path == "-" ? try FileInput.readAll(from: STDIN_FILENO) : try FileInput.readAll(path: path)
    } catch {
        let source = path == "-" ? "standard input" : path
        throw OperatorError(code: .noInput, message: "cannot read \(source): \(error.systemMessage); check the path and its permissions")
    }
}

/// Writes bytes to a file, or standard output for `-`.
func writeOutput(_ bytes: [UInt8], to path: String) throws {
    if path == "-" {
        try writeStandardOutput(bytes)
        return
    }
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw OperatorError(code: .noPermission, message: "cannot write \(path): \(error.localizedDescription)")
    }
}

/// Writes straight from the array (a scan report can be megabytes), and says so when standard
/// output cannot take it (a full disk) instead of stopping the program.
private func writeStandardOutput(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { buffer in
        var written = 0
        while written < buffer.count {
            let count = write(STDOUT_FILENO, buffer.baseAddress! + written, buffer.count - written)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let reason = count < 0 ? String(cString: strerror(errno)) : "nothing was written"
                throw OperatorError(code: .ioError, message: "cannot write to standard output: \(reason); check where the output goes")
            }
            written += count
        }
    }
}

/// Stable, readable JSON for reports.
func encodeJSON<Value: Encodable>(_ value: Value) throws -> [UInt8] {
    try ReportJSON.encode(value, finalNewline: true)
}
