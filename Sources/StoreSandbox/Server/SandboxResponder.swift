import HTTPTypes
import Hummingbird
import JSON
import NIOCore
import StoreAPI

/// The request context: Hummingbird's, plus the channel, so a fault can drop the connection.
public struct SandboxContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Answers every request from the operation catalog: `/stores/{hash}/v2|v3/...` as the API
/// does, `/services/v2/...` as DigiCert does, `/__sandbox/...` for tests and users (state,
/// log, faults). A request passes through stages (`Exchange`); any stage may answer it, and
/// the answer is logged in one place.
struct SandboxResponder: HTTPResponder {
    let sandbox: Sandbox
    static let maxBody = 8 * 1024 * 1024

    func respond(to request: Request, context: SandboxContext) async throws -> Response {
        let path = Percent.decode(request.uri.path)
        if path.hasPrefix("/__sandbox/") { return try await ControlEndpoints.respond(sandbox, request, path: path, context: context) }
        var exchange = Exchange(sandbox: sandbox, request: request, path: path)
        let answer: Answer
        do throws(Answer) {
            try exchange.locate()
            try exchange.authenticate()
            try await exchange.admit()
            try exchange.match()
            try await exchange.readBody()
            try exchange.checkSchema()
            answer = try await exchange.dispatch()
        } catch {
            answer = error
        }
        return answer.send(&exchange.entry, sandbox: sandbox, context: context)
    }
}

/// How a stage answers: a JSON response, or the connection closed without one.
struct Answer: Error {
    var response: Response?

    static func json(_ status: Int, _ body: JSON?, headers: [(String, String)] = []) -> Answer {
        Answer(response: JSONResponse.make(status, body, headers: headers))
    }

    static let drop = Answer(response: nil)

    /// Logs the exchange and sends the answer (a dropped connection logs status 0).
    func send(_ entry: inout RequestLog.Entry, sandbox: Sandbox, context: SandboxContext) -> Response {
        guard let response else {
            entry.status = 0
            sandbox.record(entry)
            // The response returned is never written: the connection is closed.
            context.channel.close(promise: nil)
            return Response(status: .internalServerError)
        }
        if entry.status == 0 { entry.status = Int(response.status.code) }
        sandbox.record(entry)
        return response
    }
}

/// One request on its way through the stages; each stage states what it needs and adds what
/// it learns.
struct Exchange {
    let sandbox: Sandbox
    var request: Request
    let path: String
    var entry: RequestLog.Entry

    // From `locate`: the API path and whose conventions it follows.
    var apiPath = ""
    var version: Substring = "v3"
    var authHeader = HTTPField.Name.xAuthToken
    // From `admit`: the rate limit's headers and the fault drawn for this request.
    var decision: Sandbox.Decision?
    var fault: Sandbox.Fault?
    // From `match`.
    var op: Operation?
    var params: [String: String] = [:]
    // From `readBody` and `checkSchema`.
    var body: JSON?
    var files: [MultipartForm.Part] = []
    var rejected: [JSON] = []

    init(sandbox: Sandbox, request: Request, path: String) {
        (self.sandbox, self.request, self.path) = (sandbox, request, path)
        entry = RequestLog.Entry(sequence: 0, method: request.method.rawValue, path: path, query: request.uri.query ?? "")
    }

    var headers: [(String, String)] { decision?.headers ?? [] }

    func error(_ e: APIError) -> Answer { .json(e.status, e.body(version: version), headers: headers) }

    /// Which API the path belongs to: the store's (`/stores/{hash}/v3/...`) or DigiCert's.
    mutating func locate() throws(Answer) {
        let prefix = "/stores/\(sandbox.configuration.storeHash)"
        if path.hasPrefix("/services/v2/") {
            (apiPath, version, authHeader) = (path, "digicert", .xDigiCertKey)
        } else if path.hasPrefix(prefix + "/") {
            apiPath = String(path.dropFirst(prefix.count))
            version = apiPath.hasPrefix("/v2/") ? "v2" : "v3"
        } else {
            throw error(.notFound("No store at this path; the sandbox serves \(prefix)/v3, \(prefix)/v2 and /services/v2"))
        }
        entry = RequestLog.Entry(sequence: 0, method: entry.method, path: apiPath, query: request.uri.query ?? "")
    }

