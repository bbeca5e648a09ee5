import Testing
@testable import StoreAPI

@Suite struct Catalog {
    @Test("every seed operation is in the catalog: 149 of them")
    func seeds() {
        #expect(OperationCatalog.seeds.count == 149)
    }

    @Test("names follow the conventions: collections, ids, singletons, actions, batch forms, exceptions")
    func names() {
        let expected: [(Operation.Method, String, String)] = [
            (.GET, "/v3/catalog/products", "bc.catalog.products.list"),
            (.PUT, "/v3/catalog/products", "bc.catalog.products.update_many"),
            (.DELETE, "/v3/catalog/products", "bc.catalog.products.delete_many"),
            (.GET, "/v3/catalog/products/{product_id}", "bc.catalog.products.get"),
            (.GET, "/v3/catalog/products/metafields", "bc.catalog.products.metafields.list_all"),
            (.POST, "/v3/catalog/products/metafields", "bc.catalog.products.metafields.create_many"),
            (.PUT, "/v3/sites/{site_id}/certificate", "bc.sites.certificate.upsert"),
            (.GET, "/v3/content/widgets/search", "bc.content.widgets.search"),
            (.POST, "/v3/themes/actions/activate", "bc.themes.activate"),
            (.POST, "/v3/themes", "bc.themes.upload"),
            (.DELETE, "/v2/shipping/carrier/connection", "bc.shipping.carrier.connection.delete"),
            (.POST, "/v3/carts/{cartId}/items", "bc.carts.items.create"),
            (.POST, "/services/v2/order/certificate/{product_id}", "digicert.orders.create"),
        ]
        for (method, path, name) in expected {
            let op = OperationCatalog.all.first { $0.method == method && $0.path == path }
            #expect(op?.luaName == name, "\(method) \(path)")
        }
        #expect(OperationCatalog.byLuaName["bc.carts.items.add"]?.path == "/v3/carts/{cartId}/items")
        #expect(OperationCatalog.byOperationID["getProducts"]?.luaName == "bc.catalog.products.list")
    }

    @Test("Lua names are unique")
    func unique() {
        let names = OperationCatalog.all.map(\.luaName)
        #expect(Set(names).count == names.count)
    }

    @Test("the table carries parameters, pagination, batch limits and success statuses")
    func details() throws {
        let list = try #require(OperationCatalog.byLuaName["bc.catalog.products.list"])
        #expect(list.pagination == .page)
        #expect(list.queryParameters.contains { $0.name == "id:in" && $0.type == "integer[]" })
        #expect(list.queryParameters.contains { $0.name == "limit" && $0.type == "integer" })
        let batch = try #require(OperationCatalog.byLuaName["bc.catalog.products.update_many"])
        #expect(batch.arrayBody && batch.batchLimit == 10)
        let create = try #require(OperationCatalog.byLuaName["bc.catalog.products.create"])
        #expect(create.successStatus == 200)
        let item = try #require(OperationCatalog.byLuaName["bc.carts.items.create"])
        #expect(item.pathParameters.map(\.luaName) == ["cart_id"])
        #expect(OperationCatalog.byLuaName["bc.shipping.carrier.connection.delete"]?.deleteHasBody == true)
    }

    @Test("routing: literal segments win over parameters; parameters are captured")
    func routing() throws {
        let (op, params) = try #require(OperationCatalog.match(method: .GET, path: "/v3/catalog/products/42/variants/7"))
        #expect(op.luaName == "bc.catalog.products.variants.get")
        #expect(params == ["product_id": "42", "variant_id": "7"])
        #expect(OperationCatalog.match(method: .GET, path: "/v3/catalog/products/metafields")?.0.luaName == "bc.catalog.products.metafields.list_all")
        #expect(OperationCatalog.match(method: .GET, path: "/v3/nothing/here") == nil)
        #expect(OperationCatalog.match(method: .POST, path: "/v3/catalog/summary") == nil)
        #expect(OperationCatalog.hasPath("/v3/catalog/summary"))
    }

    @Test("a route names an operation whatever its Lua name; a route the catalog lacks is reported")
    func routes() {
        #expect(OperationCatalog.byRoute["PUT /v3/catalog/products"]?.luaName == "bc.catalog.products.update_many")
        #expect(OperationCatalog.byRoute["PUT /v3/sites/{site_id}/certificate"]?.route.description == "PUT /v3/sites/{site_id}/certificate")
        #expect(OperationCatalog.unknown(["PUT /v3/catalog/products", "PUT /v3/catalog/prodcts"]) == ["PUT /v3/catalog/prodcts"])
    }
}
