import CLua
import CLuaShim

/// A Swift function callable from Lua. It reads its arguments through `LuaCall`, pushes its
/// results and returns how many, or returns `LuaCall.suspend` after arranging to be resumed.
/// It throws to raise a Lua error; it never calls lua_error or lua_yield itself.
public typealias LuaFunction = (LuaCall) throws -> Int32

/// The heap box a Lua closure holds (as a userdata upvalue) for one Swift function.
final class LuaFunctionBox {
    let name: String
    let body: LuaFunction

    init(name: String, body: @escaping LuaFunction) {
        self.name = name
        self.body = body
    }

    nonisolated(unsafe) private static var installed = false

    /// Hands the dispatch and release entry points to CLuaShim. Called from `LuaState.init`,
    /// which like every Lua call runs on the Lua thread; repeated calls are harmless.
    static func installTrampoline() {
        if installed { return }
        installed = true
        shim_install(dispatch, release)
    }
}

/// Called by the C trampoline for every call of a Swift function: no Lua error escapes it.
private let dispatch: shim_dispatch_fn = { L, box in
    // The closure's upvalue keeps the box alive for the call: no retain needed.
    Unmanaged<LuaFunctionBox>.fromOpaque(box!)._withUnsafeGuaranteedRef { invoke($0, L!) }
}

@inline(__always)
private func invoke(_ fn: LuaFunctionBox, _ L: OpaquePointer) -> Int32 {
    do {
        let n = try fn.body(LuaCall(L: L, box: fn))
        assert(n < 0 || n <= lua_gettop(L), "\(fn.name) returned \(n) results with \(lua_gettop(L)) on the stack")
        return n
    } catch let error as LuaError {
        LuaCall.pushError(L, error, function: fn.name)
        return SHIM_RAISE
    } catch {
        LuaCall.pushError(L, LuaError(.runtime, "\(fn.name): \(error)"), function: fn.name)
        return SHIM_RAISE
    }
}

private let release: shim_release_fn = { box in
    Unmanaged<LuaFunctionBox>.fromOpaque(box!).release()
}

extension LuaState {
    /// Pushes a Swift function as a Lua function. `name` is how argument errors name it
    /// (`async.sleep`). [-0, +1]
    public func push(function name: String, _ body: @escaping LuaFunction) throws {
        let box = Unmanaged.passRetained(LuaFunctionBox(name: name, body: body))
        let status = shim_pushswiftfunction(L, box.toOpaque())
        if status != LUA_OK {
            box.release()
            throw LuaError(.memory, "not enough memory")
        }
    }

    /// Sets `fields` of the table at `index` to Swift functions named `prefix.field`. [-0, +0]
    public func setFunctions(_ index: Int32, prefix: String, _ fields: [(String, LuaFunction)]) throws {
        let t = lua_absindex(L, index)
        for (name, body) in fields {
            try push(function: prefix.isEmpty ? name : "\(prefix).\(name)", body)
            try rawSet(t, field: name)
        }
    }
}

/// One call of a Swift function: its arguments and where its results go.
public struct LuaCall {
    /// The calling coroutine.
    public let L: OpaquePointer
    unowned(unsafe) let box: LuaFunctionBox

    /// The name errors use, e.g. `async.sleep`.
    public var name: String { box.name }
    public var state: LuaState { LuaState.owning(L) }
    /// The number of arguments.
    public var count: Int32 { lua_gettop(L) }

    /// Returned by a Swift function that arranged for its coroutine to be resumed later.
    public static let suspend: Int32 = SHIM_YIELD

    /// Whether the calling coroutine can yield here (not inside a C boundary).
    public var canSuspend: Bool { lua_isyieldable(L) != 0 }

    // MARK: Arguments

    public func type(_ i: Int32) -> Int32 { lua_type(L, i) }
    public func isNoneOrNil(_ i: Int32) -> Bool { shim_isnoneornil(L, i) != 0 }

    public func typeName(_ i: Int32) -> String {
        lua_type(L, i) == LUA_TNONE ? "no value" : String(cString: lua_typename(L, lua_type(L, i)))
    }

    public func argumentError(_ i: Int32, _ param: String, expected: String) -> LuaError {
        LuaError.argument(name, i, param, expected: expected, got: typeName(i))
    }

    /// An integer argument; like luaL_checkinteger, a float with an exact integer value and a
    /// numeric string are accepted.
    @inline(__always)
    public func integer(_ i: Int32, _ param: String) throws -> Int64 {
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        guard ok != 0 else { throw argumentError(i, param, expected: "integer") }
        return v
    }

