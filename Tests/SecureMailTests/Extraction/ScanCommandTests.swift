import Foundation
import Testing
@testable import SecureMail

/// `securemail-relay scan` run as operators run it: the real binary on real files.
@Suite struct ScanCommandTests {
    /// Every clear identifier the messages below contain; none may reach stdout or stderr.
    private static let clearIdentifiers = ["010190-1009", "0101901009", "020285-1002", "070785-1007", "030385-1003"]

    private func expectNothingClear(_ run: ToolRun, sourceLocation: SourceLocation = #_sourceLocation) {
        let fixtureIdentifiers = (try? ExtractionFixture.identifiers()).map { Array($0.values) } ?? []
        #expect(!fixtureIdentifiers.isEmpty, sourceLocation: sourceLocation)
        for identifier in Self.clearIdentifiers + fixtureIdentifiers {
            #expect(!run.outputText.contains(identifier), "stdout shows \(identifier.prefix(6))-XXXX in clear", sourceLocation: sourceLocation)
            #expect(!run.standardError.contains(identifier), "stderr shows \(identifier.prefix(6))-XXXX in clear", sourceLocation: sourceLocation)
        }
    }

    private func messageWithAttachments() throws -> [UInt8] {
        ExtractionFixture.mixed(
            subject: "=?utf-8?Q?Skade_p=C3=A5_carport=2C_cpr_0101901009?=",
            text: "Hej, jeg har været sygemeldt med diskusprolaps siden marts.",
            attachments: [
                ExtractionFixture.attachment("letter.docx", type: "application/octet-stream", try ExtractionFixture.bytes("letter.docx")),
                ExtractionFixture.attachment("simple.pdf", type: "application/pdf", try ExtractionFixture.bytes("simple.pdf")),
                ExtractionFixture.attachment("secret.p7m", type: "application/pkcs7-mime", [0x30, 0x80]),
            ])
    }

