import Foundation
import Synchronization

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
        asciiWords(of: text) ?? latin1Words(of: text) ?? unicodeWords(of: text)
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

    /// ``words(of:)`` of a text within Latin-1 (the names of a Nordic routing table: æ, ø, å,
    /// ä, ö, ü, é), nil for any other. Unicode's normalisations of such a text are those of its
    /// characters one by one (none of them composes or reorders with its neighbours), which
    /// ``latin1Prepared`` holds: a routing table of thousands of employees is built by every
    /// process that routes a message, and Foundation's normalisations of each name were most of it.
    static func latin1Words(of text: String) -> [String]? {
        guard !text.unicodeScalars.contains(where: { $0.value > 0xFF }) else { return nil }
        var prepared: [Unicode.Scalar] = []
        prepared.reserveCapacity(text.utf8.count)
        latin1Prepared.withLock { known in
            for scalar in text.unicodeScalars {
                if scalar.isASCII {
                    let byte = UInt8(scalar.value)
                    prepared.append(Unicode.Scalar(byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte))
                    continue
                }
                let index = Int(scalar.value) - 0x80
                if known[index] == nil { known[index] = Array(Self.prepared(String(scalar)).unicodeScalars) }
                prepared += known[index] ?? []
            }
        }
        return words(ofPrepared: prepared)
    }

    /// The characters from U+0080 to U+00FF through the normalisations of ``unicodeWords(of:)``,
    /// each when a name first has it; ASCII only changes case.
    private static let latin1Prepared = Mutex<[[Unicode.Scalar]?]>(Array(repeating: nil, count: 0x80))

    /// Compatibility composition, lower case, canonical decomposition: letters and their marks
    /// apart, so that the marks can be left out.
    private static func prepared(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.lowercased().decomposedStringWithCanonicalMapping
    }

    /// ``words(of:)`` of any text, through Unicode's normalisations.
    static func unicodeWords(of text: String) -> [String] {
        words(ofPrepared: prepared(text).unicodeScalars)
    }

    /// The words of a text through the normalisations of ``prepared(_:)``: marks left out, a few
    /// letters spelt the way names are also written without them, runs of letters and digits.
    private static func words(ofPrepared prepared: some Sequence<Unicode.Scalar>) -> [String] {
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
        for scalar in prepared {
            if scalar.isASCII {
                // Unicode's properties say the same of ASCII, at a table look-up each.
                let byte = UInt8(scalar.value)
                if byte &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10 { append(scalar) } else { finishWord() }
                continue
            }
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
