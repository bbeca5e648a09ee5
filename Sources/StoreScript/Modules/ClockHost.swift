#if canImport(Glibc)
import Glibc
#endif
import LuaKit

/// The host functions time.lua and progress.lua need: the wall clock with milliseconds, and
/// whether a progress bar may be drawn.
enum ClockHost {
    /// Pushes `{now, visible}`. [-0, +1]
    static func push(_ lua: LuaState, quiet: Bool) throws {
        try lua.newTable()
        try lua.setFunctions(-1, prefix: "time", [
            ("now", { call in
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                call.push(Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
                return 1
            }),
            ("visible", { call in
                call.push(!quiet && isatty(2) == 1)
                return 1
            }),
        ])
    }
}
