import JSON
import StoreAPI

/// One API request as the handlers see it.
struct SandboxRequest: Sendable {
    let op: Operation
    /// Path parameters by their template names.
    let params: [String: String]
    /// The API path without `/stores/{hash}`: `/v3/catalog/products/42`.
    let path: String
    /// Decoded query pairs, in order.
    let query: [(String, String)]
    let body: JSON?
    /// The files of a multipart/form-data upload (themes, images).
    var files: [MultipartForm.Part] = []
    /// The items of a batch the schema check refused (RequestBodyCheck): failures to report
    /// beside what the handler applies.
    var rejected: [JSON] = []

    func query(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    var isV2: Bool { op.version == "v2" }

    /// The concrete collection a collection operation works on (the path itself), or the
    /// one an item operation's item lives in (the path without the id).
    var collectionPath: String {
        switch op.kind {
        case .get, .update, .delete: PathShape.parent(path)
        default: path
        }
    }

    /// The collection's template with blank parameters.
    var collectionTemplate: String {
        switch op.kind {
        case .get, .update, .delete:
            return PathShape.blank(PathShape.parent(op.path))
        default:
            // `/v3/catalog/products/metafields` holds the items of `/v3/catalog/products/{}/metafields`.
            if isStoreWideBatch { return PathShape.blank(PathShape.parent(op.path)) + "/{}/" + PathShape.last(op.path) }
            return PathShape.blank(op.path)
        }
    }

    /// A store-wide batch form (`list_all`, `create_many`, and their `update_many` and
    /// `delete_many`) rather than a plain collection's.
    var isStoreWideBatch: Bool {
        op.kind == .listAll || op.kind == .createMany
            || OperationCatalog.all.contains { $0.path == op.path && $0.kind == .listAll }
    }

    var itemID: String { PathShape.last(path) }
}

/// What a handler did: the answer and whether the store changed.
struct Outcome: Sendable {
    var status: Int
    var body: JSON?
    var applied: Bool

    static func ok(_ body: JSON?, status: Int = 200, applied: Bool = false) -> Outcome {
        Outcome(status: status, body: body, applied: applied)
    }
}
