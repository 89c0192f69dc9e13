import Dispatch

/// National identity numbers in a text too large to hold at once (a log, a database export),
/// read piece by piece through positional reads and scanned on several threads, in memory
/// that does not grow with the text.
///
/// The text is cut only between two scalars that are not digits, where no number phrase can
/// continue; each piece is scanned with the bytes before it that the cue words need and a few
/// after it, and the same pass checks that it is well-formed UTF-8. The findings, their order
/// and their offsets (in scalars from the start of the text) are those of
/// ``IdentifierScanner`` over the whole text.
struct LargeTextIdentifierScan: Sendable {
    /// Reads up to `buffer.count` bytes at `offset` into `buffer`; fewer only at the end of the text.
    typealias Reader = @Sendable (_ buffer: UnsafeMutableRawBufferPointer, _ offset: Int) throws -> Int

    /// The text's length in bytes.
    let size: Int
    let location: String
    /// Bytes scanned per read, per thread: small enough to stay in the processor's cache.
    var pieceBytes = 1 << 16
    let read: Reader

    /// 49 scalars of up to four bytes: the cue window before a number (`PhraseWindow`).
    static let contextBytes = 256
    /// What `PhraseWindow` may decode after the end of a piece (two scalars after a phrase).
    static let lookaheadBytes = 16
    /// The threads take the text in stretches of about this many bytes, one after the other, so
    /// that a thread that starts late or is slowed by another process takes fewer of them
    /// instead of holding up the end (with one half each, the run waits for the slower half).
    /// Below this a stretch costs more to hand over than it saves.
    var stretchBytes = 1 << 20

