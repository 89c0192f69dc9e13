import CPosix
import Foundation

/// Core dumps of the gateway would hold decrypted mail and private keys, written wherever the
/// system's core pattern says: the gateway switches them off for itself at start.
public enum CoreDumps {
    /// Sets the core size limit to zero and makes the process not dumpable; a process that is
    /// not dumpable also cannot be attached to by other processes of the same user.
    ///
    /// - Throws: ``CoreDumpError`` with the system's reason when either call fails.
    public static func disable() throws {
        guard securemail_disable_core_dumps() == 0 else {
            throw CoreDumpError(reason: String(cString: strerror(errno)))
        }
    }
}

/// Core dumps could not be switched off.
public struct CoreDumpError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String {
        "cannot switch off core dumps (\(reason)); set LimitCORE=0 in the service unit so that a crash cannot write keys or mail to disk"
    }
}
