import JSON

/// Secrets a request may carry (a certificate's private key, a carrier's credentials) never
/// come back out: not in answers, not in `/__sandbox/log`, not in `/__sandbox/state`.
enum Redaction {
    static let secretKeys: Set<String> = [
        "private_key", "password", "new_password", "current_password", "api_key", "access_token", "token",
        "client_secret", "secret", "key_password", "pass_phrase", "passphrase", "auth_key",
    ]

    static func redact(_ value: JSON) -> JSON {
        switch value {
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o { out[k] = secretKeys.contains(k) ? .string("***") : redact(v) }
            return .object(out)
        case .array(let a):
            return .array(a.map(redact))
        case .string(let s) where isPrivateKey(s):
            // A key sent as a bare string body (`bc.request{body = pem}`) is as secret as a field.
            return .string("***")
        default:
            return value
        }
    }

    static func isPrivateKey(_ s: String) -> Bool { s.contains("-----BEGIN") && s.contains("PRIVATE KEY-----") }

    /// A query string with the values of secret parameters (`?api_key=...`) replaced.
    static func redact(query: String) -> String {
        guard !query.isEmpty else { return query }
        return query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Percent.decode(kv[0], plusIsSpace: true)
            let value = kv.count > 1 ? Percent.decode(kv[1], plusIsSpace: true) : ""
            return secretKeys.contains(name) || isPrivateKey(value) ? "\(kv[0])=***" : String(pair)
        }.joined(separator: "&")
    }
}
