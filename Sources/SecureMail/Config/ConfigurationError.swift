/// A configuration that cannot be used, with the place and what to change.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file the problem is in, or `(built-in example)`.
    public var source: String
    /// Dotted key path such as `mailboxes[1].default_destination`, or empty for the whole file.
    public var key: String
    public var problem: String

    public init(source: String, key: String, problem: String) {
        self.source = source
        self.key = key
        self.problem = problem
    }

    public var description: String {
        key.isEmpty ? "\(source): \(problem)" : "\(source): \(key): \(problem)"
    }
}
