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
/// does, `/__sandbox/...` for tests and users (state, log, faults).
struct SandboxResponder: HTTPResponder {
    let sandbox: Sandbox
    static let maxBody = 8 * 1024 * 1024

    func respond(to request: Request, context: SandboxContext) async throws -> Response {
        let path = Percent.decode(request.uri.path)
        if path.hasPrefix("/__sandbox/") { return try await ControlEndpoints.respond(sandbox, request, path: path, context: context) }
        let prefix = "/stores/\(sandbox.configuration.storeHash)"
        let apiPath: String
        let version: Substring
        let authHeader: HTTPField.Name
        if path.hasPrefix("/services/v2/") {
            // DigiCert CertCentral, answered generically (orders are kept), keyed by X-DC-DEVKEY.
            (apiPath, version, authHeader) = (path, "digicert", .xDigiCertKey)
        } else if path.hasPrefix(prefix + "/") {
            apiPath = String(path.dropFirst(prefix.count))
            (version, authHeader) = (apiPath.hasPrefix("/v2/") ? "v2" : "v3", .xAuthToken)
        } else {
            return json(404, APIError.notFound("No store at this path; the sandbox serves \(prefix)/v3, \(prefix)/v2 and /services/v2").body(version: "v3"))
        }
        let query = Percent.queryPairs(request.uri.query ?? "")
        let method = Operation.Method(rawValue: request.method.rawValue)
        var entry = RequestLog.Entry(sequence: 0, method: request.method.rawValue, path: apiPath, query: request.uri.query ?? "")

        guard request.headers[authHeader] == sandbox.configuration.token else {
            let body = APIError(status: 401, title: "Unauthorized", detail: "\(authHeader) is missing or wrong").body(version: version)
            return finish(json(401, body), &entry)
        }

        let decision = sandbox.decide()
        entry = RequestLog.Entry(sequence: decision.sequence, method: entry.method, path: apiPath, query: request.uri.query ?? "")
        if decision.latencyMs > 0 { try await Task.sleep(for: .milliseconds(decision.latencyMs)) }
        var fault: Sandbox.Fault?
        switch decision.verdict {
        case .rateLimited(let emptyBody):
            entry.fault = "rate-limit"
            let body = emptyBody ? nil : APIError(status: 429, title: "Too many requests").body(version: version)
            return finish(json(429, body, headers: decision.headers), &entry)
        case .storm:
            entry.fault = "storm"
            return finish(json(429, APIError(status: 429, title: "Too many requests").body(version: version), headers: decision.headers), &entry)
        case .proceed(let f):
            fault = f
        }
        entry.fault = fault?.rawValue
        if fault == .error {
            let status = decision.errorStatus
            return finish(json(status, APIError(status: status, title: "Injected server error").body(version: version), headers: decision.headers), &entry)
        }
        if fault == .dropBefore {
            entry.status = 0
            sandbox.record(entry)
            return drop(context)
        }

        guard let method, let (op, params) = OperationCatalog.match(method: method, path: apiPath), (op.version == "digicert") == (version == "digicert") else {
            let known = OperationCatalog.hasPath(apiPath)
            let error = known ? APIError(status: 405, title: "Method not allowed") : APIError.notFound("No such endpoint: \(apiPath)")
            return finish(json(error.status, error.body(version: version), headers: decision.headers), &entry)
        }

        // The body: JSON where the operation takes one.
        var body: JSON?
        var files: [MultipartForm.Part] = []
        var request = request
        let bytes: ByteBuffer
        do {
            bytes = try await request.collectBody(upTo: SandboxResponder.maxBody)
        } catch {
            return finish(json(413, APIError(status: 413, title: "The request body is too large").body(version: version), headers: decision.headers), &entry)
        }
        entry.bodyBytes = bytes.readableBytes
        if bytes.readableBytes > 0 && (op.method == .POST || op.method == .PUT || op.method == .DELETE) {
            let type = request.headers[.contentType] ?? ""
            if !type.isEmpty && !type.lowercased().hasPrefix("application/json") && !type.lowercased().hasPrefix("multipart/form-data") {
                let error = APIError(status: 415, title: "The request body must be application/json, not \(type)")
                return finish(json(415, error.body(version: version), headers: decision.headers), &entry)
            }
            if type.lowercased().hasPrefix("multipart/form-data") {
                guard let form = MultipartForm(Array(bytes.readableBytesView), contentType: type) else {
                    let error = APIError(status: 400, title: "The multipart/form-data body cannot be read (boundary or part headers)")
                    return finish(json(400, error.body(version: version), headers: decision.headers), &entry)
                }
                do throws(APIError) {
                    (body, files) = try Uploads.body(form, op: op, storeHash: sandbox.configuration.storeHash)
                } catch {
                    return finish(json(error.status, error.body(version: version), headers: decision.headers), &entry)
                }
            } else {
                do {
                    body = try JSON.parse(Array(bytes.readableBytesView))
                } catch {
                    var invalid = APIError.invalid("The request body is not valid JSON", [("body", error.description)])
                    invalid.shape = BodySchemaTable.entry(for: op)?.errorShape ?? .flat
                    return finish(json(422, invalid.body(version: version), headers: decision.headers), &entry)
                }
            }
        }
        entry.body = body.map(Redaction.redact)
        if !files.isEmpty, case .object(var logged)? = entry.body {
            for f in files { logged[f.name] = f.summary }
            entry.body = .object(logged)
        }
        var rejected: [JSON] = []
        if op.method == .POST || op.method == .PUT || body != nil, let table = BodySchemaTable.entry(for: op), let schema = table.schema {
            do throws(APIError) {
                let checked = try RequestBodyCheck.check(body, table, schema)
                (body, rejected) = (checked.body, checked.rejected)
            } catch {
                return finish(json(422, error.body(version: version), headers: decision.headers), &entry)
            }
        }

        let outcome = sandbox.handle(SandboxRequest(op: op, params: params, path: apiPath, query: query, body: body, files: files,
                                                    rejected: rejected))
        entry.applied = outcome.applied
        var response = json(outcome.status, outcome.body, headers: decision.headers)

        switch fault {
        case .dropAfter?:
            entry.status = 0
            sandbox.record(entry)
            return drop(context)
        case .slow?:
            try await Task.sleep(for: .milliseconds(decision.slowMs))
        case .truncate?:
            response = truncated(response, outcome.body)
        default: break
        }
        return finish(response, &entry)
    }

