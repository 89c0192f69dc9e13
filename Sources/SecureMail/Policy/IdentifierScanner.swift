/// Finds Danish, Swedish and Norwegian identity numbers in text in one pass over its
/// UTF-8 bytes, validating each candidate (DESIGN.md §5).
///
/// The pass skips to the next ASCII digit sixteen bytes at a time; only around a digit run
/// is the text decoded into Unicode scalars (`PhraseWindow`: the 49 scalars before it, for
/// the cue words, and the phrase itself), and the rules below run on that window.
///
/// A candidate is a *number phrase*: digit groups joined by single hyphens, plus signs or
/// spaces. The phrase must stand alone: no letter or digit touching it, not introduced by
/// `+` (a phone number), `#` (a reference) or `/` (a path or a date), not joined to other digits by `.`, `,`,
/// `/` or `:` (amounts, dates, account numbers), and every space-separated part must have
/// an identifier's shape. So IBANs, phone numbers grouped in pairs, dates and account
/// numbers never reach the validators.
///
/// The nearest cue word in the 48 scalars before a candidate decides its context: an
/// identity cue (`cpr`, `personnummer`, `fødselsnummer`, `født` ...) raises confidence; a
/// cue for another kind of number (`tlf`, `faktura`, `ordre`, `konto`, `iban`, `cvr` ...)
/// drops the candidate.
///
/// Acceptance rules, chosen for precision:
/// - DK CPR with a separator (`010190-1234`, `010190 1234`): a date valid in the implied
///   century suffices; high confidence with an identity cue or a passing modulus-11 check,
///   medium otherwise.
/// - DK CPR as ten bare digits: only with an identity cue (high with modulus 11, medium
///   without) or, without any cue, when modulus 11 passes (medium). Ten bare digits with
///   no cue that fail modulus 11 are not reported: such runs are far more often order or
///   customer numbers than post-2007 CPR numbers written without a hyphen.
/// - SE personnummer: date (or day − 60) and Luhn must hold; high with an identity cue or
///   in the unambiguous `YYYYMMDD-NNNC` and `+` forms, medium otherwise. When a ten-digit number
///   is valid both as a CPR and as a personnummer, a country-specific cue decides; without
///   one it is Swedish only if Luhn passes and the CPR modulus 11 fails.
/// - NO fødselsnummer (also `DDMMYY IIIKK`): both control digits and the date must hold;
///   high with an identity cue, medium otherwise.
struct IdentifierScanner {
    /// The text: valid UTF-8 (a `String`'s storage), or for ``findings(location:numbersIn:validatingUTF8:)``
    /// a piece of a larger text with the bytes around the numbers it looks at.
    let text: UnsafeBufferPointer<UInt8>

    /// Every validated identifier in the text, in order of appearance; offsets in scalars.
    func findings(location: String) -> [Finding] {
        var offsets = ScalarOffsets(text)
        return findings(location: location, numbersIn: 0..<text.count, validatingUTF8: false, offsets: &offsets) ?? []
    }

    /// The validated identifiers whose numbers start in `range`, with offsets in scalars from
    /// its start, and the number of scalars in `range`; nil when `validatingUTF8` and the range
    /// is not well-formed UTF-8.
    ///
    /// Scanning a large text piece by piece gives the same findings as scanning it whole when
    /// each piece starts and ends between two scalars that are not digits (no number phrase
    /// crosses such a point), starts at least 49 scalars after the text before it in `text`
    /// (the cue words) or at the text's start, and `text` holds at least 16 bytes after it or
    /// ends where the whole text does. The bytes after `range` are never taken for more than
    /// they are: the decoder yields U+FFFD for a malformed sequence.
    func findings(location: String, numbersIn range: Range<Int>, validatingUTF8: Bool) -> (findings: [Finding], scalars: Int)? {
        var offsets = ScalarOffsets(text, from: range.lowerBound)
        guard let found = findings(location: location, numbersIn: range, validatingUTF8: validatingUTF8, offsets: &offsets) else { return nil }
        return (found, offsets.scalars(before: range.upperBound))
    }

