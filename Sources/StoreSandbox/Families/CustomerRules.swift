import JSON
import StoreAPI

/// Customers as one set behind v2 and v3 (customers.v2.yml, customers.v3.yml): a customer
/// created or changed through either is the same row, with its addresses (v2's
/// `/customers/{id}/addresses` and v3's store-wide `/customers/addresses`), attribute values
/// and form fields. Emails are unique (any case); a duplicate address is a no-op, left out of
/// the answer, as the v3 file says.
enum CustomerRules: ResourceFamily {
    static let customer: EntityName = "customer"
    static let address: EntityName = "customer_address"
    static let attribute: EntityName = "customer_attribute"
    static let attributeValue: EntityName = "customer_attribute_value"
    static let group: EntityName = "customer_group"

    static let entities: [Entity] = [
        Entity(customer, events: Events("store/customer", type: "customer"), columns: [Column("email", .text), Column("customer_group_id", .int), Column("date_created", .time),
                                   Column("date_modified", .time)],
               unique: [UniqueKey("email", ignoringCase: true, status: 422)],
               references: [Reference("customer_group_id", to: group, onDelete: .pull, refusedWith: 422)]),
        Entity(address, parent: Parent(entity: customer, field: "customer_id"), events: Events("store/customer/address", type: "customer", data: { change in
            JSONObject([("address", .object(JSONObject([("customer_id", (change.after ?? change.before)?["customer_id"] ?? .null)])))])
        })),
        Entity(attribute, columns: [Column("name", .text)], unique: [UniqueKey("name", status: 422)]),
        Entity(attributeValue, parent: Parent(entity: customer, field: "customer_id"), columns: [Column("attribute_id", .int)],
               references: [Reference("attribute_id", to: attribute, onDelete: .cascade, refusedWith: 422)]),
        Entity(group, columns: [Column("name", .text)], dates: .rfc2822),
    ]

