import Foundation

/// Resource limits for parsing. Exceeding one is the only way parsing fails.
public struct MIMELimits: Sendable, Hashable {
    /// Largest accepted input, in bytes.
    public var maxMessageSize: Int
    /// Longest accepted physical header line, in bytes (without its line ending).
    public var maxHeaderLineLength: Int
    /// Most header fields accepted in one header block (the message's or one part's).
    public var maxHeaderFields: Int
    /// Deepest accepted nesting of multiparts and embedded messages.
    public var maxDepth: Int
    /// Most MIME parts (the message itself included) accepted in one message.
    public var maxParts: Int

    /// Makes a set of limits; each defaults to the value in `.default`.
    public init(
        maxMessageSize: Int = 64 * 1024 * 1024,
        maxHeaderLineLength: Int = 64 * 1024,
        maxHeaderFields: Int = 1_000,
        maxDepth: Int = 64,
        maxParts: Int = 10_000
    ) {
        self.maxMessageSize = maxMessageSize
        self.maxHeaderLineLength = maxHeaderLineLength
        self.maxHeaderFields = maxHeaderFields
        self.maxDepth = maxDepth
        self.maxParts = maxParts
    }

    /// Generous limits for real mail: 64 MiB, 64 KiB header lines, 1,000 fields per header,
    /// depth 64, 10,000 parts.
    public static let `default` = MIMELimits()
}

/// Why a message could not be parsed.
public enum MIMEError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message exceeds one of the `MIMELimits`; `what` names the limit.
    case limitExceeded(what: String, limit: Int)

    /// What was exceeded, and what to do about it.
    public var description: String {
        switch self {
        case .limitExceeded(let what, let limit):
            "MIME limit exceeded: \(what) is over the limit of \(limit); "
                + "reject or quarantine the message, or raise the limit in MIMELimits if such mail is legitimate"
        }
    }
}

/// Parses messages into `MIMEPart` trees, bytes-exact and best-effort.
public enum MIMEParser {
    /// Parses `bytes` as a message (RFC 5322 with MIME).
    ///
    /// Everything except a limit violation parses: missing or unclosed boundaries, header lines
    /// without a colon (they end the header), NUL and 8-bit bytes, LF, CR LF or mixed line
    /// endings, nested boundaries that are prefixes of each other, a header without a body,
    /// empty input. `serialize()` on the result gives back `bytes` exactly.
    /// The parser works line by line without recursion, in time linear in the input
    /// (times the number of open boundaries for lines that start with `--`).
    ///
    /// The parser takes `bytes` over. When one leaf body is at least half of the message (the
    /// body of an S/MIME message, a large attachment) and the caller hands its only copy over,
    /// that body is the input itself, the rest removed in place: a large message is then not
    /// held twice while it is parsed.
    /// - Throws: `MIMEError.limitExceeded` when `limits` are exceeded.
    public static func parse(_ bytes: consuming [UInt8], limits: MIMELimits = .default) throws -> MIMEPart {
        build(try structure(of: bytes, limits: limits), from: consume bytes)
    }

    /// The first half of ``parse(_:limits:)``, the only one that can fail: for a caller that
    /// must keep the bytes when they do not parse (to quarantine them) and hand them over
    /// when they do.
    /// - Throws: `MIMEError.limitExceeded` when `limits` are exceeded.
    public static func structure(of bytes: borrowing [UInt8], limits: MIMELimits = .default) throws -> MIMEStructure {
        MIMEStructure(root: try Parser(bytes: copy bytes, limits: limits).structure(), count: bytes.count)
    }

    /// The second half of ``parse(_:limits:)``: the message whose `structure` was found in `bytes`.
    public static func build(_ structure: MIMEStructure, from bytes: consuming [UInt8]) -> MIMEPart {
        precondition(bytes.count == structure.count, "a MIME structure is built from the bytes it was found in")
        let root = structure.root
        guard let largest = root.largestLeaf(), largest.node.bodyRange.count * 2 >= bytes.count else {
            return Parser(bytes: copy bytes, limits: .default).build(root)
        }
        var part = Parser(bytes: copy bytes, limits: .default).build(root, except: largest.node)
        var body = consume bytes
        body.removeSubrange(largest.node.bodyRange.upperBound...)
        body.removeSubrange(..<largest.node.bodyRange.lowerBound)
        part.setLeafBody(body, at: largest.path[...])
        return part
    }
}

