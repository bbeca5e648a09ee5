import JSON
import StoreAPI
import StoreCertificates

/// Shipping carrier connections (v2), as the official file describes them: POST and PUT take a
/// `carrier_id` and the carrier's own required fields and answer 204; a missing field is 400
/// with the v2 error array; DELETE takes `{carrier_id}`. The API has no GET: connections show
/// in `/__sandbox/state`, with their fields named and their values replaced by a SHA-256 of
/// the connection, so a test can tell that credentials changed without the sandbox keeping them.
enum CarrierRules: ResourceFamily {
    /// A connection by its carrier's id: the API has no GET, so only `/__sandbox/state` shows them.
    static let connection: EntityName = "carrier_connection"
    static let entities = [Entity(connection, ids: .given)]

    /// Each carrier's required fields, from the "Connection Object – Properties" tables of
    /// shipping.v2.yml. Endicia's table says `passphrase` where its example says `pass_phrase`:
    /// either is taken. Carriers the file names without a table (usps, ups, upsready, canadapost,
    /// shipperhq) and Shipping Provider API carriers (`carrier_*`) require nothing.
    static let required: [String: [[String]]] = [
        "auspost": [["auth_key"], ["test_mode"]],
        "endicia": [["account_id"], ["passphrase", "pass_phrase"]],
        "fedex": [["key"], ["password"], ["account_number"], ["meter_number"]],
        "zoom2u": [["auth_key"], ["test_mode"]],
        "royalmail": [], "usps": [], "ups": [], "upsready": [], "canadapost": [], "shipperhq": [],
    ]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v2/shipping/carrier/connection") { s, r throws(APIError) in try connect(&s, r, creating: true) }
        hooks.replace("PUT /v2/shipping/carrier/connection") { s, r throws(APIError) in try connect(&s, r, creating: false) }
        hooks.replace("DELETE /v2/shipping/carrier/connection") { s, r throws(APIError) in
            let carrier = try carrierID(try s.objectBody(r))
            guard try s.delete(Self.connection, .string(carrier)) != nil else {
                throw APIError(status: 404, title: "There is no \(carrier) connection")
            }
            return .ok(nil, status: 204, applied: true)
        }
    }

    static func carrierID(_ body: JSONObject) throws(APIError) -> String {
        guard let carrier = body["carrier_id"]?.stringValue, !carrier.isEmpty else {
            throw APIError(status: 400, title: "Required fields missing [carrier_id]")
        }
        guard required[carrier] != nil || carrier.hasPrefix("carrier_") else {
            let known = required.keys.sorted().joined(separator: ", ")
            throw APIError(status: 400, title: "Unknown carrier_id \(carrier): use one of \(known) or carrier_{id}")
        }
        return carrier
    }

    static func connect(_ s: inout StoreState, _ r: SandboxRequest, creating: Bool) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        if body["id"] != nil {
            throw APIError(status: 400, title: "The field 'id' cannot be written to. Please remove it from your request before trying again.")
        }
        let carrier = try carrierID(body)
        let connection = body["connection"]?.objectValue ?? JSONObject()
        let missing = (required[carrier] ?? []).filter { names in !names.contains { connection[$0] != nil } }.map { $0[0] }
        if !missing.isEmpty { throw APIError(status: 400, title: "Required fields missing [\(missing.joined(separator: ", "))]") }
        let existing = try s.row(Self.connection, .string(carrier))
        if !creating && existing == nil {
            throw APIError(status: 404, title: "There is no \(carrier) connection to update; create it with POST")
        }
        let kept = JSONObject([
            ("id", .string(carrier)), ("carrier_id", .string(carrier)),
            ("fields", .array(connection.map { .string($0.key) })),
            ("connection_sha256", .string(Digest.sha256(JSON.object(connection).serialized()))),
            ("updated_at", .string(Clock.timestamp(Int(s.clock.now)))),
        ])
        if existing == nil { try s.insert(Self.connection, kept, id: .string(carrier)) } else { try s.update(Self.connection, kept) }
        return .ok(nil, status: 204, applied: true)
    }
}
