import CLua
import CLuaShim

/// Lua → Swift. Reading never runs a metamethod and never raises.
extension LuaState {
    /// The Lua type at `index`, as lua_type answers (LUA_TNIL, LUA_TNUMBER, ...).
    public func type(at index: Int32) -> Int32 { lua_type(L, index) }

    public func typeName(at index: Int32, on thread: OpaquePointer? = nil) -> String {
        let t = thread ?? L
        return String(cString: lua_typename(t, lua_type(t, index)))
    }

    /// The string at `index` when it is a string or a number (converted as Lua does, which
    /// for a number changes the stack slot), else nil.
    public func string(at index: Int32, on thread: OpaquePointer? = nil) -> String? {
        let t = thread ?? L
        let ty = lua_type(t, index)
        guard ty == LUA_TSTRING || ty == LUA_TNUMBER else { return nil }
        var len = 0
        guard let p = lua_tolstring(t, index, &len) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    /// The bytes of the string at `index` (strings only).
    public func bytes(at index: Int32, on thread: OpaquePointer? = nil) -> [UInt8]? {
        let t = thread ?? L
        guard lua_type(t, index) == LUA_TSTRING else { return nil }
        var len = 0
        guard let p = lua_tolstring(t, index, &len) else { return nil }
        return Array(UnsafeRawBufferPointer(start: p, count: len))
    }

    /// The value at `index` with tables, functions, userdata and threads held by reference
    /// (the same Lua object, metatable and all, when pushed back); scalars copied. [-0, +0]
    public func reference(at index: Int32, on thread: OpaquePointer? = nil) throws -> LuaValue {
        let t = thread ?? L
        switch lua_type(t, index) {
        case LUA_TTABLE, LUA_TFUNCTION, LUA_TUSERDATA, LUA_TTHREAD, LUA_TLIGHTUSERDATA:
            return try hold(at: index, on: t)
        default:
            return try value(at: index, on: thread)
        }
    }

    /// The object at `index` kept in the registry. [-0, +0]
    private func hold(at index: Int32, on t: OpaquePointer) throws -> LuaValue {
        try reserve(1, on: t)
        try reserve(1)
        lua_pushvalue(t, index)
        if t != L { lua_xmove(t, L, 1) }
        let identity = lua_topointer(L, -1)
        let name = typeName(at: -1)
        return .reference(LuaReference(state: self, ref: try ref(), identity: identity, typeName: name))
    }

    /// Copies the value at `index` into Swift. Tables are copied deeply; cycles and nesting
    /// past `maxDepth` throw. [-0, +0]
    public func value(at index: Int32, on thread: OpaquePointer? = nil) throws -> LuaValue {
        let t = thread ?? L
        if t == L { return try balanced(0) { try copy(at: index, on: t) } }
        return try copy(at: index, on: t)
    }

    private func copy(at index: Int32, on t: OpaquePointer) throws -> LuaValue {
        var visiting = Set<UnsafeRawPointer>()
        let saved = lua_gettop(t)
        do {
            return try value(at: lua_absindex(t, index), on: t, depth: 0, visiting: &visiting)
        } catch {
            lua_settop(t, saved)
            throw error
        }
    }

    private func value(at index: Int32, on t: OpaquePointer, depth: Int, visiting: inout Set<UnsafeRawPointer>) throws -> LuaValue {
        switch lua_type(t, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(t, index) != 0)
        case LUA_TNUMBER:
            var isInt: Int32 = 0
            let i = shim_tointegerx(t, index, &isInt)
            if lua_isinteger(t, index) != 0 && isInt != 0 { return .integer(i) }
            return .number(lua_tonumberx(t, index, nil))
        case LUA_TSTRING: return .string(LuaString(bytes: bytes(at: index, on: t) ?? []))
        case LUA_TTABLE: return try table(at: index, on: t, depth: depth, visiting: &visiting)
        default: return try hold(at: index, on: t)
        }
    }

    private func table(at index: Int32, on t: OpaquePointer, depth: Int, visiting: inout Set<UnsafeRawPointer>) throws -> LuaValue {
        guard depth < LuaState.maxDepth else { throw LuaError(.runtime, "table nested too deeply (over \(LuaState.maxDepth) levels)") }
        guard let identity = lua_topointer(t, index) else { return .nil }
        guard visiting.insert(identity).inserted else { throw LuaError(.runtime, "table contains a cycle") }
        defer { visiting.remove(identity) }
        if lua_checkstack(t, 4) == 0 { throw LuaError(.memory, "Lua stack overflow") }

        var result = LuaTable()
        // The array part: 1, 2, ... up to the first nil.
        var n: Int64 = 1
        while lua_rawgeti(t, index, n) != LUA_TNIL {
            result.array.append(try value(at: lua_absindex(t, -1), on: t, depth: depth + 1, visiting: &visiting))
            lua_settop(t, -2)
            n += 1
        }
        lua_settop(t, -2)
        // The rest, skipping the keys already in the array.
        let arrayEnd = n
        lua_pushnil(t)
        while true {
            let more = shim_next(t, index)
            if more < 0 { throw popError(status: LUA_ERRRUN, on: t) }
            if more == 0 { break }
            let keyIndex = lua_absindex(t, -2)
            var isInt: Int32 = 0
            let k = shim_tointegerx(t, keyIndex, &isInt)
            let inArray = lua_isinteger(t, keyIndex) != 0 && k >= 1 && k < arrayEnd
            if !inArray {
                let key = try value(at: keyIndex, on: t, depth: depth + 1, visiting: &visiting)
                let v = try value(at: lua_absindex(t, -1), on: t, depth: depth + 1, visiting: &visiting)
                result.fields[key] = v
            }
            lua_settop(t, -2) // keep the key for next
        }
        return .table(result)
    }
}
