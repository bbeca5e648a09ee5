#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time as the API writes it: `2024-05-01T12:00:00+00:00`.
enum Clock {
    static func timestamp(_ seconds: Int = Int(time(nil))) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday))T\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))+00:00"
    }

    /// v2's dates: RFC 2822 (`Tue, 01 Dec 2026 06:30:00 +0000`).
    static func rfc2822(_ seconds: Int = Int(time(nil))) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) +0000"
    }

    /// Milliseconds on the monotonic clock.
    static func monotonicMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// The sandbox store's clock: wall time plus an offset a test can move forward, so that
/// certificates expire and slow work falls due without waiting.
struct SandboxClock: Sendable {
    var offsetMs: Int64 = 0

    var nowMs: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000 + offsetMs
    }

    /// Seconds since the epoch.
    var now: Int64 { nowMs / 1000 }

    /// RFC 3339 in UTC with milliseconds, as the v3 sites API writes it: `2026-12-01T09:00:00.000Z`.
    static func rfc3339(_ seconds: Int64) -> String {
        String(Clock.timestamp(Int(seconds)).dropLast(6)) + ".000Z"
    }
}
