import LuaKit
import StoreScriptLua

/// The Lua half of StoreScript, compiled into the binary from Sources/StoreScriptLua/lua/.
enum EmbeddedLua: String, CaseIterable {
    /// require's searcher, help, async, log.
    case bootstrap
    /// bc and digicert: namespaces, list helpers.
    case bindings
    /// The metatable of API error tables.
    case apiError = "api_error"
    /// state: stores, values as JSON, transactions.
    case state

    var chunkName: String { "=[storescript.\(rawValue)]" }

    /// Compiles the chunk and pushes it. [-0, +1]
    func load(into lua: LuaState) throws {
        var length = 0
        guard let text = storescript_lua_chunk(rawValue, &length) else {
            throw LuaError(.runtime, "internal error: no embedded Lua chunk \(rawValue)")
        }
        try lua.load(Array(UnsafeRawBufferPointer(start: text, count: length)), chunkName: chunkName)
    }
}
