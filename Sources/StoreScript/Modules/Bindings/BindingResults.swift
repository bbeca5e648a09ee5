#if canImport(Glibc)
import Glibc
#endif
import CLua
import CLuaShim
import JSON
import LuaKit
import StoreAPI
import StoreClient

/// How an answer becomes Lua values (API-CONVENTIONS.md section 3).
enum AnswerShape {
    /// v3: `data, meta` from the `{data, meta}` envelope (else the decoded body).
    case envelope
    /// A v3 batch (an array body): also the answer's `errors`, which may list failed items
    /// whatever the status, for bindings.lua to report.
    case batch
    /// v2 and DigiCert: the decoded body.
    case body
    /// A v2 list: the decoded array; no content (v2's answer when nothing matches) is an empty one.
    case list
    /// A v2 `/count`: the number in its `{count}`.
    case count

    init(_ op: Operation) {
        switch (op.version, op.kind) {
        case ("v3", _): self = op.arrayBody ? .batch : .envelope
        case ("v2", .list), ("v2", .listAll): self = .list
        case ("v2", .count): self = .count
        default: self = .body
        }
    }
}

/// What a successful answer becomes in Lua.
enum BindingResults {
    /// Pushes `true, results...` on `co`: v3 envelopes give `data, meta` (a 207 or a batch also
    /// its `errors`, for the batch forms to report: bindings.lua); v2 and DigiCert the decoded
    /// body (a v2 count its number); 204 (or no body) `true`, or an empty array for a v2 list;
    /// a body that is neither JSON nor HTML by its Content-Type (a PEM download) its text.
    static func push(_ response: APIResponse, shape: AnswerShape, method: String, path: String, lua: LuaState, co: OpaquePointer) throws -> Int32 {
        var body = response.body
        if response.status == 204 || body.isEmpty {
            guard shape == .list else {
                lua_pushboolean(co, 1)
                lua_pushboolean(co, 1)
                return 2
            }
            body = Array("[]".utf8)
        }
        let L = lua.L
        try lua.reserve(4)
        if let type = response.headers.first(where: { $0.0.lowercased() == "content-type" })?.1.lowercased(),
           !type.contains("json"), !type.contains("html") {
            // Text the API sends as itself (DigiCert's PEM downloads): a string. HTML is never
            // an answer (a proxy's error page sent with 200): it stays an invalid answer.
            lua_pushboolean(co, 1)
            try lua.push(bytes: body)
            lua_xmove(L, co, 1)
            return 2
        }
        shim_pushcfunction(L, shim_json_decode)
        do { try lua.push(bytes: body) } catch { lua.pop(); throw error }
        let status = shim_pcall(L, 1, 1, 0)
        guard status == LUA_OK else {
            let why = lua.string(at: -1) ?? "?"
            lua.pop()
            if status == LUA_ERRMEM { throw LuaError(.memory, "not enough memory") }
            let error = StoreError(kind: .invalidResponse, status: response.status, title: "the answer is not valid JSON (\(why))",
                                   method: method, path: path, retryable: false)
            throw LuaError(.runtime, error.description)
        }
        if shape == .count, lua_type(L, -1) == LUA_TTABLE {
            try lua.rawGet(-1, field: "count")
            lua_rotate(L, -2, 1) // body count → count body
            lua.pop()
        }
        if shape == .envelope || shape == .batch, lua_type(L, -1) == LUA_TTABLE {
            try lua.rawGet(-1, field: "data")
            if lua_type(L, -1) != LUA_TNIL {
                try lua.rawGet(-2, field: "meta")
                let partial = response.status == 207 || shape == .batch
                if partial { try lua.rawGet(-3, field: "errors") }
                let n: Int32 = partial ? 3 : 2
                lua_rotate(L, -n - 1, -1) // body data meta [errors] → data meta [errors] body
                lua.pop()
                lua_pushboolean(co, 1)
                lua_xmove(L, co, n)
                return n + 1
            }
            lua.pop()
        }
        lua_pushboolean(co, 1)
        lua_xmove(L, co, 1)
        return 2
    }
}

extension BindingResults {
    /// Pushes `false, error` on `co`: the error is a table with a readable __tostring.
    static func pushFailure(_ error: StoreError, lua: LuaState, co: OpaquePointer) throws -> Int32 {
        var fields: [LuaValue: LuaValue] = [
            .string("status"): .integer(Int64(error.status)), .string("title"): .string(error.title),
            .string("method"): .string(error.method), .string("path"): .string(error.path),
            .string("retryable"): .boolean(error.retryable), .string("attempts"): .integer(Int64(error.attempts)),
            .string("message"): .string(error.description),
        ]
        let outcome = error.outcome
        fields[.string("kind")] = .string(outcome.kind)
        if let applied = outcome.applied { fields[.string("applied")] = .boolean(applied) }
        if let t = error.type { fields[.string("type")] = .string(t) }
        if let d = error.detail { fields[.string("detail")] = .string(d) }
        if let r = error.requestID { fields[.string("request_id")] = .string(r) }
        var errors: [LuaValue: LuaValue] = [:]
        for (k, v) in error.errors { errors[.string(k)] = .string(v) }
        fields[.string("errors")] = .table(LuaTable(fields: errors))
        try lua.push(.table(LuaTable(fields: fields)))
        try pushErrorMeta(lua)
        lua_setmetatable(lua.L, -2)
        lua_pushboolean(co, 0)
        lua_xmove(lua.L, co, 1)
        return 2
    }

    /// The metatable of API errors, made once and kept in the registry. [-0, +1]
    static func pushErrorMeta(_ lua: LuaState) throws {
        try lua.rawGet(LUA_REGISTRY, field: "storescript.error")
        if lua.type(at: -1) == LUA_TTABLE { return }
        lua.pop()
        try EmbeddedLua.apiError.load(into: lua)
        try lua.call(nargs: 0, nresults: 1)
        lua_pushvalue(lua.L, -1)
        try lua.rawSet(LUA_REGISTRY, field: "storescript.error")
    }
}
