import Testing
@testable import SecureMail

/// The block scans of CTextScan at every vector width, against the standard library's UTF-8
/// validator; and the piece-by-piece scan of large texts against the scan of the whole text.
@Suite(.serialized) struct LargeTextIdentifierScanTests {
    typealias Generator = DetectorEquivalenceTests.Generator

    /// Every level the processor has: 8-byte words, SSE2, AVX2.
    static let levels: [Int] = {
        let best = UTF8Scanning.useBlockScanLevel(-1)
        return Array(0...best)
    }()

    /// Bytes that exercise every branch of the validator: ASCII with digits, two-, three- and
    /// four-byte scalars, and what RFC 3629 forbids (stray continuations, overlong forms,
    /// surrogates, scalars above U+10FFFF, cut-off sequences, bytes that never occur).
    static func mixedBytes(_ generator: inout Generator, length: Int) -> [UInt8] {
        let pieces: [[UInt8]] = [
            Array("abc ".utf8), Array("kunde ".utf8), Array("0".utf8), Array("7".utf8), Array("9".utf8), Array("/".utf8),
            Array(":".utf8), Array("æ".utf8), Array("ø".utf8), Array("Å".utf8), Array("€".utf8), Array("\u{2011}".utf8),
            Array("😀".utf8), Array("\u{10FFFF}".utf8), Array("\u{7FF}".utf8), Array("\u{800}".utf8), Array("\u{FFFF}".utf8),
        ]
        let malformed: [[UInt8]] = [
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC3], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xEF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xFE],
            [0xC3, 0x41], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        ]
        var bytes: [UInt8] = []
        while bytes.count < length {
            if generator.below(40) == 0 {
                bytes += generator.pick(malformed)
            } else {
                bytes += generator.pick(pieces)
            }
        }
        return Array(bytes.prefix(length))
    }

    /// The index and scalar count `securemail_next_digit_validating` must give, by the standard
    /// library: from `start`, scalar by scalar, to the first digit or the first byte no
    /// well-formed scalar starts with.
    static func referenceNextDigit(_ bytes: [UInt8], from start: Int) -> (index: Int, scalars: Int) {
        var index = start
        var scalars = 0
        while index < bytes.count {
            if (0x30...0x39).contains(bytes[index]) { return (index, scalars) }
            let length = (1...4).first { length in
                index + length <= bytes.count
                    && String(validating: bytes[index..<index + length], as: UTF8.self)?.unicodeScalars.count == 1
            }
            guard let length else { return (index, scalars) }
            index += length
            scalars += 1
        }
        return (index, scalars)
    }

    @Test func validatingDigitScanAgreesWithTheStandardLibraryAtEveryLevel() {
        defer { UTF8Scanning.useBlockScanLevel(-1) }
        for level in Self.levels {
            #expect(UTF8Scanning.useBlockScanLevel(level) == level)
            var generator = Generator(state: UInt64(40 + level))
            for round in 0..<3000 {
                let bytes = Self.mixedBytes(&generator, length: generator.below(round < 2000 ? 100 : 400))
                let start = generator.below(bytes.count + 1)
                let expected = Self.referenceNextDigit(bytes, from: start)
                var scalars = 0
                let found = bytes.withUnsafeBufferPointer {
                    UTF8Scanning.nextDigitValidating(in: $0, from: start, to: bytes.count, scalars: &scalars)
                }
                #expect(found == expected.index && scalars == expected.scalars, "level \(level): \(bytes) from \(start)")
            }
        }
    }

    @Test func digitScanAndScalarCountAgreeWithPlainLoopsAtEveryLevel() {
        defer { UTF8Scanning.useBlockScanLevel(-1) }
        for level in Self.levels {
            UTF8Scanning.useBlockScanLevel(level)
            var generator = Generator(state: UInt64(60 + level))
            for _ in 0..<3000 {
                let bytes = Self.mixedBytes(&generator, length: generator.below(300))
                let start = generator.below(bytes.count + 1)
                let expected = bytes[start...].firstIndex { (0x30...0x39).contains($0) } ?? bytes.count
                #expect(bytes.withUnsafeBufferPointer { UTF8Scanning.nextDigit(in: $0, from: start, to: bytes.count) } == expected)
                let nonContinuations = bytes[start...].filter { $0 & 0xC0 != 0x80 }.count
                let counted = bytes.withUnsafeBufferPointer { buffer in
                    var counter = ScalarOffsets(buffer, from: start)
                    return counter.scalars(before: bytes.count)
                }
                #expect(counted == nonContinuations)
            }
        }
    }

    /// The scan of `text` in pieces of `pieceBytes`, handed to `threads` threads in stretches of
    /// about `stretchBytes` bytes.
    static func scanInPieces(_ bytes: [UInt8], pieceBytes: Int, threads: Int, stretchBytes: Int) throws -> [Finding]? {
        var scan = LargeTextIdentifierScan(size: bytes.count, location: "body") { buffer, offset in
            let count = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
            return count
        }
        scan.pieceBytes = pieceBytes
        scan.stretchBytes = stretchBytes
        return try scan.findings(threads: threads)
    }

    @Test func textsScannedInPiecesGiveTheFindingsOfTheWholeText() throws {
        var generator = Generator(state: 77)
        var withFindings = 0
        for round in 0..<300 {
            var text = ""
            for _ in 0..<(1 + generator.below(round < 250 ? 8 : 60)) { text += DetectorEquivalenceTests.text(&generator) }
            let expected = SensitiveDataScanner.scan(text, location: "body", detectors: .identifiers)
            if !expected.isEmpty { withFindings += 1 }
            let bytes = Array(text.utf8)
            for (pieceBytes, threads) in [(64, 1), (97, 3), (300, 2), (1 << 18, 4)] {
                let found = try Self.scanInPieces(bytes, pieceBytes: pieceBytes, threads: threads, stretchBytes: 200)
                #expect(found == expected, "pieces of \(pieceBytes) on \(threads) threads: \(text.debugDescription)")
            }
        }
        #expect(withFindings > 100)
    }

    @Test func numbersAtEveryCutAreFoundOnce() throws {
        // Identifiers packed between short words: every piece boundary falls near one.
        var generator = Generator(state: 5)
        var text = ""
        for _ in 0..<400 {
            text += generator.pick(["cpr ", "født ", "x ", "æ ", "personnummer: ", "tlf. "])
            text += DetectorEquivalenceTests.validCPR(&generator) + generator.pick([" ", "\n", ". ", " og "])
        }
        let expected = SensitiveDataScanner.scan(text, location: "body", detectors: .identifiers)
        #expect(expected.count > 300)
        for pieceBytes in [40, 41, 43, 64, 129] {
            #expect(try Self.scanInPieces(Array(text.utf8), pieceBytes: pieceBytes, threads: 3, stretchBytes: 100) == expected)
        }
    }

    @Test func cueWordsInThePieceBeforeCountNearTheStartOfTheText() throws {
        // A bare ten-digit number is reported only after a cue word; here the cue is in the first
        // stretch and the number in the second, both within the first 256 bytes of the text.
        let text = "Sagen: FØDSELSDATO for kunden, som aftalt: kone 1104047253 i dag\n" + String(repeating: "tekst uden tal ", count: 20)
        let expected = SensitiveDataScanner.scan(text, location: "body", detectors: .identifiers)
        #expect(expected.count == 1)
        let cue = Array(text.utf8).firstIndex(of: UInt8(ascii: "k"))!
        for (pieceBytes, threads) in [(16, 1), (64, 1), (64, 2), (1 << 16, 2)] {
            #expect(try Self.scanInPieces(Array(text.utf8), pieceBytes: pieceBytes, threads: threads, stretchBytes: cue) == expected)
        }
    }

    @Test func aRunOfDigitsLongerThanAPieceGrowsTheBuffer() throws {
        // Letters around the run: a space would join the numbers into one phrase.
        let text = "cpr 010190-1009 og " + String(repeating: "1234567890", count: 300) + " og født 010190-1009 slut"
        let expected = SensitiveDataScanner.scan(text, location: "body", detectors: .identifiers)
        #expect(expected.count == 2)
        #expect(try Self.scanInPieces(Array(text.utf8), pieceBytes: 64, threads: 2, stretchBytes: 100) == expected)
    }

    @Test func textThatIsNotUTF8GivesNoAnswer() throws {
        var generator = Generator(state: 9)
        for _ in 0..<200 {
            var bytes = Array((DetectorEquivalenceTests.text(&generator) + DetectorEquivalenceTests.validCPR(&generator)).utf8)
            // A malformed sequence anywhere: in the text, in a number's joiner, at its very end.
            let malformed: [[UInt8]] = [[0xFF], [0xC3], [0xE2, 0x80], [0xED, 0xA0, 0x80], [0x80]]
            bytes.insert(contentsOf: generator.pick(malformed), at: generator.below(bytes.count + 1))
            #expect(String(validating: bytes, as: UTF8.self) == nil)
            #expect(try Self.scanInPieces(bytes, pieceBytes: 64, threads: 2, stretchBytes: 50) == nil)
        }
    }

    @Test func aTextThatEndsEarlyIsAnError() {
        let scan = LargeTextIdentifierScan(size: 10_000, location: "body") { buffer, offset in
            guard offset < 5_000 else { return 0 }
            let count = min(buffer.count, 5_000 - offset)
            buffer.baseAddress!.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "a"), count: count)
            return count
        }
        #expect(throws: LargeTextIdentifierScan.TextEndedEarly.self) { try scan.findings(threads: 2) }
    }

    @Test func publicScanDeduplicatesAsTheWholeTextScanDoes() throws {
        let text = "cpr 010190-1009 og igen 010190-1009, født 020202-1234\n" + String(repeating: "fyld ", count: 500)
        let bytes = Array(text.utf8)
        let result = try SensitiveContentScan.scanIdentifiers(plainTextOfSize: bytes.count, threads: 2) { buffer, offset in
            let count = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
            return count
        }
        #expect(result == SensitiveContentScan.scan(plainText: text, detectors: .identifiers))
    }
}
