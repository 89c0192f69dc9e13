import COpenSSL
import Foundation

/// Content-encryption algorithms.
public enum ContentCipher: String, Sendable, CaseIterable {
    /// AES-128-CBC in EnvelopedData.
    case aes128CBC = "aes-128-cbc"
    /// AES-256-CBC in EnvelopedData: what every client reads.
    case aes256CBC = "aes-256-cbc"
    /// AES-256-GCM in AuthEnvelopedData (RFC 5083/5084).
    case aes256GCM = "aes-256-gcm"

    var evpCipher: OpaquePointer? {
        switch self {
        case .aes128CBC: EVP_aes_128_cbc()
        case .aes256CBC: EVP_aes_256_cbc()
        case .aes256GCM: EVP_aes_256_gcm()
        }
    }
}

/// How the content-encryption key is transported to an RSA recipient. EC recipients always use
/// ECDH key agreement.
public enum KeyTransport: Sendable {
    /// RSAES-PKCS1-v1_5: what every client reads.
    case rsaPKCS1v15
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    case rsaOAEP
}

/// One recipient of an encrypted message.
public struct CMSRecipient: Sendable {
    /// The recipient's certificate.
    public let certificate: Certificate
    /// Key transport for RSA certificates (ignored for EC, which uses key agreement).
    public let keyTransport: KeyTransport

    /// Creates a recipient.
    public init(certificate: Certificate, keyTransport: KeyTransport = .rsaPKCS1v15) {
        self.certificate = certificate
        self.keyTransport = keyTransport
    }
}

/// The result of decrypting.
public struct CMSDecryption: Sendable {
    /// The kind of encrypted structure.
    public enum Kind: String, Sendable {
        /// EnvelopedData.
        case enveloped
        /// AuthEnvelopedData.
        case authEnveloped
    }

    /// The decrypted content.
    public var content: [UInt8]
    /// EnvelopedData or AuthEnvelopedData.
    public let kind: Kind
    /// OpenSSL's lowercase name of the content-encryption algorithm, e.g. "aes-256-cbc".
    public let contentEncryptionAlgorithm: String
    /// The certificate of the identity that decrypted.
    public let recipient: Certificate
}

extension CMS {
    /// Encrypts `content` byte for byte to every recipient: EnvelopedData for CBC ciphers,
    /// AuthEnvelopedData for AES-GCM. Returns DER.
    public static func encrypt(_ content: [UInt8], recipients: [CMSRecipient], cipher: ContentCipher = .aes256CBC) throws -> [UInt8] {
        try checkInputSize(content.count, limit: CryptoLimits.defaultMaximumInputSize, what: "content to encrypt")
        return try encrypt(writing: { emit in try emit(content[...]) }, recipients: recipients, cipher: cipher)
    }

    /// ``encrypt(_:recipients:cipher:)`` with the content written piece by piece, so that a large
    /// message is encrypted as it is written instead of being gathered into one buffer first.
    public static func encrypt(writing content: CMSContentWriter, recipients: [CMSRecipient], cipher: ContentCipher = .aes256CBC) throws -> [UInt8] {
        let cms = try envelope(recipients: recipients, cipher: cipher, streamed: false)
        try finish(
            cms, writing: content, what: "content to encrypt", operation: "encrypt the content",
            remedy: encryptionRemedy)
        return try cms.derBytes(operation: "encode CMS encrypted data")
    }

