import CTextScan

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
            .map { token in token.trimmed { $0 == "\"" || $0 == "'" }.lowercased() } ?? ""
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
        if let decoded = bytes.withContiguousStorageIfAvailable(decode(buffer:)) { return decoded }
        return Array(bytes).withUnsafeBufferPointer(decode(buffer:))
    }

    /// Decodes `bytes` in their own storage, which then holds the decoded bytes (its pages past
    /// them given back to the system): a large encrypted body becomes its DER without a second
    /// buffer of its size.
    public static func decodeInPlace(_ bytes: inout [UInt8]) {
        let count = bytes.withUnsafeMutableBufferPointer { buffer in
            decode(UnsafeBufferPointer(buffer), into: buffer)
        }
        bytes.removeSubrange(count...)
        LargeBuffers.releaseUnusedCapacity(of: &bytes)
    }

    /// Writes straight into an array of the largest size the input can give: bodies are
    /// decoded once per message and part, and appending byte by byte was a measurable share
    /// of processing a message.
    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { output, initialized in
            LargeBuffers.adviseHugePages(UnsafeMutableRawBufferPointer(output))
            initialized = decode(input, into: output)
        }
    }

    /// Decodes `input` into `output` (at least `input.count / 4 * 3 + 3` bytes) and returns how
    /// many bytes it wrote. `output` may start where `input` does: every group of three bytes is
    /// written after the four characters it comes from were read, so writing never overtakes
    /// reading. Whole blocks of 32 alphabet bytes, the common case between line breaks, are decoded
    /// with vector instructions where the processor has them; whole groups of four take the next
    /// fast path: one load per group and counters kept in registers.
    private static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        values.withUnsafeBufferPointer { table in
            guard let source = input.baseAddress, let target = output.baseAddress, let value = table.baseAddress else { return 0 }
            var written = 0
            var accumulator: UInt32 = 0
            var pending = 0
            var index = 0
            while index < input.count {
                if pending == 0 {
                    var read = index
                    var wrote = written
                    securemail_base64_decode_blocks(source, input.count, &read, target, &wrote)
                    while read &+ 4 <= input.count {
                        let characters = UInt32(littleEndian: UnsafeRawPointer(source + read).loadUnaligned(as: UInt32.self))
                        let a = value[Int(characters & 0xFF)], b = value[Int(characters >> 8 & 0xFF)]
                        let c = value[Int(characters >> 16 & 0xFF)], d = value[Int(characters >> 24)]
                        guard (a | b | c | d) < 64 else { break }
                        let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                        target[wrote] = UInt8(truncatingIfNeeded: group >> 16)
                        target[wrote &+ 1] = UInt8(truncatingIfNeeded: group >> 8)
                        target[wrote &+ 2] = UInt8(truncatingIfNeeded: group)
                        read &+= 4
                        wrote &+= 3
                    }
                    index = read
                    written = wrote
                    if index == input.count { break }
                }
                let byte = source[index]
                index += 1
                if byte == UInt8(ascii: "=") {
                    // Padding ends a group early; base64 chunks glued together then decode one after another.
                    written += partialGroup(accumulator, pending: pending, to: target + written)
                    accumulator = 0
                    pending = 0
                    continue
                }
                let sextet = value[Int(byte)]
                if sextet == 0xFF { continue }
                accumulator = (accumulator << 6) | UInt32(sextet)
                pending += 1
                if pending == 4 {
                    target[written] = UInt8(truncatingIfNeeded: accumulator >> 16)
                    target[written + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                    target[written + 2] = UInt8(truncatingIfNeeded: accumulator)
                    written += 3
                    accumulator = 0
                    pending = 0
                }
            }
            return written + partialGroup(accumulator, pending: pending, to: target + written)
        }
    }

    /// Writes the bytes an incomplete group of `pending` sextets fully determines; returns how many.
    private static func partialGroup(_ accumulator: UInt32, pending: Int, to target: UnsafeMutablePointer<UInt8>) -> Int {
        switch pending {
        case 2:
            target[0] = UInt8(truncatingIfNeeded: accumulator >> 4)
            return 1
        case 3:
            target[0] = UInt8(truncatingIfNeeded: accumulator >> 10)
            target[1] = UInt8(truncatingIfNeeded: accumulator >> 2)
            return 2
        default:
            return 0
        }
    }

    /// Encodes to base64 in lines of at most `lineLength` characters (76 by default), each
    /// ended by `lineEnding`. Pass nil as `lineEnding` for a single unbroken line.
    public static func encode(_ bytes: [UInt8], lineEnding: LineEnding? = .crlf, lineLength: Int = 76) -> [UInt8] {
        var encoder = LineEncoder(lineEnding: lineEnding, lineLength: lineLength)
        var output: [UInt8] = []
        LargeBuffers.reserveCapacity(&output, encoder.encodedLength(of: bytes.count))
        bytes.withUnsafeBytes { encoder.append($0, to: &output) }
        encoder.finish(to: &output)
        return output
    }

    /// Base64 written piece by piece: the input may arrive in pieces of any size (the bytes of a
    /// CMS structure as OpenSSL streams it out), and the output is the same as ``encode(_:lineEnding:lineLength:)``
    /// of the whole input, so that a large body is encoded straight into the message it ends.
    public struct LineEncoder: Sendable {
        private let lineEnding: [UInt8]
        /// Characters per line, a multiple of 4 (at least 4); `Int.max` for one unbroken line.
        private let charactersPerLine: Int
        /// Input bytes not yet encoded, because they did not make a whole 3-byte group.
        private var carried: (UInt8, UInt8) = (0, 0)
        private var carriedCount = 0
        private var column = 0
        private var wroteAny = false

        /// An encoder of lines of at most `lineLength` characters ended by `lineEnding` (nil:
        /// one unbroken line).
        public init(lineEnding: LineEnding? = .crlf, lineLength: Int = 76) {
            self.lineEnding = lineEnding?.bytes ?? []
            charactersPerLine = lineEnding == nil ? Int.max : max(4, lineLength - lineLength % 4)
        }

        /// The exact length of the encoding of `count` bytes, line endings included.
        public func encodedLength(of count: Int) -> Int {
            let characters = (count + 2) / 3 * 4
            guard !lineEnding.isEmpty, characters > 0 else { return characters }
            return characters + (characters + charactersPerLine - 1) / charactersPerLine * lineEnding.count
        }

        /// Encodes `bytes` onto the end of `output`; up to two bytes wait for the next piece.
        public mutating func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
            guard var input = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else { return }
            var remaining = bytes.count
            if carriedCount > 0 {
                // Complete the carried group first; the rest of the input is then group-aligned.
                var group: [UInt8] = carriedCount == 1 ? [carried.0] : [carried.0, carried.1]
                while group.count < 3, remaining > 0 {
                    group.append(input.pointee)
                    input += 1
                    remaining -= 1
                }
                carriedCount = 0
                guard group.count == 3 else {
                    carry(group[...])
                    return
                }
                group.withUnsafeBufferPointer { encodeGroups($0.baseAddress!, groups: 1, to: &output) }
            }
            let groups = remaining / 3
            if groups > 0 { encodeGroups(input, groups: groups, to: &output) }
            carry(UnsafeBufferPointer(start: input + groups * 3, count: remaining - groups * 3)[...])
        }

        /// Encodes what is carried, with `=` padding, and ends the last line.
        public mutating func finish(to output: inout [UInt8]) {
            if carriedCount > 0 {
                let b0 = UInt32(carried.0), b1 = carriedCount > 1 ? UInt32(carried.1) : 0
                let group = b0 << 16 | b1 << 8
                startLineIfFull(&output)
                output.append(alphabet[Int(group >> 18)])
                output.append(alphabet[Int(group >> 12 & 63)])
                output.append(carriedCount > 1 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
                output.append(UInt8(ascii: "="))
                column += 4
                wroteAny = true
                carriedCount = 0
            }
            if wroteAny { output += lineEnding }
            column = 0
            wroteAny = false
        }

        private mutating func carry(_ bytes: some Collection<UInt8>) {
            var iterator = bytes.makeIterator()
            if let first = iterator.next() {
                carried.0 = first
                carriedCount = 1
                if let second = iterator.next() {
                    carried.1 = second
                    carriedCount = 2
                }
            }
        }

        /// A line ending is written before the group that would overflow a line, not after the
        /// last one, so that the final line ending is `finish`'s alone.
        private mutating func startLineIfFull(_ output: inout [UInt8]) {
            if column >= charactersPerLine {
                output += lineEnding
                column = 0
            }
        }

        private mutating func encodeGroups(_ input: UnsafePointer<UInt8>, groups: Int, to output: inout [UInt8]) {
            let start = output.count
            let characters = groups * 4
            let breaks = lineEnding.isEmpty ? 0 : (column + characters - 1) / charactersPerLine
            output.append(contentsOf: repeatElement(0, count: characters + breaks * lineEnding.count))
            var column = self.column
            let perLine = charactersPerLine
            let ending = lineEnding
            output.withUnsafeMutableBufferPointer { buffer in
                var out = buffer.baseAddress! + start
                var index = 0
                var groupsLeft = groups
                while groupsLeft > 0 {
                    if column >= perLine {
                        for byte in ending {
                            out.pointee = byte
                            out += 1
                        }
                        column = 0
                    }
                    let run = min(groupsLeft, (perLine - column) / 4)
                    securemail_base64_encode_groups(input + index, run, out)
                    out += run * 4
                    index += run * 3
                    column += run * 4
                    groupsLeft -= run
                }
            }
            self.column = column
            wroteAny = true
        }
    }
}

