/// JSON for reports: what Foundation's `JSONEncoder` writes with `.prettyPrinted`,
/// `.sortedKeys` and `.withoutEscapingSlashes`, byte for byte, without its cost.
///
/// `JSONEncoder` asks of every value whether it is a `Date`, `Data`, `URL` or `Decimal`, dynamic
/// casts that look through every protocol conformance of the binary: 3 ms of a 20 ms `inspect`,
/// and 28 ms for a scan report of 10,000 findings. Reports hold none of those types (dates are
/// ISO 8601 strings), so this encoder writes each value as its own `encode(to:)` says. Keys are
/// sorted by their UTF-8 bytes, numbers written as `JSONEncoder` writes them (`2`, not `2.0`),
/// and strings escaped as it escapes them; `ReportJSONTests` compares the two on every report type.
public enum ReportJSON {
    /// The JSON text of `value`, indented by two spaces, and a newline after it when asked for
    /// (as a file or a terminal wants it).
    ///
    /// The text is measured first, then written into memory of exactly that size by the same
    /// code: a scan of a log reports tens of thousands of findings, and an array that grows
    /// by doubling copied the megabytes and touched fresh pages at every step.
    /// - Throws: `EncodingError.invalidValue` for a number that is not finite or a value that
    /// encodes nothing at all, as `JSONEncoder` does.
    public static func encode<Value: Encodable>(_ value: Value, finalNewline: Bool = false) throws -> [UInt8] {
        let encoder = TreeEncoder(codingPath: [])
        try value.encode(to: encoder)
        guard let node = encoder.node else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: [], debugDescription: "Top-level \(Value.self) did not encode any values."))
        }
        var size = ByteCount()
        write(node, indent: 0, into: &size)
        let newline = finalNewline ? 1 : 0
        return [UInt8](unsafeUninitializedCapacity: size.count + newline) { buffer, initialized in
            var output = ReservedBytes(buffer)
            write(node, indent: 0, into: &output)
            if finalNewline { output.put(0x0A) }
            initialized = output.written
        }
    }

    fileprivate enum Node {
        case null
        case literal(String)
        case string(String)
        case array(ArrayNode)
        case object(ObjectNode)
        /// What a `superEncoder()` was given, read when the tree is written.
        case deferred(TreeEncoder)
        /// A list of DLP findings, written from their fields (see `TreeEncoder.node(of:at:)`).
        case findings([Finding])
    }

    /// Containers are references: `encode(to:)` may keep a nested container and fill it later.
    fileprivate final class ArrayNode {
        var items: [Node] = []
    }

    /// Members in the order given; a key given again replaces the earlier value, as in
    /// `JSONEncoder`. A report's objects have a handful of members, so a list beats hashing.
    fileprivate final class ObjectNode {
        private(set) var members: [(key: String, value: Node)] = []

        subscript(key: String) -> Node? {
            get { members.first { $0.key == key }?.value }
            set {
                let index = members.firstIndex { $0.key == key }
                switch (index, newValue) {
                case (let index?, let value?): members[index].value = value
                case (let index?, nil): members.remove(at: index)
                case (nil, let value?): members.append((key, value))
                case (nil, nil): break
                }
            }
        }
    }

    private static func write<Sink: JSONSink>(_ node: Node, indent: Int, into output: inout Sink) {
        switch node {
        case .null:
            output.put("null")
        case .literal(var text):
            text.withUTF8 { output.put($0) }
        case .string(let text):
            writeString(text, into: &output)
        case .array(let array):
            output.put(UInt8(ascii: "["))
            writeItems(array.items, indent: indent, into: &output) { item, output in
                write(item, indent: indent + 2, into: &output)
            }
            output.put(UInt8(ascii: "]"))
        case .findings(let findings):
            output.put(UInt8(ascii: "["))
            writeItems(findings, indent: indent, into: &output) { finding, output in
                writeFinding(finding, indent: indent + 2, into: &output)
            }
            output.put(UInt8(ascii: "]"))
        case .object(let object):
            writeMembers(object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }, indent: indent, into: &output)
        case .deferred(let encoder):
            write(encoder.node ?? .object(ObjectNode()), indent: indent, into: &output)
        }
    }

    /// The members `Finding.encode(to:)` writes, in the order of their keys' bytes, laid out as
    /// `writeMembers` lays out an object.
    private static func writeFinding<Sink: JSONSink>(_ finding: Finding, indent: Int, into sink: inout Sink) {
        func member(_ opening: StaticString) {
            sink.put(0x0A)
            sink.putSpaces(indent + 2)
            sink.put(opening)
        }
        sink.put(UInt8(ascii: "{"))
        member(#""confidence" : "#)
        writeString(finding.confidence.rawValue, into: &sink)
        sink.put(UInt8(ascii: ","))
        member(#""kind" : "#)
        writeString(finding.kind.rawValue, into: &sink)
        sink.put(UInt8(ascii: ","))
        member(#""masked" : "#)
        writeString(finding.masked, into: &sink)
        sink.put(UInt8(ascii: ","))
        if let offset = finding.offset {
            member(#""offset" : "#)
            writeDecimal(offset, into: &sink)
            sink.put(UInt8(ascii: ","))
        }
        member(#""where" : "#)
        writeString(finding.location, into: &sink)
        sink.put(0x0A)
        sink.putSpaces(indent)
        sink.put(UInt8(ascii: "}"))
    }

    /// An integer as `String(value)` writes it, without making the string.
    private static func writeDecimal<Sink: JSONSink>(_ value: Int, into sink: inout Sink) {
        if value < 0 { sink.put(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            sink.put(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// An object of `members`, already in the order to write.
    private static func writeMembers<Sink: JSONSink>(_ members: [(key: String, value: Node)], indent: Int, into output: inout Sink) {
        output.put(UInt8(ascii: "{"))
        writeItems(members, indent: indent, into: &output) { member, output in
            writeString(member.key, into: &output)
            output.put(" : ")
            write(member.value, indent: indent + 2, into: &output)
        }
        output.put(UInt8(ascii: "}"))
    }

    /// One item per line, indented; an empty container gets an empty line, as `JSONEncoder` writes it.
    private static func writeItems<Item, Sink: JSONSink>(
        _ items: [Item], indent: Int, into sink: inout Sink, writeItem: (Item, inout Sink) -> Void
    ) {
        sink.put(0x0A)
        for (index, item) in items.enumerated() {
            if index > 0 {
                sink.put(UInt8(ascii: ","))
                sink.put(0x0A)
            }
            sink.putSpaces(indent + 2)
            writeItem(item, &sink)
        }
        sink.put(0x0A)
        sink.putSpaces(indent)
    }

    private static func writeString<Sink: JSONSink>(_ text: String, into sink: inout Sink) {
        sink.put(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            if utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                writeEscaped(utf8, into: &sink)
            } else {
                sink.put(utf8)
            }
        }
        sink.put(UInt8(ascii: "\""))
    }

    private static func writeEscaped<Sink: JSONSink>(_ utf8: UnsafeBufferPointer<UInt8>, into sink: inout Sink) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): sink.put(#"\""#)
            case UInt8(ascii: "\\"): sink.put(#"\\"#)
            case 0x08: sink.put(#"\b"#)
            case 0x0C: sink.put(#"\f"#)
            case 0x0A: sink.put(#"\n"#)
            case 0x0D: sink.put(#"\r"#)
            case 0x09: sink.put(#"\t"#)
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                sink.put(#"\u00"#)
                sink.put(hex.utf8Start[Int(byte >> 4)])
                sink.put(hex.utf8Start[Int(byte & 0x0F)])
            default: sink.put(byte)
            }
        }
    }

    /// A floating-point number as `JSONEncoder` writes it: the shortest form that reads back the
    /// same, without a fractional part of zero.
    fileprivate static func number<Number: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: Number, codingPath: [any CodingKey]
    ) throws -> Node {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) cannot be written in JSON"))
        }
        let text = value.description
        return .literal(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
    }
}

/// Builds the tree of one value; a container it hands out writes into the node it holds.
fileprivate final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: ReportJSON.Node?

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: ReportJSON.ObjectNode
        if case .object(let existing)? = node {
            object = existing
        } else {
            object = ReportJSON.ObjectNode()
            node = .object(object)
        }
        return KeyedEncodingContainer(KeyedContainer(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: ReportJSON.ArrayNode
        if case .array(let existing)? = node {
            array = existing
        } else {
            array = ReportJSON.ArrayNode()
            node = .array(array)
        }
        return UnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(encoder: self)
    }

    /// The node of a nested value; one that encodes nothing is an empty object, as `JSONEncoder` has it.
    ///
    /// A scan of a log reports tens of thousands of findings, and an encoder, its containers and
    /// their coding paths for each cost more than the scan: a list of findings is kept as it is
    /// and written from their fields. The type is compared, not asked for a protocol: a protocol
    /// cast would look through every conformance of the binary once for each type a report holds.
    static func node<Value: Encodable>(of value: Value, at codingPath: [any CodingKey]) throws -> ReportJSON.Node {
        if Value.self == [Finding].self, let findings = value as? [Finding] {
            return .findings(findings)
        }
        let encoder = TreeEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.node ?? .object(ReportJSON.ObjectNode())
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: ReportJSON.ObjectNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { object[key.stringValue] = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { object[key.stringValue] = .literal(value ? "true" : "false") }
    mutating func encode(_ value: String, forKey key: Key) throws { object[key.stringValue] = .string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        object[key.stringValue] = try ReportJSON.number(value, codingPath: codingPath + [key])
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        object[key.stringValue] = try ReportJSON.number(value, codingPath: codingPath + [key])
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { object[key.stringValue] = .literal(String(value)) }
    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        object[key.stringValue] = try TreeEncoder.node(of: value, at: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = ReportJSON.ObjectNode()
        object[key.stringValue] = .object(nested)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ReportJSON.ArrayNode()
        object[key.stringValue] = .array(nested)
        return UnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath)
        object["super"] = .deferred(encoder)
        return encoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath + [key])
        object[key.stringValue] = .deferred(encoder)
        return encoder
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let array: ReportJSON.ArrayNode
    let codingPath: [any CodingKey]
    var count: Int { array.items.count }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(intValue: array.items.count)] }

    init(array: ReportJSON.ArrayNode, codingPath: [any CodingKey]) {
        self.array = array
        self.codingPath = codingPath
    }

    mutating func encodeNil() throws { array.items.append(.null) }
    mutating func encode(_ value: Bool) throws { array.items.append(.literal(value ? "true" : "false")) }
    mutating func encode(_ value: String) throws { array.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { array.items.append(try ReportJSON.number(value, codingPath: nextPath)) }
    mutating func encode(_ value: Float) throws { array.items.append(try ReportJSON.number(value, codingPath: nextPath)) }
    mutating func encode(_ value: Int) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: Int8) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: Int16) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: Int32) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: Int64) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: UInt) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: UInt8) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: UInt16) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: UInt32) throws { array.items.append(.literal(String(value))) }
    mutating func encode(_ value: UInt64) throws { array.items.append(.literal(String(value))) }
    mutating func encode<Value: Encodable>(_ value: Value) throws {
        array.items.append(try TreeEncoder.node(of: value, at: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let nested = ReportJSON.ObjectNode()
        array.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let nested = ReportJSON.ArrayNode()
        array.items.append(.array(nested))
        return UnkeyedContainer(array: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(codingPath: nextPath)
        array.items.append(.deferred(encoder))
        return encoder
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode(_ value: Bool) throws { encoder.node = .literal(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.node = try ReportJSON.number(value, codingPath: codingPath) }
    mutating func encode(_ value: Float) throws { encoder.node = try ReportJSON.number(value, codingPath: codingPath) }
    mutating func encode(_ value: Int) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .literal(String(value)) }
    mutating func encode<Value: Encodable>(_ value: Value) throws {
        try value.encode(to: encoder)
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }

    init(intValue: Int) {
        self.intValue = intValue
    }

    init?(stringValue: String) {
        return nil
    }
}

/// Where the writer puts bytes: a count of what would be written, or memory reserved for
/// exactly that count.
private protocol JSONSink {
    mutating func put(_ byte: UInt8)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>)
    mutating func putSpaces(_ count: Int)
}

extension JSONSink {
    mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

private struct ByteCount: JSONSink {
    private(set) var count = 0

    mutating func put(_ byte: UInt8) { count += 1 }
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) { count += bytes.count }
    mutating func putSpaces(_ count: Int) { self.count += count }
}

/// Writes into memory set aside for what a ``ByteCount`` of the same writing counted.
private struct ReservedBytes: JSONSink {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private(set) var written = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func put(_ byte: UInt8) {
        precondition(written < buffer.count, "JSON writer: more bytes than counted")
        buffer[written] = byte
        written += 1
    }

    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= buffer.count - written, "JSON writer: more bytes than counted")
        guard let source = bytes.baseAddress else { return }
        (buffer.baseAddress! + written).update(from: source, count: bytes.count)
        written += bytes.count
    }

    mutating func putSpaces(_ count: Int) {
        precondition(count <= buffer.count - written, "JSON writer: more bytes than counted")
        (buffer.baseAddress! + written).update(repeating: 0x20, count: count)
        written += count
    }
}