    @Test func jsonReportForAMessage() throws {
        let folder = try TemporaryFolder("scan")
        let path = try folder.write("claim.eml", try messageWithAttachments())
        let run = try Relay.run(["scan", path, "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        expectNothingClear(run)
        let report = try Relay.json(run)
        #expect(report["messageId"] as? String == "<x1@example.dk>")
        #expect(report["subject"] as? String == "Skade på carport, cpr 010190XXXX")
        let dlp = try #require(report["dlp"] as? [String: Any])
        #expect(dlp["sensitive"] as? Bool == true)
        let findings = try #require(dlp["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { Set($0.keys).isSuperset(of: ["kind", "masked", "where", "confidence"]) })
        let pairs = Set(findings.compactMap { finding -> String? in
            guard let kind = finding["kind"] as? String, let masked = finding["masked"] as? String, let place = finding["where"] as? String else { return nil }
            return "\(kind) \(masked) \(place)"
        })
        let ids = try ExtractionFixture.identifiers()
        #expect(pairs.isSuperset(of: [
            "dk-cpr 010190-XXXX subject",
            "health health body",
            "dk-cpr \(ExtractionFixture.masked(try #require(ids["DOCX_CPR"]))) attachment:letter.docx",
            "dk-cpr \(ExtractionFixture.masked(try #require(ids["PDF_CPR"]))) attachment:simple.pdf",
        ]), "\(pairs)")
        let unreadable = try #require(report["unreadable"] as? [[String: Any]])
        #expect(unreadable.map { $0["where"] as? String } == ["attachment:secret.p7m"])
        #expect(unreadable.map { $0["reason"] as? String } == ["encrypted"])
    }

    /// `--detectors identifiers`: the same numbers, validated, and no special categories.
    @Test func identifiersOnlyLeavesTheSpecialCategoriesOut() throws {
        let folder = try TemporaryFolder("scan")
        let path = try folder.write("claim.eml", try messageWithAttachments())
        func pairs(_ arguments: [String]) throws -> Set<String> {
            let run = try Relay.run(["scan", path, "--json"] + arguments)
            #expect(run.status == 0, "\(run.standardError)")
            expectNothingClear(run)
            let dlp = try #require(try Relay.json(run)["dlp"] as? [String: Any])
            let findings = try #require(dlp["findings"] as? [[String: Any]])
            return Set(findings.map { "\($0["kind"] ?? "") \($0["masked"] ?? "") \($0["where"] ?? "")" })
        }
        let everything = try pairs([])
        let identifiers = try pairs(["--detectors", "identifiers"])
        #expect(identifiers.contains("dk-cpr 010190-XXXX subject"))
        #expect(everything.contains("health health body"))
        let identifierKinds = ["dk-cpr", "se-personnummer", "no-fodselsnummer"]
        #expect(identifiers == everything.filter { pair in identifierKinds.contains { pair.hasPrefix($0 + " ") } }, "\(everything)")
        let refused = try Relay.run(["scan", path, "--detectors", "cpr"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("identifiers"))
    }

    @Test func humanReportForAMessage() throws {
        let folder = try TemporaryFolder("scan")
        let path = try folder.write("claim.eml", try messageWithAttachments())
        let run = try Relay.run(["scan", path])
        #expect(run.status == 0, "\(run.standardError)")
        expectNothingClear(run)
        #expect(run.outputText.contains("Sensitive:  yes"))
        #expect(run.outputText.contains("dk-cpr  010190-XXXX  high  in subject"))
        #expect(run.outputText.contains("Unreadable: attachment:secret.p7m: encrypted"))
    }

    @Test func plainTextFileFromStandardInputAndFromAFile() throws {
        let text = Array("Note: ring til kunden\nKundens CPR-nummer er 010190-1009, fødselsdato 1. januar 1990.\n".utf8)
        let folder = try TemporaryFolder("scan")
        let path = try folder.write("note.txt", text)
        for run in [try Relay.run(["scan", path, "--json"]), try Relay.run(["scan", "-", "--json"], input: text)] {
            #expect(run.status == 0, "\(run.standardError)")
            expectNothingClear(run)
            let report = try Relay.json(run)
            #expect(report["messageId"] == nil)
            #expect(report["subject"] == nil)
            let dlp = try #require(report["dlp"] as? [String: Any])
            #expect(dlp["sensitive"] as? Bool == true)
            let findings = try #require(dlp["findings"] as? [[String: Any]])
            #expect(findings.map { $0["where"] as? String } == ["body"])
            #expect(findings.map { $0["masked"] as? String } == ["010190-XXXX"])
            #expect(findings.map { $0["confidence"] as? String } == ["high"])
        }
    }

    /// A report that standard output cannot take (here a full disk) is an I/O error the operator
    /// can read, not a crash.
    @Test func outputThatCannotBeWrittenIsAnIOError() throws {
        let folder = try TemporaryFolder("scan")
        let path = try folder.write("note.txt", Array("Kundens CPR-nummer er 010190-1009.\n".utf8))
        let run = try ExternalTool.run("/bin/sh", ["-c", "exec \"$0\" scan \"$1\" --json > /dev/full", Relay.binary, path])
        #expect(run.status == 74, "\(run.standardError)")
        #expect(run.standardError.contains("cannot write to standard output: No space left on device"))
    }

    /// A plain text of several megabytes (a log, an export) is scanned in pieces on every core:
    /// the report is byte for byte the one of the whole text scanned at once. A file that is not
    /// UTF-8 is read as Windows-1252 instead, as before.
    @Test func largeTextFileScannedInPiecesGivesTheWholeTextsReport() throws {
        var generator = DetectorEquivalenceTests.Generator(state: 31)
        var text = ""
        while text.utf8.count < 3_000_000 {
            text += DetectorEquivalenceTests.text(&generator) + " cpr " + DetectorEquivalenceTests.validCPR(&generator) + "\n"
        }
        let folder = try TemporaryFolder("scan")
        let path = try folder.write("export.txt", Array(text.utf8))
        let run = try Relay.run(["scan", path, "--detectors", "identifiers", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        expectNothingClear(run)
        let whole = SensitiveContentScan.scan(plainText: text, detectors: .identifiers)
        #expect(whole.findings.count > 1000)
        #expect(try Relay.json(run)["dlp"] as? [String: Any] != nil)
        let expected = try ReportJSON.encode(["dlp": DLPReport(findings: whole.findings)]).dropLast(2)
        #expect(run.standardOutput.starts(with: expected), "the findings differ from the whole text's")

        let latin1 = Array("Kundens cpr-nr. er 010190-1009, f".utf8) + [0xF8] + Array("dt i ".utf8) + [0xC5] + Array("rhus.\n".utf8)
        let latin1Path = try folder.write("latin1.txt", latin1)
        let latin1Run = try Relay.run(["scan", latin1Path, "--detectors", "identifiers", "--json"])
        #expect(latin1Run.status == 0, "\(latin1Run.standardError)")
        let findings = try #require((try Relay.json(latin1Run)["dlp"] as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings.map { $0["masked"] as? String } == ["010190-XXXX"])
    }

    @Test func cleanTextIsNotSensitive() throws {
        let folder = try TemporaryFolder("scan")
        let path = try folder.write("clean.txt", Array("Tak for din henvendelse. Vi behandler helbredsoplysninger fortroligt.\n".utf8))
        let run = try Relay.run(["scan", path, "--json"])
        #expect(run.status == 0)
        let dlp = try #require(try Relay.json(run)["dlp"] as? [String: Any])
        #expect(dlp["sensitive"] as? Bool == false)
        #expect((dlp["findings"] as? [Any])?.isEmpty == true)
    }

    @Test func missingFileExits66() throws {
        let run = try Relay.run(["scan", "/nonexistent/claim.eml"])
        #expect(run.status == 66)
        #expect(run.standardError.contains("cannot read /nonexistent/claim.eml"))
    }

    @Test func subjectMaskingKeepsTheRestOfTheText() {
        #expect(SensitiveContentScan.maskingIdentifiers(in: "Vedr. cpr 010190-1009 og 010190 1009") == "Vedr. cpr 010190-XXXX og 010190 XXXX")
        #expect(SensitiveContentScan.maskingIdentifiers(in: "Ingen numre, kun 12345678") == "Ingen numre, kun 12345678")
        #expect(SensitiveContentScan.maskingDigitRuns(in: "<a0101901009b@x.dk>") == "<a010190XXXXb@x.dk>")
        #expect(SensitiveContentScan.maskingDigitRuns(in: "<x010190-1009.199001011234@x.dk>") == "<x010190-XXXX.199001XXXXXX@x.dk>")
        #expect(SensitiveContentScan.maskingDigitRuns(in: "<5B23-40BD-123456@x.dk>") == "<5B23-40BD-123456@x.dk>")
    }
}