    private func finish(_ response: Response, _ entry: inout RequestLog.Entry) -> Response {
        if entry.status == 0 { entry.status = Int(response.status.code) }
        sandbox.record(entry)
        return response
    }

    /// Closes the connection; the response returned is never written.
    private func drop(_ context: SandboxContext) -> Response {
        context.channel.close(promise: nil)
        return Response(status: .internalServerError)
    }

    /// Promises the whole body, sends half of it, then fails the stream (the connection closes).
    private func truncated(_ response: Response, _ body: JSON?) -> Response {
        let bytes = body?.serialized() ?? []
        guard !bytes.isEmpty else { return response }
        var headers = response.headers
        headers[.contentLength] = String(bytes.count)
        let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
        return Response(status: response.status, headers: headers, body: ResponseBody(contentLength: bytes.count) { writer in
            try await writer.write(half)
            throw TruncatedBody()
        })
    }

    struct TruncatedBody: Error {}

    func json(_ status: Int, _ body: JSON?, headers extra: [(String, String)] = []) -> Response {
        var headers = HTTPFields()
        for (name, value) in extra { if let n = HTTPField.Name(name) { headers[n] = value } }
        guard let body, status != 204 else {
            return Response(status: .init(code: status), headers: headers)
        }
        headers[.contentType] = "application/json"
        let bytes = body.serialized()
        headers[.contentLength] = String(bytes.count)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
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
