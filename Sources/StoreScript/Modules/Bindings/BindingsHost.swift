#if canImport(Glibc)
import Glibc
#endif
import CLua
import CLuaShim
import JSON
import LuaKit
import StoreAPI
import StoreClient

/// The Swift half of `bc` and `digicert`: what a name is (namespace, binding, nothing), the
/// binding functions themselves, and the clients they send through.
final class BindingsHost {
    unowned let runtime: Runtime
    private var clients: [String: StoreClient] = [:]

    init(runtime: Runtime) { self.runtime = runtime }

    /// Every prefix of every Lua name (`bc`, `bc.catalog`, ...), built on first use.
    static let namespaces: Set<String> = {
        var out: Set<String> = ["bc.op"]
        for name in OperationCatalog.byLuaName.keys {
            var parts = name.split(separator: ".").dropLast()
            while !parts.isEmpty {
                out.insert(parts.joined(separator: "."))
                parts = parts.dropLast()
            }
        }
        return out
    }()

    static func operation(_ name: String) -> Operation? {
        if name.hasPrefix("bc.op.") { return OperationCatalog.byOperationID[String(name.dropFirst(6))] }
        return OperationCatalog.byLuaName[name]
    }

    /// Pushes the table of host functions the Lua half receives. [-0, +1]
    func push() throws {
        let lua = runtime.lua
        try lua.newTable()
        try lua.setFunctions(-1, prefix: "bindings", [
            ("kind", { call in
                let name = try call.string(1, "name")
                if BindingsHost.operation(name) != nil { try call.push("binding") }
                else if BindingsHost.namespaces.contains(name) { try call.push("namespace") }
                else { call.pushNil() }
                return 1
            }),
            ("binding", { [unowned self] call in
                let name = try call.string(1, "name")
                guard let op = BindingsHost.operation(name) else { call.pushNil(); return 1 }
                try self.pushBinding(op, name: name, on: call.L)
                return 1
            }),
            ("list_of", { call in
                let base = try call.string(1, "name")
                for suffix in [".list", ".list_all"] {
                    if let op = BindingsHost.operation(base + suffix), op.pagination == .page {
                        try call.push(base + suffix)
                        return 1
                    }
                }
                call.pushNil()
                return 1
            }),
            ("request", { [unowned self] call in try self.request(call) }),
            ("batch_limit", { call in
                guard let op = BindingsHost.operation(try call.string(1, "name")), op.arrayBody, let limit = op.batchLimit else {
                    call.pushNil()
                    return 1
                }
                call.push(Int64(limit))
                return 1
            }),
            ("doc", { call in
                let name = try call.string(1, "name")
                guard let op = BindingsHost.operation(name) else { call.pushNil(); return 1 }
                try call.push(Reference.help(op, name: name))
                return 1
            }),
            ("path_params", { call in
                call.push(Int64(BindingsHost.operation(try call.string(1, "name"))?.pathParameters.count ?? 0))
                return 1
            }),
        ])
    }

    private func pushBinding(_ op: Operation, name: String, on L: OpaquePointer) throws {
        try runtime.lua.push(function: name) { [unowned self] call in try self.invoke(op, name, call) }
        if L != runtime.lua.L { lua_xmove(runtime.lua.L, L, 1) }
    }

    // MARK: A call

