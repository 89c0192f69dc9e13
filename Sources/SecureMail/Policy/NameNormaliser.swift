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
            if let previous = current.last {
                switch (previous, scalar) {
                case ("a", "a"), ("a", "e"), ("o", "e"), ("u", "e"):
                    return
                default:
                    break
                }
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
