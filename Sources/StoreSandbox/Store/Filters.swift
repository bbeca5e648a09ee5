import JSON

/// The query filters of list endpoints over a field of the row's body, which no typed column
/// holds (RowQuery's `sbx_match`): `field=value`, `field:in`, `field:not_in`, `field:min`,
/// `field:max`, `field:greater`, `field:less`, `field:like`. A filter on a field the items do
/// not have is ignored, as the API ignores parameters it does not know.
enum Filters {
    static let skipped: Set<String> = [
        "page", "limit", "include", "include_fields", "exclude_fields", "sort", "direction", "channel_id:in",
    ]

    static func test(_ actual: JSON, _ op: String, _ value: String) -> Bool {
        switch op {
        case "eq": return equals(actual, value)
        case "in":
            let wanted = value.split(separator: ",").map(String.init)
            if case .array(let a) = actual { return a.contains { v in wanted.contains { equals(v, $0) } } }
            return wanted.contains { equals(actual, $0) }
        case "not_in":
            let unwanted = value.split(separator: ",").map(String.init)
            if case .array(let a) = actual { return !a.contains { v in unwanted.contains { equals(v, $0) } } }
            return !unwanted.contains { equals(actual, $0) }
        case "min": return compare(actual, value).map { $0 >= 0 } ?? true
        case "max": return compare(actual, value).map { $0 <= 0 } ?? true
        case "greater": return compare(actual, value).map { $0 > 0 } ?? true
        case "less": return compare(actual, value).map { $0 < 0 } ?? true
        case "like":
            guard let s = actual.stringValue else { return false }
            return s.lowercased().contains(value.lowercased())
        default: return true
        }
    }

    static func equals(_ actual: JSON, _ value: String) -> Bool {
        switch actual {
        case .int(let i): return Int64(value) == i || Double(value) == Double(i)
        case .double(let d): return Double(value) == d
        case .bool(let b): return (value == "true" || value == "1") == b && ["true", "false", "1", "0"].contains(value)
        case .string(let s): return s == value
        case .null: return value == "null" || value.isEmpty
        case .array(let a): return a.contains { equals($0, value) }
        case .object: return false
        }
    }

    /// -1, 0 or 1; numbers compare as numbers, strings (dates) as text.
    static func compare(_ actual: JSON, _ value: String) -> Int? {
        if let a = actual.doubleValue {
            guard let v = Double(value) else { return nil }
            return a < v ? -1 : (a > v ? 1 : 0)
        }
        if let s = actual.stringValue { return s < value ? -1 : (s > value ? 1 : 0) }
        return nil
    }
}
