import Dispatch
import Synchronization

/// Async work waited for by a thread that is not the task pool's (the Lua thread, a command's
/// main): the work runs as a detached task, the caller blocks until it ends. Used where Lua
/// must not go on before the result (a server listening, a plan applied).
enum Blocking {
    static func wait<T: Sendable, E: Error>(_ work: @escaping @Sendable () async throws(E) -> T) throws(E) -> T {
        let result = Mutex<Result<T, E>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let outcome: Result<T, E>
            do throws(E) { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
