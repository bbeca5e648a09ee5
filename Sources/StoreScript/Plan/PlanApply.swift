#if canImport(Glibc)
import Glibc
#endif
import GRDB
import JSON
import StoreAPI
import StoreCertificates
import StoreClient
import StoreSandbox

/// `storescript apply FILE`: the writes a plan recorded, in order, to the store it was made
/// for. Before an update or delete, the rows it changes must still hold their `before` values
/// (else it stops there and names what drifted; `--force` goes on). Rows the plan made are
/// named by the ids the store gives them in every later write. Journaled in the store's state
/// directory (`applied.db`), so an apply killed anywhere and run again sends no write twice.
public struct PlanApply: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// 2: the plan cannot be applied here (another store, not a plan); 1: it stopped midway.
        public let status: Int32
    }

    let writes: [JSON]
    let key: String
    let client: StoreClient
    /// DigiCert's, for a plan that orders certificates (nil: the plan has no DigiCert write).
    let digiCert: StoreClient?
    let journal: DatabaseQueue
    let force: Bool
    let say: Diagnostics

    /// Reads the plan and refuses one made for another store.
    public static func prepare(planPath: String, runtime: Runtime, force: Bool, say: Diagnostics) throws(Failure) -> PlanApply {
        guard let bytes = Files.read(planPath) else { throw Failure(description: "apply \(planPath): cannot read it", status: 2) }
        guard let plan = try? JSON.parse(bytes), plan["format"] == "storescript-plan/1", case .array(let writes)? = plan["writes"] else {
            throw Failure(description: "apply \(planPath): not a plan (storescript run --plan --plan-out FILE makes one)", status: 2)
        }
        let here = runtime.identity?.description
        guard let made = plan["store"]?.stringValue, made == here else {
            throw Failure(description: "apply \(planPath): the plan was made for \(plan["store"]?.stringValue ?? "no store"), not for \(here ?? "no store") (this run's store); nothing was sent", status: 2)
        }
        let unsendable = PlanLimits.unsendable(writes, objects: plan["objects"]?.arrayValue ?? [])
        if !unsendable.isEmpty {
            throw Failure(description: "apply \(planPath): " + unsendable.joined(separator: "; ") + "; nothing was sent: run the script itself to make "
                          + (unsendable.count == 1 ? "that change" : "those changes"), status: 2)
        }
        if plan["complete"] == .bool(false) {
            say.warning("apply \(planPath): the script that made this plan did not finish; applying what it wrote until it stopped")
        }
        let client: StoreClient
        var digiCert: StoreClient?
        let journal: DatabaseQueue
        do {
            client = try runtime.client(try runtime.endpoint(service: "bc"), local: runtime.sandboxAddress != nil)
            if writes.contains(where: { Self.isDigiCert($0["path"]?.stringValue ?? "") }) {
                digiCert = try runtime.client(try runtime.endpoint(service: "digicert"), local: runtime.sandboxAddress != nil)
            }
            journal = try openJournal(runtime.stateDirectory)
        } catch let missing as Runtime.NoEndpoint {
            throw Failure(description: "apply: \(missing.advice)", status: 2)
        } catch {
            throw Failure(description: "apply: \(error)", status: 2)
        }
        return PlanApply(writes: writes, key: Digest.sha256(bytes), client: client, digiCert: digiCert, journal: journal, force: force, say: say)
    }

    static func isDigiCert(_ path: String) -> Bool { Operation.version(of: path) == "digicert" }

    /// The client for a path: DigiCert's paths go to DigiCert.
    func client(for path: String) -> StoreClient { Self.isDigiCert(path) ? digiCert ?? client : client }

    /// Sends what is left of the plan; the number of writes sent by this run.
    public func run() throws(Failure) -> Int {
        let this = self
        return try Blocking.wait { () async throws(Failure) -> Int in try await this.applyAll() }
    }

    private func applyAll() async throws(Failure) -> Int {
        var ids = try journaledIDs()
        var sent = 0
        // Rows read ahead for the drift checks of the writes to come (see `readAhead`).
        var cache: [String: JSONObject] = [:]
        var ahead: ReadAhead?
        var unreadFrom = 0  // the first write whose rows are neither read nor being read
        // The last write's end, journaled with the next write's start (one sync for both; a
        // kill between them leaves it `sending`, which the next apply checks).
        var ended: (index: Int, made: [(String, JSON)])?
        for (index, write) in writes.enumerated() {
            let phase = try phase(of: index)
            if phase == "done" { continue }
            let method = write["method"]?.stringValue ?? "GET"
            let path = Self.mapped(path: write["path"]?.stringValue ?? "", ids)
            let query = (write["query"]?.arrayValue ?? []).compactMap { pair -> (String, String)? in
                guard let kv = pair.arrayValue, kv.count == 2, let k = kv[0].stringValue, let v = kv[1].stringValue else { return nil }
                return (k, v.split(separator: ",", omittingEmptySubsequences: false).map { ids[String($0)]?.textValue ?? String($0) }.joined(separator: ","))
            }
            let body = write["body"].flatMap { $0 == .null ? nil : Self.mapped($0, ids) }
            let changes = Self.own(write)
            if phase == "sending" {
                // Killed while this write was out: whether the store took it is unknown. An
                // update or delete whose rows already hold their `after` is done; a create is
                // looked for before it is sent again, and one that cannot be looked for (a
                // DigiCert order: sent twice, two orders to pay for) is sent only with --force.
                if try await alreadyApplied(method: method, path: path, changes: changes, ids: &ids, index: index) { continue }
                if !force, changes.contains(where: { $0["action"] == "created" }), Self.findBy(changes) == nil {
                    throw Failure(description: "apply: write \(index + 1) of \(writes.count), \(method) \(path), was being sent when an earlier apply "
                                  + "stopped, and whether the store made what it makes cannot be told; look in the store: if it is not there, "
                                  + "apply --force FILE sends it again", status: 1)
                }
            } else if !force {
                if let pending = ahead, pending.writes.contains(index) {
                    for (id, row) in try await pending.task.value.get() { cache[id] = row }
                    ahead = nil
                }
                if ahead == nil, let next = readAhead(from: max(index + 1, unreadFrom), after: index, path: path, ids: ids) {
                    ahead = next
                    unreadFrom = next.writes.upperBound
                }
                try await checkDrift(method: method, path: path, changes: changes, ids: ids, index: index, cache: &cache)
            }
            try journal(ended: ended, sending: index)
            ended = nil
            let request = APIRequest(method: method, path: path, query: query, body: body.map { $0.serialized() })
            let answer: APIResponse
            do {
                answer = try await client(for: path).send(request)
            } catch {
                ahead?.task.cancel()
                if let ended { try finish(ended.index, ended.made) }
                let status = error.status > 0 ? "\(error.status) " : ""
                let fields = error.errors.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
                let what = "\(status)\(error.title)" + (fields.isEmpty ? "" : " (\(fields))")
                throw Failure(description: "apply: write \(index + 1) of \(writes.count) failed, \(method) \(path): \(what); "
                              + "the writes before it are applied, and apply FILE again continues from it", status: 1)
            }
            let made = Self.createdIDs(changes, answer: answer.body.isEmpty ? nil : try? JSON.parse(answer.body))
            ended = (index, made)
            for (planned, real) in made { ids[planned] = real }
            sent += 1
        }
        if let ended { try finish(ended.index, ended.made) }
        return sent
    }

    /// The rows of the next batch writes to the same collection, read while this one is out:
    /// their drift checks then cost no round trip of their own (a plan of 100 batches sends
    /// 100 writes and 20 reads, the reads overlapped). Only rows no earlier write of the plan
    /// touches are read ahead (the others are read at their turn), so none is stale.
    private struct ReadAhead {
        let writes: Range<Int>
        let task: Task<Result<[String: JSONObject], Failure>, Never>
    }

    private func readAhead(from first: Int, after index: Int, path: String, ids: [String: JSON]) -> ReadAhead? {
        guard path.split(separator: "/").last.map({ Int($0) == nil && $0.count < 30 }) == true else { return nil }
        var touched = Set<String>(), wanted: [String] = []
        for earlier in writes[..<min(first, writes.count)] {
            for change in earlier["changes"]?.arrayValue ?? [] { if let id = change["id"]?.stringValue { touched.insert(id) } }
        }
        var end = first
        while end < writes.count, writes[end]["path"]?.stringValue == writes[index]["path"]?.stringValue,
              writes[end]["method"] == writes[index]["method"] {
            let rows = Self.own(writes[end]).filter { $0["action"] != "created" }.compactMap { $0["id"]?.stringValue }
            guard wanted.count + rows.count <= 250 else { break }
            wanted += rows.filter { !touched.contains($0) && ids[$0] == nil && (Int64($0) ?? 0) < Sandbox.firstPlannedID }
            for id in rows { touched.insert(id) }
            end += 1
        }
        guard end > first, !wanted.isEmpty else { return nil }
        let this = self
        return ReadAhead(writes: first..<end, task: Task {
            do throws(Failure) { return .success(try await this.current(ids: wanted, path: path)) } catch { return .failure(error) }
        })
    }

    /// The changes a write makes to the rows its route shows (not the store's follow-on: a
    /// base variant's product), which apply checks and maps.
    static func own(_ write: JSON) -> [JSON] {
        let changes = write["changes"]?.arrayValue ?? []
        guard let entity = write["entity"], entity != .null else { return changes }
        return changes.filter { $0["entity"] == entity }
    }

    // MARK: Ids the plan made

    /// Planned id → the store's, for the rows this write made (its own collection's, in order).
    static func createdIDs(_ changes: [JSON], answer: JSON?) -> [(String, JSON)] {
        let created = changes.filter { $0["action"] == "created" }
        guard let entity = created.first?["entity"] else { return [] }
        let planned = created.filter { $0["entity"] == entity }.compactMap { $0["id"]?.stringValue }
        let data = answer?["data"] ?? answer
        let answered: [JSON]
        switch data {
        case .array(let items)?: answered = items
        case .object?: answered = [data!]
        default: answered = []
        }
        var made: [(String, JSON)] = []
        for (row, shown) in zip(created.filter { $0["entity"] == entity }, answered) {
            if let id = row["id"]?.stringValue, let real = shown["id"] ?? shown["uuid"] { made.append((id, real)) }
            // Ids the row names that the store made with it (a product's base_variant_id), by
            // where the answer shows them.
            if let after = row["after"] { pairMade(after, shown, into: &made) }
        }
        return made
    }

    /// Walks a planned row and the store's answer side by side, pairing each id the plan made
    /// with the answer's value in the same place.
    static func pairMade(_ planned: JSON, _ real: JSON, into made: inout [(String, JSON)]) {
        switch (planned, real) {
        case (.object(let p), .object(let r)):
            for (key, value) in p where key != "id" { if let other = r[key] { pairMade(value, other, into: &made) } }
        case (.array(let p), .array(let r)):
            for (a, b) in zip(p, r) { pairMade(a, b, into: &made) }
        default:
            let id = planned.textValue
            if PlanLimits.isMade(id), real != planned { made.append((id, real)) }
        }
    }

    static func mapped(path: String, _ ids: [String: JSON]) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { ids[String($0)]?.textValue ?? String($0) }.joined(separator: "/")
    }

    /// A body with every id the plan made replaced by the store's.
    static func mapped(_ value: JSON, _ ids: [String: JSON]) -> JSON {
        switch value {
        case .int(let n): return ids[String(n)] ?? value
        case .string(let s): return ids[s] ?? value
        case .array(let a): return .array(a.map { mapped($0, ids) })
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o { out[k] = mapped(v, ids) }
            return .object(out)
        default: return value
        }
    }

    // MARK: Drift

    /// The rows an update or delete changes must hold the values the plan saw.
    private func checkDrift(method: String, path: String, changes: [JSON], ids: [String: JSON], index: Int,
                            cache: inout [String: JSONObject]) async throws(Failure) {
        let checked = changes.filter { $0["action"] != "created" && !($0["before"]?.objectValue?.keys.isEmpty ?? true) }
        // A row the plan made is checked under the id the store gave it.
        func real(_ change: JSON) -> String? { change["id"]?.stringValue.map { ids[$0]?.textValue ?? $0 } }
        var now: [String: JSONObject] = [:]
        var unread: [String] = []
        for id in checked.compactMap(real) {
            if let row = cache.removeValue(forKey: id) { now[id] = row } else { unread.append(id) }
        }
        for (id, row) in try await current(ids: unread, path: path) { now[id] = row }
        for change in checked {
            guard let id = real(change), let before = change["before"]?.objectValue else { continue }
            let entity = change["entity"]?.stringValue ?? "row"
            guard let row = now[id] else {
                throw Failure(description: "apply: write \(index + 1), \(method) \(path): \(entity) \(id) is gone from the store since the plan; nothing from here on was sent (--force sends anyway)", status: 1)
            }
            let drifted = before.keys.filter { key in row[key] != nil && !Self.same(row[key]!, before[key]!) }
            if !drifted.isEmpty {
                let what = drifted.map { "\($0) was \(before[$0]!.text), is now \(row[$0]!.text)" }.joined(separator: "; ")
                throw Failure(description: "apply: write \(index + 1), \(method) \(path): \(entity) \(id) changed since the plan (\(what)); nothing from here on was sent (--force sends anyway)", status: 1)
            }
        }
    }

    /// The rows as the store has them now, by id: one GET of the write's own path when it
    /// names the row, else of its collection by `id:in` (a batch), 250 at a time.
    private func current(ids: [String], path: String) async throws(Failure) -> [String: JSONObject] {
        var rows: [String: JSONObject] = [:]
        guard !ids.isEmpty else { return rows }
        var requests: [APIRequest] = []
        if ids.count == 1, path.split(separator: "/").last.map(String.init) == ids[0] {
            requests = [APIRequest(method: "GET", path: path)]
        } else {
            for start in stride(from: 0, to: ids.count, by: 250) {
                let chunk = ids[start..<min(start + 250, ids.count)]
                requests.append(APIRequest(method: "GET", path: path, query: [("id:in", chunk.joined(separator: ",")), ("limit", "250")]))
            }
        }
        for request in requests {
            do {
                let answer = try await client(for: path).send(request)
                let body = try? JSON.parse(answer.body)
                switch body?["data"] ?? body {
                case .object(let o)?: if let id = o["id"] { rows[id.textValue] = o }
                case .array(let items)?:
                    for case .object(let o) in items { if let id = o["id"] { rows[id.textValue] = o } }
                default: break
                }
            } catch where error.status == 404 {
                continue
            } catch {
                throw Failure(description: "apply: cannot read \(path) to check it is as planned: \(error.title)", status: 1)
            }
        }
        return rows
    }

    /// After a kill mid-write: the write's rows already hold what it writes (or are gone, for
    /// a delete), or the row it makes exists; then it is journaled done and not sent again.
    private func alreadyApplied(method: String, path: String, changes: [JSON], ids: inout [String: JSON], index: Int) async throws(Failure) -> Bool {
        func real(_ change: JSON) -> String? { change["id"]?.stringValue.map { ids[$0]?.textValue ?? $0 } }
        if method == "DELETE" {
            guard let id = changes.first.flatMap(real) else { return false }
            if try await current(ids: [id], path: path)[id] == nil { try finish(index, []); return true }
            return false
        }
        let created = changes.filter { $0["action"] == "created" }
        if !created.isEmpty {
            // Made already? Look for it by the fields the plan gave it that name it.
            guard let (field, value) = Self.findBy(changes) else { return false }
            do {
                let answer = try await client(for: path).send(APIRequest(method: "GET", path: path, query: [(field, value.textValue)]))
                let body = try? JSON.parse(answer.body)
                if case .array(let items)? = body?["data"] ?? body, let found = items.first {
                    let made = Self.createdIDs(changes, answer: .object(JSONObject([("data", found)])))
                    try finish(index, made)
                    for (planned, real) in made { ids[planned] = real }
                    return true
                }
            } catch {}
            return false
        }
        let now = try await current(ids: changes.compactMap(real), path: path)
        for change in changes {
            guard let id = real(change), let after = change["after"]?.objectValue else { continue }
            guard let row = now[id] else { return false }
            if after.keys.contains(where: { row[$0] != nil && !Self.same(row[$0]!, after[$0]!) }) { return false }
        }
        try finish(index, [])
        return !changes.isEmpty
    }

    /// The field (and value) a made row is found by in its list, if it has one.
    static func findBy(_ changes: [JSON]) -> (String, JSON)? {
        guard let after = changes.first(where: { $0["action"] == "created" })?["after"]?.objectValue else { return nil }
        return ["sku", "name", "email", "url"].lazy.compactMap { f in after[f].map { (f, $0) } }.first
    }

    /// Equal as the API compares them: numbers by value (`11` and `11.0`).
    static func same(_ a: JSON, _ b: JSON) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }

    // MARK: Journal

    static func openJournal(_ directory: String) throws -> DatabaseQueue {
        if let why = Directories.make(directory) { throw ConfigError("apply: \(why)") }
        let queue = try DatabaseQueue(path: directory + "/applied.db")
        // WAL: one sync a commit (two commits a write: before it is sent and after), and
        // synchronous FULL, so a journaled step survives a power cut, not only a kill.
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS writes(plan TEXT NOT NULL, idx INTEGER NOT NULL, phase TEXT NOT NULL, PRIMARY KEY(plan, idx));
                CREATE TABLE IF NOT EXISTS ids(plan TEXT NOT NULL, planned TEXT NOT NULL, real TEXT NOT NULL, PRIMARY KEY(plan, planned));
                """)
        }
        chmod(directory + "/applied.db", 0o600)
        return queue
    }

    private func phase(of index: Int) throws(Failure) -> String? {
        journaled { db in try String.fetchOne(db, sql: "SELECT phase FROM writes WHERE plan = ? AND idx = ?", arguments: [key, index]) } ?? nil
    }

    /// In one transaction: the write that ended (with the ids it made), and the one about to go.
    private func journal(ended: (index: Int, made: [(String, JSON)])?, sending index: Int) throws(Failure) {
        _ = journaled { db in
            if let ended { try Self.record(ended.index, ended.made, key, db) }
            try db.execute(sql: "INSERT OR REPLACE INTO writes(plan, idx, phase) VALUES(?, ?, 'sending')", arguments: [key, index])
        }
    }

    private func finish(_ index: Int, _ made: [(String, JSON)]) throws(Failure) {
        _ = journaled { db in try Self.record(index, made, key, db) }
    }

    private static func record(_ index: Int, _ made: [(String, JSON)], _ key: String, _ db: Database) throws {
        for (planned, real) in made {
            try db.execute(sql: "INSERT OR REPLACE INTO ids(plan, planned, real) VALUES(?, ?, ?)", arguments: [key, planned, real.text])
        }
        try db.execute(sql: "INSERT OR REPLACE INTO writes(plan, idx, phase) VALUES(?, ?, 'done')", arguments: [key, index])
    }

    private func journaledIDs() throws(Failure) -> [String: JSON] {
        let rows = journaled { db in try Row.fetchAll(db, sql: "SELECT planned, real FROM ids WHERE plan = ?", arguments: [key]) } ?? []
        var ids: [String: JSON] = [:]
        for row in rows { ids[row[0]] = (try? JSON.parse(row[1] as String)) ?? .null }
        return ids
    }

    private func journaled<T>(_ body: (Database) throws -> T) -> T? {
        do { return try journal.write(body) } catch {
            say.error("apply: the journal could not be written (\(error)); stopping before anything else is sent")
            Glibc.exit(ExitStatus.scriptError)
        }
    }
}

extension JSON {
    /// An id as a path segment or query value (`42`, `abc-…`).
    var textValue: String { intValue.map(String.init) ?? stringValue ?? text }
}

