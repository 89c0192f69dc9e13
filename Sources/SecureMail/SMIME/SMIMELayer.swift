import Foundation

/// One cryptographic layer removed from a message, outermost first.
public struct SMIMELayer: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case enveloped
        case authEnveloped
        case signed
    }

    /// How a signature layer was carried.
    public enum Form: String, Sendable, Codable {
        /// `application/pkcs7-mime` with the content inside the CMS object.
        case opaque
        /// `multipart/signed` with the content beside the CMS signature.
        case detached
    }

    public var kind: Kind
    /// Content cipher for encryption layers (`aes-256-cbc`), digest for signature layers (`sha256`).
    public var algorithm: String
    public var form: Form?
    /// The signers of a signature layer, in the order of the SignerInfos.
    public var signers: [SignerOutcome]
    /// The mailbox certificate whose key opened an encryption layer (its subject).
    public var decryptedWith: String?
    /// Things about this layer that a reader should know (eContentType not id-data ...).
    public var warnings: [String]

    public init(
        kind: Kind, algorithm: String, form: Form? = nil, signers: [SignerOutcome] = [], decryptedWith: String? = nil,
        warnings: [String] = []
    ) {
        self.kind = kind
        self.algorithm = algorithm
        self.form = form
        self.signers = signers
        self.decryptedWith = decryptedWith
        self.warnings = warnings
    }
}

/// The result for one signer, as reported; the certificate is kept for harvesting.
public struct SignerOutcome: Sendable, Equatable {
    public var email: String?
    public var subject: String?
    public var issuer: String?
    public var fingerprint: String?
    /// `valid`, `invalid`, `untrusted`, `expired` or `revoked`.
    public var status: SignatureStatus
    /// Why the status is not `valid`.
    public var reason: String?
    public var signingTime: Date?
    public var digestAlgorithm: String
    /// SMIMECapabilities the signer announced (OpenSSL names).
    public var capabilities: [String]
    public var certificate: Certificate?
    /// Every certificate that came with the signature (for building the chain of a harvested certificate).
    public var bundledCertificates: [Certificate]

    init(_ result: CMSSignerResult, bundled: [Certificate]) {
        email = result.email
        subject = result.certificate?.subject
        issuer = result.certificate?.issuer
        fingerprint = result.certificate?.sha256FingerprintHex
        status = result.status
        switch result.trust {
        case .trusted: reason = result.failure
        case .untrusted(let why), .expired(let why), .revoked(let why): reason = result.failure ?? why
        }
        signingTime = result.signingTime
        digestAlgorithm = result.digestAlgorithm
        capabilities = result.capabilities
        certificate = result.certificate
        bundledCertificates = bundled
    }

    /// All email addresses of the signer's certificate (SAN first), lowercased.
    public var emailAddresses: [String] { certificate?.emailAddresses ?? email.map { [$0] } ?? [] }
}
