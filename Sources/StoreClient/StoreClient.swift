import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import JSON
import NIOCore
import NIOHTTP1
import NIOSSL

/// One API request: a method, a path under the endpoint's base (`/v3/catalog/products/1`),
/// query pairs (sent in order) and an optional JSON body.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(String, String)]
    public var body: [UInt8]?
    public var headers: [(String, String)]
    /// Seconds for the whole exchange.
    public var timeout: Double
    /// The body's media type: JSON, or a multipart form for uploads.
    public var contentType: String
    /// The largest answer body accepted (the caller's memory budget); a larger one is refused
    /// while it arrives, before it is held whole.
    public var maxAnswerBytes: Int?

    public init(method: String, path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                headers: [(String, String)] = [], timeout: Double = 30, contentType: String = "application/json") {
        self.contentType = contentType
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.headers = headers
        self.timeout = timeout
    }
}

public struct APIResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// HTTP to one endpoint over AsyncHTTPClient: pooled keep-alive connections, TLS verified,
/// redirects never followed with credentials, gzip accepted, errors read into `StoreError`.
public final class StoreClient: Sendable {
    public let endpoint: StoreEndpoint
    public let limiter = RateLimiter()
    public let retry: RetryPolicy
    let http: HTTPClient
    static let maxBody = 64 * 1024 * 1024

    /// How often and how long a failed request is tried again.
    public struct RetryPolicy: Sendable {
        public var maxAttempts = 5
        /// Seconds, from the first attempt, after which no new attempt starts.
        public var maxTotal = 120.0
        public var baseDelay = 0.25
        public var maxDelay = 10.0
        public init() {}
    }

    /// One attempt, as `--verbose` reports it: never the query (it may hold secrets) nor a header.
    public struct Attempt: Sendable {
        public let method: String
        public let path: String
        /// The answer's status; 0 when there was none.
        public let status: Int
        public let milliseconds: Int
        public let attempt: Int
        /// `X-Rate-Limit-Requests-Left` of the answer.
        public let budgetLeft: Int?
        public let failure: String?
    }

    let observer: (@Sendable (Attempt) -> Void)?

    /// - Parameters:
    ///   - connectTimeout: seconds to establish a connection (TLS included).
    ///   - caFile: a PEM file of CA certificates trusted besides the system's (a company
    ///     proxy's); verification itself is never turned off.
    public init(endpoint: StoreEndpoint, retry: RetryPolicy = RetryPolicy(), connectTimeout: Double = 10,
                caFile: String? = nil, observer: (@Sendable (Attempt) -> Void)? = nil) throws(StoreEndpoint.Refused) {
        self.endpoint = endpoint
        self.retry = retry
        self.observer = observer
        var config = HTTPClient.Configuration()
        // A redirect would carry the token to wherever it points: refuse all, report it.
        config.redirectConfiguration = .disallow
        config.decompression = .enabled(limit: .ratio(50))
        config.timeout = .init(connect: .milliseconds(Int64(connectTimeout * 1000)))
        // AsyncHTTPClient keeps 8 connections a host by default; async.map and batch calls run
        // more requests at once than that, and the rate limiter, not the pool, should pace them.
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        // A failed connection fails its requests at once: `send` retries them with backoff
        // within the profile's bounds (and shows each try under --verbose); a certificate
        // that does not verify is not tried again for the whole connect timeout.
        config.connectionPool.retryConnectionEstablishment = false
        // No tracer: storescript exports no traces, and even the no-op one costs a span (and
        // its attributes) per request.
        config.tracing.tracer = nil
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(try StoreClient.trustRoots(caFile))]
            config.tlsConfiguration = tls
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// The last request's completion may hold the last reference, on an event loop, where
    /// nothing may block: the shutdown runs in the background.
    deinit { _ = http.shutdown() }

