import CLua
import CLuaShim

/// A coroutine kept alive in the registry while Swift holds it.
public final class LuaThread {
    /// The coroutine's `lua_State*`.
    public let co: OpaquePointer
    let handle: LuaHandle
    let ref: Int32

    init(co: OpaquePointer, state: LuaState, ref: Int32) {
        self.co = co
        self.handle = state.handle
        self.ref = ref
    }

    deinit { handle.unref(ref) }

    /// Pushes the thread object onto the main stack. [-0, +1]
    public func push() {
        if let L = handle.L { lua_rawgeti(L, LUA_REGISTRY, lua_Integer(ref)) }
    }

    /// Makes this coroutine a task's own: only the host resumes or closes it, and it answers
    /// coroutine.running() and isyieldable() as lua5.4's main thread does.
    public func makeRoot() { shim_init_thread(co, 1) }
}

/// What a resume came to. Yielded and returned values stay on the coroutine's stack.
public enum LuaResume {
    case yielded(Int32)
    case finished(Int32)
    case failed(LuaError)
}

extension LuaState {
    /// Pops a function and makes a coroutine that will run it. [-1, +0]
    public func newThread() throws -> LuaThread {
        do { try checked(shim_newthread(L)) } catch { pop(); throw error }   // f co
        let co = lua_tothread(L, -1)!
        shim_init_thread(co, 0)
        lua_rotate(L, -2, 1)                                                  // co f
        lua_xmove(L, co, 1)                                                   // co
        let r = try ref()                                                     //
        return LuaThread(co: co, state: self, ref: r)
    }

    /// Resumes `thread` with the `nargs` values on top of its own stack.
    public func resume(_ thread: LuaThread, nargs: Int32) -> LuaResume {
        var nres: Int32 = 0
        let status = lua_resume(thread.co, L, nargs, &nres)
        switch status {
        case LUA_OK: return .finished(nres)
        case LUA_YIELD: return .yielded(nres)
        default:
            // The dead coroutine's stack still holds the frames: trace them first. Then its
            // pending to-be-closed variables are closed, as a pcall closes them for lua5.4's
            // main chunk (a __close that raises replaces the error, as there).
            let trace = status == LUA_ERRRUN ? traceback(of: thread.co) : nil
            let closed = shim_closethread(thread.co)
            var error = popError(status: closed == LUA_OK ? status : closed, on: thread.co)
            error.traceback = trace
            return .failed(error)
        }
    }

    /// Whether the value at `index` of `thread`'s stack is the token of a host yield.
    public func isHostYield(_ index: Int32, on thread: OpaquePointer) -> Bool {
        lua_type(thread, index) == LUA_TLIGHTUSERDATA && lua_touserdata(thread, index) == shim_host_token()
    }
}
