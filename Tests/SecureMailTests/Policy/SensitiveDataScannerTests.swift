import Foundation
import Testing
@testable import SecureMail

@Test func cprIsMaskedAndLocated() throws {
    let text = "Kundens CPR-nr. er 010190-1009."
    let findings = SensitiveDataScanner.scan(text, location: "subject")
    let finding = try #require(findings.first)
    #expect(findings.count == 1)
    #expect(finding.kind == .danishCPR)
    #expect(finding.masked == "010190-XXXX")
    #expect(finding.location == "subject")
    #expect(finding.confidence == .high)
    #expect(finding.offset == 19)
}

@Test func cprSeparatorsAreRecognised() {
    for text in ["cpr 010190-1009", "cpr 010190 1009", "cpr 0101901009", "cpr 010190\u{00A0}1009", "cpr 010190\u{2011}1009"] {
        #expect(SensitiveDataScanner.scan(text, location: "body").map(\.masked) == ["010190-XXXX"], "\(text)")
    }
}

@Test func cprConfidenceRules() {
    func confidence(_ text: String) -> FindingConfidence? {
        SensitiveDataScanner.scan(text, location: "body").first { $0.kind == .danishCPR }?.confidence
    }
    #expect(confidence("Nummeret 010190-2000 er noteret") == .medium)   // separator, no cue, fails mod 11
    #expect(confidence("Nummeret 010190-1009 er noteret") == .high)     // passes mod 11
    #expect(confidence("CPR 010190-2000") == .high)                     // cue
    #expect(confidence("CPR 0101902000") == .medium)                    // bare, cue, fails mod 11
    #expect(confidence("Nummeret 0101901009 er noteret") == .medium)    // bare, no cue, passes mod 11
    #expect(confidence("Nummeret 0101902000 er noteret") == nil)        // bare, no cue, fails mod 11
}

@Test func numbersThatAreNotIdentifiersAreIgnored() {
    let texts = [
        "x0101901009", "0101901009x", "10101901009", "010190-10090", "+45 0101901009", "#0101901009",
        "1.010190-1009", "010190-1009.5", "Faktura 010190-1009", "tlf. 010190 1009", "IBAN DK5000400440116243",
        "12 010190 1009", "2024-010190-1009", "sag/010190-1009", "konto: 0101901009",
    ]
    for text in texts {
        #expect(SensitiveDataScanner.scan(text, location: "body").isEmpty, "\(text)")
    }
}

@Test func nearestCueDecides() {
    #expect(SensitiveDataScanner.scan("Tlf 20304050, CPR 010190-2000", location: "body").count == 1)
    #expect(SensitiveDataScanner.scan("CPR mangler, ordre 010190-2000", location: "body").isEmpty)
}

@Test func swedishAndNorwegianMasks() {
    let text = "Personnummer 850709-1232, 19850709-1232, 121212+1238 och fødselsnummer 01019010046 / 150385 40189"
    let masked = SensitiveDataScanner.scan(text, location: "body").map(\.masked)
    #expect(masked == ["850709-XXXX", "19850709-XXXX", "121212+XXXX", "010190XXXXX", "150385XXXXX"])
}

@Test func countrySpecificCueResolvesDoublyValidNumbers() throws {
    // 1001101234-like collisions: find a ten-digit number valid as both CPR (failing mod 11) and personnummer.
    var collision: String?
    search: for serial in 0..<10000 {
        let candidate = "100110" + String(format: "%04d", serial)
        if let cpr = DanishCPR.validate(candidate), !cpr.passesModulus11, SwedishPersonnummer.validate(candidate) != nil {
            collision = candidate
            break search
        }
    }
    let number = try #require(collision)
    let hyphenated = number.prefix(6) + "-" + number.suffix(4)
    #expect(SensitiveDataScanner.scan("CPR \(hyphenated)", location: "body").first?.kind == .danishCPR)
    #expect(SensitiveDataScanner.scan("Samordningsnummer \(hyphenated)", location: "body").first?.kind == .swedishPersonnummer)
    #expect(SensitiveDataScanner.scan("Nummer \(hyphenated)", location: "body").first?.kind == .swedishPersonnummer)
}

@Test func findingsNeverCarryTheClearNumber() throws {
    let text = "CPR 010190-1009, personnummer 850709-1232, fnr 01019010046. Jeg er sygemeldt med diskusprolaps."
    let findings = SensitiveDataScanner.scan(text, location: "body")
    #expect(findings.count == 4)
    let encoded = String(decoding: try JSONEncoder().encode(findings), as: UTF8.self)
    for secret in ["1009", "1232", "10046", "diskusprolaps", "sygemeldt"] {
        #expect(!encoded.contains(secret), "\(secret) leaked into \(encoded)")
    }
}

@Test func findingEncodesTheReportShape() throws {
    let finding = Finding(kind: .tradeUnion, masked: "trade-union", location: "attachment:a.pdf", confidence: .medium)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = String(decoding: try encoder.encode(finding), as: UTF8.self)
    #expect(json == #"{"confidence":"medium","kind":"trade-union","masked":"trade-union","where":"attachment:a.pdf"}"#)
    #expect(try JSONDecoder().decode(Finding.self, from: Data(json.utf8)) == finding)
    #expect(FindingKind.allCases.map(\.rawValue) == [
        "dk-cpr", "se-personnummer", "no-fodselsnummer", "health", "trade-union", "criminal", "ethnicity",
        "religion", "sexual-orientation", "genetic", "biometric",
    ])
}

@Test func specialCategoriesAreMaskedByName() throws {
    let findings = SensitiveDataScanner.scan("Hej.\n\nMin søn har fået konstateret diabetes.", location: "body")
    let finding = try #require(findings.first)
    #expect(findings.count == 1)
    #expect(finding.kind == .health && finding.masked == "health" && finding.confidence == .high)
    #expect(finding.offset == 6)
}

@Test func oneFindingPerCategoryWithTheBestConfidence() {
    let text = "Jeg er sygemeldt. Min mand har diabetes, og hans bror har astma. Han er medlem af 3F."
    let findings = SensitiveDataScanner.scan(text, location: "body")
    #expect(findings.map(\.kind) == [.health, .tradeUnion])
    #expect(findings.first?.offset == 0)
}

@Test func personAnchorMustBeNearAndInTheSameSentence() {
    #expect(SensitiveDataScanner.scan("Jeg skrev i går. Diabetes er en folkesygdom.", location: "body").isEmpty)
    let far = "Jeg har læst rapporten fra kommunen om vejarbejdet og trafikken og parkeringen og cyklerne i byen og diabetes"
    #expect(SensitiveDataScanner.scan(far, location: "body").isEmpty)
    #expect(SensitiveDataScanner.scan("Jf. art. 9 i GDPR. Jeg har diabetes.", location: "body").map(\.kind) == [.health])
    #expect(SensitiveDataScanner.scan("Vi behandler f.eks. data om, at du har diabetes.", location: "body").isEmpty)
}

@Test func factsReportedAboutAPersonAreNotSuppressedAsAbstract() {
    let text = "Vi har modtaget oplysninger om, at du er sygemeldt med stress."
    #expect(SensitiveDataScanner.scan(text, location: "body").map(\.kind) == [.health])
}

@Test func scanningOddInputDoesNotCrash() {
    let inputs = ["", "\u{0}", String(repeating: "9", count: 10000), "-+-+ 1-2+3 \u{FFFD}\u{1F600}",
                  String(repeating: "Jeg ", count: 5000), "010190-", "-1009", "I"]
    for input in inputs {
        _ = SensitiveDataScanner.scan(input, location: "body")
    }
}
