/// Documentation of the bindings, from the catalog: what `help(binding)` prints and what
/// `storescript docs` writes (Markdown).
public enum Reference {
    /// `bc.catalog.products.get(product_id, query?)`
    public static func signature(_ op: Operation, name: String? = nil) -> String {
        var args = op.pathParameters.map(\.luaName)
        switch op.method {
        case .GET: args.append("query?")
        case .POST, .PUT: args.append("body?")
        case .DELETE: args.append("query_or_body?")
        }
        args.append("options?")
        return "\(name ?? op.luaName)(\(args.joined(separator: ", ")))"
    }

    /// The text `help()` prints for one binding.
    public static func help(_ op: Operation, name: String? = nil) -> String {
        var lines = [signature(op, name: name), "  \(op.method.rawValue) \(op.path)"]
        if !op.summary.isEmpty { lines.append("  \(op.summary)") }
        let path = op.pathParameters
        if !path.isEmpty {
            lines.append("  path: " + path.map { "\($0.luaName) (\($0.type))" }.joined(separator: ", "))
        }
        let query = op.queryParameters
        if !query.isEmpty {
            lines.append("  query: " + query.map { "\($0.name) (\($0.type))" }.joined(separator: ", "))
        }
        if op.arrayBody { lines.append("  body: an array" + (op.batchLimit.map { " (the API takes \($0) per request)" } ?? "")) }
        if op.pagination == .page {
            let base = (name ?? op.luaName).split(separator: ".").dropLast().joined(separator: ".")
            lines.append("  returns data, meta; also \(base).each, \(base).all, \(base).count")
        }
        if !op.operationID.isEmpty { lines.append("  operationId: \(op.operationID) (bc.op.\(op.operationID))") }
        return lines.joined(separator: "\n")
    }

    /// The whole reference, grouped by the first two levels of the Lua name.
    public static func markdown() -> String {
        var out = "# storescript bindings\n\nGenerated from the operation catalog (the official OpenAPI files and the seed operations). "
            + "Arguments: path parameters in path order, then the payload (query for GET and DELETE, JSON body for POST and PUT), "
            + "then options (`query`, `headers`, `timeout`).\n"
        var group = ""
        for op in OperationCatalog.all.sorted(by: { $0.luaName < $1.luaName }) {
            let g = op.luaName.split(separator: ".").prefix(2).joined(separator: ".")
            if g != group {
                group = g
                out += "\n## \(g)\n"
            }
            out += "\n### `\(signature(op))`\n\n`\(op.method.rawValue) \(op.path)`"
            if !op.summary.isEmpty { out += " — \(op.summary)" }
            out += "\n"
            if !op.queryParameters.isEmpty {
                out += "\nQuery: " + op.queryParameters.map { "`\($0.name)` (\($0.type))" }.joined(separator: ", ") + "\n"
            }
        }
        return out
    }
}
