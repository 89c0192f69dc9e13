import COpenSSL
import Foundation

/// An X.509 certificate revocation list, which OpenSSL parses when a path first needs it.
///
/// A CA's CRL can list hundreds of thousands of certificates: one of 50,000 entries (2.4 MB) took
/// OpenSSL 100 ms and 20 MB to parse, which every `process` paid at its start, also for the plain
/// mail that needs no certificate at all. The list is read as far as its issuer and dates, and
/// ``TrustStore`` hands it to OpenSSL when a path asks for the CRLs of that issuer.
public struct CertificateRevocationList: Sendable {
    /// The name OpenSSL asks for the CRLs of.
    let issuerName: LookupName
    private let thisUpdateDate: Date
    private let nextUpdateDate: Date?
    private let parsed: LoadedOnce<CRLHandle, any Error>

    /// Reads a CRL in PEM (its first `-----BEGIN X509 CRL-----` block) or DER form, as far as its
    /// issuer, thisUpdate and nextUpdate. Throws when the bytes are not a CRL's structure.
    public init(_ bytes: [UInt8]) throws {
        OpenSSLErrorQueue.clear()
        try checkInputSize(bytes.count, limit: CryptoLimits.defaultMaximumInputSize, what: "CRL")
        let der: [UInt8]
        if String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN X509 CRL-----") {
            der = PEMBlocks.blocks(in: bytes).first { $0.label == "X509 CRL" }?.der ?? []
        } else {
            der = bytes
        }
        guard let fields = Self.issuerAndDates(of: der) else {
            throw CryptoError(.malformedInput, operation: "read a CRL's issuer and dates", remedy: "Supply an X.509 CRL in PEM or DER form.")
        }
        let issuer = LookupName(der: fields.issuer)
        issuerName = issuer
        thisUpdateDate = fields.thisUpdate
        nextUpdateDate = fields.nextUpdate
        parsed = LoadedOnce { try Self.parse(der, issuer: issuer) }
    }

    /// Issuer in RFC 2253 form.
    public var issuer: String { issuerName.text }

    /// When this CRL was issued.
    public var thisUpdate: Date? { thisUpdateDate }

    /// When the next CRL is due, if stated.
    public var nextUpdate: Date? { nextUpdateDate }

    /// The CRL as OpenSSL parses it, parsed now if it has not been. Concurrent callers wait for
    /// one parse.
    func handle() throws -> CRLHandle { try parsed.value() }

    /// Whether OpenSSL has parsed the list (for tests).
    var isParsed: Bool { parsed.isLoaded }

    private static func parse(_ der: [UInt8], issuer: LookupName) throws -> CRLHandle {
        OpenSSLErrorQueue.clear()
        let crl = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_CRL(nil, &cursor, buffer.count)
        }
        guard let crl else {
            throw CryptoError.openSSL(.malformedInput, "parse the CRL of \(issuer.text)", remedy: "Replace it with the CA's current CRL in PEM or DER form.")
        }
        return CRLHandle(taking: crl)
    }

    /// The issuer's DER, thisUpdate and nextUpdate, from CertificateList ::= SEQUENCE { tbsCertList
    /// SEQUENCE { version OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL, ... } ... }.
    private static func issuerAndDates(of der: [UInt8]) -> (issuer: [UInt8], thisUpdate: Date, nextUpdate: Date?)? {
        let reader = DERReader(bytes: der)
        guard let list = reader.element(at: 0), list.tag == 0x30, list.end == der.count,
              let tbs = reader.children(of: list).first, tbs.tag == 0x30 else { return nil }
        var fields = reader.children(of: tbs)
        if fields.first?.tag == 0x02 { fields.removeFirst() }
        guard fields.count >= 3, fields[0].tag == 0x30, fields[1].tag == 0x30,
              let thisUpdate = date(fromDER: reader.encoding(of: fields[2])) else { return nil }
        let isTime = fields.count > 3 && (fields[3].tag == 0x17 || fields[3].tag == 0x18)
        let nextUpdate = isTime ? date(fromDER: reader.encoding(of: fields[3])) : nil
        guard !isTime || nextUpdate != nil else { return nil }
        return (reader.encoding(of: fields[1]), thisUpdate, nextUpdate)
    }
}
