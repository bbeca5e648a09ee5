import LuaKit

/// The options every request takes — `query`, `headers`, `timeout` — read by one parser for a
/// binding's options table (`bc.catalog.products.get(1, nil, {timeout = 5})`) and for
/// `bc.request{...}` alike, so both accept and refuse the same way. A key the table may not
/// hold (a misspelt `timout`) is refused too: an option silently ignored is a bug waiting.
struct RequestOptions {
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var timeout: Double

    /// The keys a binding's options table may hold (`partial` is read by batch forms).
    static let bindingKeys: Set<String> = ["query", "headers", "timeout", "partial"]
    /// The keys of `bc.request`'s table.
    static let requestKeys: Set<String> = ["method", "path", "query", "body", "headers", "timeout"]

    /// Reads `table` (argument `argument` of `name`), which may hold only `allowed` keys.
    init(_ table: LuaTable?, name: String, argument: Int32, allowed: Set<String>, defaultTimeout: Double) throws {
        timeout = defaultTimeout
        guard let table else { return }
        let what = allowed == RequestOptions.requestKeys ? "request" : "options"
        for key in table.fields.keys {
            guard case .string(let k) = key, allowed.contains(k.text) else {
                let shown = if case .string(let k) = key { k.text } else { key.typeName }
                throw LuaError(.argument, "\(name): argument #\(argument) (\(what)) has no field \(shown) (it takes \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        if table.array.count > 0 {
            throw LuaError(.argument, "\(name): argument #\(argument) (\(what)) expected named fields (\(allowed.sorted().joined(separator: ", "))), got a list")
        }
        switch table.fields[.string("query")] {
        case nil: break
        case .table(let q)?: query = try RequestOptions.queryPairs(q, name: name, argument: argument)
        case let other?: throw LuaError(.argument, "\(name): option query expected table, got \(other.typeName)")
        }
        switch table.fields[.string("headers")] {
        case nil: break
        case .table(let h)? where h.array.isEmpty:
            for (k, v) in h.fields {
                guard case .string(let ks) = k, case .string(let vs) = v else {
                    throw LuaError(.argument, "\(name): option headers expected names and values that are strings, got \(k.typeName) = \(v.typeName)")
                }
                headers.append((ks.text, vs.text))
            }
            headers.sort { $0.0 < $1.0 }
        case let other?: throw LuaError(.argument, "\(name): option headers expected a table of names and values, got \(other.typeName)")
        }
        switch table.fields[.string("timeout")] {
        case nil: break
        case .integer(let i)? where i > 0: timeout = Double(i)
        case .number(let d)? where d > 0 && d.isFinite: timeout = d
        case let other?: throw LuaError(.argument, "\(name): option timeout expected a positive number of seconds, got \(RequestOptions.shown(other))")
        }
    }

    private static func shown(_ v: LuaValue) -> String {
        switch v {
        case .integer(let i): String(i)
        case .number(let d): String(d)
        case .string(let s): "\"\(s.text)\""
        default: v.typeName
        }
    }

    /// `{["id:in"] = {1, 2}, is_visible = true}` → `id:in=1,2&is_visible=true`, keys sorted.
    static func queryPairs(_ t: LuaTable, name: String, argument: Int32) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for (k, v) in t.fields {
            guard case .string(let key) = k else {
                throw LuaError(.argument, "\(name): argument #\(argument) (query) keys must be strings, got \(k.typeName)")
            }
            pairs.append((key.text, try queryValue(v, name: name, key: key.text)))
        }
        return pairs.sorted { $0.0 < $1.0 }
    }

    private static func queryValue(_ v: LuaValue, name: String, key: String) throws -> String {
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
}
