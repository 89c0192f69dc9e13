import COpenSSL
import Foundation
import Synchronization

/// Digest algorithms for signatures.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    /// SHA-256: the default, read by every client.
    case sha256
    /// SHA-384.
    case sha384
    /// SHA-512.
    case sha512

    var evpDigest: OpaquePointer? {
        switch self {
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }
}

/// The content type of a CMS ContentInfo.
public enum CMSContentType: Hashable, Sendable {
    /// id-data: plain content.
    case data
    /// id-signedData.
    case signedData
    /// id-envelopedData (CBC content encryption).
    case envelopedData
    /// id-ct-authEnvelopedData (AES-GCM content encryption).
    case authEnvelopedData
    /// id-ct-compressedData.
    case compressedData
    /// Any other type, by dotted OID.
    case other(String)
}

/// The verdict on one signature.
public enum SignatureStatus: String, Sendable {
    /// Cryptographically valid and the signer's certificate is trusted.
    case valid
    /// The signature or digest does not match, or the signer's certificate is missing.
    case invalid
    /// Cryptographically valid, but the certificate does not chain to a trust anchor (or misfits the purpose).
    case untrusted
    /// Cryptographically valid, but a certificate in the path is outside its validity at the evaluation time.
    case expired
    /// Cryptographically valid, but a certificate in the path is revoked.
    case revoked
}

/// The result for one SignerInfo of a SignedData.
public struct CMSSignerResult: Sendable {
    /// The signer's certificate when it was found (embedded or among the trust store's intermediates).
    public let certificate: Certificate?
    /// The first email address of the certificate.
    public let email: String?
    /// Whether this signer's signature and message digest check out, judged alone.
    public let cryptographicallyValid: Bool
    /// Why the signature is not cryptographically valid (nil when it is).
    public let failure: String?
    /// Path validation of the certificate for email signing.
    public let trust: TrustEvaluation
    /// The overall verdict for this signer.
    public let status: SignatureStatus
    /// The signingTime attribute, when present.
    public let signingTime: Date?
    /// Digest algorithm name, e.g. "sha256".
    public let digestAlgorithm: String
    /// SMIMECapabilities as OpenSSL long names ("aes-256-gcm", "aes-256-cbc", "rsaesOaep") or dotted OIDs.
    public let capabilities: [String]
}

/// The result of verifying a SignedData.
public struct CMSVerification: Sendable {
    /// The signed content: the encapsulated content, or the detached content supplied.
    public let content: [UInt8]
    /// The encapsulated content type as a dotted OID ("1.2.840.113549.1.7.1" for id-data).
    public let eContentType: String
    /// True when eContentType is id-data, what S/MIME always signs.
    public var isDataContent: Bool { eContentType == CMS.idData }
    /// One result per SignerInfo; empty when the SignedData has none (which proves nothing).
    public let signers: [CMSSignerResult]
    /// Every certificate embedded in the SignedData.
    public let certificates: [Certificate]
    /// Suspicious facts worth reporting (unusual eContentType, content mismatch ...).
    public let warnings: [String]
}

/// Cryptographic Message Syntax (RFC 5652) operations for S/MIME.
public enum CMS {
    /// The OID of id-data.
    public static let idData = "1.2.840.113549.1.7.1"

    /// The type a CMS ContentInfo declares, or nil when the bytes do not open like one.
    ///
    /// Only the SEQUENCE header and the contentType OBJECT IDENTIFIER are read: the type decides
    /// how the whole is then parsed, and parsing a 27 MB EnvelopedData once more just to learn its
    /// type cost a copy of the ciphertext and a tenth of the time. A ContentInfo that declares a
    /// type but is damaged further on fails where it is parsed for decryption or verification.
    public static func contentType(of der: [UInt8], maximumInputSize: Int = CryptoLimits.defaultMaximumInputSize) -> CMSContentType? {
        guard der.count <= maximumInputSize, let identifier = contentTypeIdentifier(in: der) else { return nil }
        return contentType(identifiedBy: identifier)
    }

    /// ``contentType(of:maximumInputSize:)`` from the first bytes of a ContentInfo only (a few
    /// dozen are enough), to choose how to decode the rest of it.
    public static func contentType(ofOpening opening: [UInt8]) -> CMSContentType? {
        contentTypeIdentifier(in: opening, isOpeningOnly: true).flatMap(contentType(identifiedBy:))
    }

