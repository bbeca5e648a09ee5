import JSON
import StoreAPI
import Testing
@testable import StoreSandbox

/// The store's declarations hold, checked on the model itself for every one of them: each
/// relation on delete and on write, each pair of views of one entity.
@Suite struct StoreModelRules {
    let catalog = EntityCatalog.shared

    /// A row of `name` that satisfies its declarations: its parent made first, unique fields
    /// given values no other row has; the references left out (tests add the one they test).
    func makeRow(_ s: inout StoreState, _ name: EntityName, _ fields: JSONObject = JSONObject(), depth: Int = 0) throws(APIError) -> JSONObject {
        let entity = s.entity(name)
        var row = fields
        for key in entity.unique {
            for field in key.fields where row[field] == nil {
                // A unique field that names another row names a row made for it (or, for a row of
                // its own entity, none: a root category).
                if let reference = entity.references.first(where: { $0.field == field && !$0.many }) {
                    row[field] = reference.target == name ? 0 : try makeRow(&s, reference.target, depth: depth + 1)["id"]
                    continue
                }
                row[field] = entity.column(field)?.kind == .int ? .int(Int64(9000 + depth) * 1000 + Int64(try s.count(name))) : .string(try s.uuid())
            }
        }
        var parent: JSON?
        if let above = entity.parent?.entity, depth < 8 {
            parent = try makeRow(&s, above, depth: depth + 1)["id"]
        }
        let id: JSON? = entity.ids == .given ? .string(try s.uuid()) : nil
        return try s.insert(name, row, parent: parent, id: id)
    }

    @Test("every declared relation does on delete what it declares: cascade, pull, refuse or keep")
    func relationsOnDelete() throws {
        var checked = 0
        for (referrer, declared) in catalog.entities.sorted(by: { $0.key < $1.key }) {
            for reference in declared.references {
                var state = StoreState()
                try state.transaction { s throws(APIError) in
                    let target = try makeRow(&s, reference.target)
                    let targetID = target["id"]!
                    var fields = JSONObject()
                    fields[reference.field] = reference.many ? .array([targetID]) : targetID
                    // A row that refers to its own entity refers to another row of it.
                    let user = try makeRow(&s, referrer, fields)
                    let userID = user["id"]!
                    switch reference.onDelete {
                    case .refuse:
                        var refused: APIError?
                        do throws(APIError) { try s.delete(reference.target, targetID) } catch { refused = error }
                        #expect(refused?.status == 409, "\(referrer).\(reference.field) refuses the delete of its \(reference.target)")
                        #expect(try s.exists(reference.target, targetID))
                    case .cascade:
                        try s.delete(reference.target, targetID)
                        #expect(try !s.exists(referrer, userID), "\(referrer).\(reference.field) goes with its \(reference.target)")
                    case .pull:
                        try s.delete(reference.target, targetID)
                        let after = try s.row(referrer, userID)
                        let value = after?[reference.field]
                        let gone = reference.many ? (value?.arrayValue?.isEmpty ?? true) : (value.map(Reference.namesNothing) ?? true)
                        #expect(gone, "\(referrer).\(reference.field) no longer names the deleted \(reference.target): \(String(describing: value))")
                    case .keep:
                        try s.delete(reference.target, targetID)
                        #expect(try s.row(referrer, userID)?[reference.field] == user[reference.field])
                    }
                }
                checked += 1
            }
        }
        #expect(checked >= 12)
    }

    @Test("every checked reference refuses a write naming a row that does not exist")
    func relationsOnWrite() throws {
        for (referrer, declared) in catalog.entities.sorted(by: { $0.key < $1.key }) {
            for reference in declared.references {
                guard let status = reference.refusedWith else { continue }
                var state = StoreState()
                try state.transaction { s throws(APIError) in
                    let missing: JSON = s.entity(reference.target).isCounted ? .int(987_654) : "no-such-row"
                    var fields = JSONObject()
                    fields[reference.field] = reference.many ? .array([missing]) : missing
                    var refused: APIError?
                    do throws(APIError) { _ = try makeRow(&s, referrer, fields) } catch { refused = error }
                    #expect(refused?.status == status && refused?.errors.first?.0 == reference.field, "\(referrer).\(reference.field)")
                }
            }
        }
    }

    @Test("every child goes with its parent unless it declares it stays")
    func childrenOnDelete() throws {
        for (name, entity) in catalog.entities.sorted(by: { $0.key < $1.key }) where !name.raw.hasPrefix("/") {
            guard let parent = entity.parent else { continue }
            var state = StoreState()
            try state.transaction { s throws(APIError) in
                let child = try makeRow(&s, name)
                guard let above = try s.parent(of: name, child["id"]!) else { return }
                try s.delete(parent.entity, above)
                #expect(try s.exists(name, child["id"]!) == (parent.onDelete == .keep ? true : false), "\(name) under \(parent.entity)")
            }
        }
    }

