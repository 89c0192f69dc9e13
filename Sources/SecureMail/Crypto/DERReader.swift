/// A minimal reader of DER and BER tag-length-value elements, for the few fields OpenSSL has no
/// getter for, for taking an EnvelopedData apart around its ciphertext and a SignedData apart
/// around its certificates.
struct DERReader {
    struct Element {
        let tag: UInt8
        /// Where the element (its tag) starts in the reader's bytes.
        let start: Int
        /// Range of the contents (after tag and length; before the end-of-contents octets of an
        /// indefinite length) in the reader's bytes.
        let contents: Range<Int>
        /// True for a BER indefinite length, which end-of-contents octets close.
        let isIndefinite: Bool

        /// Where the element ends: after its contents, and its end-of-contents octets if any.
        var end: Int { contents.upperBound + (isIndefinite ? 2 : 0) }
        var isConstructed: Bool { tag & 0x20 != 0 }
    }

    let bytes: [UInt8]

    /// Nesting deeper than this is refused: CMS needs a handful of levels, and hostile input
    /// must not recurse without bound.
    private static let maximumDepth = 32

    /// Reads the element starting at `offset`: single-byte tags; definite lengths, and the
    /// indefinite lengths of BER for constructed elements.
    func element(at offset: Int, within limit: Int? = nil) -> Element? {
        element(at: offset, within: min(limit ?? bytes.count, bytes.count), depth: 0)
    }

    private func element(at offset: Int, within end: Int, depth: Int) -> Element? {
        guard depth < Self.maximumDepth, offset >= 0, offset + 2 <= end else { return nil }
        let tag = bytes[offset]
        guard tag & 0x1F != 0x1F else { return nil }
        var cursor = offset + 1
        let first = bytes[cursor]
        cursor += 1
        if first == 0x80 {
            guard tag & 0x20 != 0 else { return nil }
            var child = cursor
            while true {
                guard child + 2 <= end else { return nil }
                if bytes[child] == 0 && bytes[child + 1] == 0 { break }
                guard let next = element(at: child, within: end, depth: depth + 1) else { return nil }
                child = next.end
            }
            return Element(tag: tag, start: offset, contents: cursor..<child, isIndefinite: true)
        }
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4, cursor + count <= end else { return nil }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard length <= end - cursor else { return nil }
        return Element(tag: tag, start: offset, contents: cursor..<(cursor + length), isIndefinite: false)
    }

    /// The children of a constructed element.
    func children(of parent: Element) -> [Element] {
        var result: [Element] = []
        var offset = parent.contents.lowerBound
        while offset < parent.contents.upperBound, let child = element(at: offset, within: parent.contents.upperBound) {
            result.append(child)
            offset = child.end
        }
        return result
    }

    /// The DER encoding of an element with a single-byte `tag` and `contents`.
    static func encoding(tag: UInt8, contents: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        var remaining = contents.count
        if remaining < 0x80 {
            length = [UInt8(remaining)]
        } else {
            while remaining > 0 {
                length.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + contents
    }

    /// The encoding of `path[0]` with `target` replaced by `replacement`, where `target` lies in
    /// the last element of `path` and each element of `path` in the one before it. Enclosing
    /// definite lengths are recomputed; indefinite lengths stay indefinite.
    func encoding(along path: [Element], replacing target: Element, with replacement: [UInt8]) -> [UInt8] {
        var result = replacement
        var inner = target
        for outer in path.reversed() {
            let contents = Array(bytes[outer.contents.lowerBound..<inner.start]) + result + bytes[inner.end..<outer.contents.upperBound]
            result = outer.isIndefinite ? [outer.tag, 0x80] + contents + [0, 0] : Self.encoding(tag: outer.tag, contents: contents)
            inner = outer
        }
        return result
    }

    /// The whole encoding (tag, length, contents and end-of-contents) of an element.
    func encoding(of element: Element) -> [UInt8] {
        Array(bytes[element.start..<element.end])
    }
}
