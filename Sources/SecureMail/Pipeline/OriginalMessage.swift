import CPosix
import Glibc
import Logging

/// The bytes of a message as received, kept for as long as processing may need them again (to
/// quarantine the message or pass it on unchanged) without holding a large message twice.
///
/// A message larger than ``spillThreshold`` is written to a file in the state directory that is
/// unlinked as soon as it is created: it has no name, only its owner can read it, and it
/// disappears when closed, even when the process dies. Its one copy in memory can then be
/// handed over to the parser, which makes the body of a single-part (S/MIME) message out of it
/// in place; later requests read the file again. When the file cannot be written, the bytes stay
/// in memory: nothing is lost, only memory is spent.
final class OriginalMessage {
    /// Below this a second copy in memory costs less than writing and reading a file.
    static let spillThreshold = 1 << 20

    private var retained: [UInt8]?
    private let spillDescriptor: Int32?
    private let count: Int

    init(_ bytes: consuming [UInt8], spillDirectory: String, logger: Logger) {
        count = bytes.count
        spillDescriptor = bytes.count > Self.spillThreshold ? Self.spill(bytes, into: spillDirectory, logger: logger) : nil
        retained = consume bytes
    }

    deinit {
        if let spillDescriptor { close(spillDescriptor) }
    }

    /// The bytes. For a spilled message every call returns a copy of its own that the caller
    /// may take over (the first call hands over the one in memory); otherwise the shared copy.
    /// - Throws: ``TransientProcessingError`` when the spill file cannot be read back; the MTA
    ///   keeps the message and retries.
    func bytes() throws -> [UInt8] {
        guard let spillDescriptor else { return retained ?? [] }
        if let handedOver = retained.take() { return handedOver }
        return try Self.read(count, from: spillDescriptor)
    }

    private static func spill(_ bytes: borrowing [UInt8], into directory: String, logger: Logger) -> Int32? {
        var template: [CChar] = []
        func createFile() -> Int32 {
            template = Array("\(directory)/.securemail-spill-XXXXXX".utf8CString)
            // Close-on-exec: a sendmail started for a delivery must not inherit the descriptor.
            return template.withUnsafeMutableBufferPointer { securemail_mkstemp_cloexec($0.baseAddress!) }
        }
        var descriptor = createFile()
        // A gateway on PostgreSQL has no SQLite database to create the state directory for it.
        if descriptor < 0, errno == ENOENT, mkdir(directory, 0o700) == 0 { descriptor = createFile() }
        guard descriptor >= 0 else {
            logger.warning(
                "a large message is held in memory twice: no spill file can be created",
                metadata: ["directory": "\(directory)", "error": "\(String(cString: strerror(errno)))", "remedy": "create the state_directory and let the gateway write to it"])
            return nil
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let result = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if result < 0, errno == EINTR { continue }
                guard result > 0 else { return false }
                offset += result
            }
            return true
        }
        guard written else {
            logger.warning(
                "a large message is held in memory twice: its spill file cannot be written",
                metadata: ["directory": "\(directory)", "error": "\(String(cString: strerror(errno)))", "remedy": "free space in the state_directory"])
            close(descriptor)
            return nil
        }
        return descriptor
    }

    private static func read(_ count: Int, from descriptor: Int32) throws -> [UInt8] {
        let bytes: [UInt8]
        do throws(FileInputError) {
            guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw FileInputError.failed(errno: errno) }
            bytes = try FileInput.readAll(from: descriptor)
        } catch {
            throw TransientProcessingError(
                description: "the spilled copy of the message cannot be read back (\(error.systemMessage)); the MTA keeps the message and retries")
        }
        guard bytes.count == count else {
            throw TransientProcessingError(
                description: "the spilled copy of the message has \(bytes.count) bytes, not \(count); the MTA keeps the message and retries")
        }
        return bytes
    }
}
