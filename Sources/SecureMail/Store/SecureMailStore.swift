import Foundation

/// The gateway's state: certificates, quarantine, audit and retention.
///
/// Implementations are safe to share between tasks and between processes using one database.
/// Every method throws ``StoreError``; ``StoreError/unavailable(_:)`` means "try again later"
/// (the caller answers the MTA with exit 75 / SMTP 4xx), every other case is permanent.
public protocol SecureMailStore: Sendable {
    /// Inserts a certificate, or merges it into the stored one with the same fingerprint:
    /// `lastSeen` moves forward, `firstSeen` back, capabilities follow the newest sighting,
    /// `revoked` never reverts, and the most authoritative source is kept.
    /// - Returns: the certificate as stored after the merge.
    func upsertCertificate(_ certificate: StoredCertificate) async throws -> StoredCertificate
    /// All certificates, ordered by first e-mail address and then newest `notBefore` first.
    func listCertificates() async throws -> [StoredCertificate]
    /// The certificate with this fingerprint (hex, any case), or nil.
    func certificate(fingerprint: String) async throws -> StoredCertificate?
    /// Removes a certificate. Throws ``StoreError/notFound(_:)`` when there is none.
    func removeCertificate(fingerprint: String) async throws
    /// Marks a certificate revoked for good. Throws ``StoreError/notFound(_:)`` when there is none.
    func markRevoked(fingerprint: String) async throws
    /// The certificate to encrypt to for `email` (compared case-insensitively) at `time`: valid then,
    /// not revoked, allowed for encryption; the newest `notBefore` wins. Nil when there is none.
    func certificateForEncryption(email: String, at time: Date) async throws -> StoredCertificate?

    /// Stores a quarantined message durably. Storing the same id again changes nothing.
    func quarantine(_ entry: QuarantineEntry) async throws
    /// All quarantine entries, newest first.
    func listQuarantine() async throws -> [QuarantineEntry]
    /// The entry with this id, or nil.
    func quarantineEntry(id: UUID) async throws -> QuarantineEntry?
    /// Records that an operator released the entry at `time`; a second release keeps the first time.
    /// - Returns: the entry as stored. Throws ``StoreError/notFound(_:)`` when there is none.
    @discardableResult
    func markReleased(id: UUID, at time: Date) async throws -> QuarantineEntry
    /// Deletes a quarantine entry. Throws ``StoreError/notFound(_:)`` when there is none.
    func deleteQuarantine(id: UUID) async throws

    /// Appends one audit row. Appending the same id again changes nothing, so a retry never duplicates.
    func appendAudit(_ record: AuditRecord) async throws
    /// Audit rows at or after `since` (all when nil), oldest first, at most `limit`.
    func listAudit(since: Date?, limit: Int) async throws -> [AuditRecord]

    /// Deletes quarantine entries created more than `quarantineOlderThan` seconds before `now`, and
    /// audit rows older than `auditOlderThan` seconds before `now`.
    /// - Returns: how many of each were deleted.
    func purge(quarantineOlderThan: TimeInterval, auditOlderThan: TimeInterval, now: Date) async throws
        -> (quarantine: Int, audit: Int)

    /// Closes the store's connections. Calls after this throw ``StoreError/closed``.
    func close() async
}

extension SecureMailStore {
    /// Records that an operator released the entry now.
    @discardableResult
    public func markReleased(id: UUID) async throws -> QuarantineEntry {
        try await markReleased(id: id, at: Date())
    }
}

/// What went wrong in the store, and whether trying again can help.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The database cannot be reached or is busy right now (connection refused, server restarting,
    /// timeout, lock held too long). Transient: keep the message and retry (exit 75 / SMTP 4xx).
    case unavailable(String)
    /// The record asked for does not exist.
    case notFound(String)
    /// The database URL or a store setting is wrong; fix the configuration.
    case invalidConfiguration(String)
    /// A value handed to the store cannot be stored as it is (for example a malformed fingerprint).
    case invalidValue(String)
    /// The database was created by a newer SecureMail whose schema this program does not know.
    case schemaTooNew(found: Int, supported: Int)
    /// A stored row cannot be read back; the database was changed by hand or is damaged.
    case corruptRecord(String)
    /// The database refused the operation for a reason that retrying will not fix.
    case failed(String)
    /// The store was closed with ``SecureMailStore/close()``.
    case closed

    /// Whether retrying later may succeed (only ``unavailable(_:)``).
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }

    /// What happened and what to do about it.
    public var description: String {
        switch self {
        case .unavailable(let detail):
            "The SecureMail database is unavailable (\(detail)). This is temporary: the message is kept for a retry; check that the database server is running and reachable."
        case .notFound(let what):
            "Not found in the SecureMail store: \(what). List what exists (certs list, quarantine list) and check the identifier."
        case .invalidConfiguration(let detail):
            "The SecureMail database setting is invalid: \(detail). Fix SECUREMAIL_DATABASE_URL or the configuration file."
        case .invalidValue(let detail):
            "The SecureMail store cannot keep this value: \(detail)."
        case .schemaTooNew(let found, let supported):
            "The SecureMail database has schema version \(found) but this program knows only up to \(supported). Upgrade securemail-relay on this host, or point it at its own database."
        case .corruptRecord(let detail):
            "A SecureMail database row cannot be read: \(detail). Restore the database from a backup or remove the damaged row."
        case .failed(let detail):
            "The SecureMail database refused the operation: \(detail). Retrying will not help; check the database and its logs."
        case .closed:
            "The SecureMail store was closed. Open a new one with StoreFactory.open(url:)."
        }
    }
}

/// Opens a store from a database URL (`SECUREMAIL_DATABASE_URL`).
public enum StoreFactory {
    /// Opens and migrates the store named by `url`:
    /// - `sqlite:PATH` (also `sqlite://PATH`): an SQLite file, created with its folder when missing;
    /// - `postgres://user[:password]@host[:port]/database` (also `postgresql://`): a PostgreSQL server.
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` for a URL it cannot use,
    ///   ``StoreError/unavailable(_:)`` when the database cannot be reached right now.
    public static func open(url: String) async throws -> any SecureMailStore {
        try await SQLSecureMailStore.open(url: url)
    }
}
