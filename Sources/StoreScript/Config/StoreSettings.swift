import StoreClient

/// What the bindings connect to and how patiently, with where each value came from.
///
/// A profile named by `--profile` or `STORESCRIPT_PROFILE` is used as written. Otherwise the
/// environment variables (`BIGCOMMERCE_STORE_HASH`, `BIGCOMMERCE_ACCESS_TOKEN` or
/// `BIGCOMMERCE_AUTH_TOKEN`, `BIGCOMMERCE_API_URL`, `DIGICERT_API_KEY`, `DIGICERT_API_URL`)
/// override the file's `default_profile`, key by key.
public struct StoreSettings: Sendable {
    /// One resolved value: its text (secrets as `Secret`) and its origin, e.g. `profile main`
    /// or `env BIGCOMMERCE_STORE_HASH`.
    public struct Setting<T: Sendable>: Sendable {
        public let value: T
        public let origin: String
    }

    public var configPath: String?
    public var profile: String?
    public var storeHash: Setting<String>?
    public var accessToken: Setting<Secret>?
    public var apiURL: Setting<String>?
    public var digiCertKey: Setting<Secret>?
    public var digiCertURL: Setting<String>?
    public var caFile: Setting<String>?
    public var concurrency = Setting(value: 8, origin: "default")
    public var connectTimeout = Setting(value: 10.0, origin: "default")
    public var requestTimeout = Setting(value: 30.0, origin: "default")
    public var maxAttempts = Setting(value: 5, origin: "default")
    public var maxRetrySeconds = Setting(value: 120.0, origin: "default")
    /// Why a secret is missing although the profile names where it lives (an unset variable).
    public var missing: [String: String] = [:]
    /// The environment variables a secret was read from (a run removes them: no command it
    /// starts inherits a credential).
    public var secretVariables: [String] = []

    public init() {}

    static let environmentKeys: [(variable: String, key: String)] = [
        ("BIGCOMMERCE_STORE_HASH", "store_hash"),
        ("BIGCOMMERCE_ACCESS_TOKEN", "access_token"),
        ("BIGCOMMERCE_AUTH_TOKEN", "access_token"),
        ("BIGCOMMERCE_API_URL", "api_url"),
        ("DIGICERT_API_KEY", "digicert_api_key"),
        ("DIGICERT_API_URL", "digicert_api_url"),
    ]

    /// Resolves the settings of `profile` (nil: `STORESCRIPT_PROFILE`, else the default).
    public static func resolve(profile: String? = nil, file path: String = ConfigFile.defaultPath) throws(ConfigError) -> StoreSettings {
        let file = try ConfigFile.load(path)
        let named = profile ?? Environment["STORESCRIPT_PROFILE"]
        var s = StoreSettings()
        s.configPath = file?.path
        // Every profile's credential variables, not only this one's: a run for one store hands
        // no command another store's token either.
        for entries in file?.profiles.values.map({ $0 }) ?? [] {
            for e in entries where ConfigFile.secretKeys.contains(String(e.key.dropLast(4))) && e.key.hasSuffix("_env") {
                if case .string(let variable) = e.value { s.secretVariables.append(variable) }
            }
        }
        var values: [String: (value: ConfigFile.Value, origin: String)] = [:]
        if let named {
            guard let file else {
                throw ConfigError("no profile \(named): there is no configuration file at \(path); create it with `storescript config init --profile \(named)`")
            }
            guard let entries = file.profiles[named] else {
                let known = file.profiles.keys.sorted().joined(separator: ", ")
                throw ConfigError("no profile \(named) in \(file.path) (profiles: \(known.isEmpty ? "none" : known))")
            }
            s.profile = named
            for e in entries { values[e.key] = (e.value, "profile \(named)") }
        } else {
            if let file, let d = file.defaultProfile {
                s.profile = d
                for e in file.profiles[d]! { values[e.key] = (e.value, "profile \(d)") }
            }
            for (variable, key) in environmentKeys.reversed() {
                guard let v = Environment[variable] else { continue }
                if key == "access_token" || key == "digicert_api_key" { s.secretVariables.append(variable) }
                values[key] = (.string(v), "env \(variable)")
                // A secret from the environment replaces the profile's pointer to another variable.
                if key == "access_token" || key == "digicert_api_key" { values[key + "_env"] = nil }
            }
        }
        let context = s.profile.map { "\(file?.path ?? path): profiles.\($0)" } ?? "the environment"
        func string(_ key: String) throws(ConfigError) -> Setting<String>? {
            guard let (v, origin) = values[key] else { return nil }
            guard case .string(let text) = v, !text.isEmpty else { throw ConfigError("\(context).\(key) must be a non-empty string") }
            return Setting(value: text, origin: origin)
        }
        func secret(_ key: String) throws(ConfigError) -> Setting<Secret>? {
            var found: Setting<String>
            if let direct = try string(key) {
                found = direct
            } else {
                guard let pointer = try string(key + "_env") else { return nil }
                guard let v = Environment[pointer.value] else {
                    s.missing[key] = "\(context).\(key)_env names \(pointer.value), which is not set"
                    return nil
                }
                s.secretVariables.append(pointer.value)
                found = Setting(value: v, origin: "env \(pointer.value) (\(pointer.origin))")
            }
            // A secret from a file or a Kubernetes Secret usually ends in a newline: trimmed.
            // One that still holds a control character cannot go in a header: refused by name.
            let trimmed = String(found.value.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            Secrets.register(found.value)
            Secrets.register(trimmed)
            guard !trimmed.isEmpty else { throw ConfigError("the \(key) from \(found.origin) is empty") }
            if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ConfigError("the \(key) from \(found.origin) holds a line break or another control character, "
                    + "which no header can carry; check the file or variable it comes from")
            }
            return Setting(value: Secret(trimmed), origin: found.origin)
        }
        func number(_ key: String, _ fallback: Setting<Double>) throws(ConfigError) -> Setting<Double> {
            switch values[key] {
            case nil: return fallback
            case (.integer(let i), let origin)? where i > 0: return Setting(value: Double(i), origin: origin)
            case (.number(let d), let origin)? where d > 0 && d.isFinite: return Setting(value: d, origin: origin)
            default: throw ConfigError("\(context).\(key) must be a positive number of seconds")
            }
        }
        func count(_ key: String, _ fallback: Setting<Int>) throws(ConfigError) -> Setting<Int> {
            switch values[key] {
            case nil: return fallback
            case (.integer(let i), let origin)? where i > 0 && i <= 1000: return Setting(value: i, origin: origin)
            default: throw ConfigError("\(context).\(key) must be a whole number from 1 to 1000")
            }
        }
        s.storeHash = try string("store_hash")
        s.accessToken = try secret("access_token")
        s.apiURL = try string("api_url")
        s.digiCertKey = try secret("digicert_api_key")
        s.digiCertURL = try string("digicert_api_url")
        s.caFile = try string("ca_file")
        s.concurrency = try count("concurrency", s.concurrency)
        s.connectTimeout = try number("connect_timeout", s.connectTimeout)
        s.requestTimeout = try number("request_timeout", s.requestTimeout)
        s.maxAttempts = try count("max_attempts", s.maxAttempts)
        s.maxRetrySeconds = try number("max_retry_seconds", s.maxRetrySeconds)
        return s
    }

