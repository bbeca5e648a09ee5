import Hummingbird
import JSON
import NIOCore

/// `/__sandbox/state` (a snapshot of the store: each entity's rows), `/__sandbox/changes` (the
/// change log, `?after=SEQ&limit=N`), `/__sandbox/log` (every request, with
/// whether it changed the store; DELETE clears it), `/__sandbox/faults` (GET, or PUT a
/// partial object to change them), `/__sandbox/time` (the store's clock and how long its slow
/// work takes; PUT `{advance_seconds, theme_job_ms, issuance_ms, approval}`), and
/// `/__sandbox/files/themes/{uuid}.zip` (a theme download's URL, as a CDN would serve it).
///
/// Every one but the theme files (public, as a CDN's are, under an unguessable name) needs the
/// sandbox's token: the sandbox listens on loopback, where every local user reaches it.
enum ControlEndpoints {
    static func respond(_ sandbox: Sandbox, _ request: Request, path: String, context: SandboxContext) async throws -> Response {
        if !path.hasPrefix("/__sandbox/files/"), !ControlEndpoints.sameBytes(request.headers[.xAuthToken], sandbox.configuration.token) {
            return JSONResponse.make(401, ["status": 401, "title": "Unauthorized",
                                           "detail": "X-Auth-Token is missing or wrong: the sandbox's control endpoints need its token"])
        }
        switch (request.method, path) {
        case (.get, "/__sandbox/state"):
            return JSONResponse.make(200, sandbox.snapshot())
        case (.get, "/__sandbox/changes"):
            // The change log: every create, update and delete after `after`, oldest first.
            let query = Percent.queryPairs(request.uri.query ?? "")
            let after = query.first { $0.0 == "after" }.flatMap { Int64($0.1) } ?? 0
            let limit = min(max(query.first { $0.0 == "limit" }.flatMap { Int($0.1) } ?? 1000, 1), 10_000)
            do throws(APIError) {
                return JSONResponse.make(200, .array(try sandbox.changes(after: after, limit: limit).map(\.json)))
            } catch {
                return JSONResponse.make(error.status, ["title": .string(error.title)])
            }
        case (.get, "/__sandbox/log"):
            let since = Percent.queryPairs(request.uri.query ?? "").first { $0.0 == "since" }.flatMap { Int($0.1) } ?? 0
            let (entries, dropped) = sandbox.control.withLock { ($0.log.since(since), $0.log.dropped) }
            // How many of the oldest entries the log's bound has dropped so far.
            return JSONResponse.make(200, .array(entries.map(\.json)), headers: [("X-Sandbox-Log-Dropped", String(dropped))])
        case (.delete, "/__sandbox/log"):
            sandbox.control.withLock { $0.log.clear() }
            return JSONResponse.make(204, nil)
        case (.get, "/__sandbox/time"):
            return JSONResponse.make(200, sandbox.timeSettings())
        case (.put, "/__sandbox/time"), (.post, "/__sandbox/time"):
            var request = request
            guard let bytes = try? await request.collectBody(upTo: 65536),
                  case .object(let o)? = try? JSON.parse(Array(bytes.readableBytesView)) else {
                return JSONResponse.make(422, ["title": "expected a JSON object of at most 64 KB"])
            }
            do {
                try sandbox.changeTime(o)
            } catch {
                return JSONResponse.make(422, ["title": .string("\(error)")])
            }
            return JSONResponse.make(200, sandbox.timeSettings())
        case (.get, _) where path.hasPrefix("/__sandbox/files/themes/") && path.hasSuffix(".zip"):
            let uuid = String(path.dropFirst("/__sandbox/files/themes/".count).dropLast(4))
            guard let zip = sandbox.themeFile(uuid) else { return JSONResponse.make(404, ["title": "no such theme file"]) }
            return JSONResponse.bytes(200, zip, type: "application/zip")
        case (.get, "/__sandbox/faults"):
            return JSONResponse.make(200, sandbox.control.withLock { $0.faults.json })
        case (.put, "/__sandbox/faults"), (.post, "/__sandbox/faults"):
            var request = request
            let bytes: ByteBuffer
            do {
                bytes = try await request.collectBody(upTo: 65536)
            } catch {
                return JSONResponse.make(413, ["title": "the faults body is larger than 64 KB"])
            }
            do {
                guard case .object(let o) = try JSON.parse(Array(bytes.readableBytesView)) else {
                    return JSONResponse.make(422, ["title": "expected a JSON object"])
                }
                try sandbox.control.withLock { c in
                    var faults = c.faults
                    try faults.merge(o)
                    c.faults = faults
                    if let seed = o["seed"]?.intValue { c.random = SeededRandom(seed: UInt64(bitPattern: seed)) }
                    if let limit = o["rate_limit"] { (c.rateLimit, c.used) = (try rateLimit(limit, "rate_limit"), 0) }
                    if let limit = o["digicert_rate_limit"] {
                        (c.digicertLimit, c.digicertUsed) = (try rateLimit(limit, "digicert_rate_limit"), 0)
                    }
                }
            } catch {
                return JSONResponse.make(422, ["title": .string("\(error)")])
            }
            return JSONResponse.make(200, sandbox.control.withLock { $0.faults.json })
        default:
            return JSONResponse.make(404, ["title": "unknown sandbox endpoint; use /__sandbox/state, /__sandbox/changes, /__sandbox/log, /__sandbox/faults, /__sandbox/time"])
        }
    }

    /// `"off"` (nil) or `{quota, window_ms}`.
    static func rateLimit(_ value: JSON, _ key: String) throws -> SandboxConfiguration.RateLimit? {
        if value.stringValue == "off" { return nil }
        guard let q = value["quota"]?.intValue, let w = value["window_ms"]?.intValue, q > 0, w > 0 else {
            throw SandboxConfigurationError("\(key) must be \"off\" or {quota, window_ms}")
        }
        return .init(quota: Int(q), windowMs: Int(w))
    }

    /// Compares in time that depends on the lengths only, not on where they first differ.
    static func sameBytes(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8), b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) { difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return difference == 0
    }
}
