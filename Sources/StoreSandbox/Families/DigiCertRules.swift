import JSON
import StoreAPI
import StoreCertificates

/// DigiCert CertCentral's Services API for Secure Site certificates (the seed, 004): an order
/// is checked as DigiCert checks it (common name, a CSR that parses and is signed by its key,
/// signature hash, validity, organization; 400 with `{"errors":[{code,message}]}`), follows the
/// account's approval flow, and is issued after the store's issuance time by the sandbox's own
/// certificate authority, for the CSR's key. Every order is kept, so tests can count them.
enum DigiCertRules: ResourceFamily {
    static let order: EntityName = "digicert_order"
    /// Certificates by id: `{order_id, pem}` (the pem once issued); the id is given when ordered.
    static let certificate: EntityName = "digicert_certificate"
    static let statusChange: EntityName = "digicert_status_change"
    /// Organizations made with an order (the account's own are named by id).
    static let organization: EntityName = "digicert_organization"
    static let newOrganizationFields = ["name", "address", "city", "state", "zip", "country", "telephone"]
    static let authorityPath = "/__sandbox/authority"
    static let issuance = JobKind("issue-certificate")

    static let entities: [Entity] = [
        Entity(order, columns: [Column("status", .text)]),
        Entity(certificate, ids: .counted(first: 1_000_001), columns: [Column("order_id", .int)]),
        Entity(statusChange, columns: [Column("at", .int)]),
        Entity(organization, ids: .counted(first: 200_001)),
    ]

    static let views = [View("/services/v2/order/certificate", entity: order)]

    static let products: [(id: String, name: String, type: String)] = [
        ("ssl_securesite", "Secure Site SSL", "ssl_certificate"),
        ("ssl_ev_securesite", "Secure Site EV SSL", "ssl_certificate"),
        ("ssl_securesite_multi_domain", "Secure Site Multi-Domain SSL", "ssl_certificate"),
        ("ssl_ev_securesite_multi_domain", "Secure Site EV Multi-Domain SSL", "ssl_certificate"),
        ("ssl_securesite_wildcard", "Secure Site Wildcard SSL", "ssl_certificate"),
        ("ssl_securesite_flex", "Secure Site OV (flex)", "ssl_certificate"),
        ("ssl_ev_securesite_flex", "Secure Site EV (flex)", "ssl_certificate"),
    ]

    static func register(_ hooks: inout Hooks) {
        hooks.run(issuance) { s, payload throws(APIError) in try issue(&s, payload) }
        hooks.replace("POST /services/v2/order/certificate/{product_id}") { s, r throws(APIError) in try create(&s, r) }
        hooks.replace("GET /services/v2/order/certificate/{order_id}") { s, r throws(APIError) in
            .ok(.object(view(s, try order(s, r.params["order_id"] ?? ""))))
        }
        hooks.replace("GET /services/v2/order/certificate") { s, r throws(APIError) in try list(s, r) }
        hooks.replace("GET /services/v2/order/certificate/status-changes") { s, r throws(APIError) in
            let minutes = Int(r.query("minutes") ?? "") ?? 60
            guard (1...10_080).contains(minutes) else { throw error("invalid_minutes", "minutes must be from 1 to 10080 (7 days)") }
            let since = s.clock.now - Int64(minutes) * 60
            let changes = try s.rows(statusChange, where: "at", is: .int(since), op: .min)
            return .ok(.object(JSONObject([("orders", .array(changes.map { c in
                .object(JSONObject([("order_id", c["order_id"] ?? .null), ("certificate_id", c["certificate_id"] ?? .null),
                                    ("status", c["status"] ?? .null)]))
            }))])))
        }
        hooks.replace("PUT /services/v2/order/certificate/{order_id}/check-dcv") { s, r throws(APIError) in
            let o = try order(s, r.params["order_id"] ?? "")
            let issued = o["status"]?.stringValue == "issued"
            return .ok(.object(JSONObject([("order_status", o["status"] ?? "pending"), ("dcv_status", .string(issued ? "complete" : "pending"))])))
        }
        hooks.replace("GET /services/v2/certificate/{certificate_id}/download/format/{format}") { s, r throws(APIError) in
            try download(s, certificate: r.params["certificate_id"] ?? "", format: r.params["format"] ?? "")
        }
        hooks.replace("GET /services/v2/certificate/download/order/{order_id}/format/{format}") { s, r throws(APIError) in
            let o = try order(s, r.params["order_id"] ?? "")
            guard o["status"]?.stringValue == "issued", let id = o["certificate"]?["id"] else {
                throw error("cert_unavailable_for_download", "The order's certificate is not issued yet (status \(o["status"]?.stringValue ?? "?"))")
            }
            return try download(s, certificate: StoreState.key(id), format: r.params["format"] ?? "")
        }
        hooks.replace("GET /services/v2/product") { _, _ in
            .ok(.object(JSONObject([("products", .array(products.map { .object(product($0)) }))])))
        }
        hooks.replace("GET /services/v2/product/{name_id}") { _, r throws(APIError) in
            guard let p = products.first(where: { $0.id == r.params["name_id"] }) else { throw APIError(status: 404, title: "Product not found") }
            return .ok(.object(product(p)))
        }
    }

