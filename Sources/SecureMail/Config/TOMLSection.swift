import TOMLKit

/// Typed, path-aware reading of one TOML table; remembers which keys were read so that
/// unknown (misspelt) keys can be reported instead of silently ignored.
struct TOMLSection {
    let table: TOMLTable
    let path: String
    let source: String
    private let consumed = KeyRecorder()

    init(_ table: TOMLTable, path: String, source: String) {
        self.table = table
        self.path = path
        self.source = source
    }

    private final class KeyRecorder {
        var keys: Set<String> = []
    }

    private func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(source: source, key: keyPath(key), problem: problem)
    }

    private func value(_ key: String) -> TOMLValueConvertible? {
        consumed.keys.insert(key)
        return table[key]
    }

    func string(_ key: String) throws -> String? {
        guard let raw = value(key) else { return nil }
        guard let text = raw.string else { throw error(key, "expected a string") }
        return text
    }

    func requiredString(_ key: String) throws -> String {
        guard let text = try string(key), !text.isEmpty else { throw error(key, "is required") }
        return text
    }

    func int(_ key: String) throws -> Int? {
        guard let raw = value(key) else { return nil }
        guard let number = raw.int else { throw error(key, "expected a whole number") }
        return number
    }

    func positiveInt(_ key: String, default fallback: Int) throws -> Int {
        guard let number = try int(key) else { return fallback }
        guard number > 0 else { throw error(key, "must be greater than zero") }
        return number
    }

    func bool(_ key: String) throws -> Bool? {
        guard let raw = value(key) else { return nil }
        guard let flag = raw.bool else { throw error(key, "expected true or false") }
        return flag
    }

    func strings(_ key: String) throws -> [String]? {
        guard let raw = value(key) else { return nil }
        guard let array = raw.array else { throw error(key, "expected an array of strings") }
        return try array.map { element in
            guard let text = element.string else { throw error(key, "expected an array of strings") }
            return text
        }
    }

    func section(_ key: String) throws -> TOMLSection? {
        guard let raw = value(key) else { return nil }
        guard let table = raw.table else { throw error(key, "expected a table ([\(keyPath(key))])") }
        return TOMLSection(table, path: keyPath(key), source: source)
    }

    func sections(_ key: String) throws -> [TOMLSection] {
        guard let raw = value(key) else { return [] }
        guard let array = raw.array else { throw error(key, "expected an array of tables ([[\(keyPath(key))]])") }
        return try array.enumerated().map { index, element in
            guard let table = element.table else { throw error(key, "expected an array of tables ([[\(keyPath(key))]])") }
            return TOMLSection(table, path: "\(keyPath(key))[\(index)]", source: source)
        }
    }

    func enumeration<Value: RawRepresentable & CaseIterable>(_ key: String, default fallback: Value) throws -> Value
    where Value.RawValue == String {
        guard let text = try string(key) else { return fallback }
        guard let parsed = Value(rawValue: text) else {
            let allowed = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw error(key, "\"\(text)\" is not one of \(allowed)")
        }
        return parsed
    }

    /// Throws on the first key of this table that no reader asked for.
    func rejectUnknownKeys() throws {
        if let unknown = table.keys.sorted().first(where: { !consumed.keys.contains($0) }) {
            throw error(unknown, "unknown setting; check its spelling against README.md's configuration reference")
        }
    }
}
