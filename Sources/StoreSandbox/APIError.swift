import JSON
import StoreAPI

/// An error as BigCommerce answers it: `{status, title, type, errors}` for v3 (plus
/// `detail` where it gives one), `[{status, message}]` for v2.
struct APIError: Error {
    static let typeURL = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

    let status: Int
    let title: String
    var errors: [(String, String)] = []
    var detail: String?
    /// How the operation's spec holds errors (batch forms list them; trees nest them).
    var shape = ErrorShape.flat

    func body(version: Substring) -> JSON {
        if version == "digicert" {
            // DigiCert: {"errors": [{"code", "message"}]}
            let items: [JSON] = (errors.isEmpty ? [("error", title)] : errors).map { code, message in
                .object(JSONObject([("code", .string(code)), ("message", .string(message))]))
            }
            return .object(JSONObject([("errors", .array(items))]))
        }
        if version == "v2" {
            // v2: one `{status, message}` per problem; a field's message names the field.
            let messages = errors.isEmpty ? [title] : errors.map { "\($0.0): \($0.1)" }
            return .array(messages.map { .object(JSONObject([("status", .int(Int64(status))), ("message", .string($0))])) })
        }
        if shape == .nested {
            var inner = APIError(status: status, title: title, errors: errors, detail: detail)
            inner.shape = .flat
            return .object(JSONObject([("errors", inner.body(version: version)), ("meta", .object(JSONObject()))]))
        }
        if shape == .array {
            let items: [JSON] = (errors.isEmpty ? [("", title)] : errors).map { field, message in
                .object(JSONObject([("status", .int(Int64(status))), ("title", .string(field.isEmpty ? message : "\(field): \(message)")),
                                    ("type", .string(APIError.typeURL))]))
            }
            return .object(JSONObject([("status", .int(Int64(status))), ("title", .string(title)), ("type", .string(APIError.typeURL)),
                                       ("errors", .array(items))]))
        }
        var o = JSONObject([("status", .int(Int64(status))), ("title", .string(title)), ("type", .string(APIError.typeURL))])
        o["errors"] = .object(JSONObject(errors.map { ($0.0, .string($0.1)) }))
        if let detail { o["detail"] = .string(detail) }
        return .object(o)
    }

    static func notFound(_ what: String = "The requested resource was not found.") -> APIError {
        APIError(status: 404, title: what)
    }

    static func invalid(_ title: String, _ errors: [(String, String)] = []) -> APIError {
        APIError(status: 422, title: title, errors: errors)
    }

    static func conflict(_ title: String, _ errors: [(String, String)] = []) -> APIError {
        APIError(status: 409, title: title, errors: errors)
    }
}
