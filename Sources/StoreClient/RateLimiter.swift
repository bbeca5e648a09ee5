/// Uses the whole rate-limit budget of one store and never more. Every request of every task
/// takes a slot first; the `X-Rate-Limit-*` headers of each answer say what is left and when
/// the window resets. Out of slots, callers wait for the reset instead of drawing 429s.
public actor RateLimiter {
    private var left: Int?
    private var quota: Int?
    private var windowLength: Double?
    /// When the current window ends, as the latest answers of that window say.
    private var resetAt: Double = 0
    /// Answers whose window ended by then belong to a window already over: ignored.
    private var staleBefore = -Double.infinity
    private var reserved = 0

    public init() {}

    /// Waits until a request may go.
    public func acquire() async {
        while true {
            let now = RateLimiter.now()
            // A little past the reset the server saw, so the new window has surely begun there.
            if now >= resetAt + RateLimiter.margin, let quota, let l = left, l < quota {
                // The window has turned over: the budget is whole again until an answer says
                // otherwise, and late answers from the old window no longer count.
                left = quota
                staleBefore = resetAt + tolerance
            }
            guard let known = left else {
                // Nothing known yet: one request goes and learns the quota; the rest wait for it.
                if reserved == 0 { reserved = 1; return }
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            if known - reserved > 0 {
                reserved += 1
                return
            }
            let wait = max(resetAt + RateLimiter.margin - now, 0.01)
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }

    /// Feeds an answer's headers back and returns the slot `acquire` took. Answers arrive out
    /// of order: within one window the budget left only shrinks, and an answer from a window
    /// that is over changes nothing.
    public func update(headers: [(String, String)], status: Int) {
        reserved = max(reserved - 1, 0)
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
        let now = RateLimiter.now()
        if let q = header("x-rate-limit-requests-quota").flatMap({ Int($0) }) { quota = q }
        if let w = header("x-rate-limit-time-window-ms").flatMap({ Double($0) }) { windowLength = w / 1000 }
        let answerLeft = status == 429 ? 0 : header("x-rate-limit-requests-left").flatMap { Int($0) }
        if let ms = header("x-rate-limit-time-reset-ms").flatMap({ Double($0) }) {
            // The server counted the request before the answer travelled: a reset measured from
            // the arrival is never early.
            let answerReset = now + ms / 1000
            if answerReset <= staleBefore || answerReset < resetAt - tolerance {
                return
            } else if answerReset <= resetAt + tolerance {
                if let l = answerLeft { left = min(left ?? l, l) }
                resetAt = max(resetAt, answerReset)
            } else {
                if let l = answerLeft { left = l }
                resetAt = answerReset
            }
        } else if let l = answerLeft {
            left = l
        }
        if status == 429 {
            left = 0
            if header("x-rate-limit-time-reset-ms") == nil, let s = header("x-retry-after").flatMap({ Double($0) }) {
                resetAt = max(resetAt, now + s)
            }
            if resetAt <= now { resetAt = now + 1 } // no hint at all: back off a second
        }
    }

    /// Gives back a slot whose request never got an answer.
    public func release() { reserved = max(reserved - 1, 0) }

    /// How far apart two answers' resets may be and still describe the same window.
    private var tolerance: Double { min(0.25, (windowLength ?? 1) / 4) }

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