    /// ``encrypt(writing:recipients:cipher:)``, streamed: the result is encoded in BER with
    /// indefinite lengths, as `openssl cms -encrypt -stream` writes it, and handed to `output` piece
    /// by piece while the content is written, so that neither the ciphertext nor its encoding is
    /// ever held in one buffer. `output` must not keep the pointer it is given.
    public static func encrypt(
        writing content: CMSContentWriter, recipients: [CMSRecipient], cipher: ContentCipher = .aes256CBC,
        streamingTo output: (UnsafeRawBufferPointer) -> Void
    ) throws {
        let cms = try envelope(recipients: recipients, cipher: cipher, streamed: true)
        try withoutActuallyEscaping(output) { output in
            let sink = try SinkBIO(consumer: output)
            guard let encoder = BIO_new_CMS(sink.pointer, cms.pointer) else {
                throw CryptoError.openSSL("start streaming CMS encrypted data", remedy: encryptionRemedy)
            }
            // Without a buffer, every write would become its own OCTET STRING of a few bytes.
            guard let buffer = BIO_new(BIO_f_buffer()) else {
                freeChain(encoder, downTo: sink.pointer)
                throw CryptoError.openSSL("allocate a write buffer", remedy: "The process is out of memory.")
            }
            BIO_push(buffer, encoder)
            let chain = buffer
            defer { freeChain(chain, downTo: sink.pointer) }
            guard BIO_int_ctrl(chain, BIO_C_SET_BUFF_SIZE, 64 * 1024, 1) == 1 else {
                throw CryptoError.openSSL("size the write buffer", remedy: "The process is out of memory.")
            }
            try writeContent(content, to: chain, limit: CryptoLimits.defaultMaximumInputSize, what: "content to encrypt")
            guard BIO_ctrl(chain, BIO_CTRL_FLUSH, 0, nil) > 0 else {
                throw CryptoError.openSSL("encrypt the content", remedy: encryptionRemedy)
            }
        }
    }

    /// Frees the BIOs of a chain from `top` down to, not including, `sink` (which has its own
    /// owner), the way OpenSSL's own streaming writers take down a chain made by `BIO_new_CMS`.
    private static func freeChain(_ top: OpaquePointer?, downTo sink: OpaquePointer) {
        var current = top
        while let bio = current, bio != sink {
            current = BIO_pop(bio)
            BIO_free(bio)
        }
    }

    /// What to check when OpenSSL cannot encrypt to the recipients.
    private static let encryptionRemedy = "Check the recipients' certificates (RSA or EC keys usable for encryption)."

    /// An empty EnvelopedData (CBC) or AuthEnvelopedData (GCM) addressed to every recipient.
    private static func envelope(recipients: [CMSRecipient], cipher: ContentCipher, streamed: Bool) throws -> CMSHandle {
        OpenSSLErrorQueue.clear()
        guard !recipients.isEmpty else {
            throw CryptoError(.unsupported, operation: "encrypt without recipients", remedy: "Give at least one recipient certificate.")
        }
        let flags = UInt32(CMS_BINARY | CMS_PARTIAL | (streamed ? CMS_STREAM : 0))
        guard let created = CMS_encrypt_ex(nil, nil, cipher.evpCipher, flags, nil, nil) else {
            throw CryptoError.openSSL(.unsupported, "create CMS \(cipher == .aes256GCM ? "AuthEnvelopedData" : "EnvelopedData")", remedy: "Choose another cipher.")
        }
        let cms = CMSHandle(taking: created)
        for recipient in recipients {
            try addRecipient(recipient, to: cms)
        }
        return cms
    }

