import JSON

/// Work the store finishes later, as the real one does (a theme unpacked, a certificate
/// issued). Jobs are kept with the store's data, so a sandbox restarted on its `--db` resumes
/// them, and run by the first request after they fall due: what a client can see has always
/// happened on time.
enum JobKind: String, Sendable, CaseIterable {
    /// One step of a theme job: QUEUED → WORKING → COMPLETED or FAILED.
    case themeStep = "theme-step"
    /// A DigiCert order's certificate is issued.
    case issueCertificate = "issue-certificate"
}

extension StoreState {
    static let jobs = "/__sandbox/jobs"

    /// Runs `kind` with `payload` once `afterMs` have passed on the store's clock.
    mutating func schedule(_ kind: JobKind, afterMs: Int, _ payload: JSONObject) {
        var job = payload
        job["kind"] = .string(kind.rawValue)
        job["due_ms"] = .int(clock.nowMs + Int64(afterMs))
        withCollection(Self.jobs, template: Self.jobs) { col in
            let id = String(col.nextID)
            col.nextID += 1
            job["id"] = .int(Int64(id)!)
            col.insert(id, job)
        }
    }

    /// Runs every job that has fallen due, oldest first; a job may schedule the next.
    mutating func runDueJobs() {
        guard let queue = collections[Self.jobs], !queue.order.isEmpty else { return }
        let now = clock.nowMs
        let due = queue.all.filter { ($0["due_ms"]?.intValue ?? 0) <= now }
            .sorted { ($0["due_ms"]?.intValue ?? 0, $0["id"]?.intValue ?? 0) < ($1["due_ms"]?.intValue ?? 0, $1["id"]?.intValue ?? 0) }
        for job in due {
            _ = collections[Self.jobs]?.remove(StoreState.key(job["id"] ?? 0))
            guard let kind = job["kind"]?.stringValue.flatMap(JobKind.init(rawValue:)) else { continue }
            switch kind {
            case .themeStep: ThemeRules.step(&self, job)
            case .issueCertificate: DigiCertRules.issue(&self, job)
            }
        }
    }
}
