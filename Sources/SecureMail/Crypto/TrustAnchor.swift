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

    private let subjectDER: [UInt8]
    private let state: Mutex<State>

    private struct State {
        var certificate: Certificate?
        var failure: (any Error)?
        /// The subject as OpenSSL compares names (its canonical form), read on first comparison.
        var subjectName: X509NameHandle?
    }

    /// An anchor already parsed.
    public init(_ certificate: Certificate) {
        derBytes = certificate.derBytes
        notValidBefore = certificate.notValidBefore
        notValidAfter = certificate.notValidAfter
        subjectDER = []
        state = Mutex(State(certificate: certificate))
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
        (notValidBefore, notValidAfter, subjectDER) = fields
        state = Mutex(State())
    }

    /// Every anchor in `bytes`: a PEM bundle (CERTIFICATE and PKCS7 blocks), a single DER
    /// certificate, or a PKCS#7 / CMS certs-only structure in DER, as ``Certificate/parseAll(_:)``
    /// reads them. Certificates in PEM CERTIFICATE blocks and single DER certificates are parsed
    /// when first needed; those inside PKCS#7 are parsed now. Throws when none is found.
    public static func all(in bytes: [UInt8]) throws -> [TrustAnchor] {
        try Certificate.readAll(bytes, single: { try? TrustAnchor(derEncoded: $0) }, parsed: TrustAnchor.init)
    }

    /// The certificate, parsed now if it has not been. Concurrent callers wait for one parse.
    public func certificate() throws -> Certificate {
        try state.withLock { state in
            if let certificate = state.certificate { return certificate }
            if let failure = state.failure { throw failure }
            do {
                let certificate = try Certificate(derEncoded: derBytes)
                state.certificate = certificate
                return certificate
            } catch {
                state.failure = error
                throw error
            }
        }
    }

    /// Whether the anchor's subject is `name` as OpenSSL compares names (`X509_NAME_cmp`).
    /// `encoded`, the DER of `name`, answers without parsing the subject when it is the same.
    func hasSubject(_ name: OpaquePointer, encoded: UnsafeBufferPointer<UInt8>) -> Bool {
        state.withLock { state in
            if let certificate = state.certificate {
                return X509_NAME_cmp(X509_get_subject_name(certificate.handle.pointer), name) == 0
            }
            if subjectDER.elementsEqual(encoded) { return true }
            if state.subjectName == nil { state.subjectName = X509NameHandle(parsing: subjectDER) }
            guard let subject = state.subjectName else { return false }
            return X509_NAME_cmp(subject.pointer, name) == 0
        }
    }

    /// Whether OpenSSL has parsed the certificate (for tests).
    var isParsed: Bool { state.withLock { $0.certificate != nil } }

    /// notBefore, notAfter and the subject's DER, from Certificate ::= SEQUENCE { tbsCertificate
    /// SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... } ... }.
    private static func validityAndSubject(of der: [UInt8]) -> (Date, Date, [UInt8])? {
        let reader = DERReader(bytes: der)
        guard let certificate = reader.element(at: 0), certificate.tag == 0x30, certificate.end == der.count,
              let tbs = reader.children(of: certificate).first, tbs.tag == 0x30 else { return nil }
        var fields = reader.children(of: tbs)
        if fields.first?.tag == 0xA0 { fields.removeFirst() }
        guard fields.count >= 5, fields[0].tag == 0x02, fields[3].tag == 0x30, fields[4].tag == 0x30 else { return nil }
        let times = reader.children(of: fields[3])
        guard times.count == 2, let notBefore = time(reader.encoding(of: times[0])), let notAfter = time(reader.encoding(of: times[1])) else {
            return nil
        }
        return (notBefore, notAfter, reader.encoding(of: fields[4]))
    }

    private static func time(_ encoding: [UInt8]) -> Date? {
        encoding.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let time = d2i_ASN1_TIME(nil, &cursor, buffer.count) else { return nil }
            defer { ASN1_TIME_free(time) }
            return date(from: time)
        }
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
