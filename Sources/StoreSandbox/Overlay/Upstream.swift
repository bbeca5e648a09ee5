import JSON
import StoreAPI

/// The real store an overlay reads through (`run --plan`): a GET of an operation's path,
/// through the run's own client (its endpoint, limiter and retries). The overlay never asks
/// it for anything else.
public protocol Upstream: Sendable {
    /// `path` is the API path as the client sends it (`/v3/catalog/products/42`, or DigiCert's
    /// `/services/v2/...`); `version` says which service (`v2`, `v3`, `digicert`).
    func get(_ path: String, query: [(String, String)], version: String) async -> UpstreamAnswer
}

/// What the real store answered: its status and JSON body, or why there is none.
public struct UpstreamAnswer: Sendable {
    public var status: Int
    public var body: JSON?
    /// The request could not be made or answered (a transport failure, retries spent).
    public var failure: String?

    public init(status: Int, body: JSON?, failure: String? = nil) {
        (self.status, self.body, self.failure) = (status, body, failure)
    }
}
