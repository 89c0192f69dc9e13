import COpenSSL
import Foundation

/// An X.509 certificate revocation list.
public struct CertificateRevocationList: Sendable {
    let handle: CRLHandle

    /// Parses a CRL in PEM (`-----BEGIN X509 CRL-----`) or DER form.
    public init(_ bytes: [UInt8]) throws {
        OpenSSLErrorQueue.clear()
        try checkInputSize(bytes.count, limit: CryptoLimits.defaultMaximumInputSize, what: "CRL")
        let crl: OpaquePointer?
        if String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN X509 CRL-----") {
            let bio = try MemoryBIO(bytes)
            crl = PEM_read_bio_X509_CRL(bio.pointer, nil, nil, nil)
        } else if !bytes.isEmpty, bytes.count <= Int(Int32.max) {
            crl = bytes.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_X509_CRL(nil, &cursor, buffer.count)
            }
        } else {
            crl = nil
        }
        guard let crl else {
            throw CryptoError.openSSL(.malformedInput, "parse a CRL", remedy: "Supply an X.509 CRL in PEM or DER form.")
        }
        handle = CRLHandle(taking: crl)
    }

    /// Issuer in RFC 2253 form.
    public var issuer: String { rfc2253(X509_CRL_get_issuer(handle.pointer)) }

    /// When this CRL was issued.
    public var thisUpdate: Date? { date(from: X509_CRL_get0_lastUpdate(handle.pointer)) }

    /// When the next CRL is due, if stated.
    public var nextUpdate: Date? { date(from: X509_CRL_get0_nextUpdate(handle.pointer)) }
}
