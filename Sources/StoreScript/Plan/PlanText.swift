import JSON

/// A plan as people read it: the totals, a line per entity, then each row that changes with
/// the fields that do (`~ product 12 "Tee"`, `    price: 12.5 → 11`).
enum PlanText {
    static func render(_ plan: JSON) -> String {
        let objects = plan["objects"]?.arrayValue ?? []
        var created = 0, changed = 0, deleted = 0
        for summary in plan["summary"]?.arrayValue ?? [] {
            created += Int(summary["created"]?.intValue ?? 0)
            changed += Int(summary["changed"]?.intValue ?? 0)
            deleted += Int(summary["deleted"]?.intValue ?? 0)
        }
        let writes = plan["writes"]?.arrayValue?.count ?? 0
        guard !objects.isEmpty else { return "Plan: no changes (\(writes) \(writes == 1 ? "write" : "writes")).\n" }
        var out = "Plan: \(created) to create, \(changed) to change, \(deleted) to delete (\(writes) \(writes == 1 ? "write" : "writes")).\n"
        for summary in plan["summary"]?.arrayValue ?? [] {
            let parts = [("created", "created"), ("changed", "changed"), ("deleted", "deleted")].compactMap { key, word -> String? in
                let n = summary[key]?.intValue ?? 0
                return n > 0 ? "\(n) \(word)" : nil
            }
            out += "  \(summary["entity"]?.stringValue ?? "?"): \(parts.joined(separator: ", "))\n"
        }
        if plan["complete"] == .bool(false) { out += "  (the script did not finish: the plan holds what it wrote until it stopped)\n" }
        for object in objects {
            let mark = ["created": "+", "deleted": "-"][object["action"]?.stringValue ?? ""] ?? "~"
            var line = "\(mark) \(object["entity"]?.stringValue ?? "?") \(object["id"]?.stringValue ?? "?")"
            if let name = object["name"], name != .null { line += " \(name.text)" }
            out += line + "\n"
            switch mark {
            case "~":
                let before = object["before"]?.objectValue ?? JSONObject(), after = object["after"]?.objectValue ?? JSONObject()
                for key in after.keys { out += "    \(key): \(brief(before[key])) → \(brief(after[key]))\n" }
            case "+":
                for (key, value) in object["after"]?.objectValue ?? JSONObject()
                    where key != "id" && !key.hasPrefix("date_") && value != .null && value != .array([]) && value != .string("") {
                    out += "    \(key): \(brief(value))\n"
                }
            default: break
            }
        }
        return out
    }

    /// A value on one line, long ones cut.
    static func brief(_ value: JSON?) -> String {
        let text = value?.text ?? "null"
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