    static func error(_ code: String, _ message: String, status: Int = 400) -> APIError {
        APIError(status: status, title: message, errors: [(code, message)])
    }

    static func product(_ p: (id: String, name: String, type: String)) -> JSONObject {
        JSONObject([("group_name", "securesite_ssl_certificate"), ("name_id", .string(p.id)), ("name", .string(p.name)), ("type", .string(p.type)),
                    ("allowed_validity_years", [1, 2]), ("signature_hash_types", ["allowed_hash_types": [["id": "sha256"], ["id": "sha384"], ["id": "sha512"]]])])
    }

    static func order(_ s: StoreState, _ id: String) throws(APIError) -> JSONObject {
        guard let o = try s.row(order, .string(id)) else { throw error("not_found|order", "Order \(id) not found", status: 404) }
        return o
    }

    /// The order as DigiCert shows it: days remaining counted on the store's clock.
    static func view(_ s: StoreState, _ order: JSONObject) -> JSONObject {
        var o = order
        if case .object(var cert)? = o["certificate"], let till = cert["valid_till_epoch"]?.intValue {
            cert["days_remaining"] = .int(max((till - s.clock.now) / 86_400, 0))
            cert["valid_till_epoch"] = nil
            o["certificate"] = .object(cert)
        }
        return o
    }

    /// The order's checks, in DigiCert's words.
    static func checked(_ s: StoreState, _ body: JSONObject, product: String) throws(APIError) -> (JSONObject, SigningRequest, Int) {
        guard products.contains(where: { $0.id == product }) else {
            throw error("invalid_product", "\(product) is not a product of this account; use one of \(products.map(\.id).joined(separator: ", "))")
        }
        guard let cert = body["certificate"]?.objectValue else { throw error("missing_field", "certificate is required") }
        var problems: [(String, String)] = []
        let common = cert["common_name"]?.stringValue ?? ""
        if common.isEmpty { problems.append(("missing_field", "certificate.common_name is required")) }
        let wildcard = product.hasSuffix("_wildcard")
        if common.hasPrefix("*.") != wildcard && !common.isEmpty && !product.hasSuffix("_flex") {
            problems.append(("invalid_common_name", wildcard ? "a wildcard product needs a common name of the form *.example.com"
                                                              : "\(common) is a wildcard name; order ssl_securesite_wildcard or a flex product"))
        }
        var csr: SigningRequest?
        if let text = cert["csr"]?.stringValue, !text.isEmpty {
            do throws(CertificateError) { csr = try SigningRequest(pem: text) } catch { problems.append(("invalid_csr", "certificate.csr: \(error.description)")) }
        } else {
            problems.append(("missing_field", "certificate.csr is required"))
        }
        let hash = cert["signature_hash"]?.stringValue ?? ""
        if !["sha256", "sha384", "sha512"].contains(hash) {
            problems.append((hash.isEmpty ? "missing_field" : "invalid_signature_hash", "certificate.signature_hash must be sha256, sha384 or sha512"))
        }
        var days = 0
        if let custom = body["custom_expiration_date"] {
            // yyyy-MM-dd, a real date less than 825 days ahead; it overrides validity_days and
            // validity_years (the seed, 004). A certificate still lives at most 397 days.
            let text = custom.stringValue ?? ""
            if text.count == 10, let at = Instant.seconds(text), Clock.timestamp(Int(at)).hasPrefix(text) {
                let ahead = Int((at - s.clock.now + 86_399) / 86_400)
                if ahead < 1 || ahead >= 825 {
                    problems.append(("invalid_custom_expiration_date", "custom_expiration_date must be after today and less than 825 days ahead"))
                }
                days = min(max(ahead, 1), 397)
            } else {
                problems.append(("invalid_custom_expiration_date", "custom_expiration_date must be a date, yyyy-MM-dd (\(text.isEmpty ? custom.text : text))"))
            }
        } else if let d = body["validity_days"]?.intValue {
            days = Int(d)
            if !(1...397).contains(days) { problems.append(("invalid_validity", "validity_days must be from 1 to 397")) }
        } else if let y = body["validity_years"]?.intValue {
            if !(1...2).contains(y) { problems.append(("invalid_validity", "validity_years must be 1 or 2")) }
            // Since 2020 a certificate lives at most 397 days; a longer plan is reissued.
            days = min(Int(y) * 365, 397)
        } else {
            problems.append(("missing_field", "validity_years (or validity_days, custom_expiration_date) is required"))
        }
        if let organization = body["organization"]?.objectValue {
            // An organization without an id is a new one: all its required details (the seed, 004: Create organization).
            if organization["id"]?.intValue == nil {
                for field in newOrganizationFields where (organization[field]?.stringValue ?? "").isEmpty {
                    problems.append(("missing_field", "organization.\(field) is required for a new organization (or give organization.id)"))
                }
            }
        } else {
            problems.append(("missing_field", "organization.id (or a new organization's details) is required"))
        }
        if let previous = body["renewal_of_order_id"], try !s.exists(order, previous) {
            problems.append(("invalid_renewal", "renewal_of_order_id \(StoreState.key(previous)) is not an order of this account"))
        }
        if !problems.isEmpty { throw APIError(status: 400, title: problems[0].1, errors: problems) }
        return (cert, csr!, days)
    }

