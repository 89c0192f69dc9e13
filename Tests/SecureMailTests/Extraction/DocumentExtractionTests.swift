import Foundation
import Testing
@testable import SecureMail

/// DOCX, XLSX, ODT, PDF and ZIP attachments, and what happens when they are hostile or broken.
@Suite struct DocumentExtractionTests {
    private func extractAttachment(_ name: String, type: String, limits: ExtractionLimits = .default) throws -> MessageExtraction {
        let message = ExtractionFixture.mixed(attachments: [ExtractionFixture.attachment(name, type: type, try ExtractionFixture.bytes(name))])
        return ExtractionFixture.extract(message, limits: limits)
    }

    @Test func docxBodyTableAndHeader() throws {
        let ids = try ExtractionFixture.identifiers()
        let extraction = try extractAttachment("letter.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        #expect(extraction.unreadable.isEmpty)
        let text = ExtractionFixture.text(extraction, at: "attachment:letter.docx")
        let docxCPR = try #require(ids["DOCX_CPR"])
        #expect(text.contains("Kære kunde & familie\nSkadelidtes CPR-nr. \(docxCPR)\nCelle1\tCelle2\nMed venlig hilsen\nSkadeafdelingen"))
        #expect(text.contains("Sag vedr. cpr \(try #require(ids["DOCX_HEADER_CPR"]))"))
        let findings = SensitiveContentScan.scan(extraction).findings
        #expect(Set(findings.filter { $0.kind == .danishCPR }.map(\.masked)) == [
            ExtractionFixture.masked(docxCPR), ExtractionFixture.masked(try #require(ids["DOCX_HEADER_CPR"])),
        ])
        #expect(findings.allSatisfy { $0.location == "attachment:letter.docx" })
    }

