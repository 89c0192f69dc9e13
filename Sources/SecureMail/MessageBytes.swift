import CPosix
import Glibc
import Logging

/// The bytes of a message to hand on: in memory, or, for a large one, in a ``SpillFile``.
///
/// An encrypted copy of a 100 MB attachment is some 145 MB of base64. Held in memory beside
/// the parsed message it came from, it would more than double what the gateway holds per
/// message; written to a spill file as it is made (``MessageBytesWriter``) and read back piece
/// by piece by the transport, it costs a buffer.
public struct MessageBytes: Sendable, Equatable {
    private enum Storage: Sendable {
        case memory([UInt8])
        case spilled(SpillFile)
    }

    private let storage: Storage
    /// The message's length in bytes.
    public let count: Int

    /// A message held in memory.
    public init(_ bytes: [UInt8]) {
        storage = .memory(bytes)
        count = bytes.count
    }

    init(spilled file: SpillFile) {
        storage = .spilled(file)
        count = file.size
    }

    /// True when the bytes are in a spill file rather than in memory.
    public var isSpilled: Bool {
        if case .spilled = storage { return true }
        return false
    }

    /// Calls `body` with up to `maximum` bytes from `offset` (fewer only at the end): the bytes
    /// in memory themselves, or those of the spill file read into `scratch`.
    /// - Throws: ``FileInputError`` when the spill file cannot be read; what `body` throws.
    public func withPiece<Result>(
        at offset: Int, maximum: Int, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let length = max(0, min(maximum, count - offset))
        switch storage {
        case .memory(let bytes):
            return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + length])) }
        case .spilled(let file):
            if scratch.count < length { scratch = [UInt8](repeating: 0, count: length) }
            return try scratch.withUnsafeMutableBytes { buffer in
                let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
                try file.readFully(into: piece, at: offset)
                return try body(UnsafeRawBufferPointer(piece))
            }
        }
    }

    /// Calls `body` with the message's bytes in order, in pieces of at most `pieceSize`.
    /// - Throws: ``FileInputError`` when the spill file cannot be read; what `body` throws.
    public func forEachPiece(size pieceSize: Int = 1 << 18, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var scratch: [UInt8] = []
        var offset = 0
        repeat {
            let length = try withPiece(at: offset, maximum: pieceSize, scratch: &scratch) { piece in
                try body(piece)
                return piece.count
            }
            offset += length
        } while offset < count
    }

    /// The whole message in one array (a spilled one read back).
    /// - Throws: ``FileInputError`` when the spill file cannot be read.
    public func collected() throws -> [UInt8] {
        switch storage {
        case .memory(let bytes):
            return bytes
        case .spilled(let file):
            return try file.prefix(count)
        }
    }

    /// Equal when the bytes are; a spill file that cannot be read equals nothing but itself.
    public static func == (lhs: MessageBytes, rhs: MessageBytes) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.memory(let left), .memory(let right)):
            return left == right
        case (.spilled(let left), .spilled(let right)) where left === right:
            return true
        default:
            guard lhs.count == rhs.count, let left = try? lhs.collected(), let right = try? rhs.collected() else { return false }
            return left == right
        }
    }
}

extension MessageBytes {
    /// `part` serialised (``MIMEPart/serialize()``), into a spill file in `spillDirectory` when
    /// it is larger than ``SpillFile/threshold``.
    /// - Throws: ``FileInputError`` when the spill file cannot be written.
    public init(serializing part: MIMEPart, spillDirectory: String?) throws(FileInputError) {
        var writer = MessageBytesWriter(expectedCount: part.serializedCount, spillDirectory: spillDirectory)
        part.writeSerialized { writer.append(contentsOf: $0) }
        self = try writer.finish()
    }
}

/// Builds a message to hand on from pieces: in memory, or, when it is going to be large,
/// straight into a spill file through a buffer of ``stagingBytes``.
///
/// The pieces come from OpenSSL's streaming encoder, which cannot be told to stop, so a
/// failing write is remembered and thrown by ``finish()``.
public struct MessageBytesWriter {
    /// Writes to the spill file are gathered to this size: a system call per megabyte.
    static let stagingBytes = 1 << 20

    private var buffer: [UInt8] = []
    private let file: SpillFile?
    private var failure: FileInputError?

    /// A writer for about `expectedCount` bytes: a spill file in `spillDirectory` when that is
    /// more than ``SpillFile/threshold`` (memory when `spillDirectory` is nil or the file
    /// cannot be created, which is logged), otherwise memory reserved for them.
    public init(expectedCount: Int, spillDirectory: String?, logger: Logger = SpillFile.defaultLogger) {
        if expectedCount > SpillFile.threshold, let spillDirectory, let file = SpillFile.create(in: spillDirectory, logger: logger) {
            self.file = file
            buffer.reserveCapacity(Self.stagingBytes + Self.stagingBytes / 8)
        } else {
            file = nil
            LargeBuffers.reserveCapacity(&buffer, expectedCount)
        }
    }

