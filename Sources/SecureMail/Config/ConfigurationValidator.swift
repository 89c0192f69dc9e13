/// Checks that go beyond syntax: the settings must make sense together.
///
/// File existence is checked where files are opened (so that a message names the file and
/// the reason); this validator checks what can be known from the text alone.
enum ConfigurationValidator {
    static func validate(_ configuration: GatewayConfiguration, source: String) throws {
        func fail(_ key: String, _ problem: String) -> ConfigurationError {
            ConfigurationError(source: source, key: key, problem: problem)
        }
        if configuration.trust.anchors.isEmpty {
            throw fail("trust.anchors", "name at least one trust anchor file, or no signature can ever be verified")
        }
        if configuration.mailboxes.isEmpty {
            throw fail("mailboxes", "configure at least one [[mailboxes]] entry")
        }
        var seen: Set<String> = []
        for (index, mailbox) in configuration.mailboxes.enumerated() {
            let key = "mailboxes[\(index)]"
            guard isAddress(mailbox.address) else { throw fail(key + ".address", "\"\(mailbox.address)\" is not an email address") }
            guard isAddress(mailbox.defaultDestination) else {
                throw fail(key + ".default_destination", "\"\(mailbox.defaultDestination)\" is not an email address")
            }
            guard seen.insert(mailbox.address.lowercased()).inserted else {
                throw fail(key + ".address", "\(mailbox.address) is configured twice")
            }
            if mailbox.identities.isEmpty {
                throw fail(key + ".identities", "give the mailbox at least one certificate and key ([[mailboxes.identities]])")
            }
            for (number, identity) in mailbox.identities.enumerated() {
                let identityKey = "\(key).identities[\(number)]"
                let pemPair = identity.certificate != nil && identity.key != nil
                if pemPair == (identity.pkcs12 != nil) {
                    throw fail(identityKey, "give either certificate and key, or pkcs12")
                }
            }
        }
        for (kind, entries) in [("departments", configuration.routing.departments), ("employees", configuration.routing.employees)] {
            for (index, entry) in entries.enumerated() where !isAddress(entry.address) {
                throw fail("routing.\(kind)[\(index)].address", "\"\(entry.address)\" is not an email address")
            }
        }
        if !["aes-128-cbc", "aes-256-cbc", "aes-256-gcm"].contains(configuration.outbound.cipher) {
            throw fail("outbound.cipher", "use \"aes-256-cbc\" (default), \"aes-128-cbc\" or \"aes-256-gcm\"")
        }
        if let mailbox = configuration.outbound.mailbox, configuration.mailbox(mailbox) == nil {
            throw fail("outbound.mailbox", "\(mailbox) is not one of the configured [[mailboxes]]")
        }
        if !["detached", "opaque"].contains(configuration.outbound.signing) {
            throw fail("outbound.signing", "use \"detached\" (default) or \"opaque\"")
        }
        if !["sendmail", "smtp"].contains(configuration.delivery.method) {
            throw fail("delivery.method", "use \"sendmail\" or \"smtp\"")
        }
        for (key, endpoint) in [("serve.http", configuration.serve.http), ("serve.smtp", configuration.serve.smtp), ("serve.next_hop", configuration.serve.nextHop)]
        where HostPort(endpoint) == nil {
            throw fail(key, "\"\(endpoint)\" is not HOST:PORT")
        }
    }

    /// One `@` with something before it and a dot after it, and no white space. Read scalar by
    /// scalar: a configuration may list thousands of employees, and every process reads it.
    static func isAddress(_ text: String) -> Bool {
        var atOffset: Int?
        var dotAfterAt = false
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "@":
                guard atOffset == nil else { return false }
                atOffset = offset
            case ".":
                dotAfterAt = dotAfterAt || atOffset != nil
            case "\t", "\n", "\u{0B}", "\u{0C}", "\r", " ":
                return false
            default:
                if !scalar.isASCII, scalar.properties.isWhitespace { return false }
            }
        }
        return (atOffset ?? 0) > 0 && dotAfterAt
    }
}

/// A `HOST:PORT` endpoint; IPv6 hosts are written in brackets (`[::1]:25`); port 0 asks for
/// any free port.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
