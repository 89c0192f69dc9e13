import COpenSSL

/// A certificate with the chain above it, as published to correspondents: never a private key.
public struct CertificateBundle: Sendable, Equatable {
    /// The end-entity certificate.
    public let leaf: Certificate
    /// Issuers above the leaf, nearest first (intermediates, then the root when known).
    public let chain: [Certificate]

    /// A bundle of a leaf and the chain above it, nearest issuer first.
    public init(leaf: Certificate, chain: [Certificate] = []) {
        self.leaf = leaf
        self.chain = chain
    }

    /// A bundle whose chain is found among `candidates` by following issuer names from the
    /// leaf up to a self-issued certificate. Candidates that are not on the path are left
    /// out; a path that stops early (issuer unknown) simply ends there.
    public init(leaf: Certificate, candidates: [Certificate]) {
        var chain: [Certificate] = []
        var current = leaf
        while current.issuer != current.subject,
              let issuer = candidates.first(where: { $0.subject == current.issuer && $0 != current && !chain.contains($0) })
        {
            chain.append(issuer)
            current = issuer
        }
        self.init(leaf: leaf, chain: chain)
    }

    /// The leaf followed by its chain.
    public var certificates: [Certificate] { [leaf] + chain }

    /// A PKCS#7 / CMS SignedData "certs-only" structure in DER (RFC 8551 section 3.8, the
    /// `.p7c` file): no signers, no content, the given certificates in the certificate set.
    public static func certsOnlyDER(_ certificates: [Certificate]) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        let stack = try CertificateStack(certificates)
        let flags = UInt32(CMS_BINARY | CMS_PARTIAL | CMS_DETACHED)
        guard let created = CMS_sign(nil, nil, stack.pointer, nil, flags) else {
            throw CryptoError.openSSL("create a certs-only PKCS#7 structure", remedy: "This is an internal error; report it with the OpenSSL text.")
        }
        let cms = CMSHandle(taking: created)
        return try cms.derBytes(operation: "encode a certs-only PKCS#7 structure")
    }
}

extension Certificate {
    /// The DER encoding of the certificate's SubjectPublicKeyInfo (what an SMIMEA / TLSA
    /// record with selector 1 covers).
    public func subjectPublicKeyInfoDER() throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let publicKeyInfo = X509_get_X509_PUBKEY(handle.pointer) else {
            throw CryptoError.openSSL("read the public key of \(self)", remedy: "The certificate has no usable public key.")
        }
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_PUBKEY(publicKeyInfo, &output)
        guard length > 0, let output else {
            throw CryptoError.openSSL("encode the public key of \(self)", remedy: "The certificate has no usable public key.")
        }
        defer { securemail_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }
}

/// Message digests for publishing (fingerprints, DNS record names).
public enum Digest {
    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = bytes.withUnsafeBytes { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &digest, &length, EVP_sha256(), nil)
        }
        guard succeeded == 1 else {
            throw CryptoError.openSSL("compute a SHA-256 digest", remedy: "This is an internal error; report it with the OpenSSL text.")
        }
        return Array(digest.prefix(Int(length)))
    }
}

extension Certificate {
    /// The subject's first commonName (CN) as UTF-8, or nil when it has none.
    public var subjectCommonName: String? { subjectAttribute(NID_commonName) }

    /// The subject's first organizationName (O) as UTF-8, or nil when it has none.
    public var subjectOrganization: String? { subjectAttribute(NID_organizationName) }

    private func subjectAttribute(_ nid: Int32) -> String? {
        guard let name = X509_get_subject_name(handle.pointer) else { return nil }
        let position = X509_NAME_get_index_by_NID(name, nid, -1)
        guard position >= 0, let entry = X509_NAME_get_entry(name, position),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var output: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&output, data)
        guard length >= 0, let output else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { securemail_free(output) }
        return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
    }
}