    private func invoke(_ op: Operation, _ name: String, _ call: LuaCall) throws -> Int32 {
        var path = op.path
        let params = op.pathParameters
        for (i, p) in params.enumerated() {
            let index = Int32(i + 1)
            let value: String
            switch (p.type, call.type(index)) {
            case ("integer", LUA_TNUMBER): value = String(try call.integer(index, p.luaName))
            case ("integer", _): throw call.argumentError(index, p.luaName, expected: "integer")
            case (_, LUA_TSTRING): value = try call.string(index, p.luaName)
            case (_, LUA_TNUMBER): value = String(try call.integer(index, p.luaName))
            default: throw call.argumentError(index, p.luaName, expected: "string")
            }
            guard !value.isEmpty else { throw call.argumentError(index, p.luaName, expected: "a non-empty \(p.type)") }
            path = path.replacingFirst("{\(p.name)}", with: Percent.encodeSegment(value))
        }
        let payload = Int32(params.count + 1)
        let options = payload + 1
        for (index, what) in [(payload, "payload"), (options, "options")] where !call.isNoneOrNil(index) && call.type(index) != LUA_TTABLE {
            throw call.argumentError(index, what, expected: "table")
        }
        let sendsBody = op.method == .POST || op.method == .PUT || (op.method == .DELETE && op.deleteHasBody)
        var query: [(String, String)] = []
        var body: [UInt8]?
        var contentType = "application/json"
        if sendsBody, !call.isNoneOrNil(payload) {
            // Only the upload operations look at the payload before it is encoded as JSON.
            let fileFields = UploadForm.fileFields(op)
            if !fileFields.isEmpty, let form = try UploadForm.make(fileFields, payload: call.value(payload), name: name) {
                (body, contentType) = (form.finished, form.contentType)
            } else {
                body = try encodeJSON(call, payload, name)
            }
        } else if !call.isNoneOrNil(payload) {
            query = try queryPairs(call.value(payload), name: name, argument: payload)
        }
        var timeout = runtime.store.requestTimeout.value
        var headers: [(String, String)] = []
        if case .table(let o) = try call.value(options) {
            if case .table(let q)? = o.fields[.string("query")] { query += try queryPairs(.table(q), name: name, argument: options) }
            if let t = o.fields[.string("timeout")] {
                switch t {
                case .integer(let i) where i > 0: timeout = Double(i)
                case .number(let d) where d > 0 && d.isFinite: timeout = d
                default: throw LuaError(.argument, "\(name): option timeout expected a positive number of seconds")
                }
            }
            if case .table(let h)? = o.fields[.string("headers")] {
                for (k, v) in h.fields { if case .string(let ks) = k, case .string(let vs) = v { headers.append((ks.text, vs.text)) } }
            }
        }
        if op.kind == .deleteMany {
            let everything = query.contains { $0.0 == "all" && $0.1 == "true" }
            query.removeAll { $0.0 == "all" }
            if query.isEmpty && body == nil && !everything {
                throw LuaError(.argument, "\(name): refusing to delete everything without a filter; "
                    + "pass one (e.g. {[\"id:in\"] = {1, 2}}) or {all = true} if you mean it")
            }
        }
        let client = try client(for: op, name: name)
        let request = APIRequest(method: op.method.rawValue, path: path, query: query, body: body, headers: headers,
                                 timeout: timeout, contentType: contentType)
        return try send(request, on: client, envelope: op.version == "v3", reportedPath: op.path, call)
    }

    /// `bc.request{method =, path =, query =, body =, headers =, timeout =}`: any path of the
    /// store's API, with the same limiter, retries, results and errors as the bindings.
    private func request(_ call: LuaCall) throws -> Int32 {
        let name = "bc.request"
        try call.table(1, "request")
        guard case .table(let spec) = try call.value(1) else { return 0 }
        func field(_ key: String) -> LuaValue? { spec.fields[.string(key)] }
        guard case .string(let m)? = field("method"), ["GET", "POST", "PUT", "DELETE"].contains(m.text.uppercased()) else {
            throw LuaError(.argument, "\(name): method must be GET, POST, PUT or DELETE")
        }
        guard case .string(let p)? = field("path"), p.text.hasPrefix("/") else {
            throw LuaError(.argument, "\(name): path must be a string starting with / (such as /v3/catalog/products)")
        }
        let method = m.text.uppercased()
        var query: [(String, String)] = []
        if let q = field("query") { query = try queryPairs(q, name: name, argument: 1) }
        var body: [UInt8]?
        if field("body") != nil {
            lua_pushfield_raw(call.L, 1, "body")
            defer { lua_settop(call.L, -2) }
            body = try encodeJSON(call, lua_gettop(call.L), name)
        }
        var headers: [(String, String)] = []
        if case .table(let h)? = field("headers") {
            for (k, v) in h.fields { if case .string(let ks) = k, case .string(let vs) = v { headers.append((ks.text, vs.text)) } }
        }
        var timeout = runtime.store.requestTimeout.value
        if case .number(let t)? = field("timeout"), t > 0 { timeout = t }
        if case .integer(let t)? = field("timeout"), t > 0 { timeout = Double(t) }
        let path = p.text
        guard let service = OperationCatalog.all.first(where: { $0.version != "digicert" }) else { return 0 }
        let client = try client(for: service, name: name)
        let apiRequest = APIRequest(method: method, path: path, query: query, body: body, headers: headers, timeout: timeout)
        return try send(apiRequest, on: client, envelope: path.hasPrefix("/v3/"), reportedPath: path, call)
    }