    /// Whether a BigCommerce store is configured (a hash and a token).
    public var hasStore: Bool { storeHash != nil && accessToken != nil }

    /// What to do when no store is configured, for the error of the first `bc` call.
    public var noStoreAdvice: String {
        var why = ""
        if let m = missing["access_token"] {
            why = m
        } else if storeHash == nil && accessToken != nil {
            why = "an access token but no store hash"
        } else if storeHash != nil {
            why = "a store hash but no access token"
        }
        return "no store configured\(why.isEmpty ? "" : " (\(why))"): configure a profile (`storescript config init`), "
            + "set BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN, or pass --sandbox"
    }

    public var noDigiCertAdvice: String {
        let why = missing["digicert_api_key"].map { " (\($0))" } ?? ""
        return "no DigiCert account configured\(why): add digicert_api_key_env to the profile, set DIGICERT_API_KEY, or pass --sandbox"
    }

    /// How the client retries, from the settings.
    public var retryPolicy: StoreClient.RetryPolicy {
        var r = StoreClient.RetryPolicy()
        r.maxAttempts = maxAttempts.value
        r.maxTotal = maxRetrySeconds.value
        return r
    }

    /// `config show`: every setting as `key = value  # origin`, secrets redacted.
    public var lines: [String] {
        var out: [String] = []
        func add(_ key: String, _ text: String?, _ origin: String?) {
            guard let text, let origin else { return }
            out.append("\(key) = \(text)  # \(origin)")
        }
        add("store_hash", storeHash.map { "\"\($0.value)\"" }, storeHash?.origin)
        add("access_token", accessToken.map { "\"\($0.value)\"" }, accessToken?.origin)
        add("api_url", apiURL.map { "\"\($0.value)\"" }, apiURL?.origin)
        add("digicert_api_key", digiCertKey.map { "\"\($0.value)\"" }, digiCertKey?.origin)
        add("digicert_api_url", digiCertURL.map { "\"\($0.value)\"" }, digiCertURL?.origin)
        add("ca_file", caFile.map { "\"\($0.value)\"" }, caFile?.origin)
        add("concurrency", String(concurrency.value), concurrency.origin)
        add("connect_timeout", StoreClient.seconds(connectTimeout.value), connectTimeout.origin)
        add("request_timeout", StoreClient.seconds(requestTimeout.value), requestTimeout.origin)
        add("max_attempts", String(maxAttempts.value), maxAttempts.origin)
        add("max_retry_seconds", StoreClient.seconds(maxRetrySeconds.value), maxRetrySeconds.origin)
        if let hash = storeHash {
            // Where calls go: an api_url that is an origin gets /stores/{store_hash} appended.
            out.append("# calls go to \(StoreEndpoint.storeBase(storeHash: hash.value, apiURL: apiURL?.value))")
        }
        return out
    }

}
