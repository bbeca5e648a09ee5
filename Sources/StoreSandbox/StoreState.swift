import JSON

/// The items under one concrete collection path (`/v3/catalog/products/42/images`), in
/// creation order.
struct ResourceCollection: Sendable {
    var items: [String: JSONObject] = [:]
    var order: [String] = []
    var nextID: Int64 = 1
    /// Changes not yet written to the database (nil: removed).
    var pending: [String: JSONObject?] = [:]
    /// For the fields that must be unique in this collection (a product's name and sku): value →
    /// the ids that have it, so a uniqueness check costs the same in a store of any size.
    private(set) var index: [String: [String: Set<String>]] = [:]
    /// The indexed fields, apart from the index: iterating its keys while changing it would
    /// copy it on every insert.
    private let uniqueFields: [String]

    init(uniqueFields: [String] = []) {
        self.uniqueFields = uniqueFields
        for field in uniqueFields { index[field] = [:] }
    }

    mutating func insert(_ id: String, _ object: JSONObject) {
        let old = items.updateValue(object, forKey: id)
        if old == nil { order.append(id) }
        pending[id] = .some(object)
        reindex(id, from: old, to: object)
    }

    mutating func remove(_ id: String) -> JSONObject? {
        guard let old = items.removeValue(forKey: id) else { return nil }
        if let i = order.firstIndex(of: id) { order.remove(at: i) }
        pending[id] = .some(nil)
        reindex(id, from: old, to: nil)
        return old
    }

    /// The ids whose `field` is `value` (only for a unique field).
    func ids(_ field: String, _ value: String) -> Set<String> { index[field]?[value] ?? [] }

    private mutating func reindex(_ id: String, from old: JSONObject?, to new: JSONObject?) {
        for field in uniqueFields {
            let before = old?[field]?.stringValue, after = new?[field]?.stringValue
            guard before != after else { continue }
            if let before { index[field]![before]?.remove(id) }
            if let after { index[field]![after, default: []].insert(id) }
        }
    }

    var all: [JSONObject] { order.compactMap { items[$0] } }
}

/// Everything the sandbox store holds. Guarded by the sandbox's lock; every handler runs
/// on it synchronously.
struct StoreState: Sendable {
    /// Concrete collection path → its items.
    var collections: [String: ResourceCollection] = [:]
    /// Collection template (`/v3/catalog/products/{}/images`) → its concrete paths.
    var byTemplate: [String: Set<String>] = [:]
    /// Concrete path of a singleton (`/v3/sites/1/certificate`) → the object.
    var singletons: [String: JSON] = [:] {
        didSet { for (k, v) in singletons where oldValue[k] != v { dirtySingletons.insert(k) }
                 for k in oldValue.keys where singletons[k] == nil { dirtySingletons.insert(k) } }
    }
    /// Singletons changed since the last database flush.
    var dirtySingletons: Set<String> = []
    var uuidCounter: UInt64 = 0
    /// The store's clock: wall time, moved forward by tests (`/__sandbox/time`).
    var clock = SandboxClock()
    /// How long the store's slow work takes (theme jobs, certificate issuance).
    var timing = SandboxConfiguration.Timing()

    /// The collections whose ids are unique in the whole store, not only under their parent: a
    /// variant's id names it without its product (`PUT /v3/catalog/variants` takes only ids).
    static let storeWideIDs: Set<String> = ["/v3/catalog/products/{}/variants"]

    /// The next id for an item of `path`: its collection's next, or for store-wide ids the
    /// next of every collection of the template (each collection's next id is above its
    /// items', so the largest is above all of them, and it is kept with the collections).
    mutating func takeID(path: String, template: String) -> Int64 {
        var id = collections[path]?.nextID ?? 1
        if Self.storeWideIDs.contains(template) {
            for other in byTemplate[template] ?? [] { id = max(id, collections[other]?.nextID ?? 1) }
        }
        withCollection(path, template: template) { $0.nextID = id + 1 }
        return id
    }

    /// The fields each collection template keeps unique (and so indexes).
    static let uniqueFields: [String: [String]] = [CatalogRules.products: ["name", "sku"]]

    /// A deterministic UUID-shaped id.
    mutating func uuid() -> String {
        uuidCounter += 1
        var r = SeededRandom(seed: uuidCounter &* 0x2545F4914F6CDD1D)
        func hex(_ n: Int) -> String {
            var s = ""
            for _ in 0..<n { s += String(r.next() % 16, radix: 16) }
            return s
        }
        return "\(hex(8))-\(hex(4))-4\(hex(3))-a\(hex(3))-\(hex(12))"
    }

    func collection(_ path: String) -> ResourceCollection? { collections[path] }

    /// In memory there is nothing to write: drop the change journal.
    mutating func forgetPending() {
        for (path, c) in collections where !c.pending.isEmpty { collections[path]!.pending = [:] }
        dirtySingletons = []
    }

    mutating func withCollection<T>(_ path: String, template: String, _ body: (inout ResourceCollection) throws -> T) rethrows -> T {
        if collections[path] == nil {
            collections[path] = ResourceCollection(uniqueFields: StoreState.uniqueFields[template] ?? [])
            byTemplate[template, default: []].insert(path)
        }
        return try body(&collections[path]!)
    }

    /// Items of every concrete collection of a template, with their collection paths.
    func all(template: String) -> [(String, JSONObject)] {
        var out: [(String, JSONObject)] = []
        for path in (byTemplate[template] ?? []).sorted() {
            for item in collections[path]?.all ?? [] { out.append((path, item)) }
        }
        return out
    }

    /// The state as one JSON document (for `/__sandbox/state` and persistence).
    var snapshot: JSON {
        var cols = JSONObject()
        for path in collections.keys.sorted() {
            cols[path] = .array(collections[path]!.all.map { .object($0) })
        }
        var singles = JSONObject()
        for path in singletons.keys.sorted() { singles[path] = singletons[path] }
        return .object(JSONObject([("collections", .object(cols)), ("singletons", .object(singles))]))
    }
}

/// Paths and templates: `/v3/catalog/products/42/images` is an instance of
/// `/v3/catalog/products/{}/images`.
enum PathShape {
    /// A template with its parameters blanked: `/v3/catalog/products/{product_id}` → `/v3/catalog/products/{}`.
    static func blank(_ template: some StringProtocol) -> String {
        template.split(separator: "/").map { $0.hasPrefix("{") ? "{}" : String($0) }.reduce("") { $0 + "/" + $1 }
    }

    /// Fills a template's parameters from a concrete path with the same number of segments.
    static func parent(_ concrete: String) -> String {
        guard let slash = concrete.lastIndex(of: "/") else { return concrete }
        return String(concrete[..<slash])
    }

    static func last(_ concrete: String) -> String {
        guard let slash = concrete.lastIndex(of: "/") else { return concrete }
        return String(concrete[concrete.index(after: slash)...])
    }
}
