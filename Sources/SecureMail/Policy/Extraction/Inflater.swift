import CZlib

/// How a DEFLATE stream is wrapped.
enum DeflateWrapping: Sendable {
    /// Bare DEFLATE, as inside ZIP entries.
    case raw
    /// A zlib (or gzip) header and trailer, as in PDF FlateDecode streams.
    case zlib
}

/// What came out of `Inflater.inflate`.
struct InflateOutcome: Sendable {
    enum Status: Sendable, Equatable {
        /// The stream ended properly.
        case complete
        /// The input ended before the stream did; `bytes` holds what was decoded so far.
        case truncated
        /// The data is not valid DEFLATE; `bytes` holds what was decoded before the error.
        case corrupt
        /// Decoding would exceed the allowed output size; `bytes` is empty.
        case sizeLimitExceeded
    }

    var bytes: [UInt8]
    var status: Status
}

/// In-memory DEFLATE decoding with zlib, never producing more than a given number of bytes,
/// so that a few kilobytes of hostile input cannot expand into gigabytes.
enum Inflater {
    private static let chunkSize = 64 * 1024

    /// Decodes `input`, stopping with `.sizeLimitExceeded` as soon as the output would exceed `limit` bytes.
    static func inflate(_ input: ArraySlice<UInt8>, wrapping: DeflateWrapping, limit: Int) -> InflateOutcome {
        let outcome = run(input, windowBits: wrapping == .raw ? -15 : 15 + 32, limit: limit)
        // Some PDF writers emit bare DEFLATE under FlateDecode; retry only when nothing decoded.
        if wrapping == .zlib, outcome.status == .corrupt, outcome.bytes.isEmpty {
            return run(input, windowBits: -15, limit: limit)
        }
        return outcome
    }

    private static func run(_ input: ArraySlice<UInt8>, windowBits: Int32, limit: Int) -> InflateOutcome {
        var stream = z_stream()
        guard securemail_inflate_init(&stream, windowBits) == Z_OK else {
            return InflateOutcome(bytes: [], status: .corrupt)
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        return input.withUnsafeBufferPointer { inputBuffer -> InflateOutcome in
            guard let base = inputBuffer.baseAddress, inputBuffer.count > 0 else {
                return InflateOutcome(bytes: [], status: .truncated)
            }
            stream.next_in = base
            // zlib counts in uInt; feed at most that much at a time.
            var remainingInput = inputBuffer.count
            let maxFeed = Int(UInt32.max)
            stream.avail_in = UInt32(min(remainingInput, maxFeed))
            remainingInput -= Int(stream.avail_in)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { chunkBuffer -> (Int32, Int) in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    let result = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (result, chunkBuffer.count - Int(stream.avail_out))
                }
                if produced > 0 {
                    if output.count + produced > limit { return InflateOutcome(bytes: [], status: .sizeLimitExceeded) }
                    output.append(contentsOf: chunk[0..<produced])
                }
                switch result {
                case Z_STREAM_END:
                    return InflateOutcome(bytes: output, status: .complete)
                case Z_OK:
                    if stream.avail_in == 0 && remainingInput > 0 {
                        stream.avail_in = UInt32(min(remainingInput, maxFeed))
                        remainingInput -= Int(stream.avail_in)
                    }
                case Z_BUF_ERROR:
                    // No progress possible: all input consumed without reaching the end of the stream.
                    if stream.avail_in == 0 && remainingInput == 0 { return InflateOutcome(bytes: output, status: .truncated) }
                    if produced == 0 { return InflateOutcome(bytes: output, status: .corrupt) }
                default:
                    return InflateOutcome(bytes: output, status: .corrupt)
                }
                if result == Z_OK && produced == 0 && stream.avail_in == 0 && remainingInput == 0 {
                    return InflateOutcome(bytes: output, status: .truncated)
                }
            }
        }
    }
}
