import CPosix
import Glibc

/// How the process's allocator and the kernel treat the buffers of a large message.
///
/// A 27 MB attachment passes through several buffers of its size (read, parsed, decoded,
/// decrypted, encoded). Backed by 4 KB pages, each costs some 6,600 page faults that zero one
/// page apiece: a quarter of processing such a message. Backed by transparent huge pages, 14.
public enum LargeBuffers {
    /// Maps every allocation of a megabyte and more on its own, so that it goes back to the
    /// system when freed. glibc's default raises this threshold after the first such buffer is
    /// freed; later ones then come from the heap and stay resident when freed, and a large
    /// message's peak grows with the fragments (`process` of a 27 MB message: 148 against 129 MiB).
    public static func mapSeparately() {
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 20)
    }

    /// Below this a buffer holds at most one aligned huge page, and advice is not worth a system call.
    static let adviceThreshold = 4 << 20

    /// Asks the kernel to back the memory of `buffer` with transparent huge pages, as glibc's
    /// `glibc.malloc.hugetlb=1` tunable does for every allocation. Call it before the buffer is
    /// first written. It is advice: a kernel whose huge pages are off (`never`) ignores it, and one
    /// set to `always` needs none; the common `madvise` setting is the one it serves.
    public static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count >= adviceThreshold, let base = buffer.baseAddress else { return }
        let pageMask = UInt(sysconf(Int32(_SC_PAGESIZE)) - 1)
        let start = (UInt(bitPattern: base) + pageMask) & ~pageMask
        let end = (UInt(bitPattern: base) + UInt(buffer.count)) & ~pageMask
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        // Failure (EINVAL on a kernel without transparent huge pages) leaves ordinary pages: nothing to report.
        _ = madvise(aligned, Int(end - start), MADV_HUGEPAGE)
    }

    /// Gives the whole pages of `array`'s storage past its last byte back to the system (they
    /// read as zeros if it grows into them again), when that is at least ``adviceThreshold``: what
    /// a buffer that shrank in place, such as base64 decoded in its own storage, no longer uses.
    public static func releaseUnusedCapacity(of array: inout [UInt8]) {
        guard array.capacity - array.count >= adviceThreshold else { return }
        let used = array.count
        let capacity = array.capacity
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let pageMask = UInt(sysconf(Int32(_SC_PAGESIZE)) - 1)
            let start = (UInt(bitPattern: base + used) + pageMask) & ~pageMask
            let end = UInt(bitPattern: base + capacity) & ~pageMask
            guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
            // Failure leaves the pages resident: memory spent, nothing lost.
            _ = madvise(aligned, Int(end - start), MADV_DONTNEED)
        }
    }

    /// Reserves room for `capacity` bytes in `array`, advised as ``adviseHugePages(_:)`` when large.
    public static func reserveCapacity(_ array: inout [UInt8], _ capacity: Int) {
        array.reserveCapacity(capacity)
        guard array.capacity >= adviceThreshold else { return }
        let used = array.count
        let capacity = array.capacity
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            adviseHugePages(UnsafeMutableRawBufferPointer(start: base + used, count: capacity - used))
        }
    }

    /// A copy of `bytes` in its own array, advised as ``adviseHugePages(_:)`` when large.
    public static func copy(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.count >= adviceThreshold else { return Array(bytes) }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            initialized = bytes.withUnsafeBufferPointer { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(source))
                return source.count
            }
        }
    }
}
