import Foundation
import Testing
@testable import SecureMail

/// Text parts, Subjects, HTML and embedded messages.
@Suite struct MessageTextExtractorTests {
    @Test func subjectIsDecodedAndScannedAtSubject() {
        // "Vedr. CPR 010190-1009" as a UTF-8 base64 encoded word.
        let encoded = "=?utf-8?B?" + Data("Vedr. CPR 010190-1009 – skade".utf8).base64EncodedString() + "?="
        let bytes = ExtractionFixture.message(["From: a@example.dk", "Subject: \(encoded)"], "Ingen numre her.\r\n")
        let extraction = ExtractionFixture.extract(bytes)
        #expect(ExtractionFixture.text(extraction, at: "subject") == "Vedr. CPR 010190-1009 – skade")
        let result = SensitiveContentScan.scan(messageBytes: bytes)
        #expect(result.findings.map(\.location) == ["subject"])
        #expect(result.findings.first?.masked == "010190-XXXX")
        #expect(result.findings.first?.kind == .danishCPR)
    }

    @Test func quotedPrintableISO88591() {
        let bytes = ExtractionFixture.message(
            ["From: a@example.dk", "Subject: x", "Content-Type: text/plain; charset=ISO-8859-1", "Content-Transfer-Encoding: quoted-printable"],
            "F=F8dselsdato og CPR-nr.: 010190-=\r\n1009, =E6ble =E5 =C6=D8=C5\r\n")
        let body = ExtractionFixture.text(ExtractionFixture.extract(bytes), at: "body")
        #expect(body.contains("Fødselsdato og CPR-nr.: 010190-1009, æble å ÆØÅ"))
        #expect(SensitiveContentScan.scan(messageBytes: bytes).findings.contains { $0.masked == "010190-XXXX" && $0.location == "body" })
    }

    @Test func base64Windows1252() {
        // 0x80 is the euro sign and 0x93/0x94 curly quotes in Windows-1252, controls in ISO-8859-1.
        let raw: [UInt8] = Array("Bel\u{F8}b: ".unicodeScalars.map { UInt8($0.value) }) + [0x80] + Array(" 100 ".utf8) + [0x93] + Array("cpr 010190 1009".utf8) + [0x94]
        let bytes = ExtractionFixture.message(
            ["From: a@example.dk", "Subject: x", "Content-Type: text/plain; charset=windows-1252", "Content-Transfer-Encoding: base64"],
            Data(raw).base64EncodedString() + "\r\n")
        let body = ExtractionFixture.text(ExtractionFixture.extract(bytes), at: "body")
        #expect(body == "Beløb: € 100 “cpr 010190 1009”")
        #expect(SensitiveContentScan.scan(messageBytes: bytes).findings.map(\.masked) == ["010190-XXXX"])
    }

    @Test func htmlWithEntitiesScriptsStylesAndBlocks() {
        let html = """
            <!DOCTYPE html><html><head><title>Brev</title><style>p { color: red } /* 111111-1118 */</style>
            <script type="text/javascript">var cpr = "311299-9999"; if (a < b) { x(); }</script></head>
            <body><p>K&aelig;re kunde,</p><div>Dit CPR&#45;nr. er &#48;&#x31;0190&#x2D;1009 &amp; dit policenr. &lt;123&gt;</div>
            <!-- a comment with 020285-1002 --><table><tr><td>Navn</td><td>Jens&nbsp;Hansen</td></tr></table>
            Linje<br>to &unknown; &#xD800; slut</body></html>
            """
        let text = HTMLText.text(from: html)
        #expect(text.contains("Kære kunde,\nDit CPR-nr. er 010190-1009 & dit policenr. <123>"))
        #expect(text.contains("Navn\tJens Hansen"))
        #expect(text.contains("Linje\nto &unknown; \u{FFFD} slut"))
        #expect(text.hasPrefix("Brev\n"))
        #expect(!text.contains("311299"), "script content is not text")
        #expect(!text.contains("color"), "style content is not text")
        #expect(!text.contains("020285"), "comments are not text")
    }

    @Test func htmlPartInAlternativeIsScannedOnce() {
        let bytes = ExtractionFixture.message(
            ["From: a@example.dk", "Subject: x", "MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary=alt"],
            """
            --alt\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            CPR 010190-1009\r
            --alt\r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            <p>CPR <b>010190</b>-1009</p><script>x=3D"020285-1002"</script>\r
            --alt--\r

            """)
        let extraction = ExtractionFixture.extract(bytes)
        #expect(extraction.texts.map(\.location) == ["subject", "body", "body"])
        #expect(extraction.texts.last?.text == "CPR 010190-1009")
        let findings = SensitiveContentScan.scan(extraction).findings
        #expect(findings.count == 1, "the same number in both alternatives is one finding")
        #expect(findings.first?.confidence == .high)
    }

