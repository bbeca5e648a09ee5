import JSON

/// A failed API call, as the Lua error table will carry it: status, title, type, detail,
/// field errors, method and path (no host, no query), the request id when the API sent one,
/// and whether trying again may help. Its description never holds a credential.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The API answered with an error status.
        case http
        /// The request never reached the server (connection refused, DNS): safe to retry.
        case notSent
        /// The connection failed after the request may have been applied: the outcome is unknown.
        case outcomeUnknown
        /// The answer was not what the API sends (HTML error page, truncated or non-JSON body).
        case invalidResponse
        /// The client refused before sending (a redirect to another host, a bad URL).
        case refused
        case timeout
    }

    public var kind: Kind
    public var status: Int
    public var title: String
    public var type: String?
    public var detail: String?
    /// Field → message, as the API returned them (DigiCert's `[{code, message}]` become code → message).
    public var errors: [(String, String)]
    public var method: String
    public var path: String
    public var requestID: String?
    public var retryable: Bool
    /// How many attempts were made before giving up.
    public var attempts = 1
    /// An earlier attempt's outcome was unknown: even a refused last attempt may not mean
    /// nothing changed.
    public var mayHaveApplied = false
    /// The answer's headers, when there was an answer (the limiter reads them).
    var headers: [(String, String)]?

    public init(kind: Kind, status: Int = 0, title: String, type: String? = nil, detail: String? = nil,
                errors: [(String, String)] = [], method: String, path: String, requestID: String? = nil, retryable: Bool) {
        self.kind = kind
        self.status = status
        self.title = title
        self.type = type
        self.detail = detail
        self.errors = errors
        self.method = method
        self.path = path
        self.requestID = requestID
        self.retryable = retryable
    }

    /// `422 Unprocessable Entity: name: The product name is a duplicate (POST /v3/catalog/products)`
    /// What a script can act on: a machine-readable kind, and whether the request changed
    /// the store (`true`, `false`, or nil when that is unknown, also when only an earlier
    /// attempt's outcome was).
    public var outcome: (kind: String, applied: Bool?) {
        let name: String = switch kind {
        case .http: status == 429 ? "rate_limited" : "http"
        case .notSent, .outcomeUnknown: "connection"
        case .timeout: "timeout"
        case .invalidResponse: "invalid_response"
        case .refused: "refused"
        }
        return (name, applied == false && mayHaveApplied ? nil : applied)
    }

    /// Whether this attempt changed the store (nil: unknown).
    var applied: Bool? {
        switch kind {
        case .http: status >= 500 ? nil : false
        case .notSent, .refused: false
        case .outcomeUnknown, .timeout: nil
        case .invalidResponse: (200..<300).contains(status) ? true : nil
        }
    }

    /// A header of the answer, when there was one.
    func header(_ name: String) -> String? { headers?.first { $0.0.lowercased() == name }?.1 }

    public var description: String {
        var text = status > 0 ? "\(status) \(StoreError.reason(status))" : "request failed"
        let fields = errors.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
        text += ": " + (fields.isEmpty ? title : fields)
        if let detail, !detail.isEmpty, fields.isEmpty, detail != title { text += " — \(detail)" }
        return text + " (\(method) \(path))"
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: status >= 500 ? "Server Error" : "Error"
        }
    }

    /// Reads an error answer: BigCommerce v3 `{status, title, type, detail, errors{}}`, v2
    /// `[{status, message}]`, DigiCert `{errors: [{code, message}]}`, or anything else.
    static func from(status: Int, body: [UInt8], contentType: String?, method: String, path: String, requestID: String?) -> StoreError {
        let retryable = status == 429 || status >= 500
        var error = StoreError(kind: .http, status: status, title: reason(status), method: method, path: path,
                               requestID: requestID, retryable: retryable)
        guard !body.isEmpty else { return error }
        guard let json = try? JSON.parse(body) else {
            let looksHTML = body.starts(with: Array("<".utf8)) || (contentType?.contains("html") ?? false)
            error.detail = looksHTML ? "the server answered with an HTML page, not JSON" : "the server's answer is not JSON"
            return error
        }
        let object = json.arrayValue?.first ?? json
        if let title = object["title"]?.stringValue ?? object["message"]?.stringValue { error.title = title }
        error.type = object["type"]?.stringValue
        error.detail = object["detail"]?.stringValue
        switch object["errors"] {
        case .object(let o)?:
            error.errors = o.map { ($0.key, $0.value.stringValue ?? $0.value.text) }
        case .array(let a)?:
            error.errors = a.map { item in
                (item["code"]?.stringValue ?? item["status"].map(\.text) ?? "error",
                 item["message"]?.stringValue ?? item["title"]?.stringValue ?? item.text)
            }
        default:
            // v2 lists one `{status, message}` per problem: all of them are kept.
            if let items = json.arrayValue, items.count > 1 {
                error.errors = items.enumerated().map { (String($0.offset + 1), $0.element["message"]?.stringValue ?? $0.element.text) }
            }
        }
        return error
    }
}
