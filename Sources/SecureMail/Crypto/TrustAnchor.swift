import COpenSSL
import Foundation
import Synchronization

/// A trust anchor that OpenSSL parses only when a certificate path reaches it.
///
/// OpenSSL 3.0 decodes the public key of every certificate it parses through its provider
/// framework, about a quarter of a millisecond each. A process that handles one message, as
/// Postfix's pipe runs `process`, needs the anchor that message's signer chains to, not every
/// root of a bundle: with Debian's 139 roots, parsing them all was about 30 ms of every `inspect`.
/// An anchor read from DER keeps its bytes, its validity period and its subject, which a
/// structural reading gives without OpenSSL's certificate parser; ``TrustStore`` hands OpenSSL
/// the anchors whose subject a path asks for.
public final class TrustAnchor: Sendable {
    /// The DER encoding.
    public let derBytes: [UInt8]
    /// Start of the validity period.
    public let notValidBefore: Date
    /// End of the validity period.
    public let notValidAfter: Date

    let subject: LookupName
    private let parsed: LoadedOnce<Certificate, any Error>

    /// An anchor already parsed.
    public init(_ certificate: Certificate) {
        derBytes = certificate.derBytes
        notValidBefore = certificate.notValidBefore
        notValidAfter = certificate.notValidAfter
        subject = LookupName(der: derEncoding(ofName: X509_get_subject_name(certificate.handle.pointer)) ?? [])
        parsed = LoadedOnce(certificate)
    }

    /// An anchor from one DER certificate, read far enough for its validity and subject; OpenSSL
    /// parses the whole certificate when a path first needs it. Throws when the bytes are not
    /// a certificate's structure.
    public init(derEncoded der: [UInt8]) throws {
        try checkInputSize(der.count, limit: CryptoLimits.defaultMaximumInputSize, what: "certificate")
        guard let fields = Self.validityAndSubject(of: der) else {
            throw CryptoError.openSSL(.malformedInput, "read a DER certificate's validity and subject", remedy: "Supply an X.509 certificate in DER form.")
        }
        derBytes = der
        notValidBefore = fields.notBefore
        notValidAfter = fields.notAfter
        subject = LookupName(der: fields.subject)
        parsed = LoadedOnce { try Certificate(derEncoded: der) }
    }

    /// Every anchor in `bytes`: a PEM bundle (CERTIFICATE and PKCS7 blocks), a single DER
    /// certificate, or a PKCS#7 / CMS certs-only structure in DER, as ``Certificate/parseAll(_:)``
    /// reads them. Certificates in PEM CERTIFICATE blocks and single DER certificates are parsed
    /// when first needed; those inside PKCS#7 are parsed now. Throws when none is found.
    public static func all(in bytes: [UInt8]) throws -> [TrustAnchor] {
        try Certificate.readAll(bytes, single: { try? TrustAnchor(derEncoded: $0) }, parsed: TrustAnchor.init)
    }

    /// The certificate, parsed now if it has not been. Concurrent callers wait for one parse.
    public func certificate() throws -> Certificate { try parsed.value() }

    /// Whether OpenSSL has parsed the certificate (for tests).
    var isParsed: Bool { parsed.isLoaded }

    /// notBefore, notAfter and the subject's DER, from Certificate ::= SEQUENCE { tbsCertificate
    /// SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... } ... }.
    private static func validityAndSubject(of der: [UInt8]) -> (notBefore: Date, notAfter: Date, subject: [UInt8])? {
        let reader = DERReader(bytes: der)
        guard let certificate = reader.element(at: 0), certificate.tag == 0x30, certificate.end == der.count,
              let tbs = reader.children(of: certificate).first, tbs.tag == 0x30 else { return nil }
        var fields = reader.children(of: tbs)
        if fields.first?.tag == 0xA0 { fields.removeFirst() }
        guard fields.count >= 5, fields[0].tag == 0x02, fields[3].tag == 0x30, fields[4].tag == 0x30 else { return nil }
        let times = reader.children(of: fields[3])
        guard times.count == 2, let notBefore = date(fromDER: reader.encoding(of: times[0])),
              let notAfter = date(fromDER: reader.encoding(of: times[1])) else {
            return nil
        }
        return (notBefore, notAfter, reader.encoding(of: fields[4]))
    }
}

/// The name a trust anchor (its subject) or a CRL (its issuer) is looked up by, compared as
/// OpenSSL compares names (`X509_NAME_cmp`, on their canonical form).
final class LookupName: Sendable {
    /// The DER of the name.
    let der: [UInt8]
    private let key: NameKey?
    /// The name as OpenSSL parses it, when a comparison first needs it.
    private let parsed = Mutex<X509NameHandle?>(nil)

    init(der: [UInt8]) {
        self.der = der
        key = NameKey(der)
    }

