/// The DLP detectors of DESIGN.md §5 over one piece of already-extracted text.
///
/// Pure and allocation-light: the text is read once into Unicode scalars, then scanned
/// for national identity numbers (`IdentifierScanner`) and for statements about a person
/// in a special category (`SpecialCategoryDetector`). Findings are masked; nothing in
/// them identifies the person.
public enum SensitiveDataScanner {
    /// The sensitive data in `text` (a Subject, a decoded text part, HTML rendered as
    /// text, an attachment's text). `location` is copied into every finding, e.g.
    /// `body`, `subject` or `attachment:claim.pdf`.
    ///
    /// Identifiers come first, one finding per number in order of appearance; then one
    /// finding per special category found.
    public static func scan(_ text: String, location: String) -> [Finding] {
        let scalars = Array(text.unicodeScalars)
        return IdentifierScanner(scalars: scalars).findings(location: location)
            + SpecialCategoryDetector.shared.findings(in: scalars, location: location)
    }
}
