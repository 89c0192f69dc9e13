import Foundation

/// Converts bytes in a named MIME charset to a `String`.
///
/// The single-byte charsets that mail relies on most (US-ASCII, ISO-8859-1, ISO-8859-15,
/// Windows-1252) use tables in this file, because Foundation on Linux does not map them
/// consistently (Windows-1252 0x80-0x9F in particular). Other charsets go to Foundation
/// where it is known to convert them.
public enum Charsets {
    /// Decodes `bytes` in `charset` (an IANA name or common alias, case-insensitive).
    ///
    /// Returns nil when the charset is unknown. Known charsets never fail:
    /// invalid UTF-8 is repaired with U+FFFD, and `us-ascii` text that carries 8-bit bytes
    /// (a common mislabel) is read as UTF-8 when valid, else as Windows-1252.
    public static func decode(_ bytes: [UInt8], charset: String) -> String? {
        guard let known = KnownCharset(name: charset) else { return nil }
        return known.decode(bytes)
    }

    /// Whether `charset` names a charset that `decode(_:charset:)` understands.
    public static func isSupported(_ charset: String) -> Bool {
        KnownCharset(name: charset) != nil
    }

    /// Decodes as UTF-8 when the bytes are valid UTF-8, otherwise as Windows-1252,
    /// which is what undeclared 8-bit mail text nearly always is.
    public static func decodeBestEffort(_ bytes: [UInt8]) -> String {
        if let text = String(validatingUTF8Bytes: bytes) { return text }
        return decodeSingleByte(bytes, table: windows1252High)
    }

    static func decodeSingleByte(_ bytes: [UInt8], table: [UInt16]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let code: UInt32 = byte < 0x80 ? UInt32(byte) : UInt32(table[Int(byte) - 0x80])
            scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// Code points for bytes 0x80-0xFF in ISO-8859-1.
    static let latin1High: [UInt16] = (0x80...0xFF).map { UInt16($0) }

    /// Code points for bytes 0x80-0xFF in ISO-8859-15 (Latin-9), which differs from Latin-1 in eight places.
    static let latin9High: [UInt16] = {
        var table = latin1High
        let changes: [(Int, UInt16)] = [
            (0xA4, 0x20AC), (0xA6, 0x0160), (0xA8, 0x0161), (0xB4, 0x017D),
            (0xB8, 0x017E), (0xBC, 0x0152), (0xBD, 0x0153), (0xBE, 0x0178),
        ]
        for (byte, scalar) in changes { table[byte - 0x80] = scalar }
        return table
    }()

    /// Code points for bytes 0x80-0xFF in Windows-1252; the five unassigned bytes map to
    /// the C1 control with the same value, as the WHATWG Encoding Standard does.
    static let windows1252High: [UInt16] = {
        var table = latin1High
        let low: [UInt16] = [
            0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
            0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
        ]
        for (index, scalar) in low.enumerated() { table[index] = scalar }
        return table
    }()
}

extension String {
    /// Strict UTF-8 decoding: nil when the bytes are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        self = text
    }

    /// UTF-8 when valid, Latin-1 otherwise: every byte sequence gives a string.
    init(utf8OrLatin1 bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        if let text = String(validatingUTF8Bytes: array) {
            self = text
        } else {
            self = Charsets.decodeSingleByte(array, table: Charsets.latin1High)
        }
    }
}

private enum KnownCharset {
    case utf8, usASCII, latin1, latin9, windows1252
    case foundation(String.Encoding)

    init?(name rawName: String) {
        var name = rawName.trimmingSpace().lowercased()
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast())
        }
        // RFC 2231 allows a language suffix on charsets in encoded words: "utf-8*da".
        if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }
        switch name {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": self = .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "cp367", "ibm367", "iso-ir-6", "646":
            self = .usASCII
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "iso-ir-100", "cp819", "ibm819",
            "iso_8859-1:1987", "8859-1", "iso88591":
            self = .latin1
        case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9", "iso885915",
            "latin0", "csisolatin9":
            self = .latin9
        case "windows-1252", "cp1252", "x-cp1252", "win-1252", "ms-ansi", "windows1252", "cp-1252":
            self = .windows1252
        case "utf-16", "utf16": self = .foundation(.utf16)
        case "utf-16le": self = .foundation(.utf16LittleEndian)
        case "utf-16be": self = .foundation(.utf16BigEndian)
        case "utf-32", "utf32": self = .foundation(.utf32)
        case "utf-32le": self = .foundation(.utf32LittleEndian)
        case "utf-32be": self = .foundation(.utf32BigEndian)
        case "iso-8859-2", "iso8859-2", "iso_8859-2", "latin2", "latin-2", "l2": self = .foundation(.isoLatin2)
        case "windows-1250", "cp1250": self = .foundation(.windowsCP1250)
        case "windows-1251", "cp1251": self = .foundation(.windowsCP1251)
        case "windows-1253", "cp1253": self = .foundation(.windowsCP1253)
        case "windows-1254", "cp1254": self = .foundation(.windowsCP1254)
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "cp932", "windows-31j": self = .foundation(.shiftJIS)
        case "euc-jp", "eucjp", "x-euc-jp": self = .foundation(.japaneseEUC)
        case "iso-2022-jp", "csiso2022jp": self = .foundation(.iso2022JP)
        case "macintosh", "mac", "x-mac-roman", "macroman": self = .foundation(.macOSRoman)
        default: return nil
        }
    }

    func decode(_ bytes: [UInt8]) -> String {
        switch self {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .usASCII:
            if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
            return Charsets.decodeBestEffort(bytes)
        case .latin1:
            return Charsets.decodeSingleByte(bytes, table: Charsets.latin1High)
        case .latin9:
            return Charsets.decodeSingleByte(bytes, table: Charsets.latin9High)
        case .windows1252:
            return Charsets.decodeSingleByte(bytes, table: Charsets.windows1252High)
        case .foundation(let encoding):
            if let text = String(data: Data(bytes), encoding: encoding) { return text }
            return Charsets.decodeBestEffort(bytes)
        }
    }
}
