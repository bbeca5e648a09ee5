#if canImport(Glibc)
import Glibc
#endif
import CLua
import CLuaShim
import JSON
import LuaKit
import StoreAPI
import StoreClient

/// A binding's call, marshalled: path parameters first (typed by the catalog), then the
/// payload (query for GET and DELETE, a JSON body or an upload form for POST and PUT), then the
/// options (query, headers, timeout). Every wrong argument names the binding and the argument.
extension BindingsHost {
    func invoke(_ op: Operation, _ name: String, _ call: LuaCall) throws -> Int32 {
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
        } else if case .table(let q) = try call.value(payload) {
            query = try RequestOptions.queryPairs(q, name: name, argument: payload)
        }
        var table: LuaTable?
        if case .table(let t) = try call.value(options) { table = t }
        let given = try RequestOptions(table, name: name, argument: options, allowed: RequestOptions.bindingKeys,
                                       defaultTimeout: runtime.store.requestTimeout.value)
        query += given.query
        if op.kind == .deleteMany {
            let everything = query.contains { $0.0 == "all" && $0.1 == "true" }
            query.removeAll { $0.0 == "all" }
            if query.isEmpty && body == nil && !everything {
                throw LuaError(.argument, "\(name): refusing to delete everything without a filter; "
                    + "pass one (e.g. {[\"id:in\"] = {1, 2}}) or {all = true} if you mean it")
            }
        }
        let client = try client(for: op, name: name)
        let request = APIRequest(method: op.method.rawValue, path: path, query: query, body: body, headers: given.headers,
                                 timeout: given.timeout, contentType: contentType)
        return try send(request, on: client, shape: AnswerShape(op), reportedPath: op.path, call)
    }

    /// `bc.request{method =, path =, query =, body =, headers =, timeout =}`: any path of the
    /// store's API, with the same limiter, retries, results and errors as the bindings.
    func request(_ call: LuaCall) throws -> Int32 {
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
        let given = try RequestOptions(spec, name: name, argument: 1, allowed: RequestOptions.requestKeys,
                                       defaultTimeout: runtime.store.requestTimeout.value)
        var body: [UInt8]?
        if case .string(let raw)? = field("body") {
            body = raw.bytes // a string is the body itself, as given
        } else if field("body") != nil {
            try pushRawField(call.L, 1, "body")
            defer { lua_settop(call.L, -2) }
            body = try encodeJSON(call, lua_gettop(call.L), name)
        }
        let path = p.text
        guard let service = OperationCatalog.all.first(where: { $0.version != "digicert" }) else { return 0 }
        let client = try client(for: service, name: name)
        let apiRequest = APIRequest(method: method, path: path, query: given.query, body: body, headers: given.headers, timeout: given.timeout)
        return try send(apiRequest, on: client, shape: path.hasPrefix("/v3/") ? .envelope : .body, reportedPath: path, call)
    }

    /// Suspends the calling task until the answer; resumes it with the results or the error.

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
}

extension String {
    /// The string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        var s = self
        s.replaceSubrange(r, with: replacement)
        return s
    }
}

/// Pushes t[field] of the table at `index` (raw). [-0, +1]
func pushRawField(_ L: OpaquePointer, _ index: Int32, _ field: String) throws {
    let t = lua_absindex(L, index)
    guard lua_checkstack(L, 1) != 0, field.withCString({ shim_pushlstring(L, $0, field.utf8.count) }) == LUA_OK else {
        throw LuaError(.memory, "not enough memory")
    }
    lua_rawget(L, t)
}
