import JSON
import StoreAPI

/// Themes as the Themes API keeps them: an upload is a zip that a job checks as a Stencil
/// bundle (`config.json`, `schema.json`, `templates/`) over time, QUEUED → WORKING →
/// COMPLETED (or FAILED, with the reason); a theme has the variations its `config.json`
/// names; each storefront channel has one active theme and variation (`channel_id` on
/// activate, 1 by default; the list's `is_active` speaks for channel 1, as the API's does);
/// a download is a job whose result is a URL the sandbox serves; a theme active on any
/// channel cannot be deleted; a store holds at most 20 custom themes.
enum ThemeRules: ResourceFamily {
    static let theme: EntityName = "theme"
    static let themeJob: EntityName = "theme_job"
    /// The zips, base64, by theme uuid (and by job id until the job makes the theme).
    static let file: EntityName = "theme_file"
    /// What each channel has active, by channel id (`GET /v3/channels/{id}/active-theme`).
    static let active: EntityName = "active_theme"
    static let uploadLimit = 20
    static let themeStep = JobKind("theme-step")

    static let entities: [Entity] = [
        Entity(theme, ids: .given, columns: [Column("is_private", .bool)]),
        Entity(themeJob, ids: .uuid),
        Entity(file, ids: .given, isInternal: true),
        // A channel's active theme; a theme active on any channel cannot be deleted.
        Entity(active, ids: .given, parent: Parent(entity: ChannelRules.channel), columns: [Column("active_theme_uuid", .text)],
               references: [Reference("active_theme_uuid", to: theme, onDelete: .refuse, refusedWith: nil, inUse: "is active on channel")]),
    ]

    static let views = [View("/v3/themes", entity: theme), View("/v3/themes/jobs", entity: themeJob)]

    static func register(_ hooks: inout Hooks) {
        hooks.run(themeStep) { s, payload throws(APIError) in try step(&s, payload) }
        hooks.replace("POST /v3/themes") { s, r throws(APIError) in try upload(&s, r) }
        hooks.replace("POST /v3/themes/actions/activate") { s, r throws(APIError) in try activate(&s, r) }
        hooks.replace("POST /v3/themes/{uuid}/actions/download") { s, r throws(APIError) in
            guard try s.exists(theme, .string(r.params["uuid"] ?? "")) else { throw APIError.notFound("Theme not found") }
            let job = try queue(&s, JSONObject([("download_of", .string((r.params["uuid"] ?? ""))), ("origin", .string(r.origin))]))
            return .ok(s.envelope(r, .object(JSONObject([("job_id", job)]))), applied: true)
        }
        hooks.replace("GET /v3/channels/{channel_id}/active-theme") { s, r throws(APIError) in
            let channel = r.params["channel_id"] ?? ""
            guard try s.exists(ChannelRules.channel, .string(channel)) else { throw APIError.notFound("Channel \(channel) was not found") }
            guard let record = try s.row(active, .string(channel)) else { throw APIError.notFound("Channel \(channel) has no active theme") }
            let fields = ["active_theme_uuid", "active_theme_configuration_uuid", "active_theme_version_uuid", "saved_theme_configuration_uuid"]
            return .ok(s.envelope(r, .object(JSONObject(fields.map { ($0, record[$0] ?? .null) }))))
        }
        hooks.replace("GET /v3/themes/{uuid}/configurations") { s, r throws(APIError) in
            guard let t = try s.row(theme, .string(r.params["uuid"] ?? "")) else { throw APIError.notFound("Theme not found") }
            return .ok(s.envelope(r, .array(try configurations(s, t, r))))
        }
        hooks.decorate("DELETE /v3/themes/{uuid}") { s, r, outcome throws(APIError) in
            if outcome.applied { try s.delete(file, .string(r.itemID)) }
        }
    }

    /// A new job, QUEUED; its first step falls due after the store's theme-job time.
    static func queue(_ s: inout StoreState, _ payload: JSONObject) throws(APIError) -> JSON {
        let made = try s.insert(themeJob, JSONObject([
            ("status", "QUEUED"), ("percent_complete", 0), ("errors", .array([])), ("warnings", .array([])),
            ("result", .object(JSONObject())), ("time", .string(Clock.timestamp(Int(s.clock.now)))),
        ]))
        var next = payload
        next["job_id"] = made["id"]
        try s.schedule(themeStep, afterMs: s.timing.themeJobMs, next)
        return made["id"] ?? .null
    }

