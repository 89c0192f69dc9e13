import Foundation
import Testing
@testable import SecureMail

/// One body of tests run against every engine: SQLite always, PostgreSQL when
/// SECUREMAIL_TEST_POSTGRES_URL is set (start one with `scripts/postgres.sh start`).
/// Serialized because the restart test stops the shared PostgreSQL server.
@Suite("Store", .serialized)
struct SecureMailStoreTests {
    @Test("PostgreSQL is configured for the store tests")
    func postgresqlConfigured() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[EngineUnderTest.postgresURLVariable]?.isEmpty ?? true else { return }
        if environment["CI"] != nil {
            Issue.record("CI is set but \(EngineUnderTest.postgresURLVariable) is not: start a server with `scripts/postgres.sh start` and export the URL it prints, so the PostgreSQL store tests run")
        } else {
            print("Skipping the PostgreSQL store tests: \(EngineUnderTest.postgresURLVariable) is not set (`export \(EngineUnderTest.postgresURLVariable)=$(scripts/postgres.sh start)` runs them).")
        }
    }

    @Test("migrations are idempotent, also when stores start together", arguments: EngineUnderTest.available)
    func migrationsTwice(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine) { stores, database in
            #expect(try await StoreSchema.appliedVersions(stores[0].backend) == [StoreSchema.currentVersion])
            let second = try await SQLSecureMailStore.open(url: database.url)
            let together = try await withThrowingTaskGroup(of: SQLSecureMailStore.self) { group in
                for _ in 0..<4 { group.addTask { try await SQLSecureMailStore.open(url: database.url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(try await StoreSchema.appliedVersions(second.backend) == [StoreSchema.currentVersion])
            _ = try await second.upsertCertificate(StoreSamples.certificate(1))
            #expect(try await stores[0].listCertificates().count == 1)
            await second.close()
            for store in together { await store.close() }
        }
    }

    /// Pipe mode opens the store for every message: when the schema is current, opening takes
    /// neither SQLite's write lock nor PostgreSQL's migration lock, so it does not wait for a
    /// process that holds one.
    @Test("a current store opens while another connection holds the migration's lock", arguments: EngineUnderTest.available)
    func currentSchemaOpensWithoutTheMigrationLock(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine) { stores, database in
            let (lock, unlock) = switch engine {
            case .sqlite: ("BEGIN IMMEDIATE", "ROLLBACK")
            case .postgresql:
                ("SELECT pg_advisory_lock(\(StoreSchema.migrationLockKey))", "SELECT pg_advisory_unlock(\(StoreSchema.migrationLockKey))")
            }
            try await stores[0].backend.withDatabase { holder in
                try await holder.raw("\(unsafeRaw: lock)").run()
                let reopened = switch engine {
                case .sqlite:
                    try await SQLSecureMailStore.openSQLite(path: String(database.url.dropFirst("sqlite:".count)), busyTimeout: .milliseconds(500))
                case .postgresql: try await SQLSecureMailStore.openPostgreSQL(url: database.url, operationTimeout: .seconds(2))
                }
                #expect(try await StoreSchema.appliedVersions(reopened.backend) == [StoreSchema.currentVersion])
                await reopened.close()
                try await holder.raw("\(unsafeRaw: unlock)").run()
            }
        }
    }

    @Test("certificate lookup: validity, revocation, usage, newest wins, any case", arguments: EngineUnderTest.available)
    func certificateLookupRules(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine) { stores, _ in
            let store = stores[0]
            let now = StoreSamples.day(0)
            let email = "Kunde@Example.DK"
            let expired = StoreSamples.certificate(1, emails: [email], notBefore: StoreSamples.day(-700), notAfter: StoreSamples.day(-1))
            let older = StoreSamples.certificate(2, emails: ["kunde@example.dk"], notBefore: StoreSamples.day(-300))
            let newer = StoreSamples.certificate(3, emails: ["KUNDE@example.dk", "other@example.dk"], notBefore: StoreSamples.day(-10))
            let revoked = StoreSamples.certificate(4, emails: [email], notBefore: StoreSamples.day(-5), revoked: true)
            let signingOnly = StoreSamples.certificate(5, emails: [email], notBefore: StoreSamples.day(-4), allowsEncryption: false)
            let notYetValid = StoreSamples.certificate(6, emails: [email], notBefore: StoreSamples.day(10))
            for certificate in [expired, older, newer, revoked, signingOnly, notYetValid] {
                _ = try await store.upsertCertificate(certificate)
            }

            #expect(try await store.certificateForEncryption(email: "kunde@EXAMPLE.dk", at: now)?.fingerprint == newer.fingerprint)
            #expect(try await store.certificateForEncryption(email: "OTHER@example.dk", at: now)?.fingerprint == newer.fingerprint)
            #expect(try await store.certificateForEncryption(email: email, at: StoreSamples.day(-20))?.fingerprint == older.fingerprint)
            #expect(try await store.certificateForEncryption(email: email, at: StoreSamples.day(11))?.fingerprint == notYetValid.fingerprint)
            #expect(try await store.certificateForEncryption(email: email, at: StoreSamples.day(-400))?.fingerprint == expired.fingerprint)
            #expect(try await store.certificateForEncryption(email: "nobody@example.dk", at: now) == nil)
            #expect(try await store.certificateForEncryption(email: email, at: StoreSamples.day(400)) == nil)

            try await store.markRevoked(fingerprint: newer.fingerprint.uppercased())
            #expect(try await store.certificateForEncryption(email: email, at: now)?.fingerprint == older.fingerprint)
            try await store.removeCertificate(fingerprint: older.fingerprint)
            #expect(try await store.certificateForEncryption(email: email, at: now) == nil)
            #expect(try await store.certificate(fingerprint: older.fingerprint) == nil)
            #expect(try await store.listCertificates().count == 5)

            await expectStoreError("notFound", { if case .notFound = $0 { true } else { false } }) {
                try await store.removeCertificate(fingerprint: older.fingerprint)
            }
            await expectStoreError("notFound", { if case .notFound = $0 { true } else { false } }) {
                try await store.markRevoked(fingerprint: StoreSamples.fingerprint(99))
            }
            await expectStoreError("invalidValue", { if case .invalidValue = $0 { true } else { false } }) {
                try await store.upsertCertificate(StoredCertificate(
                    fingerprint: "not-a-fingerprint", der: [1], emails: [], subject: "", issuer: "",
                    notBefore: now, notAfter: now, allowsEncryption: true, source: .imported, firstSeen: now, lastSeen: now))
            }
        }
    }

    @Test("harvesting a certificate again merges into one row", arguments: EngineUnderTest.available)
    func certificateUpsertMerges(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine) { stores, _ in
            let store = stores[0]
            let first = StoreSamples.certificate(7, capabilities: ["aes256-CBC"], source: .imported, seen: StoreSamples.day(1))
            let stored = try await store.upsertCertificate(first)
            #expect(stored == first)

            var again = StoreSamples.certificate(7, capabilities: ["aes256-GCM", "aes256-CBC"], source: .harvested, seen: StoreSamples.day(5))
            again.fingerprint = first.fingerprint.uppercased()
            let merged = try await store.upsertCertificate(again)
            #expect(merged.lastSeen == StoreSamples.day(5))
            #expect(merged.firstSeen == StoreSamples.day(1))
            #expect(merged.capabilities == ["aes256-GCM", "aes256-CBC"])
            #expect(merged.source == .imported, "an operator's import outranks a harvest")
            #expect(merged.der == first.der)

            let stale = StoreSamples.certificate(7, revoked: true, capabilities: ["des-EDE3-CBC"], seen: StoreSamples.day(3))
            let afterStale = try await store.upsertCertificate(stale)
            #expect(afterStale.lastSeen == StoreSamples.day(5), "an older sighting does not move lastSeen back")
            #expect(afterStale.capabilities == ["aes256-GCM", "aes256-CBC"], "an older sighting does not replace capabilities")
            #expect(afterStale.revoked, "revocation sticks")
            #expect(try await store.listCertificates().count == 1)
        }
    }

    @Test("quarantine: sealed at rest, released once, deleted", arguments: EngineUnderTest.available)
    func quarantineLifecycle(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine) { stores, _ in
            let store = stores[0]
            let sealing = TestOnlyXorSealing()
            let message = "Subject: test\r\n\r\nCPR 010190-1234\r\n"
            let entry = try StoreSamples.quarantineEntry(message: message, sealing: sealing)
            try await store.quarantine(entry)
            try await store.quarantine(entry)

            let listed = try await store.listQuarantine()
            #expect(listed == [entry])
            let loaded = try #require(try await store.quarantineEntry(id: entry.id))
            #expect(loaded.size == message.utf8.count)
            #expect(loaded.sealedMessage.bytes != Array(message.utf8))
            #expect(try loaded.sealedMessage.open(with: sealing) == Array(message.utf8))
            #expect(!loaded.isReleased)

            let released = try await store.markReleased(id: entry.id, at: StoreSamples.day(1))
            #expect(released.releasedAt == StoreSamples.day(1))
            let releasedAgain = try await store.markReleased(id: entry.id, at: StoreSamples.day(2))
            #expect(releasedAgain.releasedAt == StoreSamples.day(1), "the first release time is kept")

            try await store.deleteQuarantine(id: entry.id)
            #expect(try await store.quarantineEntry(id: entry.id) == nil)
            await expectStoreError("notFound", { if case .notFound = $0 { true } else { false } }) {
                try await store.deleteQuarantine(id: entry.id)
            }
            await expectStoreError("notFound", { if case .notFound = $0 { true } else { false } }) {
                try await store.markReleased(id: UUID())
            }
        }
    }

    @Test("two store instances on one database see each other's writes", arguments: EngineUnderTest.available)
    func twoInstancesShareState(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine, count: 2) { stores, _ in
            let (first, second) = (stores[0], stores[1])
            let certificate = StoreSamples.certificate(11, emails: ["delt@example.dk"])
            _ = try await first.upsertCertificate(certificate)
            #expect(try await second.certificateForEncryption(email: "DELT@example.dk", at: StoreSamples.day(0)) == certificate)

            let entry = try StoreSamples.quarantineEntry()
            try await first.quarantine(entry)
            #expect(try await second.listQuarantine().map(\.id) == [entry.id])
            try await second.markReleased(id: entry.id, at: StoreSamples.day(1))
            #expect(try await first.quarantineEntry(id: entry.id)?.releasedAt == StoreSamples.day(1))

            let fromFirst = StoreSamples.audit(time: StoreSamples.day(0), instance: "relay-a")
            let fromSecond = StoreSamples.audit(time: StoreSamples.day(0.5), instance: "relay-b")
            try await first.appendAudit(fromFirst)
            try await second.appendAudit(fromSecond)
            try await second.appendAudit(fromSecond)
            #expect(try await first.listAudit(since: nil, limit: 100) == [fromFirst, fromSecond])
            #expect(try await second.listAudit(since: StoreSamples.day(0.25), limit: 100) == [fromSecond])
            #expect(try await second.listAudit(since: nil, limit: 1) == [fromFirst])
        }
    }

    @Test("concurrent writers through two instances lose nothing", arguments: EngineUnderTest.available)
    func concurrentWriters(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine, count: 2) { stores, _ in
            let writers = 12
            let perWriter = 8
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    let store = stores[writer % 2]
                    group.addTask {
                        for item in 0..<perWriter {
                            let number = writer * 100 + item
                            _ = try await store.upsertCertificate(StoreSamples.certificate(number, emails: ["w\(writer)@example.dk"]))
                            // Every writer also harvests the same shared certificates: these must merge, not duplicate.
                            _ = try await store.upsertCertificate(StoreSamples.certificate(
                                100_000 + item, emails: ["shared@example.dk"], seen: StoreSamples.day(Double(writer))))
                            try await store.appendAudit(StoreSamples.audit(instance: "writer-\(writer)"))
                            if item % 2 == 0 { try await store.quarantine(try StoreSamples.quarantineEntry()) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let certificates = try await stores[0].listCertificates()
            #expect(certificates.count == writers * perWriter + perWriter)
            let shared = certificates.filter { $0.emails == ["shared@example.dk"] }
            #expect(shared.count == perWriter)
            #expect(shared.allSatisfy { $0.lastSeen == StoreSamples.day(Double(writers - 1)) && $0.firstSeen == StoreSamples.day(0) })
            let audit = try await stores[1].listAudit(since: nil, limit: 10_000)
            #expect(audit.count == writers * perWriter)
            #expect(Set(audit.map(\.id)).count == audit.count)
            #expect(Dictionary(grouping: audit, by: \.instance).values.allSatisfy { $0.count == perWriter })
            #expect(try await stores[1].listQuarantine().count == writers * perWriter / 2)
        }
    }

    @Test("purge deletes exactly what retention says", arguments: EngineUnderTest.available)
    func purgeRetention(engine: EngineUnderTest) async throws {
        try await ScratchDatabase.withStores(engine) { stores, _ in
            let store = stores[0]
            let now = StoreSamples.day(0)
            for age in [40.0, 31, 29, 1] { try await store.quarantine(try StoreSamples.quarantineEntry(created: StoreSamples.day(-age))) }
            for age in [2000.0, 1830, 1800, 10] { try await store.appendAudit(StoreSamples.audit(time: StoreSamples.day(-age))) }

            let purged = try await store.purge(quarantineOlderThan: 30 * 86_400, auditOlderThan: 1826 * 86_400, now: now)
            #expect(purged.quarantine == 2)
            #expect(purged.audit == 2)
            #expect(try await store.listQuarantine().map(\.created) == [StoreSamples.day(-1), StoreSamples.day(-29)])
            #expect(try await store.listAudit(since: nil, limit: 10).map(\.time) == [StoreSamples.day(-1800), StoreSamples.day(-10)])

            let again = try await store.purge(quarantineOlderThan: 30 * 86_400, auditOlderThan: 1826 * 86_400, now: now)
            #expect(again.quarantine == 0 && again.audit == 0)
        }
    }

    @Test("a PostgreSQL restart gives .unavailable, then the same store recovers", arguments: EngineUnderTest.available.filter(\.isPostgreSQL))
    func postgresqlRestart(engine: EngineUnderTest) async throws {
        guard case .postgresql(let baseURL) = engine else { return }
        let cluster = try PostgresCluster(url: baseURL)
        try await ScratchDatabase.withStores(engine) { stores, _ in
            let store = stores[0]
            try await store.appendAudit(StoreSamples.audit())

            try cluster.run("stop")
            let started = ContinuousClock.now
            await expectStoreError("unavailable", { $0.isTransient }) {
                try await store.appendAudit(StoreSamples.audit())
            }
            await expectStoreError("unavailable", { $0.isTransient }) {
                try await store.listCertificates()
            }
            print("PostgreSQL down: .unavailable after \(ContinuousClock.now - started)")
            try cluster.run("start")

            let recovered = StoreSamples.audit(instance: "after-restart")
            try await store.appendAudit(recovered)
            #expect(try await store.listAudit(since: nil, limit: 10).contains(recovered))
        }
    }

    @Test("database URLs")
    func databaseURLs() async throws {
        let parsed = try PostgresURL(parsing: "postgres://mail%40relay:p%3Ass@db.internal:6543/securemail")
        #expect(parsed == (try PostgresURL(parsing: "postgresql://mail%40relay:p%3Ass@db.internal:6543/securemail")))
        #expect(parsed.username == "mail@relay" && parsed.password == "p:ss")
        #expect(parsed.host == "db.internal" && parsed.port == 6543 && parsed.database == "securemail")
        #expect(try PostgresURL(parsing: "postgres://relay@localhost/state").port == 5432)
        #expect(PostgresURL.redacted("postgres://u:secret@h/db") == "postgres://u:***@h/db")

        let invalid = { (error: StoreError) -> Bool in if case .invalidConfiguration = error { true } else { false } }
        for url in ["mysql://u@h/db", "postgres://h:5432/db", "postgres://u@h:5432/", "postgres://u@h/db?sslmode=require", "sqlite:", "sqlite::memory:", ""] {
            await expectStoreError("invalidConfiguration for '\(url)'", invalid) { try await StoreFactory.open(url: url) }
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("securemail-url-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await StoreFactory.open(url: "sqlite://" + folder.appendingPathComponent("nested/state.db").path)
        #expect(try await store.listCertificates().isEmpty)
        await store.close()
        await expectStoreError("closed", { $0 == .closed }) { try await store.listAudit(since: nil, limit: 1) }
    }
}

/// The throw-away cluster started by scripts/postgres.sh, which the restart test stops and starts.
struct PostgresCluster {
    let arguments: [String]

    init(url: String) throws {
        let port = URLComponents(string: url)?.port ?? 5432
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        var arguments = ["bash", root.appendingPathComponent("scripts/postgres.sh").path, "--port", String(port)]
        if let stateDirectory = ProcessInfo.processInfo.environment["SECUREMAIL_TEST_POSTGRES_STATE_DIR"] {
            arguments += ["--state-dir", stateDirectory]
        }
        self.arguments = arguments
        let status = try ScratchDatabase.run(arguments + ["status"])
        guard status.status == 0 else {
            throw ScratchError("the PostgreSQL server at \(PostgresURL.redacted(url)) is not one scripts/postgres.sh runs (status: \(status.output.trimmingCharacters(in: .whitespacesAndNewlines))); start it with `scripts/postgres.sh start --port \(port)` (and set SECUREMAIL_TEST_POSTGRES_STATE_DIR when you gave --state-dir) so this test can stop and start it")
        }
    }

    func run(_ verb: String) throws {
        let result = try ScratchDatabase.run(arguments + [verb])
        guard result.status == 0 else { throw ScratchError("scripts/postgres.sh \(verb) failed: \(result.output)") }
    }
}
