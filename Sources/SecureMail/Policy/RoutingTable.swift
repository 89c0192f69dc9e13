/// One of the public secure mailboxes that customers write to, with the internal
/// address that receives its mail when the Subject names nobody (or is ambiguous).
public struct SecureMailbox: Sendable, Codable, Hashable {
    /// The public address of the mailbox, e.g. `sikkermail@gjensidige.dk`.
    public var address: String
    /// The internal address that receives mail no name in the Subject claims.
    public var defaultDestination: String

    /// Creates a mailbox entry.
    public init(address: String, defaultDestination: String) {
        self.address = address
        self.defaultDestination = defaultDestination
    }
}

/// Something a Subject can name: an employee or a department.
public struct RouteTarget: Sendable, Codable, Hashable {
    /// Whether the target is a person or a department; employees outrank departments.
    public enum Kind: String, Sendable, Codable, Hashable {
        case employee
        case department
    }

    /// Employee or department.
    public var kind: Kind
    /// The display name, e.g. `Søren Kjærgaard` or `Skade`; it is matched like an alias.
    public var name: String
    /// Further names that select this target, e.g. `Skadeafdelingen`.
    public var aliases: [String]
    /// The internal address mail for this target is delivered to.
    public var address: String

    /// Creates a target.
    public init(kind: Kind, name: String, aliases: [String] = [], address: String) {
        self.kind = kind
        self.name = name
        self.aliases = aliases
        self.address = address
    }

    /// The label used in decisions and reports, e.g. `employee:Søren Kjærgaard`.
    public var label: String { "\(kind.rawValue):\(name)" }
}

/// The routing configuration: the secure mailboxes and the names a Subject may carry.
public struct RoutingTable: Sendable, Codable, Hashable {
    /// The public mailboxes, each with its own default destination.
    public var mailboxes: [SecureMailbox]
    /// The employees and departments that can be named in a Subject.
    public var targets: [RouteTarget]

    /// Creates a routing table.
    public init(mailboxes: [SecureMailbox], targets: [RouteTarget]) {
        self.mailboxes = mailboxes
        self.targets = targets
    }

    /// Configuration mistakes that would make routing surprising, one human-readable
    /// sentence each (empty when the table is sound). Meant for `check-config`.
    public func problems() -> [String] {
        var found: [String] = []
        var seenMailboxes: Set<String> = []
        for mailbox in mailboxes {
            let key = SubjectRouter.normalisedAddress(mailbox.address)
            if !seenMailboxes.insert(key).inserted {
                found.append("mailbox \(mailbox.address) is listed more than once; keep one entry")
            }
            if mailbox.defaultDestination.trimmingWhitespace().isEmpty {
                found.append("mailbox \(mailbox.address) has no default destination; set one")
            }
        }
        var owners: [String: String] = [:]
        for target in targets {
            if target.address.trimmingWhitespace().isEmpty {
                found.append("\(target.label) has no address; set one")
            }
            for phrase in [target.name] + target.aliases {
                let key = NameNormaliser.words(of: phrase).joined(separator: " ")
                if key.isEmpty {
                    found.append("\(target.label) has the name or alias \"\(phrase)\", which contains no letters and can never match")
                    continue
                }
                if let owner = owners[key], owner != target.label {
                    found.append("\"\(phrase)\" of \(target.label) reads the same as a name of \(owner); every Subject naming it would be ambiguous")
                } else {
                    owners[key] = target.label
                }
            }
        }
        return found
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
