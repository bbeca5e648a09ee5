import JSON
import StoreAPI

/// What a request's route binds: the view (and so the entity) its collection shows, the
/// parent its path names, and the rows it may reach.
extension SandboxRequest {
    var view: View {
        guard let view = EntityCatalog.shared.view(template: collectionTemplate) else { preconditionFailure("no view for \(collectionTemplate)") }
        return view
    }

    var entityName: EntityName { view.entity }

    /// The parent the path names (the last id before the collection: `42` in
    /// `/v3/catalog/products/42/images`), or the one the view binds.
    var parentID: JSON? {
        let template = collectionTemplate.split(separator: "/"), concrete = collectionPath.split(separator: "/")
        guard !isStoreWideBatch, template.count == concrete.count, let i = template.lastIndex(of: "{}") else { return view.boundParent }
        return .string(String(concrete[i]))
    }
}

extension StoreState {
    /// The row an item route names, if it lives under the parent the path names.
    func viewRow(_ r: SandboxRequest, _ id: String) throws(APIError) -> JSONObject? {
        let name = r.entityName
        guard let row = try row(name, .string(id)) else { return nil }
        if let parent = r.parentID, entity(name).parent != nil {
            guard let actual = try self.parent(of: name, .string(id)), Self.key(actual) == Self.key(parent) else { return nil }
        }
        return row
    }

    /// The row as the route shows it.
    func shown(_ row: JSONObject, _ r: SandboxRequest) throws(APIError) -> JSONObject { try r.view.shape.shown(row, self) }

    /// Every id in the path must name a row where the API can read it, under the row before it
    /// (`/catalog/products/9/options/7/values` needs product 9, and its option 7).
    func checkParents(_ r: SandboxRequest) throws(APIError) {
        let segments = r.path.split(separator: "/").map(String.init)
        let templates = r.op.path.split(separator: "/").map(String.init)
        guard segments.count == templates.count else { return }
        let lastIsItem = r.op.kind == .get || r.op.kind == .update || r.op.kind == .delete
        let end = lastIsItem ? segments.count - 1 : segments.count
        var above: (entity: EntityName, id: String)?
        for i in 0..<end where templates[i].hasPrefix("{") {
            let template = PathShape.blank("/" + templates[0..<i].joined(separator: "/"))
            guard let view = catalog.view(template: template), view.templates.contains(where: StoreState.readableCollections.contains) else {
                above = nil
                continue
            }
            let id = JSON.string(segments[i])
            guard try exists(view.entity, id) else { throw APIError.notFound() }
            if let above, entity(view.entity).parent?.entity == above.entity {
                guard let parent = try parent(of: view.entity, id), Self.key(parent) == above.id else { throw APIError.notFound() }
            }
            above = (view.entity, segments[i])
        }
    }

    /// The collections (blank templates) whose items the API reads: by a GET of an item or of the list.
    static let readableCollections: Set<String> = Set(OperationCatalog.all.compactMap { op in
        guard op.method == .GET else { return nil }
        switch op.kind {
        case .get, .list, .listAll: return PathFacts.of(op).collectionTemplate
        default: return nil
        }
    })
}
