/// An identity that is read from its files the first time something needs it, and then kept
/// (its error too). A process that handles one message, as Postfix's pipe runs `process`, reads
/// the key of the mailbox that message is for, not the keys of every mailbox: each costs about
/// a millisecond, because OpenSSL 3.0 decodes keys through its provider framework.
public final class DeferredIdentity: Sendable {
    private let identityOnce: LoadedOnce<Identity, IdentityUnavailableError>

    /// An identity already loaded.
    public init(_ identity: Identity) {
        identityOnce = LoadedOnce(identity)
    }

    /// An identity that `load` reads when first asked for. `source` names it in errors.
    public init(source: String, load: @escaping @Sendable () throws -> Identity) {
        identityOnce = LoadedOnce { () throws(IdentityUnavailableError) -> Identity in
            do {
                return try load()
            } catch {
                throw IdentityUnavailableError(source: source, reason: "\(error)")
            }
        }
    }

    /// The identity, read now if it has not been yet. Concurrent callers wait for one read.
    public func identity() throws(IdentityUnavailableError) -> Identity {
        try identityOnce.value()
    }
}

/// A key that the configuration names could not be loaded when a message needed it. The fault
/// is the configuration's, not the message's: the message must wait (the MTA keeps it and
/// retries) until the key is fixed, and is neither judged undecryptable nor quarantined.
public struct IdentityUnavailableError: Error, CustomStringConvertible, Sendable {
    /// The files of the identity.
    public var source: String
    /// Why it could not be loaded, with what to do.
    public var reason: String

    public var description: String {
        "the key \(source) cannot be loaded: \(reason); the message waits until it can (`securemail-relay check-config` checks every key)"
    }
}
