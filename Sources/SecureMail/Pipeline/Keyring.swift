import Foundation

/// The keys and trust a gateway works with, loaded from the configuration and from files
/// named on the command line.
public struct Keyring: Sendable {
    /// When ``load(_:identities:extraKeyFiles:extraPassphrase:extraAnchorFiles:)`` reads the
    /// mailboxes' identities.
    public enum Loading: Sendable {
        /// All at once, so that a missing or broken key stops a long-running gateway at its start.
        case atStart
        /// Each when a message first needs it: a process that handles one message reads one
        /// mailbox's key. A key that cannot be read then fails that message as a temporary error
        /// (``IdentityUnavailableError``), and the MTA keeps it.
        case onFirstUse
    }

    /// Every mailbox identity, keyed by lowercased mailbox address, in configuration order.
    private var mailboxIdentities: [String: [DeferredIdentity]]
    /// Further identities for decryption (`inspect --key`).
    private var extraIdentities: [DeferredIdentity]
    public var trust: TrustStore

    public init(mailboxIdentities: [String: [Identity]], extraIdentities: [Identity], trust: TrustStore) {
        self.init(
            deferredIdentities: mailboxIdentities.mapValues { $0.map(DeferredIdentity.init) }, extraIdentities: extraIdentities,
            trust: trust)
    }

    private init(deferredIdentities: [String: [DeferredIdentity]], extraIdentities: [Identity], trust: TrustStore) {
        self.mailboxIdentities = deferredIdentities
        self.extraIdentities = extraIdentities.map(DeferredIdentity.init)
        self.trust = trust
    }

    /// Loads the mailbox identities (now or when first needed) and trust anchors of a
    /// configuration, plus extra key files and anchors. Errors name the file and what to do.
    public static func load(
        _ configuration: GatewayConfiguration, identities loading: Loading = .atStart, extraKeyFiles: [String] = [],
        extraPassphrase: String? = nil, extraAnchorFiles: [String] = []
    ) throws -> Keyring {
        var mailboxIdentities: [String: [DeferredIdentity]] = [:]
        for mailbox in configuration.mailboxes {
            mailboxIdentities[mailbox.address.lowercased()] = try mailbox.identities.map { files in
                switch loading {
                case .atStart: DeferredIdentity(try loadIdentity(files))
                case .onFirstUse: DeferredIdentity(source: "of \(mailbox.address) (\(files.paths))") { try loadIdentity(files) }
                }
            }
        }
        let extra = try extraKeyFiles.map { try Identity.load(keyFile: $0, passphrase: extraPassphrase) }
        let anchors = try (configuration.trust.anchors + extraAnchorFiles).flatMap { path in
            try trustAnchors(path, parsedNow: loading == .atStart)
        }
        let intermediates = try configuration.trust.intermediates.flatMap(certificates)
        let crls = try configuration.trust.crls.map { path in
            try revocationList(path, parsedNow: loading == .atStart)
        }
        return Keyring(
            deferredIdentities: mailboxIdentities, extraIdentities: extra,
            trust: TrustStore(trustAnchors: anchors, intermediates: intermediates, revocationLists: crls))
    }

    /// Identities for decrypting mail to the given recipients, in the order to try them: the
    /// addressed mailboxes first, then the other mailboxes and the extra identities (a customer
    /// may write to one mailbox with the other's certificate).
    public func decryptionCandidates(forRecipients recipients: [String]) -> [DeferredIdentity] {
        let addresses = recipients.map { $0.lowercased() }
        let addressed = addresses.compactMap { mailboxIdentities[$0] }.flatMap { $0 }
        let others = mailboxIdentities.keys.sorted().filter { !addresses.contains($0) }.flatMap { mailboxIdentities[$0] ?? [] }
        return addressed + others + extraIdentities
    }

    /// A mailbox's identities in configuration order, loaded now if they have not been; none for
    /// an address that is not a mailbox.
    public func identities(ofMailbox mailbox: String) throws(IdentityUnavailableError) -> [Identity] {
        var identities: [Identity] = []
        for deferred in mailboxIdentities[mailbox.lowercased()] ?? [] {
            identities.append(try deferred.identity())
        }
        return identities
    }

    /// The identity a mailbox signs with (its first).
    public func signingIdentity(for mailbox: String) throws(IdentityUnavailableError) -> Identity? {
        try mailboxIdentities[mailbox.lowercased()]?.first?.identity()
    }

    private static func loadIdentity(_ files: IdentityFiles) throws -> Identity {
        let passphrase = try files.passphraseFile.map(readPassphrase)
        if let pkcs12 = files.pkcs12 {
            return try Identity.load(keyFile: pkcs12, passphrase: passphrase)
        }
        guard let certificate = files.certificate, let key = files.key else {
            throw ConfigurationError(source: "configuration", key: "identities", problem: "give either certificate and key, or pkcs12")
        }
        return try Identity.load(certificatePath: certificate, keyPath: key, passphrase: passphrase)
    }

    /// The first line of a passphrase file.
    public static func readPassphrase(_ path: String) throws -> String {
        let text = String(decoding: try readable(path, what: "passphrase file"), as: UTF8.self)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }

    private static func certificates(_ path: String) throws -> [Certificate] {
        try Certificate.parseAll(readable(path, what: "certificate file"))
    }

    /// The anchors of a file. A long-running gateway parses them all at its start, so that a
    /// broken one stops it there; a process for one message parses those its message needs.
    private static func trustAnchors(_ path: String, parsedNow: Bool) throws -> [TrustAnchor] {
        try naming(path) {
            let anchors = try TrustAnchor.all(in: readable(path, what: "trust anchor file"))
            if parsedNow { for anchor in anchors { _ = try anchor.certificate() } }
            return anchors
        }
    }

    /// The CRL of a file, parsed now or when a path first needs it, as the anchors are.
    private static func revocationList(_ path: String, parsedNow: Bool) throws -> CertificateRevocationList {
        try naming(path) {
            let list = try CertificateRevocationList(readable(path, what: "CRL"))
            if parsedNow { _ = try list.handle() }
            return list
        }
    }

    /// `read`'s result; its error as a ConfigurationError that names `path`.
    private static func naming<Value>(_ path: String, _ read: () throws -> Value) throws -> Value {
        do {
            return try read()
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(source: path, key: "", problem: "\(error)")
        }
    }

    private static func readable(_ path: String, what: String) throws -> [UInt8] {
        do {
            return try FileInput.readAll(path: path)
        } catch {
            throw ConfigurationError(
                source: path, key: "", problem: "cannot read the \(what) (\(error.systemMessage)); check the path and its permissions")
        }
    }
}

extension IdentityFiles {
    /// The files, for messages: the PKCS#12 file, or the certificate and key files.
    fileprivate var paths: String {
        pkcs12 ?? [certificate, key].compactMap { $0 }.joined(separator: ", ")
    }
}
