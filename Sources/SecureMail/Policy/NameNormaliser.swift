import Foundation

/// Turns names and subjects into comparable word skeletons so that spellings customers
/// actually use meet the configured names: "Søren Kjærgaard", "Soeren Kjaergaard" and
/// "Soren Kjargaard" all become `soren kjargard`.
///
/// Steps: Unicode NFKC (full-width letters, ligatures), lower-casing, removal of
/// combining marks (é → e, å → a, ä → a, ö → o, ü → u), mapping of letters without a
/// decomposition (æ → a, ø → o, œ → o, ß → ss, ð → d, þ → th, ł → l, đ → d), split into
/// words of letters and digits, and inside each word the digraphs `aa`, `ae`, `oe`, `ue`
/// collapse to `a`, `a`, `o`, `u`. The skeleton is only ever compared with another
/// skeleton, so collapsing is safe even where it changes an ordinary word.
enum NameNormaliser {
    /// The normalised words of `text`, in order.
    static func words(of text: String) -> [String] {
        asciiWords(of: text) ?? unicodeWords(of: text)
    }

    /// ``words(of:)`` of an ASCII text, nil for any other: there the Unicode normalisations
    /// change nothing but case, only letters and digits make words, and none of the mapped
    /// letters occur. Most subjects are ASCII, and Foundation's normalisations are the larger
    /// part of routing a message.
    static func asciiWords(of text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var words: [String] = []
            var current: [UInt8] = []
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                let lower = byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
                guard lower &- UInt8(ascii: "a") < 26 || lower &- UInt8(ascii: "0") < 10 else {
                    if !current.isEmpty {
                        words.append(String(decoding: current, as: UTF8.self))
                        current.removeAll(keepingCapacity: true)
                    }
                    continue
                }
                if let previous = current.last, Self.collapses(previous, lower) { continue }
                current.append(lower)
            }
            if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
            return words
        }
    }

    /// Whether `next` is dropped after `previous`: the digraphs aa, ae, oe and ue.
    private static func collapses(_ previous: UInt8, _ next: UInt8) -> Bool {
        switch (previous, next) {
        case (UInt8(ascii: "a"), UInt8(ascii: "a")), (UInt8(ascii: "a"), UInt8(ascii: "e")),
             (UInt8(ascii: "o"), UInt8(ascii: "e")), (UInt8(ascii: "u"), UInt8(ascii: "e")):
            true
        default:
            false
        }
    }

    /// ``words(of:)`` of any text, through Unicode's normalisations.
    static func unicodeWords(of text: String) -> [String] {
        let prepared = text.precomposedStringWithCompatibilityMapping
            .lowercased()
            .decomposedStringWithCanonicalMapping
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func finishWord() {
            if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        func append(_ scalar: Unicode.Scalar) {
            if let previous = current.last, previous.isASCII, scalar.isASCII,
               collapses(UInt8(previous.value), UInt8(scalar.value)) {
                return
            }
            current.append(scalar)
        }
        for scalar in prepared.unicodeScalars {
            let properties = scalar.properties
            switch properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            default:
                break
            }
            switch scalar {
            case "æ": append("a")
            case "ø", "œ": append("o")
            case "ß": append("s"); append("s")
            case "ð", "đ": append("d")
            case "þ": append("t"); append("h")
            case "ł": append("l")
            default:
                if properties.isAlphabetic || properties.numericType != nil {
                    append(scalar)
                } else {
                    finishWord()
                }
            }
        }
        finishWord()
        return words
    }
}
