@testable import SecureMail

// The detectors as they were before they read UTF-8 bytes: the straightforward definition,
// over an array of Unicode scalars, kept here so that tests can compare the fast detectors
// with it on many inputs (DetectorEquivalenceTests). Not used by the product.

/// The straightforward `SensitiveDataScanner.scan`.
func referenceScan(_ text: String, location: String) -> [Finding] {
    let scalars = Array(text.unicodeScalars)
    return ReferenceIdentifierScanner(scalars: scalars).findings(location: location)
        + ReferenceSpecialCategoryDetector.shared.findings(in: scalars, location: location)
}

struct ReferenceIdentifierScanner {
    private enum Country { case denmark, sweden, norway }
    private enum Context {
        case none
        case identity(Country?)
        case otherNumber
    }

    private struct Cue {
        let scalars: [UInt32]
        let context: Context
        init(_ text: String, _ context: Context) {
            scalars = text.unicodeScalars.map(\.value)
            self.context = context
        }
    }

    private static let cues: [Cue] = {
        let identity: [(String, Country?)] = [
            ("cpr", .denmark), ("c.p.r", .denmark), ("personnummer", nil), ("personnr", nil), ("pers.nr", nil),
            ("person nr", nil), ("person-nr", nil), ("pnr", nil), ("p-nr", nil), ("fødselsdato", nil), ("født", nil),
            ("foedselsdato", nil), ("personnumret", .sweden), ("samordningsnummer", .sweden), ("samordningsnr", .sweden),
            ("född", .sweden), ("personbevis", .sweden), ("fødselsnummer", .norway), ("fødselsnr", .norway),
            ("fnr", .norway), ("f.nr", .norway), ("d-nummer", .norway), ("d-nr", .norway), ("h-nummer", .norway),
            ("social security", nil), ("ssn", nil), ("national id", nil), ("civil registration", nil),
            ("personal identity number", nil), ("personal id", nil), ("identity number", nil), ("id-nummer", nil),
            ("id nummer", nil), ("date of birth", nil), ("dob", nil), ("born", nil),
        ]
        let otherNumber = [
            "tlf", "tel", "telefon", "phone", "mobil", "mob.", "fax", "sms", "ring", "call",
            "faktura", "fakt.", "invoice", "inv.", "ordre", "order", "bestilling", "booking", "kvittering", "receipt",
            "konto", "account", "acct", "reg.", "regnr", "reg nr", "registreringsnummer", "iban", "bic", "swift",
            "bankgiro", "plusgiro", "bg", "pg", "cvr", "se-nr", "orgnr", "org.nr", "org nr", "organisationsnummer",
            "organisasjonsnummer", "organisationsnr", "momsnr", "vat", "police", "policy", "polise", "forsikringsnummer",
            "försäkringsnummer", "skadenummer", "skadenr", "skade nr", "sagsnr", "sagsnummer", "sag nr", "ärendenummer",
            "saksnummer", "saksnr", "journalnr", "journalnummer", "kundenr", "kundenummer", "kunde nr", "kundnummer",
            "customer no", "customer number", "customer id", "reference", "ref.", "ref:", "ref ", "ref nr", "referencenummer",
            "referansenummer", "referensnummer", "ocr", "kid", "betalingsid", "bilag", "voucher", "ticket", "tracking",
            "pakkenummer", "kolli", "serienummer", "serial", "imei", "varenr", "varenummer", "artikelnummer", "ean",
            "isbn", "batch", "lot", "pin", "kode", "code", "password", "adgangskode",
        ]
        return identity.map { Cue($0.0, .identity($0.1)) } + otherNumber.map { Cue($0, .otherNumber) }
    }()

    private static let contextWindow = 48

    let scalars: [Unicode.Scalar]