    /// Suspends the calling task until the answer; resumes it with the results or the error.
    private func send(_ request: APIRequest, on client: StoreClient, envelope: Bool, reportedPath: String, _ call: LuaCall) throws -> Int32 {
        var limited = request
        // Under --max-memory an answer the script could not hold is refused as it arrives.
        limited.maxAnswerBytes = runtime.lua.memoryRoom
        let request = limited
        return try runtime.scheduler.suspend(call) { wakeup in
            client.start(request) { result in
                switch result {
                case .success(let response):
                    wakeup { lua, co in
                        try BindingResults.push(response, envelope: envelope, method: request.method, path: reportedPath, lua: lua, co: co)
                    }
                case .failure(let error):
                    wakeup { lua, co in try BindingResults.pushFailure(error, lua: lua, co: co) }
                }
            }
        }
    }

    private func encodeJSON(_ call: LuaCall, _ index: Int32, _ name: String) throws -> [UInt8] {
        let L = call.L
        shim_pushcfunction(L, shim_json_encode)
        lua_pushvalue(L, index)
        let status = shim_pcall(L, 1, 1, 0)
        defer { lua_settop(L, -2) }
        guard status == LUA_OK, lua_type(L, -1) == LUA_TSTRING else {
            if status == LUA_ERRMEM { throw LuaError(.memory, "not enough memory") }
            let why = runtime.lua.string(at: -1, on: L) ?? "cannot encode the payload"
            throw LuaError(.argument, "\(name): payload: \(why.replacingFirst("json.encode: ", with: ""))")
        }
        // The Swift copy is held until the answer: refused when the script could not hold it.
        let size = Int(lua_rawlen(L, -1))
        if let room = runtime.lua.memoryRoom, size > room {
            throw LuaError(.memory, "\(name): the payload's \(size) bytes do not fit in what --max-memory leaves (\(room) bytes)")
        }
        return runtime.lua.bytes(at: -1, on: L) ?? []
    }

    /// `{["id:in"] = {1, 2}, is_visible = true}` → `id:in=1,2&is_visible=true`, keys sorted.
    private func queryPairs(_ value: LuaValue, name: String, argument: Int32) throws -> [(String, String)] {
        guard case .table(let t) = value else { return [] }
        var pairs: [(String, String)] = []
        for (k, v) in t.fields {
            guard case .string(let key) = k else {
                throw LuaError(.argument, "\(name): argument #\(argument) (query) keys must be strings, got \(k.typeName)")
            }
            pairs.append((key.text, try queryValue(v, name: name, key: key.text)))
        }
        return pairs.sorted { $0.0 < $1.0 }
    }

    private func queryValue(_ v: LuaValue, name: String, key: String) throws -> String {
        switch v {
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let d):
            guard d.isFinite else { throw LuaError(.argument, "\(name): query \(key) cannot be \(d)") }
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return s.text
        case .table(let t) where t.fields.isEmpty: return try t.array.map { try queryValue($0, name: name, key: key) }.joined(separator: ",")
        default: throw LuaError(.argument, "\(name): query \(key) expected a boolean, number, string or list, got \(v.typeName)")
        }
    }

    // MARK: Clients

    private func client(for op: Operation, name: String) throws -> StoreClient {
        let service = op.version == "digicert" ? "digicert" : "bc"
        if let c = clients[service] { return c }
        let store = runtime.store
        do {
            let endpoint: StoreEndpoint
            if let server = runtime.sandbox {
                let sandbox = server.sandbox.configuration
                endpoint = service == "digicert"
                    ? try .digiCert(apiKey: Secret(sandbox.token), apiURL: server.rootURL)
                    : try .bigCommerce(storeHash: sandbox.storeHash, token: Secret(sandbox.token), apiURL: server.baseURL)
            } else if service == "digicert" {
                guard let key = store.digiCertKey else { throw notConfigured("\(name): \(store.noDigiCertAdvice)") }
                endpoint = try .digiCert(apiKey: key.value, apiURL: store.digiCertURL?.value)
            } else {
                guard let hash = store.storeHash, let token = store.accessToken else { throw notConfigured("\(name): \(store.noStoreAdvice)") }
                endpoint = try .bigCommerce(storeHash: hash.value, token: token.value, apiURL: store.apiURL?.value)
            }
            let c = try StoreClient(endpoint: endpoint, retry: store.retryPolicy, connectTimeout: store.connectTimeout.value,
                                    caFile: runtime.sandbox == nil ? store.caFile?.value : nil,
                                    observer: runtime.options.verbose ? BindingsHost.verboseLine(runtime.options.logFormat) : nil)
            clients[service] = c
            return c
        } catch let refused as StoreEndpoint.Refused {
            throw notConfigured("\(name): \(refused.description)")
        }
    }

    /// A configuration problem: raised as a Lua error; if the script does not catch it,
    /// the run exits 2 (a usage or configuration error), not 1.
    private func notConfigured(_ message: String) -> LuaError {
        runtime.configurationFailure = message
        return LuaError(.runtime, message)
    }

}

