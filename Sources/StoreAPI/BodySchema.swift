import JSON

/// A request body's schema, reduced from the official OpenAPI file to what validation needs
/// (see scripts/generate-catalog.py). The sandbox checks bodies against it as the API does.
/// Fields an object's schema does not describe are dropped, as the API ignores them, unless
/// it says otherwise (`additionalProperties`: false refuses them, true or a schema keeps them);
/// the generator adds the few fields the API takes that the official files leave out (a
/// modifier value's `label`).
public final class BodySchema: Sendable {
    public let type: String?
    public let properties: [String: BodySchema]?
    public let required: [String]
    public let items: BodySchema?
    public let allowed: [JSON]?
    public let nullable: Bool
    /// `date` or `date-time`.
    public let format: String?
    public let maxLength: Int?
    public let minLength: Int?
    public let maximum: Double?
    public let minimum: Double?
    /// A string's pattern (ECMA-262 as JSON Schema says; the official files use the subset Swift's
    /// Regex reads too). Compiled when a value is checked: a Regex is not Sendable, and few fields have one.
    public let pattern: String?
    /// What becomes of fields `properties` does not name: nil dropped, true kept, false refused.
    public let additionalProperties: Bool?
    /// Values the official file documents elsewhere than in an enum (a hook's scope: the events
    /// it describes one by one); listed by help, not enforced.
    public let documented: [String]?

    init(_ j: JSON) {
        type = j["t"]?.stringValue
        properties = j["p"]?.objectValue.map { o in
            var d: [String: BodySchema] = [:]
            for (k, v) in o { d[k] = BodySchema(v) }
            return d
        }
        required = j["r"]?.arrayValue?.compactMap(\.stringValue) ?? []
        items = j["i"].map(BodySchema.init)
        allowed = j["e"]?.arrayValue
        nullable = j["n"] != nil
        format = j["f"]?.stringValue
        maxLength = j["ml"]?.intValue.map(Int.init)
        minLength = j["mn"]?.intValue.map(Int.init)
        maximum = j["max"]?.doubleValue
        minimum = j["min"]?.doubleValue
        pattern = j["pt"]?.stringValue
        additionalProperties = j["ap"]?.intValue.map { $0 == 1 }
        documented = j["d"]?.arrayValue?.compactMap(\.stringValue)
    }

    public struct Violation: Sendable {
        public let field: String
        public let message: String
    }

    /// The value (checked fields normalized) and what is wrong with it.
    public func check(_ value: JSON, at path: String = "") -> (JSON, [Violation]) {
        var problems: [Violation] = []
        let cleaned = check(value, path, &problems)
        return (cleaned, problems)
    }

    private func check(_ value: JSON, _ path: String, _ problems: inout [Violation]) -> JSON {
        let field = path.isEmpty ? "body" : path
        if value == .null {
            if !nullable && type != nil { problems.append(Violation(field: field, message: "\(field) must not be null")) }
            return value
        }
        if let allowed, !allowed.isEmpty, !allowed.contains(value) {
            problems.append(Violation(field: field, message: "\(field) must be one of \(allowed.map(\.text).joined(separator: ", "))"))
        }
        switch (type, value) {
        case ("string"?, .string(let s)):
            let n = s.unicodeScalars.count
            if let maxLength, n > maxLength { problems.append(Violation(field: field, message: "\(field) is longer than \(maxLength) characters")) }
            if let minLength, n < minLength { problems.append(Violation(field: field, message: "\(field) is shorter than \(minLength) characters")) }
            if let pattern, let regex = try? Regex(pattern), (try? regex.firstMatch(in: s)) == nil {
                problems.append(Violation(field: field, message: "\(field) must match \(pattern)"))
            }
            if let format, !DateFormat.matches(s, format) {
                problems.append(Violation(field: field, message: "\(field) must be an RFC 3339 \(format)"))
            }
        case ("integer"?, .int), ("number"?, .int), ("number"?, .double):
            let d = value.doubleValue!
            if let maximum, d > maximum { problems.append(Violation(field: field, message: "\(field) must be at most \(JSON.double(maximum).text)")) }
            if let minimum, d < minimum { problems.append(Violation(field: field, message: "\(field) must be at least \(JSON.double(minimum).text)")) }
        case ("boolean"?, .bool):
            break
        case ("array"?, .array(let a)):
            guard let items else { return value }
            return .array(a.enumerated().map { items.check($1, "\(field).\($0)", &problems) })
        case ("object"?, .object(let o)):
            return checkObject(o, path, &problems)
        case (nil, .object(let o)):
            return properties == nil ? value : checkObject(o, path, &problems)
        case (nil, _):
            break
        default:
            problems.append(Violation(field: field, message: "\(field) must be \(article(type!)), got \(value.typeName)"))
        }
        return value
    }

