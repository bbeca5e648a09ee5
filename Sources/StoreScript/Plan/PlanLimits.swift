import JSON
import StoreSandbox

/// What a plan file cannot carry to the store, found before apply sends anything: a secret
/// (plan files hold `***` for it), an uploaded file (plan files hold its name and checksum),
/// and an id of a row the plan's store made by itself (a product's base variant, a theme an
/// upload job made), which apply cannot map to the id the real store will give it.
enum PlanLimits {
    /// Why the writes cannot be applied, one sentence per write that cannot; empty if they can.
    static func unsendable(_ writes: [JSON], objects: [JSON]) -> [String] {
        let unmapped = unmappedIDs(writes, objects: objects)
        var reasons: [String] = []
        for (i, write) in writes.enumerated() {
            let what = "write \(i + 1) (\(write["method"]?.stringValue ?? "") \(write["path"]?.stringValue ?? ""))"
            let body = write["body"]?.text ?? ""
            if body.contains("<private key>") || body.contains("\"***\"") {
                reasons.append("\(what) carried a secret (a private key or a credential), which plan files never hold")
            }
            if let files = write["files"]?.arrayValue, !files.isEmpty {
                let names = files.compactMap { $0["filename"]?.stringValue }.joined(separator: ", ")
                reasons.append("\(what) uploaded \(names), and a plan file holds no file")
            }
            if let id = named(in: write).first(where: { unmapped[$0] != nil }), let row = unmapped[id] {
                reasons.append("\(what) names \(id), an id the plan's store gave \(row) by itself; the real store will give it another")
            }
        }
        return reasons
    }

    /// Every id a write names: its path's segments, its query's values, its body's values.
    static func named(in write: JSON) -> [String] {
        var out = (write["path"]?.stringValue ?? "").split(separator: "/").map(String.init)
        for pair in write["query"]?.arrayValue ?? [] {
            out += (pair.arrayValue?.last?.stringValue ?? "").split(separator: ",").map(String.init)
        }
        func walk(_ v: JSON) {
            switch v {
            case .int(let n): out.append(String(n))
            case .string(let s): out.append(s)
            case .array(let a): a.forEach(walk)
            case .object(let o): for (_, x) in o { walk(x) }
            default: break
            }
        }
        write["body"].map(walk)
        return out
    }

    /// Ids the overlay made (counted from 1,000,000,000, or UUIDs) that no write's answer will
    /// tell apply: every made row but those PlanApply.createdIDs maps, and the ids and uuids
    /// nested in made rows (a theme's variations); each with the row it belongs to.
    static func unmappedIDs(_ writes: [JSON], objects: [JSON]) -> [String: String] {
        var mapped: Set<String> = []
        for write in writes {
            let created = PlanApply.own(write).filter { $0["action"] == "created" }
            let entity = created.first?["entity"]
            // And the ids made with it that its answer shows (see PlanApply.pairMade): not
            // those the write itself names, which were made before it.
            let inputs = Set(named(in: write))
            for c in created where c["entity"] == entity {
                if let id = c["id"]?.textValue { mapped.insert(id) }
                var with: Set<String> = []
                if write["status"] != .int(204) { c["after"].map { madeIDs(in: $0, into: &with) } }
                mapped.formUnion(with.subtracting(inputs))
            }
        }
        var unmapped: [String: String] = [:]
        for object in objects where object["action"] == "created" {
            let row = "\(object["entity"]?.stringValue ?? "row") \(object["id"]?.textValue ?? "")"
            if let id = object["id"]?.textValue, isMade(id), !mapped.contains(id) { unmapped[id] = row }
            func nested(_ v: JSON) {
                switch v {
                case .array(let a): a.forEach(nested)
                case .object(let o):
                    for key in ["id", "uuid"] { if let id = o[key]?.textValue, isMade(id), !mapped.contains(id) { unmapped[id] = row } }
                    for (_, x) in o { nested(x) }
                default: break
                }
            }
            for (key, value) in object["after"]?.objectValue ?? JSONObject() where key != "id" { nested(value) }
        }
        return unmapped
    }

    static func madeIDs(in value: JSON, into ids: inout Set<String>) {
        switch value {
        case .array(let a): for x in a { madeIDs(in: x, into: &ids) }
        case .object(let o): for (key, x) in o where key != "id" { madeIDs(in: x, into: &ids) }
        default: if isMade(value.textValue) { ids.insert(value.textValue) }
        }
    }

    /// An id the overlay made, not one the real store gave.
    static func isMade(_ id: String) -> Bool {
        if let n = Int64(id) { return n >= Sandbox.firstPlannedID }
        return id.utf8.count == 36 && id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12]
    }
}
