import JSON

/// What `/__sandbox/log` shows: every request, bounded. At most `maxEntries` entries and
/// `maxBodyBytes` of kept bodies; the oldest go first and are counted in `dropped`. A body is
/// kept only when the store applied the request in full; any other request keeps its size
/// (`body_bytes`), so sixty refused 7 MB uploads cost nothing.
public struct RequestLog: Sendable {
    static let maxEntries = 100_000
    static let maxBodyBytes = 64 << 20

    public struct Entry: Sendable {
        public let sequence: Int
        public let method: String
        public let path: String
        /// The query string, secret parameters redacted.
        public let query: String
        public internal(set) var status: Int
        /// Whether the request changed the store.
        public internal(set) var applied: Bool
        /// The fault injected, if any (error, drop-before, drop-after, storm, slow, truncate, rate-limit).
        public internal(set) var fault: String?
        /// The body as the store applied it (secrets redacted); nil unless it was applied in full.
        public internal(set) var body: JSON?
        /// The size of the request body as it arrived.
        public internal(set) var bodyBytes = 0

        init(sequence: Int, method: String, path: String, query: String) {
            (self.sequence, self.method, self.path, self.query) = (sequence, method, path, Redaction.redact(query: query))
            (status, applied) = (0, false)
        }

        /// Applied in full: a success other than a partial one, or a change whose answer was dropped.
        var appliedInFull: Bool { applied && (status == 0 || ((200..<300).contains(status) && status != 207)) }

        var json: JSON {
            var o = JSONObject([
                ("sequence", .int(Int64(sequence))), ("method", .string(method)), ("path", .string(path)),
                ("query", .string(query)), ("status", .int(Int64(status))), ("applied", .bool(applied)),
            ])
            o["fault"] = fault.map { .string($0) } ?? .null
            o["body_bytes"] = .int(Int64(bodyBytes))
            if let body { o["body"] = body }
            return .object(o)
        }
    }

    private var entries: [Entry] = []
    /// Entries before this index are gone (dropped in batches, so appending stays O(1)).
    private var start = 0
    private var bodyBytes = 0
    private(set) var dropped = 0

    mutating func append(_ entry: Entry) {
        var entry = entry
        if !entry.appliedInFull { entry.body = nil }
        entries.append(entry)
        bodyBytes += entry.body == nil ? 0 : entry.bodyBytes
        while entries.count - start > Self.maxEntries || bodyBytes > Self.maxBodyBytes {
            if entries[start].body != nil { bodyBytes -= entries[start].bodyBytes }
            start += 1
            dropped += 1
        }
        if start > 4096 && start * 2 > entries.count {
            entries.removeFirst(start)
            start = 0
        }
    }

    mutating func clear() {
        entries = []
        (start, bodyBytes) = (0, 0)
    }

    func since(_ sequence: Int) -> [Entry] { entries[start...].filter { $0.sequence > sequence } }
}
