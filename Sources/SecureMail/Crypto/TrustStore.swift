import COpenSSL
import Foundation
import Synchronization

/// What a certificate is being trusted for.
public enum TrustPurpose: Sendable {
    /// Signing S/MIME mail (keyUsage digitalSignature/nonRepudiation, EKU emailProtection).
    case emailSigning
    /// Receiving encrypted S/MIME mail (keyEncipherment for RSA, keyAgreement for EC).
    case emailEncryption
}

/// The outcome of a path validation.
public enum TrustEvaluation: Hashable, Sendable {
    /// The certificate chains to an anchor, is valid at the evaluation time, fits the purpose, and is not revoked.
    case trusted
    /// No valid path to an anchor, or the certificate does not fit the purpose.
    case untrusted(reason: String)
    /// A certificate in the path is outside its validity period at the evaluation time.
    case expired(reason: String)
    /// A certificate in the path is revoked by a CRL in the store.
    case revoked(reason: String)

    /// True only for `.trusted`.
    public var isTrusted: Bool { self == .trusted }
}

/// Trust anchors, untrusted intermediates and CRLs for validating certificates. Value type: every
/// evaluation builds its own OpenSSL store, so one TrustStore can be used from many threads.
///
/// A path found trusted is remembered (`ConfirmedPaths`) until the first moment at which any
/// certificate or CRL of the store, or of the path, enters or leaves its validity period: until
/// then OpenSSL would decide the same inputs the same way. Changing the anchors, intermediates or
/// CRLs forgets every remembered path.
public struct TrustStore: Sendable {
    /// Certificates trusted without further proof, each parsed by OpenSSL when a path first
    /// reaches it.
    public var trustAnchors: [TrustAnchor] { didSet { confirmedPaths = ConfirmedPaths() } }
    /// The anchors as certificates: reading parses every anchor not parsed yet.
    public var anchors: [Certificate] {
        get { trustAnchors.compactMap { try? $0.certificate() } }
        set { trustAnchors = newValue.map(TrustAnchor.init) }
    }
    /// Intermediate certificates that may complete a path but are not trusted by themselves.
    public var intermediates: [Certificate] { didSet { confirmedPaths = ConfirmedPaths() } }
    /// Revocation lists; every certificate whose issuer has a CRL here is checked against it.
    public var revocationLists: [CertificateRevocationList] { didSet { confirmedPaths = ConfirmedPaths() } }

    private var confirmedPaths = ConfirmedPaths()

    /// Creates a store.
    public init(anchors: [Certificate] = [], intermediates: [Certificate] = [], revocationLists: [CertificateRevocationList] = []) {
        self.init(trustAnchors: anchors.map(TrustAnchor.init), intermediates: intermediates, revocationLists: revocationLists)
    }

    /// Creates a store whose anchors OpenSSL parses as paths reach them.
    public init(trustAnchors: [TrustAnchor], intermediates: [Certificate] = [], revocationLists: [CertificateRevocationList] = []) {
        self.trustAnchors = trustAnchors
        self.intermediates = intermediates
        self.revocationLists = revocationLists
    }

    /// Validates `leaf` at time `at` for `purpose`, building the path from the anchors, the store's
    /// intermediates and `untrustedChain` (e.g. the certificates embedded in a signature).
    public func evaluate(_ leaf: Certificate, untrustedChain: [Certificate] = [], at time: Date, purpose: TrustPurpose) -> TrustEvaluation {
        let path = ConfirmedPaths.Path(
            leaf: EncodedBytes(leaf.derBytes), untrustedChain: untrustedChain.map { EncodedBytes($0.derBytes) }, purpose: purpose)
        if confirmedPaths.contains(path, at: time) { return .trusted }
        let evaluation = evaluateWithOpenSSL(leaf, untrustedChain: untrustedChain, at: time, purpose: purpose)
        if evaluation == .trusted, let boundary = nextValidityBoundary(after: time, of: [leaf] + untrustedChain) {
            confirmedPaths.insert(path, from: time, until: boundary)
        }
        return evaluation
    }

    /// How many trusted paths are remembered (for tests).
    var confirmedPathCount: Int { confirmedPaths.count }

