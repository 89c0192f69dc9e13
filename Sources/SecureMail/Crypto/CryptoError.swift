import COpenSSL

/// A failure in the cryptographic layer: what was attempted, what OpenSSL said, and what to do next.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, for callers that react differently to each.
    public enum Kind: String, Sendable, Equatable {
        /// The input bytes are not the structure that was expected (not PEM, not DER, not CMS ...).
        case malformedInput
        /// The input is larger than the configured limit.
        case inputTooLarge
        /// A key or PKCS#12 file could not be decrypted with the passphrase given.
        case wrongPassphrase
        /// A private key file can be read by group or others.
        case insecureKeyFile
        /// A file could not be read.
        case fileUnreadable
        /// The private key does not belong to the certificate.
        case keyMismatch
        /// None of the available identities is a recipient of the message.
        case noMatchingRecipient
        /// A recipient's key was found but decryption failed (wrong key, tampered or truncated data).
        case decryptionFailed
        /// The operation is not possible with the given certificates, keys or parameters.
        case unsupported
        /// OpenSSL refused an operation for another reason.
        case operationFailed
    }

    /// The kind of failure.
    public let kind: Kind
    /// What was being done, e.g. "parse CMS SignedData".
    public let operation: String
    /// The OpenSSL error-queue entries drained when the failure was detected (may be empty).
    public let openSSLErrors: [String]
    /// What the caller or operator can do about it.
    public let remedy: String

    /// Creates an error; `openSSLErrors` is usually `OpenSSLErrorQueue.drain()`.
    public init(_ kind: Kind, operation: String, openSSLErrors: [String] = [], remedy: String) {
        self.kind = kind
        self.operation = operation
        self.openSSLErrors = openSSLErrors
        self.remedy = remedy
    }

    /// One human-readable line: operation, library errors, remedy.
    public var description: String {
        var text = "Could not \(operation)"
        if !openSSLErrors.isEmpty {
            text += " (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
        }
        return text + ". " + remedy
    }

    /// An error carrying whatever is on this thread's OpenSSL error queue right now.
    static func openSSL(_ kind: Kind, _ operation: String, remedy: String) -> CryptoError {
        CryptoError(kind, operation: operation, openSSLErrors: OpenSSLErrorQueue.drain(), remedy: remedy)
    }

    /// An `.operationFailed` error carrying whatever is on this thread's OpenSSL error queue.
    static func openSSL(_ operation: String, remedy: String) -> CryptoError {
        openSSL(.operationFailed, operation, remedy: remedy)
    }
}

/// Access to OpenSSL's per-thread error queue.
enum OpenSSLErrorQueue {
    /// Empties the queue; called before each operation so that stale entries are never blamed on it.
    static func clear() {
        ERR_clear_error()
    }

    /// Removes every entry from the queue and returns their texts, oldest first.
    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let data, flags & ERR_TXT_STRING != 0 {
                let detail = String(cString: data)
                if !detail.isEmpty { message += " (\(detail))" }
            }
            messages.append(message)
        }
        return messages
    }
}
