import Foundation

/// An SMIMEA DNS resource record (RFC 8162) that publishes a mailbox certificate in DNS.
public struct SMIMEARecord: Sendable, Equatable {
    /// Certificate usage, selector and matching type of the record.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// `3 0 0`: DANE-EE, the full certificate, no hashing.
        case fullCertificate = "3 0 0"
        /// `3 1 1`: DANE-EE, the SubjectPublicKeyInfo, SHA-256.
        case publicKeySHA256 = "3 1 1"
    }

    /// The owner name with a trailing dot: `<hash>._smimecert.<domain>.`.
    public let ownerName: String
    /// Usage, selector and matching type.
    public let kind: Kind
    /// The certificate association data.
    public let associationData: [UInt8]

    /// The record for `mailbox` (local-part@domain) and its certificate. Throws when the
    /// address has no `@` or an empty part.
    public init(mailbox: String, certificate: Certificate, kind: Kind = .fullCertificate) throws {
        ownerName = try SMIMEARecord.ownerName(for: mailbox)
        self.kind = kind
        switch kind {
        case .fullCertificate:
            associationData = certificate.derBytes
        case .publicKeySHA256:
            associationData = try Digest.sha256(certificate.subjectPublicKeyInfoDER())
        }
    }

    /// RFC 8162 section 3: SHA-256 of the local part (UTF-8, Unicode NFC), truncated to 28
    /// octets, in lowercase hex, then `._smimecert.` and the domain (lowercased: DNS names
    /// are case-insensitive), with a trailing dot.
    public static func ownerName(for mailbox: String) throws -> String {
        guard let at = mailbox.lastIndex(of: "@") else {
            throw PublishingError.invalidAddress(mailbox)
        }
        let localPart = String(mailbox[..<at]).precomposedStringWithCanonicalMapping
        let domain = mailbox[mailbox.index(after: at)...].lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        guard !localPart.isEmpty, !domain.isEmpty else {
            throw PublishingError.invalidAddress(mailbox)
        }
        let hash = try Digest.sha256(Array(localPart.utf8)).prefix(28)
        return hash.map { String(format: "%02x", $0) }.joined() + "._smimecert.\(domain)."
    }

    /// The record as one zone-file line: `owner IN SMIMEA 3 0 0 HEX`, ending in a newline.
    public var zoneLine: String {
        let hex = associationData.map { String(format: "%02X", $0) }.joined()
        return "\(ownerName) IN SMIMEA \(kind.rawValue) \(hex)\n"
    }
}

/// Why a certificate could not be published.
public enum PublishingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The address is not local-part@domain.
    case invalidAddress(String)
    /// No mailbox with that address is configured.
    case unknownMailbox(String, configured: [String])

    /// One line saying what happened and what to do.
    public var description: String {
        switch self {
        case .invalidAddress(let address):
            "\"\(address)\" is not an address of the form local-part@domain; configure the mailbox with its full address"
        case .unknownMailbox(let address, let configured):
            "no mailbox \(address) is configured; configured mailboxes: "
                + (configured.isEmpty ? "none" : configured.joined(separator: ", "))
        }
    }
}
