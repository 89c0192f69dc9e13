import Foundation
import Testing
@testable import SecureMail

/// The report's timestamps: computed from the day number, they must read as Foundation's
/// ISO 8601 formatter writes them, and parse back. (Before the Gregorian reform of 1582
/// Foundation switches to the Julian calendar, RFC 3339 does not: those years are left out.)
@Suite struct ISO8601Tests {
    static let interestingDates: [TimeInterval] = [
        0, -1, 86_399, 86_400, -86_400, 951_782_400, 951_868_799, 4_107_542_400, 1_795_262_400, 1_796_400_000.75,
        -2_208_988_800, 253_402_300_799, 68_256_000, -12_212_553_600,
    ]

    @Test func formatsAsFoundationDoes() {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<2_000).map { _ in TimeInterval(Int64.random(in: -12_212_553_600...253_402_300_799, using: &generator)) }
        for seconds in Self.interestingDates + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(ISO8601.format(date) == date.formatted(.iso8601), "\(seconds)")
        }
    }

    @Test func formattedTimesParseBack() throws {
        for seconds in Self.interestingDates {
            let date = Date(timeIntervalSince1970: seconds.rounded(.down))
            #expect(ISO8601.parse(ISO8601.format(date)) == date)
        }
        #expect(ISO8601.format(Date(timeIntervalSince1970: 1_796_400_000)) == "2026-12-04T16:00:00Z")
    }
}
