import Foundation

/// The CR LF canonical form (RFC 8551 section 3.1.1) of a MIME entity, written piece by piece
/// to a CMS operation so that signing, verifying or encrypting a large message neither
/// gathers it into one buffer nor copies it when it is canonical already (runs without a bare
/// CR or LF are passed on as they are stored).
enum CanonicalContent {
    /// A writer of `part`'s canonical bytes.
    static func writer(_ part: MIMEPart) -> CMSContentWriter {
        { emit in
            var canonicaliser = LineEndingCanonicaliser()
            try part.writeSerialized { piece in try canonicaliser.write(piece, to: emit) }
            try canonicaliser.finish(to: emit)
        }
    }
}

/// Turns bare CR and bare LF into CR LF across piece boundaries.
struct LineEndingCanonicaliser {
    private static let lineBreak: [UInt8] = [0x0D, 0x0A]
    /// The previous piece ended with a CR whose partner, if any, starts the next piece.
    private var pendingCarriageReturn = false

    mutating func write(_ piece: ArraySlice<UInt8>, to emit: (ArraySlice<UInt8>) throws -> Void) throws {
        guard !piece.isEmpty else { return }
        var runStart = piece.startIndex
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            try emit(Self.lineBreak[...])
            if piece[runStart] == 0x0A { runStart += 1 }
        }
        // Offsets (from the piece's start) where a run ends and CR LF must be written instead of
        // the byte there: a bare LF, a bare CR, or a CR at the very end (deferred: its LF may start
        // the next piece). memchr finds the line ends, so canonical text costs two fast scans.
        var breaks: [Int] = []
        var deferredAtEnd = false
        piece.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            let start = runStart - piece.startIndex
            let count = raw.count
            var bareLineFeeds: [Int] = []
            var offset = start
            while offset < count, let found = memchr(base + offset, 0x0A, count - offset) {
                let position = base.distance(to: UnsafeRawPointer(found))
                if position == 0 || raw[position - 1] != 0x0D { bareLineFeeds.append(position) }
                offset = position + 1
            }
            var bareCarriageReturns: [Int] = []
            offset = start
            while offset < count, let found = memchr(base + offset, 0x0D, count - offset) {
                let position = base.distance(to: UnsafeRawPointer(found))
                if position + 1 == count {
                    deferredAtEnd = true
                    bareCarriageReturns.append(position)
                } else if raw[position + 1] != 0x0A {
                    bareCarriageReturns.append(position)
                }
                offset = position + 1
            }
            if bareCarriageReturns.isEmpty {
                breaks = bareLineFeeds
            } else if bareLineFeeds.isEmpty {
                breaks = bareCarriageReturns
            } else {
                breaks = (bareLineFeeds + bareCarriageReturns).sorted()
            }
        }
        for (position, offset) in breaks.enumerated() {
            let end = piece.startIndex + offset
            if end > runStart { try emit(piece[runStart..<end]) }
            if deferredAtEnd && position == breaks.count - 1 {
                pendingCarriageReturn = true
            } else {
                try emit(Self.lineBreak[...])
            }
            runStart = end + 1
        }
        if runStart < piece.endIndex { try emit(piece[runStart..<piece.endIndex]) }
    }

    mutating func finish(to emit: (ArraySlice<UInt8>) throws -> Void) throws {
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            try emit(Self.lineBreak[...])
        }
    }
}
