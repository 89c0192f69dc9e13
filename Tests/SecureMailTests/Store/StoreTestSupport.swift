import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SecureMail

/// A database engine the store tests run against.
enum EngineUnderTest: Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql(baseURL: String)

    static let postgresURLVariable = "SECUREMAIL_TEST_POSTGRES_URL"

    /// SQLite always; PostgreSQL when SECUREMAIL_TEST_POSTGRES_URL names a server.
    static var available: [EngineUnderTest] {
        var engines: [EngineUnderTest] = [.sqlite]
        if let url = ProcessInfo.processInfo.environment[postgresURLVariable], !url.isEmpty {
            engines.append(.postgresql(baseURL: url))
        }
        return engines
    }

    var testDescription: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgresql: "PostgreSQL"
        }
    }

    var isPostgreSQL: Bool {
        if case .postgresql = self { return true }
        return false
    }
}

/// A fresh, empty database for one test: a file in a new temporary folder, or a new PostgreSQL
/// database next to the one SECUREMAIL_TEST_POSTGRES_URL names. Dropped afterwards.
struct ScratchDatabase: Sendable {
    let url: String
    private let cleanup: @Sendable () throws -> Void

    init(for engine: EngineUnderTest) throws {
        switch engine {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("securemail-store-\(UUID().uuidString)")
            url = "sqlite:" + folder.appendingPathComponent("state.db").path
            cleanup = { try? FileManager.default.removeItem(at: folder) }
        case .postgresql(let baseURL):
            let name = "securemail_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try Self.psql(baseURL, "CREATE DATABASE \(name)")
            guard var components = URLComponents(string: baseURL) else {
                throw ScratchError("\(EngineUnderTest.postgresURLVariable) is not a URL: \(baseURL)")
            }
            components.path = "/" + name
            guard let scratchURL = components.string else { throw ScratchError("cannot build a URL for \(name)") }
            url = scratchURL
            cleanup = { try Self.psql(baseURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        }
    }

    /// Drops the database (or deletes the SQLite folder).
    func remove() throws { try cleanup() }

    /// Opens `count` independent stores on this database, runs `body`, and closes them all,
    /// whether `body` threw or not, before dropping the database.
    static func withStores(
        _ engine: EngineUnderTest, count: Int = 1,
        _ body: @Sendable ([SQLSecureMailStore], ScratchDatabase) async throws -> Void
    ) async throws {
        let database = try ScratchDatabase(for: engine)
        var stores: [SQLSecureMailStore] = []
        do {
            for _ in 0..<count { stores.append(try await SQLSecureMailStore.open(url: database.url)) }
            try await body(stores, database)
        } catch {
            for store in stores { await store.close() }
            try? database.cleanup()
            throw error
        }
        for store in stores { await store.close() }
        try database.cleanup()
    }

    /// Runs one SQL command with psql (the PostgreSQL client) against `url`.
    static func psql(_ url: String, _ command: String) throws {
        let result = try run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command])
        guard result.status == 0 else {
            throw ScratchError("psql failed (\(result.status)) running \(command): \(result.output)")
        }
    }

    /// Runs a program found on PATH and returns its exit status and what it printed.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ExternalTool.run(arguments[0], Array(arguments.dropFirst()))
        return (result.status, result.outputText + result.standardError)
    }
}

struct ScratchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// TEST DOUBLE, for the Store tests only. The real sealing is CMS encryption to the gateway's key,
/// which lives in the Crypto layer and comes with the Pipeline; the Store layer cannot reach it.
/// This one only has to make sealed bytes differ from the message and round-trip exactly.
struct TestOnlyXorSealing: QuarantineSealing {
    private static let marker = Array("TEST-ONLY-SEALED:".utf8)
    let key: [UInt8] = Array("store-test-key".utf8)

    struct NotSealedByThis: Error {}

    func seal(_ message: [UInt8]) throws -> [UInt8] {
        Self.marker + message.enumerated().map { $0.element ^ key[$0.offset % key.count] }
    }

    func open(_ sealed: [UInt8]) throws -> [UInt8] {
        guard sealed.starts(with: Self.marker) else { throw NotSealedByThis() }
        return sealed.dropFirst(Self.marker.count).enumerated().map { $0.element ^ key[$0.offset % key.count] }
    }
}

/// Builders for records with sensible defaults.
enum StoreSamples {
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    static func day(_ offset: Double) -> Date { epoch.addingTimeInterval(offset * 86_400) }

    static func fingerprint(_ number: Int) -> String {
        let hex = String(number, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    static func certificate(
        _ number: Int, emails: [String] = ["kunde@example.dk"], notBefore: Date = day(-365), notAfter: Date = day(365),
        allowsEncryption: Bool = true, revoked: Bool = false, capabilities: [String] = ["aes256-CBC"],
        source: StoredCertificate.Source = .harvested, seen: Date = day(0)
    ) -> StoredCertificate {
        StoredCertificate(
            fingerprint: fingerprint(number), der: Array("DER bytes of certificate \(number)".utf8), emails: emails,
            subject: "CN=Kunde \(number)", issuer: "CN=Demo CA", notBefore: notBefore, notAfter: notAfter,
            allowsEncryption: allowsEncryption, revoked: revoked, capabilities: capabilities, source: source,
            firstSeen: seen, lastSeen: seen
        )
    }

    static func quarantineEntry(
        created: Date = day(0), message: String = "Subject: test\r\n\r\nCPR 010190-1234\r\n",
        sealing: some QuarantineSealing = TestOnlyXorSealing()
    ) throws -> QuarantineEntry {
        QuarantineEntry(
            created: created, direction: .outbound, mailbox: "medarbejder@gjensidige.dk", sender: "medarbejder@gjensidige.dk",
            recipients: ["kunde@example.dk"], reason: "no certificate for kunde@example.dk",
            findingCounts: ["dk-cpr": 1], maskedFindings: ["010190-XXXX"],
            sealedMessage: try SealedMessage(sealing: Array(message.utf8), with: sealing)
        )
    }

    static func audit(time: Date = day(0), instance: String = "relay-a", action: String = "deliver") -> AuditRecord {
        AuditRecord(
            time: time, direction: .inbound, mailbox: "sikkermail@gjensidige.dk", sender: "kunde@example.dk",
            recipients: ["sikkermail@gjensidige.dk"], route: "department:Skade", verdict: "verified", action: action,
            findings: ["health": 1], durationMilliseconds: 42, messageId: "sha256:0f1e2d", instance: instance
        )
    }
}

/// Expects `body` to throw a ``StoreError`` that `matches` accepts.
func expectStoreError<T>(
    _ description: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (StoreError) -> Bool, _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected StoreError (\(description)), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(matches(error), "expected \(description), got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected StoreError (\(description)), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
}