    private static func addRecipient(_ recipient: CMSRecipient, to cms: CMSHandle) throws {
        let certificate = recipient.certificate
        let isRSA: Bool
        switch certificate.publicKeyAlgorithm {
        case .rsa: isRSA = true
        case .ec: isRSA = false
        case .other(let name):
            throw CryptoError(.unsupported, operation: "encrypt to \(certificate) with a \(name) key", remedy: "Use the recipient's RSA or EC certificate.")
        }
        let useOAEP = isRSA && recipient.keyTransport == .rsaOAEP
        let recipientFlags = useOAEP ? UInt32(CMS_KEY_PARAM) : 0
        guard let recipientInfo = CMS_add1_recipient_cert(cms.pointer, certificate.handle.pointer, recipientFlags) else {
            throw CryptoError.openSSL(.unsupported, "add recipient \(certificate)", remedy: "Check that the certificate's key can be used for encryption.")
        }
        guard useOAEP else { return }
        guard let context = CMS_RecipientInfo_get0_pkey_ctx(recipientInfo),
              EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) > 0,
              EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha256()) > 0,
              EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) > 0
        else {
            throw CryptoError.openSSL(.unsupported, "set RSA-OAEP for \(certificate)", remedy: "Use PKCS#1 v1.5 key transport for this recipient.")
        }
    }

    /// Decrypts EnvelopedData or AuthEnvelopedData with the identity whose certificate a
    /// RecipientInfo names (issuer and serial, or subject key identifier). No other key is tried.
    ///
    /// The candidates are taken in order, each loaded only when none before it is a recipient, so
    /// that the preferred identity (the addressed mailbox's) opens the message without the others
    /// being read. Throws ``IdentityUnavailableError`` when a candidate it reaches cannot be loaded.
    ///
    /// Takes ownership of `der`, which is decrypted in its own storage: OpenSSL is given the
    /// structure without its ciphertext, and reads the ciphertext (its BER pieces moved together
    /// first) as detached content while the plaintext is written over the bytes already read, so
    /// a large message is held once. Plaintext that fails the padding or GCM tag check is thrown
    /// away with the storage. An unusual layout is parsed whole and `der` let go before the
    /// content is decrypted into one array no larger than it: held at most twice.
    public static func decrypt(
        _ der: consuming [UInt8], candidates: [DeferredIdentity], maximumInputSize: Int = CryptoLimits.defaultMaximumInputSize
    ) throws -> CMSDecryption {
        OpenSSLErrorQueue.clear()
        try checkInputSize(der.count, limit: maximumInputSize, what: "CMS encrypted data")
        guard let envelope = DetachedEnvelope(splitting: der) else {
            return try decryptWhole(consume der, candidates: candidates)
        }
        return try decryptInPlace(consume der, envelope: envelope, candidates: candidates)
    }

    /// ``decrypt(_:candidates:maximumInputSize:)`` with identities already loaded.
    public static func decrypt(
        _ der: consuming [UInt8], identities: [Identity], maximumInputSize: Int = CryptoLimits.defaultMaximumInputSize
    ) throws -> CMSDecryption {
        try decrypt(consume der, candidates: identities.map(DeferredIdentity.init), maximumInputSize: maximumInputSize)
    }

    /// ``decrypt(_:candidates:maximumInputSize:)`` of the structure parsed whole.
    private static func decryptWhole(_ der: consuming [UInt8], candidates: [DeferredIdentity]) throws -> CMSDecryption {
        // Decrypted content is never longer than the ciphertext, which is inside the DER.
        let capacity = der.count
        let algorithmFromInput = contentEncryptionAlgorithm(ofDER: der)
        let opened = try open(consume der, candidates: candidates)
        let content = try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            LargeBuffers.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            let sink = try SinkBIO(buffer: buffer)
            try decryptContent(of: opened.cms, detachedCiphertext: nil, into: sink)
            count = sink.count
        }
        return CMSDecryption(
            content: content, kind: opened.kind,
            contentEncryptionAlgorithm: algorithmFromInput ?? (try? contentEncryptionAlgorithm(of: opened.cms)) ?? "unknown",
            recipient: opened.identity.certificate)
    }

    /// ``decrypt(_:candidates:maximumInputSize:)`` in `der`'s own storage.
    private static func decryptInPlace(_ der: consuming [UInt8], envelope: DetachedEnvelope, candidates: [DeferredIdentity]) throws -> CMSDecryption {
        let opened = try open(envelope.header, candidates: candidates)
        var content = consume der
        let count = try content.withUnsafeMutableBufferPointer { buffer in
            let range = envelope.gatherCiphertext(in: buffer)
            guard let base = buffer.baseAddress, let ciphertext = BIO_new_mem_buf(base + range.lowerBound, Int32(range.count)) else {
                throw CryptoError.openSSL("read the ciphertext", remedy: "The process is out of memory.")
            }
            defer { BIO_free(ciphertext) }
            // Plaintext is never longer than the ciphertext read before it, which starts after the header.
            let sink = try SinkBIO(buffer: buffer)
            try decryptContent(of: opened.cms, detachedCiphertext: ciphertext, into: sink)
            return sink.count
        }
        content.removeSubrange(count...)
        LargeBuffers.releaseUnusedCapacity(of: &content)
        return CMSDecryption(
            content: content, kind: opened.kind,
            contentEncryptionAlgorithm: contentEncryptionAlgorithm(ofDER: envelope.header) ?? "unknown", recipient: opened.identity.certificate)
    }

    /// Parses `der` (letting it go once parsed), finds the first candidate a RecipientInfo names
    /// and decrypts the content-encryption key with it.
    private static func open(_ der: consuming [UInt8], candidates: [DeferredIdentity]) throws -> (cms: CMSHandle, kind: CMSDecryption.Kind, identity: Identity) {
        guard let cms = CMSHandle.parse(der) else {
            throw CryptoError.openSSL(.malformedInput, "parse CMS encrypted data", remedy: "The message is damaged or not CMS.")
        }
        _ = consume der
        let kind: CMSDecryption.Kind
        switch OBJ_obj2nid(CMS_get0_type(cms.pointer)) {
        case NID_pkcs7_enveloped: kind = .enveloped
        case NID_id_smime_ct_authEnvelopedData: kind = .authEnveloped
        default:
            throw CryptoError(
                .malformedInput, operation: "decrypt a CMS \(objectName(CMS_get0_type(cms.pointer)))",
                remedy: "Only EnvelopedData and AuthEnvelopedData can be decrypted.")
        }
        guard let recipientInfos = CMS_get0_RecipientInfos(cms.pointer) else {
            throw CryptoError.openSSL(.malformedInput, "read the recipients", remedy: "The message is damaged.")
        }
        let recipients = (0..<securemail_sk_CMS_RecipientInfo_num(recipientInfos)).compactMap {
            securemail_sk_CMS_RecipientInfo_value(recipientInfos, $0)
        }
        var chosen: Identity?
        for candidate in candidates {
            let identity = try candidate.identity()
            if recipients.contains(where: { identityMatches(identity, $0) }) {
                chosen = identity
                break
            }
        }
        OpenSSLErrorQueue.clear()
        guard let identity = chosen else {
            // Named only when the message cannot be opened: rendering them costs as much as checking a digest.
            let listed = recipients.flatMap(describeRecipients)
            throw CryptoError(
                .noMatchingRecipient,
                operation: "decrypt: none of our \(candidates.count) key(s) is a recipient; the message is for \(listed.isEmpty ? "no recipient" : listed.joined(separator: "; "))",
                remedy: "Configure the private key of one of these certificates, or ask the sender to encrypt to our current certificate.")
        }
        guard CMS_decrypt_set1_pkey_and_peer(cms.pointer, identity.privateKey.handle.pointer, identity.certificate.handle.pointer, nil) == 1 else {
            throw CryptoError.openSSL(
                .decryptionFailed, "decrypt the content-encryption key with the key of \(identity.certificate)",
                remedy: "The key does not open this message or the message is damaged; treat it as undecryptable.")
        }
        return (cms, kind, identity)
    }

    /// Decrypts the content of `cms`, whose key is set, from `detachedCiphertext` or from the
    /// structure itself when nil, into `sink`.
    private static func decryptContent(of cms: CMSHandle, detachedCiphertext: OpaquePointer?, into sink: SinkBIO) throws {
        guard CMS_decrypt(cms.pointer, nil, nil, detachedCiphertext, sink.pointer, UInt32(CMS_BINARY)) == 1 else {
            throw CryptoError.openSSL(
                .decryptionFailed, "decrypt the content",
                remedy: "The message was altered or damaged (authentication tag or padding check failed); treat it as undecryptable.")
        }
    }

    /// An EnvelopedData or AuthEnvelopedData (DER, or BER as streaming writers produce it) split
    /// in two: the structure without its encryptedContent, and where the pieces of the ciphertext lie in
    /// the input (one for a primitive encryptedContent, one per OCTET STRING of a constructed
    /// one). Nil for anything else, which is decrypted whole.
    private struct DetachedEnvelope {
        /// The ContentInfo with the EncryptedContentInfo's encryptedContent left out (detached).
        let header: [UInt8]
        let ciphertextPieces: [Range<Int>]

        /// id-envelopedData (1.2.840.113549.1.7.3) and id-ct-authEnvelopedData
        /// (1.2.840.113549.1.9.16.1.23, RFC 5083) as contentType OBJECT IDENTIFIERs.
        private static let identifiers: [[UInt8]] = [
            [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03],
            [0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x17],
        ]

        init?(splitting input: borrowing [UInt8]) {
            let reader = DERReader(bytes: copy input)
            let bytes = reader.bytes
            guard let contentInfo = reader.element(at: 0), contentInfo.tag == 0x30, contentInfo.end == bytes.count else { return nil }
            let parts = reader.children(of: contentInfo)
            // The (auth)EncryptedContentInfo is the first SEQUENCE of either structure.
            guard parts.count == 2, Self.identifiers.contains(reader.encoding(of: parts[0])),
                  parts[1].tag == 0xA0, let envelopedData = reader.children(of: parts[1]).first, envelopedData.tag == 0x30,
                  let encryptedContentInfo = reader.children(of: envelopedData).first(where: { $0.tag == 0x30 }),
                  let encryptedContent = reader.children(of: encryptedContentInfo).last,
                  encryptedContent.start > encryptedContentInfo.contents.lowerBound
            else { return nil }
            switch encryptedContent.tag {
            case 0x80:
                ciphertextPieces = [encryptedContent.contents]
            case 0xA0:
                let pieces = reader.children(of: encryptedContent)
                guard !pieces.isEmpty, pieces.last?.end == encryptedContent.contents.upperBound, pieces.allSatisfy({ $0.tag == 0x04 }) else {
                    return nil
                }
                ciphertextPieces = pieces.map(\.contents)
            default:
                return nil
            }
            // OpenSSL's memory BIO takes an int length.
            guard ciphertextPieces.reduce(0, { $0 + $1.count }) <= Int(Int32.max) else { return nil }
            header = reader.encoding(
                along: [contentInfo, parts[1], envelopedData, encryptedContentInfo], replacing: encryptedContent, with: [])
        }

        /// Moves the pieces of the ciphertext together in `buffer`, where the first one starts,
        /// and returns where it then lies.
        func gatherCiphertext(in buffer: UnsafeMutableBufferPointer<UInt8>) -> Range<Int> {
            let start = ciphertextPieces[0].lowerBound
            var end = start
            for piece in ciphertextPieces {
                if piece.lowerBound != end, let base = buffer.baseAddress {
                    memmove(base + end, base + piece.lowerBound, piece.count)
                }
                end += piece.count
            }
            return start..<end
        }
    }

    private static func identityMatches(_ identity: Identity, _ recipientInfo: OpaquePointer) -> Bool {
        let certificate = identity.certificate.handle.pointer
        switch CMS_RecipientInfo_type(recipientInfo) {
        case CMS_RECIPINFO_TRANS:
            return CMS_RecipientInfo_ktri_cert_cmp(recipientInfo, certificate) == 0
        case CMS_RECIPINFO_AGREE:
            guard let keys = CMS_RecipientInfo_kari_get0_reks(recipientInfo) else { return false }
            return (0..<securemail_sk_CMS_RecipientEncryptedKey_num(keys)).contains { index in
                guard let key = securemail_sk_CMS_RecipientEncryptedKey_value(keys, index) else { return false }
                return CMS_RecipientEncryptedKey_cert_cmp(key, certificate) == 0
            }
        default:
            return false
        }
    }

    private static func describeIdentifier(keyIdentifier: UnsafePointer<ASN1_STRING>?, issuer: OpaquePointer?, serial: UnsafePointer<ASN1_STRING>?) -> String {
        if let issuer {
            return "issuer \(rfc2253(issuer)) serial \(hexString(bytes(of: serial)))"
        }
        return "subject key identifier \(hexString(bytes(of: keyIdentifier), separator: ":"))"
    }

    private static func describeRecipients(_ recipientInfo: OpaquePointer) -> [String] {
        switch CMS_RecipientInfo_type(recipientInfo) {
        case CMS_RECIPINFO_TRANS:
            var keyIdentifier: UnsafeMutablePointer<ASN1_STRING>?
            var issuer: OpaquePointer?
            var serial: UnsafeMutablePointer<ASN1_STRING>?
            guard CMS_RecipientInfo_ktri_get0_signer_id(recipientInfo, &keyIdentifier, &issuer, &serial) == 1 else { return [] }
            return [describeIdentifier(keyIdentifier: keyIdentifier, issuer: issuer, serial: serial)]
        case CMS_RECIPINFO_AGREE:
            guard let keys = CMS_RecipientInfo_kari_get0_reks(recipientInfo) else { return [] }
            return (0..<securemail_sk_CMS_RecipientEncryptedKey_num(keys)).compactMap { index in
                guard let key = securemail_sk_CMS_RecipientEncryptedKey_value(keys, index) else { return nil }
                var keyIdentifier: UnsafeMutablePointer<ASN1_STRING>?
                var issuer: OpaquePointer?
                var serial: UnsafeMutablePointer<ASN1_STRING>?
                guard CMS_RecipientEncryptedKey_get0_id(key, &keyIdentifier, nil, nil, &issuer, &serial) == 1 else { return nil }
                return describeIdentifier(keyIdentifier: keyIdentifier, issuer: issuer, serial: serial) + " (key agreement)"
            }
        default:
            return ["a recipient of type \(CMS_RecipientInfo_type(recipientInfo)) (password or key-encryption key)"]
        }
    }

    /// OpenSSL has no getter for the content-encryption algorithm: read it from the DER
    /// (ContentInfo.content.[Auth]EncryptedContentInfo.contentEncryptionAlgorithm.algorithm).
    private static func contentEncryptionAlgorithm(of cms: CMSHandle) throws -> String? {
        contentEncryptionAlgorithm(ofDER: try cms.derBytes(operation: "re-encode CMS"))
    }

    /// The algorithm read from the structure as received (DER or BER); nil when it cannot be
    /// read there, and the caller then asks OpenSSL to re-encode it.
    private static func contentEncryptionAlgorithm(ofDER der: [UInt8]) -> String? {
        let reader = DERReader(bytes: der)
        guard let contentInfo = reader.element(at: 0),
              let explicit = reader.children(of: contentInfo).dropFirst().first,
              let enveloped = reader.children(of: explicit).first else { return nil }
        // version, [0] originatorInfo (optional), recipientInfos SET, encryptedContentInfo SEQUENCE
        guard let encryptedContentInfo = reader.children(of: enveloped).dropFirst().first(where: { $0.tag == 0x30 }),
              let algorithm = reader.children(of: encryptedContentInfo).dropFirst().first,
              let oid = reader.children(of: algorithm).first, oid.tag == 0x06 else { return nil }
        return withObjectIdentifier(encoded: reader.encoding(of: oid)) { objectName($0).lowercased() }
    }
}