    static func create(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        let product = r.params["product_id"] ?? ""
        let (cert, csr, days) = try checked(s, body, product: product)
        let skip = body["skip_approval"] == .bool(true)
        let flow = skip ? "skip" : s.timing.approval
        let requestStatus = ["one-step": "pending", "two-step": "submitted", "auto": "approved"][flow] ?? "pending"
        let certificateID = try s.insert(certificate, JSONObject())["id"]?.intValue ?? 0
        let name = products.first { $0.id == product }?.name ?? product
        var made = JSONObject([
            ("certificate", .object(JSONObject([
                ("id", .int(certificateID)), ("common_name", cert["common_name"] ?? ""), ("dns_names", cert["dns_names"] ?? .array([])),
                ("csr", cert["csr"] ?? ""), ("signature_hash", cert["signature_hash"] ?? ""),
                ("organization_units", cert["organization_units"] ?? .array([])), ("server_platform", cert["server_platform"] ?? ["id": -1]),
                ("key_type", .string(csr.keyType)),
            ]))),
            ("status", "pending"), ("is_renewal", .bool(body["renewal_of_order_id"] != nil || body["renewed_thumbprint"] != nil)),
            ("renewed_order_id", body["renewal_of_order_id"] ?? .null),
            ("product", .object(JSONObject([("name_id", .string(product)), ("name", .string(name)), ("type", "ssl_certificate")]))),
            ("organization", body["organization"] ?? .null), ("validity_years", body["validity_years"] ?? 1), ("validity_days", .int(Int64(days))),
            ("date_created", .string(Clock.timestamp(Int(s.clock.now)))), ("disable_renewal_notifications", body["disable_renewal_notifications"] ?? false),
            ("comments", body["comments"] ?? ""), ("approval_flow", .string(flow)),
        ])
        var newOrganization: JSON?
        if var organization = body["organization"]?.objectValue, organization["id"] == nil {
            organization = try s.insert(self.organization, organization)
            newOrganization = organization["id"]
            made["organization"] = .object(JSONObject([("id", organization["id"] ?? .null), ("name", organization["name"] ?? "")]))
        }
        made = try s.insert(order, made)
        let id = made["id"]!
        try s.update(certificate, JSONObject([("id", .int(certificateID)), ("order_id", id)]))
        try recordChange(&s, order: id, certificate: .int(certificateID), status: "pending")
        let requestID = JSON.int((id.intValue ?? 0) + 1000)
        var answer = JSONObject([("id", id)])
        if let newOrganization { answer["organization"] = .object(JSONObject([("id", newOrganization)])) }
        if s.timing.issuanceMs == 0 && flow != "one-step" && flow != "two-step" {
            // Immediate: issued before the answer, the chain in it.
            try issue(&s, JSONObject([("order_id", id)]))
            let chain = try chainPEMs(s, certificate: .int(certificateID))
            answer["certificate_id"] = .int(certificateID)
            answer["certificate_chain"] = .array(chain.map { pem in
                .object(JSONObject([("subject_common_name", .string((try? CertificateFacts(pem: pem))?.commonName ?? "")), ("pem", .string(pem))]))
            })
        } else {
            try s.schedule(issuance, afterMs: s.timing.issuanceMs, JSONObject([("order_id", id)]))
            if flow != "skip" { answer["requests"] = .array([.object(JSONObject([("id", requestID), ("status", .string(requestStatus))]))]) }
            if flow == "skip" || flow == "auto" { answer["certificate_id"] = .int(certificateID) }
        }
        return .ok(.object(answer), status: 201, applied: true)
    }

