import Hummingbird
import JSON
import NIOCore

/// `/__sandbox/state` (a snapshot of the store), `/__sandbox/log` (every request, with
/// whether it changed the store; DELETE clears it), `/__sandbox/faults` (GET, or PUT a
/// partial object to change them).
enum ControlEndpoints {
    static func respond(_ sandbox: Sandbox, _ request: Request, path: String, context: SandboxContext) async throws -> Response {
        let r = SandboxResponder(sandbox: sandbox)
        switch (request.method, path) {
        case (.get, "/__sandbox/state"):
            return r.json(200, sandbox.snapshot())
        case (.get, "/__sandbox/log"):
            let since = Percent.queryPairs(request.uri.query ?? "").first { $0.0 == "since" }.flatMap { Int($0.1) } ?? 0
            let (entries, dropped) = sandbox.control.withLock { ($0.log.since(since), $0.log.dropped) }
            // How many of the oldest entries the log's bound has dropped so far.
            return r.json(200, .array(entries.map(\.json)), headers: [("X-Sandbox-Log-Dropped", String(dropped))])
        case (.delete, "/__sandbox/log"):
            sandbox.control.withLock { $0.log.clear() }
            return r.json(204, nil)
        case (.get, "/__sandbox/faults"):
            return r.json(200, sandbox.control.withLock { $0.faults.json })
        case (.put, "/__sandbox/faults"), (.post, "/__sandbox/faults"):
            var request = request
            let bytes: ByteBuffer
            do {
                bytes = try await request.collectBody(upTo: 65536)
            } catch {
                return r.json(413, ["title": "the faults body is larger than 64 KB"])
            }
            do {
                guard case .object(let o) = try JSON.parse(Array(bytes.readableBytesView)) else {
                    return r.json(422, ["title": "expected a JSON object"])
                }
                try sandbox.control.withLock { c in
                    var faults = c.faults
                    try faults.merge(o)
                    c.faults = faults
                    if let seed = o["seed"]?.intValue { c.random = SeededRandom(seed: UInt64(bitPattern: seed)) }
                    if let limit = o["rate_limit"] {
                        if limit.stringValue == "off" { c.rateLimit = nil }
                        else if let q = limit["quota"]?.intValue, let w = limit["window_ms"]?.intValue, q > 0, w > 0 {
                            c.rateLimit = .init(quota: Int(q), windowMs: Int(w))
                            c.used = 0
                        } else { throw SandboxConfigurationError("rate_limit must be \"off\" or {quota, window_ms}") }
                    }
                }
            } catch {
                return r.json(422, ["title": .string("\(error)")])
            }
            return r.json(200, sandbox.control.withLock { $0.faults.json })
        default:
            return r.json(404, ["title": "unknown sandbox endpoint; use /__sandbox/state, /__sandbox/log, /__sandbox/faults"])
        }
    }
}
