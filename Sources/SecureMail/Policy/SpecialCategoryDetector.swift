/// Finds statements about a person that reveal special categories of personal data
/// (GDPR art. 9 and 10), sentence by sentence.
///
/// A sentence yields a category when it holds a category term (`SpecialCategoryLexicon`)
/// and, at most 12 words away, something that ties it to a person: a pronoun or
/// possessive (`jeg`, `min`, `hon`, `his`, capital `I` ...) or a family or role noun
/// (`sønnen`, `kunden`, `patienten` ...). Trade-union names (`3F`, `HK`, `Unionen` ...)
/// also need a word of membership (`medlem`, `member` ...). A sentence that reads as
/// abstract (a privacy policy, a law, a product description, a condition, statistics:
/// "vi behandler", "such as", "kategorier", "hvis", "dækker" ...) yields nothing, even
/// when it addresses the reader as "du" or "your". Confidence is high when the person
/// word is within 6 words of the term, medium otherwise.
///
/// Sentences end at `.`, `!`, `?`, `;`, `•` and blank lines; a full stop after an
/// abbreviation (`f.eks.`, `art.`, `bl.a.`), a single letter or a number does not end one.
struct SpecialCategoryDetector: Sendable {
    static let shared = SpecialCategoryDetector()

    /// A lower-cased word as UTF-8: compared byte-wise, which is exact because both sides
    /// are lower-cased the same way.
    private typealias Word = [UInt8]

    private enum Mode: Sendable { case exact, prefix, suffix, contains }

    private enum Role: Sendable {
        case term(FindingKind)
        case unionName
        case membership
        case anchor
        case suppressor(unlessNext: Set<Word>)
    }

    private struct Pattern: Sendable {
        let words: [Word]
        let mode: Mode
        let lowercaseOnly: Bool
        let role: Role
    }

    private struct Token {
        let word: Word
        let scalarCount: Int
        let start: Int
        let capitalized: Bool
        let isCapitalI: Bool
        let isInsuranceWord: Bool
    }

    /// Patterns whose first word must match whole, keyed by that word.
    private let byFirstWord: [Word: [Pattern]]
    /// Single-word prefix patterns, keyed by their first three bytes (packed, see `head(of:)`).
    private let prefixByHead: [UInt32: [Pattern]]
    /// Single-word suffix and contains patterns (few), tried against every longer word.
    private let inner: [Pattern]
    private let englishFunctionWords: Set<Word>
    private let abbreviations: Set<Word>

    private static let anchorDistance = 12
    private static let closeDistance = 6
    private static let headLength = 3
    /// Compounds with these never count as category terms ("kræftforsikring" is a product).
    private static let insuranceWords: [Word] = ["forsikring", "försäkring", "insurance"].map { Array($0.utf8) }
    private static let her: Word = Array("her".utf8)

    init() {
        var byFirstWord: [Word: [Pattern]] = [:]
        var prefixByHead: [UInt32: [Pattern]] = [:]
        var inner: [Pattern] = []
        func add(_ entry: String, role: Role) {
            var text = Substring(entry)
            var unlessNext: Set<Word> = []
            if let bar = text.firstIndex(of: "|") {
                unlessNext = Set(text[text.index(after: bar)...].split(separator: ",").map { Array($0.utf8) })
                text = text[..<bar]
            }
            var role = role
            if case .suppressor = role { role = .suppressor(unlessNext: unlessNext) }
            var lowercaseOnly = false
            if text.hasPrefix("!") {
                lowercaseOnly = true
                text = text.dropFirst()
            }
            var words = text.split(separator: " ")
            guard var last = words.popLast() else { return }
            let leadingStar = last.hasPrefix("*")
            let trailingStar = last.hasSuffix("*")
            while last.first == "*" { last = last.dropFirst() }
            while last.last == "*" { last = last.dropLast() }
            let mode: Mode = switch (leadingStar, trailingStar) {
            case (true, true): .contains
            case (true, false): .suffix
            case (false, true): .prefix
            case (false, false): .exact
            }
            words.append(last)
            let encoded = words.map { Array($0.utf8) }
            let pattern = Pattern(words: encoded, mode: mode, lowercaseOnly: lowercaseOnly, role: role)
            if encoded.count > 1 || mode == .exact {
                byFirstWord[encoded[0], default: []].append(pattern)
            } else if mode == .prefix, encoded[0].count >= Self.headLength {
                prefixByHead[Self.head(of: encoded[0]), default: []].append(pattern)
            } else {
                inner.append(pattern)
            }
        }
        for (kind, entries) in SpecialCategoryLexicon.terms {
            for entry in entries { add(entry, role: .term(kind)) }
        }
        for entry in SpecialCategoryLexicon.unionNames { add(entry, role: .unionName) }
        for entry in SpecialCategoryLexicon.membershipCues { add(entry, role: .membership) }
        for entry in SpecialCategoryLexicon.anchors { add(entry, role: .anchor) }
        for entry in SpecialCategoryLexicon.suppressors { add(entry, role: .suppressor(unlessNext: [])) }
        self.byFirstWord = byFirstWord
        self.prefixByHead = prefixByHead
        self.inner = inner
        englishFunctionWords = Set(SpecialCategoryLexicon.englishFunctionWords.map { Array($0.utf8) })
        abbreviations = Set(SpecialCategoryLexicon.abbreviations.map { Array($0.utf8) })
    }

