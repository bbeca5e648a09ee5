import JSON
import StoreAPI
import StoreCertificates
import Synchronization

/// The sandbox store: its data, its rate limit, its faults and its request log. Thread-safe:
/// every handler runs under the state lock, every decision about limits and faults under
/// the control lock.
public final class Sandbox: Sendable {
    public let configuration: SandboxConfiguration
    let state: Mutex<StoreState>
    let control: Mutex<Control>
    /// The real store this sandbox overlays (`run --plan`), nil for a store of its own.
    let upstream: (any Upstream)?
    /// The writes a plan recorded, in order.
    let planned = Mutex<[PlannedWrite]>([])
    /// The family routes (RouteRead) an overlay has read from the store, by concrete path.
    let routesRead = Mutex<Set<String>>([])

    /// What changes at run time besides the data.
    struct Control {
        var faults: SandboxConfiguration.Faults
        var rateLimit: SandboxConfiguration.RateLimit?
        var random: SeededRandom
        var windowStart: Int64 = 0
        var used = 0
        /// DigiCert's own limit, apart from the store's: 1,000 requests per 5 minutes.
        var digicertLimit: SandboxConfiguration.RateLimit? = .digicert
        var digicertWindowStart: Int64 = 0
        var digicertUsed = 0
        var stormUntil: Int64 = 0
        var log = RequestLog()
        var sequence = 0
        var emptyBodyToggle = false
    }

    init(configuration: SandboxConfiguration, state: sending StoreState?, upstream: (any Upstream)? = nil) {
        Hooks.verify()
        self.configuration = configuration
        self.upstream = upstream
        var store = state ?? DemoStore.make(products: configuration.products, seed: configuration.seed)
        store.timing = configuration.timing
        store.storeHash = configuration.storeHash
        store.loopbackHooks = configuration.loopbackWebhooks
        self.state = Mutex(store)
        self.control = Mutex(Control(faults: configuration.faults, rateLimit: configuration.rateLimit,
                                     random: SeededRandom(seed: configuration.seed)))
    }

    /// A sandbox with the demo store for its configuration, or, with `databasePath`, the store
    /// that database holds (a new database gets the demo store).
    public convenience init(configuration: SandboxConfiguration) throws {
        guard let path = configuration.databasePath else {
            self.init(configuration: configuration, state: nil)
            return
        }
        Hooks.verify()
        let (database, isNew) = try StoreDatabase.open(path: path)
        let state = isNew ? DemoStore.make(products: configuration.products, seed: configuration.seed, into: database) : StoreState(database: database)
        self.init(configuration: configuration, state: state)
    }

    /// An empty store over a real one: it reads through `upstream` and keeps every write
    /// (`run --plan`; see Overlay). Rows it makes take ids from 1,000,000,000, far from the
    /// real store's, so an id says whether the plan made the row; UUIDs at random.
    public convenience init(overlaying upstream: any Upstream, configuration: SandboxConfiguration) {
        var store = StoreState()
        store.firstMadeID = Self.firstPlannedID
        store.uuidSpace = UInt64.random(in: 1...UInt64.max)
        self.init(configuration: configuration, state: store, upstream: upstream)
    }

    public static let firstPlannedID: Int64 = 1_000_000_000

    /// The store as one JSON document.
    public func snapshot() -> JSON {
        let store = state.withLock { s in Result { () throws(APIError) in try s.transaction { s throws(APIError) in try s.snapshot() } } }
        switch store {
        case .success(let value): return Redaction.redact(value)
        case .failure(let error): return ["status": .int(Int64(error.status)), "title": .string(error.title)]
        }
    }

    /// The change log after `sequence` (`/__sandbox/changes`).
    func changes(after sequence: Int64, limit: Int) throws(APIError) -> [Change] {
        try state.withLock { s throws(APIError) in try s.transaction { s throws(APIError) in try s.changes(after: sequence, limit: limit) } }
    }

