import JSON

/// Secrets a request may carry (a certificate's private key, a carrier's credentials) never
/// come back out: not in answers, not in `/__sandbox/log`, not in `/__sandbox/state`.
enum Redaction {
    static let secretKeys: Set<String> = [
        "private_key", "password", "api_key", "access_token", "token", "client_secret", "secret", "key_password",
    ]

    static func redact(_ value: JSON) -> JSON {
        switch value {
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o { out[k] = secretKeys.contains(k) ? .string("***") : redact(v) }
            return .object(out)
        case .array(let a):
            return .array(a.map(redact))
        default:
            return value
        }
    }
}
