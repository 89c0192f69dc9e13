import Synchronization

/// Certificates parsed once per process and shared by every message that carries them.
///
/// OpenSSL 3.0 decodes a certificate's public key through its provider decoders each time the
/// certificate is parsed, which costs about half an RSA-2048 private-key operation; a customer
/// signs every message with the same certificate. Only parsing is cached: each message's chain,
/// purpose, validity and revocation are still evaluated from scratch.
///
/// Entries are keyed by their exact DER bytes. The cache holds at most twice `generationSize`
/// certificates: when the current generation is full it becomes the previous one and the
/// oldest is dropped, so certificates in use stay and a flood of new ones cannot grow it.
final class CertificateCache: Sendable {
    /// The cache that CMS verification uses.
    static let shared = CertificateCache(generationSize: 256)

    private struct Generations {
        var current: [EncodedBytes: Certificate] = [:]
        var previous: [EncodedBytes: Certificate] = [:]
    }

    private let generationSize: Int
    private let generations = Mutex(Generations())

    init(generationSize: Int) {
        precondition(generationSize > 0, "a certificate cache needs room for one certificate")
        self.generationSize = generationSize
    }

    /// The certificate whose DER encoding is exactly `der`, parsed on the first request; nil when
    /// `der` is not one whole certificate.
    func certificate(derEncoded der: [UInt8]) -> Certificate? {
        if let cached = lookUp(der) { return cached }
        // Parsed outside the lock: two threads may parse the same certificate once each.
        guard let handle = Certificate.parseDER(der) else { return nil }
        let parsed = Certificate(handle: handle, derBytes: der)
        insert(parsed)
        return parsed
    }

    /// How many certificates the cache holds.
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private func lookUp(_ der: [UInt8]) -> Certificate? {
        let key = EncodedBytes(der)
        return generations.withLock { generations in
            if let found = generations.current[key] { return found }
            guard let found = generations.previous.removeValue(forKey: key) else { return nil }
            Self.add(found, to: &generations, generationSize: generationSize)
            return found
        }
    }

    private func insert(_ certificate: Certificate) {
        generations.withLock { Self.add(certificate, to: &$0, generationSize: generationSize) }
    }

    private static func add(_ certificate: Certificate, to generations: inout Generations, generationSize: Int) {
        if generations.current.count >= generationSize {
            generations.previous = generations.current
            generations.current = [:]
        }
        generations.current[EncodedBytes(certificate.derBytes)] = certificate
    }
}

/// Encoded bytes (a certificate's DER, say) as a dictionary key, hashed as one block of memory:
/// `[UInt8]`'s own hashing feeds the hasher one byte at a time, a thousand calls per certificate.
struct EncodedBytes: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
