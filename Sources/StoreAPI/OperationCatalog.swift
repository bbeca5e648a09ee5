/// The operation catalog: one table, generated from the official OpenAPI files, that drives
/// the bindings, help text, completion, the reference and the sandbox's routes.
public enum OperationCatalog {
    /// Every operation, in path order. Parsed once, on first use.
    public static let all: [Operation] = OperationTable.parse()

    /// Operations by Lua name (aliases included).
    public static let byLuaName: [String: Operation] = {
        var index: [String: Operation] = [:]
        for op in all { index[op.luaName] = op }
        for (method, path, name) in OperationTable.parseAliases() {
            if let op = all.first(where: { $0.method == method && $0.path == path }) { index[name] = op }
        }
        return index
    }()

    /// Operations by official operationId (`bc.op.getProducts`). A few ids name both a v2 and
    /// a v3 operation (`getCustomers`): as with Lua names (section 1b), the v3 one keeps the id
    /// and the v2 one is in `byV2OperationID` (`bc.v2.op.getCustomers`).
    public static let byOperationID: [String: Operation] = {
        var index: [String: Operation] = [:]
        for op in all where !op.operationID.isEmpty && (index[op.operationID] == nil || op.version == "v3") {
            index[op.operationID] = op
        }
        return index
    }()

    /// The v2 operations whose operationId a v3 operation also has.
    public static let byV2OperationID: [String: Operation] = {
        var index: [String: Operation] = [:]
        for op in all where op.version == "v2" && byOperationID[op.operationID] != op && !op.operationID.isEmpty {
            index[op.operationID] = op
        }
        return index
    }()

    /// The operation a Lua name calls: a binding or alias (`bc.catalog.products.list`), or an
    /// operationId (`bc.op.getProducts`, `bc.v2.op.getCustomers`).
    public static func operation(named name: String) -> Operation? {
        if name.hasPrefix("bc.op.") { return byOperationID[String(name.dropFirst(6))] }
        if name.hasPrefix("bc.v2.op.") { return byV2OperationID[String(name.dropFirst(9))] }
        return byLuaName[name]
    }

    public static var seeds: [Operation] { all.filter(\.isSeed) }

    /// The operation a request path answers to, with its path parameters.
    public static func match(method: Operation.Method, path: String) -> (Operation, [String: String])? {
        router.match(method: method, path: path)
    }

    /// Whether any operation has this path (for 405 versus 404).
    public static func hasPath(_ path: String) -> Bool { router.hasPath(path) }

    static let router = Router(all)
}

/// Matches concrete paths to templates: literal segments win over parameters, as in the API
/// (`/catalog/products/metafields` is not `/catalog/products/{product_id}`).
struct Router: Sendable {
    final class Node: @unchecked Sendable {
        // Built once in init and never mutated after: safe to share.
        var literal: [Substring: Node] = [:]
        var parameter: (name: String, node: Node)?
        var operations: [Operation.Method: Operation] = [:]
    }

    let root = Node()

    init(_ operations: [Operation]) {
        for op in operations {
            var node = root
            for seg in op.segments {
                if seg.hasPrefix("{") {
                    let name = String(seg.dropFirst().dropLast())
                    if node.parameter == nil { node.parameter = (name, Node()) }
                    node = node.parameter!.node
                } else {
                    if node.literal[seg] == nil { node.literal[seg] = Node() }
                    node = node.literal[seg]!
                }
            }
            node.operations[op.method] = op
        }
    }

    private func find(_ path: String) -> (Node, [(String, Substring)])? {
        var params: [(String, Substring)] = []
        func walk(_ node: Node, _ segs: ArraySlice<Substring>) -> Node? {
            guard let seg = segs.first else { return node.operations.isEmpty ? nil : node }
            if let next = node.literal[seg], let found = walk(next, segs.dropFirst()) { return found }
            if let (name, next) = node.parameter {
                params.append((name, seg))
                if let found = walk(next, segs.dropFirst()) { return found }
                params.removeLast()
            }
            return nil
        }
        let segs = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let node = walk(root, segs[...]) else { return nil }
        return (node, params)
    }

    func match(method: Operation.Method, path: String) -> (Operation, [String: String])? {
        guard let (node, params) = find(path), let op = node.operations[method] else { return nil }
        // Named as this operation's template names them: operations sharing a trie node may
        // spell a parameter differently (`{order_id}` and `{product_id}` under `/order/certificate`).
        let names = op.segments.filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
        var values: [String: String] = [:]
        for (name, (_, value)) in zip(names, params) { values[name] = String(value) }
        return (op, values)
    }

    func hasPath(_ path: String) -> Bool { find(path) != nil }
}
