#if canImport(Glibc)
import Glibc
#endif

/// Where work finished on other threads (HTTP event loops) is posted for the Lua thread.
/// The Lua thread sleeps on it until a post arrives or a timer is due.
///
/// `@unchecked Sendable`: every access to `items` holds `mutex`; the condition variable is
/// only waited on with it held.
final class Mailbox<Item: Sendable>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var items: [Item] = []

    init() {
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    func post(_ item: Item) {
        pthread_mutex_lock(&mutex)
        items.append(item)
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    /// Takes everything posted, waiting until `deadline` (CLOCK_MONOTONIC seconds) when
    /// nothing is there yet.
    func take(waitingUntil deadline: Double?) -> [Item] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if items.isEmpty, let deadline {
            var ts = timespec()
            ts.tv_sec = Int(deadline)
            ts.tv_nsec = Int((deadline - Double(Int(deadline))) * 1e9)
            _ = pthread_cond_timedwait(&cond, &mutex, &ts)
        }
        let taken = items
        items.removeAll(keepingCapacity: true)
        return taken
    }
}
