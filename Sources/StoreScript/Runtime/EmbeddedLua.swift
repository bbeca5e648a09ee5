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
    /// csv: reading (streaming) and writing RFC 4180 text.
    case csv
    /// time: now, RFC 3339, durations.
    case time
    /// progress: a bar on a terminal.
    case progress
    /// `storescript call`: one binding from the shell.
    case call
    /// `storescript listen`: handlers for the store's events.
    case listen

    var chunkName: String { "=[storescript.\(rawValue)]" }

    /// The chunk's text (the build embeds every case's file: chunks.c).
    var bytes: [UInt8] {
        var length = 0
        guard let text = storescript_lua_chunk(rawValue, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: text, count: length))
    }

    /// Compiles the chunk and pushes it on `thread` (default: the main thread). [-0, +1]
    func load(into lua: LuaState, on thread: OpaquePointer? = nil) throws {
        let text = bytes
        guard !text.isEmpty else { throw LuaError(.runtime, "internal error: no embedded Lua chunk \(rawValue)") }
        try lua.load(text, chunkName: chunkName, on: thread)
    }
}
