import JSON

/// How routes show an entity: which entity a collection template reaches, and how the route
/// names its fields where that differs from how the store keeps them (v2 and v3 customers,
/// flat and tree categories). Views hold no store logic: two views of one entity read and
/// write the same rows.
struct View: Sendable {
    /// The collection templates (parameters blank) this view serves: `/v2/customers/{}/addresses`.
    let templates: [String]
    let entity: EntityName
    var shape = BodyShape()
    /// The parent every row reached through this view has, when the path names none (the flat
    /// category list is the default tree's).
    var boundParent: JSON?

    init(_ templates: String..., entity: EntityName, shape: BodyShape = BodyShape(), boundParent: JSON? = nil) {
        (self.templates, self.entity, self.shape, self.boundParent) = (templates, entity, shape, boundParent)
    }
}

/// Field names and values as a route gives them ↔ as the store keeps them.
struct BodyShape: Sendable {
    /// (as the route names it, as the store keeps it).
    var renames: [(shown: String, stored: String)] = []
    /// The rest of a request body's translation, after the renames (a v2 `_authentication` →
    /// v3 `authentication`).
    var store: (@Sendable (JSONObject) -> JSONObject)?
    /// How a stored row is shown, before the renames are applied back (a v2 date, a link to
    /// the sub-resource); it may read the store.
    var show: (@Sendable (JSONObject, StoreState) throws(APIError) -> JSONObject)?

    var isIdentity: Bool { renames.isEmpty && store == nil && show == nil }

    func stored(_ body: JSONObject) -> JSONObject {
        guard !isIdentity else { return body }
        var out = JSONObject()
        for (k, v) in body { out[storedName(k)] = v }
        return store?(out) ?? out
    }

    func shown(_ row: JSONObject, _ s: StoreState) throws(APIError) -> JSONObject {
        guard !isIdentity else { return row }
        let base = try show?(row, s) ?? row
        guard !renames.isEmpty else { return base }
        var out = JSONObject()
        for (k, v) in base { out[shownName(k)] = v }
        return out
    }

    /// A field as the store names it (for filters and sorts given in the route's names).
    func storedName(_ shown: String) -> String { renames.first { $0.shown == shown }?.stored ?? shown }
    func shownName(_ stored: String) -> String { renames.first { $0.stored == stored }?.shown ?? stored }
}