/// Where the parts of a message lie in its bytes (``MIMEParser/structure(of:limits:)``).
public struct MIMEStructure {
    fileprivate let root: PartNode
    fileprivate let count: Int
}

extension MIMEPart {
    /// Sets the body of the leaf at `path` (entry indices of multiparts; an encapsulated
    /// message is one step that has none).
    fileprivate mutating func setLeafBody(_ bytes: [UInt8], at path: ArraySlice<Int>) {
        guard let step = path.first else {
            body = .single(bytes)
            return
        }
        switch body {
        case .multipart(var multipart):
            body = .single([])
            multipart.entries[step].part.setLeafBody(bytes, at: path.dropFirst())
            body = .multipart(multipart)
        case .message(var inner):
            body = .single([])
            inner.setLeafBody(bytes, at: path.dropFirst())
            body = .message(inner)
        case .single:
            body = .single(bytes)
        }
    }
}

private final class PartNode {
    var fields: [MIMEHeaderField] = []
    /// The header made from `fields` once they are complete, when the body starts.
    var header: MIMEHeader?
    var terminator = 0..<0
    var bodyRange = 0..<0
    var multipart: MultipartNode?
    var message: PartNode?

    /// The leaf with the largest body and the path to it (see `MIMEPart.setLeafBody`).
    func largestLeaf() -> (node: PartNode, path: [Int])? {
        var best: (node: PartNode, path: [Int])?
        var pending: [(node: PartNode, path: [Int])] = [(self, [])]
        while let (node, path) = pending.popLast() {
            if let multipart = node.multipart {
                pending += multipart.entries.enumerated().map { ($0.element.part, path + [$0.offset]) }
            } else if let inner = node.message {
                pending.append((inner, path + [0]))
            } else if node.bodyRange.count > best?.node.bodyRange.count ?? -1 {
                best = (node, path)
            }
        }
        return best
    }
}

private final class MultipartNode {
    let boundary: String
    let boundaryBytes: [UInt8]
    var preamble = 0..<0
    var entries: [(delimiter: Range<Int>, part: PartNode)] = []
    var closing: Range<Int>?
    var epilogue = 0..<0

    init(boundary: String) {
        self.boundary = boundary
        self.boundaryBytes = Array(boundary.utf8)
    }
}

private enum Container {
    case multipart(MultipartNode)
    case message
}

private enum OpenRegion {
    case leafBody(PartNode)
    case preamble(MultipartNode)
    case epilogue(MultipartNode)
}

private enum State {
    case header(PartNode)
    case region(OpenRegion, start: Int)
    case done
}

private struct BoundaryMatch {
    var containerIndex: Int
    var isClosing: Bool
}

private struct Parser {
    let bytes: [UInt8]
    let limits: MIMELimits
    var position = 0
    var containers: [Container] = []
    var partCount = 0

    init(bytes: [UInt8], limits: MIMELimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// The part tree, as ranges of `bytes`.
    consuming func structure() throws -> PartNode {
        guard bytes.count <= limits.maxMessageSize else {
            throw MIMEError.limitExceeded(what: "message size (\(bytes.count) bytes)", limit: limits.maxMessageSize)
        }
        let root = try newPart()
        var state = State.header(root)
        while true {
            switch state {
            case .header(let node):
                state = try parseHeader(node)
            case .region(let region, let start):
                state = try scanRegion(region, start: start)
            case .done:
                return root
            }
        }
    }

    mutating func newPart() throws -> PartNode {
        partCount += 1
        guard partCount <= limits.maxParts else {
            throw MIMEError.limitExceeded(what: "number of MIME parts", limit: limits.maxParts)
        }
        return PartNode()
    }

    /// The index just past the line that starts at `start` (past its LF, or the end of input).
    /// memchr: a large body is mostly lines to step over on the way to the next delimiter.
    func lineEnd(from start: Int) -> Int {
        guard start < bytes.count else { return bytes.count }
        return bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, let found = memchr(base + start, 0x0A, raw.count - start) else { return raw.count }
            return base.distance(to: UnsafeRawPointer(found)) + 1
        }
    }

