/// The line ending used when writing new header fields, bodies and delimiters.
public enum LineEnding: Sendable, Hashable {
    /// `CR LF`, the wire format of RFC 5322 and the canonical form for signing.
    case crlf
    /// A bare `LF`, the local format of Unix mail stores and pipes.
    case lf

    /// The bytes of this line ending.
    public var bytes: [UInt8] { self == .crlf ? [0x0D, 0x0A] : [0x0A] }
}

/// A Content-Transfer-Encoding (RFC 2045 section 6).
public enum TransferEncoding: Sendable, Hashable {
    /// `7bit`: short lines of US-ASCII, no encoding (the default).
    case sevenBit
    /// `8bit`: short lines that may hold 8-bit bytes, no encoding.
    case eightBit
    /// `binary`: any bytes, no encoding.
    case binary
    /// `base64` (RFC 2045 section 6.8).
    case base64
    /// `quoted-printable` (RFC 2045 section 6.7).
    case quotedPrintable
    /// A value this library does not decode (for example `x-uuencode`), lowercased.
    case other(String)

    /// Parses a Content-Transfer-Encoding value; tolerant of case, surrounding space,
    /// quotes and trailing garbage. An empty value means 7bit (the RFC 2045 default).
    public init(headerValue: String) {
        let token = headerValue
            .split(whereSeparator: { $0 == ";" || $0 == " " || $0 == "\t" || $0 == "(" })
            .first
            .map { $0.trimmingCharacters(in: ["\"", "'"]).lowercased() } ?? ""
        switch token {
        case "", "7bit", "7-bit": self = .sevenBit
        case "8bit", "8-bit": self = .eightBit
        case "binary": self = .binary
        case "base64", "base-64": self = .base64
        case "quoted-printable", "quotedprintable", "qp": self = .quotedPrintable
        default: self = .other(token)
        }
    }

    /// The canonical header value, e.g. `quoted-printable`.
    public var headerValue: String {
        switch self {
        case .sevenBit: "7bit"
        case .eightBit: "8bit"
        case .binary: "binary"
        case .base64: "base64"
        case .quotedPrintable: "quoted-printable"
        case .other(let name): name
        }
    }

    /// Removes this transfer encoding. Identity encodings and unknown ones return the bytes unchanged.
    public func decode(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .base64: Base64.decode(bytes)
        case .quotedPrintable: QuotedPrintable.decode(bytes)
        default: bytes
        }
    }

    /// Applies this transfer encoding. 7bit and 8bit normalise line breaks to `lineEnding`;
    /// binary and unknown encodings return the bytes unchanged.
    /// - Parameter isText: for quoted-printable, whether line breaks in `bytes` are text line
    ///   breaks (written as hard breaks) or binary data (written as `=0D=0A`).
    public func encode(_ bytes: [UInt8], lineEnding: LineEnding = .crlf, isText: Bool = true) -> [UInt8] {
        switch self {
        case .base64: Base64.encode(bytes, lineEnding: lineEnding)
        case .quotedPrintable: QuotedPrintable.encode(bytes, lineEnding: lineEnding, isText: isText)
        case .sevenBit, .eightBit: Canonicalization.normalizeLineEndings(bytes, to: lineEnding)
        case .binary, .other: bytes
        }
    }
}

/// Base64 as used in MIME bodies (RFC 2045 section 6.8).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        // base64url letters, seen in the wild from broken encoders.
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Decodes base64, skipping whitespace, padding and any byte outside the alphabet;
    /// a final incomplete group yields the bytes it fully determines.
    public static func decode(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * 3 / 4)
        var accumulator: UInt32 = 0
        var count = 0
        func flushPartial() {
            if count == 2 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
            } else if count == 3 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
            }
            accumulator = 0
            count = 0
        }
        for byte in bytes {
            if byte == UInt8(ascii: "=") {
                // Padding ends a group early; base64 chunks glued together then decode one after another.
                flushPartial()
                continue
            }
            let value = values[Int(byte)]
            if value == 0xFF { continue }
            accumulator = (accumulator << 6) | UInt32(value)
            count += 1
            if count == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                count = 0
            }
        }
        flushPartial()
        return output
    }

    /// Encodes to base64 in lines of at most `lineLength` characters (76 by default), each
    /// ended by `lineEnding`. Pass nil as `lineEnding` for a single unbroken line.
    public static func encode(_ bytes: [UInt8], lineEnding: LineEnding? = .crlf, lineLength: Int = 76) -> [UInt8] {
        var output: [UInt8] = []
        let wrap = max(4, lineLength - lineLength % 4)
        // The exact size: an estimate too small makes a large body's buffer double at the very end.
        let characters = (bytes.count + 2) / 3 * 4
        output.reserveCapacity(characters + (lineEnding.map { (characters + wrap - 1) / wrap * $0.bytes.count } ?? 0))
        var column = 0
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = (b0 << 16) | (b1 << 8) | b2
            output.append(alphabet[Int((group >> 18) & 63)])
            output.append(alphabet[Int((group >> 12) & 63)])
            output.append(remaining > 1 ? alphabet[Int((group >> 6) & 63)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            index += 3
            column += 4
            if let lineEnding, column >= wrap, index < bytes.count {
                output += lineEnding.bytes
                column = 0
            }
        }
        if let lineEnding, !bytes.isEmpty { output += lineEnding.bytes }
        return output
    }
}

