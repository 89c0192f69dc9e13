import Foundation
import Testing
@testable import SecureMail

@Suite("Charsets")
struct CharsetTests {
    @Test func latin1() {
        #expect(Charsets.decode([0x53, 0xF8, 0x72, 0x65, 0x6E, 0x20, 0xE6, 0xF8, 0xE5, 0xC6, 0xD8, 0xC5], charset: "ISO-8859-1") == "Søren æøåÆØÅ")
        #expect(Charsets.decode([0xA4, 0x80], charset: "latin1") == "\u{A4}\u{80}")
    }

    /// Strict UTF-8 validation accepts and refuses what a scalar-by-scalar `UTF8` decoder does:
    /// overlong forms, surrogates, values above U+10FFFF, stray continuation bytes and cut-off
    /// sequences are refused, NUL and four-byte scalars are kept.
    @Test func strictUTF8AgreesWithTheScalarDecoder() {
        func reference(_ bytes: [UInt8]) -> String? {
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            var scalars = String.UnicodeScalarView()
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar): scalars.append(scalar)
                case .emptyInput: return String(scalars)
                case .error: return nil
                }
            }
        }
        var inputs: [[UInt8]] = [[], [0x00], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                 [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xC3], [0xE2, 0x82], [0xC3, 0xA5, 0x41], [0xFF, 0xFE]]
        let pieces: [[UInt8]] = [[0x41], [0x0A], [0xC3, 0xA6], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xC3], [0xED, 0xBF, 0xBF]]
        var state: UInt32 = 99
        for length in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<(length % 40) {
                state = state &* 1_103_515_245 &+ 12_345
                bytes += pieces[Int(state >> 16) % (length % 3 == 0 ? pieces.count : 5)]
            }
            inputs.append(bytes)
        }
        for bytes in inputs {
            #expect(String(validatingUTF8Bytes: bytes) == reference(bytes), "\(bytes)")
        }
    }

    @Test func latin9() {
        #expect(Charsets.decode([0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE, 0xE6], charset: "iso-8859-15") == "€ŠšŽžŒœŸæ")
        #expect(Charsets.decode([0xA4], charset: "Latin-9") == "€")
    }

    @Test func windows1252HighControlRange() {
        let bytes: [UInt8] = [0x80, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8E,
                              0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9E, 0x9F]
        #expect(Charsets.decode(bytes, charset: "windows-1252") == "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")
        #expect(Charsets.decode([0x81, 0x8D, 0x8F, 0x90, 0x9D], charset: "cp1252") == "\u{81}\u{8D}\u{8F}\u{90}\u{9D}")
        #expect(Charsets.decode([0xE6, 0xF8, 0xE5], charset: "CP1252") == "æøå")
    }

    @Test(arguments: ["utf-8", "UTF8", "us-ascii", "ascii", "latin1", "iso_8859-1", "l1", "cp1252", "x-cp1252",
                      "windows-1252", "iso-8859-15", "latin9", "\"utf-8\"", " UTF-8 "])
    func aliasesAreKnown(name: String) {
        #expect(Charsets.isSupported(name))
        #expect(Charsets.decode("abc".bytes, charset: name) == "abc")
    }

    @Test func unknownCharsetIsNil() {
        #expect(Charsets.decode("abc".bytes, charset: "x-klingon") == nil)
        #expect(Charsets.decode("abc".bytes, charset: "") == nil)
    }

    @Test func utf8RepairsInvalidBytes() {
        #expect(Charsets.decode([0x61, 0xFF, 0x62], charset: "utf-8") == "a\u{FFFD}b")
        #expect(Charsets.decode("Søren".bytes, charset: "utf-8") == "Søren")
    }

    @Test func mislabelledASCII() {
        #expect(Charsets.decode("Søren".bytes, charset: "us-ascii") == "Søren")
        #expect(Charsets.decode([0x80, 0x20, 0xE6], charset: "us-ascii") == "€ æ")
    }

    @Test func foundationCharsets() {
        #expect(Charsets.decode([0xFF, 0xFE, 0x41, 0x00, 0xF8, 0x00], charset: "utf-16") == "Aø")
        #expect(Charsets.decode([0x00, 0x41, 0x00, 0xF8], charset: "utf-16be") == "Aø")
        #expect(Charsets.decode([0xB1, 0xE6, 0xBF], charset: "iso-8859-2") == "ąćż")
    }
}

