import Foundation

/// A way of publishing a mailbox certificate to correspondents.
public enum PublishedFormat: String, CaseIterable, Sendable, Codable {
    /// PEM text (`-----BEGIN CERTIFICATE-----`), optionally followed by the chain.
    case pem
    /// The certificate in binary DER (`.cer`).
    case der
    /// vCard 3.0 with `KEY;TYPE=X509;ENCODING=b`: what Outlook imports.
    case vcard
    /// vCard 4.0 with the key as a `data:` URI.
    case vcard4
    /// PKCS#7 certs-only (`.p7c`): the certificate and its chain.
    case p7c
    /// An SMIMEA DNS resource record (RFC 8162) in zone-file form.
    case smimea

    /// The file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .pem: "pem"
        case .der: "cer"
        case .vcard, .vcard4: "vcf"
        case .p7c: "p7c"
        case .smimea: "txt"
        }
    }

    /// The media type to serve the file with.
    public var mimeType: String {
        switch self {
        case .pem: "application/x-pem-file"
        case .der: "application/pkix-cert"
        case .vcard, .vcard4: "text/vcard; charset=utf-8"
        case .p7c: "application/pkcs7-mime; smime-type=certs-only"
        case .smimea: "text/plain; charset=utf-8"
        }
    }

    /// A short human-readable name ("vCard 3.0", "PEM" ...).
    public var displayName: String {
        switch self {
        case .pem: "PEM"
        case .der: "DER (.cer)"
        case .vcard: "vCard 3.0"
        case .vcard4: "vCard 4.0"
        case .p7c: "PKCS#7 (.p7c)"
        case .smimea: "SMIMEA (DNS)"
        }
    }

    /// Whether the output is text (PEM, vCard, SMIMEA) rather than binary.
    public var isText: Bool {
        switch self {
        case .pem, .vcard, .vcard4, .smimea: true
        case .der, .p7c: false
        }
    }

    /// The file name to offer for a mailbox, e.g. `sikkermail@gjensidige.dk.vcf`; vCard 4.0
    /// and the PEM with chain get their own names so that every download has a distinct one.
    /// The address is reduced to characters that are safe in a file name and a URL path.
    public func suggestedFilename(for mailbox: String, includingChain: Bool = false) -> String {
        let base = PublishedFormat.safeFilenameBase(mailbox)
        switch self {
        case .pem: return includingChain ? "\(base)-chain.pem" : "\(base).pem"
        case .vcard4: return "\(base)-v4.vcf"
        case .smimea: return "\(base)-smimea.txt"
        default: return "\(base).\(fileExtension)"
        }
    }

    /// The address lowercased, with anything but letters, digits and `@._+-` replaced by `_`,
    /// and no leading dot (never `..` or a hidden file).
    static func safeFilenameBase(_ mailbox: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789@._+-")
        var base = String(mailbox.lowercased().map { allowed.contains($0) ? $0 : "_" })
        while base.contains("..") { base = base.replacingOccurrences(of: "..", with: "._") }
        if base.hasPrefix(".") { base = "_" + base.dropFirst() }
        return base.isEmpty ? "mailbox" : base
    }
}

/// One file published per mailbox: a format, and for PEM whether the chain follows.
public struct PublishedVariant: Sendable, Hashable {
    /// The format.
    public let format: PublishedFormat
    /// PEM only: the chain follows the certificate. (PKCS#7 always carries the chain.)
    public let includesChain: Bool

    /// A variant of `format`, with the chain appended when `includesChain` (PEM).
    public init(_ format: PublishedFormat, includesChain: Bool = false) {
        self.format = format
        self.includesChain = includesChain && format == .pem
    }

    /// Every file published per mailbox, in the order a page offers them: vCard and PEM first.
    public static let all: [PublishedVariant] = [
        PublishedVariant(.vcard), PublishedVariant(.pem), PublishedVariant(.der), PublishedVariant(.vcard4),
        PublishedVariant(.p7c), PublishedVariant(.pem, includesChain: true), PublishedVariant(.smimea),
    ]

    /// The file name for a mailbox.
    public func filename(for mailbox: String) -> String {
        format.suggestedFilename(for: mailbox, includingChain: includesChain)
    }
}