    /// The findings over the whole text, or nil when it is not well-formed UTF-8.
    /// - Parameter threads: 1 scans on the caller's thread; more scans on every core.
    /// - Throws: what `read` throws.
    func findings(threads: Int) throws -> [Finding]? {
        let parts = max(1, size / max(1, stretchBytes))
        let outcomes = Outcomes(count: parts)
        if threads > 1, parts > 1 {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                outcomes.set(part, Result { try scanPart(part, of: parts) })
            }
        } else {
            for part in 0..<parts {
                outcomes.set(part, Result { try scanPart(part, of: parts) })
            }
        }
        var scanned: [Part] = []
        for outcome in outcomes.all {
            guard let part = try outcome.get() else { return nil }
            scanned.append(part)
        }
        var found: [Finding] = []
        found.reserveCapacity(scanned.reduce(0) { $0 + $1.findings.count })
        var scalarsBefore = 0
        for part in scanned {
            Self.append(part.findings, to: &found, scalarsBefore: scalarsBefore)
            scalarsBefore += part.scalars
        }
        return found
    }

    /// The text ended before the size it was scanned for: a file truncated while it was read.
    struct TextEndedEarly: Error, CustomStringConvertible {
        let offset: Int
        let size: Int
        var description: String { "the text ended at byte \(offset) of the \(size) expected; it changed while it was scanned" }
    }

    /// One slot per stretch, written by the thread that scanned it and read when all have finished
    /// (`concurrentPerform` returns after the last), so the slots need no lock.
    private final class Outcomes: @unchecked Sendable {
        private let slots: UnsafeMutableBufferPointer<Result<Part?, any Error>>

        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: .success(nil))
        }

        deinit {
            _ = slots.deinitialize()
            slots.deallocate()
        }

        func set(_ index: Int, _ outcome: Result<Part?, any Error>) {
            slots[index] = outcome
        }

        var all: UnsafeMutableBufferPointer<Result<Part?, any Error>> { slots }
    }

    private struct Part: Sendable {
        var findings: [Finding] = []
        var scalars = 0
    }

    /// Scans the `part`-th of `parts` stretches of the text, each moved to the next cut point.
    private func scanPart(_ part: Int, of parts: Int) throws -> Part? {
        var buffer = Buffer(capacity: pieceBytes + Self.contextBytes + Self.lookaheadBytes)
        defer { buffer.release() }
        let start = part == 0 ? 0 : try cutPoint(atOrAfter: size / parts * part, buffer: buffer)
        let end = part == parts - 1 ? size : try cutPoint(atOrAfter: size / parts * (part + 1), buffer: buffer)
        var result = Part()
        var position = start
        while position < end {
            let readStart = max(0, position - Self.contextBytes)
            let filled = try readFully(into: buffer.bytes, at: readStart)
            let readEnd = readStart + filled
            let pieceEnd: Int
            if end + Self.lookaheadBytes <= readEnd || readEnd >= size {
                pieceEnd = end
            } else if let cut = Self.lastCutPoint(in: buffer.bytes, after: position - readStart, through: filled - Self.lookaheadBytes) {
                pieceEnd = readStart + cut
            } else {
                // No cut point in a whole buffer (a long run of digits): read more at once.
                buffer.grow()
                continue
            }
            // The text starts with the context (at the first whole scalar of it), so that the
            // cue words before a number near the start of the piece are seen.
            var textStart = 0
            if readStart > 0 {
                while buffer.bytes[textStart] & 0xC0 == 0x80 { textStart += 1 }
            }
            let text = UnsafeBufferPointer(rebasing: buffer.bytes[textStart..<filled])
            let range = (position - readStart - textStart)..<(pieceEnd - readStart - textStart)
            guard let piece = IdentifierScanner(text: text).findings(location: location, numbersIn: range, validatingUTF8: true) else {
                return nil
            }
            Self.append(piece.findings, to: &result.findings, scalarsBefore: result.scalars)
            result.scalars += piece.scalars
            position = pieceEnd
        }
        return result
    }

    /// Appends the findings of a stretch that follows `scalarsBefore` scalars of `list`'s text,
    /// their offsets moved from the stretch's start to the text's.
    private static func append(_ findings: [Finding], to list: inout [Finding], scalarsBefore: Int) {
        let first = list.count
        list.append(contentsOf: findings)
        guard scalarsBefore > 0 else { return }
        for index in first..<list.count {
            list[index].offset = list[index].offset.map { $0 + scalarsBefore }
        }
    }

    /// True when the text may be cut before `byte` that follows `previous`: neither is an ASCII
    /// digit (so no number phrase, whose joiners are single scalars between digits, goes on
    /// over the cut), and `byte` starts a scalar.
    @inline(__always)
    private static func isCutPoint(previous: UInt8, byte: UInt8) -> Bool {
        byte & 0xC0 != 0x80 && byte &- 0x30 >= 10 && previous &- 0x30 >= 10
    }

    /// The first cut point at or after `offset` (> 0), or the end of the text.
    private func cutPoint(atOrAfter offset: Int, buffer: Buffer) throws -> Int {
        var readStart = offset - 1
        while readStart + 1 < size {
            let filled = try readFully(into: buffer.bytes, at: readStart)
            guard filled > 1 else { break }
            for index in 1..<filled where Self.isCutPoint(previous: buffer.bytes[index - 1], byte: buffer.bytes[index]) {
                return readStart + index
            }
            readStart += filled - 1
        }
        return size
    }

    /// The last cut point in `bytes` after index `lower` and at or before `upper`.
    private static func lastCutPoint(in bytes: UnsafeMutableBufferPointer<UInt8>, after lower: Int, through upper: Int) -> Int? {
        var index = upper
        while index > lower {
            if isCutPoint(previous: bytes[index - 1], byte: bytes[index]) { return index }
            index -= 1
        }
        return nil
    }

    /// Fills `buffer` from `offset`, short only at the end of the text.
    /// - Throws: ``TextEndedEarly`` when the text ends before `size`; what `read` throws.
    private func readFully(into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) throws -> Int {
        var filled = 0
        let wanted = min(buffer.count, size - offset)
        while filled < wanted {
            let count = try read(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[filled..<wanted]), offset + filled)
            guard count > 0 else { throw TextEndedEarly(offset: offset + filled, size: size) }
            filled += count
        }
        return filled
    }

    /// One thread's read buffer: allocated once and reused for every piece.
    private struct Buffer {
        private(set) var bytes: UnsafeMutableBufferPointer<UInt8>

        init(capacity: Int) {
            bytes = .allocate(capacity: capacity)
        }

        mutating func grow() {
            let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count * 2)
            bytes.deallocate()
            bytes = larger
        }

        func release() {
            bytes.deallocate()
        }
    }
}
