import JSON
import StoreAPI
import StoreCertificates

/// Webhooks (webhooks.v3.yml): a hook names a scope the file documents and an https
/// destination on port 443 (a loopback http one only when the sandbox is started for tests);
/// every change the store logs that matches an active hook's scope (exactly, or by its `*`)
/// is posted to the destination with the documented payload and the hook's own headers. A
/// failed callback is retried on the store's clock, further apart each time; after the last
/// retry the hook is deactivated, and `/v3/hooks/admin` says so.
enum WebhookRules: ResourceFamily {
    static let hook: EntityName = "hook"
    /// A callback to send (or send again): kept until its destination takes it.
    static let delivery: EntityName = "webhook_delivery"
    static let redeliver = JobKind("deliver-webhook")
    static let adminPath = "/v3/hooks/admin"

    /// Seconds after each failure before the next attempt (BigCommerce's Webhooks Overview, the
    /// callback retry mechanism); after the last the hook is deactivated.
    static let retries: [Int64] = [60, 180, 180, 1260, 3900, 10500, 28260, 78060]

    static let entities: [Entity] = [
        Entity(hook, columns: [Column("scope", .text), Column("destination", .text), Column("is_active", .bool)]),
        Entity(delivery, parent: Parent(entity: hook, field: "hook_id"), columns: [Column("status", .text)], isInternal: true),
    ]

    static let views = [View("/v3/hooks", entity: hook)]

    /// The scopes the file documents (its event schemas), as the generated catalog keeps them.
    static let scopes: [String] = {
        guard let op = OperationCatalog.byRoute["POST /v3/hooks"], let schema = BodySchemaTable.entry(for: op)?.schema else { return [] }
        return schema.properties?["scope"]?.documented ?? []
    }()

    static func register(_ hooks: inout Hooks) {
        hooks.run(redeliver) { s, job throws(APIError) in try resend(&s, job) }
        hooks.replace("POST /v3/hooks") { s, r throws(APIError) in
            var body = try s.objectBody(r)
            try check(s, body, creating: true)
            let now = JSON.int(s.clock.now)
            body["client_id"] = "sandbox"
            body["store_hash"] = .string(s.storeHash)
            body["is_active"] = body["is_active"] ?? true
            body["headers"] = body["headers"] ?? .null
            (body["created_at"], body["updated_at"]) = (now, now)
            let made = try s.insert(hook, body)
            return .ok(s.envelope(r, .object(made)), applied: true)
        }
        hooks.replace("PUT /v3/hooks/{webhook_id}") { s, r throws(APIError) in
            guard var current = try s.row(hook, .string(r.itemID)) else { throw APIError.notFound("Webhook \(r.itemID) was not found") }
            let body = try s.objectBody(r)
            try check(s, body, creating: false)
            for (k, v) in body where k != "id" { current[k] = v }
            current["updated_at"] = .int(s.clock.now)
            // Activated again, a deactivated hook starts over.
            if body["is_active"] == .bool(true) { current["status"] = nil }
            return .ok(s.envelope(r, .object(try s.update(hook, current))), applied: true)
        }
        hooks.replace("DELETE /v3/hooks/{webhook_id}") { s, r throws(APIError) in
            // The file: a deleted webhook is returned in the answer, 200.
            guard let gone = try s.delete(hook, .string(r.itemID)) else { throw APIError.notFound("Webhook \(r.itemID) was not found") }
            return .ok(s.envelope(r, .object(gone)), applied: true)
        }
        hooks.replace("GET /v3/hooks/admin") { s, r throws(APIError) in
            let emails = try s.singleton(adminPath)?["emails"] ?? .array([])
            var list: [JSON] = []
            for var h in try s.rows(hook) {
                let active = h["is_active"] == .bool(true)
                if let wanted = r.query("is_active"), (wanted == "true") != active { continue }
                h["status"] = .string(active ? "active" : (h["status"]?.stringValue == "deactivated" ? "deactivated" : "inactive"))
                list.append(.object(h))
            }
            return .ok(s.envelope(r, .object(JSONObject([("emails", emails), ("hooks_list", .array(list)), ("blocked_domains", .array([]))]))))
        }
        hooks.replace("PUT /v3/hooks/admin") { s, r throws(APIError) in
            let body = try s.objectBody(r)
            guard let emails = body["emails"]?.arrayValue, emails.allSatisfy({ $0.stringValue.map(SubscriberRules.isEmail) ?? false }) else {
                throw APIError.invalid("emails must be a list of email addresses", [("emails", "give email addresses")])
            }
            try s.setSingleton(adminPath, .object(JSONObject([("emails", .array(emails))])))
            return .ok(nil, status: 204, applied: true)
        }
    }

    /// A hook's scope must be one the file documents; its destination https on port 443.
    static func check(_ s: StoreState, _ body: JSONObject, creating: Bool) throws(APIError) {
        var errors: [(String, String)] = []
        if let scope = body["scope"] {
            if !(scope.stringValue.map(scopes.contains) ?? false) {
                errors.append(("scope", "\(scope.stringValue ?? scope.text) is not a webhook scope; see help(bc.hooks.create) for the scopes"))
            }
        } else if creating {
            errors.append(("scope", "scope is required"))
        }
        if let destination = body["destination"] {
            if let problem = Destination.problem(destination.stringValue ?? "", loopbackAllowed: s.loopbackHooks) { errors.append(("destination", problem)) }
        } else if creating {
            errors.append(("destination", "destination is required"))
        }
        if let headers = body["headers"], headers != .null {
            guard let fields = headers.objectValue, fields.allSatisfy({ $0.value.stringValue != nil }) else {
                throw APIError.invalid("The webhook is invalid", errors + [("headers", "headers must be an object of strings")])
            }
        }
        if !errors.isEmpty { throw APIError.invalid("The webhook is invalid", errors) }
    }