    @Test("two views of one entity show the same row: the same id under either's name for it")
    func viewPairs() throws {
        var byEntity: [EntityName: [View]] = [:]
        for view in Set(catalog.views.values.map { $0.templates.joined() }).compactMap({ t in catalog.views.values.first { $0.templates.joined() == t } }) {
            byEntity[view.entity, default: []].append(view)
        }
        var pairs = 0
        for (name, views) in byEntity.sorted(by: { $0.key < $1.key }) where views.count > 1 || views.first.map({ $0.templates.count > 1 }) == true {
            var state = DemoStore.make(products: 3, seed: 1)
            try state.transaction { s throws(APIError) in
                var row = try s.rows(name).first
                if row == nil { row = try makeRow(&s, name) }
                let id = row!["id"]!
                let stored = row!
                for view in views {
                    let shown = try view.shape.shown(stored, s)
                    #expect(shown[view.shape.shownName("id")] == id, "\(name) through \(view.templates)")
                    // What a view shows, written back through it, is the row again (its own fields).
                    for (k, v) in view.shape.stored(shown) where stored[k] != nil && k != "date_created" && k != "date_modified" {
                        #expect(stored[k] == v, "\(name).\(k) through \(view.templates)")
                    }
                }
            }
            pairs += 1
        }
        #expect(pairs >= 5)
    }

    @Test("a batch item that fails leaves nothing behind; the request's transaction keeps the rest")
    func savepoints() throws {
        var state = DemoStore.make(products: 3, seed: 1)
        let before = try state.transaction { s throws(APIError) in try s.count(CatalogRules.product) }
        let outcome = try call(&state, "PUT /v3/catalog/variants", path: "/v3/catalog/variants",
                               body: [["product_id": 1, "sku": "NEW-1", "option_values": []], ["product_id": 9999, "sku": "NEW-2", "option_values": []]])
        #expect(outcome.status == 207)
        try state.transaction { s throws(APIError) in
            #expect(try s.rows(CatalogRules.variant, where: "sku", is: "NEW-1").count == 1)
            #expect(try s.rows(CatalogRules.variant, where: "sku", is: "NEW-2").isEmpty)
            #expect(try s.count(CatalogRules.product) == before)
        }
    }

    @Test("the change log holds each write once, in order, and nothing a refused request tried")
    func changeLog() throws {
        var state = DemoStore.make(products: 3, seed: 1)
        #expect(try state.transaction { s throws(APIError) in try s.changes(after: 0) }.isEmpty)
        _ = try call(&state, "PUT /v3/catalog/products/{product_id}", path: "/v3/catalog/products/1", body: ["price": 1.5])
        _ = try? call(&state, "POST /v3/catalog/products", path: "/v3/catalog/products",
                      body: ["name": "X", "type": "physical", "weight": 1, "price": 1, "brand_id": 999])
        let changes = try state.transaction { s throws(APIError) in try s.changes(after: 0) }
        #expect(changes.map(\.entity) == [CatalogRules.product, CatalogRules.variant])
        #expect(changes.allSatisfy { $0.action == .updated } && changes[0].after?["price"] == 1.5)
    }

    @Test("a cursor walk in either direction, over a typed column, a text column or a body field with nulls, sees every row once in order")
    func cursorWalks() throws {
        var state = StoreState()
        let prices: [JSON] = [5, .null, 3, 5, .null, 7, 1, 3, .null]
        let names: [JSON] = ["b", .null, "c", "a", "B", "d", .null, "e", "D"]
        try state.transaction { s throws(APIError) in
            for (price, name) in zip(prices, names) {
                var fields = JSONObject()
                fields["name"] = name
                fields["price"] = price
                fields["x_rank"] = price // a field no column holds
                _ = try makeRow(&s, CatalogRules.product, fields)
            }
        }
        for sort in ["price", "name", "x_rank"] {
            for descending in [false, true] {
                var query = RowQuery()
                query.sort = sort
                query.descending = descending
                let all = try state.transaction { s throws(APIError) in try s.rows(CatalogRules.product, query).items }
                var walked: [JSON] = []
                var cursor: String?
                repeat {
                    query.page = .after(cursor, limit: 2)
                    let page = try state.transaction { s throws(APIError) in try s.rows(CatalogRules.product, query) }
                    walked += page.items.map { $0["id"]! }
                    cursor = page.more ? page.cursors.end : nil
                } while cursor != nil
                #expect(walked == all.map { $0["id"]! }, "sort=\(sort) descending=\(descending)")
                // Nulls first ascending, last descending; ties in creation order.
                let keys = all.map { $0[sort] ?? .null }
                #expect((descending ? keys.last : keys.first) == .null, "sort=\(sort)")
            }
        }
    }
}
