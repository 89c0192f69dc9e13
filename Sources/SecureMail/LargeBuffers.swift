import CPosix

/// How the process's allocator treats the buffers of a large message.
public enum LargeBuffers {
    /// Maps every allocation of a megabyte and more on its own, so that it goes back to the
    /// system when freed. glibc's default raises this threshold after the first such buffer is
    /// freed; later ones then come from the heap and stay resident when freed, and a large
    /// message's peak grows with the fragments (`process` of a 27 MB message: 148 against 129 MiB).
    public static func mapSeparately() {
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 20)
    }
}
