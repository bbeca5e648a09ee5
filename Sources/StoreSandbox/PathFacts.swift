import StoreAPI

/// What the generic layer needs to know about an operation's path, read once from the
/// catalog: which collection template it works on, whether its ids are strings, whether it
/// is a store-wide batch form and what names an item's owner.
struct PathFacts: Sendable {
    /// The collection's template with blank parameters (`/v3/catalog/products/{}/images`).
    let collectionTemplate: String
    /// A store-wide batch form (`list_all`, `create_many`, and their `update_many` and `delete_many`).
    let isStoreWideBatch: Bool
    /// Items get UUIDs rather than counted ids (widgets, themes, carts).
    let stringIDs: Bool
    /// The field that names an item's owner in a store-wide batch (`tree_id`, else `resource_id`).
    let ownerField: String

    static func of(_ op: Operation) -> PathFacts { byRoute[op.route] ?? make(op) }

    static let byRoute: [Route: PathFacts] = Dictionary(OperationCatalog.all.map { ($0.route, make($0)) }) { a, _ in a }

    private static let listAllPaths: Set<String> = Set(OperationCatalog.all.filter { $0.kind == .listAll }.map(\.path))

    /// Item templates (blank) whose last parameter is a string.
    private static let stringItemTemplates: Set<String> = Set(OperationCatalog.all.compactMap { op in
        op.pathParameters.last?.type == "string" && op.path.hasSuffix("}") ? PathShape.blank(PathShape.parent(op.path)) : nil
    })

    /// A nested collection's template → the path parameter naming its owner.
    private static let owners: [String: String] = OperationCatalog.all.reduce(into: [:]) { fields, op in
        let template = PathShape.blank(op.path)
        if fields[template] == nil, let owner = op.pathParameters.last { fields[template] = owner.luaName }
    }

    private static func make(_ op: Operation) -> PathFacts {
        let storeWide = op.kind == .listAll || op.kind == .createMany || listAllPaths.contains(op.path)
        let template: String
        switch op.kind {
        case .get, .update, .delete: template = PathShape.blank(PathShape.parent(op.path))
        default:
            // `/v3/catalog/products/metafields` holds the items of `/v3/catalog/products/{}/metafields`.
            template = storeWide ? PathShape.blank(PathShape.parent(op.path)) + "/{}/" + PathShape.last(op.path) : PathShape.blank(op.path)
        }
        let idType = BodySchemaTable.entry(for: op)?.idType
        let collection = op.kind == .get || op.kind == .update || op.kind == .delete ? PathShape.parent(op.path) : op.path
        return PathFacts(collectionTemplate: template, isStoreWideBatch: storeWide,
                         stringIDs: idType.map { $0 == "string" } ?? stringItemTemplates.contains(PathShape.blank(collection)),
                         ownerField: owners[template] ?? "resource_id")
    }
}