    /// The findings of ``findings(location:numbersIn:validatingUTF8:)``, with `offsets` moved on
    /// only as far as the findings (or the validation) needed: a message's text without
    /// identifiers is not counted at all.
    private func findings(location: String, numbersIn range: Range<Int>, validatingUTF8: Bool, offsets: inout ScalarOffsets) -> [Finding]? {
        var found: [Finding] = []
        var window = PhraseWindow()
        var position = range.lowerBound
        while true {
            let digit: Int
            if validatingUTF8 {
                // One pass validates, counts and finds the digit; the count goes on from where the
                // last phrase ended.
                var scalars = 0
                _ = offsets.scalars(before: position)
                digit = UTF8Scanning.nextDigitValidating(in: text, from: position, to: range.upperBound, scalars: &scalars)
                offsets.advance(to: digit, over: scalars)
            } else {
                digit = UTF8Scanning.nextDigit(in: text, from: position, to: range.upperBound)
            }
            guard digit < range.upperBound else { break }
            guard text[digit] &- 0x30 < 10 else { return nil }
            // Every identifier shape has at least ten digits in one unit: a shorter phrase (a
            // date, an amount, a phone number in groups) is passed over without decoding it.
            let (end, digits) = phraseExtent(from: digit)
            guard digits >= 10, !isBareTenDigitsNoValidatorAccepts(digit..<end) else {
                position = end
                continue
            }
            window.load(text, digit: digit)
            let phrase = window.readPhrase(from: window.digitIndex)
            position = window.byteOffsets[phrase.end]
            guard phrase.standsAlone else { continue }
            for unit in window.units {
                guard var finding = window.evaluate(unit, location: location) else { continue }
                finding.offset = offsets.scalars(before: window.byteOffsets[unit.first.start])
                found.append(finding)
            }
        }
        return found
    }

    /// True for a phrase of ten digits and nothing else that no validator accepts. Most long
    /// numbers in text are of this kind (policy, customer and phone numbers), and `evaluate`
    /// would reject the phrase's one unit at its first check, after decoding the window around
    /// it: this is that check on the bytes.
    private func isBareTenDigitsNoValidatorAccepts(_ phrase: Range<Int>) -> Bool {
        guard phrase.count == 10 else { return false }
        // DDMMYY (CPR) and YYMMDD (personnummer) alike: no validator takes a number whose third
        // and fourth digits are no month, and this needs no array of its digits.
        let month = Int(text[phrase.lowerBound + 2] &- 0x30) * 10 + Int(text[phrase.lowerBound + 3] &- 0x30)
        guard BirthDate.isMonth(month) else { return true }
        let values = phrase.map { Int(text[$0] &- 0x30) }
        return !PhraseWindow.passesAValidator(values, shape: .ten, joiner: nil)
    }

    /// Where the number phrase starting at byte `digit` ends (as `PhraseWindow.readPhrase`
    /// reads it: digit runs joined by one hyphen, plus, space or foreign joiner) and how many
    /// digits it holds.
    private func phraseExtent(from digit: Int) -> (end: Int, digits: Int) {
        var position = digit
        var digits = 0
        while true {
            while position < text.count, text[position] &- 0x30 < 10 {
                digits += 1
                position += 1
            }
            guard position < text.count else { break }
            let (joiner, next) = UTF8Scanning.decode(text, at: position)
            guard next < text.count, text[next] &- 0x30 < 10,
                  isHyphen(joiner) || joiner == "+" || isSpace(joiner) || isForeignJoiner(joiner) else { break }
            position = next
        }
        return (position, digits)
    }
}

/// The scalars around one digit run: the two before it and the two after the number phrase,
/// which the phrase rules look at, and the phrase itself. Every index the rules read lies
/// inside, so they see what they would see in the whole text; the cue words before a
/// number are decoded from the text when a validator has accepted it (`context(before:)`).
struct PhraseWindow {
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

    /// Cues by their first scalar (all start with an ASCII letter), in list order: the first
    /// cue that matches wins, and only cues with the right first letter can match.
    private static let cuesByFirstScalar: [[Cue]] = (0..<128).map { value in
        cues.filter { $0.scalars.first == UInt32(value) }
    }

    private static let contextWindow = 48

