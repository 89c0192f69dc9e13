import Synchronization

/// A value read or parsed the first time something needs it, and then kept, its error too.
///
/// A process for one message, as Postfix's pipe runs `process`, needs few of the keys,
/// certificates and CRLs the configuration names, and OpenSSL 3.0 parses each of them at some
/// cost (a millisecond for a key, a quarter of one for a certificate, 100 ms for a large CRL);
/// outbound mail needs no routing table, whose every name is normalised to build it.
/// Concurrent callers wait for one load.
final class LoadedOnce<Value: Sendable, Failure: Error>: Sendable {
    private let state: Mutex<State>

    private enum State {
        case pending(@Sendable () throws(Failure) -> Value)
        case loaded(Value)
        case failed(Failure)
    }

    /// A value loaded already.
    init(_ value: Value) {
        state = Mutex(.loaded(value))
    }

    /// A value that `load` makes when first asked for.
    init(loading load: @escaping @Sendable () throws(Failure) -> Value) {
        state = Mutex(.pending(load))
    }

    /// The value, loaded now if it has not been; the error of the load, every time, if it failed.
    func value() throws(Failure) -> Value {
        try state.withLock { state throws(Failure) -> Value in
            switch state {
            case .loaded(let value):
                return value
            case .failed(let error):
                throw error
            case .pending(let load):
                do throws(Failure) {
                    let value = try load()
                    state = .loaded(value)
                    return value
                } catch {
                    state = .failed(error)
                    throw error
                }
            }
        }
    }

    /// Whether the value has been loaded (for tests).
    var isLoaded: Bool {
        state.withLock { state in
            if case .loaded = state { return true }
            return false
        }
    }
}
