import Foundation

/// The blocks of a PEM text (RFC 7468), each label with its base64 body decoded.
///
/// OpenSSL's PEM reader goes through a BIO a line at a time and decodes base64 in small steps,
/// about 90,000 instructions a certificate: a bundle of 139 roots cost a process 13 million
/// before it had looked at any of them. This reader takes the bytes as they are.
///
/// Text outside the blocks (the `subject=` lines of bundles, `Bag Attributes` of exports) is
/// skipped, as RFC 7468 allows; so are the RFC 1421 headers that only encrypted keys carry, and a
/// block whose body is not base64 or that does not end with its own label. Lines may end in
/// CR LF and carry spaces around them.
enum PEMBlocks {
    struct Block {
        let label: String
        let der: [UInt8]
    }

    private static let begin = Array("-----BEGIN ".utf8)
    private static let end = Array("-----END ".utf8)
    private static let dashes = Array("-----".utf8)

    static func blocks(in bytes: [UInt8]) -> [Block] {
        let (begin, end, dashes) = (begin, end, dashes)
        return bytes.withUnsafeBufferPointer { text in
            var blocks: [Block] = []
            var label: UnsafeBufferPointer<UInt8>.SubSequence?
            var body: [UInt8] = []
            var lineStart = 0
            while lineStart < text.count {
                let lineEnd = endOfLine(in: text, from: lineStart)
                let line = trimmed(text[lineStart..<lineEnd])
                lineStart = lineEnd + 1
                let marker = line.first == UInt8(ascii: "-")
                if marker, let open = label, line.starts(with: end) {
                    let closing = line.dropFirst(end.count)
                    if closing.count == open.count + dashes.count, closing.starts(with: open), closing.dropFirst(open.count).elementsEqual(dashes),
                       let der = Data(base64Encoded: Data(body)) {
                        blocks.append(Block(label: String(decoding: open, as: UTF8.self), der: [UInt8](der)))
                    }
                    label = nil
                } else if marker, line.count >= begin.count + dashes.count, line.starts(with: begin), line.suffix(dashes.count).elementsEqual(dashes) {
                    label = line.dropFirst(begin.count).dropLast(dashes.count)
                    body.removeAll(keepingCapacity: true)
                } else if label != nil, !body.isEmpty || !line.contains(UInt8(ascii: ":")) {
                    // Headers (`Proc-Type: ...`) come before the first line of base64.
                    body.append(contentsOf: UnsafeBufferPointer(rebasing: line))
                }
            }
            return blocks
        }
    }

    /// Where the line starting at `start` ends: its LF, or the end of the text.
    private static func endOfLine(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = text.baseAddress, let newline = memchr(base + start, 0x0A, text.count - start) else { return text.count }
        return newline.assumingMemoryBound(to: UInt8.self) - UnsafeMutablePointer(mutating: base)
    }

    /// A line without the spaces and tabs around it and its CR.
    private static func trimmed(_ line: UnsafeBufferPointer<UInt8>.SubSequence) -> UnsafeBufferPointer<UInt8>.SubSequence {
        var line = line
        while let first = line.first, first == 0x20 || first == 0x09 { line = line.dropFirst() }
        while let last = line.last, last == 0x20 || last == 0x09 || last == 0x0D { line = line.dropLast() }
        return line
    }
}
