import COpenSSL
import Foundation

/// An X.509 certificate. Two certificates are equal when their DER encodings are.
public struct Certificate: Hashable, Sendable, CustomStringConvertible {
    /// The public-key algorithm of a certificate.
    public enum PublicKeyAlgorithm: Hashable, Sendable {
        /// RSA with the modulus size in bits.
        case rsa(bits: Int)
        /// Elliptic curve with OpenSSL's curve name, e.g. "prime256v1".
        case ec(curve: String)
        /// Anything else, by OpenSSL's name.
        case other(String)
    }

    /// The DER encoding.
    public let derBytes: [UInt8]
    let handle: X509Handle

    /// Parses one DER-encoded certificate.
    public init(derEncoded: [UInt8]) throws {
        OpenSSLErrorQueue.clear()
        try checkInputSize(derEncoded.count, limit: CryptoLimits.defaultMaximumInputSize, what: "certificate")
        guard let handle = Certificate.parseDER(derEncoded) else {
            throw CryptoError.openSSL(.malformedInput, "parse a DER certificate", remedy: "Supply an X.509 certificate in DER form.")
        }
        self.init(handle: handle)
    }

    /// Parses the first certificate of a PEM text.
    public init(pemEncoded: String) throws {
        OpenSSLErrorQueue.clear()
        let bytes = Array(pemEncoded.utf8)
        try checkInputSize(bytes.count, limit: CryptoLimits.defaultMaximumInputSize, what: "certificate")
        let bio = try MemoryBIO(bytes)
        guard let x509 = PEM_read_bio_X509(bio.pointer, nil, nil, nil) else {
            throw CryptoError.openSSL(.malformedInput, "parse a PEM certificate", remedy: "Supply text with a -----BEGIN CERTIFICATE----- block.")
        }
        self.init(handle: X509Handle(taking: x509))
    }

    /// Wraps an X509 this value now owns; the DER is taken from it.
    init(handle: X509Handle) {
        self.handle = handle
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(handle.pointer, &output)
        if length > 0, let output {
            derBytes = Array(UnsafeBufferPointer(start: output, count: Int(length)))
            securemail_free(output)
        } else {
            derBytes = []
        }
    }

    /// Wraps an X509 this value now owns, parsed from exactly `derBytes`.
    init(handle: X509Handle, derBytes: [UInt8]) {
        self.handle = handle
        self.derBytes = derBytes
    }

    /// A certificate sharing a reference to an X509 owned elsewhere.
    init?(borrowing pointer: OpaquePointer?) {
        guard let pointer, X509_up_ref(pointer) == 1 else { return nil }
        self.init(handle: X509Handle(taking: pointer))
    }

    static func parseDER(_ der: [UInt8]) -> X509Handle? {
        guard !der.isEmpty, der.count <= Int(Int32.max) else { return nil }
        return der.withUnsafeBufferPointer { buffer -> X509Handle? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let x509 = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            let handle = X509Handle(taking: x509)
            guard let cursor, let base = buffer.baseAddress, cursor - base == buffer.count else { return nil }
            return handle
        }
    }

    /// Every certificate in `bytes`: a PEM bundle (CERTIFICATE and PKCS7 blocks), a single DER
    /// certificate, or a PKCS#7 / CMS certs-only structure in DER. Throws when none is found.
    public static func parseAll(_ bytes: [UInt8]) throws -> [Certificate] {
        try readAll(bytes, single: { parseDER($0).map(Certificate.init(handle:)) }, parsed: { $0 })
    }

