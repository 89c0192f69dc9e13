import COpenSSL

/// A private key (RSA or EC) held in memory.
public struct PrivateKey: Sendable {
    let handle: PrivateKeyHandle

    /// Parses a PEM private key (PKCS#8, encrypted PKCS#8, or traditional RSA/EC); `passphrase`
    /// decrypts an encrypted key. Never prompts on a terminal.
    public init(pemEncoded: [UInt8], passphrase: String?) throws {
        OpenSSLErrorQueue.clear()
        try checkInputSize(pemEncoded.count, limit: CryptoLimits.defaultMaximumInputSize, what: "private key")
        if let handle = Self.decodeUnencryptedPKCS8(pemEncoded) {
            self.handle = handle
            return
        }
        OpenSSLErrorQueue.clear()
        let bio = try MemoryBIO(pemEncoded)
        let key: OpaquePointer?
        if let passphrase {
            key = passphrase.withCString {
                PEM_read_bio_PrivateKey(bio.pointer, nil, securemail_passphrase_callback, UnsafeMutableRawPointer(mutating: $0))
            }
        } else {
            key = PEM_read_bio_PrivateKey(bio.pointer, nil, securemail_passphrase_callback, nil)
        }
        guard let key else {
            let encrypted = String(decoding: pemEncoded.prefix(4096), as: UTF8.self).contains("ENCRYPTED")
            if encrypted {
                throw CryptoError.openSSL(
                    .wrongPassphrase, "decrypt the private key",
                    remedy: passphrase == nil ? "The key is encrypted: supply its passphrase." : "Check the passphrase.")
            }
            throw CryptoError.openSSL(.malformedInput, "parse a PEM private key", remedy: "Supply a PEM private key (-----BEGIN PRIVATE KEY-----).")
        }
        handle = PrivateKeyHandle(taking: key)
    }

    init(handle: PrivateKeyHandle) { self.handle = handle }

    /// The key of a PEM whose first block is an unencrypted PKCS#8 `PRIVATE KEY`, decoded by the
    /// one decoder for its algorithm; nil for anything else, which `PEM_read_bio_PrivateKey`
    /// then reads. OpenSSL 3.0 otherwise tries every decoder of every key type, which costs
    /// three to four times as much: about 0.4 ms a key, paid for each key at every start of a
    /// process (`inspect`, `process` under Postfix's pipe).
    private static func decodeUnencryptedPKCS8(_ pem: [UInt8]) -> PrivateKeyHandle? {
        guard let bio = try? MemoryBIO(pem) else { return nil }
        var name: UnsafeMutablePointer<CChar>?
        var header: UnsafeMutablePointer<CChar>?
        var data: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard PEM_read_bio(bio.pointer, &name, &header, &data, &length) == 1 else { return nil }
        defer {
            securemail_free(name)
            securemail_free(header)
            if let data { OPENSSL_cleanse(data, length) }
            securemail_free(data)
        }
        guard let name, String(cString: name) == "PRIVATE KEY", header?.pointee == 0, let data, length > 0 else { return nil }
        guard let encodedIdentifier = algorithmIdentifier(ofPrivateKeyInfo: UnsafeBufferPointer(start: data, count: length)) else { return nil }
        guard let keyType = withObjectIdentifier(encoded: encodedIdentifier, objectDottedForm) else { return nil }
        // Providers name each key type by its OID too ("1.2.840.113549.1.1.1" is RSA).
        var key: OpaquePointer?
        guard let decoder = OSSL_DECODER_CTX_new_for_pkey(&key, "DER", "PrivateKeyInfo", keyType, securemail_evp_pkey_keypair, nil, nil) else {
            return nil
        }
        defer { OSSL_DECODER_CTX_free(decoder) }
        var cursor: UnsafePointer<UInt8>? = UnsafePointer(data)
        var remaining = length
        guard OSSL_DECODER_from_data(decoder, &cursor, &remaining) == 1, remaining == 0, let key else {
            if let key { EVP_PKEY_free(key) }
            return nil
        }
        return PrivateKeyHandle(taking: key)
    }

    /// The encoded algorithm OBJECT IDENTIFIER of a PrivateKeyInfo (version,
    /// privateKeyAlgorithm, privateKey, ...); the copy of the key read for it is wiped.
    private static func algorithmIdentifier(ofPrivateKeyInfo der: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        func read(_ bytes: [UInt8]) -> [UInt8]? {
            let reader = DERReader(bytes: bytes)
            guard let info = reader.element(at: 0), info.tag == 0x30, info.end == bytes.count,
                  let algorithm = reader.children(of: info).dropFirst().first, algorithm.tag == 0x30,
                  let identifier = reader.children(of: algorithm).first, identifier.tag == 0x06 else { return nil }
            return reader.encoding(of: identifier)
        }
        var copy = Array(der)
        let identifier = read(copy)
        // The reader is gone: the copy is the only reference to its storage, wiped in place.
        copy.withUnsafeMutableBytes { if let base = $0.baseAddress { OPENSSL_cleanse(base, $0.count) } }
        return identifier
    }

