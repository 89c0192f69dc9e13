import Glibc

/// Why a file or stream could not be read whole.
public enum FileInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// More than the limit arrived; the count is how many bytes were seen when reading stopped.
    case tooLarge(Int)
    /// The system refused the read; `errno` says why.
    case failed(errno: Int32)

    public var description: String { systemMessage }

    /// The system's message for a failed read.
    public var systemMessage: String {
        switch self {
        case .tooLarge(let count): "more than \(count) bytes"
        case .failed(let code): String(cString: strerror(code))
        }
    }
}

/// Reads files and streams whole into one array, without an intermediate `Data`.
public enum FileInput {
    /// The pipe capacity of Linux: a read from a pipe returns at most this much.
    static let pipeChunk = 1 << 16

    /// Everything from `descriptor` up to end of file. A regular file is read straight into an
    /// array of its size (one byte more, so that reaching its end needs no second buffer); a
    /// pipe in pieces of its capacity.
    /// - Throws: ``FileInputError``: a read error, or more than `limit` bytes.
    public static func readAll(from descriptor: Int32, limit: Int = .max) throws(FileInputError) -> [UInt8] {
        var status = stat()
        let isRegularFile = fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        let expected = isRegularFile ? Int(status.st_size) : 0
        guard expected <= limit else { throw .tooLarge(expected) }
        var failure: Int32 = 0
        var reachedEnd = false
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, initialized in
            LargeBuffers.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            while initialized < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    if count < 0 { failure = errno }
                    reachedEnd = count == 0
                    return
                }
                initialized += count
            }
        }
        if failure != 0 { throw .failed(errno: failure) }
        if reachedEnd { return bytes }
        var chunk = [UInt8](repeating: 0, count: pipeChunk)
        while true {
            guard bytes.count <= limit else { throw .tooLarge(bytes.count) }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw .failed(errno: errno) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// The whole file at `path`.
    /// - Throws: ``FileInputError``: the file cannot be opened or read, or is larger than `limit`.
    public static func readAll(path: String, limit: Int = .max) throws(FileInputError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .failed(errno: errno) }
        defer { close(descriptor) }
        return try readAll(from: descriptor, limit: limit)
    }
}

/// A file opened for reading at any offset, by several threads at once (`pread`), for input
/// too large to read whole: `scan` of a log or an export.
public final class PositionalFile: Sendable {
    /// The size when the file was opened; what is appended later is not read.
    public let size: Int
    /// False for a pipe, a terminal or a device, which cannot be read at an offset.
    public let isRegularFile: Bool
    private let descriptor: Int32

    /// Opens the file at `path` for reading.
    /// - Throws: ``FileInputError/failed(errno:)`` when it cannot be opened.
    public init(path: String) throws(FileInputError) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .failed(errno: errno) }
        var status = stat()
        isRegularFile = fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        size = isRegularFile ? Int(status.st_size) : 0
    }

    deinit {
        close(descriptor)
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end of the file.
    /// - Throws: ``FileInputError/failed(errno:)`` when the system refuses the read.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileInputError) -> Int {
        try positionalRead(descriptor, into: buffer, at: offset)
    }

    /// The first `count` bytes, or fewer when the file is shorter.
    /// - Throws: ``FileInputError/failed(errno:)`` when the system refuses the read.
    public func prefix(_ count: Int) throws(FileInputError) -> [UInt8] {
        var failure: FileInputError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                do throws(FileInputError) {
                    let read = try read(into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[initialized...]), at: initialized)
                    guard read > 0 else { return }
                    initialized += read
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
        return bytes
    }
}