    /// The earliest notBefore, notAfter, thisUpdate or nextUpdate of the store and of `certificates`
    /// that is not well before `time`; nil when one cannot be read, and then nothing is remembered.
    /// Dates within a second of `time` count: OpenSSL compares whole seconds.
    private func nextValidityBoundary(after time: Date, of certificates: [Certificate]) -> Date? {
        var edges: [Date?] = trustAnchors.flatMap { [$0.notValidBefore, $0.notValidAfter] }
        for certificate in certificates + intermediates {
            edges += [date(from: X509_get0_notBefore(certificate.handle.pointer)), date(from: X509_get0_notAfter(certificate.handle.pointer))]
        }
        for list in revocationLists {
            edges.append(list.thisUpdate)
            if let nextUpdate = list.nextUpdate { edges.append(nextUpdate) }
        }
        var boundary = time.addingTimeInterval(ConfirmedPaths.longestMemory)
        for edge in edges {
            guard let edge else { return nil }
            if edge >= time.addingTimeInterval(-1) { boundary = min(boundary, edge.addingTimeInterval(-1)) }
        }
        return boundary
    }

    private func evaluateWithOpenSSL(_ leaf: Certificate, untrustedChain: [Certificate], at time: Date, purpose: TrustPurpose) -> TrustEvaluation {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let contentsLookup = X509_LOOKUP_meth_new("SecureMail trust store") else {
            return .untrusted(reason: "out of memory building the trust store")
        }
        defer { X509_LOOKUP_meth_free(contentsLookup) }
        guard X509_LOOKUP_meth_set_get_by_subject(contentsLookup, lookUpStoreContents) == 1 else {
            return .untrusted(reason: "could not set up the trust store's look-up: \(OpenSSLErrorQueue.drain().joined(separator: "; "))")
        }
        guard let store = X509_STORE_new() else { return .untrusted(reason: "out of memory building the trust store") }
        defer { X509_STORE_free(store) }
        let contents = StoreContents(anchors: trustAnchors, revocationLists: revocationLists)
        defer { withExtendedLifetime(contents) {} }
        guard let lookup = X509_STORE_add_lookup(store, contentsLookup),
              X509_LOOKUP_set_method_data(lookup, Unmanaged.passUnretained(contents).toOpaque()) == 1 else {
            return .untrusted(reason: "out of memory building the trust store")
        }
        guard let untrusted = try? CertificateStack(intermediates + untrustedChain.filter { $0 != leaf }) else {
            return .untrusted(reason: "out of memory building the certificate chain")
        }
        guard let context = X509_STORE_CTX_new() else { return .untrusted(reason: "out of memory building the verification context") }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf.handle.pointer, untrusted.pointer) == 1 else {
            return .untrusted(reason: "could not initialise verification: \(OpenSSLErrorQueue.drain().joined(separator: "; "))")
        }
        let parameters = X509_STORE_CTX_get0_param(context)
        X509_VERIFY_PARAM_set_time(parameters, time_t(time.timeIntervalSince1970.rounded(.down)))
        X509_VERIFY_PARAM_set_flags(parameters, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
        X509_STORE_CTX_set_verify_cb(context, securemail_verify_ignoring_missing_crl)

        // OpenSSL's S/MIME encryption purpose demands keyEncipherment, which EC (key agreement)
        // certificates rightly lack: for those the chain is validated without a purpose and the
        // leaf's key usage is checked by allowsEncryption below.
        let usesOpenSSLPurpose: Bool
        switch (purpose, leaf.publicKeyAlgorithm) {
        case (.emailSigning, _):
            usesOpenSSLPurpose = X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SMIME_SIGN) == 1
        case (.emailEncryption, .rsa):
            usesOpenSSLPurpose = X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SMIME_ENCRYPT) == 1
        case (.emailEncryption, _):
            usesOpenSSLPurpose = false
        }
        let result = X509_verify_cert(context)
        if let failure = contents.unreadableRevocationList {
            // Without the CRL the path would pass as if nothing in it were revoked.
            return .untrusted(reason: "\(failure); no certificate of its issuer can be trusted until it is replaced")
        }
        if result != 1 {
            return Self.classify(context: context, leaf: leaf, time: time)
        }
        switch purpose {
        case .emailSigning where !usesOpenSSLPurpose && !leaf.allowsSigning:
            return .untrusted(reason: "\(leaf.subject) is not allowed to sign mail (keyUsage/extendedKeyUsage)")
        case .emailEncryption where !usesOpenSSLPurpose && !leaf.allowsEncryption:
            return .untrusted(reason: "\(leaf.subject) is not allowed to receive encrypted mail (keyUsage/extendedKeyUsage)")
        default:
            return .trusted
        }
    }

    /// Maps OpenSSL's first error to a verdict. OpenSSL may stop at another error (a CRL past its
    /// nextUpdate, say) before it looks at the leaf's dates, so a leaf outside its validity is
    /// reported as expired whatever came first, unless it is revoked.
    private static func classify(context: OpaquePointer, leaf: Certificate, time: Date) -> TrustEvaluation {
        let code = X509_STORE_CTX_get_error(context)
        let depth = X509_STORE_CTX_get_error_depth(context)
        let message = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
        let subject = Certificate(borrowing: X509_STORE_CTX_get_current_cert(context))?.subject ?? "certificate at depth \(depth)"
        let reason = "\(message): \(subject) (depth \(depth), evaluated at \(ISO8601DateFormatter().string(from: time)))"
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            return .expired(reason: reason)
        case X509_V_ERR_CERT_REVOKED:
            return .revoked(reason: reason)
        default:
            if time < leaf.notValidBefore || time > leaf.notValidAfter {
                return .expired(reason: "\(leaf.subject) is valid from \(leaf.notValidBefore) to \(leaf.notValidAfter), not at the evaluation time; also: \(reason)")
            }
            return .untrusted(reason: reason)
        }
    }
}