@Suite("Transfer encodings")
struct TransferEncodingTests {
    private func sampleBytes(_ count: Int) -> [UInt8] {
        var state: UInt32 = 12345
        return (0..<count).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
    }

    @Test(arguments: [0, 1, 2, 3, 56, 57, 58, 1000, 4099])
    func base64RoundTrip(count: Int) {
        let bytes = sampleBytes(count)
        let encoded = Base64.encode(bytes)
        #expect(Base64.decode(encoded) == bytes)
        let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
        for line in lines { #expect(line.count <= 76) }
        if count > 57 { #expect(lines[0].count == 76) }
        #expect(TransferEncoding.base64.decode(TransferEncoding.base64.encode(bytes, lineEnding: .lf)) == bytes)
    }

    @Test func base64KnownVectorsAndTolerance() {
        #expect(Base64.encode("foobar".bytes, lineEnding: nil) == "Zm9vYmFy".bytes)
        #expect(Base64.encode("fo".bytes, lineEnding: nil) == "Zm8=".bytes)
        #expect(Base64.decode(" Zm9v\r\n YmFy\t".bytes) == "foobar".bytes)
        #expect(Base64.decode("Zm9v*!YmFy==garbage-after".bytes).starts(with: "foobar".bytes))
        #expect(Base64.decode("Zm8".bytes) == "fo".bytes)
        #expect(Base64.decode("Z".bytes) == [])
        #expect(Base64.decode("Zm8=Zm8=".bytes) == "fofo".bytes)
    }

    /// Decoding in the body's own storage gives what decoding into a new buffer gives, for
    /// clean, folded, padded, glued and damaged input, and a large body's unused pages go back.
    @Test func base64DecodedInPlaceEqualsDecodedIntoANewBuffer() {
        var inputs = [" Zm9v\r\n YmFy\t", "Zm9v*!YmFy==garbage-after", "Zm8", "Z", "Zm8=Zm8=", "", "===", "QQ"].map(\.bytes)
        inputs += [0, 1, 2, 3, 57, 4099].map { Base64.encode(sampleBytes($0)) }
        inputs.append(Base64.encode(sampleBytes(6 << 20)))
        for input in inputs {
            var decoded = input
            Base64.decodeInPlace(&decoded)
            #expect(decoded == Base64.decode(input), "input of \(input.count) bytes")
        }
        var part = MIMEPart.leaf(content: sampleBytes(3000), contentType: ContentType(type: "application", subtype: "pkcs7-mime"), transferEncoding: .base64)
        #expect(part.decodedBodyOpening(10) == Array(sampleBytes(3000).prefix(10)))
        #expect(part.takeDecodedBody() == sampleBytes(3000))
        #expect(part.body == .single([]))
    }

    /// The decoder's fast paths (blocks of 32 with vector instructions, whole groups of four) must
    /// agree with the plain definition on input full of line breaks, padding, base64url letters and
    /// garbage in every position, and on input where they are rare (long clean stretches), at
    /// every vector width, in a new buffer and in place.
    @Test(arguments: 0..<40)
    func base64DecodeAgreesWithTheByteAtATimeDefinition(seed: Int) {
        let noise = Array("AZaz09+/-_=\r\n \t*!\u{0}".utf8) + [0x80, 0xFF]
        let noiseEvery = seed % 2 == 0 ? 3 : 97
        var state = UInt32(seed * 7919 + 1)
        let input: [UInt8] = (0..<(seed * 37)).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            let pick = Int(state >> 16)
            return pick % noiseEvery == 0 ? noise[pick % noise.count] : Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)[pick % 64]
        }
        let expected = referenceBase64Decode(input)
        defer { UTF8Scanning.useBlockScanLevel(-1) }
        for level in LargeTextIdentifierScanTests.levels {
            UTF8Scanning.useBlockScanLevel(level)
            #expect(Base64.decode(input) == expected, "level \(level)")
            #expect(Base64.decode(input[...]) == expected, "level \(level)")
            #expect(Base64.decode(input.lazy.map { $0 }) == expected, "level \(level)")
            var inPlace = input
            Base64.decodeInPlace(&inPlace)
            #expect(inPlace == expected, "level \(level), in place")
        }
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 56, 57, 58, 75, 76, 77, 300])
    func base64EncodeAgreesWithFoundation(count: Int) {
        let bytes = sampleBytes(count)
        let expected = Data(bytes).base64EncodedString()
        #expect(String(decoding: Base64.encode(bytes, lineEnding: nil), as: UTF8.self) == expected)
        for width in [4, 8, 64, 76] {
            let lines = String(decoding: Base64.encode(bytes, lineEnding: .lf, lineLength: width), as: UTF8.self)
            #expect(lines.replacingOccurrences(of: "\n", with: "") == expected)
            #expect(count == 0 ? lines.isEmpty : lines.hasSuffix("\n"))
            #expect(lines.split(separator: "\n").allSatisfy { $0.count <= width })
        }
    }

    /// Fed in pieces of any size, the line encoder writes what Foundation writes for the whole
    /// input (lines of 76, CR LF), with the final CR LF a MIME body ends with, and exactly as many
    /// bytes as it announced; with and without the vector encoder.
    @Test(arguments: [0, 1, 2, 3, 29, 30, 31, 56, 57, 58, 114, 1000, 57 * 1024 + 1, 200_003])
    func base64LineEncoderInPiecesAgreesWithFoundation(count: Int) {
        let bytes = sampleBytes(count)
        var expected = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        if count > 0 { expected += "\r\n" }
        defer { UTF8Scanning.useBlockScanLevel(-1) }
        for level in LargeTextIdentifierScanTests.levels {
            UTF8Scanning.useBlockScanLevel(level)
            for pieceLengths in [[count], [1], [2], [5], [30], [57], [4096], [1, 2, 3, 56, 57, 58, 1000]] {
                var encoder = Base64.LineEncoder()
                var output: [UInt8] = []
                var start = 0
                var turn = 0
                while start < count {
                    let end = min(count, start + max(1, pieceLengths[turn % pieceLengths.count]))
                    bytes[start..<end].withUnsafeBytes { encoder.append($0, to: &output) }
                    start = end
                    turn += 1
                }
                encoder.finish(to: &output)
                #expect(String(decoding: output, as: UTF8.self) == expected, "level \(level), pieces \(pieceLengths)")
                #expect(output.count == Base64.LineEncoder().encodedLength(of: count))
            }
        }
        #expect(Base64.encode(bytes) == Array(expected.utf8))
    }

    /// The quoted-printable encoder as it was before it wrote into one exact buffer, kept as the
    /// oracle for the differential test (line buffer, byte by byte).
    private func referenceQuotedPrintableEncode(_ bytes: [UInt8], lineEnding: LineEnding, isText: Bool) -> [UInt8] {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        var line: [UInt8] = []
        let maxLine = 76
        let ending = lineEnding.bytes

        func flushSoft() {
            output += line
            output.append(UInt8(ascii: "="))
            output += ending
            line.removeAll(keepingCapacity: true)
        }
        func startsFrom(at index: Int) -> Bool {
            index + 5 <= bytes.count && Array(bytes[index..<index + 5]) == Array("From ".utf8)
        }
        func appendLiteral(_ byte: UInt8, at index: Int) {
            // Keep room for the '=' of a soft break; the new line may not start with "." or "From ".
            if line.count + 1 > maxLine - 1 {
                flushSoft()
                if byte == UInt8(ascii: ".") || startsFrom(at: index) { return appendEscaped(byte) }
            }
            line.append(byte)
        }
        func appendEscaped(_ byte: UInt8) {
            if line.count + 3 > maxLine - 1 { flushSoft() }
            line.append(UInt8(ascii: "="))
            line.append(hexDigits[Int(byte >> 4)])
            line.append(hexDigits[Int(byte & 0x0F)])
        }

        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isText, byte == 0x0A || (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) {
                output += line
                output += ending
                line.removeAll(keepingCapacity: true)
                index += byte == 0x0D ? 2 : 1
                continue
            }
            let nextIsLineEnd: Bool = {
                let next = index + 1
                if next >= bytes.count { return true }
                guard isText else { return false }
                return bytes[next] == 0x0A || (bytes[next] == 0x0D && next + 1 < bytes.count && bytes[next + 1] == 0x0A)
            }()
            let atLineStart = line.isEmpty
            switch byte {
            case 0x20, 0x09:
                // Whitespace at the end of a line, or where a soft break would leave it trailing, is encoded.
                if nextIsLineEnd || line.count + 1 > maxLine - 2 {
                    appendEscaped(byte)
                } else {
                    appendLiteral(byte, at: index)
                }
            case UInt8(ascii: "="):
                appendEscaped(byte)
            case UInt8(ascii: ".") where atLineStart:
                appendEscaped(byte)
            case _ where atLineStart && startsFrom(at: index):
                appendEscaped(byte)
            case 0x21...0x7E:
                appendLiteral(byte, at: index)
            default:
                appendEscaped(byte)
            }
            index += 1
        }
        output += line
        return output
    }

    private func referenceBase64Decode(_ bytes: [UInt8]) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        var accumulator: UInt32 = 0
        var count = 0
        func flush() {
            if count == 2 { output.append(UInt8(truncatingIfNeeded: accumulator >> 4)) }
            if count == 3 { output += [UInt8(truncatingIfNeeded: accumulator >> 10), UInt8(truncatingIfNeeded: accumulator >> 2)] }
            accumulator = 0
            count = 0
        }
        for byte in bytes {
            if byte == UInt8(ascii: "=") { flush(); continue }
            let value: Int
            if let index = alphabet.firstIndex(of: byte) { value = index }
            else if byte == UInt8(ascii: "-") { value = 62 }
            else if byte == UInt8(ascii: "_") { value = 63 }
            else { continue }
            accumulator = accumulator << 6 | UInt32(value)
            count += 1
            if count == 4 {
                output += [UInt8(truncatingIfNeeded: accumulator >> 16), UInt8(truncatingIfNeeded: accumulator >> 8), UInt8(truncatingIfNeeded: accumulator)]
                accumulator = 0
                count = 0
            }
        }
        flush()
        return output
    }

    @Test func quotedPrintableDecoding() {
        #expect(QuotedPrintable.decode("S=C3=B8ren".bytes) == "Søren".bytes)
        #expect(QuotedPrintable.decode("S=c3=b8ren".bytes) == "Søren".bytes)
        #expect(QuotedPrintable.decode("soft=\r\nbreak".bytes) == "softbreak".bytes)
        #expect(QuotedPrintable.decode("soft=  \r\nbreak".bytes) == "softbreak".bytes)
        #expect(QuotedPrintable.decode("soft=\nbreak".bytes) == "softbreak".bytes)
        #expect(QuotedPrintable.decode("bad =ZZ escape =4".bytes) == "bad =ZZ escape =4".bytes)
        #expect(QuotedPrintable.decode("trailing   \r\nspace".bytes) == "trailing\r\nspace".bytes)
        #expect(QuotedPrintable.decode("end=".bytes) == "end".bytes)
        #expect(QuotedPrintable.decode("a=3D=3d".bytes) == "a==".bytes)
    }

    @Test func quotedPrintableEncodingIsSafeForSigning() {
        let text = "From here on\nline with trailing space \n. dot line\n" + String(repeating: "lang linje med æøå ", count: 20) + "\nend\t"
        let encoded = QuotedPrintable.encode(text.bytes)
        let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
        for line in lines {
            #expect(line.utf8.count <= 76)
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
            #expect(!line.hasPrefix("From "))
            #expect(line.unicodeScalars.allSatisfy { $0.value < 0x7F })
        }
        #expect(lines[0].hasPrefix("=46rom"))
        #expect(QuotedPrintable.decode(encoded) == Canonicalization.crlf(text.bytes))
    }

    /// A soft break can bring `From ` or `.` to the start of a line as well as a hard one.
    @Test func quotedPrintableEscapesLineStartsAfterASoftBreak() {
        for tail in ["From here", ".dot", "Fro no"] {
            let text = String(repeating: "a", count: 75) + tail
            let encoded = QuotedPrintable.encode(text.bytes)
            let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
            #expect(lines.count == 2, "\(lines)")
            #expect(!lines.contains { $0.hasPrefix("From ") || $0.hasPrefix(".") }, "\(lines)")
            #expect(QuotedPrintable.decode(encoded) == text.bytes)
        }
        let soft = String(decoding: QuotedPrintable.encode((String(repeating: "a", count: 75) + "From x").bytes), as: UTF8.self)
        #expect(soft == String(repeating: "a", count: 75) + "=\r\n=46rom x")
    }

    @Test func quotedPrintableBinaryRoundTrip() {
        let bytes = sampleBytes(3000)
        let encoded = QuotedPrintable.encode(bytes, lineEnding: .lf, isText: false)
        #expect(QuotedPrintable.decode(encoded) == bytes)
        for line in String(decoding: encoded, as: UTF8.self).split(separator: "\n") { #expect(line.utf8.count <= 76) }
    }

    /// The encoder that writes into one buffer gives what the line-buffer encoder gave, byte for
    /// byte, on text full of what quoted-printable must escape: trailing whitespace before every
    /// kind of line end, `From ` and `.` at line starts (also after a soft break), `=`, 8-bit
    /// bytes, bare CR and LF, and long lines.
    @Test(arguments: 0..<60)
    func quotedPrintableEncodeAgreesWithTheLineBufferEncoder(seed: Int) {
        let pieces: [[UInt8]] = ["From ", "Fro", ".", "=", " ", "\t", "\r\n", "\n", "\r", "æ", "ø", "a", "lang linje ", "x" + String(repeating: "y", count: 70),
                                "Hej, her er billederne af skaden ", "1234567 ", "abcdefgh"]
            .map { Array($0.utf8) } + [[0x00], [0xFF], [0x7F]]
        var state = UInt32(seed * 104_729 + 7)
        var input: [UInt8] = []
        for _ in 0..<(seed * 13) {
            state = state &* 1_103_515_245 &+ 12345
            input += pieces[Int(state >> 16) % pieces.count]
        }
        for lineEnding in [LineEnding.crlf, .lf] {
            for isText in [true, false] {
                #expect(
                    QuotedPrintable.encode(input, lineEnding: lineEnding, isText: isText)
                        == referenceQuotedPrintableEncode(input, lineEnding: lineEnding, isText: isText))
            }
        }
    }

    @Test func canonicalisation() {
        #expect(Canonicalization.crlf("a\nb\rc\r\nd\r\r\n".bytes) == "a\r\nb\r\nc\r\nd\r\n\r\n".bytes)
        #expect(Canonicalization.crlf([]) == [])
        #expect(Canonicalization.normalizeLineEndings("a\r\nb\rc\n".bytes, to: .lf) == "a\nb\nc\n".bytes)
    }
}

