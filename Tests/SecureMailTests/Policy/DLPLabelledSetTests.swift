import Foundation
import Testing
@testable import SecureMail

/// One entry of Fixtures/Policy/dlp-labelled.json (written by generate_dlp_labelled.py).
struct LabelledText: Decodable {
    let text: String
    let language: String
    let expected: [String]
}

func loadLabelledTexts() throws -> [LabelledText] {
    let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil),
                                "the test bundle has no Fixtures folder; check the test target's resources")
    let data = try Data(contentsOf: fixtures.appendingPathComponent("Policy/dlp-labelled.json"))
    return try JSONDecoder().decode([LabelledText].self, from: data)
}

struct KindScore {
    var truePositives = 0
    var falsePositives = 0
    var falseNegatives = 0
    var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
    var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
}

@Test func labelledSetIsLargeAndMostlyHardNegatives() throws {
    let texts = try loadLabelledTexts()
    #expect(texts.count >= 160)
    #expect(texts.filter(\.expected.isEmpty).count * 2 >= texts.count)
    #expect(Set(texts.map(\.language)) == ["da", "sv", "no", "en"])
    let known = Set(FindingKind.allCases.map(\.rawValue))
    for text in texts {
        #expect(Set(text.expected).isSubset(of: known), "unknown kind in \(text.expected)")
    }
    for kind in FindingKind.allCases {
        #expect(texts.contains { $0.expected.contains(kind.rawValue) }, "no labelled example of \(kind.rawValue)")
    }
}

@Test func detectorsReachPrecisionAndRecallOnTheLabelledSet() throws {
    let texts = try loadLabelledTexts()
    var scores: [FindingKind: KindScore] = [:]
    var total = KindScore()
    var mistakes: [String] = []
    for labelled in texts {
        let found = Set(SensitiveDataScanner.scan(labelled.text, location: "body").map(\.kind))
        let expected = Set(labelled.expected.compactMap(FindingKind.init(rawValue:)))
        for kind in FindingKind.allCases {
            switch (expected.contains(kind), found.contains(kind)) {
            case (true, true):
                scores[kind, default: KindScore()].truePositives += 1
                total.truePositives += 1
            case (false, true):
                scores[kind, default: KindScore()].falsePositives += 1
                total.falsePositives += 1
                mistakes.append("unexpected \(kind.rawValue): \(labelled.text)")
            case (true, false):
                scores[kind, default: KindScore()].falseNegatives += 1
                total.falseNegatives += 1
                mistakes.append("missed \(kind.rawValue): \(labelled.text)")
            case (false, false):
                break
            }
        }
    }
    var table = "kind                  TP  FP  FN  precision  recall\n"
    func row(_ name: String, _ score: KindScore) -> String {
        name.padding(toLength: 20, withPad: " ", startingAt: 0)
            + String(format: "%4d%4d%4d     %.3f    %.3f\n", score.truePositives, score.falsePositives,
                     score.falseNegatives, score.precision, score.recall)
    }
    for kind in FindingKind.allCases { table += row(kind.rawValue, scores[kind] ?? KindScore()) }
    table += row("overall", total)
    print(table)
    for mistake in mistakes { print(mistake) }
    #expect(total.precision >= 0.98, "overall precision \(total.precision)")
    #expect(total.recall >= 0.98, "overall recall \(total.recall)")
    for kind in FindingKind.allCases {
        let score = scores[kind] ?? KindScore()
        #expect(score.precision >= 0.95, "\(kind.rawValue) precision \(score.precision)")
        #expect(score.recall >= 0.95, "\(kind.rawValue) recall \(score.recall)")
    }
}
