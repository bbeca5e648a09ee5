#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import GRDB
import JSON
import Synchronization

/// `storescript listen`'s queue: one SQLite file (`events.db`, WAL, synchronous FULL) in the
/// store's state directory. A callback is a row before it is answered 200, so a listener
/// killed anywhere loses nothing it acknowledged; callbacks arriving together share one commit
/// (one fsync for all of them: group commit), which is what lets it take thousands a second.
///
/// An event is `queued` (due at `due_ms`), `running` (a handler has it), `done`, or `dead`
/// (its handler failed `maxAttempts` times; kept with the error). A listener that starts finds
/// `running` rows its predecessor left and queues them again: at least once, never lost.
public final class EventInbox: Sendable {
    /// A callback as it arrived.
    public struct Arrival: Sendable {
        public let hash: String
        public let scope: String
        public let createdAt: Int64
        public let body: String
    }

    /// An event a handler runs.
    public struct Event: Sendable {
        public let seq: Int64
        public let scope: String
        public let body: String
        public let attempt: Int
        public let error: String?
    }

    let queue: DatabaseQueue
    public let path: String
    /// Arrivals waiting for the next commit, each with the continuation its callback awaits.
    private let pending = Mutex<(items: [(Arrival, CheckedContinuation<Bool, any Error>)], committing: Bool)>(([], false))
    /// Where commits run, off the server's event loops (a commit waits for the disk).
    private static let committer = DispatchQueue(label: "storescript.listen.inbox")
    /// Called (from the committing thread) after arrivals are durable: the handler loop wakes.
    let arrived = Mutex<(@Sendable () -> Void)?>(nil)

    public init(directory: String) throws {
        if let why = Directories.make(directory) { throw ConfigError("listen: \(why)") }
        path = directory + "/events.db"
        queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try queue.write { db in
            // `key`: the hash is of the event's data alone (`{type, id}`), the same for every
            // change of one object, so a repeat is the same hash at the same `created_at`.
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
                    hash TEXT NOT NULL, scope TEXT NOT NULL, body TEXT NOT NULL, received_ms INTEGER NOT NULL,
                    state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, due_ms INTEGER NOT NULL DEFAULT 0,
                    error TEXT, finished_ms INTEGER);
                CREATE INDEX IF NOT EXISTS events_due ON events(state, due_ms, seq);
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        chmod(path, 0o600)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Arrivals

    /// Keeps an arrival durably; true if it is new, false for a repeat (dropped). Returns only
    /// once the commit that holds it is on disk.
    public func accept(_ arrival: Arrival) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let start = pending.withLock { p -> Bool in
                p.items.append((arrival, continuation))
                if p.committing { return false }
                p.committing = true
                return true
            }
            if start { Self.committer.async { self.commitPending() } }
        }
    }

    /// Commits every waiting arrival in one transaction, until none is left.
    private func commitPending() {
        while true {
            let batch = pending.withLock { p -> [(Arrival, CheckedContinuation<Bool, any Error>)] in
                let items = p.items
                p.items = []
                if items.isEmpty { p.committing = false }
                return items
            }
            if batch.isEmpty { return }
            do {
                let now = Self.nowMs()
                let fresh = try queue.write { db -> [Bool] in
                    try batch.map { arrival, _ in
                        try db.execute(sql: "INSERT OR IGNORE INTO events(key, hash, scope, body, received_ms) VALUES(?, ?, ?, ?, ?)",
                                       arguments: ["\(arrival.hash)@\(arrival.createdAt)", arrival.hash, arrival.scope, arrival.body, now])
                        return db.changesCount > 0
                    }
                }
                for ((_, continuation), isNew) in zip(batch, fresh) { continuation.resume(returning: isNew) }
                if fresh.contains(true) { arrived.withLock { $0 }?() }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
    }

    // MARK: Handling

    /// Up to `limit` due events, now `running`.
    func claim(_ limit: Int) throws -> [Event] {
        guard limit > 0 else { return [] }
        return try queue.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, scope, body, attempts, error FROM events WHERE state = 'queued' AND due_ms <= ? ORDER BY seq LIMIT ?",
                                        arguments: [Self.nowMs(), limit])
            for row in rows {
                try db.execute(sql: "UPDATE events SET state = 'running', attempts = attempts + 1 WHERE seq = ?", arguments: [row["seq"] as Int64])
            }
            return rows.map { Event(seq: $0["seq"], scope: $0["scope"], body: $0["body"], attempt: ($0["attempts"] as Int) + 1, error: $0["error"]) }
        }
    }

    func done(_ seq: Int64) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE events SET state = 'done', error = NULL, finished_ms = ? WHERE seq = ?", arguments: [Self.nowMs(), seq])
        }
    }

    /// A handler raised: queued again after a backoff (1 s, doubling, at most 5 min), or dead
    /// once it has had `maxAttempts`. Whether it is dead now.
    func failed(_ seq: Int64, error: String, maxAttempts: Int) throws -> Bool {
        try queue.write { db in
            let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM events WHERE seq = ?", arguments: [seq]) ?? maxAttempts
            if attempts >= maxAttempts {
                try db.execute(sql: "UPDATE events SET state = 'dead', error = ?, finished_ms = ? WHERE seq = ?", arguments: [error, Self.nowMs(), seq])
                return true
            }
            let backoff = min(Int64(1000) << Int64(min(attempts - 1, 20)), 300_000)
            try db.execute(sql: "UPDATE events SET state = 'queued', error = ?, due_ms = ? WHERE seq = ?", arguments: [error, Self.nowMs() + backoff, seq])
            return false
        }
    }

    /// When the next queued event is due (ms since the epoch), if any is queued.
    func nextDue() throws -> Int64? {
        try queue.read { db in try Int64.fetchOne(db, sql: "SELECT MIN(due_ms) FROM events WHERE state = 'queued'") }
    }

    // MARK: Start-up and the operator's commands

    /// What a killed listener left running is queued again; done events past a week go (the
    /// store retries a delivery for about two days).
    public func recover() throws -> Int {
        try queue.write { db in
            try db.execute(sql: "UPDATE events SET state = 'queued', due_ms = 0 WHERE state = 'running'")
            let resumed = db.changesCount
            try db.execute(sql: "DELETE FROM events WHERE state = 'done' AND finished_ms < ?", arguments: [Self.nowMs() - 7 * 86_400_000])
            return resumed
        }
    }

    public func dead() throws -> [(seq: Int64, scope: String, body: String, attempts: Int, error: String, at: Int64)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, scope, body, attempts, error, finished_ms FROM events WHERE state = 'dead' ORDER BY seq").map {
                ($0["seq"], $0["scope"], $0["body"], $0["attempts"], $0["error"] ?? "", $0["finished_ms"] ?? 0)
            }
        }
    }

    /// Dead events queued again with a fresh count; how many.
    public func retryDead() throws -> Int {
        try queue.write { db in
            try db.execute(sql: "UPDATE events SET state = 'queued', attempts = 0, due_ms = 0, finished_ms = NULL WHERE state = 'dead'")
            return db.changesCount
        }
    }

    /// The secret the store's hooks carry (`X-Storescript-Secret`): made once per store.
    public func secret() throws -> String {
        try queue.write { db in
            if let s = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'secret'") { return s }
            var bytes = [UInt8](repeating: 0, count: 32)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
            let s = bytes.map { String(format: "%02x", $0) }.joined()
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES('secret', ?)", arguments: [s])
            return s
        }
    }
}
