/// A read-only view of a ZIP archive held in memory (PKWARE APPNOTE: end of central directory,
/// central directory, local headers; stored and DEFLATE entries). Every offset and length read
/// from the archive is bounds-checked; ZIP64 and multi-disk archives are refused.
struct ZipArchive {
    /// One file in the archive, as the central directory describes it.
    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int

        var isEncrypted: Bool { flags & 0x0001 != 0 }
        var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// Why an archive or an entry cannot be read; the text is the `UnreadableContent` reason.
    struct Problem: Error, Equatable {
        var reason: String
    }

    let bytes: ArraySlice<UInt8>
    let entries: [Entry]

    /// Reads the central directory.
    /// - Throws: `Problem` for a damaged or truncated archive, ZIP64, or more than `maxEntries` entries.
    init(_ bytes: ArraySlice<UInt8>, maxEntries: Int) throws {
        self.bytes = bytes
        guard let endRecord = Self.findEndOfCentralDirectory(bytes) else {
            throw Problem(reason: "damaged ZIP archive: no end of central directory (truncated?)")
        }
        guard let totalEntries = Self.uint16(bytes, endRecord + 10),
              let directorySize = Self.uint32(bytes, endRecord + 12),
              let directoryOffset = Self.uint32(bytes, endRecord + 16) else {
            throw Problem(reason: "damaged ZIP archive: short end of central directory")
        }
        if totalEntries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw Problem(reason: "ZIP64 archive not supported")
        }
        guard Int(totalEntries) <= maxEntries else { throw Problem(reason: UnreadableReason.zipEntryCount) }
        // Offsets are relative to the archive start; data prepended to the archive shifts them all.
        let base = bytes.startIndex + max(0, (endRecord - bytes.startIndex) - Int(directorySize) - Int(directoryOffset))
        var position = base + Int(directoryOffset)
        var entries: [Entry] = []
        for _ in 0..<Int(totalEntries) {
            guard Self.uint32(bytes, position) == 0x0201_4B50,
                  let flags = Self.uint16(bytes, position + 8),
                  let method = Self.uint16(bytes, position + 10),
                  let compressedSize = Self.uint32(bytes, position + 20),
                  let uncompressedSize = Self.uint32(bytes, position + 24),
                  let nameLength = Self.uint16(bytes, position + 28),
                  let extraLength = Self.uint16(bytes, position + 30),
                  let commentLength = Self.uint16(bytes, position + 32),
                  let localOffset = Self.uint32(bytes, position + 42) else {
                throw Problem(reason: "damaged ZIP archive: bad central directory entry")
            }
            let nameStart = position + 46
            guard nameStart + Int(nameLength) <= bytes.endIndex else {
                throw Problem(reason: "damaged ZIP archive: central directory runs past the end")
            }
            let name = String(decoding: bytes[nameStart..<(nameStart + Int(nameLength))], as: UTF8.self)
            entries.append(Entry(
                name: name, method: method, flags: flags, compressedSize: Int(compressedSize),
                uncompressedSize: Int(uncompressedSize), localHeaderOffset: base + Int(localOffset)))
            position = nameStart + Int(nameLength) + Int(extraLength) + Int(commentLength)
        }
        self.entries = entries
    }

    /// The entry called `name` (exact match), if present.
    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The uncompressed content of `entry`, charged to `budget`.
    func read(_ entry: Entry, budget: inout DecompressionBudget) -> Result<[UInt8], Problem> {
        if entry.isEncrypted { return .failure(Problem(reason: UnreadableReason.encrypted)) }
        let header = entry.localHeaderOffset
        guard header >= bytes.startIndex, Self.uint32(bytes, header) == 0x0403_4B50,
              let nameLength = Self.uint16(bytes, header + 26),
              let extraLength = Self.uint16(bytes, header + 28) else {
            return .failure(Problem(reason: "damaged ZIP archive: bad local header for \(entry.name)"))
        }
        let dataStart = header + 30 + Int(nameLength) + Int(extraLength)
        guard dataStart + entry.compressedSize <= bytes.endIndex else {
            return .failure(Problem(reason: "damaged ZIP archive: \(entry.name) is truncated"))
        }
        let data = bytes[dataStart..<(dataStart + entry.compressedSize)]
        switch entry.method {
        case 0:
            guard data.count <= min(budget.perEntry, budget.remaining) else {
                return .failure(Problem(reason: UnreadableReason.decompressedSizeLimit))
            }
            budget.remaining -= data.count
            return .success(Array(data))
        case 8:
            let outcome = budget.inflate(data, wrapping: .raw)
            switch outcome.status {
            case .complete: return .success(outcome.bytes)
            case .sizeLimitExceeded: return .failure(Problem(reason: UnreadableReason.decompressedSizeLimit))
            case .truncated, .corrupt: return .failure(Problem(reason: "damaged ZIP archive: \(entry.name) does not decompress"))
            }
        default:
            return .failure(Problem(reason: "unsupported ZIP compression method \(entry.method)"))
        }
    }

    private static func findEndOfCentralDirectory(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 22 else { return nil }
        let lowest = max(bytes.startIndex, bytes.endIndex - 22 - 0xFFFF)
        var position = bytes.endIndex - 22
        while position >= lowest {
            if bytes[position] == 0x50, uint32(bytes, position) == 0x0605_4B50 { return position }
            position -= 1
        }
        return nil
    }

    static func uint16(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt16? {
        guard offset >= bytes.startIndex, offset + 2 <= bytes.endIndex else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func uint32(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32? {
        guard offset >= bytes.startIndex, offset + 4 <= bytes.endIndex else { return nil }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}
