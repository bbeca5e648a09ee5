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
        lines += bodyLines(op)
        lines.append("  returns " + returns(op, name: name))
        if !op.operationID.isEmpty {
            let root = OperationCatalog.byOperationID[op.operationID] == op ? "bc.op" : "bc.v2.op"
            lines.append("  operationId: \(op.operationID) (\(root).\(op.operationID))")
        }
        return lines.joined(separator: "\n")
    }

    /// What a call returns, as API-CONVENTIONS.md section 3 says.
    static func returns(_ op: Operation, name: String?) -> String {
        if op.kind == .count { return "the number of items (an integer), filtered as the list is" }
        if op.successStatus == 204 { return "true" }
        let base = (name ?? op.luaName).split(separator: ".").dropLast().joined(separator: ".")
        let helpers = op.hasListHelpers ? "; also \(base).each, \(base).all, \(base).count" : ""
        if op.pagination == .offset { return "the decoded answer (the items under one field, and page.total)" + helpers }
        guard op.version == "v3" else { return (op.kind == .list ? "an array of items" : "the decoded answer") + helpers }
        return "data, meta" + helpers
    }

    /// The request body's fields, one line each, nested one level: name, type, whether it is
    /// required, the values it may take.
    static func bodyLines(_ op: Operation) -> [String] {
        guard let schema = BodySchemaTable.entry(for: op)?.schema else { return [] }
        let object = schema.type == "array" ? schema.items : schema
        guard let object, let fields = object.properties, !fields.isEmpty else { return [] }
        var lines = [op.arrayBody ? "  each item's fields:" : "  body fields:"]
        for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
            lines.append("    " + describe(name, field, required: object.required.contains(name)))
            let inner = field.type == "array" ? field.items : field
            for (n, f) in (inner?.properties ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append("      " + describe(n, f, required: inner?.required.contains(n) == true))
            }
        }
        return lines
    }

    static func describe(_ name: String, _ field: BodySchema, required: Bool) -> String {
        var type = field.type ?? "any"
        if type == "array" { type = (field.items?.type ?? "any") + "[]" }
        var line = "\(name) (\(type)\(required ? ", required" : ""))"
        if let allowed = field.allowed, !allowed.isEmpty { line += ": " + allowed.map(\.text).joined(separator: " | ") }
        if let documented = field.documented, !documented.isEmpty { line += ": one of " + documented.joined(separator: ", ") }
        return line
    }

    /// The whole reference, grouped by the first two levels of the Lua name; with `prefix`,
    /// only that subtree (`bc.catalog.products`).
    public static func markdown(prefix: String? = nil) -> String {
        var out = "# storescript bindings\n\nEvery operation of the BigCommerce store Management API (from its official OpenAPI files) and of DigiCert CertCentral. "
            + "Arguments: path parameters in path order, then the payload (query for GET and DELETE, JSON body for POST and PUT), "
            + "then options (`query`, `headers`, `timeout`).\n"
        var group = ""
        let chosen = OperationCatalog.all.filter { op in
            prefix.map { op.luaName == $0 || op.luaName.hasPrefix($0 + ".") } ?? true
        }
        for op in chosen.sorted(by: { $0.luaName < $1.luaName }) {
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
            let body = bodyLines(op)
            if !body.isEmpty { out += "\n```\n" + body.joined(separator: "\n") + "\n```\n" }
            out += "\nReturns " + returns(op, name: nil) + ".\n"
        }
        return out
    }
}
