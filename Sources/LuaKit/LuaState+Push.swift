import CLua
import CLuaShim

/// Swift → Lua. Every push is safe under a memory limit: allocating pushes go through the
/// protected forms in CLuaShim and a failure throws `LuaError(.memory)` with the stack as it was.
extension LuaState {
    @inline(__always) func checked(_ status: Int32) throws {
        if status != LUA_OK { throw LuaError(.memory, "not enough memory") }
    }

    /// [-0, +1]
    public func pushNil() { lua_pushnil(L) }
    /// [-0, +1]
    public func push(_ b: Bool) { lua_pushboolean(L, b ? 1 : 0) }
    /// [-0, +1]
    public func push(_ i: Int64) { lua_pushinteger(L, i) }
    /// [-0, +1]
    public func push(_ i: Int) { lua_pushinteger(L, lua_Integer(i)) }
    /// [-0, +1]
    public func push(_ d: Double) { lua_pushnumber(L, d) }

    /// [-0, +1]
    public func push(_ s: String) throws {
        var s = s
        try s.withUTF8 { buf in try pushBytes(UnsafeRawBufferPointer(buf)) }
    }

    /// [-0, +1]
    public func push(bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try pushBytes($0) }
    }

    /// [-0, +1]
    public func pushBytes(_ buf: UnsafeRawBufferPointer) throws {
        let base = buf.baseAddress?.assumingMemoryBound(to: CChar.self)
        if let base {
            try checked(shim_pushlstring(L, base, buf.count))
        } else {
            try checked("".withCString { shim_pushlstring(L, $0, 0) })
        }
    }

    /// A new empty table. [-0, +1]
    public func newTable(arrayCapacity: Int = 0, fieldCapacity: Int = 0) throws {
        try checked(shim_createtable(L, Int32(clamping: arrayCapacity), Int32(clamping: fieldCapacity)))
    }

    /// t[n] = v for the table at `index` with v on top (raw). [-1, +0]
    public func rawSet(_ index: Int32, _ n: Int64) throws {
        try checked(shim_rawseti(L, index, n))
    }

    /// t[name] = v for the table at `index` with v on top (raw). [-1, +0]
    public func rawSet(_ index: Int32, field name: String) throws {
        let t = lua_absindex(L, index)
        do { try push(name) } catch { pop(); throw error }
        lua_rotate(L, -2, 1) // k v
        try rawSet(t)
    }

    /// Pushes t[name] for the table at `index` (raw). [-0, +1]
    public func rawGet(_ index: Int32, field name: String) throws {
        try balanced(1) {
            let t = lua_absindex(L, index)
            try push(name)
            lua_rawget(L, t)
        }
    }

    /// Pushes t[name] for the value at `index`, running `__index` under protection. [-0, +1]
    public func get(_ index: Int32, field name: String) throws {
        try balanced(1) {
            let t = lua_absindex(L, index)
            try push(name)
            let status = shim_gettable(L, t)
            if status != LUA_OK { throw popError(status: status, on: L) }
        }
    }

    /// t[name] = v for the value at `index` with v on top, running `__newindex` under
    /// protection. [-1, +0], also on error
    public func set(_ index: Int32, field name: String) throws {
        try balanced(-1, failed: -1) {
            let t = lua_absindex(L, index)
            do { try push(name) } catch { pop(); throw error }
            lua_rotate(L, -2, 1) // k v
            let status = shim_settable(L, t)
            if status != LUA_OK { throw LuaError(.runtime, "cannot set field \(name)") }
        }
    }

    /// Pushes any `LuaValue`, tables deeply. [-0, +1]
    public func push(_ value: LuaValue) throws {
        try balanced(1) { try push(value, depth: 0) }
    }

    private func push(_ value: LuaValue, depth: Int) throws {
        switch value {
        case .nil: pushNil()
        case .boolean(let b): push(b)
        case .integer(let i): push(i)
        case .number(let d): push(d)
        case .string(let s): try push(bytes: s.bytes)
        case .reference(let r): pushRef(r.ref)
        case .table(let t):
            guard depth < LuaState.maxDepth else { throw LuaError(.runtime, "table nested too deeply (over \(LuaState.maxDepth) levels)") }
            try reserve(4)
            try newTable(arrayCapacity: t.array.count, fieldCapacity: t.fields.count)
            let table = top
            do {
                for (i, element) in t.array.enumerated() {
                    try push(element, depth: depth + 1)
                    try rawSet(table, Int64(i + 1))
                }
                for (k, v) in t.fields {
                    switch k {
                    case .nil: throw LuaError(.runtime, "table key is nil")
                    case .number(let d) where d.isNaN: throw LuaError(.runtime, "table key is NaN")
                    default: break
                    }
                    try push(k, depth: depth + 1)
                    do { try push(v, depth: depth + 1) } catch { pop(); throw error }
                    try rawSet(table)
                }
            } catch {
                top = table - 1
                throw error
            }
        }
    }

    /// How deep a table may nest when it crosses the bridge.
    public static let maxDepth = 200
}