    /// The request log (every entry it still holds).
    public var log: [RequestLog.Entry] { control.withLock { $0.log.since(0) } }

    public func setFaults(_ faults: SandboxConfiguration.Faults) { control.withLock { $0.faults = faults } }

    /// The store's clock and how long its slow work takes.
    func timeSettings() -> JSON {
        state.withLock { s in
            guard case .object(var o) = s.timing.json else { return .null }
            o["now"] = .string(Clock.timestamp(Int(s.clock.now)))
            o["offset_seconds"] = .int(s.clock.offsetMs / 1000)
            return .object(o)
        }
    }

    /// Moves the clock (`advance_seconds`, either way) and changes the timings; due work then runs.
    func changeTime(_ o: JSONObject) throws {
        try state.withLock { s in
            var timing = s.timing
            try timing.merge(o)
            if let advance = o["advance_seconds"] {
                // Backwards too: a test installs a certificate that has expired since by moving
                // the clock back, installing, and moving it forward again.
                guard let seconds = advance.intValue, abs(seconds) <= 100 * 365 * 86_400 else {
                    throw SandboxConfigurationError("advance_seconds must be a whole number of seconds within 100 years either way")
                }
                s.clock.offsetMs += seconds * 1000
            }
            s.timing = timing
            try s.transaction { s throws(APIError) in try s.runDueJobs() }
            post(s.takeOutbox())
        }
    }

    /// Runs the jobs that have fallen due (the server calls it a few times a second, so that
    /// retries and slow work happen on time with no request to carry them).
    func tick() {
        state.withLock { s in
            _ = try? s.transaction { s throws(APIError) in try s.runDueJobs() }
            post(s.takeOutbox())
        }
    }

    /// The sandbox's own certificate for `--tls`: its host, localhost and 127.0.0.1, issued by the
    /// store's CA (the one that signs DigiCert orders), with the CA's root for clients to trust.
    func serverIdentity() throws -> (certificate: String, intermediate: String, key: String, root: String) {
        try state.withLock { s in
            guard let ca = try s.transaction({ s throws(APIError) in try DigiCertRules.authority(&s) }) else {
                throw SandboxConfigurationError("the sandbox's CA could not be made")
            }
            let key = try KeyPair.make(.ecdsa(curve: "P-256"))
            let host = configuration.host
            let csr = try SigningRequest(pem: try SigningRequest.make(keyPEM: key, subject: .init(commonName: "localhost"), dnsNames: []))
            let pem = try ca.issue(csr: csr, commonName: "localhost", dnsNames: Array(Set(["localhost", "127.0.0.1", host])).sorted(),
                                   organization: "storescript sandbox", now: s.clock.now - 60, days: 30, hash: "sha256")
            return (pem, ca.intermediatePEM, key, ca.rootPEM)
        }
    }

    /// A theme's zip, for its download URL.
    func themeFile(_ uuid: String) -> [UInt8]? {
        state.withLock { s in
            try? s.transaction { s throws(APIError) in try s.row(ThemeRules.file, .string(uuid))?["zip"]?.stringValue.map(Base64.decode) }
        } ?? nil
    }

    // MARK: Limits and faults

    enum Verdict {
        case proceed(fault: Fault?)
        case rateLimited(emptyBody: Bool)
        case storm
    }

    enum Fault: String { case error, dropBefore = "drop-before", dropAfter = "drop-after", slow, truncate }

    struct Decision {
        var verdict: Verdict
        var latencyMs: Int
        var slowMs: Int
        var errorStatus: Int
        var headers: [(String, String)]
        var sequence: Int
    }

