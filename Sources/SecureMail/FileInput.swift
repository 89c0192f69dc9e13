import Glibc

/// Why a file or stream could not be read whole.
public enum FileInputError: Error, Sendable, Equatable {
    /// More than the limit arrived; the count is how many bytes were seen when reading stopped.
    case tooLarge(Int)
    /// The system refused the read; `errno` says why.
    case failed(errno: Int32)

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
