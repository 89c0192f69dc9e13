import CTextScan

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
        // A run ends where CR LF must be written instead of the byte there: a bare LF, a bare CR,
        // or a CR at the very end (deferred: its LF may start the next piece). Canonical text is
        // passed over in one vector scan, not line by line.
        try piece.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            var run = runStart - piece.startIndex
            while run < count {
                let lineEnd = securemail_next_bare_line_end(base, count, run)
                if lineEnd > run { try emit(piece[(piece.startIndex + run)..<(piece.startIndex + lineEnd)]) }
                guard lineEnd < count else { break }
                if lineEnd + 1 == count && base[lineEnd] == 0x0D {
                    pendingCarriageReturn = true
                } else {
                    try emit(Self.lineBreak[...])
                }
                run = lineEnd + 1
            }
        }
    }

    mutating func finish(to emit: (ArraySlice<UInt8>) throws -> Void) throws {
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            try emit(Self.lineBreak[...])
        }
    }
}
