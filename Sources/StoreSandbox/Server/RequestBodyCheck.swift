import JSON
import StoreAPI

/// A request body checked against the official request schema, as the API checks it:
/// fields it describes are checked and normalized, the others pass. A batch whose operation
/// answers 207 Multi-Status refuses its bad items one by one (they come back as failures and
/// the rest are applied); any other body is refused whole.
enum RequestBodyCheck {
    struct Checked {
        var body: JSON
        /// One `{status, title, errors, id?, sku?, name?}` per item refused.
        var rejected: [JSON] = []
    }

    static func check(_ body: JSON?, _ entry: BodySchemaTable.Entry, _ schema: BodySchema) throws(APIError) -> Checked {
        // No body is an empty one: required fields are still required.
        let value = body ?? (schema.type == "array" ? .array([]) : .object(JSONObject()))
        if entry.multiStatus, case .array(let items) = value, let itemSchema = schema.items {
            var kept: [JSON] = [], rejected: [JSON] = []
            for item in items {
                let (cleaned, problems) = itemSchema.check(item)
                if problems.isEmpty {
                    kept.append(cleaned)
                    continue
                }
                var failure = JSONObject([("status", 422), ("title", "The item is invalid"),
                                          ("errors", .object(JSONObject(problems.map { ($0.field, .string($0.message)) })))])
                for k in ["id", "sku", "name"] { if let v = item[k] { failure[k] = v } }
                rejected.append(.object(failure))
            }
            if !kept.isEmpty { return Checked(body: .array(kept), rejected: rejected) }
        }
        let (cleaned, problems) = schema.check(value)
        guard problems.isEmpty else {
            var error = APIError.invalid("The request payload is invalid", problems.map { ($0.field, $0.message) })
            error.shape = entry.errorShape
            throw error
        }
        return Checked(body: cleaned)
    }
}
