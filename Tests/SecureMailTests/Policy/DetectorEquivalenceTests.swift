import Testing
@testable import SecureMail

/// The byte-level detectors (`SensitiveDataScanner`) give exactly the findings of the
/// straightforward scalar definition (`referenceScan`, ReferenceDetectors.swift): kind,
/// masked form, confidence, offset and order, on generated texts that mix the lexicon's
/// words, number phrases, punctuation and scalars outside Latin-1.
@Suite struct DetectorEquivalenceTests {
    /// SplitMix64: reproducible inputs without Foundation.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return value ^ (value >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// A lexicon entry read by characters, as the syntax in SpecialCategoryLexicon describes it:
    /// the definition `LexiconEntry` reads on bytes.
    static func referenceEntry(_ entry: String) -> (words: [String], mode: Mode, lowercaseOnly: Bool, unlessNext: [String])? {
        var text = Substring(entry)
        var unlessNext: [String] = []
        if let bar = text.firstIndex(of: "|") {
            unlessNext = text[text.index(after: bar)...].split(separator: ",").map(String.init)
            text = text[..<bar]
        }
        let lowercaseOnly = text.hasPrefix("!")
        if lowercaseOnly { text = text.dropFirst() }
        var words = text.split(separator: " ")
        guard var last = words.popLast() else { return nil }
        let mode: Mode = switch (last.hasPrefix("*"), last.hasSuffix("*")) {
        case (true, true): .contains
        case (true, false): .suffix
        case (false, true): .prefix
        case (false, false): .exact
        }
        while last.first == "*" { last = last.dropFirst() }
        while last.last == "*" { last = last.dropLast() }
        return (words.map(String.init) + [String(last)], mode, lowercaseOnly, unlessNext)
    }

    /// Every entry of the lexicon, and entries with marks next to letters outside ASCII, read on
    /// bytes as by characters.
    @Test func lexiconEntriesReadOnBytesAsByCharacters() {
        let entries = SpecialCategoryLexicon.terms.flatMap(\.1) + SpecialCategoryLexicon.unionNames
            + SpecialCategoryLexicon.membershipCues + SpecialCategoryLexicon.anchors + SpecialCategoryLexicon.suppressors
        let constructed = ["*kræft*", "!kristen", "*sjukdom", "hjerne*", "fagforening|a,ø", "ond i ryggen*", "!ørn|æble", "", "*", "!", "a  b*"]
        for entry in entries + constructed {
            let read = LexiconEntry(entry, role: .term, kind: .health)
            let reference = Self.referenceEntry(entry)
            #expect(read?.words.map { String(decoding: $0, as: UTF8.self) } == reference?.words, "\(entry)")
            #expect(read?.mode == reference?.mode, "\(entry)")
            #expect(read?.lowercaseOnly == reference?.lowercaseOnly, "\(entry)")
            #expect(read?.unlessNext.map { String(decoding: $0, as: UTF8.self) } == reference?.unlessNext, "\(entry)")
        }
    }

    /// Every word and phrase of the lexicon, without its marks.
    static let lexiconWords: [String] = {
        var entries = SpecialCategoryLexicon.terms.flatMap(\.1) + SpecialCategoryLexicon.unionNames
            + SpecialCategoryLexicon.membershipCues + SpecialCategoryLexicon.anchors + SpecialCategoryLexicon.suppressors
        entries += SpecialCategoryLexicon.englishFunctionWords.sorted() + SpecialCategoryLexicon.abbreviations.sorted()
        return entries.map { entry in
            let phrase = entry.split(separator: "|").first.map(String.init) ?? entry
            return phrase.filter { $0 != "*" && $0 != "!" }
        }
    }()

