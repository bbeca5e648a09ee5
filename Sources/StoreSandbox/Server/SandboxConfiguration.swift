import JSON

/// How a sandbox runs: where, for whom, how fast it lets clients go, and what goes wrong.
public struct SandboxConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0: an ephemeral port.
    public var port = 0
    public var storeHash = "sandbox"
    public var token = "sandbox-token"
    /// Products in the demo store.
    public var products = 50
    /// A SQLite file that keeps the store across restarts; nil keeps it in memory.
    public var databasePath: String?
    public var rateLimit: RateLimit? = .standard
    public var faults = Faults()
    public var timing = Timing()
    /// Serve HTTPS with a certificate for the host (and localhost) issued by the sandbox's own CA,
    /// for clients that only speak https (the official Python client).
    public var tls = false
    public var seed: UInt64 = 1
    /// A connection that sends nothing for this long, or whose request (head and body) has not
    /// arrived whole within it, is closed: idle and slow clients cannot hold the port's descriptors.
    public var idleTimeoutMs = 15_000
    /// Webhooks may point at http destinations on loopback addresses (for tests; the API
    /// takes https on port 443 only).
    public var loopbackWebhooks = false

    public init() {}

    /// Requests per window, per store (the Standard plan: 150 per 30 s).
    public struct RateLimit: Sendable, Equatable {
        public var quota: Int
        public var windowMs: Int
        public static let standard = RateLimit(quota: 150, windowMs: 30_000)
        /// DigiCert's Services API: 1,000 requests per 5 minutes.
        public static let digicert = RateLimit(quota: 1000, windowMs: 300_000)
        public init(quota: Int, windowMs: Int) {
            self.quota = quota
            self.windowMs = windowMs
        }

        /// `150/30s`, `150/3000ms`, `150/30` (seconds) or `off` (nil).
        public static func parse(_ text: String) throws -> RateLimit? {
            if text == "off" { return nil }
            let parts = text.split(separator: "/")
            guard parts.count == 2, let quota = Int(parts[0]), quota > 0,
                  let ms = Faults.parseDuration(String(parts[1])), ms > 0 else {
                throw SandboxConfigurationError("rate limit must be QUOTA/WINDOW (150/30s) or off, got \(text)")
            }
            return RateLimit(quota: quota, windowMs: ms)
        }
    }

    /// How long the store's slow work takes: each step of a theme job (queued, working, done)
    /// and a DigiCert order's issuance (from pending to issued).
    public struct Timing: Sendable, Equatable {
        public var themeJobMs = 200
        public var issuanceMs = 1000
        /// DigiCert's approval flow for orders that do not skip approval: one-step (the request
        /// pending), two-step (submitted) or auto (approved).
        public var approval = "one-step"
        public init() {}

        var json: JSON {
            .object(JSONObject([("theme_job_ms", .int(Int64(themeJobMs))), ("issuance_ms", .int(Int64(issuanceMs))),
                                ("approval", .string(approval))]))
        }

        /// Applies the fields present in a `/__sandbox/time` body.
        mutating func merge(_ o: JSONObject) throws {
            for (key, value) in o where key != "advance_seconds" {
                if key == "approval" {
                    guard let flow = value.stringValue, ["one-step", "two-step", "auto"].contains(flow) else {
                        throw SandboxConfigurationError("approval must be one-step, two-step or auto")
                    }
                    approval = flow
                    continue
                }
                guard let v = value.intValue, v >= 0, v <= 86_400_000 else { throw SandboxConfigurationError("\(key) must be milliseconds from 0 to 86400000") }
                switch key {
                case "theme_job_ms": themeJobMs = Int(v)
                case "issuance_ms": issuanceMs = Int(v)
                default: throw SandboxConfigurationError("unknown time setting \(key): use theme_job_ms, issuance_ms, approval, advance_seconds")
                }
            }
        }
    }

    /// What goes wrong, and how often. Rates are fractions of requests in [0, 1].
    public struct Faults: Sendable, Equatable {
        /// Added to every response: fixed (`latencyMs`) or uniform in latencyMs...latencyMaxMs.
        public var latencyMs = 0
        public var latencyMaxMs = 0
        /// Answered 500, 502, 503 or 504 without touching the store.
        public var errorRate = 0.0
        /// The connection is closed before the request is applied.
        public var dropBeforeRate = 0.0
        /// The request is applied, then the connection is closed without an answer.
        public var dropAfterRate = 0.0
        /// A request starts a storm: every request for `stormMs` is answered 429.
        public var stormRate = 0.0
        public var stormMs = 1000
        /// The answer waits `slowMs` (longer than a client's timeout).
        public var slowRate = 0.0
        public var slowMs = 30_000
        /// The body is cut off halfway and the connection closed.
        public var truncateRate = 0.0
        /// When not empty, the rates apply only to requests whose API path starts with one of
        /// these (`/v3/carts`): a test can break one resource and keep the rest working.
        public var paths: [String] = []

        func applies(to path: String) -> Bool { paths.isEmpty || paths.contains { path.hasPrefix($0) } }

        public init() {}

        /// `error=0.1,drop-after=0.05,storm=0.01,storm-ms=2000,slow=0.01,slow-ms=5000,truncate=0.05,drop-before=0.05`
        public static func parse(_ text: String) throws -> Faults {
            var f = Faults()
            for item in text.split(separator: ",") where !item.isEmpty {
                let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { throw SandboxConfigurationError("fault must be KIND=VALUE, got \(item)") }
                try f.set(String(kv[0].map { $0 == "_" ? "-" : $0 }), number: kv[1])
            }
            return f
        }

        mutating func set(_ key: String, number text: String) throws {
            func rate() throws -> Double {
                guard let d = Double(text), d >= 0, d <= 1 else { throw SandboxConfigurationError("\(key) must be a fraction in [0, 1], got \(text)") }
                return d
            }
            func ms() throws -> Int {
                guard let v = Faults.parseDuration(text), v >= 0 else { throw SandboxConfigurationError("\(key) must be a duration (250ms, 2s), got \(text)") }
                return v
            }
            switch key {
            case "error": errorRate = try rate()
            case "drop-before": dropBeforeRate = try rate()
            case "drop-after": dropAfterRate = try rate()
            case "storm": stormRate = try rate()
            case "storm-ms": stormMs = try ms()
            case "slow": slowRate = try rate()
            case "slow-ms": slowMs = try ms()
            case "truncate": truncateRate = try rate()
            case "latency": try setLatency(text)
            default:
                throw SandboxConfigurationError("unknown fault \(key): use error, drop-before, drop-after, storm, storm-ms, slow, slow-ms, truncate, latency")
            }
        }

        /// `100ms`, `0.1s`, or a range `50ms-150ms`.
        public mutating func setLatency(_ text: String) throws {
            let parts = text.split(separator: "-").map(String.init)
            guard (1...2).contains(parts.count), let low = Faults.parseDuration(parts[0]),
                  let high = parts.count == 2 ? Faults.parseDuration(parts[1]) : low, low >= 0, high >= low else {
                throw SandboxConfigurationError("latency must be a duration or a range (100ms, 50ms-150ms), got \(text)")
            }
            latencyMs = low
            latencyMaxMs = high
        }

        /// Milliseconds from `250ms`, `2s`, `1.5s` or a bare number of milliseconds.
        public static func parseDuration(_ text: String) -> Int? {
            if text.hasSuffix("ms") { return Int(text.dropLast(2)) }
            if text.hasSuffix("s"), let s = Double(text.dropLast()) { return Int((s * 1000).rounded()) }
            return Int(text)
        }

        var json: JSON {
            .object(JSONObject([
                ("latency_ms", .int(Int64(latencyMs))), ("latency_max_ms", .int(Int64(latencyMaxMs))),
                ("error_rate", .double(errorRate)), ("drop_before_rate", .double(dropBeforeRate)),
                ("drop_after_rate", .double(dropAfterRate)), ("storm_rate", .double(stormRate)),
                ("storm_ms", .int(Int64(stormMs))), ("slow_rate", .double(slowRate)), ("slow_ms", .int(Int64(slowMs))),
                ("truncate_rate", .double(truncateRate)), ("paths", .array(paths.map { .string($0) })),
            ]))
        }

        /// Applies the fields present in a `/__sandbox/faults` body.
        mutating func merge(_ o: JSONObject) throws {
            let rates: [(String, WritableKeyPath<Faults, Double>)] = [
                ("error_rate", \.errorRate), ("drop_before_rate", \.dropBeforeRate), ("drop_after_rate", \.dropAfterRate),
                ("storm_rate", \.stormRate), ("slow_rate", \.slowRate), ("truncate_rate", \.truncateRate),
            ]
            let times: [(String, WritableKeyPath<Faults, Int>)] = [
                ("latency_ms", \.latencyMs), ("latency_max_ms", \.latencyMaxMs), ("storm_ms", \.stormMs), ("slow_ms", \.slowMs),
            ]
            for (key, value) in o {
                if let (_, path) = rates.first(where: { $0.0 == key }) {
                    guard let d = value.doubleValue, d >= 0, d <= 1 else { throw SandboxConfigurationError("\(key) must be a number in [0, 1]") }
                    self[keyPath: path] = d
                } else if let (_, path) = times.first(where: { $0.0 == key }) {
                    guard let v = value.intValue, v >= 0 else { throw SandboxConfigurationError("\(key) must be a non-negative integer") }
                    self[keyPath: path] = Int(v)
                } else if key == "paths" {
                    guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count else {
                        throw SandboxConfigurationError("paths must be an array of API path prefixes (\"/v3/carts\")")
                    }
                    paths = list
                } else if key != "seed" && key != "rate_limit" && key != "digicert_rate_limit" {
                    throw SandboxConfigurationError("unknown fault setting \(key)")
                }
            }
            if latencyMaxMs < latencyMs { latencyMaxMs = latencyMs }
        }
    }
}

public struct SandboxConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
