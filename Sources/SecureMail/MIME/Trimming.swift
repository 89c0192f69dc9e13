/// Trimming with the same classes of characters as Foundation's `CharacterSet.whitespaces` and
/// `.whitespacesAndNewlines`, working on Unicode scalars directly. Header parsing trims several
/// times per field, and Foundation's `trimmingCharacters(in:)`, which bridges through
/// `NSString`, was a measurable share of the time spent on each message.
extension StringProtocol {
    /// Without leading and trailing scalars for which `isTrimmed` is true.
    func trimmed(where isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
              let last = scalars.lastIndex(where: { !isTrimmed($0) }) else { return "" }
        // Most values have nothing to trim: then the text is taken whole, without rebuilding it.
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return String(self) }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// Without leading and trailing spaces and tabs (`CharacterSet.whitespaces`).
    func trimmingSpace() -> String { trimmed(where: \.isSpaceOrTab) }

    /// Without leading and trailing spaces, tabs and line breaks (`CharacterSet.whitespacesAndNewlines`).
    func trimmingSpaceAndNewlines() -> String { trimmed(where: \.isSpaceOrNewline) }
}

extension Unicode.Scalar {
    /// Tab, a space separator (general category Zs) or ZERO WIDTH SPACE, as in
    /// `CharacterSet.whitespaces`.
    var isSpaceOrTab: Bool {
        if value < 0x80 { return value == 0x20 || value == 0x09 }
        return value == 0x200B || properties.generalCategory == .spaceSeparator
    }

    /// Unicode's White_Space property, answered for ASCII without a property lookup.
    var isWhiteSpace: Bool {
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
        return properties.isWhitespace
    }

    /// `isSpaceOrTab`, or a line break: U+000A to U+000D, NEL, LINE and PARAGRAPH SEPARATOR.
    var isSpaceOrNewline: Bool {
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
        return value == 0x85 || value == 0x2028 || value == 0x2029 || isSpaceOrTab
    }
}

extension String {
    /// Equal to `other` ignoring case, as `lowercased() == other.lowercased()`, but without
    /// allocating when both are ASCII (header field names, parameter names).
    func equalsIgnoringCase(_ other: String) -> Bool {
        var mine = self
        var theirs = other
        let decided = mine.withUTF8 { left in
            theirs.withUTF8 { right in Self.asciiEqualsIgnoringCase(left, right) }
        }
        return decided ?? (lowercased() == other.lowercased())
    }

    /// True or false when the bytes decide it: the first difference is between two ASCII
    /// bytes, or both are ASCII throughout. Nil when a non-ASCII byte comes first, where only
    /// Unicode lower-casing can tell.
    private static func asciiEqualsIgnoringCase(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool? {
        let common = Swift.min(left.count, right.count)
        for index in 0..<common {
            let leftByte = left[index], rightByte = right[index]
            if leftByte >= 0x80 || rightByte >= 0x80 { return nil }
            if leftByte.asciiLowercased != rightByte.asciiLowercased { return false }
        }
        if left.count == right.count { return true }
        let next = left.count > common ? left[common] : right[common]
        return next >= 0x80 ? nil : false
    }

    /// Whether the ASCII byte `first` is directly followed by the ASCII byte `second` somewhere
    /// in the text (`=?`, where an encoded word may start).
    func containsASCIIPair(_ first: UInt8, _ second: UInt8) -> Bool {
        var text = self
        return text.withUTF8 { bytes in
            guard bytes.count >= 2 else { return false }
            for index in 0..<(bytes.count - 1) where bytes[index] == first && bytes[index + 1] == second {
                return true
            }
            return false
        }
    }
}

extension UInt8 {
    /// An ASCII capital letter as its small letter; any other byte as it is.
    var asciiLowercased: UInt8 {
        (0x41...0x5A).contains(self) ? self | 0x20 : self
    }
}
