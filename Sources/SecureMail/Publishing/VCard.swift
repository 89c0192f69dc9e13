import Foundation

/// A contact card carrying a certificate, written as vCard 3.0 (RFC 2426, the form Outlook
/// imports) or vCard 4.0 (RFC 6350). Lines end in CRLF and are folded at 75 octets.
public struct VCard: Sendable, Equatable {
    /// The vCard version to write.
    public enum Version: Sendable, Equatable {
        /// vCard 3.0: `KEY;TYPE=X509;ENCODING=b:` with the base64 DER.
        case v3
        /// vCard 4.0: `KEY:data:application/pkix-cert;base64,` with the base64 DER.
        case v4
    }

    /// What the card says.
    public struct Contact: Sendable, Equatable {
        /// FN, and the family-name part of N.
        public var displayName: String
        /// ORG, when known.
        public var organization: String?
        /// EMAIL.
        public var email: String
        /// The certificate in DER, for KEY.
        public var certificateDER: [UInt8]

        /// A contact with a name, an optional organisation, an address and a certificate.
        public init(displayName: String, organization: String?, email: String, certificateDER: [UInt8]) {
            self.displayName = displayName
            self.organization = organization
            self.email = email
            self.certificateDER = certificateDER
        }
    }

    /// The contact written.
    public let card: Contact
    /// The version written.
    public let version: Version

    /// A card for `card` in `version`.
    public init(card: Contact, version: Version) {
        self.card = card
        self.version = version
    }

    /// The unfolded content lines, without line ends.
    public var contentLines: [String] {
        let name = VCard.escapeText(card.displayName)
        let key = Data(card.certificateDER).base64EncodedString()
        var lines = ["BEGIN:VCARD"]
        switch version {
        case .v3:
            lines.append("VERSION:3.0")
        case .v4:
            lines.append("VERSION:4.0")
            lines.append("KIND:org")
        }
        lines.append("FN:\(name)")
        lines.append("N:\(name);;;;")
        if let organization = card.organization, !organization.isEmpty {
            lines.append("ORG:\(VCard.escapeText(organization))")
        }
        switch version {
        case .v3:
            lines.append("EMAIL;TYPE=INTERNET,PREF:\(VCard.escapeText(card.email))")
            lines.append("KEY;TYPE=X509;ENCODING=b:\(key)")
        case .v4:
            lines.append("EMAIL;TYPE=work;PREF=1:\(VCard.escapeText(card.email))")
            lines.append("KEY:data:application/pkix-cert;base64,\(key)")
        }
        lines.append("END:VCARD")
        return lines
    }

    /// The card as bytes: UTF-8, every line folded and ended with CRLF.
    public var bytes: [UInt8] {
        contentLines.flatMap { VCard.fold($0) }
    }

    /// Escapes a text value: backslash, comma, semicolon and line breaks (RFC 6350 3.4).
    public static func escapeText(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case ",": escaped += "\\,"
            case ";": escaped += "\\;"
            case "\n", "\r\n", "\r": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// One content line folded so that no physical line exceeds 75 octets (the continuation's
    /// leading space included), never inside a UTF-8 sequence; each line ends with CRLF.
    public static func fold(_ line: String, limit: Int = 75) -> [UInt8] {
        let utf8 = Array(line.utf8)
        var output: [UInt8] = []
        var start = 0
        var first = true
        while start < utf8.count {
            let room = first ? limit : limit - 1
            var end = min(start + room, utf8.count)
            // Step back off a continuation byte (10xxxxxx) so that a character is never split.
            while end < utf8.count, end > start + 1, utf8[end] & 0xC0 == 0x80 { end -= 1 }
            if !first { output.append(0x20) }
            output += utf8[start..<end]
            output += [0x0D, 0x0A]
            start = end
            first = false
        }
        if utf8.isEmpty { output += [0x0D, 0x0A] }
        return output
    }
}
