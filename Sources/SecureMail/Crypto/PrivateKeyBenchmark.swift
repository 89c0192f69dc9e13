import COpenSSL
import Foundation

/// How fast this machine performs private-key operations through OpenSSL: the floor under a
/// gateway's cost per message (one RSA private-key operation to open or sign a message).
public enum PrivateKeyBenchmark {
    /// Signs a SHA-256 digest with `key` (PKCS#1 v1.5 for RSA, ECDSA for EC) on `threads`
    /// threads at once for about `duration`; returns operations per second over all threads.
    public static func operationsPerSecond(key: PrivateKey, duration: Duration, threads: Int) throws -> Double {
        let counts = OperationCounts(threads: max(1, threads))
        let failure = FirstFailure()
        let started = ContinuousClock.now
        let deadline = started + duration
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { thread in
            do {
                counts.set(thread, try signUntil(deadline, key: key))
            } catch {
                failure.record(error)
            }
        }
        if let error = failure.error { throw error }
        let elapsed = ContinuousClock.now - started
        return Double(counts.total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    private static func signUntil(_ deadline: ContinuousClock.Instant, key: PrivateKey) throws -> Int {
        guard let context = EVP_PKEY_CTX_new(key.handle.pointer, nil) else {
            throw CryptoError.openSSL("create a signing context", remedy: "The process is out of memory.")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_sign_init(context) == 1, EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) == 1 else {
            throw CryptoError.openSSL(.unsupported, "prepare signing", remedy: "Use an RSA or EC key.")
        }
        let digest = [UInt8](repeating: 0x5A, count: 32)
        var signature = [UInt8](repeating: 0, count: 1024)
        var operations = 0
        repeat {
            var length = signature.count
            guard EVP_PKEY_sign(context, &signature, &length, digest, digest.count) == 1 else {
                throw CryptoError.openSSL("sign a digest", remedy: "Check that the key can sign.")
            }
            operations += 1
        } while ContinuousClock.now < deadline
        return operations
    }
}

/// Per-thread operation counts, each slot written by one thread only.
private final class OperationCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int]

    init(threads: Int) { counts = Array(repeating: 0, count: threads) }

    func set(_ thread: Int, _ count: Int) { lock.withLock { counts[thread] = count } }
    var total: Int { lock.withLock { counts.reduce(0, +) } }
}

/// The first error any thread hit.
private final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?

    func record(_ error: Error) { lock.withLock { if first == nil { first = error } } }
    var error: Error? { lock.withLock { first } }
}
