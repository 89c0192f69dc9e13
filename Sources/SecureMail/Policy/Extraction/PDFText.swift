/// The text layer of a PDF, read without a full PDF parser.
///
/// What it does: finds every stream (`<< ... >> stream ... endstream`), skips images, fonts,
/// metadata and cross-reference streams, inflates FlateDecode, and runs the text operators
/// `Tj`, `TJ`, `'` and `"` of what remains (page and form content), on literal and hex strings.
/// Line moves (`Td`, `TD`, `T*`, `Tm`, `'`, `"`) become line breaks or spaces.
///
/// Limits, by design: strings are read as PDFDocEncoding/Latin-1, or UTF-16BE with a byte-order
/// mark; ToUnicode CMaps are applied only in the simple case of two-byte codes (one table for
/// the whole file, not per font); other filters than FlateDecode (LZW, ASCII85 ...), compressed
/// object streams holding content, encrypted PDFs and scanned pages (no OCR) are not read and are
/// reported as problems, so that the caller can mark the attachment unreadable.
enum PDFText {
    struct Extraction {
        var text: String
        /// Why some or all of the document could not be read; empty when everything was read.
        var problems: [String]
    }

    /// Whether `bytes` start like a PDF (`%PDF-` within the first kilobyte, as readers accept).
    static func looksLikePDF(_ bytes: ArraySlice<UInt8>) -> Bool {
        XMLEvents.find(bytes.prefix(1024), "%PDF-", from: bytes.startIndex) != nil
    }

    static func extract(_ bytes: ArraySlice<UInt8>, budget: inout DecompressionBudget, maxStreams: Int) -> Extraction {
        var problems: [String] = []
        if hasEncryptDictionary(bytes) {
            return Extraction(text: "", problems: [UnreadableReason.encrypted])
        }
        if XMLEvents.find(bytes.suffix(2048), "%%EOF", from: max(bytes.startIndex, bytes.endIndex - 2048)) == nil {
            problems.append("truncated PDF (no %%EOF)")
        }
        var contentStreams: [[UInt8]] = []
        var cmap: [UInt16: String] = [:]
        var streamCount = 0
        var searchFrom = bytes.startIndex
        var cmapBudget = Self.maxCMapEntries
        while let keyword = XMLEvents.find(bytes, "stream", from: searchFrom) {
            // A dictionary never reaches back past the previous keyword, which keeps the
            // backward search linear however many `stream` keywords a hostile file holds.
            let floor = searchFrom
            searchFrom = keyword + 6
            guard let stream = locateStream(bytes, keyword: keyword, floor: floor) else { continue }
            streamCount += 1
            guard streamCount <= maxStreams else {
                problems.append("too many PDF streams (limit \(maxStreams))")
                break
            }
            searchFrom = max(searchFrom, stream.data.endIndex)
            guard isPossibleText(stream.dictionary) else { continue }
            let filters = names(after: "/Filter", in: stream.dictionary)
            let decoded: [UInt8]
            if filters.isEmpty {
                decoded = Array(stream.data)
            } else if filters == ["FlateDecode"] || filters == ["Fl"] {
                let outcome = budget.inflate(stream.data, wrapping: .zlib)
                switch outcome.status {
                case .complete:
                    decoded = outcome.bytes
                case .sizeLimitExceeded:
                    problems.append(UnreadableReason.decompressedSizeLimit)
                    decoded = []
                case .truncated, .corrupt:
                    problems.append("damaged PDF stream (FlateDecode data does not decompress)")
                    decoded = outcome.bytes
                }
            } else {
                if !stream.dictionary.contains("/Image") {
                    problems.append("PDF stream filter \(filters.joined(separator: ", ")) not supported")
                }
                continue
            }
            if XMLEvents.find(decoded[...], "begincmap", from: 0) != nil {
                readToUnicode(decoded[...], into: &cmap, budget: &cmapBudget)
            } else {
                contentStreams.append(decoded)
            }
            if budget.remaining <= 0 { break }
        }
        var output = TextBuilder()
        for stream in contentStreams {
            var reader = ContentStreamReader(bytes: stream[...], cmap: cmap)
            reader.run(into: &output)
            output.lineBreak()
        }
        let text = output.finish()
        if text.isEmpty && problems.isEmpty {
            problems.append("no text layer (scanned pages are not OCRed)")
        }
        return Extraction(text: text, problems: problems)
    }

    private struct Stream {
        var dictionary: String
        var data: ArraySlice<UInt8>
    }

