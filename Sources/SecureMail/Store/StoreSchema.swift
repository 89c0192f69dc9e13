import SQLKit

/// The database schema, the same tables and columns on SQLite and PostgreSQL, and its migrations.
///
/// Migrations run in one transaction that first takes a lock (a PostgreSQL advisory lock, SQLite's
/// write lock), so several relays starting together against one database apply each step once.
/// Applied steps are recorded in `schema_version`.
enum StoreSchema {
    /// The newest schema version this program knows.
    static let currentVersion = 1

    /// Key of the PostgreSQL advisory lock that serialises migrations ("SMStore1" in ASCII).
    static let migrationLockKey: Int64 = 0x534D_5374_6F72_6531

    /// Statements of each version; `binary` is the engine's name for a byte string column.
    private static func steps(binary: String) -> [(version: Int, statements: [String])] {
        [
            (1, [
                """
                CREATE TABLE IF NOT EXISTS certificates (
                    fingerprint TEXT PRIMARY KEY,
                    der \(binary) NOT NULL,
                    emails TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    issuer TEXT NOT NULL,
                    not_before BIGINT NOT NULL,
                    not_after BIGINT NOT NULL,
                    allows_encryption BIGINT NOT NULL,
                    revoked BIGINT NOT NULL,
                    capabilities TEXT NOT NULL,
                    source TEXT NOT NULL,
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE IF NOT EXISTS certificate_emails (
                    email TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    PRIMARY KEY (email, fingerprint)
                )
                """,
                "CREATE INDEX IF NOT EXISTS certificate_emails_by_fingerprint ON certificate_emails (fingerprint)",
                """
                CREATE TABLE IF NOT EXISTS quarantine (
                    id TEXT PRIMARY KEY,
                    created BIGINT NOT NULL,
                    direction TEXT NOT NULL,
                    mailbox TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    finding_counts TEXT NOT NULL,
                    masked_findings TEXT NOT NULL,
                    sealed_message \(binary) NOT NULL,
                    size BIGINT NOT NULL,
                    released_at BIGINT
                )
                """,
                "CREATE INDEX IF NOT EXISTS quarantine_by_created ON quarantine (created)",
                """
                CREATE TABLE IF NOT EXISTS audit (
                    id TEXT PRIMARY KEY,
                    recorded_at BIGINT NOT NULL,
                    direction TEXT NOT NULL,
                    mailbox TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    route TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    action TEXT NOT NULL,
                    findings TEXT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    message_id TEXT NOT NULL,
                    instance TEXT NOT NULL
                )
                """,
                "CREATE INDEX IF NOT EXISTS audit_by_recorded_at ON audit (recorded_at)",
            ]),
        ]
    }

    /// The statement that starts a write transaction: SQLite must take its write lock up front, or
    /// two readers upgrading to writers fail with SQLITE_BUSY without waiting.
    static func beginWrite(for engine: StoreEngine) -> String {
        engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
    }

    /// Runs `body` between BEGIN and COMMIT on one connection, rolling back when it throws.
    static func transaction<T>(
        on database: any SQLDatabase, begin: String, _ body: () async throws -> T
    ) async throws -> T {
        try await database.raw("\(unsafeRaw: begin)").run()
        do {
            let result = try await body()
            try await database.raw("COMMIT").run()
            return result
        } catch {
            // The connection may be gone; the server then rolls back by itself.
            try? await database.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Brings the schema up to ``currentVersion``; does nothing when it is there already.
    /// - Throws: ``StoreError/schemaTooNew(found:supported:)`` when a newer program migrated it.
    static func migrate(_ backend: any SQLStoreBackend) async throws {
        // Nearly every open (one per message in pipe mode) finds the schema current. A read says
        // so without the write transaction (SQLite) or the advisory lock (PostgreSQL) that
        // concurrent processes would queue for. Any other answer, or an error (a new database
        // has no schema_version), takes the locked path, which reads again under the lock.
        let current = try? await backend.withDatabase { database in try await appliedVersion(on: database) }
        if current == Int64(currentVersion) { return }
        let engine = backend.engine
        let binary = engine == .sqlite ? "BLOB" : "BYTEA"
        try await backend.withDatabase { database in
            try await transaction(on: database, begin: beginWrite(for: engine)) {
                if engine == .postgresql {
                    try await database.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(migrationLockKey)))").run()
                }
                try await database.raw("""
                    CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)
                    """).run()
                let found = try await appliedVersion(on: database)
                guard found <= Int64(currentVersion) else {
                    throw StoreError.schemaTooNew(found: Int(clamping: found), supported: currentVersion)
                }
                for step in steps(binary: binary) where Int64(step.version) > found {
                    for statement in step.statements {
                        try await database.raw("\(unsafeRaw: statement)").run()
                    }
                    try await database.raw("""
                        INSERT INTO schema_version (version, applied_at)
                        VALUES (\(bind: Int64(step.version)), \(bind: StoreTime.milliseconds(.now)))
                        """).run()
                }
            }
        }
    }

    /// The newest schema version applied, 0 before the first migration; throws when the
    /// version table does not exist.
    private static func appliedVersion(on database: any SQLDatabase) async throws -> Int64 {
        let rows = try await database.raw("SELECT MAX(version) AS version FROM schema_version").all()
        return try rows.first?.decode(column: "version", as: Int64?.self) ?? 0
    }

    /// The applied schema version (0 before the first migration), for checks and tests.
    static func appliedVersions(_ backend: any SQLStoreBackend) async throws -> [Int] {
        try await backend.withDatabase { database in
            let rows = try await database.raw("SELECT version FROM schema_version ORDER BY version").all()
            return try rows.map { Int(clamping: try $0.decode(column: "version", as: Int64.self)) }
        }
    }
}
