import JSON
import StoreAPI

/// What a resource with behaviour of its own does for one request: an outcome, or nil to let
/// the generic behaviour answer.
typealias Behaviour = @Sendable (inout StoreState, SandboxRequest) throws(APIError) -> Outcome?

/// The resources with behaviour of their own, by route (method and path template), so that
/// renaming a binding cannot change what the sandbox does. `verify` checks every route
/// against the catalog when a sandbox is made: a typo fails loudly, never falls through.
enum Behaviours {
    static let byRoute: [Route: Behaviour] = CatalogRules.routes
        .merging(DigiCertRules.routes) { a, _ in a }
        .merging(OrderRules.routes) { a, _ in a }
        .merging(CustomerRules.routes) { a, _ in a }
        .merging(["POST /v3/themes": { s, r throws(APIError) in try Uploads.createTheme(&s, r) }]) { a, _ in a }

    /// Unfiltered deletes the real API performs (it deletes every subscriber).
    static let unfilteredDeletes: Set<Route> = ["DELETE /v3/customers/subscribers"]

    static func verify() {
        let unknown = OperationCatalog.unknown(Array(byRoute.keys) + Array(unfilteredDeletes))
        precondition(unknown.isEmpty, "sandbox behaviours for routes the catalog does not have: \(unknown)")
    }
}

extension StoreState {
    /// The resources with behaviour of their own answer first; the rest generically.
    mutating func handle(_ r: SandboxRequest) throws(APIError) -> Outcome {
        if let behaviour = Behaviours.byRoute[r.op.route], let outcome = try behaviour(&self, r) { return outcome }
        if CatalogRules.isMetafieldCreate(r.op), let outcome = try CatalogRules.createMetafield(&self, r) { return outcome }
        return try handleGenerically(r)
    }
}