    /// The dictionary and data of the stream whose `stream` keyword is at `keyword`, or nil
    /// when the keyword is not one (e.g. the `endstream` keyword or text inside data).
    private static func locateStream(_ bytes: ArraySlice<UInt8>, keyword: Int, floor: Int) -> Stream? {
        var before = keyword - 1
        while before > bytes.startIndex, isWhitespace(bytes[before]) { before -= 1 }
        guard before - 1 >= bytes.startIndex, bytes[before] == UInt8(ascii: ">"), bytes[before - 1] == UInt8(ascii: ">") else { return nil }
        // Walk back to the `<<` that opens this dictionary, counting nested dictionaries
        // (the `>>` just found is depth 1).
        var depth = 1
        var position = before - 2
        let lowest = max(bytes.startIndex, floor, keyword - 256 * 1024)
        var dictionaryStart: Int?
        while position > lowest {
            if bytes[position] == UInt8(ascii: ">"), bytes[position - 1] == UInt8(ascii: ">") {
                depth += 1
                position -= 2
            } else if bytes[position] == UInt8(ascii: "<"), bytes[position - 1] == UInt8(ascii: "<") {
                depth -= 1
                if depth == 0 {
                    dictionaryStart = position - 1
                    break
                }
                position -= 2
            } else {
                position -= 1
            }
        }
        guard let dictionaryStart else { return nil }
        let dictionary = String(decoding: bytes[dictionaryStart...before], as: UTF8.self)
        var dataStart = keyword + 6
        if dataStart < bytes.endIndex, bytes[dataStart] == 0x0D { dataStart += 1 }
        if dataStart < bytes.endIndex, bytes[dataStart] == 0x0A { dataStart += 1 }
        guard dataStart <= bytes.endIndex else { return nil }
        var dataEnd = bytes.endIndex
        if let length = directLength(dictionary), length >= 0, length <= bytes.endIndex - dataStart,
           XMLEvents.find(bytes[(dataStart + length)...].prefix(32), "endstream", from: dataStart + length) != nil {
            dataEnd = dataStart + length
        } else if let endKeyword = XMLEvents.find(bytes, "endstream", from: dataStart) {
            dataEnd = endKeyword
            while dataEnd > dataStart, bytes[dataEnd - 1] == 0x0A || bytes[dataEnd - 1] == 0x0D { dataEnd -= 1 }
        }
        return Stream(dictionary: dictionary, data: bytes[dataStart..<dataEnd])
    }

    /// Streams that can hold page text: not images, fonts, metadata, cross-reference or object streams.
    private static func isPossibleText(_ dictionary: String) -> Bool {
        for marker in ["/Length1", "/Length2", "/Length3", "/XRef", "/ObjStm", "/Metadata", "/EmbeddedFile", "/Image", "/Type1C", "/CIDFontType0C", "/OpenType"]
        where dictionary.contains(marker) {
            return false
        }
        return true
    }

    /// `/Length N` when it is a direct number (not `N G R`).
    private static func directLength(_ dictionary: String) -> Int? {
        guard let range = dictionary.range(of: "/Length") else { return nil }
        let rest = dictionary[range.upperBound...].drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12 else { return nil }
        let afterDigits = rest.dropFirst(digits.count).drop { $0 == " " }
        // `12 0 R` is an indirect reference: the 12 is an object number, not the length.
        if let next = afterDigits.first, next.isNumber { return nil }
        return Int(digits)
    }

    /// The names after `key`: `/Filter /FlateDecode` or `/Filter [/FlateDecode /DCTDecode]`.
    private static func names(after key: String, in dictionary: String) -> [String] {
        guard let range = dictionary.range(of: key) else { return [] }
        var rest = dictionary[range.upperBound...].drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        let isArray = rest.first == "["
        if isArray { rest = rest.dropFirst() }
        var names: [String] = []
        while true {
            rest = rest.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
            guard rest.first == "/" else { break }
            let name = rest.dropFirst().prefix { !" \n\r\t/[]<>()".contains($0) }
            names.append(String(name))
            rest = rest.dropFirst(1 + name.count)
            if !isArray { break }
        }
        return names
    }

    private static func hasEncryptDictionary(_ bytes: ArraySlice<UInt8>) -> Bool {
        var from = bytes.startIndex
        while let found = XMLEvents.find(bytes, "/Encrypt", from: from) {
            let next = found + 8
            if next < bytes.endIndex, isWhitespace(bytes[next]) || bytes[next] == UInt8(ascii: "<") { return true }
            from = next
        }
        return false
    }

    /// Adds the `bfchar` and `bfrange` mappings of a ToUnicode CMap with two-byte codes.
    /// Most code-to-text mappings read from the CMaps of one PDF (`bfrange` can name thousands at once).
    private static let maxCMapEntries = 200_000

