/// The DLP findings for a whole message: `MessageTextExtractor` followed by
/// `SensitiveDataScanner` on every extracted text.
public struct ContentScanResult: Sendable, Hashable {
    /// Masked findings, each with its `location` (`subject`, `body`, `attachment:NAME`).
    /// The same identifier found twice at one location (say in the text and the HTML
    /// alternative) is listed once, with the higher confidence.
    public var findings: [Finding]
    /// What could not be read; the policy decides whether that alone is reason to encrypt or hold.
    public var unreadable: [UnreadableContent]

    /// Makes a result.
    public init(findings: [Finding], unreadable: [UnreadableContent]) {
        self.findings = findings
        self.unreadable = unreadable
    }

    /// True when anything sensitive was found (unreadable content alone does not count).
    public var isSensitive: Bool { !findings.isEmpty }
}

/// Scans messages, files and text for sensitive data (DESIGN.md §5).
public enum SensitiveContentScan {
    /// Findings in a parsed message.
    public static func scan(
        _ message: MIMEPart, limits: ExtractionLimits = .default, detectors: SensitiveDataScanner.Detectors = .all
    ) -> ContentScanResult {
        scan(MessageTextExtractor(limits: limits).extract(message), detectors: detectors)
    }

    /// Findings in a message given as bytes (RFC 5322).
    public static func scan(messageBytes: [UInt8], limits: ExtractionLimits = .default) -> ContentScanResult {
        scan(MessageTextExtractor(limits: limits).extract(messageBytes: messageBytes))
    }

    /// Findings in text that is not a message; every finding is at `location`.
    public static func scan(
        plainText: String, location: String = "body", detectors: SensitiveDataScanner.Detectors = .all
    ) -> ContentScanResult {
        scan(MessageExtraction(texts: [ExtractedText(text: plainText, location: location)]), detectors: detectors)
    }

    /// Findings in text already extracted.
    public static func scan(_ extraction: MessageExtraction, detectors: SensitiveDataScanner.Detectors = .all) -> ContentScanResult {
        var findings: [Finding] = []
        for segment in extraction.texts {
            findings.append(contentsOf: SensitiveDataScanner.scan(segment.text, location: segment.location, detectors: detectors))
        }
        return ContentScanResult(findings: distinct(findings), unreadable: extraction.unreadable)
    }

    /// The national identity numbers in a plain text of `size` bytes too large to hold at once
    /// (`scan --detectors identifiers` of a log or an export), which `read` gives piece by piece:
    /// it fills the buffer with the bytes at the offset and returns how many it wrote, fewer
    /// only at the end of the text. Memory stays the same whatever the size; the pieces are
    /// scanned on `threads` threads. The findings are those of
    /// ``scan(plainText:location:detectors:)`` with ``SensitiveDataScanner/Detectors/identifiers``.
    /// - Returns: nil when the text is not UTF-8: decode it whole with ``UndeclaredText`` instead.
    /// - Throws: what `read` throws, or an error that says the text ended before `size` bytes.
    public static func scanIdentifiers(
        plainTextOfSize size: Int, location: String = "body", threads: Int,
        read: @escaping @Sendable (_ buffer: UnsafeMutableRawBufferPointer, _ offset: Int) throws -> Int
    ) throws -> ContentScanResult? {
        let scan = LargeTextIdentifierScan(size: size, location: location, read: read)
        guard let found = try scan.findings(threads: threads) else { return nil }
        return ContentScanResult(findings: distinct(found), unreadable: [])
    }