    /// The items of every certificate in `bytes`, in the forms ``parseAll(_:)`` reads: `single`
    /// makes one of a DER certificate (nil when the bytes are not one), `parsed` one of a
    /// certificate OpenSSL took out of a PKCS#7 structure. Throws when none is found.
    static func readAll<Item>(_ bytes: [UInt8], single: ([UInt8]) -> Item?, parsed: (Certificate) -> Item) throws -> [Item] {
        OpenSSLErrorQueue.clear()
        try checkInputSize(bytes.count, limit: CryptoLimits.defaultMaximumInputSize, what: "certificate bundle")
        let text = String(decoding: bytes.prefix(64 * 1024), as: UTF8.self)
        var items: [Item] = []
        if text.contains("-----BEGIN ") {
            items = readPEMBundle(bytes, single: single, parsed: parsed)
        } else if let item = single(bytes) {
            items = [item]
        } else if let cms = CMSHandle.parse(bytes) {
            items = certificatesOf(cms).map(parsed)
        }
        guard !items.isEmpty else {
            throw CryptoError.openSSL(
                .malformedInput, "find a certificate in \(bytes.count) bytes",
                remedy: "Supply PEM certificates, a DER certificate, or a PKCS#7 certs-only (.p7c) file.")
        }
        return items
    }

    private static func readPEMBundle<Item>(_ bytes: [UInt8], single: ([UInt8]) -> Item?, parsed: (Certificate) -> Item) -> [Item] {
        var items: [Item] = []
        for block in PEMBlocks.blocks(in: bytes) {
            switch block.label {
            case "CERTIFICATE", "X509 CERTIFICATE":
                if let item = single(block.der) { items.append(item) }
            case "PKCS7", "CMS":
                if let cms = CMSHandle.parse(block.der) { items += certificatesOf(cms).map(parsed) }
            default:
                continue
            }
        }
        // A block OpenSSL could not parse is skipped, not an error: its entries go too.
        OpenSSLErrorQueue.clear()
        return items
    }

    static func certificatesOf(_ cms: CMSHandle) -> [Certificate] {
        guard let stack = CMS_get1_certs(cms.pointer) else { return [] }
        defer { securemail_sk_X509_free_all(stack) }
        return (0..<securemail_sk_X509_num(stack)).compactMap {
            Certificate(borrowing: securemail_sk_X509_value(stack, $0))
        }
    }

    /// Equal when the DER encodings are equal.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.derBytes == rhs.derBytes }
    /// Hashes the DER encoding.
    public func hash(into hasher: inout Hasher) { hasher.combine(derBytes) }

