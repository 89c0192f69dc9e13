import Testing
import Foundation
@testable import SecureMail

@Suite("RFC 2047 encoded words")
struct EncodedWordsTests {
    /// The examples of RFC 2047 section 8.
    @Test(arguments: [
        ("(=?ISO-8859-1?Q?a?=)", "(a)"),
        ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a_b?=)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"),
        ("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"),
        ("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", "Keld Jørn Simonsen <keld@dkuug.dk>"),
        ("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "André Pirard <PIRARD@vm1.ulg.ac.be>"),
        ("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
         "If you can read this you understand the example."),
        ("Nathaniel Borenstein <nsb@thumper.bellcore.com> (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
         "Nathaniel Borenstein <nsb@thumper.bellcore.com> (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)"),
        ("=?ISO-8859-1?Q?Olle_J=E4rnefors?=", "Olle Järnefors"),
        ("=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?=", "Patrik Fältström"),
    ])
    func rfc2047Examples(input: String, expected: String) {
        #expect(EncodedWords.decode(input) == expected)
    }

    /// Broken encodings seen in real mail.
    @Test(arguments: [
        // A UTF-8 character split across two words.
        ("=?UTF-8?Q?S=C3?= =?UTF-8?Q?=B8ren?=", "Søren"),
        ("=?utf-8?B?U8O4cmVu?= =?utf-8?B?IEtqw6ZyZ2FhcmQ=?=", "Søren Kjærgaard"),
        // Unknown charset: kept raw.
        ("=?x-unknown?Q?abc?= tail", "=?x-unknown?Q?abc?= tail"),
        // Unterminated word: kept.
        ("Re: =?utf-8?q?abc", "Re: =?utf-8?q?abc"),
        // Spaces inside a Q word (broken encoder).
        ("=?utf-8?q?hello world?=", "hello world"),
        // Glued to text, lowercase markers.
        ("Re:=?utf-8?q?S=C3=B8ren?=", "Re:Søren"),
        // Inside a quoted string.
        ("\"=?utf-8?q?S=C3=B8ren?=\" <s@x.dk>", "\"Søren\" <s@x.dk>"),
        // Garbage in base64 decodes as far as possible.
        ("=?utf-8?b?U8O4cmVu!!?=", "Søren"),
        ("=?windows-1252?Q?=80_5?=", "€ 5"),
        ("=?utf-8*da?q?=C3=A6?=", "æ"),
        // Bad escape kept literally.
        ("=?utf-8?q?100=ZZ?=", "100=ZZ"),
        // Empty encoded text.
        ("a =?utf-8?q??= b", "a  b"),
        ("=?", "=?"),
        ("=?=?utf-8?q?x?=", "=?x"),
        ("no words here", "no words here"),
    ])
    func realWorldBrokenWords(input: String, expected: String) {
        #expect(EncodedWords.decode(input) == expected)
    }

    @Test func manyUnterminatedWordsAreKept() {
        let text = String(repeating: "=?utf-8?q?abc ", count: 20_000)
        #expect(EncodedWords.decode(text) == text)
        let glued = String(repeating: "=?utf-8?q?a?=", count: 20_000)
        #expect(EncodedWords.decode(glued) == String(repeating: "a", count: 20_000))
    }

    @Test func encodeLeavesPlainASCIIAlone() {
        #expect(EncodedWords.encode("Skade: claim 42") == "Skade: claim 42")
    }

    @Test(arguments: [
        "Søren Kjærgaard",
        "Åse Ødegård — arbejdsskade, sag nr. 2024-1234 vedrørende ryg og skulder efter fald på trappe",
        "日本語のテキストとemoji 🎉 mixed with ASCII words",
        "ascii with =?looks?like?encoded?= words",
    ])
    func encodeRoundTripsAndRespectsLength(text: String) {
        let encoded = EncodedWords.encode(text)
        #expect(encoded != text)
        #expect(EncodedWords.decode(encoded) == text)
        for word in encoded.split(separator: " ") {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?"))
        }
        #expect(encoded.unicodeScalars.allSatisfy { $0.value < 0x7F })
    }
}