@Suite("Address lists")
struct AddressListTests {
    /// The tokenizer over UTF-8 bytes gives the tokens of the scalar-by-scalar definition
    /// below on text full of what makes tokens: quotes, comments nested and unterminated,
    /// backslashes (also last, and before a multi-byte scalar), domain literals, specials,
    /// Unicode white space and combining marks.
    @Test(arguments: 0..<80)
    func tokenizingAgreesWithTheScalarDefinition(seed: Int) {
        let pieces = ["\"", "(", ")", "[", "]", "\\", "<", ">", ",", ";", ":", "@", ".", " ", "\t", "\u{A0}", "\u{2003}",
                      "\u{301}", "Søren", "kunde", "example.dk", "=?utf-8?q?S=C3=B8ren?=", "a", "é", "\u{1F600}"]
        var state = UInt32(seed * 7_919 + 11)
        var text = ""
        for _ in 0..<(seed % 40 + 1) {
            state = state &* 1_103_515_245 &+ 12345
            text += pieces[Int(state >> 16) % pieces.count]
        }
        #expect(AddressList.tokenize(text) == referenceTokens(text), "\(text.debugDescription)")
    }

    private func referenceTokens(_ text: String) -> [AddressList.Token] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [AddressList.Token] = []
        var index = 0
        var spaceBefore = false
        func isSpecial(_ scalar: Unicode.Scalar) -> Bool { "<>,;:@.".unicodeScalars.contains(scalar) }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                spaceBefore = true
                index += 1
                continue
            }
            var value = String.UnicodeScalarView()
            if scalar == "\"" {
                index += 1
                while index < scalars.count, scalars[index] != "\"" {
                    if scalars[index] == "\\", index + 1 < scalars.count { index += 1 }
                    value.append(scalars[index])
                    index += 1
                }
                index += 1
                tokens.append(.quoted(String(value), spaceBefore: spaceBefore))
            } else if scalar == "(" {
                var depth = 1
                index += 1
                while index < scalars.count {
                    if scalars[index] == "\\", index + 1 < scalars.count {
                        value.append(scalars[index + 1])
                        index += 2
                        continue
                    }
                    if scalars[index] == "(" { depth += 1 }
                    if scalars[index] == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    value.append(scalars[index])
                    index += 1
                }
                index += 1
                tokens.append(.comment(String(value)))
            } else if scalar == "[" {
                value.append(scalar)
                index += 1
                while index < scalars.count, scalars[index] != "]" {
                    value.append(scalars[index])
                    index += 1
                }
                value.append("]")
                index += 1
                tokens.append(.domainLiteral(String(value)))
            } else if isSpecial(scalar) {
                tokens.append(.special(Character(scalar)))
                index += 1
            } else {
                while index < scalars.count, !scalars[index].properties.isWhitespace, !isSpecial(scalars[index]),
                      scalars[index] != "\"", scalars[index] != "(", scalars[index] != "[" {
                    value.append(scalars[index])
                    index += 1
                }
                tokens.append(.word(String(value), spaceBefore: spaceBefore))
            }
            spaceBefore = false
        }
        return tokens
    }

    @Test func quotedDisplayNameWithAtIsOneMailbox() {
        let list = AddressList.parse("\"a@x\" <b@y>")
        #expect(list == [MailboxAddress(displayName: "a@x", address: "b@y")])
    }

    @Test func twoBareAddresses() {
        let list = AddressList.parse("a@x, b@y")
        #expect(list.map(\.address) == ["a@x", "b@y"])
        #expect(list.allSatisfy { $0.displayName == nil })
    }

    @Test(arguments: [
        ("Alice Lovelace <alice@smime.example>", "Alice Lovelace", "alice@smime.example"),
        ("\"Lovelace, Alice\" <alice@smime.example>", "Lovelace, Alice", "alice@smime.example"),
        ("=?utf-8?q?S=C3=B8ren_Kj=C3=A6rgaard?= <soeren@gjensidige.dk>", "Søren Kjærgaard", "soeren@gjensidige.dk"),
        ("\"=?utf-8?q?S=C3=B8ren?=\" <s@x.dk>", "Søren", "s@x.dk"),
        ("John Q. Public <JQB@bar.com>", "John Q. Public", "JQB@bar.com"),
        ("alice@example.com (Alice Example)", "Alice Example", "alice@example.com"),
        ("<@route.example,@other.example:user@final.example>", nil, "user@final.example"),
        ("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "Pete", "pete@silly.test"),
        ("\"Joe Q. Public\" <john.q.public@example.com>", "Joe Q. Public", "john.q.public@example.com"),
        ("a@x <b@y>", "a@x", "b@y"),
        ("<bare@angle.example>", nil, "bare@angle.example"),
        ("Broken <missing@close.example", "Broken", "missing@close.example"),
        ("\"escaped \\\"quote\\\"\" <q@x>", "escaped \"quote\"", "q@x"),
        ("\"john doe\"@example.com", nil, "\"john doe\"@example.com"),
        ("user@[192.0.2.1]", nil, "user@[192.0.2.1]"),
    ])
    func singleMailboxes(header: String, name: String?, address: String) {
        let list = AddressList.parse(header)
        #expect(list.count == 1, "\(header) -> \(list)")
        #expect(list.first?.displayName == name)
        #expect(list.first?.address == address)
    }

    @Test func groups() {
        let list = AddressList.parse("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Mary Smith <mary@x.test>")
        #expect(list.map(\.address) == ["c@a.test", "joe@where.test", "jdoe@one.test", "mary@x.test"])
        #expect(list[0].displayName == "Ed Jones")
        #expect(AddressList.parse("undisclosed-recipients:;").isEmpty)
        #expect(AddressList.parse("").isEmpty)
        #expect(AddressList.parse(" , ,").isEmpty)
    }

    @Test func counts() {
        #expect(AddressList.parse("\"Last, First\" <a@x>, b@y").count == 2)
        #expect(AddressList.parse("a@x,,b@y").count == 2)
        #expect(AddressList.parse("Alice <a@x> Bob <b@y>").count == 2)
        #expect(AddressList.parse("Just A Name").count == 1)
        #expect(AddressList.parse("a@x; b@y").count == 2)
    }

    /// Separators are code points: a combining mark after a comma or bracket does not hide it.
    @Test func combiningMarkAfterASeparator() {
        #expect(AddressList.parse("a@x,\u{301}b@y").map(\.address) == ["a@x", "\u{301}b@y"])
        #expect(AddressList.parse("Name <\u{301}a@x>").map(\.address) == ["\u{301}a@x"])
        #expect(AddressList.parse("\u{00A0}Ann\u{00A0}Berg\u{00A0}<a@x>") == [MailboxAddress(displayName: "Ann Berg", address: "a@x")])
    }

    @Test func hostileAddressInputStaysBounded() {
        let colons = "a@b" + String(repeating: ":", count: 20_000)
        #expect(AddressList.parse(colons).count == 1)
        let many = Array(repeating: "x@y", count: 5_000).joined(separator: ",")
        #expect(AddressList.parse(many).count == 5_000)
        #expect(AddressList.parse(String(repeating: "(", count: 10_000)).isEmpty)
        #expect(AddressList.parse(String(repeating: "\"", count: 10_001)).count == 1)
    }

    @Test func domainComparison() {
        let mailbox = MailboxAddress(displayName: nil, address: "Alice@SMIME.Example")
        #expect(mailbox.isSameAddress(as: "Alice@smime.example"))
        #expect(!mailbox.isSameAddress(as: "alice@smime.example"))
        #expect(mailbox.domain == "smime.example")
        #expect(mailbox.localPart == "Alice")
        #expect(mailbox.normalizedAddress == "Alice@smime.example")
        let cases: [(address: String, local: String, domain: String?)] = [
            ("søren@Gjensidige.DK", "søren", "gjensidige.dk"), ("\"a@b\"@X.dk", "\"a@b\"", "x.dk"), ("a@b@C.dk", "a@b", "c.dk"),
            ("bare", "bare", nil), ("x@\u{301}y.dk", "x@\u{301}y.dk", nil), ("å@\u{301}y@Z.dk", "å@\u{301}y", "z.dk"),
        ]
        for (address, local, domain) in cases {
            let parsed = MailboxAddress(displayName: nil, address: address)
            #expect(parsed.localPart == local && parsed.domain == domain, "\(address)")
        }
    }
}
