import Foundation
import TOMLKit

/// Loads and validates ``GatewayConfiguration`` from TOML.
///
/// Where the configuration comes from, first match wins: an explicit file (`--config`),
/// the `SECUREMAIL_CONFIG` environment variable, or the example configuration built into
/// the program (demo certificates under `certs/`, SQLite under `.securemail-state/`),
/// whose relative paths are resolved against the current directory so that it runs from a
/// fresh checkout. `SECUREMAIL_DATABASE_URL` overrides `gateway.database_url` in every case.
public enum ConfigurationLoader {
    /// Label used in errors for the built-in example configuration.
    public static let exampleSource = "(built-in example configuration)"

    /// Loads the configuration the way `securemail-relay` does.
    public static func load(
        path explicitPath: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> GatewayConfiguration {
        var configuration: GatewayConfiguration
        if let path = explicitPath ?? environment["SECUREMAIL_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            configuration = try load(file: path, currentDirectory: currentDirectory)
        } else {
            configuration = try parse(ExampleConfiguration.toml, source: exampleSource, baseDirectory: currentDirectory)
        }
        if let url = environment["SECUREMAIL_DATABASE_URL"], !url.isEmpty {
            configuration.gateway.databaseURL = try validatedDatabaseURL(url, source: "SECUREMAIL_DATABASE_URL", key: "")
        }
        return configuration
    }

    /// Loads one TOML file; its relative paths are resolved against its folder.
    public static func load(file path: String, currentDirectory: String = FileManager.default.currentDirectoryPath) throws
        -> GatewayConfiguration
    {
        let absolute = absolutePath(path, base: currentDirectory)
        guard let bytes = try? FileInput.readAll(path: absolute) else {
            throw ConfigurationError(
                source: absolute, key: "",
                problem: "cannot read the configuration file; check the path and that this user may read it")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(source: absolute, key: "", problem: "the file is not UTF-8 text")
        }
        return try parse(text, source: absolute, baseDirectory: (absolute as NSString).deletingLastPathComponent)
    }

    /// Parses TOML text; `baseDirectory` anchors relative paths.
    public static func parse(_ text: String, source: String, baseDirectory: String) throws -> GatewayConfiguration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let parseError as TOMLParseError {
            throw ConfigurationError(
                source: source, key: "",
                problem: "TOML syntax error at line \(parseError.source.begin.line), column \(parseError.source.begin.column): \(parseError.description)")
        }
        let reader = Reader(source: source, base: baseDirectory)
        let configuration = try reader.configuration(TOMLSection(root, path: "", source: source))
        try ConfigurationValidator.validate(configuration, source: source)
        return configuration
    }

    /// `path` made absolute against `base`, with `~` expanded and `.` and empty components
    /// removed. `..` and symbolic links are left to the kernel when the file is opened: resolving
    /// them here took a system call per component of every path in the file, at every start.
    static func absolutePath(_ path: String, base: String) -> String {
        let expanded = path.hasPrefix("~") ? (path as NSString).expandingTildeInPath : path
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        return "/" + joined.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    static func validatedDatabaseURL(_ url: String, source: String, key: String) throws -> String {
        guard url.hasPrefix("sqlite:") || url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw ConfigurationError(
                source: source, key: key,
                problem: "\"\(url)\" is neither sqlite:PATH nor postgres://user@host:port/database")
        }
        return url
    }

    private struct Reader {
        let source: String
        let base: String

        func path(_ value: String) -> String { absolutePath(value, base: base) }

        func configuration(_ root: TOMLSection) throws -> GatewayConfiguration {
            guard let gatewaySection = try root.section("gateway") else { throw root.error("gateway", "the [gateway] table is required") }
            guard let trustSection = try root.section("trust") else { throw root.error("trust", "the [trust] table is required") }
            let configuration = GatewayConfiguration(
                gateway: try gateway(gatewaySection),
                trust: try trust(trustSection),
                mailboxes: try root.sections("mailboxes").map(mailbox),
                routing: try routing(root.section("routing")),
                inbound: try inbound(root.section("inbound")),
                outbound: try outbound(root.section("outbound")),
                limits: try limits(root.section("limits")),
                retention: try retention(root.section("retention")),
                serve: try serve(root.section("serve")),
                delivery: try delivery(root.section("delivery")))
            try root.rejectUnknownKeys()
            return configuration
        }

        func gateway(_ section: TOMLSection) throws -> GatewaySettings {
            let stateDirectory = path(try section.string("state_directory") ?? ".securemail-state")
            let databaseURL = try section.string("database_url").map {
                try validatedDatabaseURL($0, source: source, key: "gateway.database_url")
            }
            let settings = GatewaySettings(
                name: try section.string("name") ?? "securemail",
                stateDirectory: stateDirectory,
                databaseURL: databaseURL.map(resolvedSQLitePath) ?? "sqlite:" + stateDirectory + "/securemail.sqlite",
                internalDomains: try section.strings("internal_domains") ?? [],
                quarantineCertificate: path(try section.requiredString("quarantine_certificate")),
                quarantineKey: path(try section.requiredString("quarantine_key")))
            try section.rejectUnknownKeys()
            return settings
        }

        func resolvedSQLitePath(_ url: String) -> String {
            guard url.hasPrefix("sqlite:") else { return url }
            return "sqlite:" + path(String(url.dropFirst("sqlite:".count)))
        }

        func trust(_ section: TOMLSection) throws -> TrustSettings {
            let settings = TrustSettings(
                anchors: (try section.strings("anchors") ?? []).map(path),
                intermediates: (try section.strings("intermediates") ?? []).map(path),
                crls: (try section.strings("crls") ?? []).map(path))
            try section.rejectUnknownKeys()
            return settings
        }