    @Test func xlsxSharedAndInlineStrings() throws {
        let ids = try ExtractionFixture.identifiers()
        let extraction = try extractAttachment("ledger.xlsx", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        let text = ExtractionFixture.text(extraction, at: "attachment:ledger.xlsx")
        #expect(text == "Navn\tCPR\t42\nJens Hansen\t\(try #require(ids["XLSX_CPR"]))\nPeter\t\(try #require(ids["XLSX_INLINE_CPR"]))")
        #expect(SensitiveContentScan.scan(extraction).findings.filter { $0.kind == .danishCPR }.count == 2)
    }

    @Test func odtParagraphsSpacesAndTabs() throws {
        let ids = try ExtractionFixture.identifiers()
        let extraction = try extractAttachment("note.odt", type: "application/vnd.oasis.opendocument.text")
        let text = ExtractionFixture.text(extraction, at: "attachment:note.odt")
        #expect(text == "Notat\nPersonnummer \(try #require(ids["ODT_CPR"]))\nNæste\tlinje")
        #expect(SensitiveContentScan.scan(extraction).findings.map(\.masked) == [ExtractionFixture.masked(try #require(ids["ODT_CPR"]))])
    }

    @Test func pdfTjTJHexAndToUnicode() throws {
        let ids = try ExtractionFixture.identifiers()
        // Sent as octet-stream: the content, not the label, says PDF.
        let extraction = try extractAttachment("claim.pdf", type: "application/octet-stream")
        #expect(extraction.unreadable.isEmpty)
        let text = ExtractionFixture.text(extraction, at: "attachment:claim.pdf")
        #expect(text.contains("Skadeanmeldelse (kopi)\nCPR-nummer: \(try #require(ids["PDF_CPR"]))\nAnsat cpr \(try #require(ids["PDF_TJ_CPR"]))\nFødselsdato og (nævnt)"))
        #expect(text.contains("Kunde cpr \(try #require(ids["PDF_HEX_CPR"]))"))
        let masked = Set(SensitiveContentScan.scan(extraction).findings.filter { $0.kind == .danishCPR }.map(\.masked))
        #expect(masked == Set(["PDF_CPR", "PDF_TJ_CPR", "PDF_HEX_CPR"].compactMap { ids[$0] }.map(ExtractionFixture.masked)))
    }

    @Test func pdfTextAgreesWithPdftotext() throws {
        guard ExternalTool.available("pdftotext") else { return }
        let folder = try TemporaryFolder("pdftotext")
        let pdf = try ExtractionFixture.bytes("simple.pdf")
        let path = try folder.write("simple.pdf", pdf)
        let poppler = try ExternalTool.require("pdftotext", [path, "-"]).outputText
        let ours = ExtractionFixture.text(try extractAttachment("simple.pdf", type: "application/pdf"), at: "attachment:simple.pdf")
        let words = { (text: String) in text.split(whereSeparator: \.isWhitespace).map(String.init) }
        #expect(!words(poppler).isEmpty)
        #expect(words(ours) == words(poppler))
    }

    @Test func zipBombIsUnreadableAndTheRestIsRead() throws {
        let extraction = try extractAttachment("bomb.zip", type: "application/zip")
        #expect(extraction.unreadable == [UnreadableContent(location: "attachment:bomb.zip/zeros.txt", reason: "decompressed size limit")])
        #expect(ExtractionFixture.text(extraction, at: "attachment:bomb.zip/readme.txt") == "hello")
    }

    @Test func perMessageDecompressionLimit() throws {
        let message = ExtractionFixture.mixed(attachments: [
            ExtractionFixture.attachment("a.docx", type: "application/octet-stream", try ExtractionFixture.bytes("letter.docx")),
            ExtractionFixture.attachment("b.docx", type: "application/octet-stream", try ExtractionFixture.bytes("letter.docx")),
        ])
        // The parts of letter.docx that are read decompress to 773 bytes; a second copy does not fit in 1,000.
        let extraction = ExtractionFixture.extract(message, limits: ExtractionLimits(maxDecompressedPerMessage: 1_000))
        #expect(!ExtractionFixture.text(extraction, at: "attachment:a.docx").isEmpty)
        #expect(extraction.unreadable == [UnreadableContent(location: "attachment:b.docx", reason: "decompressed size limit")])
    }

    @Test func zipEntryCountAndNestingLimits() throws {
        let crowded = try extractAttachment("ledger.xlsx", type: "application/octet-stream", limits: ExtractionLimits(maxZipEntries: 3))
        #expect(crowded.unreadable == [UnreadableContent(location: "attachment:ledger.xlsx", reason: UnreadableReason.zipEntryCount)])

        let nested = try extractAttachment("nested.zip", type: "application/zip")
        #expect(nested.unreadable.count == 1)
        #expect(nested.unreadable.first?.reason == UnreadableReason.nestingDepth)
        #expect(nested.unreadable.first?.location.hasPrefix("attachment:nested.zip/level2.zip/level3.zip/") == true)
        #expect(!nested.texts.contains { $0.text == "bottom" })

        let shallow = try extractAttachment("nested.zip", type: "application/zip", limits: ExtractionLimits(maxNestingDepth: 20))
        #expect(shallow.unreadable.isEmpty)
        #expect(shallow.texts.contains { $0.text == "bottom" && $0.location.hasSuffix("/level12.zip/level12.txt") })
    }

    @Test func encryptedZipEntriesAreUnreadable() throws {
        let extraction = try extractAttachment("encrypted.zip", type: "application/zip")
        #expect(extraction.unreadable == [UnreadableContent(location: "attachment:encrypted.zip/secret.txt", reason: "encrypted")])
    }

    @Test func everyTruncationOfZipAndPDFIsSafe() throws {
        for name in ["letter.docx", "ledger.xlsx", "note.odt", "claim.pdf"] {
            let whole = try ExtractionFixture.bytes(name)
            for length in 0..<whole.count {
                let extraction = MessageTextExtractor().extract(file: Array(whole[0..<length]), name: name, location: "attachment:\(name)")
                // A cut document is never silently passed as fully read.
                if length < whole.count - 24 {
                    #expect(!extraction.unreadable.isEmpty, "\(name) cut at \(length) was reported as fully read")
                }
            }
        }
    }

    @Test func truncatedPDFKeepsTheTextBeforeTheCut() throws {
        let ids = try ExtractionFixture.identifiers()
        let whole = try ExtractionFixture.bytes("simple.pdf")
        // Cut just before the cross-reference table: the content stream is whole, the file is not.
        let xref = try #require(String(decoding: whole, as: UTF8.self).range(of: "xref")).lowerBound.utf16Offset(in: String(decoding: whole, as: UTF8.self))
        let extraction = MessageTextExtractor().extract(file: Array(whole[0..<xref]), name: "cut.pdf", location: "attachment:cut.pdf")
        #expect(extraction.unreadable == [UnreadableContent(location: "attachment:cut.pdf", reason: "truncated PDF (no %%EOF)")])
        #expect(ExtractionFixture.text(extraction, at: "attachment:cut.pdf").contains(try #require(ids["PDF_CPR"])))
    }

    @Test func corruptedBytesInsideArchivesNeverCrash() throws {
        // Flip bytes one at a time through the whole file: headers, lengths, compressed data.
        for name in ["letter.docx", "claim.pdf", "nested.zip"] {
            let whole = try ExtractionFixture.bytes(name)
            for position in stride(from: 0, to: whole.count, by: 3) {
                var damaged = whole
                damaged[position] ^= 0xFF
                _ = MessageTextExtractor().extract(file: damaged, name: name, location: "attachment:\(name)")
            }
        }
    }

    @Test func inflaterStopsAtItsLimit() {
        let zeros = [UInt8](repeating: 0, count: 1_000_000)
        let compressed = zlibCompress(zeros)
        #expect(Inflater.inflate(compressed[...], wrapping: .zlib, limit: 1_000_000).status == .complete)
        #expect(Inflater.inflate(compressed[...], wrapping: .zlib, limit: 999_999).status == .sizeLimitExceeded)
        #expect(Inflater.inflate(compressed.dropLast(10), wrapping: .zlib, limit: 2_000_000).status == .truncated)
        #expect(Inflater.inflate([1, 2, 3, 4, 5][...], wrapping: .raw, limit: 100).status != .complete)
    }

    /// zlib-wrapped DEFLATE of `bytes` from python3, an independent encoder.
    private func zlibCompress(_ bytes: [UInt8]) -> [UInt8] {
        guard let run = try? ExternalTool.run("python3", ["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"], input: bytes),
              run.succeeded else {
            Issue.record("python3 is needed to compress test data")
            return []
        }
        return run.standardOutput
    }
}

/// Stream dictionaries are found exactly, whatever precedes them.
@Suite struct PDFStreamTests {
    private func pdf(_ objects: [String]) -> [UInt8] {
        var text = "%PDF-1.4\n"
        for (index, object) in objects.enumerated() { text += "\(index + 1) 0 obj\n\(object)\nendobj\n" }
        return Array((text + "trailer\n<< /Root 1 0 R >>\n%%EOF\n").utf8)
    }

