import JSON
import StoreAPI

/// Metafields, wherever they hang (products, brands, orders, carts, channels, ...): the four
/// fields the API requires, namespace+key unique per owner, and the owner they name
/// (`resource_type`, `resource_id`), filled in from the path. Registered on every metafield
/// route of the catalog.
enum MetafieldRules: ResourceFamily {
    /// Every metafield collection (wherever it hangs): namespace and key unique per owner.
    static func refine(_ entity: inout Entity, template: String) {
        guard template.hasSuffix("/metafields") else { return }
        entity.columns += [Column("namespace", .text), Column("key", .text)]
        entity.unique.append(UniqueKey("namespace", "key", perParent: true))
        if entity.parent != nil { entity.parent?.field = "resource_id" }
    }

    static func register(_ hooks: inout Hooks) {
        for op in OperationCatalog.all where op.path.hasSuffix("/metafields") && op.version == "v3" {
            switch op.kind {
            case .create: hooks.replace(op.route) { s, r throws(APIError) in try createMetafield(&s, r) }
            case .createMany: hooks.validate(op.route) { _, r in r.body = owning(r.body, template: r.collectionTemplate) }
            default: break
            }
        }
    }

    /// What a metafield hangs on: `/v3/catalog/brands/{}/metafields` → brand.
    static func resourceType(_ template: String) -> String {
        StoreState.singular(template.split(separator: "/").filter { $0 != "{}" }.dropLast().last.map(String.init) ?? "")
    }

    /// Each item of a store-wide batch names its resource type.
    static func owning(_ body: JSON?, template: String) -> JSON? {
        guard case .array(let items)? = body else { return body }
        return .array(items.map { item in
            guard case .object(var o) = item else { return item }
            if o["resource_type"] == nil { o["resource_type"] = .string(resourceType(template)) }
            if o["description"] == nil { o["description"] = "" }
            return .object(o)
        })
    }

    static func createMetafield(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome? {
        let body = try s.objectBody(r)
        var errors: [(String, String)] = []
        for field in ["namespace", "key", "value", "permission_set"] where body[field]?.stringValue == nil {
            errors.append((field, "\(field) is a required field"))
        }
        if !errors.isEmpty { throw APIError.invalid("The request payload is invalid", errors) }
        try s.checkParents(r)
        var full = body
        full["resource_type"] = full["resource_type"] ?? .string(resourceType(r.collectionTemplate))
        full["description"] = full["description"] ?? ""
        let created: JSONObject
        do throws(APIError) {
            created = try s.create(full, r)
        } catch where error.status == 409 {
            throw APIError.conflict("A metafield with this namespace and key already exists", [
                ("key", "namespace \(body["namespace"]!.stringValue!) and key \(body["key"]!.stringValue!) are taken"),
            ])
        }
        return .ok(s.envelope(r, .object(created)), status: r.op.successStatus, applied: true)
    }

}