    func authenticate() throws(Answer) {
        guard request.headers[authHeader] == sandbox.configuration.token else {
            throw error(APIError(status: 401, title: "Unauthorized", detail: "\(authHeader) is missing or wrong"))
        }
    }

    /// The rate limit and the faults that strike before the store is touched.
    mutating func admit() async throws(Answer) {
        let decision = sandbox.decide(digicert: version == "digicert", path: apiPath)
        self.decision = decision
        entry = RequestLog.Entry(sequence: decision.sequence, method: entry.method, path: apiPath, query: request.uri.query ?? "")
        if decision.latencyMs > 0 { try? await Task.sleep(for: .milliseconds(decision.latencyMs)) }
        switch decision.verdict {
        case .rateLimited(let emptyBody):
            entry.fault = "rate-limit"
            let limited = version == "digicert"
                ? APIError(status: 429, title: "Too many requests", errors: [("request_limit_exceeded", "Request limit exceeded; wait and retry")])
                : APIError(status: 429, title: "Too many requests")
            throw .json(429, emptyBody ? nil : limited.body(version: version), headers: headers)
        case .storm:
            entry.fault = "storm"
            throw error(APIError(status: 429, title: "Too many requests"))
        case .proceed(let f):
            fault = f
        }
        entry.fault = fault?.rawValue
        if fault == .error { throw error(APIError(status: decision.errorStatus, title: "Injected server error")) }
        if fault == .dropBefore { throw .drop }
    }

    mutating func match() throws(Answer) {
        guard let method = Operation.Method(rawValue: request.method.rawValue),
              let (op, params) = OperationCatalog.match(method: method, path: apiPath),
              (op.version == "digicert") == (version == "digicert") else {
            throw error(OperationCatalog.hasPath(apiPath) ? APIError(status: 405, title: "Method not allowed")
                                                          : .notFound("No such endpoint: \(apiPath)"))
        }
        (self.op, self.params) = (op, params)
    }

    /// The body: JSON, or a multipart form turned into the JSON the handlers know.
    struct BodyTimedOut: Error {}

