import CLua
import CLuaShim

/// Values taken off a stack and kept in the registry until pushed again: a finished task's
/// results wait here, where no script can reach them (a coroutine's stack can be read, or
/// emptied by coroutine.close, by anyone holding the coroutine).
public final class LuaPack {
    let handle: LuaHandle
    let ref: Int32
    /// How many values.
    public let count: Int32

    init(handle: LuaHandle, ref: Int32, count: Int32) {
        self.handle = handle
        self.ref = ref
        self.count = count
    }

    deinit { handle.unref(ref) }

    /// Pushes the values onto `thread`. [-0, +count]; throws "too many values" (pushing
    /// nothing) when they do not fit.
    public func unpack(onto thread: OpaquePointer) throws -> Int32 {
        guard let L = handle.L else { throw LuaError(.runtime, "the Lua state is closed") }
        let n = shim_unpack(L, ref, thread)
        if n < 0 { throw LuaError(.runtime, "too many values (\(count) results do not fit on a Lua stack)") }
        return n
    }
}

extension LuaState {
    /// Pops the top `n` values of `thread` (not the main thread) into a pack. [-n, +0], also
    /// when it throws (no memory).
    public func pack(_ n: Int32, from thread: OpaquePointer) throws -> LuaPack {
        var r: Int32 = 0
        guard shim_pack(L, thread, n, &r) == LUA_OK else { throw LuaError(.memory, "not enough memory") }
        return LuaPack(handle: handle, ref: r, count: n)
    }

    /// Pushes an error value onto `thread` for it to raise: the value the error carries (the
    /// same object, when it came from Lua) or its message, from the reserve. [-0, +1]
    public func pushError(_ error: LuaError, on thread: OpaquePointer) {
        LuaCall.pushError(thread, error, function: "")
    }
}
