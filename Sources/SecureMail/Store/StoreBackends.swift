import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresKit
import SQLKit
import SQLiteKit

/// The database engine behind an ``SQLSecureMailStore``.
public enum StoreEngine: String, Sendable, Hashable {
    /// An SQLite file: the embedded default for one relay.
    case sqlite
    /// A PostgreSQL server: state shared by several relays.
    case postgresql
}

/// Runs SQL on one engine, turning that engine's errors into ``StoreError``.
protocol SQLStoreBackend: Sendable {
    var engine: StoreEngine { get }
    /// Runs `body` on an exclusive connection.
    func withDatabase<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func shutdown() async
}

/// A pooled backend: leases a connection per operation, gives up on connections the server closed,
/// and retries an operation once on a fresh connection when the one it got turned out to be dead
/// (a database restart). Every write the store makes is idempotent, so the retry is safe.
struct PooledSQLBackend<Connection: StoreConnection>: SQLStoreBackend {
    let engine: StoreEngine
    let pool: StoreConnectionPool<Connection>
    /// Longest an operation may wait for the server before the connection is dropped; nil for none.
    let operationTimeout: Duration?
    let classify: @Sendable (any Error) -> StoreError

    func withDatabase<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        var retried = false
        while true {
            let connection: Connection
            do {
                connection = try await pool.acquire()
            } catch {
                throw classify(error)
            }
            do {
                let result = try await run(body, on: connection)
                await pool.release(connection)
                return result
            } catch let timeout as OperationTimedOut {
                await pool.discard(connection)
                throw StoreError.unavailable("the \(engine.rawValue) server did not answer within \(timeout.limit)")
            } catch {
                let storeError = classify(error)
                let connectionLost = connection.isClosed
                if connectionLost {
                    await pool.discard(connection)
                } else {
                    await pool.release(connection)
                }
                if connectionLost && storeError.isTransient && !retried {
                    retried = true
                    continue
                }
                throw storeError
            }
        }
    }

    func shutdown() async {
        await pool.shutdown()
    }

    private struct OperationTimedOut: Error {
        let limit: Duration
    }

    private func run<T: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T, on connection: Connection
    ) async throws -> T {
        guard let limit = operationTimeout else { return try await body(connection.database) }
        let timedOut = NIOLockedValueBox(false)
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body(connection.database) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    timedOut.withLockedValue { $0 = true }
                    // Closing fails the pending query, which ends the other child task.
                    await connection.close()
                    return nil
                }
                defer { group.cancelAll() }
                while let outcome = try await group.next() {
                    if let value = outcome { return value }
                }
                throw OperationTimedOut(limit: limit)
            }
        } catch {
            if timedOut.withLockedValue({ $0 }) { throw OperationTimedOut(limit: limit) }
            throw error
        }
    }
}

private let storeLogger: Logger = {
    var logger = Logger(label: "securemail.store")
    logger.logLevel = .warning
    return logger
}()

// MARK: - SQLite

/// An SQLite connection with a thread of its own: a statement waiting for another connection's
/// lock (busy timeout) then never occupies a thread that the lock holder needs to finish.
struct SQLiteStoreConnection: StoreConnection {
    let connection: SQLiteConnection
    let thread: NIOThreadPool
    var database: any SQLDatabase { connection.sql(queryLogLevel: nil) }
    var isClosed: Bool { connection.isClosed }

    func close() async {
        try? await connection.close()
        try? await thread.shutdownGracefully()
    }
}

enum SQLiteBackendFactory {
    /// One connection per store: SQLite serialises writers anyway, and other stores or processes on
    /// the same file wait for the write lock up to `busyTimeout`.
    static func make(path: String, busyTimeout: Duration) -> PooledSQLBackend<SQLiteStoreConnection> {
        let busyMilliseconds = max(0, busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000)
        let pool = StoreConnectionPool<SQLiteStoreConnection>(capacity: 1) {
            let thread = NIOThreadPool(numberOfThreads: 1)
            thread.start()
            let connection: SQLiteConnection
            do {
                connection = try await SQLiteConnection.open(
                    storage: .file(path: path), threadPool: thread, logger: storeLogger,
                    on: MultiThreadedEventLoopGroup.singleton.any()
                )
            } catch {
                try? await thread.shutdownGracefully()
                throw error
            }
            let stored = SQLiteStoreConnection(connection: connection, thread: thread)
            do {
                let database = stored.database
                try await database.raw("PRAGMA busy_timeout = \(unsafeRaw: String(busyMilliseconds))").run()
                let modes = try await database.raw("PRAGMA journal_mode = WAL").all()
                let mode = try modes.first?.decode(column: "journal_mode", as: String.self)
                guard mode?.lowercased() == "wal" else {
                    throw StoreError.invalidConfiguration("SQLite at \(path) refused WAL mode (got \(mode ?? "nothing")); put the database on a local file system")
                }
                // FULL: a quarantined message must survive a power cut once we answered 250 / exit 0.
                try await database.raw("PRAGMA synchronous = FULL").run()
            } catch {
                await stored.close()
                throw error
            }
            return stored
        }
        return PooledSQLBackend(engine: .sqlite, pool: pool, operationTimeout: nil, classify: classifySQLite)
    }

