import Foundation
import Testing
@testable import SecureMail

/// `ReportJSON` writes what `JSONEncoder` writes with the report options, byte for byte.
@Suite struct ReportJSONTests {
    static func foundationJSON<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func expectSameJSON<Value: Encodable>(_ value: Value, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ours = try ReportJSON.encode(value)
        let foundation = try foundationJSON(value)
        #expect(
            ours == foundation,
            "\(String(decoding: ours, as: UTF8.self)) against \(String(decoding: foundation, as: UTF8.self))",
            sourceLocation: sourceLocation)
    }

    /// Strings with everything an escaper must treat right: quotes, backslashes, every control
    /// character, slashes, DEL, line separators, scalars outside the BMP.
    static func awkwardString(_ generator: inout DetectorEquivalenceTests.Generator) -> String {
        let pieces = ["a", "Æblegrød", "\"", "\\", "/", "\u{7F}", "\u{2028}", "😀", "</script>", " ", "é", "\u{FEFF}"]
            + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        return (0..<generator.below(12)).map { _ in generator.pick(pieces) }.joined()
    }

    @Test func inspectionReportsMatchJSONEncoder() throws {
        let inspector = try PipelineFixtures.inspector()
        for subject in ["Skade", "Til Søren Kjærgaard: \"kvittering\" \\ 010190-1009", ""] {
            let report = try inspector.inspect(try PipelineFixtures.customerMessage(subject: subject)).report
            try Self.expectSameJSON(report)
        }
        try Self.expectSameJSON(inspector.inspect(Array("not a message at all\r\n".utf8)).report)
    }

    @Test func findingsAndScanResultsMatchJSONEncoder() throws {
        var generator = DetectorEquivalenceTests.Generator(state: 12)
        for _ in 0..<200 {
            let findings = (0..<generator.below(5)).map { _ in
                Finding(
                    kind: generator.pick(FindingKind.allCases), masked: Self.awkwardString(&generator),
                    location: Self.awkwardString(&generator), confidence: generator.pick([.high, .medium]),
                    offset: generator.below(3) == 0 ? nil : generator.below(100_000))
            }
            try Self.expectSameJSON(findings)
            try Self.expectSameJSON(DLPReport(findings: findings))
            let unreadable = (0..<generator.below(3)).map { _ in
                UnreadableContent(location: Self.awkwardString(&generator), reason: Self.awkwardString(&generator))
            }
            try Self.expectSameJSON(ContentScanResultJSON(findings: findings, unreadable: unreadable))
        }
    }

    @Test func numbersCollectionsAndNestingMatchJSONEncoder() throws {
        var generator = DetectorEquivalenceTests.Generator(state: 13)
        for _ in 0..<300 {
            let bits = generator.next()
            let double = Double(bitPattern: bits)
            let value = Assorted(
                double: double.isFinite ? double : 0.1, scaled: Double(Int64(bitPattern: bits) % 1_000_000) / 1000,
                float: Float(generator.below(100_000)) / 7, whole: 3.0, negativeZero: -0.0, integer: Int(bitPattern: UInt(bits)),
                unsigned: bits, small: Int8(truncatingIfNeeded: bits), flag: bits & 1 == 0, optional: bits & 2 == 0 ? nil : "x",
                nothing: nil, list: (0..<generator.below(4)).map { _ in Int(generator.below(1000)) }, empty: [],
                emptyMap: [:], map: ["b": 1, "B": 2, "a10": 3, "a9": 4, "_x": 5, "aB": 6, "a_b": 7, "é": 8, "Z": 9],
                nested: [[["deep": [1, 2]]], []], kind: generator.pick(FindingKind.allCases))
            try Self.expectSameJSON(value)
            try Self.expectSameJSON([value, value])
        }
        try Self.expectSameJSON("top-level string")
        try Self.expectSameJSON([Int]())
        try Self.expectSameJSON([EncodesNothing()])
        try Self.expectSameJSON(["inner": EncodesNothing()])
        #expect(throws: EncodingError.self) { try ReportJSON.encode(EncodesNothing()) }
        #expect(throws: EncodingError.self) { try Self.foundationJSON(EncodesNothing()) }
    }

    @Test func aNumberThatIsNotFiniteIsAnError() {
        #expect(throws: EncodingError.self) { try ReportJSON.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try ReportJSON.encode(["x": Double.infinity]) }
    }

    struct ContentScanResultJSON: Encodable {
        var findings: [Finding]
        var unreadable: [UnreadableContent]
    }

    struct Assorted: Encodable {
        var double: Double
        var scaled: Double
        var float: Float
        var whole: Double
        var negativeZero: Double
        var integer: Int
        var unsigned: UInt64
        var small: Int8
        var flag: Bool
        var optional: String?
        var nothing: Int?
        var list: [Int]
        var empty: [String]
        var emptyMap: [String: Int]
        var map: [String: Int]
        var nested: [[[String: [Int]]]]
        var kind: FindingKind
    }

    struct EncodesNothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }
}