    private static func contentType(identifiedBy identifier: ArraySlice<UInt8>) -> CMSContentType? {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        return withObjectIdentifier(encoded: identifier) { type -> CMSContentType in
            switch OBJ_obj2nid(type) {
            case NID_pkcs7_data: return .data
            case NID_pkcs7_signed: return .signedData
            case NID_pkcs7_enveloped: return .envelopedData
            case NID_id_smime_ct_authEnvelopedData: return .authEnvelopedData
            case NID_id_smime_ct_compressedData: return .compressedData
            default: return .other(objectDottedForm(type))
            }
        }
    }

    /// The encoding (tag, length, value) of the OBJECT IDENTIFIER that opens a ContentInfo
    /// SEQUENCE, whose length may be definite (DER) or indefinite (BER, as streaming writers
    /// produce); nil when the bytes do not start that way or a definite length overruns them
    /// (unless they are only the opening of the ContentInfo).
    static func contentTypeIdentifier(in bytes: [UInt8], isOpeningOnly: Bool = false) -> ArraySlice<UInt8>? {
        guard bytes.count >= 2, bytes[0] == 0x30 else { return nil }
        var offset = 2
        let lengthOctet = bytes[1]
        if lengthOctet & 0x80 == 0 {
            guard isOpeningOnly || Int(lengthOctet) <= bytes.count - offset else { return nil }
        } else if lengthOctet != 0x80 {
            let octets = Int(lengthOctet & 0x7F)
            guard octets <= 4, bytes.count >= offset + octets else { return nil }
            let length = bytes[offset..<offset + octets].reduce(0) { $0 << 8 | Int($1) }
            offset += octets
            guard isOpeningOnly || length <= bytes.count - offset else { return nil }
        }
        guard bytes.count >= offset + 2, bytes[offset] == 0x06 else { return nil }
        let length = Int(bytes[offset + 1])
        guard length > 0, length < 0x80, bytes.count >= offset + 2 + length else { return nil }
        return bytes[offset..<offset + 2 + length]
    }

    /// Signs `content` (already canonicalised by the caller: it is signed byte for byte) and returns
    /// DER SignedData with the signer's certificate and chain, signingTime and SMIMECapabilities.
    /// RSA keys sign with PKCS#1 v1.5, EC keys with ECDSA.
    public static func sign(
        _ content: [UInt8], signer: Identity, digest: DigestAlgorithm = .sha256, detached: Bool,
        extraCertificates: [Certificate] = []
    ) throws -> [UInt8] {
        try checkInputSize(content.count, limit: CryptoLimits.defaultMaximumInputSize, what: "content to sign")
        return try sign(writing: { emit in try emit(content[...]) }, signer: signer, digest: digest, detached: detached, extraCertificates: extraCertificates)
    }

