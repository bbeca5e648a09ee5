import CLua
import LuaKit

/// The Swift half of `async`: the functions that suspend. The Lua half (spawn handles,
/// `all`, `map`) is in the bootstrap.
enum AsyncHost {
    /// Pushes the table of host functions the bootstrap receives. [-0, +1]
    static func push(_ lua: LuaState, scheduler: Scheduler) throws {
        try lua.newTable()
        try lua.setFunctions(-1, prefix: "async", [
            ("sleep", { [unowned scheduler] call in
                let seconds = try call.number(1, "seconds")
                guard seconds.isFinite, seconds >= 0 else {
                    throw LuaError(.argument, "\(call.name): argument #1 (seconds) expected a non-negative number, got \(seconds)")
                }
                return try scheduler.suspend(call) { wakeup in scheduler.after(seconds, wakeup) }
            }),
            ("spawn", { [unowned scheduler] call in
                try call.function(1, "fn")
                let main = call.state.L
                let n = call.count
                try call.state.move(n, from: call.L, to: main)
                let task = try scheduler.spawn(nargs: n - 1)
                call.push(Int64(task.id))
                // The handle's join function holds the task, so a finished task lives as
                // long as someone can still wait for it.
                try call.state.push(function: "async.wait") { [unowned scheduler] call in
                    try scheduler.wait(for: task, call)
                }
                lua_xmove(main, call.L, 1)
                return 2
            }),
        ])
    }
}