    /// Lets `write` append bytes at the end of the message.
    public mutating func append(_ write: (inout [UInt8]) -> Void) {
        write(&buffer)
        guard let file, buffer.count >= Self.stagingBytes else { return }
        flush(to: file)
    }

    /// Appends `bytes`; a large piece goes to the spill file without passing through the buffer.
    public mutating func append(contentsOf bytes: ArraySlice<UInt8>) {
        guard let file, bytes.count >= Self.stagingBytes else {
            append { $0 += bytes }
            return
        }
        flush(to: file)
        write(bytes, to: file)
    }

    /// The message written.
    /// - Throws: ``FileInputError`` when the spill file could not be written (the disk is full, say).
    public consuming func finish() throws(FileInputError) -> MessageBytes {
        guard let file else { return MessageBytes(buffer) }
        flush(to: file)
        if let failure { throw failure }
        return MessageBytes(spilled: file)
    }

    private mutating func flush(to file: SpillFile) {
        write(buffer[...], to: file)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` to the file unless a write failed before; a failure is kept for ``finish()``.
    private mutating func write(_ bytes: ArraySlice<UInt8>, to file: SpillFile) {
        guard failure == nil else { return }
        do throws(FileInputError) {
            try file.append(bytes)
        } catch {
            failure = error
        }
    }
}

/// A file in the state directory that is unlinked as soon as it is created: it has no name,
/// only its owner can read it, and it disappears when closed, even when the process dies.
/// Large messages are kept in one instead of a second copy in memory.
///
/// It is written by the one owner that created it, then shared only to be read (`pread`,
/// which does not move a shared file position).
public final class SpillFile: @unchecked Sendable {
    /// Below this a copy in memory costs less than writing and reading a file.
    public static let threshold = 1 << 20
    /// Where a spill file that cannot be created is reported when the caller has no logger.
    public static let defaultLogger = Logger(label: "securemail.spill")

    private let descriptor: Int32
    /// The bytes written so far.
    private(set) var size = 0

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// A new, empty spill file in `directory` (created with mode 0700 when it is missing, as a
    /// gateway on PostgreSQL has no SQLite database to create it), or nil, with a warning that
    /// says what to fix, when none can be created.
    static func create(in directory: String, logger: Logger) -> SpillFile? {
        var template: [CChar] = []
        func createFile() -> Int32 {
            template = Array("\(directory)/.securemail-spill-XXXXXX".utf8CString)
            // Close-on-exec: a sendmail started for a delivery must not inherit the descriptor.
            return template.withUnsafeMutableBufferPointer { securemail_mkstemp_cloexec($0.baseAddress!) }
        }
        var descriptor = createFile()
        if descriptor < 0, errno == ENOENT, mkdir(directory, 0o700) == 0 { descriptor = createFile() }
        guard descriptor >= 0 else {
            logger.warning(
                "a large message is held in memory: no spill file can be created",
                metadata: [
                    "directory": "\(directory)", "error": "\(String(cString: strerror(errno)))",
                    "remedy": "create the state_directory and let the gateway write to it",
                ])
            return nil
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return SpillFile(descriptor: descriptor)
    }

    /// Writes `bytes` at the end of the file.
    /// - Throws: ``FileInputError/failed(errno:)`` when the system refuses the write.
    func append(_ bytes: UnsafeRawBufferPointer) throws(FileInputError) {
        var offset = 0
        while offset < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset, off_t(size + offset))
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw .failed(errno: written < 0 ? errno : ENOSPC) }
            offset += written
        }
        size += bytes.count
    }

    /// Writes `bytes` at the end of the file.
    /// - Throws: ``FileInputError/failed(errno:)`` when the system refuses the write.
    func append(_ bytes: ArraySlice<UInt8>) throws(FileInputError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(FileInputError) in try append(buffer) } }.get()
    }

    /// Fills `buffer` from `offset`.
    /// - Throws: ``FileInputError/failed(errno:)`` when the system refuses the read or the file
    ///   ends before the buffer is full (it was truncated behind the gateway's back).
    func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileInputError) {
        var filled = 0
        while filled < buffer.count {
            let count = try positionalRead(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: offset + filled)
            guard count > 0 else { throw .failed(errno: EIO) }
            filled += count
        }
    }

    /// The first `count` bytes.
    /// - Throws: ``FileInputError/failed(errno:)`` as ``readFully(into:at:)``.
    func prefix(_ count: Int) throws(FileInputError) -> [UInt8] {
        var failure: FileInputError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            LargeBuffers.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            do throws(FileInputError) {
                try readFully(into: UnsafeMutableRawBufferPointer(buffer), at: 0)
                initialized = count
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return bytes
    }
}

/// `pread` of up to `buffer.count` bytes at `offset`, retried when a signal interrupts it; 0 at
/// the end of the file.
func positionalRead(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileInputError) -> Int {
    while true {
        let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
        if count >= 0 { return count }
        if errno != EINTR { throw .failed(errno: errno) }
    }
}
