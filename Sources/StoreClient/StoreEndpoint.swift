/// Where a store's API answers and how to authenticate: `https://api.bigcommerce.com/stores/HASH`
/// with `X-Auth-Token`, or the sandbox on loopback. TLS is always verified; plain http is
/// accepted only for loopback addresses, where the sandbox lives.
public struct StoreEndpoint: Sendable {
    /// The base every API path (`/v3/catalog/products`) is appended to, without a trailing slash.
    public let baseURL: String
    public let authHeader: String
    public let credential: Secret

    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    public init(baseURL: String, authHeader: String = "X-Auth-Token", credential: Secret) throws(Refused) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let scheme = base.split(separator: ":", maxSplits: 1).first.map({ $0.lowercased() }),
              scheme == "https" || scheme == "http" else {
            throw Refused(description: "API URL must start with https:// (got \(baseURL))")
        }
        if scheme == "http" && !StoreEndpoint.isLoopback(base) {
            throw Refused(description: "plain http is allowed only to loopback addresses (the sandbox); use https:// for \(baseURL)")
        }
        self.baseURL = base
        self.authHeader = authHeader
        self.credential = credential
    }

    /// The BigCommerce API of a store. An `apiURL` that is an origin (a proxy,
    /// `https://proxy.example.com`) gets `/stores/{store_hash}` appended; one with a path is
    /// used as written (the sandbox's `http://127.0.0.1:8900/stores/sandbox`).
    public static func bigCommerce(storeHash: String, token: Secret, apiURL: String? = nil) throws(Refused) -> StoreEndpoint {
        try StoreEndpoint(baseURL: storeBase(storeHash: storeHash, apiURL: apiURL), credential: token)
    }

    /// The base URL the store's calls go to (what `config show` prints).
    public static func storeBase(storeHash: String, apiURL: String?) -> String {
        guard let apiURL else { return "https://api.bigcommerce.com/stores/\(storeHash)" }
        var url = apiURL
        while url.hasSuffix("/") { url.removeLast() }
        let rest = url.split(separator: "//", maxSplits: 1).last ?? ""
        return rest.contains("/") ? url : url + "/stores/\(storeHash)"
    }

    /// DigiCert CertCentral (`/services/v2` paths are appended).
    public static func digiCert(apiKey: Secret, apiURL: String? = nil) throws(Refused) -> StoreEndpoint {
        try StoreEndpoint(baseURL: apiURL ?? "https://www.digicert.com", authHeader: "X-DC-DEVKEY", credential: apiKey)
    }

    static func isLoopback(_ url: String) -> Bool {
        guard let rest = url.split(separator: "//", maxSplits: 1).last else { return false }
        let authority = rest.prefix { $0 != "/" }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.dropFirst().prefix { $0 != "]" }
        } else {
            host = authority.prefix { $0 != ":" }
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The host part, to check that a redirect stays on it.
    var host: Substring {
        let rest = baseURL.split(separator: "//", maxSplits: 1).last ?? ""
        return rest.prefix { $0 != "/" }
    }

    /// `host:port`, the port the scheme's when the URL names none: what errors tell.
    var hostAndPort: String {
        if host.hasPrefix("[") ? host.contains("]:") : host.contains(":") { return String(host) }
        return "\(host):\(baseURL.lowercased().hasPrefix("https") ? 443 : 80)"
    }
}