    private var text = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    /// The decoded scalars, and for each the offset of its first byte in the text (one more
    /// entry: the offset just after the last scalar).
    private(set) var scalars: [Unicode.Scalar] = []
    private(set) var byteOffsets: [Int] = []
    /// The index in `scalars` of the digit the window was loaded for.
    private(set) var digitIndex = 0
    /// The units of the phrase last read (`readPhrase`).
    private(set) var units: [Unit] = []

    /// Decodes the window for the digit at byte `digit`, reusing the arrays' storage.
    mutating func load(_ text: UnsafeBufferPointer<UInt8>, digit: Int) {
        self.text = text
        scalars.removeAll(keepingCapacity: true)
        byteOffsets.removeAll(keepingCapacity: true)
        var start = digit
        var before = 0
        while start > 0, before < 2 {
            start = UTF8Scanning.previousScalarStart(text, before: start)
            before += 1
        }
        var position = start
        func append() {
            let (scalar, next) = UTF8Scanning.decode(text, at: position)
            scalars.append(scalar)
            byteOffsets.append(position)
            position = next
        }
        while position < digit { append() }
        digitIndex = scalars.count
        // The phrase: digit runs joined by one scalar that `readPhrase` may continue over,
        // then the scalar after the phrase and the one after that.
        while position < text.count {
            while position < text.count, text[position] &- 0x30 < 10 { append() }
            guard position < text.count else { break }
            append()
            let joiner = scalars[scalars.count - 1]
            guard position < text.count else { break }
            let next = UTF8Scanning.decode(text, at: position).scalar
            if isDigit(next), isHyphen(joiner) || joiner == "+" || isSpace(joiner) || isForeignJoiner(joiner) { continue }
            append()
            break
        }
        byteOffsets.append(position)
    }

    struct Group {
        let start: Int
        let end: Int
        var length: Int { end - start }
    }

    /// Digit groups joined by hyphens or `+`; a unit is delimited by spaces.
    ///
    /// Only a unit of one or two groups can be an identifier (`Shape`), so the unit keeps its
    /// first two groups, how many it has and its first joiner: a phrase is read for every long
    /// number in a text, and arrays of all the groups and joiners were two allocations each time.
    struct Unit {
        private(set) var groupCount = 0
        private(set) var first = Group(start: 0, end: 0)
        private(set) var second = Group(start: 0, end: 0)
        private(set) var firstJoiner: Unicode.Scalar?

        init() {}

        /// Two groups read as one unit across a space (`DDMMYY SSSS`).
        init(_ first: Group, _ second: Group, joiner: Unicode.Scalar) {
            groupCount = 2
            self.first = first
            self.second = second
            firstJoiner = joiner
        }

        mutating func append(_ group: Group) {
            switch groupCount {
            case 0: first = group
            case 1: second = group
            default: break
            }
            groupCount += 1
        }

        mutating func appendJoiner(_ joiner: Unicode.Scalar) {
            if firstJoiner == nil { firstJoiner = joiner }
        }
    }

    /// Where a phrase ends and whether it stands alone; its units are left in ``units``.
    struct Phrase {
        var end: Int
        var standsAlone: Bool
    }