    /// The certificates of a PEM file of extra CAs, or why it cannot serve (a file that cannot
    /// be read would otherwise fail every connection).
    static func trustRoots(_ path: String) throws(StoreEndpoint.Refused) -> [NIOSSLCertificate] {
        guard access(path, R_OK) == 0 else {
            throw StoreEndpoint.Refused(description: "ca_file \(path) cannot be read: \(String(cString: strerror(errno)))")
        }
        let roots: [NIOSSLCertificate]
        do { roots = try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw StoreEndpoint.Refused(description: "ca_file \(path) is not a PEM file of certificates (\(error))")
        }
        guard !roots.isEmpty else { throw StoreEndpoint.Refused(description: "ca_file \(path) holds no PEM certificate") }
        return roots
    }

    /// The URL of a request: base + path + percent-encoded query.
    func url(_ r: APIRequest) -> String {
        var url = endpoint.baseURL + r.path
        if !r.query.isEmpty {
            url += "?" + r.query.map { Percent.encode($0.0) + "=" + Percent.encode($0.1) }.joined(separator: "&")
        }
        return url
    }

    /// Sends with the rate limiter's permission, and tries again what may be tried again: 429s
    /// (after the window resets), and 5xx answers and connection failures of GET, PUT and
    /// DELETE; a POST only when it provably never reached the server.
    public func send(_ r: APIRequest) async throws(StoreError) -> APIResponse {
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<APIResponse, StoreError>, Never>) in
            start(r) { c.resume(returning: $0) }
        }
        return try result.get()
    }

    /// `send` with a completion, called once on an event loop. The whole exchange (the
    /// limiter's slot, the attempts, the backoff between them) runs on event loops and
    /// never hops through the task pool: a script's thousands of requests cost what HTTP costs.
    public func start(_ r: APIRequest, completion: @escaping @Sendable (Result<APIResponse, StoreError>) -> Void) {
        attempt(r, number: 1, started: RateLimiter.now(), mayHaveApplied: false, completion)
    }

    /// - Parameter mayHaveApplied: an earlier attempt may have reached the server and changed
    ///   the store (its outcome is unknown).
    private func attempt(_ r: APIRequest, number: Int, started: Double, mayHaveApplied: Bool,
                         _ completion: @escaping @Sendable (Result<APIResponse, StoreError>) -> Void) {
        limiter.acquire { [self] in
            let began = RateLimiter.now()
            exchange(r) { [self] result in
                func report(_ status: Int, _ headers: [(String, String)]?, _ failure: String?) {
                    guard let observer else { return }
                    let left = headers?.first { $0.0.lowercased() == "x-rate-limit-requests-left" }.flatMap { Int($0.1) }
                    observer(Attempt(method: r.method, path: r.path, status: status, milliseconds: Int((RateLimiter.now() - began) * 1000),
                                     attempt: number, budgetLeft: left, failure: failure))
                }
                switch result {
                case .success(let response):
                    report(response.status, response.headers, nil)
                    limiter.update(headers: response.headers, status: response.status)
                    completion(.success(response))
                case .failure(let error):
                    report(error.status, error.headers, error.status == 0 ? error.title : nil)
                    if let headers = error.headers { limiter.update(headers: headers, status: error.status) } else { limiter.release() }
                    // A DELETE an earlier attempt may have done: the thing is gone, as asked.
                    if r.method == "DELETE" && error.status == 404 && mayHaveApplied {
                        completion(.success(APIResponse(status: 204, headers: error.headers ?? [], body: [])))
                        return
                    }
                    let idempotent = r.method != "POST"
                    let again = error.status == 429 || (error.retryable && (idempotent || error.kind == .notSent))
                    // A 429's X-Retry-After is how long the API asks to wait: give up now if
                    // that runs past the time retries may take.
                    let asked = error.status == 429 ? (error.header("x-retry-after") ?? error.header("retry-after")).flatMap(Double.init) ?? 0 : 0
                    guard again, number < retry.maxAttempts, RateLimiter.now() + asked - started < retry.maxTotal else {
                        var final = error
                        final.attempts = number
                        final.mayHaveApplied = mayHaveApplied || error.applied == nil
                        completion(.failure(final))
                        return
                    }
                    let uncertain = mayHaveApplied || error.applied == nil
                    if error.status == 429 {
                        // The limiter holds the next attempt until the window resets (or the
                        // API's X-Retry-After has passed).
                        attempt(r, number: number + 1, started: started, mayHaveApplied: uncertain, completion)
                    } else {
                        // Exponential backoff with full jitter.
                        let cap = min(retry.maxDelay, retry.baseDelay * Double(1 << min(number - 1, 10)))
                        let delay = TimeAmount.milliseconds(Int64(Double.random(in: 0...cap) * 1000))
                        http.eventLoopGroup.any().scheduleTask(in: delay) { [self] in
                            attempt(r, number: number + 1, started: started, mayHaveApplied: uncertain, completion)
                        }
                    }
                }
            }
        }
    }

    /// One attempt over the event-loop API with an accumulating delegate: the exchange stays
    /// on the connection's event loop.
    private func exchange(_ r: APIRequest, _ done: @escaping @Sendable (Result<APIResponse, StoreError>) -> Void) {
        var fields = HTTPHeaders()
        fields.add(name: endpoint.authHeader, value: endpoint.credential.revealed)
        fields.add(name: "Accept", value: "application/json")
        fields.add(name: "Accept-Encoding", value: "gzip")
        fields.add(name: "User-Agent", value: "storescript")
        for (name, value) in r.headers { fields.replaceOrAdd(name: name, value: value) }
        if r.body != nil { fields.replaceOrAdd(name: "Content-Type", value: r.contentType) }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url(r), method: HTTPMethod(rawValue: r.method), headers: fields,
                                             body: r.body.map { .bytes($0) })
        } catch {
            done(.failure(classify(error, r, sent: false)))
            return
        }
        let delegate = SendTracking(request: request, maxBodySize: min(StoreClient.maxBody, r.maxAnswerBytes ?? .max))
        http.execute(request: request, delegate: delegate, deadline: .now() + .milliseconds(Int64(r.timeout * 1000)))
            .futureResult.whenComplete { [self] outcome in
                switch outcome {
                case .success(let response): done(interpret(response, r))
                case .failure(let error): done(.failure(classify(error, r, sent: delegate.sentAnything)))
                }
            }
    }

    /// A 2xx answer, or the error it stands for (a refused redirect, an API error).
    private func interpret(_ response: HTTPClient.Response, _ r: APIRequest) -> Result<APIResponse, StoreError> {
        let headers = response.headers.map { ($0.name, $0.value) }
        let status = Int(response.status.code)
        let bytes = response.body.map { Array($0.readableBytesView) } ?? []
        if (300..<400).contains(status) {
            let target = response.headers.first(name: "Location") ?? "?"
            return .failure(StoreError(kind: .refused, status: status, title: "redirect to \(target) not followed: it would carry the credentials",
                                       method: r.method, path: r.path, retryable: false))
        }
        guard (200..<300).contains(status) else {
            var error = StoreError.from(status: status, body: bytes, contentType: response.headers.first(name: "Content-Type"),
                                        method: r.method, path: r.path, requestID: response.headers.first(name: "X-Request-Id"))
            error.headers = headers
            error.title = endpoint.credential.redact(error.title)
            error.detail = error.detail.map(endpoint.credential.redact)
            return .failure(error)
        }
        return .success(APIResponse(status: status, headers: headers, body: bytes))
    }
}

/// Percent-encoding (RFC 3986 unreserved characters stay). In queries `:` and `,` stay too,
/// as the API's filter keys and lists read better with them; in a path segment they do not.
public enum Percent {
    public static func encode(_ s: String, keeping extra: Set<UInt8> = [UInt8(ascii: ":"), UInt8(ascii: ",")]) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case _ where extra.contains(b):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// One path segment: only unreserved characters stay.
    public static func encodeSegment(_ s: String) -> String { encode(s, keeping: []) }
}
