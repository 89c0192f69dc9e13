import Foundation

/// One mailbox's certificate as it is published: the address, the names shown in a contact
/// card, and the certificate with its chain. Holds no private key.
public struct PublishedCertificate: Sendable, Equatable {
    /// The mailbox address, as configured.
    public let mailbox: String
    /// The certificate and the chain above it.
    public let bundle: CertificateBundle
    /// The contact's display name (vCard FN): the certificate's common name, else the address.
    public let displayName: String
    /// The organisation (vCard ORG): the certificate subject's O, if any.
    public let organization: String?

    /// A publication of `bundle` for `mailbox`; names default to those in the certificate.
    public init(mailbox: String, bundle: CertificateBundle, displayName: String? = nil, organization: String? = nil) {
        self.mailbox = mailbox
        self.bundle = bundle
        self.displayName = displayName ?? bundle.leaf.subjectCommonName ?? mailbox
        self.organization = organization ?? bundle.leaf.subjectOrganization
    }

    /// The published certificate.
    public var certificate: Certificate { bundle.leaf }

    /// Options that change a rendering.
    public struct RenderOptions: Sendable, Equatable {
        /// PEM: append the chain after the certificate. (PKCS#7 always carries the chain.)
        public var includeChain: Bool
        /// SMIMEA: which certificate usage, selector and matching type to publish.
        public var smimeaKind: SMIMEARecord.Kind

        /// Options: no chain in PEM, a full-certificate SMIMEA record (`3 0 0`).
        public init(includeChain: Bool = false, smimeaKind: SMIMEARecord.Kind = .fullCertificate) {
            self.includeChain = includeChain
            self.smimeaKind = smimeaKind
        }
    }

    /// The bytes of the certificate in `format`.
    public func render(_ format: PublishedFormat, options: RenderOptions = RenderOptions()) throws -> [UInt8] {
        switch format {
        case .pem:
            let certificates = options.includeChain ? bundle.certificates : [bundle.leaf]
            return Array(certificates.map(\.pemString).joined().utf8)
        case .der:
            return bundle.leaf.derBytes
        case .vcard:
            return VCard(card: contactCard, version: .v3).bytes
        case .vcard4:
            return VCard(card: contactCard, version: .v4).bytes
        case .p7c:
            return try CertificateBundle.certsOnlyDER(bundle.certificates)
        case .smimea:
            return Array(try SMIMEARecord(mailbox: mailbox, certificate: bundle.leaf, kind: options.smimeaKind).zoneLine.utf8)
        }
    }

    private var contactCard: VCard.Contact {
        VCard.Contact(
            displayName: displayName, organization: organization, email: mailbox, certificateDER: bundle.leaf.derBytes)
    }
}

/// Every configured mailbox's published certificates, loaded once from the configuration.
public struct CertificateDirectory: Sendable {
    /// The publications, in configuration order.
    public let publications: [PublishedCertificate]

    /// A directory of the given publications.
    public init(publications: [PublishedCertificate]) {
        self.publications = publications
    }

    /// Each mailbox's first identity (the one it signs with and customers encrypt to), with
    /// the chain found among its identity chain and the configured intermediates and anchors.
    /// Only certificates are kept; the keys stay in the keyring.
    public init(configuration: GatewayConfiguration, keyring: Keyring) throws(IdentityUnavailableError) {
        let issuers = keyring.trust.intermediates + keyring.trust.anchors
        var publications: [PublishedCertificate] = []
        for mailbox in configuration.mailboxes {
            guard let identity = try keyring.signingIdentity(for: mailbox.address) else { continue }
            let bundle = CertificateBundle(leaf: identity.certificate, candidates: identity.chain + issuers)
            publications.append(PublishedCertificate(mailbox: mailbox.address, bundle: bundle))
        }
        self.publications = publications
    }

    /// The publication for an address, compared case-insensitively.
    public func publication(for address: String) -> PublishedCertificate? {
        let wanted = address.lowercased()
        return publications.first { $0.mailbox.lowercased() == wanted }
    }

    /// The configured mailbox addresses, in order.
    public var mailboxes: [String] { publications.map(\.mailbox) }
}
