/// The generated table (OperationTable.swift) and how it is read.
enum OperationTable {
    static func parse() -> [Operation] {
        rows.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            precondition(f.count == 14, "OperationTable: malformed row \(line)")
            let parameters: [Operation.Parameter] = f[11].isEmpty ? [] : f[11].split(separator: ",").map { p in
                let parts = p.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                // Names may hold colons (`id:in`): the last three fields are fixed.
                let name = parts.dropLast(3).joined(separator: ":")
                let n = parts.count
                return Operation.Parameter(
                    name: name, location: Operation.Parameter.Location(rawValue: parts[n - 3]) ?? .query,
                    type: parts[n - 2], required: parts[n - 1] == "1")
            }
            guard let kind = Operation.Kind(rawValue: f[12]) else { preconditionFailure("OperationTable: unknown kind \(f[12]) in \(line)") }
            return Operation(
                method: Operation.Method(rawValue: f[0])!, path: f[1], luaName: f[2], operationID: f[3],
                summary: f[13], kind: kind, successStatus: Int(f[4]) ?? 200,
                pagination: Operation.Pagination(rawValue: f[5]) ?? .none, arrayBody: f[6] == "1",
                batchLimit: Int(f[7]).flatMap { $0 > 0 ? $0 : nil }, deleteHasBody: f[8] == "1",
                isSeed: f[9] == "1", source: f[10], parameters: parameters)
        }
    }

    /// The names from the official files' tags: name → the namespace it means.
    static func parseTagNames() -> [String: String] {
        var out: [String: String] = [:]
        for line in tagNames.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            if f.count == 2 { out[f[0]] = f[1] }
        }
        return out
    }

    static func parseAliases() -> [(Operation.Method, String, String)] {
        aliases.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t").map(String.init)
            guard f.count == 3, let m = Operation.Method(rawValue: f[0]) else { return nil }
            return (m, f[1], f[2])
        }
    }
}
