import JSON
import StoreAPI

/// Newsletter subscribers: an email that looks like one, once per store (409 for the second);
/// the documented filters; `DELETE /v3/customers/subscribers` without a filter deletes every
/// subscriber, exactly as the real API warns.
enum SubscriberRules: ResourceFamily {
    static let subscriber: EntityName = "subscriber"
    static let entities = [Entity(subscriber, events: Events("store/subscriber", type: "subscriber"), columns: [Column("email", .text), Column("date_created", .time), Column("date_modified", .time)],
                                  unique: [UniqueKey("email", ignoringCase: true)])]
    static let views = [View("/v3/customers/subscribers", entity: subscriber)]

    static func register(_ hooks: inout Hooks) {
        hooks.allowUnfilteredDelete("DELETE /v3/customers/subscribers")
        hooks.validate("POST /v3/customers/subscribers") { s, r throws(APIError) in
            let body = try s.objectBody(r)
            guard let email = body["email"]?.stringValue else {
                throw APIError.invalid("The email is required", [("email", "email is a required field")])
            }
            try check(s, email: email, except: nil)
        }
        hooks.validate("PUT /v3/customers/subscribers/{subscriber_id}") { s, r throws(APIError) in
            if let email = try s.objectBody(r)["email"] {
                guard let text = email.stringValue else { throw APIError.invalid("The email must be a string", [("email", "expected a string")]) }
                try check(s, email: text, except: r.itemID)
            }
        }
    }

    static func check(_ s: StoreState, email: String, except id: String?) throws(APIError) {
        guard isEmail(email) else { throw APIError.invalid("The email is invalid", [("email", "\(email) is not an email address")]) }
        let taken = try s.rows(subscriber, where: "email", is: .string(email)).contains { StoreState.key($0["id"] ?? .null) != id }
        if taken { throw APIError.conflict("A subscriber with this email already exists", [("email", "\(email) is already subscribed")]) }
    }

    /// local@domain.tld, no spaces, one @, a dot in the domain.
    static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !s.contains(where: \.isWhitespace), s.count <= 254 else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
    }
}
