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
    /// What a family's check may rewrite before the store sees it.
    var body: JSON?
    /// The files of a multipart/form-data upload (themes, images).
    var files: [MultipartForm.Part] = []
    /// The items of a batch the schema check refused (RequestBodyCheck): failures to report
    /// beside what the handler applies.
    var rejected: [JSON] = []
    /// Where the client reached the sandbox (`http://127.0.0.1:8080`), for URLs the store gives out.
    var origin = ""
    /// The request's sequence in the request log (the change log names it).
    var sequence = 0

    func query(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    var isV2: Bool { op.version == "v2" }

    /// The concrete collection a collection operation works on (the path itself), or the
    /// one an item operation's item lives in (the path without the id).
    var collectionPath: String {
        switch op.kind {
        // `/v2/orders/101/shipments/count` counts `/v2/orders/101/shipments`.
        case .get, .update, .delete, .count: PathShape.parent(path)
        default: path
        }
    }

    /// What the catalog says about the operation's path (computed once per operation).
    var facts: PathFacts { PathFacts.of(op) }

    /// The collection's template with blank parameters.
    var collectionTemplate: String { facts.collectionTemplate }

    var isStoreWideBatch: Bool { facts.isStoreWideBatch }

    var itemID: String { PathShape.last(path) }
}

/// What a handler did: the answer and whether the store changed.
struct Outcome: Sendable {
    var status: Int
    var body: JSON?
    var applied: Bool
    /// A body that is not JSON (a PEM download).
    var raw: RawBody?

    struct RawBody: Sendable {
        var bytes: [UInt8]
        var type: String
    }

    init(status: Int, body: JSON?, applied: Bool, raw: RawBody? = nil) {
        (self.status, self.body, self.applied, self.raw) = (status, body, applied, raw)
    }

    static func ok(_ body: JSON?, status: Int = 200, applied: Bool = false) -> Outcome {
        Outcome(status: status, body: body, applied: applied)
    }
}