    static func upload(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        guard let file = r.files.first(where: { $0.name == "file" }) else {
            throw APIError.invalid("A file is required", [("file", "file is required")])
        }
        let custom = try s.rows(theme, where: "is_private", is: .bool(true)).count
        if custom >= uploadLimit {
            throw APIError.conflict("You have reached your upload limit of \(uploadLimit) custom themes; delete one first")
        }
        let name = r.body?["name"]?.stringValue ?? "Theme"
        let job = try queue(&s, JSONObject([("upload_name", .string(name))]))
        try s.insert(Self.file, JSONObject([("zip", .string(Base64.encode(file.data)))]), id: job)
        return .ok(s.envelope(r, .object(JSONObject([("job_id", job)]))), status: 201, applied: true)
    }

    /// One step of a job: QUEUED → WORKING (50%), then WORKING → the end.
    static func step(_ s: inout StoreState, _ payload: JSONObject) throws(APIError) {
        guard let id = payload["job_id"].map(StoreState.key), var job = try s.row(themeJob, .string(id)) else { return }
        if job["status"]?.stringValue == "QUEUED" {
            job["status"] = "WORKING"
            job["percent_complete"] = 50
            try s.update(themeJob, job)
            try s.schedule(themeStep, afterMs: s.timing.themeJobMs, payload)
            return
        }
        let result: Result<JSONObject, ThemeFailure>
        if let theme = payload["download_of"]?.stringValue {
            result = try download(&s, theme: theme, origin: payload["origin"]?.stringValue ?? "")
        } else {
            result = try finishUpload(&s, jobID: id, name: payload["upload_name"]?.stringValue ?? "Theme")
        }
        switch result {
        case .success(let value):
            job["status"] = "COMPLETED"
            job["result"] = .object(value)
        case .failure(let failure):
            job["status"] = "FAILED"
            job["errors"] = .array([.object(JSONObject([("error", .string(failure.code)), ("message", .string(failure.message))]))])
        }
        job["percent_complete"] = 100
        try s.update(themeJob, job)
    }

    struct ThemeFailure: Error {
        let code: String
        let message: String
    }

    /// Checks the uploaded zip as a Stencil bundle and makes the theme from its `config.json`.
    static func finishUpload(_ s: inout StoreState, jobID: String, name: String) throws(APIError) -> Result<JSONObject, ThemeFailure> {
        let zip = try s.delete(file, .string(jobID))?["zip"]?.stringValue.map(Base64.decode) ?? []
        guard let archive = ZipArchive(zip) else {
            return .failure(ThemeFailure(code: "invalid_zip", message: "The file is not a zip archive that can be read"))
        }
        // A bundle may sit in one top folder (`cornerstone/config.json`).
        let root = archive.names.contains("config.json") ? "" : archive.names.first { $0.hasSuffix("/config.json") && $0.filter { $0 == "/" }.count == 1 }
            .map { String($0.dropLast("config.json".count)) } ?? ""
        var missing: [String] = []
        for required in ["config.json", "schema.json"] where !archive.names.contains(root + required) { missing.append(required) }
        if !archive.names.contains(where: { $0.hasPrefix(root + "templates/") }) { missing.append("templates/") }
        if !missing.isEmpty {
            return .failure(ThemeFailure(code: "invalid_theme", message: "The bundle is not a Stencil theme: it lacks \(missing.joined(separator: ", "))"))
        }
        guard let bytes = archive.read(root + "config.json"), case .object(let config)? = try? JSON.parse(bytes) else {
            return .failure(ThemeFailure(code: "invalid_config", message: "config.json is not a JSON object"))
        }
        let declared = config["variations"]?.arrayValue?.compactMap(\.objectValue) ?? []
        guard !declared.isEmpty else {
            return .failure(ThemeFailure(code: "invalid_config", message: "config.json declares no variations"))
        }
        var variations: [JSON] = []
        for v in declared {
            variations.append(.object(JSONObject([
                ("uuid", .string(try s.uuid())), ("name", v["name"] ?? "Default"),
                ("external_id", .string(v["id"]?.stringValue ?? "")), ("description", v["meta"]?["description"] ?? ""),
            ])))
        }
        let theme = try addTheme(&s, name: config["name"]?.stringValue ?? name, variations: variations, isPrivate: true)
        try s.insert(file, JSONObject([("zip", .string(Base64.encode(zip)))]), id: theme)
        return .success(JSONObject([("theme_id", theme)]))
    }

    static func addTheme(_ s: inout StoreState, name: String, variations: [JSON], isPrivate: Bool) throws(APIError) -> JSON {
        let uuid = JSON.string(try s.uuid())
        try s.insert(theme, JSONObject([("uuid", uuid), ("name", .string(name)), ("variations", .array(variations)),
                                        ("is_private", .bool(isPrivate)), ("is_active", false)]), id: uuid)
        return uuid
    }

