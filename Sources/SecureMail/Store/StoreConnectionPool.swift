import SQLKit

/// A database connection the pool can hand out.
protocol StoreConnection: Sendable {
    /// The connection seen through SQLKit.
    var database: any SQLDatabase { get }
    /// Whether the connection is gone (closed by us, or by the server going away).
    var isClosed: Bool { get }
    /// Closes the connection; errors while closing are of no use to anyone and are dropped.
    func close() async
}

/// Hands out exclusive connections, opening new ones on demand up to a limit and dropping the ones
/// the server closed, so that the store recovers after a database restart on the next use.
///
/// A lease is exclusive so that a transaction's statements never interleave with another task's.
actor StoreConnectionPool<Connection: StoreConnection> {
    private let capacity: Int
    private let connect: @Sendable () async throws -> Connection
    private var idle: [Connection] = []
    /// Connections that exist or are being opened: idle, leased, or connecting.
    private var count = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isShutDown = false

    init(capacity: Int, connect: @escaping @Sendable () async throws -> Connection) {
        self.capacity = max(1, capacity)
        self.connect = connect
    }

    /// An exclusive connection; give it back with ``release(_:)``.
    /// - Throws: ``StoreError/closed`` after shutdown, or what opening a connection threw.
    func acquire() async throws -> Connection {
        while true {
            guard !isShutDown else { throw StoreError.closed }
            while let connection = idle.popLast() {
                if !connection.isClosed { return connection }
                count -= 1
            }
            if count < capacity {
                count += 1
                do {
                    return try await connect()
                } catch {
                    count -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// Takes a connection back; closed ones are forgotten.
    func release(_ connection: Connection) async {
        if isShutDown || connection.isClosed {
            count -= 1
            await connection.close()
        } else {
            idle.append(connection)
        }
        wakeOne()
    }

    /// Closes and forgets a connection whose state is unknown (after a timeout or a lost server).
    func discard(_ connection: Connection) async {
        count -= 1
        await connection.close()
        wakeOne()
    }

    /// Closes idle connections now and leased ones when they come back; later acquires fail.
    func shutdown() async {
        isShutDown = true
        let closing = idle
        idle = []
        count -= closing.count
        for connection in closing { await connection.close() }
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
    }

    private func wakeOne() {
        guard !waiters.isEmpty else { return }
        waiters.removeFirst().resume()
    }
}