    @Test func hostileHTMLNeverHidesLaterText() {
        let cases = [
            "<a title=\"unterminated>CPR 010190-1009",
            "<!-- never closed 010190-1009",
            "< 3 and 5 > 2 CPR 010190-1009",
            "<script>never closed 010190-1009",
            "&#99999999999; &#x110000; &; &#; CPR 010190-1009",
            String(repeating: "<div", count: 10_000) + ">CPR 010190-1009",
        ]
        #expect(HTMLText.text(from: cases[0]).contains("010190-1009"))
        #expect(HTMLText.text(from: cases[2]).contains("010190-1009"))
        #expect(HTMLText.text(from: cases[4]).hasSuffix("CPR 010190-1009"))
        // Unterminated comments and scripts hide what follows from a reader too; they must simply not crash.
        for html in cases { _ = HTMLText.text(from: html) }
    }

    @Test func cprOnlyInTheSubjectOfAForwardedAttachment() {
        let inner = "From: kunde@example.com\r\nSubject: Min skade, cpr 010190-1009\r\n\r\nSe emnet.\r\n"
        let attached = ExtractionFixture.mixed(attachments: [
            (["Content-Type: message/rfc822", "Content-Disposition: attachment; filename=\"forwarded.eml\""], inner)
        ])
        let result = SensitiveContentScan.scan(messageBytes: attached)
        #expect(result.findings.map(\.location) == ["attachment:forwarded.eml"])
        #expect(result.findings.map(\.masked) == ["010190-XXXX"])

        // The same, forwarded inline and base64 encoded: the finding is in the body.
        let inline = ExtractionFixture.mixed(attachments: [
            (["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"], Data(inner.utf8).base64EncodedString())
        ])
        let inlineResult = SensitiveContentScan.scan(messageBytes: inline)
        #expect(inlineResult.findings.map(\.location) == ["body"])
        #expect(inlineResult.unreadable.isEmpty)
    }

    @Test func deeplyNestedMessagesStopAtTheNestingLimit() {
        var message = "Subject: bund 010190-1009\r\n\r\nbund\r\n"
        for level in 0..<12 {
            message = "Subject: niveau \(level)\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"l\(level).eml\"\r\n\r\n" + message
        }
        let extraction = MessageTextExtractor().extract(messageBytes: Array(message.utf8))
        #expect(extraction.unreadable.count == 1)
        #expect(extraction.unreadable.first?.reason == UnreadableReason.nestingDepth)
        #expect(!extraction.texts.contains { $0.text.contains("bund") })
    }

    @Test func encryptedImagesAndSignaturesAreHandledExplicitly() {
        let bytes = ExtractionFixture.mixed(attachments: [
            ExtractionFixture.attachment("smime.p7m", type: "application/pkcs7-mime; smime-type=enveloped-data", [0x30, 0x80, 0x06, 0x09]),
            ExtractionFixture.attachment("scan.png", type: "image/png", [0x89, 0x50, 0x4E, 0x47]),
            ExtractionFixture.attachment("smime.p7s", type: "application/pkcs7-signature", [0x30, 0x82]),
            ExtractionFixture.attachment("data.bin", type: "application/octet-stream", [0x00, 0x01, 0x02, 0xFF]),
            ExtractionFixture.attachment("notes.csv", type: "application/octet-stream", Array("navn;cpr\nJens;010190-1009\n".utf8)),
        ])
        let extraction = ExtractionFixture.extract(bytes)
        #expect(extraction.unreadable == [
            UnreadableContent(location: "attachment:smime.p7m", reason: "encrypted"),
            UnreadableContent(location: "attachment:scan.png", reason: "image/png has no text layer (no OCR)"),
            UnreadableContent(location: "attachment:data.bin", reason: "unsupported format application/octet-stream"),
        ])
        #expect(ExtractionFixture.text(extraction, at: "attachment:notes.csv") == "navn;cpr\nJens;010190-1009\n")
        #expect(SensitiveContentScan.scan(extraction).findings.map(\.location) == ["attachment:notes.csv"])
    }

    @Test func plainTextIsNotTakenForAMessage() {
        #expect(MessageTextExtractor.looksLikeMessage(Array("From: a@example.dk\nSubject: x\n\nhej\n".utf8)))
        #expect(MessageTextExtractor.looksLikeMessage(Array("From someone Sat Nov 21 2026\nReceived: from x\nTo: b\n\nhej".utf8)))
        #expect(!MessageTextExtractor.looksLikeMessage(Array("Note: ring til kunden\nCPR 010190-1009\n".utf8)))
        #expect(!MessageTextExtractor.looksLikeMessage(Array("Kære Jens,\n\nDit CPR er 010190-1009.\n".utf8)))
        #expect(!MessageTextExtractor.looksLikeMessage([]))
    }
}
