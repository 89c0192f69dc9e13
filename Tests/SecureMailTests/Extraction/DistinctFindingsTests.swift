import Foundation
import Testing
@testable import SecureMail

/// A scan lists each identifier once per place it was found, at its first offset and with the
/// highest confidence any of its occurrences had.
@Suite struct DistinctFindingsTests {
    static func scan(_ texts: [(String, String)]) -> [Finding] {
        SensitiveContentScan.scan(MessageExtraction(texts: texts.map { ExtractedText(text: $0.0, location: $0.1) })).findings
    }

    @Test func anIdentifierIsListedOncePerLocationWithItsHighestConfidence() {
        let findings = Self.scan([
            ("Nummer 0101901009 her.", "body"),
            ("CPR 0101901009 her.", "body"),
            ("Nummer 0101901009 her.", "attachment:skade.pdf"),
        ])
        #expect(findings.map(\.location) == ["body", "attachment:skade.pdf"])
        #expect(findings.map(\.masked) == ["010190-XXXX", "010190-XXXX"])
        #expect(findings.map(\.confidence) == [.high, .medium])
        #expect(findings.first?.offset == 7)
    }

    @Test func differentIdentifiersAndLocationsStayApart() {
        let findings = Self.scan([
            ("CPR 0101901009 og CPR 0202021004.", "a"),
            ("CPR 0101901009.", "ab"),
            ("CPR 0101901009.", "Ab"),
        ])
        #expect(findings.map(\.masked) == ["010190-XXXX", "020202-XXXX", "010190-XXXX", "010190-XXXX"])
        #expect(findings.map(\.location) == ["a", "a", "ab", "Ab"])
    }

    /// Locations are compared by their bytes: an attachment named in NFC and one in NFD are two
    /// attachments, as their names on disk would be.
    @Test func locationsAreComparedByTheirBytes() {
        let findings = Self.scan([
            ("CPR 0101901009.", "attachment:s\u{F8}ren-\u{E9}.pdf"),
            ("CPR 0101901009.", "attachment:s\u{F8}ren-e\u{301}.pdf"),
            ("CPR 0101901009.", "attachment:s\u{F8}ren-\u{E9}.pdf"),
        ])
        #expect(findings.count == 2)
    }

    /// Many findings, most of them repeated: the list is the one a plain dictionary of the
    /// first places gives.
    @Test func aLongListWithRepeatsMatchesAPlainDictionary() {
        var generator = DetectorEquivalenceTests.Generator(state: 8)
        let locations = ["body", "subject", "attachment:a.pdf", "attachment:b.docx", "body "]
        let findings = (0..<20_000).map { _ in
            Finding(
                kind: generator.pick([.danishCPR, .swedishPersonnummer]),
                masked: String(format: "%06d-XXXX", generator.below(3_000)), location: generator.pick(locations),
                confidence: generator.pick([.high, .medium]), offset: generator.below(1_000_000))
        }
        var expected: [Finding] = []
        var places: [String: Int] = [:]
        for finding in findings {
            let key = "\(finding.kind.rawValue)|\(finding.masked)|\(finding.location)"
            if let place = places[key] {
                if finding.confidence == .high { expected[place].confidence = .high }
            } else {
                places[key] = expected.count
                expected.append(finding)
            }
        }
        let distinct = SensitiveContentScan.distinct(findings)
        #expect(distinct.count == expected.count)
        #expect(distinct == expected)
    }
}