    /// Takes a slot of the rate-limit window (the store's, or DigiCert's for its API) and rolls
    /// the dice for faults, for one request to `path`.
    func decide(digicert: Bool = false, path: String = "") -> Decision {
        control.withLock { c in
            let now = Clock.monotonicMs()
            c.sequence += 1
            var headers: [(String, String)] = []
            var verdict = Verdict.proceed(fault: nil)
            if digicert, let limit = c.digicertLimit {
                if now - c.digicertWindowStart >= Int64(limit.windowMs) { (c.digicertWindowStart, c.digicertUsed) = (now, 0) }
                if c.digicertUsed >= limit.quota {
                    verdict = .rateLimited(emptyBody: false)
                    let resetMs = max(Int64(limit.windowMs) - (now - c.digicertWindowStart), 0)
                    headers.append(("Retry-After", String(max((resetMs + 999) / 1000, 1))))
                } else {
                    c.digicertUsed += 1
                }
            } else if !digicert, let limit = c.rateLimit {
                if now - c.windowStart >= Int64(limit.windowMs) {
                    c.windowStart = now
                    c.used = 0
                }
                let resetMs = max(Int64(limit.windowMs) - (now - c.windowStart), 0)
                if c.used >= limit.quota {
                    c.emptyBodyToggle.toggle()
                    verdict = .rateLimited(emptyBody: c.emptyBodyToggle)
                    headers.append(("X-Retry-After", String(max((resetMs + 999) / 1000, 1))))
                } else {
                    c.used += 1
                }
                headers += [
                    ("X-Rate-Limit-Time-Window-Ms", String(limit.windowMs)),
                    ("X-Rate-Limit-Time-Reset-Ms", String(resetMs)),
                    ("X-Rate-Limit-Requests-Quota", String(limit.quota)),
                    ("X-Rate-Limit-Requests-Left", String(max(limit.quota - c.used, 0))),
                ]
            }
            let f = c.faults
            var latency = f.latencyMs
            if f.latencyMaxMs > f.latencyMs { latency += Int(c.random.next() % UInt64(f.latencyMaxMs - f.latencyMs + 1)) }
            var errorStatus = 500
            if case .proceed = verdict, f.applies(to: path) {
                if now < c.stormUntil {
                    verdict = .storm
                } else if f.stormRate > 0 && c.random.unit() < f.stormRate {
                    c.stormUntil = now + Int64(f.stormMs)
                    verdict = .storm
                } else {
                    // One roll, split among the kinds, so rates add up as a user expects.
                    let roll = c.random.unit()
                    var edge = 0.0
                    for (rate, fault) in [(f.errorRate, Fault.error), (f.dropBeforeRate, .dropBefore), (f.dropAfterRate, .dropAfter),
                                          (f.slowRate, .slow), (f.truncateRate, .truncate)] {
                        edge += rate
                        if roll < edge { verdict = .proceed(fault: fault); break }
                    }
                    errorStatus = [500, 502, 503, 504][Int(c.random.next() % 4)]
                }
            }
            if case .storm = verdict {
                headers.append(("X-Retry-After", String(max((c.stormUntil - now + 999) / 1000, 1))))
            }
            return Decision(verdict: verdict, latencyMs: latency, slowMs: f.slowMs, errorStatus: errorStatus,
                            headers: headers, sequence: c.sequence)
        }
    }

    func record(_ entry: RequestLog.Entry) {
        control.withLock { $0.log.append(entry) }
    }

    // MARK: Handling

    /// Runs an API request against the store, in one transaction: committed with its answer,
    /// or, when it fails, rolled back whole.
    func handle(_ request: SandboxRequest) -> Outcome {
        state.withLock { s in
            do throws(APIError) {
                s.request = request.sequence
                defer { post(s.takeOutbox()) }
                return try s.transaction { s throws(APIError) in try s.handle(request) }
            } catch {
                var error = error
                let entry = BodySchemaTable.entry(for: request.op)
                if error.status == 422 { error.shape = entry?.errorShape ?? .flat }
                if error.status == 404 { error.shape = entry?.notFoundShape ?? .flat }
                return Outcome(status: error.status, body: error.body(version: request.op.version), applied: false)
            }
        }
    }
}
