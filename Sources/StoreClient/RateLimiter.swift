import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Uses the whole rate-limit budget of one store and never more. Every request of every task
/// takes a slot first; the `X-Rate-Limit-*` headers of each answer say what is left and when
/// the window resets. Out of slots, callers wait for the reset instead of drawing 429s.
///
/// A lock and callbacks rather than an actor: a slot is granted on the caller's thread when
/// one is free, and waiters are let go from the thread that delivers an answer or from a timer
/// on the event loop, so no request pays a hop through the task pool.
public final class RateLimiter: Sendable {
    private struct State {
        var left: Int?
        var quota: Int?
        var windowLength: Double?
        /// When the current window ends, as the latest answers of that window say.
        var resetAt: Double = 0
        /// Answers whose window ended by then belong to a window already over: ignored.
        var staleBefore = -Double.infinity
        var reserved = 0
        /// The server sends no rate-limit headers (an unlimited plan, a proxy, the sandbox with
        /// limits off): nothing to pace until a header says otherwise.
        var unlimited = false
        var waiters: [@Sendable () -> Void] = []
        var waiterHead = 0
        var timerArmed = false

        /// How far apart two answers' resets may be and still describe the same window.
        var tolerance: Double { min(0.25, (windowLength ?? 1) / 4) }

        /// Takes a slot if one is free now.
        mutating func take(_ now: Double) -> Bool {
            // A little past the reset the server saw, so the new window has surely begun there.
            if now >= resetAt + RateLimiter.margin, let l = left, l < (quota ?? .max) {
                // The window has turned over: the budget is whole again until an answer says
                // otherwise (unknown again if no answer ever told the quota: a 429 from a
                // proxy), and late answers from the old window no longer count.
                left = quota
                staleBefore = resetAt + tolerance
            }
            if unlimited {
                reserved += 1
                return true
            }
            guard let known = left else {
                // Nothing known yet: one request goes and learns the quota; the rest wait for it.
                if reserved == 0 { reserved = 1; return true }
                return false
            }
            if known - reserved > 0 {
                reserved += 1
                return true
            }
            return false
        }

        /// Seconds until a waiter may have a slot (polls while the first answer is awaited).
        func wait(_ now: Double) -> Double {
            left == nil ? 0.01 : max(resetAt + RateLimiter.margin - now, 0.005)
        }
    }

    private let state = NIOLockedValueBox(State())
    private let loop: any EventLoop

    public init(loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) {
        self.loop = loop
    }

    /// Calls `proceed` when a request may go: at once (on this thread) when a slot is free.
    public func acquire(_ proceed: @escaping @Sendable () -> Void) {
        let now = RateLimiter.now()
        let granted = state.withLockedValue { s in
            if s.waiterHead == s.waiters.count, s.take(now) { return true }
            s.waiters.append(proceed)
            return false
        }
        if granted { proceed() } else { arm() }
    }

    /// Feeds an answer's headers back and returns the slot `acquire` took. Answers arrive out
    /// of order: within one window the budget left only shrinks, and an answer from a window
    /// that is over changes nothing.
    public func update(headers: [(String, String)], status: Int) {
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
        let now = RateLimiter.now()
        state.withLockedValue { s in
            s.reserved = max(s.reserved - 1, 0)
            if let q = header("x-rate-limit-requests-quota").flatMap({ Int($0) }) { s.quota = q }
            if let w = header("x-rate-limit-time-window-ms").flatMap({ Double($0) }) { s.windowLength = w / 1000 }
            let answerLeft = status == 429 ? 0 : header("x-rate-limit-requests-left").flatMap { Int($0) }
            if let ms = header("x-rate-limit-time-reset-ms").flatMap({ Double($0) }) {
                // The server counted the request before the answer travelled: a reset measured
                // from the arrival is never early.
                let answerReset = now + ms / 1000
                if answerReset <= s.staleBefore || answerReset < s.resetAt - s.tolerance {
                    // From a window that is over.
                } else if answerReset <= s.resetAt + s.tolerance {
                    if let l = answerLeft { s.left = min(s.left ?? l, l) }
                    s.resetAt = max(s.resetAt, answerReset)
                } else {
                    if let l = answerLeft { s.left = l }
                    s.resetAt = answerReset
                }
            } else if let l = answerLeft {
                s.left = l
            }
            if header("x-rate-limit-requests-left") != nil {
                s.unlimited = false
            } else if (200..<300).contains(status) {
                s.unlimited = true
                s.left = nil
            }
            if status == 429 {
                // An API that sends no budget headers (DigiCert) is limited until its wait is over.
                s.unlimited = false
                s.left = 0
                // A storm can outlast the window: the API's own wait wins over the window's reset.
                // BigCommerce says X-Retry-After; DigiCert (and HTTP) Retry-After.
                if let secs = (header("x-retry-after") ?? header("retry-after")).flatMap({ Double($0) }) {
                    s.resetAt = max(s.resetAt, now + secs)
                }
                if s.resetAt <= now { s.resetAt = now + 1 } // no hint at all: back off a second
            }
        }
        drain()
    }

    /// Gives back a slot whose request never got an answer.
    public func release() {
        state.withLockedValue { $0.reserved = max($0.reserved - 1, 0) }
        drain()
    }

    /// Lets go the waiters that may proceed now, in order; arms the timer for the rest.
    private func drain() {
        let now = RateLimiter.now()
        let runnable: [@Sendable () -> Void] = state.withLockedValue { s in
            var out: [@Sendable () -> Void] = []
            while s.waiterHead < s.waiters.count, s.take(now) {
                out.append(s.waiters[s.waiterHead])
                s.waiterHead += 1
            }
            if s.waiterHead == s.waiters.count {
                s.waiters.removeAll(keepingCapacity: true)
                s.waiterHead = 0
            }
            return out
        }
        for proceed in runnable { proceed() }
        arm()
    }

    private func arm() {
        let delay: Double? = state.withLockedValue { s in
            guard !s.timerArmed, s.waiterHead < s.waiters.count else { return nil }
            s.timerArmed = true
            return s.wait(RateLimiter.now())
        }
        guard let delay else { return }
        loop.scheduleTask(in: .microseconds(Int64(delay * 1_000_000))) { [self] in
            state.withLockedValue { $0.timerArmed = false }
            drain()
        }
    }

    static let margin = 0.03

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

#if canImport(Glibc)
import Glibc
#endif