    /// Reads a PEM private key file, refusing one that group or others can read.
    public static func load(path: String, passphrase: String?) throws -> PrivateKey {
        try checkPrivateFilePermissions(path)
        return try PrivateKey(pemEncoded: readFile(path), passphrase: passphrase)
    }

    /// True when `certificate` carries this key's public half.
    public func matches(_ certificate: Certificate) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard let publicKey = X509_get0_pubkey(certificate.handle.pointer) else { return false }
        return EVP_PKEY_eq(publicKey, handle.pointer) == 1
    }
}

/// A certificate, its private key, and the intermediate certificates that lead to a trust anchor.
public struct Identity: Sendable {
    /// The end-entity certificate.
    public let certificate: Certificate
    /// The private key belonging to `certificate`.
    public let privateKey: PrivateKey
    /// Intermediate (and optionally root) certificates sent along with signatures.
    public let chain: [Certificate]

    /// Pairs a certificate with its key; throws when the key does not belong to the certificate.
    public init(certificate: Certificate, privateKey: PrivateKey, chain: [Certificate] = []) throws {
        guard privateKey.matches(certificate) else {
            throw CryptoError(
                .keyMismatch, operation: "pair the private key with \(certificate)",
                remedy: "The key belongs to another certificate: configure the key file that was generated with this certificate.")
        }
        self.certificate = certificate
        self.privateKey = privateKey
        self.chain = chain
    }

    /// Loads a certificate file (PEM or DER; further certificates in it become the chain) and a
    /// private key file, which must be readable by its owner only.
    public static func load(certificatePath: String, keyPath: String, passphrase: String?) throws -> Identity {
        let certificates = try Certificate.parseAll(readFile(certificatePath))
        let key = try PrivateKey.load(path: keyPath, passphrase: passphrase)
        guard let leaf = certificates.first(where: { key.matches($0) }) else {
            throw CryptoError(
                .keyMismatch, operation: "find the certificate for \(keyPath) in \(certificatePath)",
                remedy: "Configure the certificate that was issued for this key.")
        }
        return try Identity(certificate: leaf, privateKey: key, chain: certificates.filter { $0 != leaf })
    }

    /// Reads a DER PKCS#12 (.p12/.pfx), including legacy RC2/3DES-encrypted files.
    public static func loadPKCS12(_ der: [UInt8], passphrase: String) throws -> Identity {
        OpenSSLErrorQueue.clear()
        try checkInputSize(der.count, limit: CryptoLimits.defaultMaximumInputSize, what: "PKCS#12")
        let legacyRemedy = LegacyProviders.loaded ? "" :
            " OpenSSL's legacy provider (ossl-modules/legacy.so) could not be loaded, so RC2/3DES-protected files cannot be read: install it or re-export the file with AES."
        guard !der.isEmpty, der.count <= Int(Int32.max) else {
            throw CryptoError(.malformedInput, operation: "parse an empty PKCS#12", remedy: "Supply a DER PKCS#12 file.")
        }
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let pkcs12 = parsed else {
            throw CryptoError.openSSL(.malformedInput, "parse PKCS#12", remedy: "Supply a DER PKCS#12 file (base64 text must be decoded first).")
        }
        defer { PKCS12_free(pkcs12) }
        guard PKCS12_verify_mac(pkcs12, passphrase, -1) == 1 else {
            throw CryptoError.openSSL(.wrongPassphrase, "check the PKCS#12 integrity with the passphrase", remedy: "Check the passphrase." + legacyRemedy)
        }
        var key: OpaquePointer?
        var x509: OpaquePointer?
        var stack: OpaquePointer?
        guard PKCS12_parse(pkcs12, passphrase, &key, &x509, &stack) == 1 else {
            throw CryptoError.openSSL(.operationFailed, "decrypt the PKCS#12 contents", remedy: "Check the passphrase; re-export the file if it uses an unusual algorithm." + legacyRemedy)
        }
        let keyHandle = key.map(PrivateKeyHandle.init(taking:))
        let certificateHandle = x509.map(X509Handle.init(taking:))
        var chain: [Certificate] = []
        if let stack {
            defer { securemail_sk_X509_free_all(stack) }
            chain = (0..<securemail_sk_X509_num(stack)).compactMap { Certificate(borrowing: securemail_sk_X509_value(stack, $0)) }
        }
        guard let keyHandle, let certificateHandle else {
            throw CryptoError(.malformedInput, operation: "find a key and its certificate in the PKCS#12", remedy: "Export the PKCS#12 with both the private key and the certificate.")
        }
        return try Identity(certificate: Certificate(handle: certificateHandle), privateKey: PrivateKey(handle: keyHandle), chain: chain)
    }

    /// Reads a PKCS#12 file, which must be readable by its owner only.
    public static func loadPKCS12(path: String, passphrase: String) throws -> Identity {
        try checkPrivateFilePermissions(path)
        return try loadPKCS12(readFile(path), passphrase: passphrase)
    }
}