/// What an evaluation's store looks certificates and CRLs up in (its lookup's method data), and
/// the first CRL that OpenSSL could not parse when a path needed it.
private final class StoreContents {
    let anchors: [TrustAnchor]
    let revocationLists: [CertificateRevocationList]
    var unreadableRevocationList: String?

    init(anchors: [TrustAnchor], revocationLists: [CertificateRevocationList]) {
        self.anchors = anchors
        self.revocationLists = revocationLists
    }
}

/// OpenSSL asks a store's lookups for the certificates with a subject whenever the store holds
/// none (for the issuer of each certificate on a path, and whether a certificate is itself
/// trusted), and for the CRLs of an issuer whenever it checks a certificate's revocation. The
/// anchors with that subject, or the CRLs of that issuer, are parsed (if they have not been) and
/// added to the store, where OpenSSL chooses among them as among those added beforehand.
private let lookUpStoreContents: X509_LOOKUP_get_by_subject_fn = { lookup, type, name, object in
    guard let lookup, let name, let object, let data = X509_LOOKUP_get_method_data(lookup),
          let store = X509_LOOKUP_get_store(lookup), let encoded = derEncoding(ofName: name) else { return 0 }
    let key = NameKey(encoded)
    let contents = Unmanaged<StoreContents>.fromOpaque(data).takeUnretainedValue()
    var added = false
    switch type {
    case X509_LU_X509:
        for anchor in contents.anchors where anchor.subject.matches(name, encoded: encoded, key: key) {
            guard let certificate = try? anchor.certificate() else { continue }
            added = X509_STORE_add_cert(store, certificate.handle.pointer) == 1 || added
        }
    case X509_LU_CRL:
        for list in contents.revocationLists where list.issuerName.matches(name, encoded: encoded, key: key) {
            do {
                added = X509_STORE_add_crl(store, try list.handle().pointer) == 1 || added
            } catch {
                contents.unreadableRevocationList = contents.unreadableRevocationList ?? "\(error)"
            }
        }
    default:
        return 0
    }
    guard added, let match = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), type, name) else { return 0 }
    // The caller takes a reference of its own to what the lookup returns; the store keeps one.
    if let certificate = X509_OBJECT_get0_X509(match), X509_OBJECT_set1_X509(object, certificate) == 1 {
        X509_free(certificate)
        return 1
    }
    if let list = X509_OBJECT_get0_X509_CRL(match), X509_OBJECT_set1_X509_CRL(object, list) == 1 {
        X509_CRL_free(list)
        return 1
    }
    return 0
}

/// Trusted paths with the span of evaluation times over which their verdict cannot change.
///
/// Verifying a signer's chain (the CA's signature on the certificate, the CRL's signature, purpose
/// and dates) cost about a tenth of an inbound message, repeated for every message a customer
/// sends. Only `.trusted` verdicts are kept, keyed by the exact DER of the leaf and of the chain
/// the message supplied, and the purpose. A remembered verdict answers only for times from the
/// first evaluation up to the next validity boundary, and for at most `longestMemory`.
final class ConfirmedPaths: Sendable {
    struct Path: Hashable, Sendable {
        let leaf: EncodedBytes
        let untrustedChain: [EncodedBytes]
        let purpose: TrustPurpose
    }

    /// How long a verdict is kept even when no date of the store ends sooner.
    static let longestMemory: TimeInterval = 3600
    /// More paths than customers send signed mail at once; beyond it the memory starts afresh.
    static let capacity = 1024

    private let spans = Mutex([Path: ClosedRange<Date>]())

    func contains(_ path: Path, at time: Date) -> Bool {
        spans.withLock { $0[path]?.contains(time) ?? false }
    }

    func insert(_ path: Path, from start: Date, until end: Date) {
        guard start <= end else { return }
        spans.withLock { spans in
            if spans.count >= Self.capacity { spans.removeAll() }
            spans[path] = start...end
        }
    }

    var count: Int { spans.withLock { $0.count } }
}
