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
        // what follows: a bare LF (skip 1), a bare CR (skip 1), a CR at the very end (deferred).
        var breaks: [(offset: Int, skip: Int)] = []
        var deferredAtEnd = false
        piece.withUnsafeBufferPointer { buffer in
            var index = runStart - piece.startIndex
            while index < buffer.count {
                let byte = buffer[index]
                if byte == 0x0D {
                    if index + 1 == buffer.count {
                        breaks.append((index, 1))
                        deferredAtEnd = true
                    } else if buffer[index + 1] == 0x0A {
                        index += 2
                        continue
                    } else {
                        breaks.append((index, 1))
                    }
                } else if byte == 0x0A {
                    breaks.append((index, 1))
                }
                index += 1
            }
        }
        for (position, item) in breaks.enumerated() {
            let end = piece.startIndex + item.offset
            if end > runStart { try emit(piece[runStart..<end]) }
            let isDeferred = deferredAtEnd && position == breaks.count - 1
            if isDeferred {
                pendingCarriageReturn = true
            } else {
                try emit(Self.lineBreak[...])
            }
            runStart = end + item.skip
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