    /// The end of the line's content: before LF, and before a CR that precedes that LF.
    func contentEnd(lineStart: Int, lineEnd: Int) -> Int {
        var end = lineEnd
        if end > lineStart, bytes[end - 1] == 0x0A { end -= 1 }
        if end > lineStart, bytes[end - 1] == 0x0D { end -= 1 }
        return end
    }

    mutating func parseHeader(_ node: PartNode) throws -> State {
        var fieldStart: Int?
        var currentName = ""
        func finishField(at end: Int) throws {
            guard let start = fieldStart else { return }
            node.fields.append(MIMEHeaderField(parsedName: currentName, raw: Array(bytes[start..<end])))
            fieldStart = nil
            guard node.fields.count <= limits.maxHeaderFields else {
                throw MIMEError.limitExceeded(what: "header fields in one header block", limit: limits.maxHeaderFields)
            }
        }
        while position < bytes.count {
            let lineStart = position
            let end = lineEnd(from: lineStart)
            let content = contentEnd(lineStart: lineStart, lineEnd: end)
            guard content - lineStart <= limits.maxHeaderLineLength else {
                throw MIMEError.limitExceeded(what: "header line length", limit: limits.maxHeaderLineLength)
            }
            if content == lineStart, end > lineStart, bytes[end - 1] == 0x0A {
                // A blank line: the header ends here.
                try finishField(at: lineStart)
                node.terminator = lineStart..<end
                position = end
                return try startBody(node, at: end)
            }
            if let match = matchBoundary(lineStart: lineStart, contentEnd: content) {
                try finishField(at: lineStart)
                node.terminator = lineStart..<lineStart
                node.bodyRange = lineStart..<lineStart
                return try handleBoundary(match, delimiterStart: lineStart, lineEnd: end)
            }
            let first = bytes[lineStart]
            if (first == 0x20 || first == 0x09), fieldStart != nil {
                position = end
                continue
            }
            if let name = fieldName(lineStart: lineStart, contentEnd: content) {
                try finishField(at: lineStart)
                fieldStart = lineStart
                currentName = name
                position = end
                continue
            }
            // Not a field: the header ends and this line starts the body.
            try finishField(at: lineStart)
            node.terminator = lineStart..<lineStart
            return try startBody(node, at: lineStart)
        }
        try finishField(at: bytes.count)
        node.terminator = bytes.count..<bytes.count
        return try startBody(node, at: bytes.count)
    }