    /// PEM text with a trailing newline.
    public var pemString: String {
        let base64 = Data(derBytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n"
    }

    /// Subject in RFC 2253 form, e.g. `emailAddress=a@b.dk,CN=A,O=B,C=DK`.
    public var subject: String { handle.remembered(\.subject) { rfc2253(X509_get_subject_name(handle.pointer)) } }

    /// Issuer in RFC 2253 form.
    public var issuer: String { handle.remembered(\.issuer) { rfc2253(X509_get_issuer_name(handle.pointer)) } }

    /// Serial number as uppercase hex of its big-endian bytes.
    public var serialNumberHex: String {
        hexString(bytes(of: X509_get0_serialNumber(handle.pointer)))
    }

    /// Start of the validity period.
    public var notValidBefore: Date {
        date(from: X509_get0_notBefore(handle.pointer)) ?? .distantFuture
    }

    /// End of the validity period.
    public var notValidAfter: Date {
        date(from: X509_get0_notAfter(handle.pointer)) ?? .distantPast
    }

    /// Email addresses, lowercased: subjectAltName rfc822Name entries first, then subject emailAddress.
    public var emailAddresses: [String] { handle.remembered(\.emailAddresses) { readEmailAddresses() } }

    private func readEmailAddresses() -> [String] {
        var addresses: [String] = []
        func add(_ raw: [UInt8]) {
            let address = String(decoding: raw, as: UTF8.self).lowercased()
            if !address.isEmpty, !addresses.contains(address) { addresses.append(address) }
        }
        if let names = X509_get_ext_d2i(handle.pointer, NID_subject_alt_name, nil, nil) {
            let generalNames = OpaquePointer(names)
            defer { GENERAL_NAMES_free(generalNames) }
            for index in 0..<securemail_sk_GENERAL_NAME_num(generalNames) {
                guard let name = securemail_sk_GENERAL_NAME_value(generalNames, index),
                      name.pointee.type == GEN_EMAIL else { continue }
                add(bytes(of: name.pointee.d.rfc822Name))
            }
        }
        if let subjectName = X509_get_subject_name(handle.pointer) {
            var position: Int32 = -1
            while true {
                position = X509_NAME_get_index_by_NID(subjectName, NID_pkcs9_emailAddress, position)
                guard position >= 0 else { break }
                add(bytes(of: X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subjectName, position))))
            }
        }
        return addresses
    }

    /// SHA-256 of the DER encoding.
    public var sha256Fingerprint: [UInt8] { handle.remembered(\.sha256Fingerprint) { readSHA256Fingerprint() } }

    private func readSHA256Fingerprint() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(handle.pointer, EVP_sha256(), &digest, &length) == 1 else { return [] }
        return Array(digest.prefix(Int(length)))
    }

    /// SHA-256 fingerprint as uppercase hex pairs separated by colons.
    public var sha256FingerprintHex: String { hexString(sha256Fingerprint, separator: ":") }

    /// The public-key algorithm and size or curve.
    public var publicKeyAlgorithm: PublicKeyAlgorithm { handle.remembered(\.publicKeyAlgorithm) { readPublicKeyAlgorithm() } }

    private func readPublicKeyAlgorithm() -> PublicKeyAlgorithm {
        guard let key = X509_get0_pubkey(handle.pointer) else { return .other("unknown") }
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS:
            return .rsa(bits: Int(EVP_PKEY_get_bits(key)))
        case EVP_PKEY_EC:
            var buffer = [CChar](repeating: 0, count: 80)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(key, "group", &buffer, buffer.count, &length) == 1 else {
                OpenSSLErrorQueue.clear()
                return .ec(curve: "unknown")
            }
            return .ec(curve: String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        default:
            guard let name = EVP_PKEY_get0_type_name(key) else { return .other("unknown") }
            return .other(String(cString: name))
        }
    }

    /// True when basicConstraints says CA.
    public var isCertificateAuthority: Bool {
        X509_get_extension_flags(handle.pointer) & UInt32(EXFLAG_CA) != 0
    }

    private var keyUsage: UInt32 { X509_get_key_usage(handle.pointer) }
    private var extendedKeyUsageAllowsEmail: Bool {
        let usage = X509_get_extended_key_usage(handle.pointer)
        return usage == UInt32.max || usage & UInt32(XKU_SMIME | XKU_ANYEKU) != 0
    }

    /// Whether the key may be used to encrypt mail to this certificate: RSA needs keyEncipherment,
    /// EC keyAgreement (no keyUsage extension allows both); an extendedKeyUsage, when present,
    /// must include emailProtection or anyExtendedKeyUsage.
    public var allowsEncryption: Bool {
        guard extendedKeyUsageAllowsEmail else { return false }
        let usage = keyUsage
        if usage == UInt32.max { return true }
        switch publicKeyAlgorithm {
        case .rsa: return usage & UInt32(KU_KEY_ENCIPHERMENT) != 0
        case .ec: return usage & UInt32(KU_KEY_AGREEMENT) != 0
        case .other: return usage & UInt32(KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT) != 0
        }
    }

    /// Whether the key may sign mail: digitalSignature or nonRepudiation (or no keyUsage extension),
    /// and an extendedKeyUsage, when present, including emailProtection or anyExtendedKeyUsage.
    public var allowsSigning: Bool {
        guard extendedKeyUsageAllowsEmail else { return false }
        let usage = keyUsage
        return usage == UInt32.max || usage & UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) != 0
    }

    /// Subject and serial, for logs and errors.
    public var description: String { "\(subject) (serial \(serialNumberHex))" }
}
