import COpenSSL

/// OpenSSL's set-up for a program of its own, such as `securemail-relay`.
public enum OpenSSLProcess {
    /// Initialises OpenSSL without the handler that frees its memory at exit.
    ///
    /// Call it first in `main`: OpenSSL settles this on its first initialisation, which any
    /// other OpenSSL call would make. The handler (`OPENSSL_cleanup`) frees every provider,
    /// algorithm store and cache OpenSSL has built, which a process that is ending does not
    /// need: 1.2 million instructions at the end of every `process` and `inspect`, programs that
    /// Postfix's pipe transport starts once per message. It would also free them under any
    /// thread still inside OpenSSL when the process exits.
    ///
    /// - Throws: ``CryptoError`` with OpenSSL's message when OpenSSL cannot set up its locks and
    ///   thread-local state (it reads no configuration here).
    public static func initialize() throws(CryptoError) {
        guard OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1 else {
            throw CryptoError.openSSL(
                "initialise OpenSSL", remedy: "The process is short of memory or threads: check its limits (ulimit -v, ulimit -u) and start it again.")
        }
    }
}
