/// One REST operation of BigCommerce (or DigiCert): everything the client, the sandbox, the
/// Lua bindings, `help()` and the generated reference need to know about it.
public struct Operation: Sendable, Hashable {
    public enum Method: String, Sendable, CaseIterable { case GET, POST, PUT, DELETE }
    public enum Pagination: String, Sendable { case none, page, offset, cursor }

    /// What the operation does to its resource.
    public enum Kind: String, Sendable {
        case list, get, create, update, delete
        case listAll = "list_all", createMany = "create_many", updateMany = "update_many", deleteMany = "delete_many"
        case singletonGet = "singleton_get", singletonCreate = "singleton_create"
        case singletonUpsert = "singleton_upsert", singletonDelete = "singleton_delete"
        /// A v2 list's `/count`: `{count: n}` of the list beside it.
        case count
        case action
    }

    public struct Parameter: Sendable, Hashable {
        public enum Location: String, Sendable { case path, query }
        /// The name in the REST API (`cartId`, `id:in`, `include_fields`).
        public let name: String
        public let location: Location
        /// The OpenAPI type: integer, number, string, boolean, or `array:<item type>`.
        public let type: String
        public let required: Bool

        /// The name as a Lua argument (`cartId` → `cart_id`).
        public var luaName: String { Operation.snakeCase(name) }
    }

    public let method: Method
    /// The path template with its version: `/v3/catalog/products/{product_id}`.
    public let path: String
    /// The binding's full Lua name: `bc.catalog.products.get`.
    public let luaName: String
    /// The official operationId (empty for a seed operation the spec no longer has).
    public let operationID: String
    public let summary: String
    public let kind: Kind
    /// The status a success answers with (200, 201, 204, ...).
    public let successStatus: Int
    public let pagination: Pagination
    /// A list that pages (by page or by offset) has `each`, `all` and `count` beside it.
    public var hasListHelpers: Bool { (pagination == .page || pagination == .offset) && (kind == .list || kind == .listAll) }
    /// The body is a JSON array (a batch form).
    public let arrayBody: Bool
    /// Items the API accepts per request in a batch body; nil when it states none.
    public let batchLimit: Int?
    /// A DELETE whose parameters travel in a JSON body.
    public let deleteHasBody: Bool
    /// One of the 149 seed operations.
    public let isSeed: Bool
    /// The spec file (and seed document) it comes from.
    public let source: String
    public let parameters: [Parameter]

    /// `v2`, `v3` or `digicert`.
    public var version: Substring { Self.version(of: path) }

    /// The service of an API path (a template or a concrete one): `v2`, `v3` or `digicert`.
    public static func version(of path: String) -> Substring {
        path.hasPrefix("/services/") ? "digicert" : path.dropFirst().prefix(while: { $0 != "/" })
    }

    public var pathParameters: [Parameter] { parameters.filter { $0.location == .path } }
    public var queryParameters: [Parameter] { parameters.filter { $0.location == .query } }

    /// The path's segments, parameters as `{name}`.
    public var segments: [Substring] { path.split(separator: "/") }

    static func snakeCase(_ name: String) -> String {
        var out = ""
        var previous: Character?
        for c in name {
            if c.isUppercase, let p = previous, p.isLowercase || p.isNumber {
                out.append("_")
            }
            out.append(c == "-" ? "_" : Character(c.lowercased()))
            previous = c
        }
        return out
    }
}
