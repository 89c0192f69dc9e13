import Foundation
import Testing
@testable import SecureMail

/// Fixtures of Fixtures/Extraction (written by its generate.py) and messages built around them.
enum ExtractionFixture {
    static func bytes(_ name: String) throws -> [UInt8] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil),
                                  "the test bundle has no Fixtures folder; check the test target's resources")
        return [UInt8](try Data(contentsOf: folder.appendingPathComponent("Extraction/\(name)")))
    }

    /// The synthetic identifiers generate.py put into the fixtures, by name (DOCX_CPR ...).
    static func identifiers() throws -> [String: String] {
        let text = String(decoding: try bytes("identifiers.txt"), as: UTF8.self)
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { result[String(pair[0])] = String(pair[1]) }
        }
        return result
    }

    /// `010190-1009` becomes `010190-XXXX`, the masked form reports carry.
    static func masked(_ cpr: String) -> String {
        String(cpr.prefix(6)) + "-XXXX"
    }

    /// A message with CRLF line endings made of header lines and a body.
    static func message(_ header: [String], _ body: String) -> [UInt8] {
        Array((header.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    /// A multipart/mixed message: a text body and attachments given as (header lines, body).
    static func mixed(subject: String = "Sag", text: String = "Se vedhæftede.", attachments: [([String], String)]) -> [UInt8] {
        var body = "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\(text)\r\n"
        for (header, content) in attachments {
            body += "--b1\r\n" + header.joined(separator: "\r\n") + "\r\n\r\n" + content + "\r\n"
        }
        body += "--b1--\r\n"
        return message(
            ["From: a@example.dk", "To: b@example.com", "Subject: \(subject)", "Message-ID: <x1@example.dk>",
             "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"b1\""], body)
    }

    /// An attachment part for `mixed`, base64 encoded.
    static func attachment(_ name: String, type: String, _ bytes: [UInt8]) -> ([String], String) {
        let encoded = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return (["Content-Type: \(type); name=\"\(name)\"", "Content-Disposition: attachment; filename=\"\(name)\"",
                 "Content-Transfer-Encoding: base64"], encoded)
    }

    static func extract(_ bytes: [UInt8], limits: ExtractionLimits = .default) -> MessageExtraction {
        MessageTextExtractor(limits: limits).extract(messageBytes: bytes)
    }

    /// All text found at `location`, joined by newlines.
    static func text(_ extraction: MessageExtraction, at location: String) -> String {
        extraction.texts.filter { $0.location == location }.map(\.text).joined(separator: "\n")
    }
}

/// The Latin-1 tables that speed up the Policy detectors agree with Unicode's properties.
@Test func latin1PropertyTablesMatchUnicode() throws {
    for value in UInt32(0)..<0x100 {
        let scalar = try #require(Unicode.Scalar(value))
        #expect(Latin1Properties.isWordScalar[Int(value)] == (scalar.properties.isAlphabetic || scalar.properties.numericType != nil), "U+\(value)")
        #expect(Latin1Properties.isUppercase(scalar) == scalar.properties.isUppercase, "U+\(value)")
        #expect(isWordScalar(scalar) == (scalar.properties.isAlphabetic || scalar.properties.numericType != nil), "U+\(value)")
    }
}
