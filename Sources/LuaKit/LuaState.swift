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
        runtime.pointee.host = Unmanaged.passUnretained(self).toOpaque()
    }

    /// Closes the state now: finalizers run (their errors become warnings), and a Swift
    /// function a finalizer calls answers "function no longer available". Everything the
    /// functions' closures capture must still be alive: call this before releasing it.
    /// Idempotent; deinit closes a state nobody closed.
    public func close() {
        guard handle.L != nil else { return }
        handle.L = nil
        shim_close(L)
    }

    public var isClosed: Bool { handle.L == nil }

    /// What `os.exit` does before the process ends: given the script's status, returns the
    /// status to exit with (a plan run prints its plan here). It must not touch the state.
    public var beforeExit: ((Int32) -> Int32)? {
        didSet { runtime.pointee.before_exit = beforeExit == nil ? nil : { L, status in
            LuaState.owning(L!).beforeExit?(status) ?? status
        } }
    }

    deinit {
        close()
        runtime.deinitialize(count: 1)
        runtime.deallocate()
    }

    /// The `LuaState` that owns a thread, from inside a Swift function.
    public static func owning(_ L: OpaquePointer) -> LuaState {
        Unmanaged<LuaState>.fromOpaque(shim_host_of(L)!).takeUnretainedValue()
    }

    // MARK: Limits

    /// Bytes Lua may hold at once; 0 for no limit. Past it allocations fail with LUA_ERRMEM
    /// and the state stays usable. A small part of the limit is kept for error messages, so
    /// that reporting an error never needs memory past it.
    public var memoryLimit: Int {
        get { Int(runtime.pointee.limit) }
        set { shim_set_limit(runtime, newValue > 0 ? numericCast(newValue) : 0) }
    }

    /// Bytes Lua may still allocate before the memory limit; nil without a limit. Swift
    /// code refuses to copy a value larger than this (a request body, an answer): what the
    /// script could not hold, the runtime does not hold for it either.
    public var memoryRoom: Int? { memoryLimit == 0 ? nil : Int(shim_room(runtime)) }

    /// Tests: the `n`th allocation from now fails, and so does Lua's retry of it after an
    /// emergency collection, as a real out-of-memory would.
    public func failAllocation(after n: Int) { runtime.pointee.fail_at = n }

    /// Lua's warnings (`warn`, errors in finalizers): on or off, as text or JSON lines.
    public func setWarnings(on: Bool, json: Bool) { shim_set_warnings(runtime, on ? 1 : 0, json ? 1 : 0) }
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

    public enum Stop: Equatable { case none, interrupted, timeout, terminated }

    /// Why the count hook stopped the last run (sticky until `clearStop()`).
    public var stop: Stop {
        switch runtime.pointee.stop {
        case SHIM_STOP_INTERRUPT: .interrupted
        case SHIM_STOP_TIMEOUT: .timeout
        case SHIM_STOP_TERMINATE: .terminated
        default: .none
        }
    }

    /// Whether a signal or the deadline asks running code to stop: the scheduler checks this
    /// while it waits, since the hook only runs while Lua code runs.
    public var stopRequested: Stop {
        if runtime.pointee.stop != 0 { return stop }
        if runtime.pointee.terminate != 0 { return .terminated }
        if runtime.pointee.interrupt != 0 { return .interrupted }
        if let d = deadline, shim_monotonic() > d { return .timeout }
        return .none
    }

    /// Clears an interrupt or timeout so the state can run again (the REPL after Ctrl-C).
    /// A termination (SIGTERM) is never cleared. The threads a stop made raise at every
    /// instruction go back to the usual period by themselves (hook.c).
    public func clearStop() {
        runtime.pointee.stop = runtime.pointee.terminate != 0 ? SHIM_STOP_TERMINATE : SHIM_STOP_NONE
        runtime.pointee.interrupt = 0
    }

    public var memoryFailures: UInt { runtime.pointee.memory_failures }

    // MARK: Stack

    /// The index of the top element; setting it pops or pads with nil.
    public var top: Int32 {
        get { lua_gettop(L) }
        set { lua_settop(L, newValue) }
    }

    public func pop(_ n: Int32 = 1) { shim_pop(L, n) }

    /// Ensures room for `n` more values on `thread` (the main thread by default): every
    /// push of a number of values not fixed in the code goes through here. Debian's liblua
    /// is built without API checks, so nothing else would catch an overflow. [-0, +0]
    public func reserve(_ n: Int32, on thread: OpaquePointer? = nil) throws {
        if n < 0 || lua_checkstack(thread ?? L, n) == 0 {
            throw LuaError(.runtime, "too many values (\(n) do not fit on a Lua stack)")
        }
    }

    /// Moves `n` values from the top of `from` to the top of `to`, checking room. [-n, +n]
    public func move(_ n: Int32, from: OpaquePointer, to: OpaquePointer) throws {
        if from == to || n == 0 { return }
        try reserve(n, on: to)
        lua_xmove(from, to, n)
    }

    // MARK: Loading

    /// Compiles a script file (nil: standard input) as text, reading it as a stream. [-0, +1]
    /// on success. Throws `.file` for a file that cannot be read or a precompiled chunk.
    public func loadScript(path: String?, chunkName: String) throws {
        let status = shim_loadscript(L, path, chunkName)
        switch status {
        case LUA_OK: return
        case SHIM_LOAD_BINARY:
            pop()
            throw LuaError(.file, "\(path ?? "standard input") is a precompiled Lua chunk; storescript runs source text only")
        case SHIM_LOAD_OPEN:
            let message = string(at: -1) ?? "cannot read \(path ?? "standard input")"
            pop()
            throw LuaError(.file, message)
        default: throw popError(status: status, on: L)
        }
    }

    /// Compiles text (never bytecode) into a function. [-0, +1] on success.
    /// Compiles source text and pushes the chunk on `thread` (default: the main thread). [-0, +1]
    public func load(_ source: [UInt8], chunkName: String, on thread: OpaquePointer? = nil) throws {
        let t = thread ?? L
        let status = source.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
                shim_loadbuffer(t, p, buf.count, chunkName, "t")
            }
        }
        guard status == LUA_OK else { throw popError(status: status, on: t) }
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

    /// Pops the error value a failed call left on `thread`'s stack and describes it: its
    /// message as lua.c's message handler makes it, and, when it is not a string, the value
    /// itself by reference (so raising it again raises the same object). [-1, +0]
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
            case .terminated: kind = .terminated
            case .none: kind = isMemoryError(-1, on: thread) ? .memory : .runtime
            }
        }
        if lua_type(thread, -1) == LUA_TSTRING {
            var error = LuaError(kind, string(at: -1, on: thread) ?? "", value: nil)
            error.messageBytes = bytes(at: -1, on: thread)
            return error
        }
        let message = describeError(at: -1, on: thread)
        let value: LuaValue? = lua_type(thread, -1) == LUA_TNUMBER ? .string(LuaString(message)) : try? reference(at: -1, on: thread)
        return LuaError(kind, message, value: value)
    }

    /// What lua.c prints for an error value that is not a string: a number as it reads, else
    /// its __tostring's answer, else `(error object is a X value)`. It runs on the main
    /// thread (`thread` may be a dead coroutine), protected.
    func describeError(at index: Int32, on thread: OpaquePointer) -> String {
        let fallback = "(error object is a \(typeName(at: index, on: thread)) value)"
        let before = lua_gettop(L)
        defer { lua_settop(L, before) }
        guard lua_checkstack(L, 4) != 0, lua_checkstack(thread, 1) != 0 else { return fallback }
        lua_pushvalue(thread, index)
        if thread != L { lua_xmove(thread, L, 1) }
        var len = 0
        guard let p = shim_describe_error(L, -1, &len) else { return fallback }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    /// Whether the value at `index` is the memory error re-raised (through a task's wait, a
    /// coroutine): Lua's own message, after the allocator refused memory.
    func isMemoryError(_ index: Int32, on thread: OpaquePointer) -> Bool {
        runtime.pointee.memory_failures > 0 && lua_type(thread, index) == LUA_TSTRING
            && string(at: index, on: thread) == "not enough memory"
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

/// The state's pointer, as long as the state is open: the one owner every registry
/// reference goes through, so a reference released after the state closed does nothing.
final class LuaHandle {
    var L: OpaquePointer?
    init(_ L: OpaquePointer) { self.L = L }

    func unref(_ r: Int32) {
        if let L { luaL_unref(L, LUA_REGISTRY, r) }
    }
}

