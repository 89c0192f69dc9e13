import Testing
@testable import SecureMail

/// `ContentType(commonFormIn:)` reads the usual Content-Type straight from a field's bytes; where
/// it gives a value, that must be what the general reader (`ContentType(headerValue:)`, on the
/// unfolded value) gives.
@Suite struct ContentTypeTests {
    static let realValues = [
        "text/plain; charset=utf-8",
        "text/plain; charset=\"UTF-8\"; format=flowed; delsp=yes",
        "Text/HTML;Charset=ISO-8859-1",
        "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256;\r\n\tboundary=\"----=_Part_12_345.678\"",
        "multipart/signed; micalg=\"sha-256\"; protocol=\"application/pkcs7-signature\"; boundary=\"Apple-Mail=_1A2B\"",
        "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
        "application/pkcs7-mime; name=\"smime.p7m\"; smime-type=signed-data",
        "application/x-pkcs7-signature; name=\"smime.p7s\"",
        "multipart/mixed;\r\n boundary=\"------------7cE0d4DcB1a2\"",
        "multipart/alternative; boundary=000000000000b1f2a905e4",
        "message/rfc822",
        "application/octet-stream; name=\"Skadeanmeldelse 2026.pdf\"",
        "image/jpeg; name=\"IMG_0001.JPG\"; x-unix-mode=0644",
        "text/plain;",
        "text/plain ; charset=us-ascii ",
        "multipart/mixed; boundary=\"\"",
    ]

    static let unusualValues = [
        "text/plain; charset=utf-8; charset=iso-8859-1",
        "text/plain (body text); charset=utf-8",
        "application/octet-stream; name*=utf-8''Skade%C3%A6.pdf",
        "application/octet-stream; name*0=\"a\"; name*1=\"b\"",
        "text/plain; name=\"a \\\"quoted\\\" word\"",
        "text/plain; name=\"C:\\\\temp\\\\x.txt\"",
        "text/plain;; charset=utf-8",
        "text/plain; charset",
        "text/plain; charset =utf-8",
        "text/plain; =utf-8",
        "text/plain; name=\"unterminated",
        "text/plain; name=\"a\"b",
        "text/plain; charset=utf 8",
        "text",
        "/plain",
        "text/",
        "text/plain/extra",
        "tëxt/plain",
        "text/plain; name=\"æøå.pdf\"",
        "text/plain; name==x",
        "multipart/mixed; boundary=a=b",
        "",
    ]

    /// The value as `MIMEHeaderField` holds it after the colon, and the field built from it.
    private static func field(_ value: String) -> MIMEHeaderField? {
        MIMEHeaderField(raw: Array("Content-Type: \(value)\r\n".utf8))
    }

    private static func expectSameAsGeneral(_ value: String, accepted: inout Int) throws {
        let field = try #require(Self.field(value))
        let afterColon = field.raw[(field.raw.firstIndex(of: UInt8(ascii: ":"))! + 1)...]
        guard let common = ContentType(commonFormIn: afterColon) else { return }
        accepted += 1
        #expect(common == ContentType(headerValue: field.value), "\(value.debugDescription)")
    }

    @Test func realWorldValuesTakeTheCommonPathAndReadTheSame() throws {
        var accepted = 0
        for value in Self.realValues {
            try Self.expectSameAsGeneral(value, accepted: &accepted)
        }
        #expect(accepted == Self.realValues.count)
        for value in Self.realValues {
            #expect(MIMEHeader(fields: [try #require(Self.field(value))]).contentType == ContentType(headerValue: try #require(Self.field(value)).value))
        }
    }

    @Test func unusualValuesAreLeftToTheGeneralReaderOrReadTheSame() throws {
        var accepted = 0
        for value in Self.unusualValues {
            try Self.expectSameAsGeneral(value, accepted: &accepted)
            let field = try #require(Self.field(value))
            #expect(MIMEHeader(fields: [field]).contentType == ContentType(headerValue: field.value), "\(value.debugDescription)")
        }
        #expect(accepted < Self.unusualValues.count / 2)
    }

    @Test func generatedValuesReadTheSameOnBothPaths() throws {
        var generator = DetectorEquivalenceTests.Generator(state: 2045)
        let pieces = [
            "text", "plain", "multipart", "Signed", "/", ";", "; ", ";\r\n\t", "=", "\"", "\\", " ", "\t", "(", ")", "*", "'", "%",
            "charset", "utf-8", "boundary", "name", "a b", "x=y", "æ", "0", "*0", "*=", "-", ".", "\r\n ", "@", ",", "?", "[",
        ]
        var accepted = 0
        for _ in 0..<20_000 {
            var value = generator.below(4) == 0 ? "" : generator.pick(["text/plain", "multipart/mixed", "application/pkcs7-mime"])
            for _ in 0..<generator.below(12) {
                value += generator.pick(pieces)
            }
            // A field value cannot start with a line break, and must not end inside a fold.
            guard let field = Self.field(value), !value.hasPrefix("\r\n") else { continue }
            _ = field
            try Self.expectSameAsGeneral(value, accepted: &accepted)
        }
        #expect(accepted > 1_000)
    }
}
