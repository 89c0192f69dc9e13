import Foundation
import Testing
@testable import SecureMail

// Check digits of the numbers below were computed by Fixtures/Policy/generate_dlp_labelled.py.

@Test func cprCenturyFollowsTheSeventhDigit() throws {
    #expect(try #require(DanishCPR.validate("0101901009")).birthDate == BirthDate(year: 1990, month: 1, day: 1))
    #expect(try #require(DanishCPR.validate("0102034007")).birthDate.year == 2003)      // 4, YY ≤ 36
    #expect(try #require(DanishCPR.validate("2802479000")).birthDate.year == 1947)      // 9, YY > 36
    #expect(try #require(DanishCPR.validate("0102374000")).birthDate.year == 1937)      // 4, YY = 37
    #expect(try #require(DanishCPR.validate("0101575000")).birthDate.year == 2057)      // 5, YY ≤ 57
    #expect(try #require(DanishCPR.validate("1708705000")).birthDate.year == 1870)      // 5, YY > 57
    #expect(try #require(DanishCPR.validate("0101588000")).birthDate.year == 1858)      // 8, YY = 58
    #expect(try #require(DanishCPR.validate("0101363000")).birthDate.year == 1936)      // 3 → 1900s
}

@Test func cprDatesMustExist() {
    #expect(DanishCPR.validate("2902004001") != nil)   // 2000 is a leap year
    #expect(DanishCPR.validate("2902002001") == nil)   // 1900 is not
    #expect(DanishCPR.validate("2902014000") == nil)   // 2001 is not
    #expect(DanishCPR.validate("2902964000") != nil)   // 4 with YY 96 → 1996, a leap year
    #expect(DanishCPR.validate("2902605000") != nil)   // 5 with YY 60 → 1860, a leap year
    #expect(DanishCPR.validate("3201901234") == nil)
    #expect(DanishCPR.validate("3111901234") == nil)
    #expect(DanishCPR.validate("0013901234") == nil)
    #expect(DanishCPR.validate("0001901234") == nil)
}

@Test func cprModulus11IsOnlyASignal() throws {
    #expect(try #require(DanishCPR.validate("0101901009")).passesModulus11)
    #expect(try #require(DanishCPR.validate("0101902000")).passesModulus11 == false)
}

@Test func cprRejectsMalformedInput() {
    #expect(DanishCPR.validate("010190-1009") == nil)
    #expect(DanishCPR.validate("010190100") == nil)
    #expect(DanishCPR.validate("01019010090") == nil)
    #expect(DanishCPR.validate("") == nil)
    #expect(DanishCPR.validate("０１０１９０１００９") == nil)
}

@Test func swedishFormsAndLuhn() throws {
    #expect(SwedishPersonnummer.validate("850709-1232") != nil)
    #expect(SwedishPersonnummer.validate("8507091232") != nil)
    #expect(SwedishPersonnummer.validate("198507091232") != nil)
    #expect(SwedishPersonnummer.validate("19850709-1232") != nil)
    #expect(SwedishPersonnummer.validate("850709-1233") == nil)          // Luhn
    #expect(SwedishPersonnummer.validate("17850709-1232") == nil)        // century 17
    #expect(SwedishPersonnummer.validate("8507-091232") == nil)          // separator misplaced
    #expect(SwedishPersonnummer.validate("19850709+1232") == nil)        // + only in the 10-digit form
    let full = try #require(SwedishPersonnummer.validate("199101019876"))
    #expect(full.year == 1991 && full.yearHasCentury && full.month == 1 && full.day == 1)
}

@Test func swedishCoordinationAndCentenarians() throws {
    let coordination = try #require(SwedishPersonnummer.validate("850769-1239"))
    #expect(coordination.isCoordinationNumber && coordination.day == 9)
    let old = try #require(SwedishPersonnummer.validate("121212+1238"))
    #expect(old.isCentenarianForm && !old.yearHasCentury && old.year == 12)
    #expect(SwedishPersonnummer.validate("850792-1230") == nil)          // day 92 - 60 = 32
}

@Test func swedishLeapDays() {
    #expect(SwedishPersonnummer.validate("640229-1238") != nil)
    #expect(SwedishPersonnummer.validate("000229-1235") != nil)          // '-' form: 2000
    #expect(SwedishPersonnummer.validate("000229+1235") == nil)          // '+' form: 1900
    #expect(SwedishPersonnummer.validate("650229-1237") == nil)
}

@Test func norwegianControlDigitsAndVariants() throws {
    let plain = try #require(NorwegianFodselsnummer.validate("01019010046"))
    #expect(plain.variant == .fodselsnummer && plain.birthDate == BirthDate(year: 1990, month: 1, day: 1))
    #expect(NorwegianFodselsnummer.validate("01019010047") == nil)       // second control digit
    #expect(NorwegianFodselsnummer.validate("01019010146") == nil)       // first control digit
    let dNumber = try #require(NorwegianFodselsnummer.validate("45057510084"))
    #expect(dNumber.variant == .dNummer && dNumber.birthDate == BirthDate(year: 1975, month: 5, day: 5))
    let hNumber = try #require(NorwegianFodselsnummer.validate("15457510044"))
    #expect(hNumber.variant == .hNummer && hNumber.birthDate == BirthDate(year: 1975, month: 5, day: 15))
    #expect(NorwegianFodselsnummer.validate("12345678901") == nil)
    #expect(NorwegianFodselsnummer.validate("0101901004") == nil)
}

@Test func norwegianCenturiesFromIndividualNumbers() throws {
    #expect(try #require(NorwegianFodselsnummer.validate("01010550048")).birthDate.year == 2005)
    #expect(try #require(NorwegianFodselsnummer.validate("29020050088")).birthDate.year == 2000)
    #expect(try #require(NorwegianFodselsnummer.validate("31125090187")).birthDate.year == 1950)
    #expect(try #require(NorwegianFodselsnummer.validate("24129925031")).birthDate.year == 1999)
    #expect(NorwegianFodselsnummer.validate(norwegian("010150", individual: 800)) == nil)  // 750-899, YY ≥ 40
    #expect(try #require(NorwegianFodselsnummer.validate(norwegian("010160", individual: 600))).birthDate.year == 1860)
    #expect(NorwegianFodselsnummer.validate(norwegian("290200", individual: 100)) == nil)  // 1900 not leap
}

/// A Norwegian number with correct control digits for `date` and the first individual
/// number from `individual` upwards that has them.
private func norwegian(_ date: String, individual: Int) -> String {
    let first = [3, 7, 6, 1, 8, 9, 4, 5, 2]
    let second = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    for candidate in individual..<(individual + 50) {
        let digits = (date + String(format: "%03d", candidate)).compactMap(\.wholeNumberValue)
        let k1 = (11 - zip(digits, first).reduce(0) { $0 + $1.0 * $1.1 } % 11) % 11
        guard k1 != 10 else { continue }
        let k2 = (11 - zip(digits + [k1], second).reduce(0) { $0 + $1.0 * $1.1 } % 11) % 11
        guard k2 != 10 else { continue }
        return date + String(format: "%03d", candidate) + "\(k1)\(k2)"
    }
    return ""
}
