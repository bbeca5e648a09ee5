import JSON
import StoreAPI

/// Customers (v3) as the real API keeps them: a customer created with `addresses` and
/// `attributes` gets them as resources of their own (`/v3/customers/addresses`,
/// `/v3/customers/attribute-values`, each with its `customer_id`), counted on the customer;
/// an address's form fields name their address.
enum CustomerRules: ResourceFamily {
    static let customers = "/v3/customers"
    static let addresses = "/v3/customers/addresses"
    static let values = "/v3/customers/attribute-values"

    static func register(_ hooks: inout Hooks) {
        for (route, behaviour) in routes { hooks.replace(route, behaviour) }
        // A batch update's form fields name their item; then the generic update applies it.
        hooks.validate("PUT /v3/customers") { _, r in r.body = owningFormFields(r.body, as: "customer_id") }
        hooks.validate("PUT /v3/customers/addresses") { _, r in r.body = owningFormFields(r.body, as: "address_id") }
    }

    static let routes: [Route: Behaviour] = [
        "POST /v3/customers": { s, r throws(APIError) in try create(&s, r) },
        "POST /v3/customers/addresses": { s, r throws(APIError) in try createAddresses(&s, r) },
    ]

    /// The batch with each item's form fields naming the item (`customer_id`, `address_id`).
    static func owningFormFields(_ body: JSON?, as owner: String) -> JSON? {
        guard case .array(let items)? = body else { return body }
        return .array(items.map { item in
            guard case .object(var o) = item, let id = o["id"] else { return item }
            own(&o, as: owner, id)
            return .object(o)
        })
    }

    /// Each of the object's form fields names the object it belongs to (`owner` = `id`).
    static func own(_ object: inout JSONObject, as owner: String, _ id: JSON) {
        guard case .array(let fields)? = object["form_fields"] else { return }
        object["form_fields"] = .array(fields.map { field in
            guard case .object(var f) = field else { return field }
            f[owner] = id
            return .object(f)
        })
    }

    static func create(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var created: [JSON] = []
        for var body in try s.arrayBody(r) {
            let given = body["addresses"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let attributes = body["attributes"]?.arrayValue?.compactMap(\.objectValue) ?? []
            body["addresses"] = nil
            body["attributes"] = nil
            body["address_count"] = .int(Int64(given.count))
            body["attribute_count"] = .int(Int64(attributes.count))
            var customer = s.create(body, in: customers, template: customers, stringIDs: false, op: r.op)
            let id = customer["id"]!
            own(&customer, as: "customer_id", id)
            customer["addresses"] = .array(given.map { address in
                var a = address
                a["customer_id"] = id
                return .object(makeAddress(&s, a))
            })
            customer["attributes"] = .array(attributes.map { attribute in
                var v = attribute
                v["customer_id"] = id
                return .object(s.create(v, in: values, template: values, stringIDs: false))
            })
            s.collections[customers]!.insert(StoreState.key(id), customer)
            created.append(.object(customer))
        }
        return s.batchOutcome(r, created, r.rejected)
    }

    static func createAddresses(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var created: [JSON] = [], failures = r.rejected
        for address in try s.arrayBody(r) {
            guard let owner = address["customer_id"], s.collections[customers]?.items[StoreState.key(owner)] != nil else {
                failures.append(.object(JSONObject([("status", 422), ("title", "No such customer"),
                                                    ("errors", ["customer_id": "does not exist"]), ("customer_id", address["customer_id"] ?? .null)])))
                continue
            }
            created.append(.object(makeAddress(&s, address)))
        }
        return s.batchOutcome(r, created, failures)
    }

    static func makeAddress(_ s: inout StoreState, _ fields: JSONObject) -> JSONObject {
        guard let op = OperationCatalog.byRoute["POST /v3/customers/addresses"] else { return fields }
        var address = s.create(fields, in: addresses, template: addresses, stringIDs: false, op: op)
        if address["form_fields"] != nil, let id = address["id"] {
            own(&address, as: "address_id", id)
            s.collections[addresses]!.insert(StoreState.key(id), address)
        }
        return address
    }
}