    static let views: [View] = [
        View("/v3/customers", entity: customer, shape: v3Customer),
        View("/v2/customers", entity: customer, shape: v2Customer),
        View("/v3/customers/addresses", entity: address),
        View("/v2/customers/{}/addresses", entity: address, shape: v2Address),
        View("/v3/customers/attributes", entity: attribute),
        View("/v3/customers/attribute-values", entity: attributeValue),
        View("/v2/customer_groups", entity: group),
    ]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v3/customers") { s, r throws(APIError) in try create(&s, r) }
        hooks.replace("POST /v3/customers/addresses") { s, r throws(APIError) in try createAddresses(&s, r) }
        hooks.replace("POST /v2/customers/{customer_id}/addresses") { s, r throws(APIError) in
            let owner = JSON.string(r.params["customer_id"] ?? "")
            guard try s.exists(customer, owner) else { throw APIError.notFound("Customer \(StoreState.key(owner)) was not found") }
            var body = try s.objectBody(r)
            StoreState.fillRequired(&body, for: r.op)
            let fields = v2Address.stored(body)
            guard let made = try makeAddress(&s, fields, owner: owner) else {
                throw APIError(status: 409, title: "The customer already has this address")
            }
            return .ok(.object(try v2Address.shown(made, s)), status: r.op.successStatus, applied: true)
        }
        // A customer's email is an email, whichever door it comes through; v2 requires it too.
        for route: Route in ["POST /v3/customers", "PUT /v3/customers", "POST /v2/customers", "PUT /v2/customers/{customer_id}"] {
            hooks.validate(route) { _, r throws(APIError) in
                let items = r.body?.arrayValue ?? [r.body ?? .object(JSONObject())]
                for (i, item) in items.enumerated() {
                    let field = r.op.arrayBody ? "\(i).email" : "email"
                    if let email = item["email"] {
                        guard email.stringValue.map(SubscriberRules.isEmail) ?? false else {
                            throw APIError.invalid("The email is invalid", [(field, "\(email.stringValue ?? email.text) is not an email address")])
                        }
                    } else if r.op.method == .POST {
                        throw APIError.invalid("The email is required", [(field, "email is a required field")])
                    }
                }
            }
        }
        // A batch update's form fields name their item; then the generic update applies it.
        hooks.validate("PUT /v3/customers") { _, r in r.body = owningFormFields(r.body, as: "customer_id") }
        hooks.validate("PUT /v3/customers/addresses") { _, r in r.body = owningFormFields(r.body, as: "address_id") }
    }

    // MARK: Shapes

    /// v3 shows how many addresses and attribute values a customer has.
    static let v3Customer = BodyShape(show: { row, s throws(APIError) in
        var out = row
        if let id = row["id"] {
            out["address_count"] = .int(Int64(try s.count(address, parent: id)))
            out["attribute_count"] = .int(Int64(try s.count(attributeValue, parent: id)))
        }
        return out
    })

    /// v2's names for v3's fields (customers.v2.yml `customer_Base`), its dates in RFC 2822 and its
    /// addresses as a link.
    static let v2Customer = BodyShape(renames: [("accepts_marketing", "accepts_product_review_abandoned_cart_emails")], store: { body in
        var out = body
        if let credit = body["store_credit"] {
            out["store_credit"] = nil
            let amount = credit.doubleValue ?? credit.stringValue.flatMap { Double($0) } ?? 0
            out["store_credit_amounts"] = .array([.object(JSONObject([("amount", .double(amount))]))])
        }
        var authentication = body["authentication"]?.objectValue ?? JSONObject()
        if let reset = body["reset_pass_on_login"] { authentication["force_password_reset"] = reset }
        if let given = body["_authentication"]?.objectValue, let reset = given["force_reset"] { authentication["force_password_reset"] = reset }
        if authentication.count > 0 { out["authentication"] = .object(authentication) }
        for k in ["reset_pass_on_login", "_authentication", "addresses", "date_created", "date_modified"] { out[k] = nil }
        return out
    }, show: { row, s in
        let fields = ["id", "company", "first_name", "last_name", "email", "phone", "registration_ip_address", "customer_group_id",
                      "notes", "tax_exempt_category", "accepts_product_review_abandoned_cart_emails", "form_fields"]
        var out = JSONObject(fields.compactMap { f in row[f].map { (f, $0) } })
        for f in ["date_created", "date_modified"] { out[f] = row[f].map(DateStyle.rfc2822.convert) }
        let credit = row["store_credit_amounts"]?.arrayValue?.first?["amount"]?.doubleValue ?? 0
        out["store_credit"] = .string(Amount.decimal(credit))
        out["reset_pass_on_login"] = row["authentication"]?["force_password_reset"] ?? false
        let id = StoreState.key(row["id"] ?? .null)
        out["addresses"] = .object(JSONObject([("url", .string("https://api.bigcommerce.com/stores/sandbox/v2/customers/\(id)/addresses")),
                                               ("resource", .string("/customers/\(id)/addresses"))]))
        return out
    })

    /// v2's address fields (`customerAddress_Base`) for v3's.
    static let v2Address = BodyShape(renames: [("street_1", "address1"), ("street_2", "address2"), ("state", "state_or_province"),
                                               ("zip", "postal_code"), ("country_iso2", "country_code")])

    // MARK: Rules

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
        try s.eachItem(r, try s.arrayBody(r)) { s, item throws(APIError) in
            var body = item
            let given = body["addresses"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let attributes = body["attributes"]?.arrayValue?.compactMap(\.objectValue) ?? []
            body["addresses"] = nil
            body["attributes"] = nil
            var made = try s.create(body, r)
            let id = made["id"]!
            own(&made, as: "customer_id", id)
            made = try s.update(customer, made)
            var shown = try v3Customer.shown(made, s)
            var addresses: [JSON] = []
            for a in given { if let made = try makeAddress(&s, a, owner: id) { addresses.append(.object(made)) } }
            shown["addresses"] = .array(addresses)
            shown["attributes"] = .array(try attributes.map { a throws(APIError) in
                .object(try s.insert(attributeValue, a, parent: id))
            })
            shown["address_count"] = .int(Int64(given.count))
            shown["attribute_count"] = .int(Int64(attributes.count))
            return shown
        }
    }

    static func createAddresses(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var made: [JSON] = [], failures = r.rejected
        for address in try s.arrayBody(r) {
            do throws(APIError) {
                guard let owner = address["customer_id"], try s.exists(customer, owner) else {
                    throw APIError.invalid("No such customer", [("customer_id", "does not exist")])
                }
                if let created = try s.attempt({ s throws(APIError) in try makeAddress(&s, address, owner: owner) }) { made.append(.object(created)) }
            } catch {
                failures.append(StoreState.failure(error, address))
            }
        }
        return s.batchOutcome(r, made, failures)
    }

    /// The fields that make an address the same address (customers.v3.yml, Create a Customer Address).
    static let identity = ["first_name", "last_name", "company", "phone", "address_type", "address1", "address2", "city",
                           "country_code", "state_or_province", "postal_code"]

    /// The customer's new address, or nil when it already has one with the same identity.
    static func makeAddress(_ s: inout StoreState, _ fields: JSONObject, owner: JSON) throws(APIError) -> JSONObject? {
        func same(_ a: JSONObject) -> Bool { identity.allSatisfy { (a[$0] ?? "") == (fields[$0] ?? "") } }
        if try s.rows(address, parent: owner).contains(where: same) { return nil }
        var body = fields
        if let op = OperationCatalog.byRoute["POST /v3/customers/addresses"] { StoreState.fillRequired(&body, for: op) }
        body["id"] = nil
        var made = try s.insert(address, body, parent: owner)
        if made["form_fields"] != nil, let id = made["id"] {
            own(&made, as: "address_id", id)
            made = try s.update(address, made)
        }
        return made
    }
}
