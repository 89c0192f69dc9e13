/// Header protection (RFC 9788): header fields inside the cryptographic envelope win over
/// the outer copies, which a sender may have replaced with placeholders such as `...`.
public enum ProtectedHeaders {
    /// Fields a sender protects, and that replace the outer copies on delivery.
    public static let protectableNames: Set<String> = [
        "from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
        "keywords", "comments", "followup-to", "mail-followup-to",
    ]

    /// The protected fields of an unwrapped message: the non-MIME fields of its innermost
    /// entity, present only when at least one layer was removed.
    public static func fields(of message: UnwrappedMessage) -> [MIMEHeaderField] {
        guard !message.layers.isEmpty else { return [] }
        return message.content.header.fields.filter { protectableNames.contains($0.name.lowercased()) }
    }

    /// The header a reader should see: the outer header with every protected field replacing
    /// all outer fields of the same name, and the inner entity's MIME fields.
    public static func effectiveHeader(of message: UnwrappedMessage) -> MIMEHeader {
        let protected = fields(of: message)
        let protectedNames = Set(protected.map { $0.name.lowercased() })
        var header = message.originalHeader
        header.removeAll { field in
            let name = field.name.lowercased()
            return protectedNames.contains(name) || name.hasPrefix("content-")
        }
        let innerMIMEFields = message.content.header.fields.filter { $0.name.lowercased().hasPrefix("content-") }
        header.fields += protected + innerMIMEFields
        return header
    }

    /// The first value of a field in the effective header, RFC 2047 decoded and unfolded.
    public static func effectiveValue(_ name: String, of message: UnwrappedMessage) -> String? {
        let lowered = name.lowercased()
        if let inner = fields(of: message).first(where: { $0.name.lowercased() == lowered }) { return inner.decodedValue }
        return message.originalHeader.first(name)?.decodedValue
    }

    /// Whether a part is a legacy display element: a text part that only repeats protected
    /// header fields for clients that do not know header protection (RFC 9788 section 4.5,
    /// and the earlier `protected-headers="v1"` drafts).
    public static func isLegacyDisplayPart(_ part: MIMEPart) -> Bool {
        let contentType = part.contentType
        guard contentType.mimeType == "text/plain" || contentType.mimeType == "text/rfc822-headers" else { return false }
        return contentType.parameter("hp-legacy-display") == "1" || contentType.parameter("protected-headers") == "v1"
    }

    /// The content without a leading legacy display element, so that the protected fields are
    /// not shown twice once restored.
    public static func removingLegacyDisplay(from content: MIMEPart) -> MIMEPart {
        guard case .multipart(var multipart) = content.body, content.contentType.subtype == "mixed",
            let first = multipart.entries.first, isLegacyDisplayPart(first.part)
        else { return content }
        if multipart.entries.count > 1 {
            multipart.entries[1].delimiter = first.delimiter
        }
        multipart.entries.removeFirst()
        var result = content
        result.body = .multipart(multipart)
        return result
    }
}