    /// `text` with the serial part of every national identity number replaced by `X`, as in
    /// the findings' `masked` form (`Vedr. 010190-1009` becomes `Vedr. 010190-XXXX`), so that
    /// a Subject can be shown in a report or notice. Special-category words are left as they are.
    public static func maskingIdentifiers(in text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        for finding in SensitiveDataScanner.identifiers(text, location: "") where finding.kind.isIdentifier {
            guard let offset = finding.offset, offset >= 0, offset < scalars.count else { continue }
            let keptDigits = finding.masked.prefix { $0 != "X" }.filter(\.isNumber).count
            var digitsToMask = finding.masked.filter { $0 == "X" }.count
            var digitsSeen = 0
            var index = offset
            while index < scalars.count, digitsToMask > 0 {
                let scalar = scalars[index]
                if ("0"..."9").contains(scalar) {
                    digitsSeen += 1
                    if digitsSeen > keptDigits {
                        scalars[index] = "X"
                        digitsToMask -= 1
                    }
                } else if !(scalar == "-" || scalar == "+" || scalar == " ") {
                    break
                }
                index += 1
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// `token` with every digit after the sixth masked in each run of seven or more digits
    /// (separators `-` and `+` inside a run included): `<a0101901009b@x>` becomes
    /// `<a010190XXXXb@x>`.
    ///
    /// For opaque tokens a sender chooses, such as a Message-ID, where an identity number may be
    /// glued to letters and the word-bounded scanner (rightly, for prose) does not see it. The
    /// first six digits stay, as in a finding's masked form, so the token can still be matched
    /// against the MTA's log by eye.
    public static func maskingDigitRuns(in token: String) -> String {
        var scalars = Array(token.unicodeScalars)
        var start = 0
        while start < scalars.count {
            guard ("0"..."9").contains(scalars[start]) else {
                start += 1
                continue
            }
            var end = start, digits = 0
            while end < scalars.count, ("0"..."9").contains(scalars[end]) || scalars[end] == "-" || scalars[end] == "+" {
                if ("0"..."9").contains(scalars[end]) { digits += 1 }
                end += 1
            }
            if digits >= 7 {
                var seen = 0
                for index in start..<end where ("0"..."9").contains(scalars[index]) {
                    seen += 1
                    if seen > 6 { scalars[index] = "X" }
                }
            }
            start = end
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// `findings` with each identifier listed once per location, at its first place and with
    /// the highest confidence it was found with (the text and the HTML alternative of a mail
    /// usually say the same). Two findings are the same when their kind and the bytes of their
    /// masked form and location are.
    ///
    /// The list is compacted in place through a table of indices: a scan of a log has tens of
    /// thousands of findings, and a dictionary of their texts (with a copy of the list) took
    /// longer than the rest of the report. The table's hash is `Hasher`'s, seeded for each
    /// process, so that no text, whose locations a sender names, can be made to collide.
    static func distinct(_ findings: consuming [Finding]) -> [Finding] {
        guard findings.count > 1 else { return findings }
        let slotBits = Int.bitWidth - (2 * findings.count - 1).leadingZeroBitCount
        let slotMask = (1 << slotBits) - 1
        var slots = [Int](repeating: -1, count: 1 << slotBits)
        var hashes = [Int](repeating: 0, count: findings.count)
        var kept = 0
        for index in findings.indices {
            let hash = byteHash(of: findings[index])
            var slot = hash & slotMask
            while true {
                let earlier = slots[slot]
                if earlier < 0 {
                    slots[slot] = kept
                    hashes[kept] = hash
                    if kept != index { findings[kept] = findings[index] }
                    kept += 1
                    break
                }
                if hashes[earlier] == hash, isSameIdentifier(findings[earlier], findings[index]) {
                    if findings[index].confidence == .high { findings[earlier].confidence = .high }
                    break
                }
                slot = (slot + 1) & slotMask
            }
        }
        findings.removeSubrange(kept...)
        return findings
    }

    private static func byteHash(of finding: Finding) -> Int {
        var hasher = Hasher()
        hasher.combine(finding.kind)
        var masked = finding.masked, location = finding.location
        masked.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        // A byte no UTF-8 text holds: "ab" + "c" and "a" + "bc" hash apart.
        hasher.combine(UInt8(0xFF))
        location.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }

    private static func isSameIdentifier(_ left: Finding, _ right: Finding) -> Bool {
        left.kind == right.kind && haveSameBytes(left.masked, right.masked) && haveSameBytes(left.location, right.location)
    }

    private static func haveSameBytes(_ left: String, _ right: String) -> Bool {
        var left = left, right = right
        return left.withUTF8 { left in
            right.withUTF8 { right in
                left.count == right.count && left.elementsEqual(right)
            }
        }
    }
}