/// Quoted-printable (RFC 2045 section 6.7).
public enum QuotedPrintable {
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
        LargeBuffers.reserveCapacity(&output, bytes.count)
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

    /// The bytes of `chunk` (least significant first) that cannot be written as they are in the
    /// middle of a line: the high bit of each byte outside printable ASCII and space, or `=`.
    /// Exact up to the first such byte; bits above it may be set for bytes that are fine.
    @inline(__always)
    static func bytesToEscape(_ chunk: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highBits }
        let belowSpace = (chunk &- 0x20 &* ones) & ~chunk & highBits
        return chunk & highBits | belowSpace | zeroBytes(chunk ^ (0x7F &* ones)) | zeroBytes(chunk ^ (UInt64(UInt8(ascii: "=")) &* ones))
    }

    /// Encodes quoted-printable so that the result survives transport and signing unchanged:
    /// lines of at most 76 characters, no trailing whitespace, `From ` and `.` at the start of a
    /// line encoded, every byte outside printable ASCII (and `=`) encoded.
    /// - Parameter isText: when true, LF and CR LF in the input are hard line breaks written as
    ///   `lineEnding`; when false every CR and LF is encoded.
    public static func encode(_ bytes: [UInt8], lineEnding: LineEnding = .crlf, isText: Bool = true) -> [UInt8] {
        let maxLine = 76
        let ending = lineEnding.bytes
        // Every byte becomes at most three, and a soft break (at most three bytes) follows at
        // least 72 of them: the result is written into one array of that size, without a line
        // buffer, because this runs for every byte of every 8-bit text part that is signed.
        let capacity = bytes.count * 3 + (bytes.count * 3 / 72 + 1) * 3 + 8
        return bytes.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                LargeBuffers.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
                var written = 0
                var column = 0
                func put(_ byte: UInt8) {
                    buffer[written] = byte
                    written += 1
                }
                func breakLine() {
                    for byte in ending { put(byte) }
                    column = 0
                }
                func isLineEnd(at index: Int) -> Bool {
                    input[index] == 0x0A || (input[index] == 0x0D && index + 1 < input.count && input[index + 1] == 0x0A)
                }
                func endsLine(at index: Int) -> Bool {
                    index == input.count || (isText && isLineEnd(at: index))
                }
                func startsFromLine(at index: Int) -> Bool {
                    index + 5 <= input.count && input[index + 1] == UInt8(ascii: "r") && input[index + 2] == UInt8(ascii: "o")
                        && input[index + 3] == UInt8(ascii: "m") && input[index + 4] == 0x20
                }
                /// A line may not start with `.` or `From ` (transports alter those), whether a
                /// hard or a soft break came before.
                func mustBeEscapedAtLineStart(_ byte: UInt8, at index: Int) -> Bool {
                    byte == UInt8(ascii: ".") || (byte == UInt8(ascii: "F") && startsFromLine(at: index))
                }
                func escaped(_ byte: UInt8) {
                    if column + 3 > maxLine - 1 {
                        put(UInt8(ascii: "="))
                        breakLine()
                    }
                    put(UInt8(ascii: "="))
                    put(hexDigit(byte >> 4))
                    put(hexDigit(byte & 0x0F))
                    column += 3
                }
                // Keep room for the '=' of a soft break.
                func literal(_ byte: UInt8, at index: Int) {
                    if column + 1 > maxLine - 1 {
                        put(UInt8(ascii: "="))
                        breakLine()
                        if mustBeEscapedAtLineStart(byte, at: index) { return escaped(byte) }
                    }
                    put(byte)
                    column += 1
                }
                var index = 0
                while index < input.count {
                    let byte = input[index]
                    if isText, isLineEnd(at: index) {
                        breakLine()
                        index += byte == 0x0D ? 2 : 1
                        continue
                    }
                    // Most text is a run of bytes written as they are: copied in one loop up to
                    // where the line must break, rather than decided one call at a time.
                    if column > 0 || !mustBeEscapedAtLineStart(byte, at: index) {
                        // Locals, not the captured counters, so that the loop stays in registers.
                        let runOutput = buffer.baseAddress! + written
                        var runEnd = index
                        var runColumn = column
                        var runWritten = 0
                        let count = input.count
                        let inputBase = input.baseAddress!
                        while runEnd < count {
                            // Up to eight literal bytes at a time while the line has room for all
                            // of them and a soft break; the last may not be a space that ends the line.
                            if runEnd + 8 <= count, runColumn + 8 <= maxLine - 2 {
                                let raw = UnsafeRawPointer(inputBase + runEnd).loadUnaligned(as: UInt64.self)
                                let chunk = UInt64(littleEndian: raw)
                                let escapes = Self.bytesToEscape(chunk)
                                var literal = escapes == 0 ? 8 : escapes.trailingZeroBitCount / 8
                                if literal > 0, chunk >> UInt64(8 * (literal - 1)) & 0xFF == 0x20, endsLine(at: runEnd + literal) {
                                    literal -= 1
                                }
                                if literal > 0 {
                                    UnsafeMutableRawPointer(runOutput + runWritten).storeBytes(of: raw, as: UInt64.self)
                                    runWritten += literal
                                    runEnd += literal
                                    runColumn += literal
                                    continue
                                }
                            }
                            let next = input[runEnd]
                            if next >= 0x21 && next <= 0x7E && next != UInt8(ascii: "=") {
                                guard runColumn < maxLine - 1 else { break }
                                runOutput[runWritten] = next
                                runWritten += 1
                            } else if next == 0x20 || next == 0x09 {
                                // Whitespace stays literal only where it cannot end up at a line's end.
                                if runColumn + 1 > maxLine - 2 || endsLine(at: runEnd + 1) { break }
                                runOutput[runWritten] = next
                                runWritten += 1
                            } else if next != 0x0A && next != 0x0D {
                                // Escaped in the run too (8-bit text is mostly letters), while it fits the line.
                                guard runColumn + 3 <= maxLine - 1 else { break }
                                runOutput[runWritten] = UInt8(ascii: "=")
                                runOutput[runWritten + 1] = hexDigit(next >> 4)
                                runOutput[runWritten + 2] = hexDigit(next & 0x0F)
                                runWritten += 3
                                runColumn += 2
                            } else {
                                break
                            }
                            runEnd += 1
                            runColumn += 1
                        }
                        if runEnd > index {
                            written += runWritten
                            column = runColumn
                            index = runEnd
                            continue
                        }
                    }
                    switch byte {
                    case 0x20, 0x09:
                        // Whitespace at the end of a line, or where a soft break would leave it trailing, is encoded.
                        if endsLine(at: index + 1) || column + 1 > maxLine - 2 { escaped(byte) } else { literal(byte, at: index) }
                    case UInt8(ascii: "="):
                        escaped(byte)
                    case _ where column == 0 && mustBeEscapedAtLineStart(byte, at: index):
                        escaped(byte)
                    case 0x21...0x7E:
                        literal(byte, at: index)
                    default:
                        escaped(byte)
                    }
                    index += 1
                }
                initialized = written
            }
        }
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
        LargeBuffers.reserveCapacity(&output, bytes.count + bytes.count / 32)
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