    /// Whether this is `name`. `encoded`, the DER of `name`, and `key`, its ``NameKey``, answer
    /// without OpenSSL's parse of this name when the encodings are the same or the keys differ.
    func matches(_ name: OpaquePointer, encoded: [UInt8], key: NameKey?) -> Bool {
        if der == encoded { return true }
        if let key, let own = self.key, key != own { return false }
        return withParsedName { $0.map { X509_NAME_cmp($0.pointer, name) == 0 } ?? false }
    }

    /// The name in RFC 2253 form.
    var text: String { withParsedName { $0.map { rfc2253($0.pointer) } ?? "" } }

    private func withParsedName<Result: Sendable>(_ body: (X509NameHandle?) -> Result) -> Result {
        parsed.withLock { parsed in
            if parsed == nil { parsed = X509NameHandle(parsing: der) }
            return body(parsed)
        }
    }
}

/// A digest of what of a Name survives OpenSSL's canonical form of names, which `X509_NAME_cmp`
/// compares: each attribute's type and its value in UTF-8, ASCII letters lowercased and white
/// space left out, the attributes of a relative name in any order. Names that OpenSSL finds
/// equal have equal keys, so unequal keys rule a match out without OpenSSL's parse of the name
/// (about 55,000 instructions; a bundle's 139 roots cost 7.6 million). Equal keys are left to
/// OpenSSL: the key leaves out what the canonical form folds (spaces, case, the string type), and
/// digests can collide. A name with a value in BMPString or UniversalString, or one the structure
/// of which cannot be read, has no key and is always compared by OpenSSL.
struct NameKey: Hashable, Sendable {
    private let digest: UInt64

    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    init?(_ der: [UInt8]) {
        let reader = DERReader(bytes: der)
        guard let name = reader.element(at: 0), name.tag == 0x30, name.end == der.count else { return nil }
        var digest = Self.offsetBasis
        var offset = name.contents.lowerBound
        while offset < name.contents.upperBound {
            guard let relativeName = reader.element(at: offset, within: name.contents.upperBound), relativeName.tag == 0x31 else { return nil }
            offset = relativeName.end
            // The attributes of one relative name are a set: their digests are added, in any order.
            var attributes: UInt64 = 0
            var attributeOffset = relativeName.contents.lowerBound
            while attributeOffset < relativeName.contents.upperBound {
                guard let attribute = reader.element(at: attributeOffset, within: relativeName.contents.upperBound), attribute.tag == 0x30,
                      let type = reader.element(at: attribute.contents.lowerBound, within: attribute.contents.upperBound), type.tag == 0x06,
                      let value = reader.element(at: type.end, within: attribute.contents.upperBound), value.end == attribute.contents.upperBound,
                      let valueDigest = Self.digest(ofValue: value.tag, der[value.contents], after: Self.mix(der[type.contents], into: Self.offsetBasis))
                else { return nil }
                attributes &+= valueDigest
                attributeOffset = attribute.end
            }
            digest = Self.mix(withUnsafeBytes(of: attributes.littleEndian) { Array($0) }, into: Self.mix(0x31, into: digest))
        }
        self.digest = digest
    }

    /// A value as the canonical form keeps it: the string types that OpenSSL folds (UTF8String,
    /// PrintableString, IA5String, VisibleString, and T61String, which it reads as Latin-1) in
    /// UTF-8 without white space and with lowercase ASCII; any other type as tag and bytes.
    private static func digest(ofValue tag: UInt8, _ contents: ArraySlice<UInt8>, after start: UInt64) -> UInt64? {
        var digest = mix(0xFF, into: start)
        switch tag {
        case 0x0C, 0x13, 0x16, 0x1A, 0x14:
            digest = mix(0x0C, into: digest)
            for byte in contents {
                if tag == 0x14, byte >= 0x80 {
                    digest = mix(0x80 | byte & 0x3F, into: mix(0xC0 | byte >> 6, into: digest))
                } else if let kept = folded(byte) {
                    digest = mix(kept, into: digest)
                }
            }
            return digest
        case 0x1C, 0x1E:
            return nil
        default:
            return mix(contents, into: mix(tag, into: digest))
        }
    }

    /// A byte of UTF-8 as the canonical form keeps it: nil for white space, ASCII lowercased.
    private static func folded(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x09...0x0D, 0x20: nil
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte | 0x20
        default: byte
        }
    }

    /// FNV-1a.
    private static func mix(_ bytes: some Sequence<UInt8>, into digest: UInt64) -> UInt64 {
        bytes.reduce(digest) { mix($1, into: $0) }
    }

    private static func mix(_ byte: UInt8, into digest: UInt64) -> UInt64 {
        (digest ^ UInt64(byte)) &* prime
    }
}

/// Owns an `X509_NAME`.
final class X509NameHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Parses a DER Name; nil when OpenSSL cannot.
    init?(parsing der: [UInt8]) {
        guard !der.isEmpty, der.count <= Int(Int32.max) else { return nil }
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_NAME(nil, &cursor, buffer.count)
        }
        guard let parsed else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        pointer = parsed
    }

    deinit { X509_NAME_free(pointer) }
}