    // MARK: Callbacks

    /// Whether a hook's scope takes an event: the same scope, or a `*` that covers it.
    static func matches(_ scope: String, _ event: String) -> Bool {
        if scope == event { return true }
        guard scope.hasSuffix("/*") else { return false }
        return event.hasPrefix(String(scope.dropLast()))
    }

    /// The callback body (the file's `webhook_callback_base` and the event's `data`).
    static func payload(_ s: StoreState, scope: String, data: JSONObject, at ms: Int64) -> JSON {
        let dataJSON = JSON.object(data)
        return .object(JSONObject([
            ("scope", .string(scope)), ("store_id", "1"), ("data", dataJSON),
            // The file: the payload's data in JSON, through SHA-1.
            ("hash", .string(Digest.sha1(dataJSON.serialized()))), ("created_at", .int(ms / 1000)),
            ("producer", .string("stores/\(s.storeHash)")),
        ]))
    }

    /// Queues a callback of `hook` and sends it once the request's transaction commits.
    static func queue(_ s: inout StoreState, hook: JSONObject, scope: String, data: JSONObject, at ms: Int64) throws(APIError) {
        let made = try s.insert(delivery, JSONObject([("scope", .string(scope)), ("payload", payload(s, scope: scope, data: data, at: ms)),
                                                     ("attempts", 0), ("status", "pending")]), parent: hook["id"])
        s.outbox.append(Callback(delivery: made["id"] ?? .null, hook: hook, body: made["payload"] ?? .null))
    }

    /// A retry fallen due: sent again unless the hook has gone or been switched off since.
    static func resend(_ s: inout StoreState, _ job: JSONObject) throws(APIError) {
        guard let id = job["delivery_id"], let row = try s.row(delivery, id), let owner = row["hook_id"],
              let h = try s.row(hook, owner), h["is_active"] == .bool(true) else { return }
        s.outbox.append(Callback(delivery: id, hook: h, body: row["payload"] ?? .null))
    }

    /// What the destination said: taken (2xx), or not (retried later, or the hook deactivated).
    static func settle(_ s: inout StoreState, delivery id: JSON, status: Int, detail: String) throws(APIError) {
        guard var row = try s.row(delivery, id) else { return }
        if (200..<300).contains(status) {
            try s.delete(delivery, id)
            return
        }
        let attempts = (row["attempts"]?.intValue ?? 0) + 1
        row["attempts"] = .int(attempts)
        row["last_failure"] = .string(status == 0 ? detail : "HTTP \(status)")
        guard attempts <= Int64(retries.count) else {
            row["status"] = "failed"
            try s.update(delivery, row)
            if let owner = row["hook_id"], var h = try s.row(hook, owner) {
                h["is_active"] = false
                h["status"] = "deactivated"
                h["updated_at"] = .int(s.clock.now)
                try s.update(hook, h)
            }
            return
        }
        row["status"] = "retrying"
        try s.update(delivery, row)
        try s.schedule(redeliver, afterMs: Int(retries[Int(attempts) - 1] * 1000), JSONObject([("delivery_id", id)]))
    }
}

/// One callback to post once its transaction has committed.
struct Callback: Sendable {
    let delivery: JSON
    let hook: JSONObject
    let body: JSON

    var destination: String { hook["destination"]?.stringValue ?? "" }
    var headers: [(String, String)] { (hook["headers"]?.objectValue ?? JSONObject()).compactMap { k, v in v.stringValue.map { (k, $0) } } }
}

/// Where a webhook may point.
enum Destination {
    /// Why a destination is refused, or nil: https on port 443 (the file), or, for tests,
    /// http on a loopback address.
    static func problem(_ url: String, loopbackAllowed: Bool) -> String? {
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https" : (lower.hasPrefix("http://") ? "http" : "")
        guard !scheme.isEmpty else { return "\(url) is not an https URL" }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        var host = hostPort, port = scheme == "https" ? 443 : 80
        if hostPort.hasPrefix("[") {
            host = String(hostPort.prefix { $0 != "]" }.dropFirst())
            if let p = hostPort.split(separator: "]").last?.split(separator: ":").last, hostPort.contains("]:") { port = Int(p) ?? -1 }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = Int(hostPort[hostPort.index(after: colon)...]) ?? -1
        }
        guard !host.isEmpty else { return "\(url) names no host" }
        let loopback = host == "localhost" || host.hasPrefix("127.") || host == "::1"
        if loopbackAllowed && loopback && scheme == "http" && port > 0 { return nil }
        if scheme != "https" { return "the destination must be https (\(url))" }
        if port != 443 { return "the destination must be served on port 443; custom ports are not supported (\(url))" }
        return nil
    }
}

extension StoreState {
    /// A logged change fires the events its entity declares; each active hook whose scope takes
    /// one gets a callback.
    mutating func changed(_ change: Change) throws(APIError) {
        guard let events = catalog.entities[change.entity]?.events, database.hasTable(WebhookRules.hook) else { return }
        let active = try rows(WebhookRules.hook, where: "is_active", is: .bool(true))
        guard !active.isEmpty else { return }
        for (scope, data) in events.fired(by: change) {
            for hook in active where WebhookRules.matches(hook["scope"]?.stringValue ?? "", scope) {
                try WebhookRules.queue(&self, hook: hook, scope: scope, data: data, at: change.atMs)
            }
        }
    }
}

extension Sandbox {
    /// The webhook scopes `webhooks.v3.yml` documents (what `storescript listen` lets handlers name).
    public static var webhookScopes: [String] { WebhookRules.scopes }
}
