/// The Lua names of the catalog as a tree, so a namespace knows its children before anything
/// is built (completion, printing, help) and a misspelt name can say what was meant.
public enum NameTree {
    /// Every namespace (`bc`, `bc.catalog`, ...) and its children's names, sorted: namespaces,
    /// bindings and aliases, and the helpers (`each`, `all`, `count`) beside a paginated list.
    public static let children: [String: [String]] = {
        var tree: [String: Set<String>] = [
            "bc": ["op"], "bc.op": Set(OperationCatalog.byOperationID.keys),
            "bc.v2": ["op"], "bc.v2.op": Set(OperationCatalog.byV2OperationID.keys),
        ]
        for (name, op) in OperationCatalog.byLuaName {
            var parts = name.split(separator: ".").map(String.init)
            if op.hasListHelpers, let last = parts.last, last == "list" || last == "list_all" {
                let base = parts.dropLast().joined(separator: ".")
                tree[base, default: []].formUnion(["each", "all", "count"])
            }
            while parts.count > 1 {
                let leaf = parts.removeLast()
                tree[parts.joined(separator: "."), default: []].insert(leaf)
            }
        }
        return tree.mapValues { $0.sorted() }
    }()

    public static func isNamespace(_ name: String) -> Bool { children[name] != nil }

    /// Names users reach for that the API's own docs use (`bc.webhooks`, from the official
    /// files' tag "Webhooks"), and the namespace each means (`bc.hooks`).
    public static let tagNames: [String: String] = OperationTable.parseTagNames()

    /// What `name` was meant to be: the namespace a tag's name means, else the sibling of the
    /// last segment nearest to it (edit distance at most a third of its length, and at least
    /// 1 edit allowed), as a full name.
    public static func suggestion(for name: String) -> String? {
        if let meant = tagNames[name] { return meant }
        let parts = name.split(separator: ".")
        guard parts.count > 1, let last = parts.last else { return nil }
        let parent = parts.dropLast().joined(separator: ".")
        guard let siblings = children[parent] else { return nil }
        let word = Array(last.utf8)
        let best = siblings.map { ($0, distance(word, Array($0.utf8))) }.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        guard let (sibling, d) = best, d <= max(1, word.count / 3) else { return nil }
        return parent + "." + sibling
    }

    /// Levenshtein distance.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
