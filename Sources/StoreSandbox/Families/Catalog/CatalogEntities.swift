import JSON

/// The catalog's entities and the routes that show them (catalog/*.v3.yml): products and what
/// hangs on them, variants (one entity, listed under their product and store-wide), categories
/// (one entity, flat and in trees), trees and brands.
extension CatalogRules {
    static let product: EntityName = "product"
    static let variant: EntityName = "variant"
    static let variantMetafield: EntityName = "variant_metafield"
    static let image: EntityName = "product_image"
    static let option: EntityName = "product_option"
    static let bulkPricingRule: EntityName = "bulk_pricing_rule"
    static let category: EntityName = "category"
    static let tree: EntityName = "category_tree"
    static let brand: EntityName = "brand"
    /// The tree every store has, for its storefront; the flat category routes read and write it.
    static let defaultTree: JSON = 1

    static let entities: [Entity] = [
        Entity(product, events: Events("store/product", type: "product", more: { change in
            guard let level = Events.changed(change, "inventory_level") else { return [] }
            return [("store/product/inventory/updated", JSONObject([("inventory", .object(JSONObject([
                ("product_id", change.after?["id"] ?? .null), ("method", "absolute"), ("value", level.after ?? 0),
            ])))]))]
        }), columns: [
            Column("name", .text), Column("sku", .text), Column("type", .text), Column("price", .real), Column("sale_price", .real),
            Column("calculated_price", .real), Column("inventory_level", .int), Column("brand_id", .int), Column("is_visible", .bool),
            Column("is_featured", .bool), Column("date_created", .time), Column("date_modified", .time), Column("total_sold", .int),
            Column("inventory_tracking", .text),
        ], unique: [UniqueKey("name"), UniqueKey("sku")], references: [
            // products_catalog.v3.yml: a product naming a category or brand that does not exist is a 409.
            Reference("brand_id", to: brand, onDelete: .pull),
            Reference("categories", to: category, many: true, onDelete: .pull),
        ]),
        Entity(variant, parent: Parent(entity: product, field: "product_id"), events: Events("store/sku", type: "sku", data: { change in
            let row = change.after ?? change.before
            return JSONObject([("sku", .object(JSONObject([("product_id", row?["product_id"] ?? .null), ("variant_id", row?["id"] ?? .null)])))])
        }, more: { change in
            guard let level = Events.changed(change, "inventory_level") else { return [] }
            return [("store/sku/inventory/updated", JSONObject([("inventory", .object(JSONObject([
                ("product_id", change.after?["product_id"] ?? .null), ("method", "absolute"), ("value", level.after ?? 0),
                ("variant_id", change.after?["id"] ?? .null),
            ])))]))]
        }), columns: [
            Column("sku", .text), Column("price", .real), Column("inventory_level", .int),
        ], unique: [UniqueKey("sku")]),
        Entity(variantMetafield, parent: Parent(entity: variant)),
        Entity(image, parent: Parent(entity: product, field: "product_id")),
        Entity(option, parent: Parent(entity: product, field: "product_id")),
        Entity(bulkPricingRule, parent: Parent(entity: product)),
        Entity(tree, columns: [Column("name", .text)]),
        Entity(category, parent: Parent(entity: tree, field: "tree_id"), events: Events("store/category", type: "category"), columns: [
            Column("parent_id", .int), Column("name", .text), Column("is_visible", .bool), Column("sort_order", .int),
        ], unique: [UniqueKey("parent_id", "name", perParent: true)], references: [
            // A category's children go with it; an unknown parent is refused.
            Reference("parent_id", to: category, onDelete: .cascade, refusedWith: 422),
        ]),
        Entity(brand, columns: [Column("name", .text)], unique: [UniqueKey("name")]),
    ]

    static let views: [View] = [
        View("/v3/catalog/products", entity: product),
        View("/v3/catalog/products/{}/variants", "/v3/catalog/variants", entity: variant),
        View("/v3/catalog/products/{}/variants/{}/metafields", "/v3/catalog/variants/{}/metafields", entity: variantMetafield),
        View("/v3/catalog/products/{}/images", entity: image),
        View("/v3/catalog/products/{}/options", entity: option),
        View("/v3/catalog/products/{}/bulk-pricing-rules", entity: bulkPricingRule),
        View("/v3/catalog/trees", entity: tree),
        View("/v3/catalog/categories", entity: category, shape: CategoryShapes.flat, boundParent: defaultTree),
        View("/v3/catalog/trees/{}/categories", entity: category, shape: CategoryShapes.tree),
        View("/v3/catalog/brands", entity: brand),
    ]
}

/// A category as the flat routes show it (`custom_url`, no tree) and as the tree routes do
/// (`category_id`, `tree_id`, `url.path`), category-trees_catalog.v3.yml.
enum CategoryShapes {
    static let flat = BodyShape(show: { row, _ in
        var out = row
        out["tree_id"] = nil
        return out
    })

    static let tree = BodyShape(renames: [("category_id", "id")], store: { body in
        var out = body
        if case .object(let url)? = body["url"] {
            out["url"] = nil
            out["custom_url"] = .object(JSONObject([("url", url["path"] ?? ""), ("is_customized", url["is_customized"] ?? false)]))
        }
        return out
    }, show: { row, _ in
        var out = row
        if let custom = row["custom_url"]?.objectValue {
            out["custom_url"] = nil
            out["url"] = .object(JSONObject([("path", custom["url"] ?? ""), ("is_customized", custom["is_customized"] ?? false)]))
        }
        return out
    })
}