    public func number(_ i: Int32, _ param: String) throws -> Double {
        guard lua_type(L, i) == LUA_TNUMBER else { throw argumentError(i, param, expected: "number") }
        return lua_tonumberx(L, i, nil)
    }

    public func optionalNumber(_ i: Int32, _ param: String) throws -> Double? {
        isNoneOrNil(i) ? nil : try number(i, param)
    }

    public func string(_ i: Int32, _ param: String) throws -> String {
        guard lua_type(L, i) == LUA_TSTRING else { throw argumentError(i, param, expected: "string") }
        return state.string(at: i, on: L)!
    }

    public func optionalString(_ i: Int32, _ param: String) throws -> String? {
        isNoneOrNil(i) ? nil : try string(i, param)
    }

    /// A string argument's bytes as Lua has them (NULs and invalid UTF-8 kept).
    public func bytes(_ i: Int32, _ param: String) throws -> [UInt8] {
        guard lua_type(L, i) == LUA_TSTRING else { throw argumentError(i, param, expected: "string") }
        return state.bytes(at: i, on: L) ?? []
    }

    public func function(_ i: Int32, _ param: String) throws {
        guard lua_type(L, i) == LUA_TFUNCTION else { throw argumentError(i, param, expected: "function") }
    }

    public func table(_ i: Int32, _ param: String) throws {
        guard lua_type(L, i) == LUA_TTABLE else { throw argumentError(i, param, expected: "table") }
    }

    /// The argument copied into Swift.
    public func value(_ i: Int32) throws -> LuaValue {
        try state.value(at: i, on: L)
    }

    // MARK: Results

    public func push(_ v: LuaValue) throws { try withState { try $0.push(v) } }
    public func push(_ s: String) throws { try withState { try $0.push(s) } }
    public func push(_ i: Int64) { lua_pushinteger(L, i) }
    public func push(_ d: Double) { lua_pushnumber(L, d) }
    public func push(_ b: Bool) { lua_pushboolean(L, b ? 1 : 0) }
    public func pushNil() { lua_pushnil(L) }
    public func push(bytes: [UInt8]) throws { try withState { try $0.push(bytes: bytes) } }

    /// Runs `body` with the state's push helpers aimed at this coroutine's stack.
    private func withState(_ body: (LuaState) throws -> Void) throws {
        let s = state
        if L == s.L { return try body(s) }
        // Push on the main thread, then move the value over: xmove never raises.
        try s.reserve(1, on: L)
        try body(s)
        lua_xmove(s.L, L, 1)
    }

    /// `file:line: ` of the code that called the function raising, as luaL_where(L, 1) gives it,
    /// but past the runtime's own Lua (chunks named `[storescript.*]`, and the C functions they
    /// call through): an error names the script's line, never the runtime's. Nil where Lua
    /// would give no position (a C caller, the runtime with no script above it).
    static func userPosition(_ L: OpaquePointer) -> String? {
        var ar = lua_Debug()
        var level: Int32 = 1
        var insideRuntime = false
        while lua_getstack(L, level, &ar) != 0, lua_getinfo(L, "Sl", &ar) != 0 {
            let src = withUnsafeBytes(of: ar.short_src) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if src.hasPrefix("[storescript.") {
                insideRuntime = true
            } else if ar.currentline > 0 {
                return "\(src):\(ar.currentline): "
            } else if !insideRuntime {
                return nil
            }
            level += 1
        }
        return nil
    }

    /// Pushes an error value for the trampoline to raise. [-0, +1]
    static func pushError(_ L: OpaquePointer, _ error: LuaError, function: String) {
        if let value = error.value {
            let s = LuaState.owning(L)
            let before = lua_gettop(s.L)
            if lua_checkstack(L, 1) != 0, (try? s.push(value)) != nil {
                if s.L != L { lua_xmove(s.L, L, 1) }
                return
            }
            lua_settop(s.L, before)
        }
        var message = error.message
        // A memory error reads as Lua's own (no position), so it is known for one at the top.
        if error.kind == .memory && message == "not enough memory" {
            shim_pushstring_reserved(L, message, message.utf8.count)
            return
        }
        // Like luaL_error: the caller's position first, so the user sees their line.
        if let position = userPosition(L) { message = position + message }
        let length = message.utf8.count
        message.withCString { shim_pushstring_reserved(L, $0, length) }
    }
}
