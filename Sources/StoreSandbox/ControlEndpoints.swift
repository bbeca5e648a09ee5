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
            return r.json(200, .array(sandbox.log.filter { $0.sequence > since }.map(\.json)))
        case (.delete, "/__sandbox/log"):
            sandbox.control.withLock { $0.log = [] }
            return r.json(204, nil)
        case (.get, "/__sandbox/faults"):
            return r.json(200, sandbox.control.withLock { $0.faults.json })
        case (.put, "/__sandbox/faults"), (.post, "/__sandbox/faults"):
            var request = request
            let bytes = try await request.collectBody(upTo: 65536)
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