    static func classifySQLite(_ error: any Error) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let sqliteError = error as? SQLiteError {
            let reason = String(describing: sqliteError.reason)
            // Lock contention, full or failing disks and unopenable files can clear up; the MTA retries.
            let transient = ["busy", "locked", "ioError", "full", "cantOpen", "noMemory", "interrupt", "readonlyCantLock", "readonlyInRecovery"]
            if transient.contains(where: { reason.hasPrefix($0) }) {
                return .unavailable("SQLite: \(sqliteError.message)")
            }
            return .failed("SQLite: \(sqliteError.message)")
        }
        if error is NIOThreadPoolError.ThreadPoolInactive {
            return .unavailable("the SQLite worker threads are shut down")
        }
        if error is DecodingError {
            return .corruptRecord("SQLite row: \(error)")
        }
        return .failed("SQLite: \(error)")
    }
}

// MARK: - PostgreSQL

struct PostgresStoreConnection: StoreConnection {
    let connection: PostgresConnection
    var database: any SQLDatabase { connection.sql(queryLogLevel: nil) }
    var isClosed: Bool { connection.isClosed }
    func close() async { try? await connection.close() }
}

/// The parts of a `postgres://user[:password]@host[:port]/database` URL.
struct PostgresURL: Sendable, Equatable {
    var username: String
    var password: String?
    var host: String
    var port: Int
    var database: String

    init(parsing url: String) throws {
        let example = "postgres://user[:password]@host[:port]/database"
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw StoreError.invalidConfiguration("'\(Self.redacted(url))' is not a PostgreSQL URL; write \(example)")
        }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw StoreError.invalidConfiguration("the PostgreSQL URL names no user; write \(example)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError.invalidConfiguration("the PostgreSQL URL names no host; write \(example)")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw StoreError.invalidConfiguration("the PostgreSQL port \(port) is out of range")
        }
        let name = String(components.path.drop(while: { $0 == "/" }))
        guard !name.isEmpty, !name.contains("/") else {
            throw StoreError.invalidConfiguration("the PostgreSQL URL names no database; write \(example)")
        }
        if let query = components.queryItems, !query.isEmpty {
            throw StoreError.invalidConfiguration("PostgreSQL URL parameters (\(query.map(\.name).joined(separator: ", "))) are not supported; remove them (connections are unencrypted: keep the server on loopback or a private network)")
        }
        self.username = user
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        self.host = host
        self.port = port
        self.database = name.removingPercentEncoding ?? name
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "(unreadable URL)"
    }
}

enum PostgresBackendFactory {
    private static let connectionIDs = NIOLockedValueBox(0)

    static func make(
        url: PostgresURL, maximumConnections: Int, connectTimeout: Duration, operationTimeout: Duration
    ) -> PooledSQLBackend<PostgresStoreConnection> {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: .disable
        )
        configuration.options.connectTimeout = .nanoseconds(
            connectTimeout.components.seconds * 1_000_000_000 + connectTimeout.components.attoseconds / 1_000_000_000
        )
        let pool = StoreConnectionPool<PostgresStoreConnection>(capacity: maximumConnections) { [configuration] in
            let id = connectionIDs.withLockedValue { value -> Int in
                value &+= 1
                return value
            }
            let connection = try await PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: id, logger: storeLogger
            )
            return PostgresStoreConnection(connection: connection)
        }
        return PooledSQLBackend(engine: .postgresql, pool: pool, operationTimeout: operationTimeout, classify: classifyPostgres)
    }

    /// SQLSTATE classes and codes that describe a server that is away, overloaded or resolving a
    /// conflict: connection exceptions (08), insufficient resources (53), operator intervention
    /// such as shutdown (57P), serialization failure and deadlock (40001, 40P01), lock timeout (55P03).
    private static let transientStates = ["08", "53", "57P", "40001", "40P01", "55P03", "58"]

    static func classifyPostgres(_ error: any Error) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let psqlError = error as? PSQLError {
            switch psqlError.code {
            case .server:
                let state = psqlError.serverInfo?[.sqlState] ?? "?????"
                let message = psqlError.serverInfo?[.message] ?? "no message"
                if transientStates.contains(where: { state.hasPrefix($0) }) {
                    return .unavailable("PostgreSQL \(state): \(message)")
                }
                return .failed("PostgreSQL \(state): \(message)")
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed, .queryCancelled:
                let underlying = psqlError.underlying.map { ": \($0)" } ?? ""
                return .unavailable("PostgreSQL connection \(psqlError.code)\(underlying)")
            default:
                return .failed("PostgreSQL \(psqlError.code)")
            }
        }
        if error is ChannelError || error is IOError || error is NIOConnectionError {
            return .unavailable("PostgreSQL connection: \(error)")
        }
        if error is DecodingError || error is PostgresDecodingError {
            return .corruptRecord("PostgreSQL row: \(error)")
        }
        return .failed("PostgreSQL: \(error)")
    }
}