    /// One finding per category found in `scalars`: the highest confidence seen, at the
    /// offset of the first sentence that showed it.
    func findings(in scalars: [Unicode.Scalar], location: String) -> [Finding] {
        var found: [Finding] = []
        var tokens: [Token] = []
        var sentenceStart = 0
        var word: Word = []
        var wordScalars = 0
        var wordStart = 0
        var wordCapitalized = false
        var wordIsCapitalI = false
        var newlines = 0

        func endWord() {
            guard !word.isEmpty else { return }
            let insurance = Self.insuranceWords.contains { contains(word, $0) }
            tokens.append(Token(word: word, scalarCount: wordScalars, start: wordStart, capitalized: wordCapitalized,
                                isCapitalI: wordIsCapitalI && wordScalars == 1, isInsuranceWord: insurance))
            word = []
            wordScalars = 0
        }
        func endSentence(next: Int) {
            endWord()
            if !tokens.isEmpty {
                for (kind, confidence) in evaluate(tokens) {
                    if let existing = found.firstIndex(where: { $0.kind == kind }) {
                        if confidence == .high { found[existing].confidence = .high }
                    } else {
                        found.append(Finding(kind: kind, masked: kind.rawValue, location: location,
                                             confidence: confidence, offset: sentenceStart))
                    }
                }
                tokens.removeAll(keepingCapacity: true)
            }
            sentenceStart = next
        }

        for (index, scalar) in scalars.enumerated() {
            if isWordScalar(scalar) {
                if word.isEmpty {
                    wordStart = index
                    wordCapitalized = Latin1Properties.isUppercase(scalar)
                    wordIsCapitalI = scalar == "I"
                }
                UTF8.encode(lowercasedScalar(scalar)) { word.append($0) }
                wordScalars += 1
                newlines = 0
                continue
            }
            endWord()
            switch scalar {
            case "\n":
                newlines += 1
                if newlines >= 2 { endSentence(next: index + 1) }
            case "\r", " ", "\t", "\u{A0}":
                break
            case "!", "?", ";", "•":
                newlines = 0
                endSentence(next: index + 1)
            case ".":
                newlines = 0
                let nextIsSpace = index + 1 >= scalars.count || scalars[index + 1].properties.isWhitespace
                if nextIsSpace && !followsAbbreviation(tokens.last, endingAt: index) {
                    endSentence(next: index + 1)
                }
            default:
                newlines = 0
            }
        }
        endSentence(next: scalars.count)
        return found
    }

    private func followsAbbreviation(_ token: Token?, endingAt index: Int) -> Bool {
        guard let token, token.start + token.scalarCount == index else { return false }
        if token.scalarCount == 1 { return true }
        if token.word.allSatisfy({ (0x30...0x39).contains($0) }) { return true }
        return abbreviations.contains(token.word)
    }

