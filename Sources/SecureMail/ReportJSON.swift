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
    /// The JSON text of `value`, indented by two spaces, without a final newline.
    /// - Throws: `EncodingError.invalidValue` for a number that is not finite or a value that
    /// encodes nothing at all, as `JSONEncoder` does.
    public static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = TreeEncoder(codingPath: [])
        try value.encode(to: encoder)
        guard let node = encoder.node else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: [], debugDescription: "Top-level \(Value.self) did not encode any values."))
        }
        var output: [UInt8] = []
        output.reserveCapacity(1 << 16)
        write(node, indent: 0, into: &output)
        return output
    }

    fileprivate enum Node {
        case null
        case literal(String)
        case string(String)
        case array(ArrayNode)
        case object(ObjectNode)
        /// What a `superEncoder()` was given, read when the tree is written.
        case deferred(TreeEncoder)
        /// A DLP finding, written from its fields (see `TreeEncoder.node(of:at:)`).
        case finding(Finding)
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

    private static func write(_ node: Node, indent: Int, into output: inout [UInt8]) {
        switch node {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .literal(let text):
            output.append(contentsOf: text.utf8)
        case .string(let text):
            writeString(text, into: &output)
        case .array(let array):
            output.append(UInt8(ascii: "["))
            writeItems(array.items, indent: indent, into: &output) { item, output in
                write(item, indent: indent + 2, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            writeMembers(object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }, indent: indent, into: &output)
        case .deferred(let encoder):
            write(encoder.node ?? .object(ObjectNode()), indent: indent, into: &output)
        case .finding(let finding):
            writeFinding(finding, indent: indent, into: &output)
        }
    }

    /// The members `Finding.encode(to:)` writes, in the order of their keys' bytes, laid out as
    /// `writeMembers` lays out an object.
    private static func writeFinding(_ finding: Finding, indent: Int, into output: inout [UInt8]) {
        func key(_ name: StaticString, first: Bool = false) {
            output.append(contentsOf: first ? "{\n".utf8 : ",\n".utf8)
            output.append(contentsOf: repeatElement(0x20, count: indent + 2))
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            output.append(contentsOf: "\" : ".utf8)
        }
        key("confidence", first: true)
        writeString(finding.confidence.rawValue, into: &output)
        key("kind")
        writeString(finding.kind.rawValue, into: &output)
        key("masked")
        writeString(finding.masked, into: &output)
        if let offset = finding.offset {
            key("offset")
            output.append(contentsOf: String(offset).utf8)
        }
        key("where")
        writeString(finding.location, into: &output)
        output.append(0x0A)
        output.append(contentsOf: repeatElement(0x20, count: indent))
        output.append(UInt8(ascii: "}"))
    }

    /// An object of `members`, already in the order to write.
    private static func writeMembers(_ members: [(key: String, value: Node)], indent: Int, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        writeItems(members, indent: indent, into: &output) { member, output in
            writeString(member.key, into: &output)
            output.append(contentsOf: " : ".utf8)
            write(member.value, indent: indent + 2, into: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// One item per line, indented; an empty container gets an empty line, as `JSONEncoder` writes it.
    private static func writeItems<Item>(
        _ items: [Item], indent: Int, into output: inout [UInt8], writeItem: (Item, inout [UInt8]) -> Void
    ) {
        output.append(0x0A)
        for (index, item) in items.enumerated() {
            if index > 0 { output.append(contentsOf: ",\n".utf8) }
            output.append(contentsOf: repeatElement(0x20, count: indent + 2))
            writeItem(item, &output)
        }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(0x20, count: indent))
    }

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        defer { output.append(UInt8(ascii: "\"")) }
        var text = text
        text.withUTF8 { utf8 in
            if utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                writeEscaped(utf8, into: &output)
            } else {
                output.append(contentsOf: utf8)
            }
        }
    }

    private static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
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
    /// their coding paths for each cost more than the scan: a finding is kept as it is and written
    /// from its fields. The type is compared, not asked for a protocol: a protocol cast would look
    /// through every conformance of the binary once for each type a report holds.
    static func node<Value: Encodable>(of value: Value, at codingPath: [any CodingKey]) throws -> ReportJSON.Node {
        if Value.self == Finding.self, let finding = value as? Finding {
            return .finding(finding)
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