/// Quoted-printable (RFC 2045 section 6.7).
public enum QuotedPrintable {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// The value of one hexadecimal digit (either case), nil for anything else.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Decodes quoted-printable tolerantly: soft line breaks (also with whitespace between `=`
    /// and the line end) are removed, invalid escapes are kept literally, and trailing
    /// whitespace before a hard line break (added in transport) is removed. Line endings are kept.
    public static func decode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        var pendingWhitespace: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 {
                pendingWhitespace.append(byte)
                index += 1
                continue
            }
            if byte == 0x0D || byte == 0x0A {
                pendingWhitespace.removeAll()
                output.append(byte)
                index += 1
                continue
            }
            output += pendingWhitespace
            pendingWhitespace.removeAll()
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            if index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            // A soft line break: '=' then optional whitespace then a line end (or the end of input).
            var look = index + 1
            while look < bytes.count, bytes[look] == 0x20 || bytes[look] == 0x09 { look += 1 }
            if look == bytes.count {
                index = look
                continue
            }
            if bytes[look] == 0x0A {
                index = look + 1
                continue
            }
            if bytes[look] == 0x0D {
                index = look + 1
                if index < bytes.count, bytes[index] == 0x0A { index += 1 }
                continue
            }
            output.append(byte)
            index += 1
        }
        output += pendingWhitespace
        return output
    }

    /// Encodes quoted-printable so that the result survives transport and signing unchanged:
    /// lines of at most 76 characters, no trailing whitespace, `From ` and `.` at the start of a
    /// line encoded, every byte outside printable ASCII (and `=`) encoded.
    /// - Parameter isText: when true, LF and CR LF in the input are hard line breaks written as
    ///   `lineEnding`; when false every CR and LF is encoded.
    public static func encode(_ bytes: [UInt8], lineEnding: LineEnding = .crlf, isText: Bool = true) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        var line: [UInt8] = []
        let maxLine = 76

        func flushSoft() {
            output += line
            output.append(UInt8(ascii: "="))
            output += lineEnding.bytes
            line.removeAll(keepingCapacity: true)
        }
        func append(_ piece: [UInt8]) {
            // Keep room for the '=' of a soft break.
            if line.count + piece.count > maxLine - 1 { flushSoft() }
            line += piece
        }
        func escaped(_ byte: UInt8) -> [UInt8] {
            [UInt8(ascii: "="), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
        }

        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isText, byte == 0x0A || (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) {
                output += line
                output += lineEnding.bytes
                line.removeAll(keepingCapacity: true)
                index += byte == 0x0D ? 2 : 1
                continue
            }
            let nextIsLineEnd: Bool = {
                let next = index + 1
                if next >= bytes.count { return true }
                guard isText else { return false }
                return bytes[next] == 0x0A || (bytes[next] == 0x0D && next + 1 < bytes.count && bytes[next + 1] == 0x0A)
            }()
            let atLineStart = line.isEmpty
            let startsFrom = atLineStart && byte == UInt8(ascii: "F") && index + 5 <= bytes.count
                && Array(bytes[index..<index + 5]) == Array("From ".utf8)
            switch byte {
            case 0x20, 0x09:
                // Whitespace at the end of a line, or where a soft break would leave it trailing, is encoded.
                if nextIsLineEnd || line.count + 1 > maxLine - 2 {
                    append(escaped(byte))
                } else {
                    append([byte])
                }
            case UInt8(ascii: "="):
                append(escaped(byte))
            case UInt8(ascii: ".") where atLineStart:
                append(escaped(byte))
            case _ where startsFrom:
                append(escaped(byte))
            case 0x21...0x7E:
                append([byte])
            default:
                append(escaped(byte))
            }
            index += 1
        }
        output += line
        return output
    }
}

/// Line-ending canonicalisation.
public enum Canonicalization {
    /// Converts every bare LF and bare CR to CR LF, leaving existing CR LF pairs alone
    /// (the canonical form that S/MIME signs, RFC 8551 section 3.1.1).
    public static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        normalizeLineEndings(bytes, to: .crlf)
    }

    /// Converts CR LF, bare CR and bare LF to `lineEnding`.
    public static func normalizeLineEndings(_ bytes: [UInt8], to lineEnding: LineEnding) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 32)
        let ending = lineEnding.bytes
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D {
                output += ending
                index += (index + 1 < bytes.count && bytes[index + 1] == 0x0A) ? 2 : 1
            } else if byte == 0x0A {
                output += ending
                index += 1
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }
}
