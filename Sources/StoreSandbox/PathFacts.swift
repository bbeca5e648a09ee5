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
    /// `stringIDs` is what the answer schema's `id` says (not only the path parameter's type,
    /// which some files give as string where the body says integer).
    let idsFromSchema: Bool
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

    /// The nested collection a store-wide path lists (`/v3/catalog/products/metafields` holds the
    /// items of `/v3/catalog/products/{}/metafields`; `/v3/orders/payment_actions/refunds` those of
    /// `/v3/orders/{}/payment_actions/refunds`): the catalog's template that is the path with one
    /// parameter more, else one before the last segment.
    private static func nested(_ path: String) -> String {
        let segments = PathShape.blank(path).split(separator: "/").map(String.init)
        for i in stride(from: segments.count - 1, to: 0, by: -1) {
            var candidate = segments
            candidate.insert("{}", at: i)
            let template = "/" + candidate.joined(separator: "/")
            if collectionPaths.contains(template) { return template }
        }
        return PathShape.blank(PathShape.parent(path)) + "/{}/" + PathShape.last(path)
    }

    /// The blank templates of the catalog's nested collections (lists and creates).
    private static let collectionPaths: Set<String> = Set(OperationCatalog.all.compactMap { op in
        switch op.kind {
        case .list, .create: PathShape.blank(op.path)
        case .get, .update, .delete: PathShape.blank(PathShape.parent(op.path))
        default: nil
        }
    })

    private static func make(_ op: Operation) -> PathFacts {
        let storeWide = op.kind == .listAll || op.kind == .createMany || listAllPaths.contains(op.path)
            || (op.kind == .count && listAllPaths.contains(PathShape.parent(op.path)))
        let template: String
        switch op.kind {
        case .get, .update, .delete: template = PathShape.blank(PathShape.parent(op.path))
        case .count:
            // `/v2/orders/count` counts `/v2/orders`; `/v2/countries/states/count` every country's states.
            let list = PathShape.parent(op.path)
            template = listAllPaths.contains(list) ? nested(list) : PathShape.blank(list)
        default:
            template = storeWide ? nested(op.path) : PathShape.blank(op.path)
        }
        let idType = BodySchemaTable.entry(for: op)?.idType
        let collection = op.kind == .get || op.kind == .update || op.kind == .delete ? PathShape.parent(op.path) : op.path
        return PathFacts(collectionTemplate: template, isStoreWideBatch: storeWide,
                         stringIDs: idType.map { $0 == "string" } ?? stringItemTemplates.contains(PathShape.blank(collection)),
                         idsFromSchema: idType != nil,
                         ownerField: owners[template] ?? "resource_id")
    }
}

extension Operation.Kind {
    /// The operation reads or writes rows of a collection (not a singleton, not an action).
    var isCollection: Bool {
        switch self {
        case .singletonGet, .singletonCreate, .singletonUpsert, .singletonDelete, .action: false
        default: true
        }
    }
}

/// Paths and templates: `/v3/catalog/products/42/images` is an instance of
/// `/v3/catalog/products/{}/images`.
enum PathShape {
    /// A template with its parameters blanked: `/v3/catalog/products/{product_id}` → `/v3/catalog/products/{}`.
    static func blank(_ template: some StringProtocol) -> String {
        template.split(separator: "/").map { $0.hasPrefix("{") ? "{}" : String($0) }.reduce("") { $0 + "/" + $1 }
    }

    /// The path without its last segment.
    static func parent(_ concrete: String) -> String {
        guard let slash = concrete.lastIndex(of: "/") else { return concrete }
        return String(concrete[..<slash])
    }

    static func last(_ concrete: String) -> String {
        guard let slash = concrete.lastIndex(of: "/") else { return concrete }
        return String(concrete[concrete.index(after: slash)...])
    }
}