    /// ``sign(_:signer:digest:detached:extraCertificates:)`` with the content written piece by
    /// piece (already canonical: it is signed byte for byte), so that a large message is digested
    /// as it is written instead of being gathered into one buffer.
    public static func sign(
        writing content: CMSContentWriter, signer: Identity, digest: DigestAlgorithm = .sha256, detached: Bool,
        extraCertificates: [Certificate] = []
    ) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        var flags = UInt32(CMS_BINARY | CMS_PARTIAL)
        if detached { flags |= UInt32(CMS_DETACHED) }
        guard let created = CMS_sign(nil, nil, nil, nil, flags) else {
            throw CryptoError.openSSL("create CMS SignedData", remedy: "This is an internal error; report it with the OpenSSL text.")
        }
        let cms = CMSHandle(taking: created)
        guard let signerInfo = CMS_add1_signer(
            cms.pointer, signer.certificate.handle.pointer, signer.privateKey.handle.pointer, digest.evpDigest,
            UInt32(CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP))
        else {
            throw CryptoError.openSSL(.unsupported, "add signer \(signer.certificate)", remedy: "Use an RSA or EC key with SHA-256, SHA-384 or SHA-512.")
        }
        try addCapabilities(to: signerInfo)
        try addEncryptionKeyPreference(to: signerInfo, certificate: signer.certificate)
        for certificate in signer.chain + extraCertificates where CMS_add1_cert(cms.pointer, certificate.handle.pointer) != 1 {
            // A certificate already present is reported as an error; it is harmless.
            OpenSSLErrorQueue.clear()
        }
        try finish(cms, writing: content, what: "content to sign", operation: "sign the content", remedy: "Check that the private key is usable for signing.")
        return try cms.derBytes(operation: "encode CMS SignedData")
    }

    /// Writes the content through the CMS object's BIO chain and completes it, as CMS_final does
    /// with an input BIO, but without needing the content in one buffer.
    static func finish(_ cms: CMSHandle, writing content: CMSContentWriter, what: String, operation: String, remedy: String) throws {
        guard let chain = CMS_dataInit(cms.pointer, nil) else {
            throw CryptoError.openSSL(operation, remedy: remedy)
        }
        defer { BIO_free_all(chain) }
        try writeContent(content, to: chain, limit: CryptoLimits.defaultMaximumInputSize, what: what)
        guard BIO_ctrl(chain, BIO_CTRL_FLUSH, 0, nil) > 0, CMS_dataFinal(cms.pointer, chain) == 1 else {
            throw CryptoError.openSSL(operation, remedy: remedy)
        }
    }

    /// What this gateway announces it can decrypt, strongest first.
    private static func addCapabilities(to signerInfo: OpaquePointer) throws {
        guard let algorithms = securemail_sk_X509_ALGOR_new() else {
            throw CryptoError.openSSL("allocate SMIMECapabilities", remedy: "The process is out of memory.")
        }
        defer { securemail_sk_X509_ALGOR_free_all(algorithms) }
        for nid in [NID_aes_256_gcm, NID_aes_256_cbc, NID_aes_128_cbc, NID_rsaesOaep] {
            guard PKCS7_simple_smimecap(algorithms, nid, -1) == 1 else {
                throw CryptoError.openSSL("build SMIMECapabilities", remedy: "The process is out of memory.")
            }
        }
        guard CMS_add_smimecap(signerInfo, algorithms) == 1 else {
            throw CryptoError.openSSL("add SMIMECapabilities", remedy: "The process is out of memory.")
        }
    }

    /// SMIMEEncryptionKeyPreference (RFC 8551) naming the signer's own certificate by issuer and
    /// serial, so that replies are encrypted to it.
    private static func addEncryptionKeyPreference(to signerInfo: OpaquePointer, certificate: Certificate) throws {
        var issuerOutput: UnsafeMutablePointer<UInt8>?
        let issuerLength = i2d_X509_NAME(X509_get_issuer_name(certificate.handle.pointer), &issuerOutput)
        defer { securemail_free(issuerOutput) }
        var serialOutput: UnsafeMutablePointer<UInt8>?
        let serialLength = i2d_ASN1_INTEGER(X509_get0_serialNumber(certificate.handle.pointer), &serialOutput)
        defer { securemail_free(serialOutput) }
        guard issuerLength > 0, serialLength > 0, let issuerOutput, let serialOutput else {
            throw CryptoError.openSSL("encode the signer's issuer and serial number", remedy: "The signer certificate is damaged.")
        }
        // issuerAndSerialNumber [0] IMPLICIT IssuerAndSerialNumber: the SEQUENCE tag becomes [0] constructed.
        let contents = Array(UnsafeBufferPointer(start: issuerOutput, count: Int(issuerLength)))
            + Array(UnsafeBufferPointer(start: serialOutput, count: Int(serialLength)))
        let value = DERReader.encoding(tag: 0xA0, contents: contents)
        // A SEQUENCE-typed attribute value is written verbatim, so it may carry the [0] tag.
        guard CMS_signed_add1_attr_by_NID(signerInfo, NID_id_smime_aa_encrypKeyPref, V_ASN1_SEQUENCE, value, Int32(value.count)) == 1 else {
            throw CryptoError.openSSL("add SMIMEEncryptionKeyPreference", remedy: "The process is out of memory.")
        }
    }

    /// Verifies a SignedData, judging each SignerInfo on its own. Throws only when `der` is not
    /// parseable CMS SignedData; a bad signature is a result, not an error.
    /// - Parameters:
    ///   - detachedContent: the content of a detached signature (multipart/signed), canonicalised.
    ///   - trust: anchors, intermediates and CRLs for the signer certificates.
    ///   - at: the time at which certificates must be valid.
    public static func verify(
        _ der: [UInt8], detachedContent: [UInt8]?, trust: TrustStore, at time: Date,
        maximumInputSize: Int = CryptoLimits.defaultMaximumInputSize
    ) throws -> CMSVerification {
        if let detachedContent { try checkInputSize(detachedContent.count, limit: maximumInputSize, what: "signed content") }
        var writer: CMSContentWriter?
        if let detachedContent { writer = { emit in try emit(detachedContent[...]) } }
        let (verification, isDetached) = try verifying(
            der, writingDetachedContent: writer, trust: trust, at: time, maximumInputSize: maximumInputSize)
        guard isDetached else { return verification }
        return CMSVerification(
            content: detachedContent ?? [], eContentType: verification.eContentType, signers: verification.signers,
            certificates: verification.certificates, warnings: verification.warnings)
    }

    /// ``verify(_:detachedContent:trust:at:maximumInputSize:)`` with the detached content (of a
    /// multipart/signed, canonicalised) written piece by piece into the digests, so that a large
    /// message is never gathered into one buffer. The result's `content` is the encapsulated
    /// content, or empty for a detached signature.
    public static func verify(
        _ der: [UInt8], writingDetachedContent detachedContent: CMSContentWriter?, trust: TrustStore, at time: Date,
        maximumInputSize: Int = CryptoLimits.defaultMaximumInputSize
    ) throws -> CMSVerification {
        try verifying(der, writingDetachedContent: detachedContent, trust: trust, at: time, maximumInputSize: maximumInputSize).verification
    }

    private static func verifying(
        _ der: [UInt8], writingDetachedContent detachedContent: CMSContentWriter?, trust: TrustStore, at time: Date, maximumInputSize: Int
    ) throws -> (verification: CMSVerification, isDetached: Bool) {
        OpenSSLErrorQueue.clear()
        try checkInputSize(der.count, limit: maximumInputSize, what: "CMS SignedData")
        guard let (cms, embedded) = parseSignedData(der) else {
            throw CryptoError.openSSL(.malformedInput, "parse CMS SignedData", remedy: "The signature is damaged or not CMS; treat the message as not verified.")
        }
        guard OBJ_obj2nid(CMS_get0_type(cms.pointer)) == NID_pkcs7_signed else {
            throw CryptoError(
                .malformedInput, operation: "verify a CMS \(objectName(CMS_get0_type(cms.pointer))) as SignedData",
                remedy: "Only SignedData carries signatures; decrypt enveloped data first.")
        }
        let eContentType = objectDottedForm(CMS_get0_eContentType(cms.pointer))
        var warnings: [String] = []
        if eContentType != idData {
            warnings.append("The signed content type is \(objectName(CMS_get0_eContentType(cms.pointer))) (\(eContentType)), not id-data: S/MIME signs id-data only.")
        }
        let isDetached = CMS_is_detached(cms.pointer) == 1
        if isDetached {
            if detachedContent == nil {
                warnings.append("The signature is detached and no content was supplied: nothing could be verified.")
            }
        } else if detachedContent != nil {
            warnings.append("Detached content was supplied but the SignedData carries its own content; the embedded content was verified and is returned.")
        }

        let digested = isDetached
            ? digestDetachedContent(cms, writing: detachedContent ?? { _ in }, limit: maximumInputSize)
            : digestEmbeddedContent(cms)
        defer { if let chain = digested.chain { BIO_free_all(chain) } }
        let content = digested.content
        var digestFailure = digested.failure
        if isDetached && detachedContent == nil { digestFailure = "no content to verify against" }

        var signers: [CMSSignerResult] = []
        if let signerInfos = CMS_get0_SignerInfos(cms.pointer) {
            for index in 0..<securemail_sk_CMS_SignerInfo_num(signerInfos) {
                guard let signerInfo = securemail_sk_CMS_SignerInfo_value(signerInfos, index) else { continue }
                signers.append(judge(
                    signerInfo, embedded: embedded, trust: trust, at: time,
                    digestChain: digested.chain, digestFailure: digestFailure))
            }
        }
        OpenSSLErrorQueue.clear()
        let verification = CMSVerification(
            content: content, eContentType: eContentType, signers: signers, certificates: embedded, warnings: warnings)
        return (verification, isDetached)
    }

    /// Parses CMS, with the certificates of a small SignedData taken from the process's
    /// ``CertificateCache`` rather than parsed again; anything else is parsed as it is.
    private static func parseSignedData(_ der: [UInt8]) -> (cms: CMSHandle, certificates: [Certificate])? {
        if let split = SignedDataCertificates(splitting: der, cache: .shared), let cms = CMSHandle.parse(split.remainder) {
            return (cms, split.certificates)
        }
        guard let cms = CMSHandle.parse(der) else { return nil }
        return (cms, Certificate.certificatesOf(cms))
    }

    /// A SignedData taken apart into its certificates and the rest. The certificates field is
    /// outside what is signed, so verifying the rest against them (added as untrusted
    /// certificates, as the field is) judges the same signature.
    struct SignedDataCertificates {
        /// Above this size the copy without the certificates would cost more than parsing them:
        /// it holds encapsulated content, which is hashed anyway.
        static let maximumSize = 1 << 20

        /// The ContentInfo without the SignedData's certificates field.
        let remainder: [UInt8]
        /// The certificates in the order of the field.
        let certificates: [Certificate]

        /// id-signedData (1.2.840.113549.1.7.2) as a contentType OBJECT IDENTIFIER.
        private static let identifier: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]

        /// Nil when `der` is larger than ``maximumSize``, is not a SignedData, has no
        /// certificates, or has one that is not a plain X.509 certificate that parses on its own.
        init?(splitting der: [UInt8], cache: CertificateCache) {
            guard der.count <= Self.maximumSize else { return nil }
            let reader = DERReader(bytes: der)
            guard let contentInfo = reader.element(at: 0), contentInfo.tag == 0x30, contentInfo.end == der.count else { return nil }
            let parts = reader.children(of: contentInfo)
            // SignedData: version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL,
            // [1] crls OPTIONAL, signerInfos.
            guard parts.count == 2, reader.encoding(of: parts[0]) == Self.identifier, parts[1].tag == 0xA0,
                  let signedData = reader.children(of: parts[1]).first, signedData.tag == 0x30 else { return nil }
            let fields = reader.children(of: signedData)
            guard fields.count >= 4, let field = fields.dropFirst(3).first, field.tag == 0xA0 else { return nil }
            let elements = reader.children(of: field)
            guard let last = elements.last, last.end == field.contents.upperBound else { return nil }
            var certificates: [Certificate] = []
            for element in elements {
                guard element.tag == 0x30, !element.isIndefinite,
                      let certificate = cache.certificate(derEncoded: reader.encoding(of: element)) else { return nil }
                certificates.append(certificate)
            }
            remainder = reader.encoding(along: [contentInfo, parts[1], signedData], replacing: field, with: [])
            self.certificates = certificates
        }
    }

    /// Writes the detached content through the SignedData's digest BIOs (which end in a null BIO:
    /// nothing is kept). The returned chain must be freed.
    private static func digestDetachedContent(_ cms: CMSHandle, writing content: CMSContentWriter, limit: Int) -> (content: [UInt8], chain: OpaquePointer?, failure: String?) {
        guard let chain = CMS_dataInit(cms.pointer, nil) else {
            let text = OpenSSLErrorQueue.drain().joined(separator: "; ")
            return ([], nil, "the content could not be digested: \(text)")
        }
        do {
            try writeContent(content, to: chain, limit: limit, what: "signed content")
        } catch {
            return ([], chain, "the content could not be digested: \(error)")
        }
        return ([], chain, nil)
    }

    /// Reads the encapsulated content through the SignedData's digest BIOs into one array of its
    /// size. The returned chain must be freed.
    private static func digestEmbeddedContent(_ cms: CMSHandle) -> (content: [UInt8], chain: OpaquePointer?, failure: String?) {
        guard let chain = CMS_dataInit(cms.pointer, nil) else {
            let text = OpenSSLErrorQueue.drain().joined(separator: "; ")
            return ([], nil, "the content could not be digested: \(text)")
        }
        var content: [UInt8] = []
        if let position = CMS_get0_content(cms.pointer), let octets = position.pointee {
            LargeBuffers.reserveCapacity(&content, Int(max(0, ASN1_STRING_length(octets))))
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { BIO_read(chain, $0.baseAddress, Int32($0.count)) }
            if count <= 0 {
                if count < 0 || BIO_test_flags(chain, BIO_FLAGS_SHOULD_RETRY) != 0 {
                    return (content, chain, "the content could not be read")
                }
                break
            }
            content.append(contentsOf: buffer.prefix(Int(count)))
        }
        return (content, chain, nil)
    }

    private static func judge(
        _ signerInfo: OpaquePointer, embedded: [Certificate], trust: TrustStore, at time: Date,
        digestChain: OpaquePointer?, digestFailure: String?
    ) -> CMSSignerResult {
        OpenSSLErrorQueue.clear()
        var digestAlgorithm: UnsafeMutablePointer<X509_ALGOR>?
        CMS_SignerInfo_get0_algs(signerInfo, nil, nil, &digestAlgorithm, nil)
        let digestName = digestAlgorithm.map { objectName($0.pointee.algorithm) } ?? ""
        let signingTime = readSigningTime(signerInfo)
        let capabilities = readCapabilities(signerInfo)
        // The anchors are parsed only when the message and the intermediates lack the signer.
        let isSigner = { (candidate: Certificate) in CMS_SignerInfo_cert_cmp(signerInfo, candidate.handle.pointer) == 0 }
        let certificate = (embedded + trust.intermediates).first(where: isSigner) ?? trust.anchors.first(where: isSigner)
        func result(valid: Bool, failure: String?, trustResult: TrustEvaluation) -> CMSSignerResult {
            let status: SignatureStatus
            switch (valid, trustResult) {
            case (false, _): status = .invalid
            case (true, .trusted): status = .valid
            case (true, .untrusted): status = .untrusted
            case (true, .expired): status = .expired
            case (true, .revoked): status = .revoked
            }
            return CMSSignerResult(
                certificate: certificate, email: certificate?.emailAddresses.first, cryptographicallyValid: valid,
                failure: failure, trust: trustResult, status: status, signingTime: signingTime,
                digestAlgorithm: digestName, capabilities: capabilities)
        }
        guard let certificate else {
            return result(valid: false, failure: "the signer's certificate is not in the message", trustResult: .untrusted(reason: "signer certificate not found"))
        }
        let trustResult = trust.evaluate(certificate, untrustedChain: embedded, at: time, purpose: .emailSigning)
        OpenSSLErrorQueue.clear()
        CMS_SignerInfo_set1_signer_cert(signerInfo, certificate.handle.pointer)
        if CMS_signed_get_attr_count(signerInfo) >= 0, CMS_SignerInfo_verify(signerInfo) != 1 {
            let text = OpenSSLErrorQueue.drain().joined(separator: "; ")
            return result(valid: false, failure: "the signature over the signed attributes does not verify: \(text)", trustResult: trustResult)
        }
        if let digestFailure {
            return result(valid: false, failure: digestFailure, trustResult: trustResult)
        }
        guard let digestChain, CMS_SignerInfo_verify_content(signerInfo, digestChain) == 1 else {
            let text = OpenSSLErrorQueue.drain().joined(separator: "; ")
            return result(valid: false, failure: "the content does not match the signature: \(text)", trustResult: trustResult)
        }
        return result(valid: true, failure: nil, trustResult: trustResult)
    }

    private static func readSigningTime(_ signerInfo: OpaquePointer) -> Date? {
        let position = CMS_signed_get_attr_by_NID(signerInfo, NID_pkcs9_signingTime, -1)
        guard position >= 0, let attribute = CMS_signed_get_attr(signerInfo, position),
              let value = X509_ATTRIBUTE_get0_type(attribute, 0) else { return nil }
        let type = value.pointee.type
        guard type == V_ASN1_UTCTIME || type == V_ASN1_GENERALIZEDTIME else { return nil }
        return date(from: UnsafePointer(value.pointee.value.asn1_string))
    }

    private static func readCapabilities(_ signerInfo: OpaquePointer) -> [String] {
        guard let object = OBJ_nid2obj(NID_SMIMECapabilities),
              let raw = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, V_ASN1_SEQUENCE) else { return [] }
        let encoded = EncodedBytes(bytes(of: raw.assumingMemoryBound(to: ASN1_STRING.self)))
        guard !encoded.bytes.isEmpty else { return [] }
        if let known = capabilityNames.withLock({ $0[encoded] }) { return known }
        let names = capabilityNames(decoding: encoded.bytes)
        capabilityNames.withLock { cache in
            if cache.count >= 64 { cache.removeAll() }
            cache[encoded] = names
        }
        return names
    }

    /// The algorithm names of SMIMECapabilities attributes seen before, by their DER: a client
    /// sends the same list with every message, and naming each algorithm is a search of
    /// OpenSSL's object table. Few clients' lists: cleared when it holds 64.
    private static let capabilityNames = Mutex<[EncodedBytes: [String]]>([:])

    private static func capabilityNames(decoding encoded: [UInt8]) -> [String] {
        let decoded = encoded.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_ALGORS(nil, &cursor, buffer.count)
        }
        guard let algorithms = decoded else {
            OpenSSLErrorQueue.clear()
            return []
        }
        defer { securemail_sk_X509_ALGOR_free_all(algorithms) }
        return (0..<securemail_sk_X509_ALGOR_num(algorithms)).compactMap { index in
            guard let algorithm = securemail_sk_X509_ALGOR_value(algorithms, index) else { return nil }
            return objectName(algorithm.pointee.algorithm)
        }
    }
}
