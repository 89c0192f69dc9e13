import ArgumentParser
import Foundation
import SecureMail

extension SensitiveDataScanner.Detectors: RawValueArgument {}

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Report the sensitive data (DLP findings) in a message or a plain text file. Changes nothing.",
        discussion: """
            FILE is read as a message (RFC 5322) when it starts with a mail header, else as plain text \
            (all findings at "body"). Findings are masked (010190-XXXX); parts that cannot be read \
            (encrypted, images, damaged or oversized archives) are listed as unreadable. With --detectors \
            identifiers only national identity numbers are sought (to look through a log or an export \
            for them). Exit status 0 \
            whenever the scan ran, whatever it found; 66 when FILE cannot be read; 78 for a configuration problem.
            """)

    @Argument(help: "The message (RFC 5322) or text file, or - for standard input.")
    var file: String

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(name: .long, help: "Print the JSON report.")
    var json = false

    @Option(help: "Detectors: all, or identifiers (national identity numbers only, validated).")
    var detectors: SensitiveDataScanner.Detectors = .all

    func run() throws {
        do {
            if configurationOptions.config != nil { _ = try configurationOptions.load() }
            let report = try ScanReport.identifiersInLargeTextFile(file, detectors: detectors)
                ?? ScanReport.make(readInput(file), detectors: detectors)
            try writeOutput(json ? encodeJSON(report) : report.text, to: "-")
        } catch {
            throw OperatorError.report(error)
        }
    }
}

/// What `scan --json` prints: the `dlp` object of the report contract, with `subject` (its
/// identifiers masked) and `messageId` for messages, and the content that could not be read.
struct ScanReport: Encodable {
    var messageId: String?
    var subject: String?
    var dlp: DLPReport
    var unreadable: [UnreadableContent]

    static func make(_ bytes: [UInt8], detectors: SensitiveDataScanner.Detectors = .all) -> ScanReport {
        guard MessageTextExtractor.looksLikeMessage(bytes) else {
            let identifiers = detectors == .identifiers ? try? SensitiveContentScan.scanIdentifiers(
                plainTextOfSize: bytes.count, threads: ProcessInfo.processInfo.activeProcessorCount,
                read: { buffer, offset in
                    let count = min(buffer.count, bytes.count - offset)
                    bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
                    return count
                }) : nil
            return ScanReport(
                messageId: nil, subject: nil,
                result: identifiers ?? SensitiveContentScan.scan(plainText: UndeclaredText.decode(bytes), detectors: detectors))
        }
        do {
            let message = try MIMEParser.parse(bytes)
            return ScanReport(
                messageId: message.header.first("Message-ID")?.value.trimmingCharacters(in: .whitespaces),
                subject: message.header.first("Subject").map {
                    SensitiveContentScan.maskingIdentifiers(in: $0.decodedValue.trimmingCharacters(in: .whitespaces))
                },
                result: SensitiveContentScan.scan(message, detectors: detectors))
        } catch {
            return ScanReport(messageId: nil, subject: nil, result: ContentScanResult(findings: [], unreadable: [UnreadableContent(location: "message", reason: "\(error)")]))
        }
    }

    /// The report of `scan --detectors identifiers` for a regular file of plain UTF-8 text, read
    /// piece by piece on every core in memory that does not grow with it (a log or an export of
    /// gigabytes); nil for anything else (a message, a pipe, other detectors, text that is not
    /// UTF-8), which ``make(_:detectors:)`` reads whole.
    static func identifiersInLargeTextFile(_ path: String, detectors: SensitiveDataScanner.Detectors) throws -> ScanReport? {
        guard detectors == .identifiers, path != "-" else { return nil }
        do {
            let input = try PositionalFile(path: path)
            guard input.isRegularFile, !MessageTextExtractor.looksLikeMessage(try input.prefix(MessageTextExtractor.headerProbeBytes)) else {
                return nil
            }
            let result = try SensitiveContentScan.scanIdentifiers(
                plainTextOfSize: input.size, threads: ProcessInfo.processInfo.activeProcessorCount,
                read: { buffer, offset in try input.read(into: buffer, at: offset) })
            return result.map { ScanReport(messageId: nil, subject: nil, result: $0) }
        } catch let error as FileInputError {
            throw OperatorError(code: .noInput, message: "cannot read \(path): \(error.systemMessage); check the path and its permissions")
        } catch {
            throw OperatorError(code: .noInput, message: "cannot scan \(path): \(error); scan it again when it no longer changes")
        }
    }

    private init(messageId: String?, subject: String?, result: ContentScanResult) {
        self.messageId = messageId
        self.subject = subject
        dlp = DLPReport(findings: result.findings)
        unreadable = result.unreadable
    }

    /// For a person at a terminal: one line per finding, written straight into bytes (a log can
    /// hold tens of thousands).
    var text: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128 + 64 * dlp.findings.count)
        func append(_ piece: String) {
            var piece = piece
            piece.withUTF8 { output.append(contentsOf: $0) }
        }
        func line(_ label: String, _ value: String) {
            append(label)
            append(value)
            output.append(0x0A)
        }
        if let messageId { line("Message-ID: ", messageId) }
        if let subject { line("Subject:    ", subject) }
        line("Sensitive:  ", "\(dlp.sensitive ? "yes" : "no") (\(dlp.findings.count) finding\(dlp.findings.count == 1 ? "" : "s"))")
        for finding in dlp.findings {
            append("  ")
            append(finding.kind.rawValue)
            append("  ")
            append(finding.masked)
            append("  ")
            append(finding.confidence.rawValue)
            line("  in ", finding.location)
        }
        for item in unreadable {
            line("Unreadable: ", "\(item.location): \(item.reason)")
        }
        return output
    }
}