    @Test func contentStreamAfterAnImageWithNestedDictionaries() {
        let content = "BT /F1 12 Tf 72 700 Td (CPR 010190-1009) Tj ET"
        for (image, contentDictionary) in [
            ("<< /Type /XObject /Subtype /Image /DecodeParms << /Colors 1 >> /Length 3 >>", "<< /DecodeParms << /Columns 1 >> /Length \(content.utf8.count) >>"),
            ("<< /DecodeParms << /Colors 1 >> /Type /XObject /Subtype /Image /Length 3 >>", "<< /Length \(content.utf8.count) >>"),
        ] {
            let bytes = pdf([
                "<< /Type /Catalog /Pages 2 0 R >>",
                "\(image)\nstream\n(x)\nendstream",
                "\(contentDictionary)\nstream\n\(content)\nendstream",
            ])
            let extraction = MessageTextExtractor().extract(file: bytes, name: "scan.pdf", location: "attachment:scan.pdf")
            #expect(extraction.texts.map(\.text) == ["CPR 010190-1009"], "the image's (x) must not be read, the content stream must")
            #expect(extraction.unreadable.isEmpty)
        }
    }

    @Test func encryptedAndUnsupportedFiltersAreReported() {
        let encrypted = Array("%PDF-1.6\n1 0 obj\n<< /Length 2 >>\nstream\nxx\nendstream\nendobj\ntrailer\n<< /Encrypt 5 0 R >>\n%%EOF\n".utf8)
        #expect(MessageTextExtractor().extract(file: encrypted, name: "e.pdf", location: "attachment:e.pdf").unreadable
                == [UnreadableContent(location: "attachment:e.pdf", reason: "encrypted")])
        let lzw = pdf(["<< /Filter /LZWDecode /Length 2 >>\nstream\nxx\nendstream"])
        #expect(MessageTextExtractor().extract(file: lzw, name: "l.pdf", location: "attachment:l.pdf").unreadable
                == [UnreadableContent(location: "attachment:l.pdf", reason: "PDF stream filter LZWDecode not supported")])
    }
}

extension PDFStreamTests {
    @Test func manyDanglingStreamKeywordsStayLinear() {
        // 200,000 `>>stream` keywords with no dictionary: each must not search far back.
        var bytes = Array("%PDF-1.4\n".utf8)
        for _ in 0..<200_000 { bytes += Array(">>stream\n".utf8) }
        bytes += Array("%%EOF\n".utf8)
        let extraction = MessageTextExtractor().extract(file: bytes, name: "x.pdf", location: "attachment:x.pdf")
        #expect(extraction.texts.isEmpty)
        #expect(extraction.unreadable == [UnreadableContent(location: "attachment:x.pdf", reason: "no text layer (scanned pages are not OCRed)")])
    }
}