    /// Every validated identifier in `scalars`, in order of appearance.
    func findings(location: String) -> [Finding] {
        var found: [Finding] = []
        var index = 0
        let count = scalars.count
        while index < count {
            guard isDigit(scalars[index]) else { index += 1; continue }
            let phrase = readPhrase(from: index)
            index = phrase.end
            guard phrase.standsAlone else { continue }
            for unit in phrase.units {
                if let finding = evaluate(unit, location: location) { found.append(finding) }
            }
        }
        return found
    }

    private struct Group {
        let start: Int
        let end: Int
        var length: Int { end - start }
    }

    /// Digit groups joined by hyphens or `+`; a unit is delimited by spaces.
    private struct Unit {
        var groups: [Group]
        var joiners: [Unicode.Scalar]
    }

    private struct Phrase {
        var units: [Unit]
        var end: Int
        var standsAlone: Bool
    }

    private func readPhrase(from start: Int) -> Phrase {
        let count = scalars.count
        var standsAlone = true
        if start > 0 {
            let previous = scalars[start - 1]
            if isWordScalar(previous) || previous == "+" || previous == "#" || previous == "/" { standsAlone = false }
            if start > 1, isDigit(scalars[start - 2]), isForeignJoiner(previous) || isHyphen(previous) {
                standsAlone = false
            }
        }
        var units: [Unit] = []
        var unit = Unit(groups: [], joiners: [])
        var position = start
        while true {
            let groupStart = position
            while position < count, isDigit(scalars[position]) { position += 1 }
            unit.groups.append(Group(start: groupStart, end: position))
            guard position + 1 < count, isDigit(scalars[position + 1]) else { break }
            let joiner = scalars[position]
            if isHyphen(joiner) || joiner == "+" {
                unit.joiners.append(joiner == "+" ? "+" : "-")
            } else if isSpace(joiner) {
                units.append(unit)
                unit = Unit(groups: [], joiners: [])
            } else if isForeignJoiner(joiner) {
                standsAlone = false
            } else {
                break
            }
            position += 1
        }
        units.append(unit)
        if position < count, isWordScalar(scalars[position]) { standsAlone = false }
        if position + 1 < count, isForeignJoiner(scalars[position]) || isHyphen(scalars[position]),
           isDigit(scalars[position + 1]) {
            standsAlone = false
        }
        if units.count > 1 {
            if units.count == 2, units[0].groups.count == 1, units[1].groups.count == 1,
               units[0].groups[0].length == 6, [4, 5].contains(units[1].groups[0].length) {
                let merged = Unit(groups: [units[0].groups[0], units[1].groups[0]], joiners: [" "])
                units = [merged]
            } else if !units.allSatisfy(hasIdentifierShape) {
                standsAlone = false
            }
        }
        return Phrase(units: units, end: position, standsAlone: standsAlone)
    }

    private func hasIdentifierShape(_ unit: Unit) -> Bool {
        let lengths = unit.groups.map(\.length)
        return [[6, 4], [10], [8, 4], [12], [11], [6, 5]].contains(lengths)
    }

    private func digits(of unit: Unit) -> [Int] {
        var values: [Int] = []
        values.reserveCapacity(12)
        for group in unit.groups {
            for position in group.start..<group.end {
                values.append(Int(scalars[position].value) - 0x30)
            }
        }
        return values
    }