    /// The body, or `BodyTimedOut` when it has not arrived whole within `limit` (a slow client).
    func collectBody(within limit: Duration) async throws -> ByteBuffer {
        let request = self.request
        return try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
            group.addTask {
                var r = request
                return try await r.collectBody(upTo: SandboxResponder.maxBody)
            }
            group.addTask {
                try await Task.sleep(for: limit)
                throw BodyTimedOut()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    mutating func readBody() async throws(Answer) {
        guard let op else { return }
        let bytes: ByteBuffer
        do {
            bytes = try await collectBody(within: .milliseconds(sandbox.configuration.idleTimeoutMs))
        } catch is BodyTimedOut {
            throw self.error(APIError(status: 408, title: "The request body did not arrive in time"))
        } catch {
            throw self.error(APIError(status: 413, title: "The request body is too large"))
        }
        entry.bodyBytes = bytes.readableBytes
        guard bytes.readableBytes > 0, op.method == .POST || op.method == .PUT || op.method == .DELETE else { return }
        let type = (request.headers[.contentType] ?? "").lowercased()
        if type.hasPrefix("multipart/form-data") {
            guard let form = MultipartForm(Array(bytes.readableBytesView), contentType: request.headers[.contentType] ?? "") else {
                throw error(APIError(status: 400, title: "The multipart/form-data body cannot be read (boundary or part headers)"))
            }
            do throws(APIError) {
                (body, files) = try Uploads.body(form, op: op, storeHash: sandbox.configuration.storeHash)
            } catch {
                throw self.error(error)
            }
        } else if type.isEmpty || type.hasPrefix("application/json") {
            do {
                body = try JSON.parse(Array(bytes.readableBytesView))
            } catch {
                var invalid = APIError.invalid("The request body is not valid JSON", [("body", error.description)])
                invalid.shape = BodySchemaTable.entry(for: op)?.errorShape ?? .flat
                throw self.error(invalid)
            }
        } else {
            throw self.error(APIError(status: 415, title: "The request body must be application/json, not \(request.headers[.contentType] ?? "")"))
        }
        entry.body = body.map(Redaction.redact)
        if !files.isEmpty, case .object(var logged)? = entry.body {
            for f in files { logged[f.name] = f.summary }
            entry.body = .object(logged)
        }
    }

    /// The official request schema: a bad body is refused whole, or, in a 207 batch, item by item.
    mutating func checkSchema() throws(Answer) {
        guard let op, op.method == .POST || op.method == .PUT || body != nil,
              let table = BodySchemaTable.entry(for: op), let schema = table.schema else { return }
        do throws(APIError) {
            let checked = try RequestBodyCheck.check(body, table, schema)
            (body, rejected) = (checked.body, checked.rejected)
        } catch {
            throw self.error(error)
        }
    }

    /// The store answers; then the faults that strike after it has (a dropped, slow or cut answer).
    mutating func dispatch() async throws(Answer) -> Answer {
        guard let op else { throw error(.notFound()) }
        let query = Percent.queryPairs(request.uri.query ?? "")
        var apiRequest = SandboxRequest(op: op, params: params, path: apiPath, query: query, body: body, files: files, rejected: rejected)
        apiRequest.origin = "http://" + (request.head.authority ?? "\(sandbox.configuration.host):\(sandbox.configuration.port)")
        apiRequest.sequence = entry.sequence
        let outcome = if let upstream = sandbox.upstream { await sandbox.handleOverlaid(apiRequest, upstream) } else { sandbox.handle(apiRequest) }
        entry.applied = outcome.applied
        switch fault {
        case .dropAfter?:
            return .drop
        case .slow?:
            try? await Task.sleep(for: .milliseconds(decision?.slowMs ?? 0))
        case .truncate?:
            return Answer(response: JSONResponse.truncated(outcome.status, outcome.body, headers: headers))
        default: break
        }
        if let raw = outcome.raw { return Answer(response: JSONResponse.bytes(outcome.status, raw.bytes, type: raw.type, headers: headers)) }
        return .json(outcome.status, outcome.body, headers: headers)
    }
}

/// Responses with JSON (or other) bodies and a Content-Length.
enum JSONResponse {
    static func make(_ status: Int, _ body: JSON?, headers extra: [(String, String)] = []) -> Response {
        guard let body, status != 204 else { return Response(status: .init(code: status), headers: fields(extra)) }
        return bytes(status, body.serialized(), type: "application/json", headers: extra)
    }

    static func bytes(_ status: Int, _ bytes: [UInt8], type: String, headers extra: [(String, String)] = []) -> Response {
        var headers = fields(extra)
        headers[.contentType] = type
        headers[.contentLength] = String(bytes.count)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Promises the whole body, sends half of it, then fails the stream (the connection closes).
    static func truncated(_ status: Int, _ body: JSON?, headers extra: [(String, String)]) -> Response {
        let bytes = body?.serialized() ?? []
        guard !bytes.isEmpty else { return make(status, body, headers: extra) }
        var headers = fields(extra)
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(bytes.count)
        let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(contentLength: bytes.count) { writer in
            try await writer.write(half)
            throw TruncatedBody()
        })
    }

    struct TruncatedBody: Error {}

    private static func fields(_ pairs: [(String, String)]) -> HTTPFields {
        var headers = HTTPFields()
        for (name, value) in pairs { if let n = HTTPField.Name(name) { headers[n] = value } }
        return headers
    }
}

extension HTTPField.Name {
    static let xAuthToken = HTTPField.Name("X-Auth-Token")!
    static let xDigiCertKey = HTTPField.Name("X-DC-DEVKEY")!
}

/// Percent-decoding of paths and queries (no Foundation).
enum Percent {
    static func decode(_ s: some StringProtocol, plusIsSpace: Bool = false) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let c = bytes.popFirst() {
            if c == UInt8(ascii: "%"), bytes.count >= 2, let h = hex(bytes[bytes.startIndex]), let l = hex(bytes[bytes.startIndex + 1]) {
                out.append(h << 4 | l)
                bytes = bytes.dropFirst(2)
            } else if c == UInt8(ascii: "+") && plusIsSpace {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    static func queryPairs(_ query: String) -> [(String, String)] {
        query.split(separator: "&").compactMap { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let k = kv.first, !k.isEmpty else { return nil }
            return (decode(k, plusIsSpace: true), kv.count > 1 ? decode(kv[1], plusIsSpace: true) : "")
        }
    }
}
