import JSON

/// A kind of work the store finishes later, as the real one does (a theme unpacked, a
/// certificate issued); each family declares its kinds and registers how to run them (`Hooks.run`).
struct JobKind: Hashable, Sendable {
    let raw: String
    init(_ raw: String) { self.raw = raw }
}

/// The store's own bookkeeping: its jobs. Jobs are rows of the store, so a sandbox restarted on
/// its `--db` resumes them, and run by the first request after they fall due: what a client
/// can see has always happened on time.
enum JobQueue: ResourceFamily {
    static let job: EntityName = "job"
    static let entities = [Entity(job, columns: [Column("due_ms", .int)], isInternal: true)]
    static func register(_ hooks: inout Hooks) {}
}

extension StoreState {
    /// Runs `kind` with `payload` once `afterMs` have passed on the store's clock.
    mutating func schedule(_ kind: JobKind, afterMs: Int, _ payload: JSONObject) throws(APIError) {
        var job = payload
        job["kind"] = .string(kind.raw)
        job["due_ms"] = .int(clock.nowMs + Int64(afterMs))
        try insert(JobQueue.job, job)
    }

    /// Runs every job that has fallen due, oldest first; a job may schedule the next.
    mutating func runDueJobs() throws(APIError) {
        var query = RowQuery()
        query.filters = [RowQuery.Filter(field: "due_ms", op: .max, value: String(clock.nowMs))]
        query.sort = "due_ms"
        for job in try rows(JobQueue.job, query).items {
            try delete(JobQueue.job, job["id"] ?? .null)
            guard let kind = job["kind"]?.stringValue, let run = Hooks.all.jobs[JobKind(kind)] else { continue }
            try run(&self, job)
        }
    }
}