    private func evaluate(_ unit: Unit, location: String) -> Finding? {
        let lengths = unit.groups.map(\.length)
        guard hasIdentifierShape(unit), let start = unit.groups.first?.start else { return nil }
        let joiner = unit.joiners.first
        let context = self.context(before: start)
        if case .otherNumber = context { return nil }
        var cueCountry: Country?
        var hasIdentityCue = false
        if case .identity(let country) = context {
            hasIdentityCue = true
            cueCountry = country
        }
        let values = digits(of: unit)
        let prefix = values.prefix(lengths.first ?? 0).map(String.init).joined()

        switch lengths {
        case [6, 4], [10]:
            let separated = lengths == [6, 4]
            let centenarian = joiner == "+"
            let danish = centenarian ? nil : DanishCPR.validate(values: values)
            let swedish = joiner == " " ? nil : SwedishPersonnummer.validate(values: values, centenarian: centenarian)
            var country: Country?
            switch (danish, swedish) {
            case (nil, nil): return nil
            case (.some, nil): country = .denmark
            case (nil, .some): country = .sweden
            case (.some(let cpr), .some):
                if cueCountry == .denmark || cueCountry == .sweden {
                    country = cueCountry
                } else {
                    country = cpr.passesModulus11 ? .denmark : .sweden
                }
            }
            let masked = "\(prefix.prefix(6))\(centenarian ? "+" : "-")XXXX"
            if country == .denmark, let cpr = danish {
                let confidence: FindingConfidence
                if separated {
                    confidence = hasIdentityCue || cpr.passesModulus11 ? .high : .medium
                } else if hasIdentityCue {
                    confidence = cpr.passesModulus11 ? .high : .medium
                } else if cpr.passesModulus11 {
                    confidence = .medium
                } else {
                    return nil
                }
                return Finding(kind: .danishCPR, masked: masked, location: location, confidence: confidence, offset: start)
            }
            guard swedish != nil else { return nil }
            let confidence: FindingConfidence = hasIdentityCue || centenarian ? .high : .medium
            return Finding(kind: .swedishPersonnummer, masked: masked, location: location, confidence: confidence, offset: start)
        case [8, 4], [12]:
            guard joiner != " ", SwedishPersonnummer.validate(values: values, centenarian: false) != nil else { return nil }
            let masked = "\(values.prefix(8).map(String.init).joined())-XXXX"
            let confidence: FindingConfidence = hasIdentityCue || joiner == "-" ? .high : .medium
            return Finding(kind: .swedishPersonnummer, masked: masked, location: location, confidence: confidence, offset: start)
        case [11], [6, 5]:
            guard NorwegianFodselsnummer.validate(values: values) != nil else { return nil }
            let masked = "\(values.prefix(6).map(String.init).joined())XXXXX"
            return Finding(kind: .norwegianFodselsnummer, masked: masked, location: location,
                           confidence: hasIdentityCue ? .high : .medium, offset: start)
        default:
            return nil
        }
    }

    /// The nearest cue word before `start`, looking back at most `contextWindow` scalars.
    private func context(before start: Int) -> Context {
        let lowest = max(0, start - Self.contextWindow)
        var position = start - 1
        while position >= lowest {
            if position == 0 || !isWordScalar(scalars[position - 1]) {
                for cue in Self.cues where matches(cue.scalars, at: position, limit: start) {
                    return cue.context
                }
            }
            position -= 1
        }
        return .none
    }

    private func matches(_ word: [UInt32], at position: Int, limit: Int) -> Bool {
        guard position + word.count <= limit else { return false }
        for offset in word.indices where lowercased(scalars[position + offset]) != word[offset] {
            return false
        }
        return true
    }
}


private func isHyphen(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x2D, 0x2010, 0x2011, 0x2012, 0x2013: true
    default: false
    }
}

private func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x20, 0xA0, 0x2009, 0x202F: true
    default: false
    }
}

private func isForeignJoiner(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case ".", ",", "/", ":", "_", "=": true
    default: false
    }
}

struct ReferenceSpecialCategoryDetector: Sendable {
    static let shared = ReferenceSpecialCategoryDetector()

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
            let insurance = Self.insuranceWords.contains { referenceContains(word, $0) }
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
                UTF8.encode(referenceLowercasedScalar(scalar)) { word.append($0) }
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
            return !token.isInsuranceWord && referenceContains(token.word, last)
        }
    }
}

/// True when `needle` occurs in `haystack` (both short words; a plain scan is fastest).
private func referenceContains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
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
private func referenceLowercasedScalar(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    if scalar.value < 0x100 {
        return Unicode.Scalar(lowercased(scalar)) ?? scalar
    }
    guard scalar.properties.isUppercase else { return scalar }
    let mapping = scalar.properties.lowercaseMapping.unicodeScalars
    guard mapping.count == 1, let lower = mapping.first else { return scalar }
    return lower
}