    static func recordChange(_ s: inout StoreState, order: JSON, certificate: JSON, status: String) throws(APIError) {
        try s.insert(statusChange, JSONObject([("order_id", order), ("certificate_id", certificate), ("status", .string(status)), ("at", .int(s.clock.now))]))
    }

    /// The sandbox's CA, made the first time it signs and kept with the store.
    static func authority(_ s: inout StoreState) throws(APIError) -> CertificateAuthority? {
        if let stored = try s.singleton(authorityPath)?.objectValue,
           let ca = CertificateAuthority(stored: stored.reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }) {
            return ca
        }
        guard let ca = try? CertificateAuthority.make(name: "Sandbox DigiCert", now: s.clock.now) else { return nil }
        try s.setSingleton(authorityPath, .object(JSONObject(ca.stored.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) })))
        return ca
    }

    /// The issuance job: the order's certificate, signed for the CSR's key.
    static func issue(_ s: inout StoreState, _ job: JSONObject) throws(APIError) {
        guard let id = job["order_id"], var order = try s.row(order, id),
              order["status"]?.stringValue == "pending", case .object(var cert)? = order["certificate"],
              let csr = try? SigningRequest(pem: cert["csr"]?.stringValue ?? ""), let ca = try authority(&s) else { return }
        let now = s.clock.now
        let days = Int(order["validity_days"]?.intValue ?? 365)
        let names = (cert["dns_names"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard let pem = try? ca.issue(csr: csr, commonName: cert["common_name"]?.stringValue ?? "", dnsNames: names,
                                      organization: "Sandbox Organization", now: now, days: days,
                                      hash: cert["signature_hash"]?.stringValue ?? "sha256"),
              let facts = try? CertificateFacts(pem: pem) else { return }
        let certificateID = cert["id"] ?? .null
        cert["serial_number"] = .string(facts.serial.uppercased())
        cert["thumbprint"] = .string(facts.sha1.uppercased())
        cert["valid_from"] = .string(Clock.timestamp(Int(facts.notBefore)).prefix(10).description)
        cert["valid_till"] = .string(Clock.timestamp(Int(facts.notAfter)).prefix(10).description)
        cert["valid_till_epoch"] = .int(facts.notAfter)
        order["certificate"] = .object(cert)
        order["status"] = "issued"
        order["order_valid_till"] = cert["valid_till"]
        try s.update(Self.order, order)
        try s.update(certificate, JSONObject([("id", certificateID), ("order_id", order["id"] ?? .null), ("pem", .string(pem))]))
        try recordChange(&s, order: order["id"] ?? .null, certificate: certificateID, status: "issued")
    }

    /// Leaf, intermediate, root.
    static func chainPEMs(_ s: StoreState, certificate id: JSON) throws(APIError) -> [String] {
        guard let pem = try s.row(certificate, id)?["pem"]?.stringValue,
              let stored = try s.singleton(authorityPath)?.objectValue else { return [] }
        return [pem, stored["intermediate"]?.stringValue ?? "", stored["root"]?.stringValue ?? ""]
    }

    static func download(_ s: StoreState, certificate: String, format: String) throws(APIError) -> Outcome {
        let chain = try chainPEMs(s, certificate: .string(certificate))
        guard chain.count == 3 else { throw error("not_found|certificate", "Certificate \(certificate) not found or not issued", status: 404) }
        let parts: [String]
        switch format {
        case "pem_all": parts = chain
        case "pem_noroot": parts = Array(chain.prefix(2))
        case "pem_nointermediate": parts = [chain[0], chain[2]]
        default: throw error("invalid_format", "format must be pem_all, pem_noroot or pem_nointermediate")
        }
        return Outcome(status: 200, body: nil, applied: false, raw: .init(bytes: Array(parts.joined().utf8), type: "application/x-pem-file"))
    }

    static func list(_ s: StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var all = try s.rows(order).map { view(s, $0) }
        if let status = r.query("filters[status]") { all = all.filter { $0["status"]?.stringValue == status } }
        if let name = r.query("filters[common_name]") { all = all.filter { $0["certificate"]?["common_name"]?.stringValue == name } }
        let offset = max(Int(r.query("offset") ?? "") ?? 0, 0)
        let limit = min(max(Int(r.query("limit") ?? "") ?? 1000, 1), 1000)
        let slice = all.dropFirst(offset).prefix(limit).map { JSON.object($0) }
        return .ok(.object(JSONObject([
            ("orders", .array(Array(slice))),
            ("page", .object(JSONObject([("total", .int(Int64(all.count))), ("limit", .int(Int64(limit))), ("offset", .int(Int64(offset)))]))),
        ])))
    }
}