    private static func readToUnicode(_ bytes: ArraySlice<UInt8>, into cmap: inout [UInt16: String], budget: inout Int) {
        var tokens: [[UInt8]] = []
        var mode = ""
        var reader = ContentTokenizer(bytes: bytes)
        while let token = reader.next() {
            switch token {
            case .operatorName(let name):
                if name == "beginbfchar" || name == "beginbfrange" { mode = name; tokens = [] }
                if name == "endbfchar" || name == "endbfrange" { mode = "" }
            case .hexString(let value) where !mode.isEmpty:
                tokens.append(value)
                if mode == "beginbfchar", tokens.count == 2 {
                    if budget > 0, let code = twoByteCode(tokens[0]) {
                        cmap[code] = utf16BigEndian(tokens[1])
                        budget -= 1
                    }
                    tokens = []
                } else if mode == "beginbfrange", tokens.count == 3 {
                    if let low = twoByteCode(tokens[0]), let high = twoByteCode(tokens[1]), low <= high, high - low < 0x1000,
                       Int(high - low) < budget, let base = twoByteCode(tokens[2]) {
                        budget -= Int(high - low) + 1
                        for offset in 0...(high - low) {
                            if let scalar = Unicode.Scalar(UInt32(base) + UInt32(offset)) { cmap[low + offset] = String(scalar) }
                        }
                    }
                    tokens = []
                }
            case .arrayEnd where mode == "beginbfrange":
                tokens = []
            default:
                break
            }
        }
    }