extension BindingsHost {
    /// `--verbose`: a line on stderr for each attempt: method, path, status, duration, budget left.
    static func verboseLine(_ format: Runtime.LogFormat) -> @Sendable (StoreClient.Attempt) -> Void {
        { a in
            let status = a.status > 0 ? String(a.status) : "failed"
            switch format {
            case .text:
                var line = "\(a.method) \(a.path) \(status) \(a.milliseconds)ms"
                if let left = a.budgetLeft { line += " left=\(left)" }
                if a.attempt > 1 { line += " attempt=\(a.attempt)" }
                if let f = a.failure { line += " (\(f))" }
                Console.err(line + "\n")
            case .json:
                var line = "{\"level\":\"debug\",\"msg\":\"request\",\"method\":\(Diagnostics.quote(a.method)),\"path\":\(Diagnostics.quote(a.path)),"
                line += "\"status\":\(a.status),\"ms\":\(a.milliseconds),\"attempt\":\(a.attempt)"
                if let left = a.budgetLeft { line += ",\"left\":\(left)" }
                if let f = a.failure { line += ",\"error\":\(Diagnostics.quote(f))" }
                Console.err(line + "}\n")
            }
        }
    }
}

/// What a successful answer becomes in Lua.
enum BindingResults {
    /// Pushes `true, results...` on `co`: v3 envelopes give `data, meta`; v2 and DigiCert the
    /// decoded body; 204 (or no body) `true`.
    static func push(_ response: APIResponse, envelope: Bool, method: String, path: String, lua: LuaState, co: OpaquePointer) throws -> Int32 {
        if response.status == 204 || response.body.isEmpty {
            lua_pushboolean(co, 1)
            lua_pushboolean(co, 1)
            return 2
        }
        let L = lua.L
        try lua.reserve(3)
        shim_pushcfunction(L, shim_json_decode)
        do { try lua.push(bytes: response.body) } catch { lua.pop(); throw error }
        let status = shim_pcall(L, 1, 1, 0)
        guard status == LUA_OK else {
            let why = lua.string(at: -1) ?? "?"
            lua.pop()
            if status == LUA_ERRMEM { throw LuaError(.memory, "not enough memory") }
            let error = StoreError(kind: .invalidResponse, status: response.status, title: "the answer is not valid JSON (\(why))",
                                   method: method, path: path, retryable: false)
            throw LuaError(.runtime, error.description)
        }
        if envelope, lua_type(L, -1) == LUA_TTABLE {
            try lua.rawGet(-1, field: "data")
            if lua_type(L, -1) != LUA_TNIL {
                try lua.rawGet(-2, field: "meta")
                lua_rotate(L, -3, -1) // body data meta → data meta body
                lua.pop()
                lua_pushboolean(co, 1)
                lua_xmove(L, co, 2)
                return 3
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

/// The process environment.
extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        var s = self
        s.replaceSubrange(r, with: replacement)
        return s
    }
}

/// Pushes t[field] of the table at `index` (raw). [-0, +1]
func lua_pushfield_raw(_ L: OpaquePointer, _ index: Int32, _ field: String) {
    let t = lua_absindex(L, index)
    _ = field.withCString { shim_pushlstring(L, $0, field.utf8.count) }
    lua_rawget(L, t)
}
