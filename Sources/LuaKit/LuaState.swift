import CLua
import CLuaShim

/// Lua's pseudo-index of the registry (a macro in lua.h).
public let LUA_REGISTRY: Int32 = shim_registryindex()

/// The Swift face of one `lua_State` and everything that belongs to it: the allocator's
/// accounting and limit, the count hook's deadline and interrupt flag.
///
/// One state lives on one thread (bridge rule 3): `LuaState` is deliberately not Sendable.
public final class LuaState {
    /// The main thread's `lua_State*`.
    public let L: OpaquePointer
    let runtime: UnsafeMutablePointer<shim_runtime>
    /// Shared with every reference into this state, which may outlive it: closing the state
    /// clears it, and a reference released later (say by a __gc during lua_close) does nothing.
    let handle: LuaHandle

    public init() throws {
        LuaFunctionBox.installTrampoline()
        runtime = .allocate(capacity: 1)
        runtime.initialize(to: shim_runtime())
        guard let L = shim_newstate(runtime, nil) else {
            runtime.deallocate()
            throw LuaError(.memory, "cannot create a Lua state: not enough memory")
        }
        self.L = L
        handle = LuaHandle(L)
        shim_set_host(L, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        handle.L = nil
        lua_close(L)
        runtime.deinitialize(count: 1)
        runtime.deallocate()
    }

    /// The `LuaState` that owns a thread, from inside a Swift function.
    public static func owning(_ L: OpaquePointer) -> LuaState {
        Unmanaged<LuaState>.fromOpaque(shim_host_of(L)!).takeUnretainedValue()
    }

    // MARK: Limits

    /// Bytes Lua may hold at once; 0 for no limit. Past it allocations fail with LUA_ERRMEM
    /// and the state stays usable.
    public var memoryLimit: Int {
        get { Int(runtime.pointee.limit) }
        set { runtime.pointee.limit = newValue > 0 ? numericCast(newValue) : 0 }
    }
    public var memoryInUse: Int { Int(runtime.pointee.used) }
    public var peakMemory: Int { Int(runtime.pointee.peak) }

    /// A CLOCK_MONOTONIC time after which running Lua code stops with a timeout error.
    public var deadline: Double? {
        get { runtime.pointee.deadline > 0 ? runtime.pointee.deadline : nil }
        set { runtime.pointee.deadline = newValue ?? 0 }
    }

    /// Seconds on the monotonic clock (the deadline's clock).
    public static func monotonicNow() -> Double { shim_monotonic() }

    /// The flag a signal handler sets to interrupt running Lua code (async-signal-safe).
    public var interruptFlag: UnsafeMutablePointer<sig_atomic_t> {
        withUnsafeMutablePointer(to: &runtime.pointee.interrupt) { UnsafeMutablePointer(mutating: $0) }
    }

    public enum Stop: Equatable { case none, interrupted, timeout }

    /// Why the count hook stopped the last run (sticky until `clearStop()`).
    public var stop: Stop {
        switch runtime.pointee.stop {
        case SHIM_STOP_INTERRUPT: .interrupted
        case SHIM_STOP_TIMEOUT: .timeout
        default: .none
        }
    }

    /// Whether the interrupt flag or the deadline asks running code to stop: the scheduler
    /// checks this while it waits, since the hook only runs while Lua code runs.
    public var stopRequested: Stop {
        if runtime.pointee.stop != 0 { return stop }
        if runtime.pointee.interrupt != 0 { return .interrupted }
        if let d = deadline, shim_monotonic() > d { return .timeout }
        return .none
    }

    /// Clears an interrupt or timeout so the state can run again (the REPL after Ctrl-C).
    public func clearStop() {
        runtime.pointee.stop = SHIM_STOP_NONE
        runtime.pointee.interrupt = 0
        lua_sethook_reset(L)
    }

    /// Routes Ctrl-C to this state's interrupt flag: the running chunk stops with an
    /// `interrupted` error at its next instruction.
    public func watchInterruptSignal() { shim_watch_sigint(runtime) }

    public var memoryFailures: UInt { runtime.pointee.memory_failures }

    // MARK: Stack

    /// The index of the top element; setting it pops or pads with nil.
    public var top: Int32 {
        get { lua_gettop(L) }
        set { lua_settop(L, newValue) }
    }

    public func pop(_ n: Int32 = 1) { shim_pop(L, n) }

    /// Ensures room for `n` more values. [-0, +0]
    public func reserve(_ n: Int32) throws {
        if lua_checkstack(L, n) == 0 { throw LuaError(.memory, "Lua stack overflow") }
    }

    // MARK: Loading

    /// Compiles text (never bytecode) into a function. [-0, +1] on success.
    public func load(_ source: [UInt8], chunkName: String) throws {
        let status = source.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
                shim_loadbuffer(L, p, buf.count, chunkName, "t")
            }
        }
        guard status == LUA_OK else { throw popError(status: status, on: L) }
    }

    public func load(_ source: String, chunkName: String) throws {
        var bytes = Array(source.utf8)
        if bytes.isEmpty { bytes = [0x20] }
        try load(bytes, chunkName: chunkName)
    }

    // MARK: Calls

    /// Calls the function below `nargs` arguments, with a traceback on error.
    /// [-(nargs+1), +nresults] on success; [-(nargs+1), +0] on error.
    public func call(nargs: Int32 = 0, nresults: Int32 = LUA_MULTRET) throws {
        let status = shim_pcall_traceback(L, nargs, nresults)
        guard status == LUA_OK else {
            var err = popError(status: status, on: L)
            if err.traceback == nil { err.traceback = takeHandlerTraceback() }
            throw err
        }
    }

    // MARK: Globals

    /// Pushes the globals table. [-0, +1]
    public func pushGlobals() {
        lua_rawgeti(L, LUA_REGISTRY, lua_Integer(LUA_RIDX_GLOBALS))
    }

    /// Pops a value into global `name` (raw: no metamethods). [-1, +0]
    public func setGlobal(_ name: String) throws {
        pushGlobals()                   // v G
        lua_rotate(L, -2, 1)            // G v
        try push(name)                  // G v k
        lua_rotate(L, -2, 1)            // G k v
        defer { pop() }                 // G
        try rawSet(-3)
    }

    /// Pushes global `name` (raw). [-0, +1]
    public func getGlobal(_ name: String) throws {
        try balanced(1) {
            pushGlobals()
            do { try push(name) } catch { pop(); throw error }
            lua_rawget(L, -2)
            lua_rotate(L, -2, 1)
            pop()
        }
    }

    /// t[k] = v for the table at `index`, with k and v on top (raw). [-2, +0]
    public func rawSet(_ index: Int32) throws {
        let status = shim_rawset(L, index)
        if status != LUA_OK { throw LuaError(.memory, "not enough memory") }
    }

    // MARK: Errors

    /// Pops the error value a failed call left on `thread`'s stack and describes it. [-1, +0]
    public func popError(status: Int32, on thread: OpaquePointer) -> LuaError {
        defer { lua_settop(thread, -2) }
        let kind: LuaError.Kind
        switch status {
        case LUA_ERRSYNTAX: kind = .syntax
        case LUA_ERRMEM: kind = .memory
        default:
            switch stop {
            case .interrupted: kind = .interrupted
            case .timeout: kind = .timeout
            case .none: kind = .runtime
            }
        }
        if lua_type(thread, -1) == LUA_TSTRING {
            return LuaError(kind, string(at: -1, on: thread) ?? "", value: nil)
        }
        var len = 0
        let text = shim_tolstring(thread, -1, &len).map { String(decoding: UnsafeRawBufferPointer(start: $0, count: len), as: UTF8.self) } ?? "?"
        lua_settop(thread, -2)
        let value = try? value(at: -1, on: thread)
        return LuaError(kind, text, value: value)
    }

    /// The traceback the message handler of `call` left in the registry.
    func takeHandlerTraceback() -> String? {
        shim_take_traceback(L)
        defer { pop() }
        return string(at: -1)
    }

    /// A traceback of a (possibly dead) coroutine. [-0, +0]
    public func traceback(of thread: OpaquePointer, level: Int32 = 0) -> String? {
        guard shim_traceback(L, thread, nil, level) == LUA_OK else { pop(); return nil }
        defer { pop() }
        return string(at: -1)
    }

    // MARK: References

    /// Pops a value into the registry and returns its reference. [-1, +0]
    public func ref() throws -> Int32 {
        var r: Int32 = 0
        guard shim_ref(L, &r) == LUA_OK else { throw LuaError(.memory, "not enough memory") }
        return r
    }

    public func pushRef(_ r: Int32) { lua_rawgeti(L, LUA_REGISTRY, lua_Integer(r)) }

    public func unref(_ r: Int32) { luaL_unref(L, LUA_REGISTRY, r) }
}

/// The state's pointer, as long as the state is open.
final class LuaHandle {
    var L: OpaquePointer?
    init(_ L: OpaquePointer) { self.L = L }

    func unref(_ r: Int32) {
        if let L { luaL_unref(L, LUA_REGISTRY, r) }
    }
}

@inline(__always) func lua_sethook_reset(_ L: OpaquePointer) {
    lua_sethook(L, lua_gethook(L), lua_gethookmask(L), 1000)
}