    /// The categories one sentence reveals, with confidence.
    private func evaluate(_ tokens: [Token]) -> [(FindingKind, FindingConfidence)] {
        var terms: [(kind: FindingKind, index: Int)] = []
        var unionNames: [Int] = []
        var anchors: [Int] = []
        var hasMembership = false
        var hasEnglish = false
        var herPositions: [Int] = []

        func consider(_ pattern: Pattern, at index: Int) -> Bool {
            guard matches(pattern, in: tokens, at: index) else { return true }
            switch pattern.role {
            case .term(let kind): terms.append((kind, index))
            case .unionName: unionNames.append(index)
            case .membership: hasMembership = true
            case .anchor: anchors.append(index)
            case .suppressor(let unlessNext):
                let next = index + pattern.words.count
                if next >= tokens.count || !unlessNext.contains(tokens[next].word) { return false }
            }
            return true
        }

        for (index, token) in tokens.enumerated() {
            if token.isCapitalI { anchors.append(index) }
            if token.word == Self.her { herPositions.append(index) }
            if englishFunctionWords.contains(token.word) { hasEnglish = true }
            for pattern in byFirstWord[token.word] ?? [] where !consider(pattern, at: index) { return [] }
            if token.word.count >= Self.headLength {
                for pattern in prefixByHead[Self.head(of: token.word)] ?? []
                where !consider(pattern, at: index) {
                    return []
                }
            }
            if token.word.count > Self.headLength {
                for pattern in inner where !consider(pattern, at: index) { return [] }
            }
        }
        if hasEnglish { anchors.append(contentsOf: herPositions) }
        guard !anchors.isEmpty else { return [] }
        anchors.sort()
        if hasMembership {
            for index in unionNames { terms.append((.tradeUnion, index)) }
        }
        var result: [(FindingKind, FindingConfidence)] = []
        for term in terms {
            let distance = distanceToNearest(term.index, in: anchors)
            guard distance <= Self.anchorDistance else { continue }
            let confidence: FindingConfidence = distance <= Self.closeDistance ? .high : .medium
            if let existing = result.firstIndex(where: { $0.0 == term.kind }) {
                if confidence == .high { result[existing].1 = .high }
            } else {
                result.append((term.kind, confidence))
            }
        }
        return result
    }

    /// The first `headLength` (three) bytes of a word of at least that length, packed into
    /// one integer: a dictionary key that needs no allocation per word scanned.
    private static func head(of word: Word) -> UInt32 {
        UInt32(word[0]) << 16 | UInt32(word[1]) << 8 | UInt32(word[2])
    }

    /// Distance from `index` to the nearest element of the sorted, non-empty `anchors`.
    private func distanceToNearest(_ index: Int, in anchors: [Int]) -> Int {
        var low = 0
        var high = anchors.count
        while low < high {
            let middle = (low + high) / 2
            if anchors[middle] < index { low = middle + 1 } else { high = middle }
        }
        var best = Int.max
        if low < anchors.count { best = anchors[low] - index }
        if low > 0 { best = min(best, index - anchors[low - 1]) }
        return best
    }

    private func matches(_ pattern: Pattern, in tokens: [Token], at index: Int) -> Bool {
        let count = pattern.words.count
        guard index + count <= tokens.count else { return false }
        for offset in 0..<(count - 1) where tokens[index + offset].word != pattern.words[offset] {
            return false
        }
        if pattern.lowercaseOnly, tokens[index].capitalized { return false }
        let token = tokens[index + count - 1]
        let last = pattern.words[count - 1]
        switch pattern.mode {
        case .exact:
            return token.word == last
        case .prefix:
            return !token.isInsuranceWord && token.word.starts(with: last)
        case .suffix:
            return !token.isInsuranceWord && token.word.count >= last.count && token.word.suffix(last.count).elementsEqual(last)
        case .contains:
            return !token.isInsuranceWord && contains(token.word, last)
        }
    }
}

/// True when `needle` occurs in `haystack` (both short words; a plain scan is fastest).
private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
    let first = needle[0]
    var start = 0
    while start + needle.count <= haystack.count {
        if haystack[start] == first {
            var offset = 1
            while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
            if offset == needle.count { return true }
        }
        start += 1
    }
    return false
}

/// Lower-cases one scalar without allocating for the Latin-1 range.
private func lowercasedScalar(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    if scalar.value < 0x100 {
        return Unicode.Scalar(lowercased(scalar)) ?? scalar
    }
    guard scalar.properties.isUppercase else { return scalar }
    let mapping = scalar.properties.lowercaseMapping.unicodeScalars
    guard mapping.count == 1, let lower = mapping.first else { return scalar }
    return lower
}
