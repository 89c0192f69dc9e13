import NIOConcurrencyHelpers
import NIOCore

/// What became of a message handed to a connection to the next hop.
enum ConnectionOutcome: Sendable {
    /// The conversation ended with the next hop's answer.
    case delivered(DeliveryResult)
    /// The conversation broke off (connecting, a timeout, a closed connection ...).
    case failed(any Error)
    /// A kept connection had been closed before the next hop took the MAIL command: nothing
    /// was delivered.
    case stale
}

/// Thrown by a conversation on a kept connection that the next hop has closed or is closing.
struct StaleConnection: Error {}

/// The SMTP client's connections to the next hop, and those of them that wait, idle, for another
/// message: its connection cache. The connection that became idle last gets the next message, so
/// that under light load the others reach their time limit and close.
final class IdleConnections: @unchecked Sendable {
    /// A message for a connection, and where its outcome goes (exactly once).
    struct Job: Sendable {
        let message: OutboundMessage
        let reply: CheckedContinuation<ConnectionOutcome, Never>
    }

    /// What an idle connection is told to do next.
    enum Instruction: Sendable {
        case deliver(Job)
        /// End the session.
        case close
    }

    private struct Waiting {
        let resume: CheckedContinuation<Instruction, Never>
        let expiry: Scheduled<Void>
    }

    private let lock = NIOLock()
    private var waiting: [Int: Waiting] = [:]
    /// Identifiers of the waiting connections, the one idle longest first.
    private var order: [Int] = []
    private var lastID = 0
    /// Connections being opened, in a conversation or waiting.
    private var connections = 0
    /// While ``closeAll()`` runs, connections that finish a message close instead of waiting.
    private var closing = false
    private var drained: [CheckedContinuation<Void, Never>] = []

    /// Hands `message` to the connection that became idle last (unless `reuse` is false) or,
    /// when none waits, to a new connection that `open` starts with the job; that connection
    /// reports its end with ``connectionEnded()``.
    func deliver(_ message: OutboundMessage, reuse: Bool = true, open: (Job) -> Void) async -> ConnectionOutcome {
        await withCheckedContinuation { reply in
            let job = Job(message: message, reply: reply)
            let idle = lock.withLock { () -> Waiting? in
                if let idle = reuse ? order.popLast().flatMap({ waiting.removeValue(forKey: $0) }) : nil { return idle }
                connections += 1
                return nil
            }
            if let idle {
                idle.expiry.cancel()
                idle.resume.resume(returning: .deliver(job))
            } else {
                open(job)
            }
        }
    }

    /// Waits, as an idle connection, for another message; after `limit` the answer is to close.
    /// `waiting` runs once the connection can be given a message: a sender that hands over
    /// its next message as soon as the previous one is answered then finds it.
    func waitForMessage(on eventLoop: any EventLoop, upTo limit: TimeAmount, waiting whenWaiting: () -> Void) async -> Instruction {
        await withCheckedContinuation { resume in
            let closingNow = lock.withLock {
                if closing { return true }
                lastID += 1
                let id = lastID
                let expiry = eventLoop.scheduleTask(in: limit) { [self] in
                    if let expired = remove(id) { expired.resume.resume(returning: .close) }
                }
                waiting[id] = Waiting(resume: resume, expiry: expiry)
                order.append(id)
                return false
            }
            whenWaiting()
            if closingNow { resume.resume(returning: .close) }
        }
    }

    /// Called once by every connection that ``deliver(_:reuse:open:)`` opened, when it is closed.
    func connectionEnded() {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            connections -= 1
            guard connections == 0 else { return [] }
            defer { drained = [] }
            return drained
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Tells every connection to end its session (a busy one after its message), and returns
    /// when all of them are closed.
    func closeAll() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let (idle, none) = lock.withLock { () -> ([Waiting], Bool) in
                closing = true
                let entries = order.compactMap { waiting[$0] }
                waiting = [:]
                order = []
                if connections > 0 { drained.append(done) }
                return (entries, connections == 0)
            }
            for entry in idle {
                entry.expiry.cancel()
                entry.resume.resume(returning: .close)
            }
            if none { done.resume() }
        }
        lock.withLock { closing = false }
    }

    private func remove(_ id: Int) -> Waiting? {
        lock.withLock {
            guard let entry = waiting.removeValue(forKey: id) else { return nil }
            order.removeAll { $0 == id }
            return entry
        }
    }
}