    /// The theme's zip at a URL the sandbox serves (a bundle made from the theme when it was not uploaded).
    static func download(_ s: inout StoreState, theme: String, origin: String) throws(APIError) -> Result<JSONObject, ThemeFailure> {
        guard let t = try s.row(Self.theme, .string(theme)) else { return .failure(ThemeFailure(code: "not_found", message: "The theme was deleted")) }
        if try !s.exists(file, .string(theme)) {
            let config = JSON.object(JSONObject([("name", t["name"] ?? "Theme"), ("version", "1.0.0"),
                                                 ("variations", .array((t["variations"]?.arrayValue ?? []).map { v in
                                                     .object(JSONObject([("name", v["name"] ?? "Default"), ("id", v["external_id"] ?? "")]))
                                                 }))]))
            let zip = ZipWriter.stored([("config.json", config.serialized()), ("schema.json", Array("[]".utf8)),
                                        ("templates/pages/home.html", Array("<h1>{{settings.store_name}}</h1>\n".utf8))])
            try s.insert(file, JSONObject([("zip", .string(Base64.encode(zip)))]), id: .string(theme))
        }
        return .success(JSONObject([("download_url", .string("\(origin)/__sandbox/files/themes/\(theme).zip"))]))
    }

    /// A theme's configurations (themes.v3.yml `themeConfiguration_Full`): each variation's
    /// original one (site 0) and the one each channel it is active on saved (its site).
    static func configurations(_ s: StoreState, _ t: JSONObject, _ r: SandboxRequest) throws(APIError) -> [JSON] {
        var out: [JSON] = []
        let uuid = t["uuid"] ?? .null
        for case .object(let v) in t["variations"]?.arrayValue ?? [] {
            out.append(.object(JSONObject([("uuid", v["uuid"] ?? .null), ("theme_uuid", uuid), ("variation_id", v["uuid"] ?? .null),
                                           ("settings", .object(JSONObject())), ("date_created", "2024-01-15T10:00:00Z"), ("site_id", 0)])))
        }
        for record in try s.rows(active, where: "active_theme_uuid", is: uuid) {
            let channel = s.normalized(s.entity(ChannelRules.channel), record["id"] ?? .null)
            let site = try ChannelRules.site(of: channel, in: s)
            out.append(.object(JSONObject([("uuid", record["saved_theme_configuration_uuid"] ?? .null), ("theme_uuid", uuid),
                                           ("variation_id", record["active_variation_id"] ?? .null), ("settings", .object(JSONObject())),
                                           ("date_created", "2024-01-15T10:00:00Z"), ("site_id", site?["id"] ?? 0)])))
        }
        let wanted = r.query("uuid:in").map { Set($0.split(separator: ",").map(String.init)) }
        let variation = r.query("variation_uuid")
        return out.filter { c in
            (wanted?.contains(c["uuid"]?.stringValue ?? "") ?? true) && (variation.map { c["variation_id"]?.stringValue == $0 } ?? true)
        }
    }

    static func activate(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        guard let variation = body["variation_id"]?.stringValue else {
            throw APIError.invalid("variation_id is required", [("variation_id", "give the uuid of one of a theme's variations")])
        }
        guard let found = try s.rows(theme).first(where: { t in
            t["variations"]?.arrayValue?.contains { $0["uuid"]?.stringValue == variation } ?? false
        }), let uuid = found["uuid"] else {
            throw APIError.invalid("No theme has this variation", [("variation_id", "no variation \(variation)")])
        }
        let channel = r.query("channel_id").map { JSON.string($0) } ?? ChannelRules.defaultChannel
        guard try s.exists(ChannelRules.channel, channel) else {
            throw APIError.invalid("The channel does not exist", [("channel_id", "no channel \(StoreState.key(channel))")])
        }
        try activate(&s, theme: uuid, variation: .string(variation), on: channel)
        return .ok(nil, status: 204, applied: true)
    }

    static func activate(_ s: inout StoreState, theme uuid: JSON, variation: JSON, on channel: JSON) throws(APIError) {
        let (configuration, version) = (JSON.string(try s.uuid()), JSON.string(try s.uuid()))
        let record = JSONObject([
            ("active_theme_uuid", uuid), ("active_variation_id", variation),
            ("active_theme_configuration_uuid", configuration), ("saved_theme_configuration_uuid", configuration),
            ("active_theme_version_uuid", version),
        ])
        let id = JSON.string(StoreState.key(channel))
        if var existing = try s.row(active, id) {
            for (k, v) in record { existing[k] = v }
            try s.update(active, existing)
        } else {
            try s.insert(active, record, parent: channel, id: id)
        }
        guard StoreState.key(channel) == StoreState.key(ChannelRules.defaultChannel) else { return }
        for t in try s.rows(theme) {
            var updated = t
            updated["is_active"] = .bool(t["uuid"] == uuid)
            updated["active_variation_id"] = t["uuid"] == uuid ? variation : nil
            try s.update(theme, updated)
        }
    }
}