    /// Reads the phrase starting at scalar `start` into ``units``, reusing the array's storage.
    mutating func readPhrase(from start: Int) -> Phrase {
        let count = scalars.count
        var standsAlone = true
        if start > 0 {
            let previous = scalars[start - 1]
            if isWordScalar(previous) || previous == "+" || previous == "#" || previous == "/" { standsAlone = false }
            if start > 1, isDigit(scalars[start - 2]), isForeignJoiner(previous) || isHyphen(previous) {
                standsAlone = false
            }
        }
        units.removeAll(keepingCapacity: true)
        var unit = Unit()
        var position = start
        while true {
            let groupStart = position
            while position < count, isDigit(scalars[position]) { position += 1 }
            unit.append(Group(start: groupStart, end: position))
            guard position + 1 < count, isDigit(scalars[position + 1]) else { break }
            let joiner = scalars[position]
            if isHyphen(joiner) || joiner == "+" {
                unit.appendJoiner(joiner == "+" ? "+" : "-")
            } else if isSpace(joiner) {
                units.append(unit)
                unit = Unit()
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
            if units.count == 2, units[0].groupCount == 1, units[1].groupCount == 1,
               units[0].first.length == 6, (4...5).contains(units[1].first.length) {
                let merged = Unit(units[0].first, units[1].first, joiner: " ")
                units.removeAll(keepingCapacity: true)
                units.append(merged)
            } else if !units.allSatisfy({ shape(of: $0) != nil }) {
                standsAlone = false
            }
        }
        return Phrase(end: position, standsAlone: standsAlone)
    }

    /// The digit groups an identifier can have, by their lengths: `DDMMYY-SSSS` and ten digits
    /// (CPR, personnummer), `YYYYMMDD-SSSS` and twelve (personnummer), eleven and `DDMMYY IIIKK`
    /// (fødselsnummer). An enumeration, not an array of lengths: a unit's shape is asked for
    /// every number phrase, and each array (and each array literal a `switch` compares with) is
    /// an allocation.
    enum Shape {
        case sixFour, ten, eightFour, twelve, eleven, sixFive
    }

    private func shape(of unit: Unit) -> Shape? {
        switch unit.groupCount {
        case 1:
            switch unit.first.length {
            case 10: return .ten
            case 12: return .twelve
            case 11: return .eleven
            default: return nil
            }
        case 2:
            switch (unit.first.length, unit.second.length) {
            case (6, 4): return .sixFour
            case (6, 5): return .sixFive
            case (8, 4): return .eightFour
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The digits of a unit of an identifier's shape (one or two groups).
    private func digits(of unit: Unit) -> [Int] {
        var values: [Int] = []
        values.reserveCapacity(12)
        func append(_ group: Group) {
            for position in group.start..<group.end {
                values.append(Int(scalars[position].value) - 0x30)
            }
        }
        append(unit.first)
        if unit.groupCount > 1 { append(unit.second) }
        return values
    }

    /// The finding for one unit, with `offset` in window scalars (the caller converts it).
    func evaluate(_ unit: Unit, location: String) -> Finding? {
        guard let shape = shape(of: unit) else { return nil }
        let start = unit.first.start
        let joiner = unit.firstJoiner
        // The checks below all fail for a number no validator accepts, whatever its context:
        // reading the context (decoding the text before it) only for numbers that pass one
        // gives the same result at a fraction of the cost.
        let values = digits(of: unit)
        guard Self.passesAValidator(values, shape: shape, joiner: joiner) else { return nil }
        let context = self.context(before: start)
        if case .otherNumber = context { return nil }
        var cueCountry: Country?
        var hasIdentityCue = false
        if case .identity(let country) = context {
            hasIdentityCue = true
            cueCountry = country
        }

        switch shape {
        case .sixFour, .ten:
            let separated = shape == .sixFour
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
            let masked = Self.decimal(values.prefix(6)) + (centenarian ? "+XXXX" : "-XXXX")
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
        case .eightFour, .twelve:
            guard joiner != " ", SwedishPersonnummer.validate(values: values, centenarian: false) != nil else { return nil }
            let masked = Self.decimal(values.prefix(8)) + "-XXXX"
            let confidence: FindingConfidence = hasIdentityCue || joiner == "-" ? .high : .medium
            return Finding(kind: .swedishPersonnummer, masked: masked, location: location, confidence: confidence, offset: start)
        case .eleven, .sixFive:
            guard NorwegianFodselsnummer.validate(values: values) != nil else { return nil }
            let masked = Self.decimal(values.prefix(6)) + "XXXXX"
            return Finding(kind: .norwegianFodselsnummer, masked: masked, location: location,
                           confidence: hasIdentityCue ? .high : .medium, offset: start)
        }
    }

    /// The digits as text, in one allocation (a masked form is made for every finding).
    private static func decimal(_ digits: ArraySlice<Int>) -> String {
        String(unsafeUninitializedCapacity: digits.count) { buffer in
            for (index, digit) in digits.enumerated() { buffer[index] = UInt8(0x30 + digit) }
            return digits.count
        }
    }

    /// True when the validator `evaluate` applies to a unit of `shape` (its groups joined by
    /// `joiner`) accepts its digits.
    static func passesAValidator(_ values: [Int], shape: Shape, joiner: Unicode.Scalar?) -> Bool {
        switch shape {
        case .sixFour, .ten:
            let centenarian = joiner == "+"
            return (!centenarian && DanishCPR.validate(values: values) != nil)
                || (joiner != " " && SwedishPersonnummer.validate(values: values, centenarian: centenarian) != nil)
        case .eightFour, .twelve:
            return joiner != " " && SwedishPersonnummer.validate(values: values, centenarian: false) != nil
        case .eleven, .sixFive:
            return NorwegianFodselsnummer.validate(values: values) != nil
        }
    }

    /// The nearest cue word before the scalar at `start`, looking back at most `contextWindow`
    /// scalars in the text (decoded here: the window itself starts just before the phrase).
    private func context(before start: Int) -> Context {
        let end = byteOffsets[start]
        var first = end
        var count = 0
        while first > 0, count <= Self.contextWindow {
            first = UTF8Scanning.previousScalarStart(text, before: first)
            count += 1
        }
        return withUnsafeTemporaryAllocation(of: Unicode.Scalar.self, capacity: count) { preceding in
            var decoded = 0
            var position = first
            // Malformed bytes may decode into more scalars than were counted back over; such a
            // text is rejected by its validation, and its context only has to stay in bounds.
            while position < end, decoded < count {
                let (scalar, next) = UTF8Scanning.decode(text, at: position)
                preceding.initializeElement(at: decoded, to: scalar)
                decoded += 1
                position = next
            }
            return Self.context(in: UnsafeBufferPointer(rebasing: preceding[..<decoded]), before: decoded)
        }
    }

    /// The nearest cue word before `start` in `scalars`, which hold at least the
    /// `contextWindow` + 1 scalars before it or begin at the start of the text.
    private static func context(in scalars: UnsafeBufferPointer<Unicode.Scalar>, before start: Int) -> Context {
        let lowest = max(0, start - contextWindow)
        var position = start - 1
        while position >= lowest {
            if position == 0 || !isWordScalar(scalars[position - 1]) {
                let first = lowercased(scalars[position])
                if first < 128 {
                    for cue in cuesByFirstScalar[Int(first)] where matches(cue.scalars, in: scalars, at: position, limit: start) {
                        return cue.context
                    }
                }
            }
            position -= 1
        }
        return .none
    }

    private static func matches(_ word: [UInt32], in scalars: UnsafeBufferPointer<Unicode.Scalar>, at position: Int, limit: Int) -> Bool {
        guard position + word.count <= limit else { return false }
        for offset in word.indices where lowercased(scalars[position + offset]) != word[offset] {
            return false
        }
        return true
    }
}

func isDigit(_ scalar: Unicode.Scalar) -> Bool {
    (0x30...0x39).contains(scalar.value)
}

/// True for letters and digits of any script: what may not touch an identifier or start a cue word.
func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 {
        return (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) || (0x30...0x39).contains(value)
    }
    if value < 0x100 { return Latin1Properties.isWordScalar[Int(value)] }
    return isWordScalarByProperties(scalar)
}

private func isWordScalarByProperties(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isAlphabetic || scalar.properties.numericType != nil
}

/// Unicode properties of the 256 Latin-1 scalars, computed once from the same definitions:
/// Danish, Swedish and Norwegian letters (æ, ø, å, ä, ö) would otherwise cost a Unicode
/// property lookup each, the largest cost of scanning Nordic text.
enum Latin1Properties {
    static let isWordScalar: [Bool] = (0..<256).map { value in
        Unicode.Scalar(UInt32(value)).map(isWordScalarByProperties) ?? false
    }
    static let isUppercase: [Bool] = (0..<256).map { value in
        Unicode.Scalar(UInt32(value)).map(\.properties.isUppercase) ?? false
    }

    /// `scalar.properties.isUppercase`, from the table for Latin-1.
    static func isUppercase(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x100 ? isUppercase[Int(scalar.value)] : scalar.properties.isUppercase
    }
}

/// Lower-cases ASCII and Latin-1 capitals (enough for cue words in the Nordic languages).
func lowercased(_ scalar: Unicode.Scalar) -> UInt32 {
    let value = scalar.value
    if (0x41...0x5A).contains(value) || ((0xC0...0xDE).contains(value) && value != 0xD7) {
        return value + 0x20
    }
    return value
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
