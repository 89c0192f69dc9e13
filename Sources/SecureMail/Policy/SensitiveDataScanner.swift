/// The DLP detectors of DESIGN.md §5 over one piece of already-extracted text.
///
/// Pure and allocation-light: both detectors read the string's own UTF-8 storage, with no
/// copy into Unicode scalars; national identity numbers (`IdentifierScanner`) are sought
/// only around digits, and statements about a person in a special category
/// (`SpecialCategoryDetector`) in one pass over the words. Findings are masked; nothing in
/// them identifies the person.
public enum SensitiveDataScanner {
    /// Which detectors a scan runs.
    public enum Detectors: String, Sendable, CaseIterable {
        /// National identity numbers and the special categories of GDPR art. 9 and 10: what
        /// the outbound policy needs.
        case all
        /// National identity numbers only (CPR, personnummer, fødselsnummer), validated: for
        /// looking through logs and exports for identifiers, as `grep` is used for, but
        /// without the numbers that only look like one.
        case identifiers
    }

    /// The sensitive data in `text` (a Subject, a decoded text part, HTML rendered as
    /// text, an attachment's text). `location` is copied into every finding, e.g.
    /// `body`, `subject` or `attachment:claim.pdf`. Offsets are in Unicode scalars.
    ///
    /// Identifiers come first, one finding per number in order of appearance; then one
    /// finding per special category found.
    public static func scan(_ text: String, location: String, detectors: Detectors = .all) -> [Finding] {
        var text = text
        return text.withUTF8 { bytes in
            let identifiers = IdentifierScanner(text: bytes).findings(location: location)
            guard detectors == .all else { return identifiers }
            return identifiers + SpecialCategoryDetector.shared.findings(in: bytes, location: location)
        }
    }

    /// The national identity numbers in `text` only, as the first part of ``scan(_:location:)``
    /// gives them: for masking a Subject or a route, which needs no special categories (and a
    /// short-lived process then does not build their lexicon).
    public static func identifiers(_ text: String, location: String) -> [Finding] {
        scan(text, location: location, detectors: .identifiers)
    }
}
