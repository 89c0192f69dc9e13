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

    private enum Mode: Sendable { case exact, prefix, suffix, contains }

    private enum Role: Sendable {
        case term(FindingKind)
        case unionName
        case membership
        case anchor
        case suppressor(unlessNext: Set<String>)
    }

    private struct Pattern: Sendable {
        let words: [String]
        let mode: Mode
        let lowercaseOnly: Bool
        let role: Role
    }

    private struct Token {
        let text: String
        let start: Int
        let capitalized: Bool
        let isCapitalI: Bool
    }

    /// Patterns whose first word must match whole, keyed by that word.
    private let byFirstWord: [String: [Pattern]]
    /// Single-word prefix patterns, keyed by their first three scalars.
    private let prefixByHead: [String: [Pattern]]
    /// Single-word suffix and contains patterns (few), tried against every word.
    private let inner: [Pattern]

    private static let anchorDistance = 12
    private static let closeDistance = 6
    private static let insuranceWords = ["forsikring", "försäkring", "insurance"]

    init() {
        var byFirstWord: [String: [Pattern]] = [:]
        var prefixByHead: [String: [Pattern]] = [:]
        var inner: [Pattern] = []
        func add(_ entry: String, role: Role) {
            var text = Substring(entry)
            var unlessNext: Set<String> = []
            if let bar = text.firstIndex(of: "|") {
                unlessNext = Set(text[text.index(after: bar)...].split(separator: ",").map(String.init))
                text = text[..<bar]
            }
            var role = role
            if case .suppressor = role { role = .suppressor(unlessNext: unlessNext) }
            var lowercaseOnly = false
            if text.hasPrefix("!") {
                lowercaseOnly = true
                text = text.dropFirst()
            }
            var words = text.split(separator: " ").map(String.init)
            guard var last = words.popLast() else { return }
            let leadingStar = last.hasPrefix("*")
            let trailingStar = last.hasSuffix("*")
            last = last.trimmingCharacters(of: "*")
            let mode: Mode = switch (leadingStar, trailingStar) {
            case (true, true): .contains
            case (true, false): .suffix
            case (false, true): .prefix
            case (false, false): .exact
            }
            words.append(last)
            let pattern = Pattern(words: words, mode: mode, lowercaseOnly: lowercaseOnly, role: role)
            if words.count > 1 || mode == .exact {
                byFirstWord[words[0], default: []].append(pattern)
            } else if mode == .prefix, last.unicodeScalars.count >= 3 {
                prefixByHead[String(String.UnicodeScalarView(last.unicodeScalars.prefix(3))), default: []].append(pattern)
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
    }

    /// One finding per category found in `scalars`: the highest confidence seen, at the
    /// offset of the first sentence that showed it.
    func findings(in scalars: [Unicode.Scalar], location: String) -> [Finding] {
        var found: [Finding] = []
        var tokens: [Token] = []
        var sentenceStart = 0
        var word = String.UnicodeScalarView()
        var wordStart = 0
        var wordCapitalized = false
        var wordIsCapitalI = false
        var newlines = 0

        func endWord() {
            guard !word.isEmpty else { return }
            tokens.append(Token(text: String(word), start: wordStart, capitalized: wordCapitalized,
                                isCapitalI: wordIsCapitalI && word.count == 1))
            word = String.UnicodeScalarView()
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
                    wordCapitalized = scalar.properties.isUppercase
                    wordIsCapitalI = scalar == "I"
                }
                word.append(lowercasedScalar(scalar))
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
        guard let token, token.start + token.text.unicodeScalars.count == index else { return false }
        if token.text.unicodeScalars.count == 1 { return true }
        if token.text.unicodeScalars.allSatisfy(isDigit) { return true }
        return SpecialCategoryLexicon.abbreviations.contains(token.text)
    }

    /// The categories one sentence reveals, with confidence.
    private func evaluate(_ tokens: [Token]) -> [(FindingKind, FindingConfidence)] {
        var terms: [(kind: FindingKind, index: Int)] = []
        var unionNames: [Int] = []
        var anchors: [Int] = []
        var hasMembership = false
        var hasEnglish = false
        var herPositions: [Int] = []

        for (index, token) in tokens.enumerated() {
            if token.isCapitalI { anchors.append(index) }
            if token.text == "her" { herPositions.append(index) }
            if SpecialCategoryLexicon.englishFunctionWords.contains(token.text) { hasEnglish = true }
            for pattern in candidates(for: token) where matches(pattern, in: tokens, at: index) {
                switch pattern.role {
                case .term(let kind): terms.append((kind, index))
                case .unionName: unionNames.append(index)
                case .membership: hasMembership = true
                case .anchor: anchors.append(index)
                case .suppressor(let unlessNext):
                    let next = index + pattern.words.count
                    if next >= tokens.count || !unlessNext.contains(tokens[next].text) { return [] }
                }
            }
        }
        if hasEnglish { anchors.append(contentsOf: herPositions) }
        guard !anchors.isEmpty else { return [] }
        if hasMembership {
            for index in unionNames { terms.append((.tradeUnion, index)) }
        }
        var result: [(FindingKind, FindingConfidence)] = []
        for term in terms {
            let distance = anchors.map { abs($0 - term.index) }.min() ?? Int.max
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

    private func candidates(for token: Token) -> [Pattern] {
        var list = byFirstWord[token.text] ?? []
        let scalars = token.text.unicodeScalars
        if scalars.count >= 3 {
            list += prefixByHead[String(String.UnicodeScalarView(scalars.prefix(3)))] ?? []
        }
        if scalars.count >= 4 { list += inner }
        return list
    }

    private func matches(_ pattern: Pattern, in tokens: [Token], at index: Int) -> Bool {
        let count = pattern.words.count
        guard index + count <= tokens.count else { return false }
        for offset in 0..<(count - 1) where tokens[index + offset].text != pattern.words[offset] {
            return false
        }
        let token = tokens[index + count - 1]
        if pattern.lowercaseOnly, tokens[index].capitalized { return false }
        let last = pattern.words[count - 1]
        switch pattern.mode {
        case .exact:
            return token.text == last
        case .prefix, .suffix, .contains:
            if Self.insuranceWords.contains(where: { token.text.contains($0) }) { return false }
            switch pattern.mode {
            case .prefix: return token.text.hasPrefix(last)
            case .suffix: return token.text.hasSuffix(last)
            default: return token.text.contains(last)
            }
        }
    }
}

/// Lower-cases one scalar without allocating for the Latin-1 range.
private func lowercasedScalar(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    if scalar.value < 0x100 {
        return Unicode.Scalar(lowercased(scalar)) ?? scalar
    }
    guard scalar.properties.isUppercase, let lower = scalar.properties.lowercaseMapping.unicodeScalars.first,
          scalar.properties.lowercaseMapping.unicodeScalars.count == 1
    else { return scalar }
    return lower
}

private extension String {
    func trimmingCharacters(of character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
