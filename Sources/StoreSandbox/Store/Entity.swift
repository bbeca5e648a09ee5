import JSON

/// What an entity is called in the store (its table, its change log, `/__sandbox/state`):
/// `product`, or, for a resource no family declares, the template of its collection
/// (`/v3/catalog/products/{}/videos`).
struct EntityName: Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    let raw: String
    init(_ raw: String) { self.raw = raw }
    init(stringLiteral raw: String) { self.raw = raw }
    var description: String { raw }
    static func < (a: EntityName, b: EntityName) -> Bool { a.raw < b.raw }
}

/// One kind of thing the store holds, declared once: how its ids are made, what it hangs on,
/// the fields filters and sorts read (typed, indexed), what must be unique, what it points
/// at and what happens to it when that is deleted. One engine (`StoreState+Rows`) enforces
/// every declaration for every route that reaches the entity.
struct Entity: Sendable {
    enum IDs: Sendable, Equatable {
        /// Integers the store counts, store-wide, never reused; the first is `first`.
        case counted(first: Int64)
        /// UUIDs (widgets, themes, carts).
        case uuid
        /// The creator names it (a carrier's `carrier_id`, a channel's active theme).
        case given
        static let counted = IDs.counted(first: 1)
    }

    let name: EntityName
    var ids: IDs = .counted
    var parent: Parent?
    var columns: [Column] = []
    var unique: [UniqueKey] = []
    var references: [Reference] = []
    /// How the store writes the dates it stamps (v2's entities write RFC 2822).
    var dates = DateStyle.rfc3339
    /// The webhook events its changes fire.
    var events: Events?
    /// Bookkeeping the API does not show (jobs, theme files): kept out of the change log.
    var isInternal = false

    init(_ name: EntityName, ids: IDs = .counted, parent: Parent? = nil, events: Events? = nil, columns: [Column] = [],
         unique: [UniqueKey] = [], references: [Reference] = [], dates: DateStyle = .rfc3339, isInternal: Bool = false) {
        (self.name, self.ids, self.parent, self.events, self.columns, self.unique, self.references, self.dates, self.isInternal)
            = (name, ids, parent, events, columns, unique, references, dates, isInternal)
    }

    var isCounted: Bool { if case .counted = ids { return true } else { return false } }

    /// What a message calls one row: `product`, `custom field` (`/v3/catalog/products/{}/custom-fields`).
    var noun: String {
        guard name.raw.hasPrefix("/") else { return name.raw.replacingUnderscores }
        let last = name.raw.split(separator: "/").last { $0 != "{}" }.map(String.init) ?? name.raw
        return String(StoreState.singular(last).map { $0 == "-" || $0 == "_" ? " " : $0 })
    }

    /// The column of `field`, declared or implied by a unique key.
    func column(_ field: String) -> Column? { allColumns.first { $0.field == field } }

    /// Declared columns, then any a unique key needs (as text).
    var allColumns: [Column] {
        var out = columns
        for key in unique { for f in key.fields where !out.contains(where: { $0.field == f }) { out.append(Column(f, .text)) } }
        return out
    }
}

/// How dates are written: v3's RFC 3339 (`2024-05-01T12:00:00+00:00`) or v2's RFC 2822
/// (`Wed, 01 May 2024 12:00:00 +0000`).
enum DateStyle: Sendable {
    case rfc3339, rfc2822

    func format(_ seconds: Int64) -> String {
        switch self {
        case .rfc3339: Clock.timestamp(Int(seconds))
        case .rfc2822: Clock.rfc2822(Int(seconds))
        }
    }

    /// A date written in either style, in this one (unchanged when it is not a date).
    func convert(_ value: JSON) -> JSON {
        guard let text = value.stringValue, let seconds = Instant.seconds(text) else { return value }
        return .string(format(seconds))
    }
}

/// What an entity hangs on: its rows are found under the parent's path (`/products/{id}/images`)
/// and go with it when it is deleted (or stay, `keep`).
struct Parent: Sendable {
    let entity: EntityName
    /// The body field the store writes with the parent's id (`product_id`); nil when only the path names it.
    var field: String?
    var onDelete: DeleteRule = .cascade
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}

/// A field kept in its own typed, indexed column, so filters and sorts compare it as its type.
struct Column: Sendable {
    enum Kind: Sendable { case int, real, text, bool
        /// An instant, kept as epoch seconds: RFC 3339, RFC 2822, a date, or epoch seconds in the body.
        case time
    }
    let field: String
    let kind: Kind
    init(_ field: String, _ kind: Kind) { (self.field, self.kind) = (field, kind) }

    /// The column's name in the entity's table (apart from `id`, `parent`, `body`).
    var sqlName: String { "f_" + field }
}

/// Fields whose values no two rows share (store-wide, or under one parent).
struct UniqueKey: Sendable {
    let fields: [String]
    var perParent = false
    var ignoringCase = false
    /// Values that may repeat (an empty SKU names nothing).
    var exempt: Set<String> = [""]
    /// What a duplicate answers: 409, or 422 where the file says so.
    var status = 409

    init(_ fields: String..., perParent: Bool = false, ignoringCase: Bool = false, status: Int = 409) {
        (self.fields, self.perParent, self.ignoringCase, self.status) = (fields, perParent, ignoringCase, status)
    }
}

/// A field that names another entity's row (`brand_id`, the array `categories`, `widget_uuid`).
struct Reference: Sendable {
    let field: String
    let target: EntityName
    /// The field is an array of ids.
    var many = false
    var onDelete: DeleteRule
    /// A write naming a row that does not exist is refused with this status (nil: not checked).
    var refusedWith: Int? = 409
    /// How a refused delete says why, before the referring row's id (`is active on channel`);
    /// nil: `is in use by <entity>`.
    var inUse: String?

    init(_ field: String, to target: EntityName, many: Bool = false, onDelete: DeleteRule, refusedWith: Int? = 409, inUse: String? = nil) {
        (self.field, self.target, self.many, self.onDelete, self.refusedWith, self.inUse) = (field, target, many, onDelete, refusedWith, inUse)
    }

    /// Values that name no row: 0, null, "" (a product without a brand has `brand_id` 0).
    static func namesNothing(_ v: JSON) -> Bool {
        switch v {
        case .null: true
        case .int(let i): i == 0
        case .double(let d): d == 0
        case .string(let s): s.isEmpty
        default: false
        }
    }
}

/// What happens to a row when the row it refers to is deleted.
enum DeleteRule: Sendable {
    /// It is deleted too (a product's variants).
    case cascade
    /// The id leaves it: removed from an array, or reset to 0 for a single reference
    /// (a deleted category leaves its products' `categories`).
    case pull
    /// The delete is refused (409) while any row refers to it (a widget template in use).
    case refuse
    /// Nothing changes (orders keep their lines' product ids).
    case keep
}
