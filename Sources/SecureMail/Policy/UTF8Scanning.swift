import CTextScan

/// Helpers for detectors that read text as UTF-8 bytes (a Swift `String`'s own storage, or a
/// piece of a file being scanned) instead of building an array of Unicode scalars: the DLP
/// scan runs on every outbound message and every attachment's text, so it must cost a few
/// instructions per byte.
///
/// The decoder never reads past the end and yields U+FFFD for a byte that does not start a
/// well-formed sequence, so bytes not yet validated (the look-ahead of a piece of a file) can
/// neither crash it nor pass for a scalar.
enum UTF8Scanning {
    /// The scalar that starts at `index` and the index of the byte after it.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: Unicode.Scalar, next: Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), index + 1) }
        let length = securemail_utf8_sequence_length(bytes.baseAddress, bytes.count, index)
        guard length > 1 else { return ("\u{FFFD}", index + 1) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", index + length)
    }

    /// The index of the first byte of the scalar before the one starting at `index` (> 0).
    @inline(__always)
    static func previousScalarStart(_ bytes: UnsafeBufferPointer<UInt8>, before index: Int) -> Int {
        var position = index - 1
        while position > 0, bytes[position] & 0xC0 == 0x80 { position -= 1 }
        return position
    }

    /// Makes the digit scans use blocks of 8 bytes (level 0), SSE2's 16 (1) or AVX2's 32 (2), or
    /// the widest the processor has when it has less or `level` is negative; returns the level
    /// in use. For tests, which compare the levels, and benchmarks.
    @discardableResult
    static func useBlockScanLevel(_ level: Int) -> Int {
        Int(securemail_text_scan_use_level(Int32(level)))
    }

    /// The index of the first ASCII digit in `bytes[start..<end]`, or `end`. A block of bytes at
    /// a time: most text has long stretches without digits.
    @inline(__always)
    static func nextDigit(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        securemail_next_digit(bytes.baseAddress, end, start)
    }

    /// ``nextDigit(in:from:to:)`` for bytes not yet known to be UTF-8: it also stops at the
    /// first byte that does not start a well-formed sequence (the caller checks which it got),
    /// and adds the number of scalars it passed over to `scalars`.
    @inline(__always)
    static func nextDigitValidating(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, scalars: inout Int) -> Int {
        var passed = 0
        let index = securemail_next_digit_validating(bytes.baseAddress, end, start, &passed)
        scalars += passed
        return index
    }
}

/// Converts byte offsets into a UTF-8 text to offsets in Unicode scalars (what findings
/// report), for offsets asked in increasing order, counting each byte once.
struct ScalarOffsets {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var byteOffset = 0
    private var scalarOffset = 0

    /// Counting from byte `start` (a scalar boundary): offsets are then relative to it.
    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) {
        self.bytes = bytes
        byteOffset = start
    }

    /// Moves on to byte `offset` from the last one asked, over `scalars` scalars counted elsewhere.
    mutating func advance(to offset: Int, over scalars: Int) {
        byteOffset = offset
        scalarOffset += scalars
    }

    /// The number of scalars before byte `offset` (at a scalar boundary, not below the last one asked).
    mutating func scalars(before offset: Int) -> Int {
        let end = min(max(offset, byteOffset), bytes.count)
        if let base = bytes.baseAddress {
            scalarOffset += securemail_utf8_count_scalars(base + byteOffset, end - byteOffset)
        }
        byteOffset = end
        return scalarOffset
    }
}

/// A set of short byte strings (lower-cased words), looked up by pointer and length without
/// allocating or hashing through `Hasher`: open addressing over the words' first eight bytes.
/// Each word gets an id, its index in `words`.
struct WordTable: Sendable {
    /// The words, in the order of their ids.
    let words: [[UInt8]]
    private let slots: [Slot]
    /// Bytes 8 and later of every word longer than eight bytes, back to back.
    private let tails: [UInt8]
    private let shift: UInt64

    fileprivate struct Slot: Sendable {
        var key: UInt64 = 0
        var id: Int32 = -1
        var length: Int32 = 0
        var tailStart: Int32 = 0
    }

    /// A table of the distinct `words` (duplicates keep the first id).
    init(_ words: [[UInt8]]) {
        var distinct: [[UInt8]] = []
        var seen = Set<[UInt8]>()
        for word in words where seen.insert(word).inserted { distinct.append(word) }
        var bits: UInt64 = 4
        while (1 << bits) < distinct.count * 4 { bits += 1 }
        let capacity = 1 << Int(bits)
        var slots = [Slot](repeating: Slot(), count: capacity)
        var tails: [UInt8] = []
        let shift = 64 - bits
        for (id, word) in distinct.enumerated() {
            let key = word.withUnsafeBufferPointer { Self.key(of: $0) }
            var slot = Int(Self.hash(key, count: word.count, shift: shift))
            while slots[slot].id >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Slot(key: key, id: Int32(id), length: Int32(word.count), tailStart: Int32(tails.count))
            tails.append(contentsOf: word.dropFirst(8))
        }
        self.words = distinct
        self.slots = slots
        self.tails = tails
        self.shift = shift
    }

    /// The id of the word in `bytes`, or -1.
    func id(of bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        withLookup { $0.id(key: Self.key(of: bytes), bytes: bytes) }
    }

    /// Runs `body` with a view of the table that looks words up without reference counting.
    func withLookup<Result>(_ body: (Lookup) -> Result) -> Result {
        slots.withUnsafeBufferPointer { slots in
            tails.withUnsafeBufferPointer { tails in
                body(Lookup(slots: slots, tails: tails, shift: shift))
            }
        }
    }

    /// The table's storage, valid inside `withLookup`.
    struct Lookup {
        fileprivate let slots: UnsafeBufferPointer<Slot>
        fileprivate let tails: UnsafeBufferPointer<UInt8>
        fileprivate let shift: UInt64

        /// The id of the word in `bytes`, whose `key(of:)` is `key`, or -1.
        @inline(__always)
        func id(key: UInt64, bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
            var slot = Int(WordTable.hash(key, count: bytes.count, shift: shift))
            let mask = slots.count - 1
            while true {
                let entry = slots[slot]
                if entry.id < 0 { return -1 }
                if entry.key == key, Int(entry.length) == bytes.count, bytes.count <= 8 || equalTail(entry, bytes) {
                    return entry.id
                }
                slot = (slot + 1) & mask
            }
        }

        private func equalTail(_ entry: Slot, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            var tail = Int(entry.tailStart)
            for index in 8..<bytes.count {
                if tails[tail] != bytes[index] { return false }
                tail += 1
            }
            return true
        }
    }

    /// The first eight bytes, little-endian, zero-padded.
    @inline(__always)
    static func key(of bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        if bytes.count >= 8 { return UnsafeRawPointer(base).loadUnaligned(as: UInt64.self) }
        var key: UInt64 = 0
        for index in 0..<bytes.count { key |= UInt64(base[index]) << (8 * UInt64(index)) }
        return key
    }

    /// `key(of:)` for a word followed by at least eight readable bytes: one load and a mask.
    @inline(__always)
    static func key(ofPadded bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        let loaded = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
        return bytes.count >= 8 ? loaded : loaded & ((1 << (8 * UInt64(bytes.count))) &- 1)
    }

    @inline(__always)
    fileprivate static func hash(_ key: UInt64, count: Int, shift: UInt64) -> UInt64 {
        ((key ^ UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15) &* 0xFF51_AFD7_ED55_8CCD) >> shift
    }
}
