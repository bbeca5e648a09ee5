import JSON

/// Which webhook events a change of an entity fires (webhooks.v3.yml's event schemas): its
/// scope's `created`, `updated` and `deleted`, with `data.type` and `data.id`, and what else the
/// event's schema puts in `data` or fires beside it (an order's `statusUpdated`, a product's
/// `inventory/updated`).
struct Events: Sendable {
    /// `store/product`: a change fires `store/product/created`, `/updated` or `/deleted`.
    let scope: String
    /// `data.type`: `product`, `sku`, `customer`, ...
    let type: String
    /// What else `data` holds, from the change (a shipment's `orderId`).
    var data: (@Sendable (Change) -> JSONObject)?
    /// Events besides the scope's own (with their `data` beyond type and id).
    var more: (@Sendable (Change) -> [(scope: String, data: JSONObject)])?
    /// What an update fires instead of `updated` (an order's is `store/order/updated` too; a
    /// v2 order "deleted" is archived: `store/order/archived`).
    var deleted = "deleted"

    init(_ scope: String, type: String, deleted: String = "deleted", data: (@Sendable (Change) -> JSONObject)? = nil,
         more: (@Sendable (Change) -> [(scope: String, data: JSONObject)])? = nil) {
        (self.scope, self.type, self.deleted, self.data, self.more) = (scope, type, deleted, data, more)
    }

    /// The events a change fires: scope and `data`.
    func fired(by change: Change) -> [(scope: String, data: JSONObject)] {
        let row = change.after ?? change.before ?? JSONObject()
        var data = JSONObject([("type", .string(type)), ("id", row["id"] ?? .string(change.id))])
        for (k, v) in self.data?(change) ?? JSONObject() { data[k] = v }
        let verb = switch change.action {
        case .created: "created"
        case .updated: "updated"
        case .deleted: deleted
        }
        var out = [(scope + "/" + verb, data)]
        for (scope, extra) in more?(change) ?? [] {
            var d = JSONObject([("type", .string(type)), ("id", row["id"] ?? .string(change.id))])
            for (k, v) in extra { d[k] = v }
            out.append((scope, d))
        }
        return out
    }

    /// A field that changed, with its value before and after.
    static func changed(_ change: Change, _ field: String) -> (before: JSON?, after: JSON?)? {
        guard change.action == .updated, change.before?[field] != change.after?[field] else { return nil }
        return (change.before?[field], change.after?[field])
    }
}