    private static func twoByteCode(_ bytes: [UInt8]) -> UInt16? {
        guard bytes.count == 2 else { return nil }
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    static func utf16BigEndian(_ bytes: [UInt8]) -> String {
        var units: [UInt16] = []
        var index = 0
        while index + 1 < bytes.count {
            units.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }
}

/// One lexical token of a PDF content stream.
enum ContentToken {
    case literalString([UInt8])
    case hexString([UInt8])
    case number(Double)
    case name
    case arrayStart
    case arrayEnd
    case operatorName(String)
}

/// Splits a content stream into tokens (PDF 32000-1 section 7.2). Never fails: stray bytes
/// are skipped, unterminated strings end at the end of the stream.
struct ContentTokenizer {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        PDFText.isWhitespace(byte) || "()<>[]{}/%".utf8.contains(byte)
    }

    mutating func next() -> ContentToken? {
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case _ where PDFText.isWhitespace(byte):
                index += 1
            case UInt8(ascii: "%"):
                while index < bytes.endIndex, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
            case UInt8(ascii: "("):
                return .literalString(readLiteral())
            case UInt8(ascii: "<"):
                if index + 1 < bytes.endIndex, bytes[index + 1] == UInt8(ascii: "<") {
                    index += 2
                    continue
                }
                return .hexString(readHex())
            case UInt8(ascii: ">"):
                index += 1
            case UInt8(ascii: "["):
                index += 1
                return .arrayStart
            case UInt8(ascii: "]"):
                index += 1
                return .arrayEnd
            case UInt8(ascii: "/"):
                index += 1
                while index < bytes.endIndex, !Self.isDelimiter(bytes[index]) { index += 1 }
                return .name
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ")"):
                index += 1
            default:
                let start = index
                while index < bytes.endIndex, !Self.isDelimiter(bytes[index]) { index += 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                if let first = word.first, first.isNumber || first == "-" || first == "+" || first == "." {
                    return .number(Double(word) ?? 0)
                }
                return .operatorName(word)
            }
        }
        return nil
    }

    /// Skips inline image data after `ID`, up to the `EI` that ends it.
    mutating func skipInlineImage() {
        while index + 2 < bytes.endIndex {
            if PDFText.isWhitespace(bytes[index]), bytes[index + 1] == UInt8(ascii: "E"), bytes[index + 2] == UInt8(ascii: "I"),
               index + 3 == bytes.endIndex || PDFText.isWhitespace(bytes[index + 3]) {
                index += 3
                return
            }
            index += 1
        }
        index = bytes.endIndex
    }

    private mutating func readLiteral() -> [UInt8] {
        var result: [UInt8] = []
        var depth = 1
        index += 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\\"):
                guard index < bytes.endIndex else { return result }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "r"): result.append(0x0D)
                case UInt8(ascii: "t"): result.append(0x09)
                case UInt8(ascii: "b"): result.append(0x08)
                case UInt8(ascii: "f"): result.append(0x0C)
                case 0x0D:
                    if index < bytes.endIndex, bytes[index] == 0x0A { index += 1 }
                case 0x0A:
                    break
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var value = Int(escaped - UInt8(ascii: "0"))
                    var digits = 1
                    while digits < 3, index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[index]) {
                        value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                        index += 1
                        digits += 1
                    }
                    result.append(UInt8(truncatingIfNeeded: value))
                default:
                    result.append(escaped)
                }
            case UInt8(ascii: "("):
                depth += 1
                result.append(byte)
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return result }
                result.append(byte)
            default:
                result.append(byte)
            }
        }
        return result
    }

    private mutating func readHex() -> [UInt8] {
        var result: [UInt8] = []
        var high: UInt8?
        index += 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: ">") { break }
            guard let nibble = Self.hexValue(byte) else { continue }
            if let pending = high {
                result.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        if let pending = high { result.append(pending << 4) }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Runs the text operators of one content stream.
private struct ContentStreamReader {
    var tokenizer: ContentTokenizer
    let cmap: [UInt16: String]

    init(bytes: ArraySlice<UInt8>, cmap: [UInt16: String]) {
        tokenizer = ContentTokenizer(bytes: bytes)
        self.cmap = cmap
    }

    private enum Operand {
        case string([UInt8], hex: Bool)
        case number(Double)
        case array([Operand])
        case arrayStart
        case other
    }

    /// Operands kept before an operator; content streams never need more, hostile ones are cut.
    private static let maxOperands = 4096

    mutating func run(into output: inout TextBuilder) {
        var operands: [Operand] = []
        var lastLineY: Double?
        while let token = tokenizer.next() {
            switch token {
            case .literalString(let bytes): operands.append(.string(bytes, hex: false))
            case .hexString(let bytes): operands.append(.string(bytes, hex: true))
            case .number(let value): operands.append(.number(value))
            case .name: operands.append(.other)
            case .arrayStart: operands.append(.arrayStart)
            case .arrayEnd:
                var elements: [Operand] = []
                while let last = operands.popLast() {
                    if case .arrayStart = last { break }
                    elements.append(last)
                }
                operands.append(.array(elements.reversed()))
            case .operatorName(let name):
                perform(name, operands: operands, lastLineY: &lastLineY, output: &output)
                operands.removeAll(keepingCapacity: true)
            }
            if operands.count > Self.maxOperands { operands.removeAll(keepingCapacity: true) }
        }
    }

    private mutating func perform(_ name: String, operands: [Operand], lastLineY: inout Double?, output: inout TextBuilder) {
        switch name {
        case "Tj":
            if case .string(let bytes, let hex)? = operands.last { output.append(contentsOf: decode(bytes, hex: hex)) }
        case "'", "\"":
            output.lineBreak()
            if case .string(let bytes, let hex)? = operands.last { output.append(contentsOf: decode(bytes, hex: hex)) }
        case "TJ":
            guard case .array(let elements)? = operands.last else { return }
            for element in elements {
                switch element {
                case .string(let bytes, let hex): output.append(contentsOf: decode(bytes, hex: hex))
                // A large negative adjustment moves right by about a word space.
                case .number(let adjustment) where adjustment < -250: output.append(" ")
                default: break
                }
            }
        case "Td", "TD":
            if operands.count >= 2, case .number(let ty) = operands[operands.count - 1], case .number(let tx) = operands[operands.count - 2] {
                if ty != 0 { output.lineBreak() } else if tx != 0 { output.append(" ") }
            }
        case "T*":
            output.lineBreak()
        case "Tm":
            if case .number(let y)? = operands.last {
                if let previous = lastLineY, previous == y { output.append(" ") } else { output.lineBreak() }
                lastLineY = y
            }
        case "ET":
            output.append(" ")
        case "ID":
            tokenizer.skipInlineImage()
        default:
            break
        }
    }

    private func decode(_ bytes: [UInt8], hex: Bool) -> String {
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return PDFText.utf16BigEndian(Array(bytes.dropFirst(2))) }
        if hex, !cmap.isEmpty, bytes.count >= 2, bytes.count % 2 == 0 {
            var mapped = ""
            var index = 0
            var complete = true
            while index + 1 < bytes.count {
                guard let text = cmap[UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])] else {
                    complete = false
                    break
                }
                mapped += text
                index += 2
            }
            if complete { return mapped }
        }
        var scalars = String.UnicodeScalarView()
        for byte in bytes where byte >= 0x20 || byte == 0x09 || byte == 0x0A {
            scalars.append(Unicode.Scalar(byte))
        }
        return String(scalars)
    }
}
