/// A minimal reader of DER tag-length-value elements, for the few fields OpenSSL has no getter for.
struct DERReader {
    struct Element {
        let tag: UInt8
        /// Range of the contents (after tag and length) in the reader's bytes.
        let contents: Range<Int>
    }

    let bytes: [UInt8]

    /// Reads the element starting at `offset` (single-byte tags, definite lengths only, as DER requires).
    func element(at offset: Int, within limit: Int? = nil) -> Element? {
        let end = min(limit ?? bytes.count, bytes.count)
        guard offset >= 0, offset + 2 <= end else { return nil }
        let tag = bytes[offset]
        guard tag & 0x1F != 0x1F else { return nil }
        var cursor = offset + 1
        let first = bytes[cursor]
        cursor += 1
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
        return Element(tag: tag, contents: cursor..<(cursor + length))
    }

    /// The children of a constructed element.
    func children(of parent: Element) -> [Element] {
        var result: [Element] = []
        var offset = parent.contents.lowerBound
        while offset < parent.contents.upperBound, let child = element(at: offset, within: parent.contents.upperBound) {
            result.append(child)
            offset = child.contents.upperBound
        }
        return result
    }

    /// The whole encoding (tag, length, contents) of an element, found by its content range.
    func encoding(of element: Element, startingAt offset: Int) -> [UInt8] {
        Array(bytes[offset..<element.contents.upperBound])
    }
}
