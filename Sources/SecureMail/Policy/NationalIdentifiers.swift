/// A calendar date (proleptic Gregorian), as encoded in a national identity number.
public struct BirthDate: Sendable, Codable, Hashable {
    /// Full year, e.g. 1990.
    public var year: Int
    /// Month, 1-12.
    public var month: Int
    /// Day of month, 1-31.
    public var day: Int

    /// Creates a date without checking it; see `BirthDate.isValid`.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// True when the date exists (29 February only in leap years).
    public var isValid: Bool {
        guard Self.isMonth(month), day >= 1 else { return false }
        return day <= Self.daysIn(month: month, leapYear: Self.isLeap(year))
    }

    /// True for 1 to 12. Every identifier's date has its month in the same two digits (the
    /// third and fourth of DDMMYY and YYMMDD alike), so this alone rejects most long numbers.
    static func isMonth(_ month: Int) -> Bool {
        (1...12).contains(month)
    }

    static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysIn(month: Int, leapYear: Bool) -> Int {
        switch month {
        case 2: leapYear ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Structural validation of Danish CPR numbers (DESIGN.md §5).
public enum DanishCPR {
    /// What a structurally valid CPR number tells.
    public struct Validation: Sendable, Hashable {
        /// The birth date, with the century implied by the seventh digit.
        public var birthDate: BirthDate
        /// Whether the old modulus-11 check (weights 4,3,2,7,6,5,4,3,2,1) passes. Numbers
        /// issued since 2007 need not pass it, so this is a confidence signal only.
        public var passesModulus11: Bool
    }

    /// Validates ten digits `DDMMYYSSSS` (separators removed). Nil when there are not
    /// exactly ten ASCII digits or the date does not exist in the century the seventh
    /// digit implies: 0-3 → 1900s; 4 and 9 → 2000-2036 if YY ≤ 36 else 1937-1999;
    /// 5-8 → 2000-2057 if YY ≤ 57 else 1858-1899.
    public static func validate(_ digits: String) -> Validation? {
        guard let values = asciiDigits(digits), values.count == 10 else { return nil }
        return validate(values: values)
    }

    static func validate(values d: [Int]) -> Validation? {
        guard d.count == 10 else { return nil }
        let day = d[0] * 10 + d[1]
        let month = d[2] * 10 + d[3]
        let yy = d[4] * 10 + d[5]
        let century: Int
        switch d[6] {
        case 0...3: century = 1900
        case 4, 9: century = yy <= 36 ? 2000 : 1900
        default: century = yy <= 57 ? 2000 : 1800
        }
        let date = BirthDate(year: century + yy, month: month, day: day)
        guard date.isValid else { return nil }
        let weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
        let sum = zip(d, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return Validation(birthDate: date, passesModulus11: sum % 11 == 0)
    }
}

/// Structural validation of Swedish personnummer and samordningsnummer (DESIGN.md §5).
public enum SwedishPersonnummer {
    /// What a valid number tells.
    public struct Validation: Sendable, Hashable {
        /// Month and day of birth, and the year: four digits for the 12-digit forms, two
        /// digits (0-99) for the 10-digit forms, whose century depends on the reading date.
        public var year: Int
        /// True when the year above has four digits.
        public var yearHasCentury: Bool
        /// Month, 1-12.
        public var month: Int
        /// Day of birth (the samordningsnummer's +60 removed).
        public var day: Int
        /// True for a samordningsnummer (coordination number: day + 60).
        public var isCoordinationNumber: Bool
        /// True for the `+` form, which marks a person aged 100 or more.
        public var isCentenarianForm: Bool
    }

    /// Validates `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`, `YYYYMMDDNNNC` or
    /// `YYYYMMDD-NNNC`: the date (day or day − 60) must exist and the Luhn check digit
    /// over the ten-digit form must match. Nil otherwise.
    public static func validate(_ text: String) -> Validation? {
        var values: [Int] = []
        var separator: (character: Character, position: Int)?
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                values.append(digit)
            } else if character == "-" || character == "+", separator == nil {
                separator = (character, values.count)
            } else {
                return nil
            }
        }
        if let separator {
            let wellPlaced = (separator.position == 6 && values.count == 10)
                || (separator.position == 8 && values.count == 12 && separator.character == "-")
            guard wellPlaced else { return nil }
        }
        return validate(values: values, centenarian: separator?.character == "+")
    }

    static func validate(values: [Int], centenarian: Bool) -> Validation? {
        let short: ArraySlice<Int>
        var fullYear: Int?
        switch values.count {
        case 10:
            short = values[...]
        case 12:
            let century = values[0] * 10 + values[1]
            guard (18...20).contains(century) else { return nil }
            fullYear = century * 100 + values[2] * 10 + values[3]
            short = values[2...]
        default:
            return nil
        }
        let d = Array(short)
        let yy = d[0] * 10 + d[1]
        let month = d[2] * 10 + d[3]
        var day = d[4] * 10 + d[5]
        let coordination = day > 60
        if coordination { day -= 60 }
        guard BirthDate.isMonth(month), day >= 1 else { return nil }
        let leap: Bool
        if let fullYear {
            leap = BirthDate.isLeap(fullYear)
        } else {
            // YY = 00 is 2000 (leap) for the '-' form and 1900 (not leap) for the '+' form;
            // any other YY divisible by 4 is a leap year in both candidate centuries.
            leap = yy % 4 == 0 && !(yy == 0 && centenarian)
        }
        guard day <= BirthDate.daysIn(month: month, leapYear: leap) else { return nil }
        guard luhnIsValid(d) else { return nil }
        return Validation(year: fullYear ?? yy, yearHasCentury: fullYear != nil, month: month, day: day,
                          isCoordinationNumber: coordination, isCentenarianForm: centenarian)
    }

    static func luhnIsValid(_ digits: [Int]) -> Bool {
        var sum = 0
        for (index, digit) in digits.enumerated() {
            let weighted = index % 2 == 0 ? digit * 2 : digit
            sum += weighted > 9 ? weighted - 9 : weighted
        }
        return sum % 10 == 0
    }
}

/// Structural validation of Norwegian fødselsnummer, D-nummer and H-nummer (DESIGN.md §5).
public enum NorwegianFodselsnummer {
    /// Which kind of Norwegian identity number.
    public enum Variant: String, Sendable, Hashable {
        /// Ordinary fødselsnummer.
        case fodselsnummer
        /// D-nummer (day + 40), for people temporarily in Norway.
        case dNummer = "d-nummer"
        /// H-nummer (month + 40), an auxiliary number used in health care.
        case hNummer = "h-nummer"
    }

    /// What a valid number tells.
    public struct Validation: Sendable, Hashable {
        /// The birth date, century taken from the individual number.
        public var birthDate: BirthDate
        /// Fødselsnummer, D-nummer or H-nummer.
        public var variant: Variant
    }

    /// Validates eleven digits `DDMMYYIIIKK`: both modulus-11 control digits, the century
    /// from the individual number III (000-499 → 1900s; 500-749 with YY ≥ 54 → 1800s;
    /// 500-999 with YY ≤ 39 → 2000s; 900-999 with YY ≥ 40 → 1900s), and the date.
    /// Nil otherwise. (Numbers issued from 2032 with the new control-digit scheme are not
    /// recognised.)
    public static func validate(_ digits: String) -> Validation? {
        guard let values = asciiDigits(digits), values.count == 11 else { return nil }
        return validate(values: values)
    }

    static func validate(values d: [Int]) -> Validation? {
        guard d.count == 11 else { return nil }
        let first = [3, 7, 6, 1, 8, 9, 4, 5, 2]
        let second = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        guard let k1 = controlDigit(d[0..<9], weights: first), k1 == d[9],
              let k2 = controlDigit(d[0..<10], weights: second), k2 == d[10]
        else { return nil }
        var day = d[0] * 10 + d[1]
        var month = d[2] * 10 + d[3]
        var variant = Variant.fodselsnummer
        if day > 40 {
            day -= 40
            variant = .dNummer
        } else if month > 40 {
            month -= 40
            variant = .hNummer
        }
        let yy = d[4] * 10 + d[5]
        let individual = d[6] * 100 + d[7] * 10 + d[8]
        let century: Int
        switch individual {
        case 0...499: century = 1900
        case 500...749 where yy >= 54: century = 1800
        case 500...999 where yy <= 39: century = 2000
        case 900...999 where yy >= 40: century = 1900
        default: return nil
        }
        let date = BirthDate(year: century + yy, month: month, day: day)
        guard date.isValid else { return nil }
        return Validation(birthDate: date, variant: variant)
    }

    private static func controlDigit(_ digits: ArraySlice<Int>, weights: [Int]) -> Int? {
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let remainder = 11 - sum % 11
        switch remainder {
        case 11: return 0
        case 10: return nil
        default: return remainder
        }
    }
}

/// The values of `text` when it consists of ASCII digits only.
private func asciiDigits(_ text: String) -> [Int]? {
    var values: [Int] = []
    values.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
        guard (0x30...0x39).contains(byte) else { return nil }
        values.append(Int(byte - 0x30))
    }
    return values
}
