/// A JSON value. Integers stay integers (`id` is never `1.0`); objects keep their key order,
/// so what the sandbox stores is what it answers.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9e18: return Int64(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { self == .null }

    /// The JSON type's name, as error messages say it.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// An object that keeps the order its keys were first set in. Keys and values are kept in
/// that order (walking an object hashes nothing); a key is found by a scan while the object
/// is small and through an index of slots once it is not.
public struct JSONObject: Sendable, Hashable, Sequence {
    public private(set) var keys: [String] = []
    private var values: [JSON] = []
    /// key → position, kept only above `scanned` keys: comparing short keys costs less than
    /// hashing them, and most objects (a product has 50 keys) are read a few times at most.
    private var slots: [String: Int]?
    private static let scanned = 64

    public init() {}

    public init(_ pairs: [(String, JSON)]) {
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    /// The parser's pairs, in their order; a repeated key keeps its first place and its last value.
    init(parsedKeys: [String], values parsed: [JSON]) {
        guard parsedKeys.count > Self.scanned else {
            for (k, v) in zip(parsedKeys, parsed) { self[k] = v }
            return
        }
        var index = [String: Int](minimumCapacity: parsedKeys.count)
        keys.reserveCapacity(parsedKeys.count)
        values.reserveCapacity(parsedKeys.count)
        for (k, v) in zip(parsedKeys, parsed) {
            if let at = index[k] {
                values[at] = v
            } else {
                index[k] = keys.count
                keys.append(k)
                values.append(v)
            }
        }
        slots = index
    }

    public var count: Int { keys.count }

    private func slot(_ key: String) -> Int? {
        if let slots { return slots[key] }
        return keys.firstIndex(of: key)
    }

    public subscript(key: String) -> JSON? {
        get { slot(key).map { values[$0] } }
        set {
            if let newValue {
                if let at = slot(key) {
                    values[at] = newValue
                    return
                }
                keys.append(key)
                values.append(newValue)
                if slots != nil {
                    slots![key] = keys.count - 1
                } else if keys.count > Self.scanned {
                    indexSlots()
                }
            } else if let at = slot(key) {
                keys.remove(at: at)
                values.remove(at: at)
                if slots != nil { indexSlots() }
            }
        }
    }

    private mutating func indexSlots() {
        var index = [String: Int](minimumCapacity: keys.count)
        for (n, k) in keys.enumerated() { index[k] = n }
        slots = index
    }

    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var index = 0
        public mutating func next() -> (key: String, value: JSON)? {
            guard index < object.keys.count else { return nil }
            defer { index += 1 }
            return (object.keys[index], object.values[index])
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }

    /// Equal when they hold the same keys with equal values, in any order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in a where b[k] != v { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        // Order does not count: the pairs' hashes are summed.
        var sum = 0
        for (k, v) in self {
            var pair = Hasher()
            pair.combine(k)
            pair.combine(v)
            sum = sum &+ pair.finalize()
        }
        h.combine(count)
        h.combine(sum)
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral v: String) { self = .string(v) }
    public init(integerLiteral v: Int64) { self = .int(v) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
    public init(floatLiteral v: Double) { self = .double(v) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(JSONObject(elements)) }
}
