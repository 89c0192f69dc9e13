import Foundation
import NIOCore
import SQLKit

/// The ``SecureMailStore`` on SQL: one body of SQL shared by SQLite and PostgreSQL through SQLKit.
///
/// Open it with ``StoreFactory/open(url:)``, ``openSQLite(path:busyTimeout:)`` or
/// ``openPostgreSQL(url:maximumConnections:connectTimeout:operationTimeout:)``; the schema is
/// created or upgraded on opening. Times are stored as milliseconds since 1970.
public struct SQLSecureMailStore: SecureMailStore {
    let backend: any SQLStoreBackend

    /// Which engine holds the data.
    public var engine: StoreEngine { backend.engine }

    /// Opens `sqlite:PATH` or `postgres://...` with default settings; see ``StoreFactory/open(url:)``.
    public static func open(url: String) async throws -> SQLSecureMailStore {
        let trimmed = url.trimmingSpace()
        if trimmed.lowercased().hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            return try await openSQLite(path: path)
        }
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            return try await openPostgreSQL(url: trimmed)
        }
        throw StoreError.invalidConfiguration("'\(PostgresURL.redacted(trimmed))' is neither sqlite:PATH nor postgres://user@host:port/database")
    }

    /// Opens (creating it and its folder when missing) an SQLite database file in WAL mode.
    /// - Parameter busyTimeout: how long to wait for another process's write lock before
    ///   reporting ``StoreError/unavailable(_:)``.
    public static func openSQLite(path: String, busyTimeout: Duration = .seconds(10)) async throws -> SQLSecureMailStore {
        guard !path.isEmpty, path != ":memory:" else {
            throw StoreError.invalidConfiguration("sqlite: needs a file path (sqlite:/var/lib/securemail/state.db); an in-memory database would lose quarantined mail")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.invalidConfiguration("cannot create the folder \(folder) for the SQLite database: \(error.localizedDescription)")
        }
        return try await open(backend: SQLiteBackendFactory.make(path: path, busyTimeout: busyTimeout))
    }

    /// Connects to PostgreSQL at `postgres://user[:password]@host[:port]/database` (unencrypted).
    /// Connections are opened on demand, so the store keeps working after a server restart.
    /// - Parameters:
    ///   - maximumConnections: connections this store opens at most.
    ///   - connectTimeout: how long to wait for a connection before ``StoreError/unavailable(_:)``.
    ///   - operationTimeout: how long one operation may take before ``StoreError/unavailable(_:)``.
    public static func openPostgreSQL(
        url: String, maximumConnections: Int = 8, connectTimeout: Duration = .seconds(5),
        operationTimeout: Duration = .seconds(30)
    ) async throws -> SQLSecureMailStore {
        let parsed = try PostgresURL(parsing: url)
        return try await open(backend: PostgresBackendFactory.make(
            url: parsed, maximumConnections: maximumConnections, connectTimeout: connectTimeout,
            operationTimeout: operationTimeout
        ))
    }

    private static func open(backend: any SQLStoreBackend) async throws -> SQLSecureMailStore {
        let store = SQLSecureMailStore(backend: backend)
        do {
            try await StoreSchema.migrate(store.backend)
        } catch {
            await backend.shutdown()
            throw error
        }
        return store
    }

    /// Closes the store's connections.
    public func close() async {
        await backend.shutdown()
    }

    // MARK: Certificates

    public func upsertCertificate(_ certificate: StoredCertificate) async throws -> StoredCertificate {
        let fingerprint = try Self.normalisedFingerprint(certificate.fingerprint)
        let lookupEmails = Set(certificate.emails.map(Self.normalisedEmail).filter { !$0.isEmpty }).sorted()
        let emails = try StoreJSON.encode(certificate.emails)
        let capabilities = try StoreJSON.encode(certificate.capabilities)
        let transactionStart = StoreSchema.beginWrite(for: engine)
        return try await backend.withDatabase { database in
            try await StoreSchema.transaction(on: database, begin: transactionStart) {
                try await database.raw("""
                    INSERT INTO certificates (fingerprint, der, emails, subject, issuer, not_before, not_after,
                        allows_encryption, revoked, capabilities, source, first_seen, last_seen)
                    VALUES (\(bind: fingerprint), \(bind: ByteBuffer(bytes: certificate.der)), \(bind: emails),
                        \(bind: certificate.subject), \(bind: certificate.issuer),
                        \(bind: StoreTime.milliseconds(certificate.notBefore)), \(bind: StoreTime.milliseconds(certificate.notAfter)),
                        \(bind: Int64(certificate.allowsEncryption ? 1 : 0)), \(bind: Int64(certificate.revoked ? 1 : 0)),
                        \(bind: capabilities), \(bind: certificate.source.rawValue),
                        \(bind: StoreTime.milliseconds(certificate.firstSeen)), \(bind: StoreTime.milliseconds(certificate.lastSeen)))
                    ON CONFLICT (fingerprint) DO UPDATE SET
                        capabilities = CASE WHEN excluded.last_seen >= certificates.last_seen AND excluded.capabilities <> '[]'
                            THEN excluded.capabilities ELSE certificates.capabilities END,
                        last_seen = CASE WHEN excluded.last_seen > certificates.last_seen
                            THEN excluded.last_seen ELSE certificates.last_seen END,
                        first_seen = CASE WHEN excluded.first_seen < certificates.first_seen
                            THEN excluded.first_seen ELSE certificates.first_seen END,
                        revoked = CASE WHEN excluded.revoked > certificates.revoked
                            THEN excluded.revoked ELSE certificates.revoked END,
                        source = CASE WHEN \(unsafeRaw: Self.sourceRank("excluded.source")) > \(unsafeRaw: Self.sourceRank("certificates.source"))
                            THEN excluded.source ELSE certificates.source END
                    """).run()
                for email in lookupEmails {
                    try await database.raw("""
                        INSERT INTO certificate_emails (email, fingerprint) VALUES (\(bind: email), \(bind: fingerprint))
                        ON CONFLICT DO NOTHING
                        """).run()
                }
                let rows = try await database.raw("SELECT * FROM certificates WHERE fingerprint = \(bind: fingerprint)").all()
                guard let row = rows.first else {
                    throw StoreError.failed("the certificate \(fingerprint) vanished while it was being stored")
                }
                return try Self.certificate(from: row)
            }
        }
    }

    public func listCertificates() async throws -> [StoredCertificate] {
        let rows = try await backend.withDatabase { database in
            try await database.raw("SELECT * FROM certificates ORDER BY emails, not_before DESC, fingerprint").all()
        }
        return try rows.map(Self.certificate(from:))
    }

    public func certificate(fingerprint: String) async throws -> StoredCertificate? {
        let key = try Self.normalisedFingerprint(fingerprint)
        let rows = try await backend.withDatabase { database in
            try await database.raw("SELECT * FROM certificates WHERE fingerprint = \(bind: key)").all()
        }
        return try rows.first.map(Self.certificate(from:))
    }

    public func removeCertificate(fingerprint: String) async throws {
        let key = try Self.normalisedFingerprint(fingerprint)
        let transactionStart = StoreSchema.beginWrite(for: engine)
        let removed = try await backend.withDatabase { database in
            try await StoreSchema.transaction(on: database, begin: transactionStart) {
                try await database.raw("DELETE FROM certificate_emails WHERE fingerprint = \(bind: key)").run()
                return try await database.raw("DELETE FROM certificates WHERE fingerprint = \(bind: key) RETURNING fingerprint").all().count
            }
        }
        guard removed > 0 else { throw StoreError.notFound("certificate \(key)") }
    }

    public func markRevoked(fingerprint: String) async throws {
        let key = try Self.normalisedFingerprint(fingerprint)
        let updated = try await backend.withDatabase { database in
            try await database.raw("UPDATE certificates SET revoked = 1 WHERE fingerprint = \(bind: key) RETURNING fingerprint").all().count
        }
        guard updated > 0 else { throw StoreError.notFound("certificate \(key)") }
    }

    public func certificateForEncryption(email: String, at time: Date) async throws -> StoredCertificate? {
        let address = Self.normalisedEmail(email)
        guard !address.isEmpty else { return nil }
        let moment = StoreTime.milliseconds(time)
        let rows = try await backend.withDatabase { database in
            try await database.raw("""
                SELECT certificates.* FROM certificates
                JOIN certificate_emails ON certificate_emails.fingerprint = certificates.fingerprint
                WHERE certificate_emails.email = \(bind: address)
                  AND certificates.revoked = 0 AND certificates.allows_encryption = 1
                  AND certificates.not_before <= \(bind: moment) AND certificates.not_after >= \(bind: moment)
                ORDER BY certificates.not_before DESC, certificates.last_seen DESC, certificates.fingerprint
                LIMIT 1
                """).all()
        }
        return try rows.first.map(Self.certificate(from:))
    }

    // MARK: Quarantine

    public func quarantine(_ entry: QuarantineEntry) async throws {
        let recipients = try StoreJSON.encode(entry.recipients)
        let counts = try StoreJSON.encode(entry.findingCounts)
        let masked = try StoreJSON.encode(entry.maskedFindings)
        let releasedAt = entry.releasedAt.map(StoreTime.milliseconds)
        try await backend.withDatabase { database in
            try await database.raw("""
                INSERT INTO quarantine (id, created, direction, mailbox, sender, recipients, reason, finding_counts,
                    masked_findings, sealed_message, size, released_at)
                VALUES (\(bind: entry.id.uuidString.lowercased()), \(bind: StoreTime.milliseconds(entry.created)),
                    \(bind: entry.direction.rawValue), \(bind: entry.mailbox), \(bind: entry.sender), \(bind: recipients),
                    \(bind: entry.reason), \(bind: counts), \(bind: masked), \(bind: ByteBuffer(bytes: entry.sealedMessage.bytes)),
                    \(bind: Int64(entry.size)), \(bind: releasedAt))
                ON CONFLICT (id) DO NOTHING
                """).run()
        }
    }

    public func listQuarantine() async throws -> [QuarantineEntry] {
        let rows = try await backend.withDatabase { database in
            try await database.raw("SELECT * FROM quarantine ORDER BY created DESC, id").all()
        }
        return try rows.map(Self.quarantineEntry(from:))
    }

    public func quarantineEntry(id: UUID) async throws -> QuarantineEntry? {
        let key = id.uuidString.lowercased()
        let rows = try await backend.withDatabase { database in
            try await database.raw("SELECT * FROM quarantine WHERE id = \(bind: key)").all()
        }
        return try rows.first.map(Self.quarantineEntry(from:))
    }

    @discardableResult
    public func markReleased(id: UUID, at time: Date) async throws -> QuarantineEntry {
        let key = id.uuidString.lowercased()
        let moment = StoreTime.milliseconds(time)
        let rows = try await backend.withDatabase { database in
            try await database.raw("""
                UPDATE quarantine SET released_at = COALESCE(released_at, \(bind: moment))
                WHERE id = \(bind: key) RETURNING *
                """).all()
        }
        guard let row = rows.first else { throw StoreError.notFound("quarantine entry \(key)") }
        return try Self.quarantineEntry(from: row)
    }

    public func deleteQuarantine(id: UUID) async throws {
        let key = id.uuidString.lowercased()
        let deleted = try await backend.withDatabase { database in
            try await database.raw("DELETE FROM quarantine WHERE id = \(bind: key) RETURNING id").all().count
        }
        guard deleted > 0 else { throw StoreError.notFound("quarantine entry \(key)") }
    }

    // MARK: Audit

    public func appendAudit(_ record: AuditRecord) async throws {
        let recipients = try StoreJSON.encode(record.recipients)
        let findings = try StoreJSON.encode(record.findings)
        try await backend.withDatabase { database in
            try await database.raw("""
                INSERT INTO audit (id, recorded_at, direction, mailbox, sender, recipients, route, verdict, action,
                    findings, duration_ms, message_id, instance)
                VALUES (\(bind: record.id.uuidString.lowercased()), \(bind: StoreTime.milliseconds(record.time)),
                    \(bind: record.direction.rawValue), \(bind: record.mailbox), \(bind: record.sender), \(bind: recipients),
                    \(bind: record.route), \(bind: record.verdict), \(bind: record.action), \(bind: findings),
                    \(bind: Int64(record.durationMilliseconds)), \(bind: record.messageId), \(bind: record.instance))
                ON CONFLICT (id) DO NOTHING
                """).run()
        }
    }

    public func listAudit(since: Date?, limit: Int) async throws -> [AuditRecord] {
        let from = since.map(StoreTime.milliseconds) ?? Int64.min
        let count = Int64(max(0, limit))
        let rows = try await backend.withDatabase { database in
            try await database.raw("""
                SELECT * FROM audit WHERE recorded_at >= \(bind: from) ORDER BY recorded_at, id LIMIT \(bind: count)
                """).all()
        }
        return try rows.map(Self.auditRecord(from:))
    }

    // MARK: Retention

    public func purge(quarantineOlderThan: TimeInterval, auditOlderThan: TimeInterval, now: Date) async throws
        -> (quarantine: Int, audit: Int)
    {
        let quarantineCutoff = StoreTime.milliseconds(now.addingTimeInterval(-quarantineOlderThan))
        let auditCutoff = StoreTime.milliseconds(now.addingTimeInterval(-auditOlderThan))
        return try await backend.withDatabase { database in
            let quarantine = try await database.raw(
                "DELETE FROM quarantine WHERE created < \(bind: quarantineCutoff) RETURNING id"
            ).all().count
            let audit = try await database.raw(
                "DELETE FROM audit WHERE recorded_at < \(bind: auditCutoff) RETURNING id"
            ).all().count
            return (quarantine: quarantine, audit: audit)
        }
    }

    // MARK: Rows and keys

    private static func sourceRank(_ column: String) -> String {
        "(CASE \(column) WHEN 'mailbox' THEN 3 WHEN 'imported' THEN 2 ELSE 1 END)"
    }

    static func normalisedFingerprint(_ fingerprint: String) throws -> String {
        let hex = fingerprint.filter { $0 != ":" && !$0.isWhitespace }.lowercased()
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            throw StoreError.invalidValue("'\(fingerprint.prefix(100))' is not a SHA-256 fingerprint (64 hexadecimal digits, colons allowed)")
        }
        return hex
    }

    static func normalisedEmail(_ email: String) -> String {
        email.trimmingSpace().lowercased()
    }

    private static func certificate(from row: any SQLRow) throws -> StoredCertificate {
        try StoreRow.reading("certificates") {
            let sourceName = try row.decode(column: "source", as: String.self)
            guard let source = StoredCertificate.Source(rawValue: sourceName) else {
                throw StoreError.corruptRecord("certificate source '\(sourceName)' is unknown")
            }
            return StoredCertificate(
                fingerprint: try row.decode(column: "fingerprint", as: String.self),
                der: Array(buffer: try row.decode(column: "der", as: ByteBuffer.self)),
                emails: try StoreJSON.decode([String].self, from: row.decode(column: "emails", as: String.self)),
                subject: try row.decode(column: "subject", as: String.self),
                issuer: try row.decode(column: "issuer", as: String.self),
                notBefore: StoreTime.date(try row.decode(column: "not_before", as: Int64.self)),
                notAfter: StoreTime.date(try row.decode(column: "not_after", as: Int64.self)),
                allowsEncryption: try row.decode(column: "allows_encryption", as: Int64.self) != 0,
                revoked: try row.decode(column: "revoked", as: Int64.self) != 0,
                capabilities: try StoreJSON.decode([String].self, from: row.decode(column: "capabilities", as: String.self)),
                source: source,
                firstSeen: StoreTime.date(try row.decode(column: "first_seen", as: Int64.self)),
                lastSeen: StoreTime.date(try row.decode(column: "last_seen", as: Int64.self))
            )
        }
    }

    private static func quarantineEntry(from row: any SQLRow) throws -> QuarantineEntry {
        try StoreRow.reading("quarantine") {
            let idText = try row.decode(column: "id", as: String.self)
            guard let id = UUID(uuidString: idText) else { throw StoreError.corruptRecord("quarantine id '\(idText)' is not a UUID") }
            let size = try row.decode(column: "size", as: Int64.self)
            guard let clearSize = Int(exactly: size), clearSize >= 0 else {
                throw StoreError.corruptRecord("quarantine entry \(idText) has size \(size)")
            }
            return QuarantineEntry(
                id: id,
                created: StoreTime.date(try row.decode(column: "created", as: Int64.self)),
                direction: try StoreRow.direction(row),
                mailbox: try row.decode(column: "mailbox", as: String.self),
                sender: try row.decode(column: "sender", as: String.self),
                recipients: try StoreJSON.decode([String].self, from: row.decode(column: "recipients", as: String.self)),
                reason: try row.decode(column: "reason", as: String.self),
                findingCounts: try StoreJSON.decode([String: Int].self, from: row.decode(column: "finding_counts", as: String.self)),
                maskedFindings: try StoreJSON.decode([String].self, from: row.decode(column: "masked_findings", as: String.self)),
                sealedMessage: SealedMessage(
                    storedBytes: Array(buffer: try row.decode(column: "sealed_message", as: ByteBuffer.self)),
                    clearSize: clearSize
                ),
                releasedAt: try row.decode(column: "released_at", as: Int64?.self).map(StoreTime.date)
            )
        }
    }

    private static func auditRecord(from row: any SQLRow) throws -> AuditRecord {
        try StoreRow.reading("audit") {
            let idText = try row.decode(column: "id", as: String.self)
            guard let id = UUID(uuidString: idText) else { throw StoreError.corruptRecord("audit id '\(idText)' is not a UUID") }
            let duration = try row.decode(column: "duration_ms", as: Int64.self)
            return AuditRecord(
                id: id,
                time: StoreTime.date(try row.decode(column: "recorded_at", as: Int64.self)),
                direction: try StoreRow.direction(row),
                mailbox: try row.decode(column: "mailbox", as: String.self),
                sender: try row.decode(column: "sender", as: String.self),
                recipients: try StoreJSON.decode([String].self, from: row.decode(column: "recipients", as: String.self)),
                route: try row.decode(column: "route", as: String.self),
                verdict: try row.decode(column: "verdict", as: String.self),
                action: try row.decode(column: "action", as: String.self),
                findings: try StoreJSON.decode([String: Int].self, from: row.decode(column: "findings", as: String.self)),
                durationMilliseconds: Int(clamping: duration),
                messageId: try row.decode(column: "message_id", as: String.self),
                instance: try row.decode(column: "instance", as: String.self)
            )
        }
    }
}

/// Row reading helpers that turn decoding failures into ``StoreError/corruptRecord(_:)``.
enum StoreRow {
    static func reading<T>(_ table: String, _ read: () throws -> T) throws -> T {
        do {
            return try read()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.corruptRecord("a row of \(table) does not have the expected columns: \(error)")
        }
    }

    static func direction(_ row: any SQLRow) throws -> StoreDirection {
        let name = try row.decode(column: "direction", as: String.self)
        guard let direction = StoreDirection(rawValue: name) else {
            throw StoreError.corruptRecord("direction '\(name)' is unknown")
        }
        return direction
    }
}

/// Dates as whole milliseconds since 1970, the same on every engine.
enum StoreTime {
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard !value.isNaN else { return 0 }
        // Int64(exactly:) would trap on the far past / future (Date.distantFuture is fine, infinity is not).
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value)
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

/// Lists and maps kept as JSON text, which reads the same on every engine.
enum StoreJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw StoreError.invalidValue("cannot encode \(T.self) as JSON: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRecord("a JSON column does not hold \(T.self)")
        }
    }
}