    /// The field name when the line is `name:`; nil when there is no colon or the name is empty or has spaces.
    func fieldName(lineStart: Int, contentEnd: Int) -> String? {
        var index = lineStart
        while index < contentEnd, bytes[index] != UInt8(ascii: ":") { index += 1 }
        guard index < contentEnd else { return nil }
        var nameEnd = index
        while nameEnd > lineStart, bytes[nameEnd - 1] == 0x20 || bytes[nameEnd - 1] == 0x09 { nameEnd -= 1 }
        guard nameEnd > lineStart else { return nil }
        let name = bytes[lineStart..<nameEnd]
        guard !name.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 < 0x20 && $0 != 0 }) else { return nil }
        return String(utf8OrLatin1: name)
    }

    mutating func startBody(_ node: PartNode, at start: Int) throws -> State {
        position = start
        let header = MIMEHeader(fields: node.fields)
        node.header = header
        let contentType = header.contentType
        if contentType.isMultipart, let boundary = contentType.boundary, !boundary.isEmpty {
            try checkDepth()
            let multipart = MultipartNode(boundary: boundary)
            node.multipart = multipart
            containers.append(.multipart(multipart))
            return .region(.preamble(multipart), start: start)
        }
        let encoding = header.contentTransferEncoding
        if contentType.type == "message", contentType.subtype == "rfc822" || contentType.subtype == "global",
           encoding != .base64, encoding != .quotedPrintable {
            try checkDepth()
            let inner = try newPart()
            node.message = inner
            containers.append(.message)
            return .header(inner)
        }
        return .region(.leafBody(node), start: start)
    }

    func checkDepth() throws {
        guard containers.count < limits.maxDepth else {
            throw MIMEError.limitExceeded(what: "MIME nesting depth", limit: limits.maxDepth)
        }
    }

    var hasActiveBoundary: Bool {
        containers.contains {
            if case .multipart(let multipart) = $0, multipart.closing == nil { return true }
            return false
        }
    }

    mutating func scanRegion(_ region: OpenRegion, start: Int) throws -> State {
        guard hasActiveBoundary else {
            close(region, start: start, end: bytes.count)
            position = bytes.count
            return .done
        }
        var lineStart = start
        while lineStart < bytes.count {
            let end = lineEnd(from: lineStart)
            if bytes[lineStart] == UInt8(ascii: "-"),
               let match = matchBoundary(lineStart: lineStart, contentEnd: contentEnd(lineStart: lineStart, lineEnd: end)) {
                // The line break before a delimiter belongs to the delimiter (RFC 2046 section 5.1.1).
                var delimiterStart = lineStart
                if delimiterStart > start, bytes[delimiterStart - 1] == 0x0A {
                    delimiterStart -= 1
                    if delimiterStart > start, bytes[delimiterStart - 1] == 0x0D { delimiterStart -= 1 }
                }
                close(region, start: start, end: delimiterStart)
                return try handleBoundary(match, delimiterStart: delimiterStart, lineEnd: end)
            }
            lineStart = end
        }
        close(region, start: start, end: bytes.count)
        position = bytes.count
        return .done
    }

    func close(_ region: OpenRegion, start: Int, end: Int) {
        switch region {
        case .leafBody(let node): node.bodyRange = start..<end
        case .preamble(let multipart): multipart.preamble = start..<end
        case .epilogue(let multipart): multipart.epilogue = start..<end
        }
    }

    /// Matches `--boundary` or `--boundary--` followed only by whitespace, against the open
    /// multiparts, innermost first.
    func matchBoundary(lineStart: Int, contentEnd: Int) -> BoundaryMatch? {
        guard contentEnd - lineStart >= 2, bytes[lineStart] == UInt8(ascii: "-"), bytes[lineStart + 1] == UInt8(ascii: "-") else {
            return nil
        }
        for index in containers.indices.reversed() {
            guard case .multipart(let multipart) = containers[index], multipart.closing == nil else { continue }
            let boundary = multipart.boundaryBytes
            let afterBoundary = lineStart + 2 + boundary.count
            guard afterBoundary <= contentEnd,
                  bytes[(lineStart + 2)..<afterBoundary].elementsEqual(boundary) else { continue }
            var rest = afterBoundary
            var isClosing = false
            if rest + 2 <= contentEnd,
               bytes[rest] == UInt8(ascii: "-"), bytes[rest + 1] == UInt8(ascii: "-") {
                isClosing = true
                rest += 2
            }
            guard bytes[rest..<contentEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { continue }
            return BoundaryMatch(containerIndex: index, isClosing: isClosing)
        }
        return nil
    }

    mutating func handleBoundary(_ match: BoundaryMatch, delimiterStart: Int, lineEnd end: Int) throws -> State {
        // Multiparts and messages nested inside the matched one end here, unclosed.
        containers.removeLast(containers.count - match.containerIndex - 1)
        guard case .multipart(let multipart) = containers[match.containerIndex] else { return .done }
        position = end
        if match.isClosing {
            multipart.closing = delimiterStart..<end
            return .region(.epilogue(multipart), start: end)
        }
        let part = try newPart()
        multipart.entries.append((delimiterStart..<end, part))
        return .header(part)
    }

    /// The part of `node`, every body copied out of `bytes` but that of `excluded`, left empty.
    func build(_ node: PartNode, except excluded: PartNode? = nil) -> MIMEPart {
        let body: MIMEBody
        if let multipart = node.multipart {
            body = .multipart(MIMEMultipart(
                boundary: multipart.boundary,
                preamble: Array(bytes[multipart.preamble]),
                entries: multipart.entries.map { MIMEMultipartEntry(delimiter: Array(bytes[$0.delimiter]), part: build($0.part, except: excluded)) },
                closingDelimiter: multipart.closing.map { Array(bytes[$0]) },
                epilogue: Array(bytes[multipart.epilogue])
            ))
        } else if let inner = node.message {
            body = .message(build(inner, except: excluded))
        } else if node === excluded {
            body = .single([])
        } else {
            body = .single(LargeBuffers.copy(bytes[node.bodyRange]))
        }
        return MIMEPart(header: node.header ?? MIMEHeader(fields: node.fields), body: body, headerTerminator: Array(bytes[node.terminator]))
    }
}
