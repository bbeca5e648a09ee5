import JSON
import StoreAPI
import StoreCertificates

/// Sites and their TLS certificates, as the Sites API keeps them: a site belongs to one
/// channel and lists its URLs (primary, canonical, checkout); a certificate is parsed as real
/// X.509 and refused (422, by field) unless its key matches, it covers the URL and it is in
/// its validity period. What a GET shows is derived from the stored PEM; the private key is
/// kept for the store and never shown.
enum SiteRules: ResourceFamily {
    static let site: EntityName = "site"
    /// A site's installed certificate, by the site's id (the private key is kept, never shown).
    static let certificate: EntityName = "site_certificate"

    static let entities: [Entity] = [
        Entity(site, columns: [Column("channel_id", .int)], unique: [UniqueKey("channel_id", status: 422)],
               references: [Reference("channel_id", to: ChannelRules.channel, onDelete: .cascade, refusedWith: 422)]),
        Entity(certificate, ids: .given, parent: Parent(entity: site)),
    ]

    static let views = [View("/v3/sites", entity: site)]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v3/sites") { s, r throws(APIError) in try create(&s, r) }
        hooks.replace("PUT /v3/sites/{site_id}") { s, r throws(APIError) in try update(&s, r) }
        hooks.replace("PUT /v3/sites/{site_id}/certificate") { s, r throws(APIError) in
            let site = try site(s, r.params["site_id"] ?? "")
            try install(&s, site: site, try s.objectBody(r))
            return .ok(.object(JSONObject([("data", .object(JSONObject())), ("meta", .object(JSONObject()))])), applied: true)
        }
        hooks.replace("GET /v3/sites/{site_id}/certificate") { s, r throws(APIError) in
            let site = try site(s, r.params["site_id"] ?? "")
            let stored = try s.row(certificate, site["id"] ?? .null)
            var data = JSONObject([("status", .string(stored == nil ? "shared" : "dedicated"))])
            data["installed_certificate"] = stored.flatMap(installed) ?? .null
            return .ok(s.envelope(r, .object(data)))
        }
        hooks.replace("GET /v3/sites/certificates") { s, r throws(APIError) in
            let wanted = r.query("urls:in").map { Set($0.split(separator: ",").map { HostCoverage.normalized(String($0)) }) }
            var list: [JSON] = []
            for stored in try s.rows(certificate) {
                guard let detail = installed(stored) else { continue }
                if let wanted, !wanted.contains(HostCoverage.normalized(stored["url"]?.stringValue ?? "")) { continue }
                list.append(detail)
            }
            return .ok(s.envelope(r, .array(list)))
        }
    }

    static func key(_ site: JSONObject) -> String { StoreState.key(site["id"] ?? 0) }

    static func site(_ s: StoreState, _ id: String) throws(APIError) -> JSONObject {
        guard let site = try s.row(site, .string(id)) else { throw APIError.notFound("Site \(id) was not found") }
        return site
    }

    /// The site's URLs by type, each with its dates.
    static func url(_ url: String, _ type: String, _ now: String) -> JSON {
        .object(JSONObject([("url", .string(url)), ("type", .string(type)), ("created_at", .string(now)), ("updated_at", .string(now))]))
    }

    static func checkURL(_ value: JSON?) throws(APIError) -> String {
        guard let url = value?.stringValue, url.hasPrefix("https://") || url.hasPrefix("http://"),
              !HostCoverage.normalized(url).isEmpty else {
            throw APIError.invalid("The site URL is invalid", [("url", "a fully qualified URL with its scheme is required (https://shop.example.com)")])
        }
        return url
    }

    static func create(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var body = try s.objectBody(r)
        let url = try checkURL(body["url"])
        guard let channel = body["channel_id"], try s.exists(ChannelRules.channel, channel) else {
            throw APIError.invalid("The channel does not exist", [("channel_id", "channel \(body["channel_id"].map(StoreState.key) ?? "(none)") does not exist")])
        }
        if try ChannelRules.site(of: channel, in: s) != nil {
            throw APIError.invalid("The channel already has a site", [("channel_id", "each channel has at most one site")])
        }
        let certificate = body["certificate"]?.objectValue
        body["certificate"] = nil
        let now = SandboxClock.rfc3339(s.clock.now)
        body["urls"] = .array([Self.url(url, "primary", now), Self.url(url, "canonical", now)])
        body["ssl_status"] = "shared"
        body["is_checkout_url_customized"] = false
        body["created_at"] = .string(now)
        body["updated_at"] = .string(now)
        var site = try s.insert(site, body)
        if let certificate {
            try install(&s, site: site, JSONObject([("certificate", .object(certificate))]))
            site = try Self.site(s, key(site))
        }
        return .ok(s.envelope(r, .object(site)), status: r.op.successStatus, applied: true)
    }

    static func update(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var site = try site(s, r.itemID)
        let body = try s.objectBody(r)
        let now = SandboxClock.rfc3339(s.clock.now)
        if body["url"] != nil {
            let url = try checkURL(body["url"])
            site["url"] = .string(url)
            site["urls"] = .array((site["urls"]?.arrayValue ?? []).map { entry in
                guard case .object(var u) = entry, u["type"]?.stringValue == "primary" else { return entry }
                u["url"] = .string(url)
                u["updated_at"] = .string(now)
                return .object(u)
            })
        }
        if let channel = body["channel_id"] { site["channel_id"] = channel }
        site["updated_at"] = .string(now)
        site = try s.update(Self.site, site)
        return .ok(s.envelope(r, .object(site)), applied: true)
    }

    /// Checks a certificate as the API does and keeps it for the site (an upsert: it overwrites).
    static func install(_ s: inout StoreState, site: JSONObject, _ body: JSONObject) throws(APIError) {
        guard let given = body["certificate"]?.objectValue else {
            throw APIError.invalid("The certificate is required", [("certificate", "give certificate, private_key and intermediate_certificates")])
        }
        var errors: [(String, String)] = []
        let pem = given["certificate"]?.stringValue ?? ""
        let key = given["private_key"]?.stringValue ?? ""
        let intermediates = given["intermediate_certificates"]?.stringValue ?? ""
        let host = HostCoverage.normalized(body["url"]?.stringValue ?? site["url"]?.stringValue ?? "")
        if let url = body["url"]?.stringValue {
            let hosts = (site["urls"]?.arrayValue ?? []).compactMap { $0["url"]?.stringValue }.map(HostCoverage.normalized)
            if !hosts.contains(HostCoverage.normalized(url)) { errors.append(("url", "\(url) is not a URL of site \(self.key(site))")) }
        }
        var leaf: CertificateFacts?
        do throws(CertificateError) {
            guard let first = PEMBundle.certificates(pem).first else { throw CertificateError("no PEM certificate (-----BEGIN CERTIFICATE-----)") }
            leaf = try CertificateFacts(pem: first)
        } catch {
            errors.append(("certificate.certificate", error.description))
        }
        var chain: [CertificateFacts] = []
        for block in PEMBundle.certificates(intermediates) {
            do throws(CertificateError) { chain.append(try CertificateFacts(pem: block)) } catch {
                errors.append(("certificate.intermediate_certificates", error.description))
            }
        }
        if !intermediates.isEmpty && chain.isEmpty && !errors.contains(where: { $0.0 == "certificate.intermediate_certificates" }) {
            errors.append(("certificate.intermediate_certificates", "no PEM certificate in the intermediates"))
        }
        if let leaf {
            if key.isEmpty {
                errors.append(("certificate.private_key", "the private key is required"))
            } else if !leaf.matches(keyPEM: key) {
                errors.append(("certificate.private_key", "the private key does not match the certificate"))
            }
            if !leaf.covers(host) {
                let names = leaf.dnsNames.isEmpty ? [leaf.commonName ?? "?"] : leaf.dnsNames
                errors.append(("certificate.certificate", "the certificate does not cover \(host) (it names \(names.joined(separator: ", ")))"))
            }
            let now = s.clock.now
            if leaf.notAfter < now { errors.append(("certificate.certificate", "the certificate expired on \(SandboxClock.rfc3339(leaf.notAfter))")) }
            if leaf.notBefore > now { errors.append(("certificate.certificate", "the certificate is not valid before \(SandboxClock.rfc3339(leaf.notBefore))")) }
            if let issuer = chain.first, !leaf.isSigned(by: issuer) {
                errors.append(("certificate.intermediate_certificates", "the first intermediate (\(issuer.commonName ?? "?")) did not sign the certificate"))
            }
        }
        if !errors.isEmpty { throw APIError.invalid("The certificate cannot be installed", errors) }
        let installed = JSONObject([
            ("url", .string(host)), ("certificate", .string(leaf!.pem)),
            ("intermediate_certificates", .string(chain.map(\.pem).joined())), ("private_key", .string(key)),
        ])
        let id = site["id"] ?? .null
        if var existing = try s.row(certificate, id) {
            for (k, v) in installed { existing[k] = v }
            try s.update(certificate, existing)
        } else {
            try s.insert(certificate, installed, parent: id, id: id)
        }
        var updated = site
        updated["ssl_status"] = "dedicated"
        updated["updated_at"] = .string(SandboxClock.rfc3339(s.clock.now))
        try s.update(Self.site, updated)
    }

    /// What the API shows of a stored certificate: its facts, read again from the PEM, never the key.
    static func installed(_ stored: JSONObject) -> JSON? {
        guard let pem = stored["certificate"]?.stringValue, let facts = try? CertificateFacts(pem: pem) else { return nil }
        return .object(JSONObject([
            ("common_name", .string(facts.commonName ?? "")),
            ("subject_alternative_names", .array(facts.dnsNames.map { .string($0) })),
            ("validity_not_before", .string(SandboxClock.rfc3339(facts.notBefore))),
            ("validity_not_after", .string(SandboxClock.rfc3339(facts.notAfter))),
            ("signing_algorithm", .string(facts.signatureAlgorithm)),
            ("issuer", .string(facts.issuerCommonName ?? facts.issuer)),
            ("certificate", .string(pem)),
            ("intermediate_certificates", stored["intermediate_certificates"] ?? ""),
        ]))
    }
}