    static let cueWords = ["cpr", "cpr-nr.", "CPR:", "personnummer", "fødselsnummer", "født", "tlf.", "faktura", "policy",
                           "Police", "ref:", "d-nummer", "Født", "FØDSELSDATO", "reg. nr", "født den", "kunde nr"]
    static let fillerWords = ["og", "i", "at", "det", "en", "til", "er", "vi", "kunde", "skade", "bil", "hus", "the", "a",
                              "was", "og", "brystkræft", "kræftforsikring", "rygsmerter", "hjerteinfarkt", "xyz", "Iris",
                              "Christian", "Kristen", "I", "her", "HER", "Her", "Jeg", "JEG", "Hun", "Medlem", "3F", "HK",
                              "Unionen", "f.eks.", "art.", "bl.a.", "nr.", "ca.", "Hr.", "I.", "A.", "12.", "forsikring"]
    static let oddScalars = ["İ", "Ⱥ", "ẞ", "Σ", "ς", "ß", "µ", "²", "½", "é", "É", "Æ", "Ø", "Å", "Ä", "Ö", "Ü", "ÿ",
                             "\u{301}", "😀", "\u{FFFD}", "\u{0}", "×", "÷", "ª", "º", "\u{85}", "日本", "Ω", "ǅ", "Ǆ",
                             "١٢٣", "\u{2010}", "\u{2013}", "\u{200B}", "ﬁ", "Ⅻ"]
    static let separators = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\r\n", "\r\n\r\n", "\t", "\u{A0}", ". ", ".", "! ",
                             "? ", "; ", " • ", "•", ", ", "-", "+", "#", "/", "(", ")", "\u{2009}", "\u{202F}",
                             "\u{2028}", "\u{3000}", ".\u{A0}", ".\u{2009}", ".\n", ":", "=", "_", "\u{1680}"]
    static let joiners = ["-", "", " ", "+", "\u{2010}", "\u{2011}", "\u{2013}", "\u{A0}", "\u{2009}", "\u{202F}", "/", ".",
                          ":", ",", "_", "=", "  ", "--", "\u{2014}"]

    static func digits(_ count: Int, _ generator: inout Generator) -> String {
        String((0..<count).map { _ in Character(String(generator.below(10))) })
    }

    /// A number phrase: mostly identifier shapes with dates that may be valid.
    static func number(_ generator: inout Generator) -> String {
        let day = String(format2: 1 + generator.below(31) + (generator.below(4) == 0 ? 40 : 0))
        let month = String(format2: 1 + generator.below(12))
        let year = String(format2: generator.below(100))
        let date = generator.below(3) == 0 ? year + month + day : day + month + year
        switch generator.below(9) {
        case 0: return date + generator.pick(joiners) + digits(4, &generator)
        case 1: return date + digits(4, &generator)
        case 2: return "19" + year + month + day + generator.pick(["-", "", "+", " "]) + digits(4, &generator)
        case 3: return date + digits(5, &generator)
        case 4: return date + generator.pick(joiners) + digits(5, &generator)
        case 5: return digits(1 + generator.below(14), &generator)
        case 6: return digits(2, &generator) + " " + digits(2, &generator) + " " + digits(2, &generator) + " " + digits(2, &generator)
        case 7: return date + generator.pick(joiners) + digits(4, &generator) + generator.pick(joiners) + digits(1 + generator.below(6), &generator)
        default: return Self.validCPR(&generator)
        }
    }

    /// A CPR number that passes modulus 11, with a random separator.
    static func validCPR(_ generator: inout Generator) -> String {
        while true {
            let value = String(format2: 1 + generator.below(28)) + String(format2: 1 + generator.below(12))
                + String(format2: generator.below(100)) + digits(4, &generator)
            let weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
            let sum = zip(weights, value).reduce(0) { $0 + $1.0 * ($1.1.wholeNumberValue ?? 0) }
            if sum % 11 == 0 { return String(value.prefix(6)) + generator.pick(["-", "", " "]) + String(value.suffix(4)) }
        }
    }

    static func word(_ generator: inout Generator) -> String {
        var word: String
        switch generator.below(10) {
        case 0...3: word = generator.pick(lexiconWords)
        case 4...6: word = generator.pick(fillerWords)
        case 7: word = generator.pick(lexiconWords) + generator.pick(lexiconWords)
        case 8: word = generator.pick(cueWords)
        default: word = generator.pick(fillerWords) + generator.pick(oddScalars) + generator.pick(lexiconWords)
        }
        switch generator.below(8) {
        case 0: word = word.prefix(1).uppercased() + word.dropFirst()
        case 1: word = word.uppercased()
        default: break
        }
        return word
    }

    static func text(_ generator: inout Generator) -> String {
        var text = ""
        for _ in 0..<(1 + generator.below(60)) {
            switch generator.below(12) {
            case 0: text += number(&generator)
            case 1: text += generator.pick(oddScalars)
            case 2, 3: text += generator.pick(separators)
            default: text += word(&generator)
            }
            text += generator.pick(separators)
        }
        return text
    }

    @Test func generatedTextsGiveTheReferenceFindings() {
        var generator = Generator(state: 8)
        var withFindings = 0
        var mismatches = 0
        for _ in 0..<4000 {
            let text = Self.text(&generator)
            let expected = referenceScan(text, location: "body")
            let found = SensitiveDataScanner.scan(text, location: "body")
            if !expected.isEmpty { withFindings += 1 }
            if found != expected {
                mismatches += 1
                if mismatches <= 5 { Issue.record("differs on \(text.debugDescription): \(found) against \(expected)") }
            }
        }
        #expect(mismatches == 0)
        // The generator must exercise the detectors, not only the empty case.
        #expect(withFindings > 1000)
    }

    /// Texts of 4 KB and more use a memo of the words seen (`Vocabulary`); thousands of
    /// distinct words make it grow several times.
    @Test func longGeneratedTextsGiveTheReferenceFindings() {
        var generator = Generator(state: 21)
        for _ in 0..<6 {
            var text = ""
            for _ in 0..<400 { text += Self.text(&generator) + "\n\n" }
            #expect(text.utf8.count > 4096)
            let found = SensitiveDataScanner.scan(text, location: "body")
            #expect(found == referenceScan(text, location: "body"))
            #expect(found.count > 10)
        }
    }

    @Test func labelledSetAndItsConcatenationGiveTheReferenceFindings() throws {
        let texts = try loadLabelledTexts().map(\.text)
        for text in texts {
            #expect(SensitiveDataScanner.scan(text, location: "body") == referenceScan(text, location: "body"), "\(text)")
        }
        let joined = texts.joined(separator: "\n\n")
        let found = SensitiveDataScanner.scan(joined, location: "body")
        #expect(found == referenceScan(joined, location: "body"))
        #expect(found.count > 20)
    }

    @Test func textsCutAnywhereGiveTheReferenceFindings() throws {
        let texts = try loadLabelledTexts().map(\.text).prefix(40)
        for text in texts {
            let scalars = Array(text.unicodeScalars)
            for cut in stride(from: 0, through: scalars.count, by: 3) {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[cut...])
                let tail = String(view)
                #expect(SensitiveDataScanner.scan(tail, location: "x") == referenceScan(tail, location: "x"), "\(tail)")
            }
        }
    }

    @Test func wordTableFindsExactlyItsWords() {
        var generator = Generator(state: 3)
        let words = Array(Set(Self.lexiconWords.flatMap { $0.split(separator: " ").map { Array($0.utf8) } }))
        let table = WordTable(words)
        let known = Set(words)
        #expect(table.words.count == known.count)
        for word in words {
            let id = word.withUnsafeBufferPointer { table.id(of: $0) }
            #expect(id >= 0 && table.words[Int(id)] == word, "\(String(decoding: word, as: UTF8.self))")
        }
        // Near misses: every word with one byte changed, dropped or added, and random byte strings.
        var probes: [[UInt8]] = []
        for word in words {
            var changed = word
            changed[generator.below(changed.count)] &+= 1
            probes.append(changed)
            probes.append(Array(word.dropLast()))
            probes.append(word + [generator.pick(Array("aeøs1".utf8))])
        }
        for _ in 0..<5000 {
            probes.append((0..<generator.below(20)).map { _ in UInt8(generator.below(256)) })
        }
        for probe in probes {
            let id = probe.withUnsafeBufferPointer { table.id(of: $0) }
            if known.contains(probe) {
                #expect(id >= 0 && table.words[Int(id)] == probe)
            } else {
                #expect(id == -1, "\(probe)")
            }
        }
    }

    @Test func firstDigitAgreesWithAPlainSearch() {
        var generator = Generator(state: 5)
        for _ in 0..<2000 {
            let length = generator.below(70)
            var bytes = (0..<length).map { _ in UInt8(generator.pick(Array("abcæ -./:".utf8))) }
            for _ in 0..<generator.below(3) where length > 0 {
                bytes[generator.below(length)] = UInt8(0x30 + generator.below(10))
            }
            for _ in 0..<generator.below(3) where length > 0 {
                bytes[generator.below(length)] = UInt8(generator.below(256))
            }
            let start = generator.below(length + 1)
            let expected = bytes[start...].firstIndex { (0x30...0x39).contains($0) }
            #expect(bytes.withUnsafeBufferPointer { UTF8Scanning.nextDigit(in: $0, from: start, to: length) } == expected ?? length)
        }
    }
}

private extension String {
    /// Two decimal digits.
    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value % 100)"
    }
}