@Suite("Content-Type and RFC 2231 parameters")
struct ParameterTests {
    @Test func rfc2231Continuation() {
        let type = ContentType(headerValue: "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"")
        #expect(type.mimeType == "message/external-body")
        #expect(type.parameter("url") == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
        #expect(type.parameter("ACCESS-TYPE") == "URL")
    }

    @Test func rfc2231CharsetAndLanguage() {
        let type = ContentType(headerValue: "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A")
        #expect(type.parameter("title") == "This is ***fun***")
    }

    @Test func rfc2231MixedSections() {
        let type = ContentType(headerValue: "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"")
        #expect(type.parameter("title") == "This is even more ***fun*** isn't it!")
    }

    @Test func rfc2231SectionsOutOfOrder() {
        let type = ContentType(headerValue: "application/pdf; name*1=\"rt2.pdf\"; name*0=\"pa\"")
        #expect(type.parameter("name") == "part2.pdf")
    }

    @Test func rfc2231WinsOverPlainParameter() throws {
        let part = try MIMEParser.parse("Content-Disposition: attachment; filename=\"Soren.pdf\"; filename*=UTF-8''S%C3%B8ren.pdf\r\n\r\n".bytes)
        #expect(part.filename == "Søren.pdf")
    }

    @Test func rfc2231Latin1() {
        let disposition = ContentDisposition(headerValue: "attachment; filename*=iso-8859-1''%E6%F8%E5.txt")
        #expect(disposition.parameter("filename") == "æøå.txt")
        #expect(disposition.isAttachment)
    }

    @Test func rfc2047InQuotedName() throws {
        let part = try MIMEParser.parse("Content-Type: application/pdf; name=\"=?utf-8?B?w6bDuMOlLnBkZg==?=\"\r\n\r\n".bytes)
        #expect(part.filename == "æøå.pdf")
    }

    @Test(arguments: [
        ("attachment; filename=\"foo\"bar.pdf\"", "foo\"bar.pdf"),
        ("attachment; filename=my file.pdf", "my file.pdf"),
        ("attachment; filename=\"a;b.pdf\"; size=3", "a;b.pdf"),
        ("attachment; filename=\"unterminated.pdf", "unterminated.pdf"),
        ("attachment;; filename = \"spaced.pdf\" ;", "spaced.pdf"),
        ("attachment; filename=\"C:\\temp\\x.doc\"", "C:\\temp\\x.doc"),
        ("attachment; filename=\"say \\\"hi\\\".txt\"", "say \"hi\".txt"),
    ])
    func badQuoting(value: String, expected: String) {
        #expect(ContentDisposition(headerValue: value).parameter("filename") == expected)
    }

    @Test func caseAndDefaults() {
        let type = ContentType(headerValue: " TEXT/HTML ; CHARSET=\"UTF-8\"")
        #expect(type.mimeType == "text/html")
        #expect(type.charset == "UTF-8")
        #expect(ContentType(headerValue: "text").mimeType == "text/plain")
        #expect(ContentType(headerValue: "").charset == "us-ascii")
        #expect(ContentType(headerValue: "/plain").mimeType == "text/plain")
        #expect(ContentType(headerValue: "image/png (a picture); name=x.png").mimeType == "image/png")
        #expect(ContentType(headerValue: "image/png (a picture); name=x.png").parameter("name") == "x.png")
    }

    @Test func renderRoundTrips() {
        var type = ContentType(type: "multipart", subtype: "signed")
        type.setParameter("protocol", "application/pkcs7-signature")
        type.setParameter("micalg", "sha-256")
        type.setParameter("boundary", "=_x")
        type.setParameter("name", "Søren \"K\".pdf")
        let parsed = ContentType(headerValue: type.headerValue)
        #expect(parsed == type)
        #expect(type.headerValue.hasPrefix("multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"=_x\"; name*=utf-8''"))
        type.setParameter("name", nil)
        #expect(type.parameter("name") == nil)
        type.setParameter("title", #"say "hi" \ bye"#)
        #expect(type.headerValue.hasSuffix(#"; title="say \"hi\" \\ bye""#))
        #expect(ContentType(headerValue: type.headerValue) == type)
        type.setParameter("title", "")
        #expect(type.headerValue.hasSuffix(#"; title="""#))
    }
}

@Suite("Header fields")
struct HeaderFieldTests {
    @Test func newFieldFoldsAt78() {
        let value = Array(repeating: "word", count: 40).joined(separator: " ")
        let field = MIMEHeaderField(name: "Subject", value: value)
        let lines = String(decoding: field.raw, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.last == "")
        for line in lines.dropLast() { #expect(line.utf8.count <= 78) }
        #expect(lines.count > 2)
        #expect(field.value == value)
    }

    @Test func newFieldUsesRequestedLineEnding() {
        let field = MIMEHeaderField(name: "X-Test", value: "v", lineEnding: .lf)
        #expect(field.raw == "X-Test: v\n".bytes)
        #expect(field.lineEnding == .lf)
    }

    @Test func newFieldCannotInjectHeaders() {
        let field = MIMEHeaderField(name: "Subject", value: "hi\r\nBcc: evil@example.com")
        #expect(!field.raw.dropLast(2).contains(0x0A))
        #expect(field.value == "hi Bcc: evil@example.com")
    }

    @Test func newFieldTrimsSpaceSeparatorsAndJoinsLineBreaks() {
        #expect(MIMEHeaderField(name: "Subject", value: "\u{00A0} x \u{3000}").raw == "Subject: x\r\n".bytes)
        #expect(MIMEHeaderField(name: "Subject", value: " \t a\r\n\r\nb \n").raw == "Subject: a b\r\n".bytes)
        #expect(MIMEHeaderField(name: "Subject", value: "\u{00A0}").raw == "Subject:\r\n".bytes)
        #expect(MIMEHeaderField(name: "Subject", value: "åse\u{2009}\r\n").raw == "Subject: åse\r\n".bytes)
        #expect(MIMEHeaderField(name: "Subject", value: "x\u{0085}").raw == "Subject: x\u{0085}\r\n".bytes)
        let field = MIMEHeaderField(name: " X-Tést:\r", value: "v")
        #expect(field.name == "X-Tst")
        #expect(field.raw == "X-Tst: v\r\n".bytes)
    }

    @Test func newFieldValueIsTheTrimmedSingleLine() {
        let pieces = ["a", "æ", " ", "\t", "\r", "\n", "\r\n", "\u{00A0}", "\u{200B}", "\u{2028}", "\u{1F600}", "word"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            var singleLine = ""
            var lastWasBreak = false
            for scalar in value.unicodeScalars {
                let isBreak = scalar == "\r" || scalar == "\n"
                if !isBreak { singleLine.unicodeScalars.append(scalar) } else if !lastWasBreak { singleLine += " " }
                lastWasBreak = isBreak
            }
            let field = MIMEHeaderField(name: "Subject", value: value)
            #expect(field.value == singleLine.trimmingSpace(), "value \(Array(value.utf8))")
        }
    }

    @Test func headerOperations() {
        var header = MIMEHeader(lineEnding: .crlf)
        header.append(name: "Subject", value: "a")
        header.append(name: "Received", value: "one")
        header.append(name: "received", value: "two")
        header.append(name: "Subject", value: "b")
        #expect(header.all("RECEIVED").map(\.value) == ["one", "two"])
        header.replaceOrAppend(name: "subject", value: "c")
        #expect(header.all("Subject").map(\.value) == ["c"])
        #expect(header.fields.first?.value == "c")
        header.replaceOrAppend(name: "To", value: "x@y")
        #expect(header.fields.last?.name == "To")
        header.removeAll(named: "received")
        #expect(header.fields.map(\.name) == ["subject", "To"])
        #expect(header.raw == "subject: c\r\nTo: x@y\r\n".bytes)
    }

    @Test func decodedValue() throws {
        let part = try MIMEParser.parse("Subject: =?utf-8?q?Skade_p=C3=A5?=\r\n =?utf-8?q?_bil?=\r\n\r\n".bytes)
        #expect(part.header.first("subject")?.decodedValue == "Skade på bil")
    }

    @Test func transferEncodingHeaderIsTolerant() {
        #expect(TransferEncoding(headerValue: " Base64 ") == .base64)
        #expect(TransferEncoding(headerValue: "QUOTED-PRINTABLE; x") == .quotedPrintable)
        #expect(TransferEncoding(headerValue: "\"8bit\"") == .eightBit)
        #expect(TransferEncoding(headerValue: "x-uuencode") == .other("x-uuencode"))
        #expect(TransferEncoding(headerValue: "") == .sevenBit)
    }
}

/// The header parser's own trimming and name comparison stand in for Foundation's
/// `trimmingCharacters(in:)` and `lowercased() ==`; they must give the same answers.
@Suite("Header text helpers")
struct HeaderTextHelperTests {
    static let samples = [
        "", " ", "\t\r\n", "text/plain", "  text/plain  ", "\ttext\t", "\u{A0}nbsp\u{A0}", "\u{3000}ideographic\u{3000}",
        "\u{2028}line\u{2029}", "\u{85}nel\u{85}", "\r\nfolded\r\n", " a b ", "\u{200B}zero width\u{200B}", "æøå ", " \u{1F600} ",
    ]

    @Test(arguments: samples)
    func trimmingMatchesFoundation(text: String) {
        #expect(text.trimmingSpace() == text.trimmingCharacters(in: .whitespaces))
        #expect(text.trimmingSpaceAndNewlines() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(Substring(text).trimmingSpace() == text.trimmingCharacters(in: .whitespaces))
    }

    @Test func everyBasicPlaneScalarIsClassifiedAsFoundationDoes() {
        let differing = (0...0xFFFF).compactMap(Unicode.Scalar.init).filter { scalar in
            let text = "x\(scalar)"
            return text.trimmingSpace() != text.trimmingCharacters(in: .whitespaces)
                || text.trimmingSpaceAndNewlines() != text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(differing.isEmpty, "differ: \(differing.map { String($0.value, radix: 16) })")
    }

    @Test func nameComparisonMatchesLowercasing() {
        let names = ["Content-Type", "content-type", "CONTENT-TYPE", "Content-Typ", "Content-Typee", "", "Ä-Header", "ä-header",
                     "\u{212A}", "k", "K", "x-\u{130}", "x-i\u{307}", "Subject", "SUBJECT", "Sübject", "SÜBJECT",
                     "e\u{301}", "\u{E9}", "E\u{301}", "ab", "abc\u{20AC}", "ABC\u{20AC}", "Content-Type\u{301}",
                     "X-A-Field-Name-Longer-Than-Small", "x-a-field-name-longer-than-small", "x-a-field-name-longer-than-smalL\u{C5}"]
        for left in names {
            for right in names {
                #expect(left.equalsIgnoringCase(right) == (left.lowercased() == right.lowercased()), "\(left) vs \(right)")
            }
        }
    }
}

/// The scalar-based trimming stands in for Foundation's on every message: both must trim the same.
@Suite("Trimming")
struct TrimmingTests {
    @Test func trimsWhatFoundationTrims() {
        let scalars = (0...0x3100).compactMap(Unicode.Scalar.init) + ["\u{FEFF}", "\u{205F}", "\u{E000}"]
        for scalar in scalars {
            let text = "\(scalar)\(scalar)a\(scalar)b\(scalar)"
            #expect(text.trimmingSpace() == text.trimmingCharacters(in: .whitespaces), "U+\(String(scalar.value, radix: 16))")
            #expect(
                text.trimmingSpaceAndNewlines() == text.trimmingCharacters(in: .whitespacesAndNewlines), "U+\(String(scalar.value, radix: 16))")
        }
    }
}