    private func checkObject(_ o: JSONObject, _ path: String, _ problems: inout [Violation]) -> JSON {
        for name in required where o[name] == nil {
            problems.append(Violation(field: path.isEmpty ? name : "\(path).\(name)", message: "\(name) is a required field"))
        }
        guard let properties else { return .object(o) }
        var kept = JSONObject()
        for (k, v) in o {
            let field = path.isEmpty ? k : "\(path).\(k)"
            if let schema = properties[k] {
                kept[k] = schema.check(v, field, &problems)
            } else if additionalProperties == true {
                kept[k] = v
            } else if additionalProperties == false {
                problems.append(Violation(field: field, message: "\(field) is not a field of this object"))
            }
        }
        return .object(kept)
    }

    private func article(_ t: String) -> String { t == "integer" || t == "array" || t == "object" ? "an \(t)" : "a \(t)" }
}

/// How an operation's 422 answer holds its errors.
public enum ErrorShape: Int, Sendable {
    /// `{status, title, type, errors: {field: message}}`
    case flat = 0
    /// `{status, title, type, errors: [{status, title, type}]}` (batch forms)
    case array = 1
    /// `{errors: {status, title, type, errors: {...}}, meta: {}}`
    case nested = 2
}

/// The generated table of request schemas, read once on first use.
public enum BodySchemaTable {
    public struct Entry: Sendable {
        public let schema: BodySchema?
        /// How the operation's 422 answer holds its errors.
        public let errorShape: ErrorShape
        /// How its 404 answer does.
        public let notFoundShape: ErrorShape
        /// Fields the answer must have whatever `include_fields` asks (the schema requires them).
        public let requiredInAnswer: [String]
        /// The success answer is the value itself, not `{data, meta}`.
        public let bareAnswer: Bool
        /// The fields of a multipart/form-data body that carry a file (`image_file`, `file`).
        public let uploadFields: [String]
        /// What to answer where nothing is stored: a singleton's whole answer, or the fields an
        /// item of the answer must have, with values of their types.
        public let defaults: JSONObject?
        /// Whether the answer's data is an `array` or an `object`, where the official file says.
        public let answerShape: String?
        /// The type of a created item's `id` (`integer` or `string`), where the official file says.
        public let idType: String?
        /// A batch answers 207 Multi-Status when some of its items fail (the others are applied).
        public let multiStatus: Bool
        /// A GET answers 204 No Content when it holds nothing (orders.v2.oas2.yml's shipments).
        public let emptyIsNoContent: Bool
    }

    public static let entries: [String: Entry] = {
        var out: [String: Entry] = [:]
        for line in rows.split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t"), let j = try? JSON.parse(String(line[line.index(after: tab)...])) else { continue }
            let s = j["s"]
            let schema = (s?.objectValue?.count ?? 0) > 0 ? BodySchema(s!) : nil
            out[String(line[..<tab])] = Entry(schema: schema, errorShape: ErrorShape(rawValue: Int(j["a"]?.intValue ?? 0)) ?? .flat,
                                              notFoundShape: ErrorShape(rawValue: Int(j["a4"]?.intValue ?? 0)) ?? .flat,
                                              requiredInAnswer: j["k"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                              bareAnswer: j["b"]?.intValue == 1,
                                              uploadFields: j["u"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                              defaults: j["d"]?.objectValue, answerShape: j["o"]?.stringValue,
                                              idType: j["it"]?.stringValue, multiStatus: j["m"]?.intValue == 1,
                                              emptyIsNoContent: j["z"]?.intValue == 1)
        }
        return out
    }()

    public static func entry(for op: Operation) -> Entry? { entries["\(op.method.rawValue) \(op.path)"] }
}

/// RFC 3339 `full-date` (2024-05-01) and `date-time` (2024-05-01T12:00:00Z, with an offset or
/// fractional seconds), as JSON Schema's formats mean them.
enum DateFormat {
    static func matches(_ s: String, _ format: String) -> Bool {
        let b = Array(s.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= b.count && r.allSatisfy { b[$0] >= 0x30 && b[$0] <= 0x39 } }
        func at(_ i: Int, _ c: Character) -> Bool { i < b.count && b[i] == c.asciiValue! }
        guard digits(0..<4), at(4, "-"), digits(5..<7), at(7, "-"), digits(8..<10) else { return false }
        let month = Int(b[5] - 48) * 10 + Int(b[6] - 48), day = Int(b[8] - 48) * 10 + Int(b[9] - 48)
        guard (1...12).contains(month), (1...31).contains(day) else { return false }
        if format == "date" { return b.count == 10 }
        guard b.count >= 20, at(10, "T") || at(10, "t"), digits(11..<13), at(13, ":"), digits(14..<16), at(16, ":"), digits(17..<19) else { return false }
        var i = 19
        if at(i, ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            if i == start { return false }
        }
        if at(i, "Z") || at(i, "z") { return i + 1 == b.count }
        guard at(i, "+") || at(i, "-"), digits(i + 1..<i + 3), at(i + 3, ":"), digits(i + 4..<i + 6) else { return false }
        return i + 6 == b.count
    }
}