        func mailbox(_ section: TOMLSection) throws -> MailboxSettings {
            let settings = MailboxSettings(
                address: try section.requiredString("address"),
                defaultDestination: try section.requiredString("default_destination"),
                identities: try section.sections("identities").map(identity),
                unverified: try section.enumeration("unverified", default: UnverifiedAction.deliverMarked),
                unverifiedSubjectTag: try section.string("unverified_subject_tag") ?? "[Ikke verificeret]")
            try section.rejectUnknownKeys()
            return settings
        }

        func identity(_ section: TOMLSection) throws -> IdentityFiles {
            let files = IdentityFiles(
                certificate: try section.string("certificate").map(path),
                key: try section.string("key").map(path),
                pkcs12: try section.string("pkcs12").map(path),
                passphraseFile: try section.string("passphrase_file").map(path))
            try section.rejectUnknownKeys()
            return files
        }

        func routing(_ section: TOMLSection?) throws -> RoutingSettings {
            guard let section else { return RoutingSettings(departments: [], employees: []) }
            let settings = RoutingSettings(
                departments: try section.sections("departments").map { try routeTarget($0, kind: .department) },
                employees: try section.sections("employees").map { try routeTarget($0, kind: .employee) })
            try section.rejectUnknownKeys()
            return settings
        }

        func routeTarget(_ section: TOMLSection, kind: RouteTarget.Kind) throws -> RouteTarget {
            let entry = RouteTarget(
                kind: kind,
                name: try section.requiredString("name"),
                aliases: try section.strings("aliases") ?? [],
                address: try section.requiredString("address"))
            try section.rejectUnknownKeys()
            return entry
        }

        func inbound(_ section: TOMLSection?) throws -> InboundSettings {
            guard let section else { return InboundSettings() }
            let settings = InboundSettings(harvestCertificates: try section.bool("harvest_certificates") ?? true)
            try section.rejectUnknownKeys()
            return settings
        }

        func outbound(_ section: TOMLSection?) throws -> OutboundSettings {
            guard let section else { return OutboundSettings() }
            let ruleSections = try section.sections("rules")
            let settings = OutboundSettings(
                rules: ruleSections.isEmpty ? OutboundRule.defaults : try ruleSections.map(outboundRule),
                cipher: try section.string("cipher") ?? "aes-256-cbc",
                signing: try section.string("signing") ?? "detached",
                mailbox: try section.string("mailbox"))
            try section.rejectUnknownKeys()
            return settings
        }

        func outboundRule(_ section: TOMLSection) throws -> OutboundRule {
            let kindNames = try section.strings("kinds") ?? ["*"]
            var kinds: Set<FindingKind>? = []
            for name in kindNames {
                if name == "*" {
                    kinds = nil
                } else if let kind = FindingKind(rawValue: name) {
                    kinds?.insert(kind)
                } else {
                    let known = FindingKind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw section.error("kinds", "\"\(name)\" is not a finding kind; use \"*\" or one of \(known)")
                }
            }
            let rule = OutboundRule(
                kinds: kinds,
                minimumConfidence: try section.enumeration("min_confidence", default: FindingConfidence.medium),
                action: try section.enumeration("action", default: OutboundAction.encrypt))
            try section.rejectUnknownKeys()
            return rule
        }

        func limits(_ section: TOMLSection?) throws -> LimitSettings {
            guard let section else { return LimitSettings() }
            let defaults = LimitSettings()
            let settings = LimitSettings(
                maxMessageBytes: try section.positiveInt("max_message_bytes", default: defaults.maxMessageBytes),
                maxHeaderLineBytes: try section.positiveInt("max_header_line_bytes", default: defaults.maxHeaderLineBytes),
                maxHeaderFields: try section.positiveInt("max_header_fields", default: defaults.maxHeaderFields),
                maxMIMEDepth: try section.positiveInt("max_mime_depth", default: defaults.maxMIMEDepth),
                maxParts: try section.positiveInt("max_parts", default: defaults.maxParts),
                maxCMSBytes: try section.positiveInt("max_cms_bytes", default: defaults.maxCMSBytes))
            try section.rejectUnknownKeys()
            return settings
        }

        func retention(_ section: TOMLSection?) throws -> RetentionSettings {
            guard let section else { return RetentionSettings() }
            let defaults = RetentionSettings()
            let settings = RetentionSettings(
                quarantineDays: try section.positiveInt("quarantine_days", default: defaults.quarantineDays),
                auditDays: try section.positiveInt("audit_days", default: defaults.auditDays))
            try section.rejectUnknownKeys()
            return settings
        }

        func serve(_ section: TOMLSection?) throws -> ServeSettings {
            guard let section else { return ServeSettings() }
            let defaults = ServeSettings()
            let settings = ServeSettings(
                http: try section.string("http") ?? defaults.http,
                smtp: try section.string("smtp") ?? defaults.smtp,
                nextHop: try section.string("next_hop") ?? defaults.nextHop)
            try section.rejectUnknownKeys()
            return settings
        }

        func delivery(_ section: TOMLSection?) throws -> DeliverySettings {
            guard let section else { return DeliverySettings() }
            let defaults = DeliverySettings()
            let settings = DeliverySettings(
                method: try section.string("method") ?? defaults.method,
                sendmailPath: path(try section.string("sendmail_path") ?? defaults.sendmailPath))
            try section.rejectUnknownKeys()
            return settings
        }
    }
}
