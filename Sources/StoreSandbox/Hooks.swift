import JSON
import StoreAPI

/// What a resource family does instead of the generic behaviour of a route: an outcome, or nil
/// to let the generic behaviour answer.
typealias Behaviour = @Sendable (inout StoreState, SandboxRequest) throws(APIError) -> Outcome?
/// A check (or rewrite) of a request before it is handled.
typealias Check = @Sendable (StoreState, inout SandboxRequest) throws(APIError) -> Void
/// A change to an outcome after it is made (the store may be read or changed too).
typealias Decoration = @Sendable (inout StoreState, SandboxRequest, inout Outcome) throws(APIError) -> Void
/// A job of the store's, run when it falls due.
typealias JobRunner = @Sendable (inout StoreState, JSONObject) throws(APIError) -> Void

/// A family of resources with rules of its own (the catalog, sites, carts, DigiCert, ...): it
/// declares its entities and the views that show them, and states its rules by route, in one
/// file or one folder.
protocol ResourceFamily {
    static func register(_ hooks: inout Hooks)
    static var entities: [Entity] { get }
    static var views: [View] { get }
    static var routeReads: [RouteRead] { get }
    static func refine(_ entity: inout Entity, template: String)
}

/// A route a family serves by hook that shows a row of a view's entity (`/v3/channels/{}/site`
/// shows a site): an overlay of a real store reads that row from it before the route, or one
/// under it (`.../site/checkout-url`), is used.
struct RouteRead: Sendable {
    /// Blank: `/v3/channels/{}/site`.
    let template: String
    /// The view whose entity the route shows: `/v3/sites`.
    let view: String
}

extension ResourceFamily {
    static var entities: [Entity] { [] }
    static var views: [View] { [] }
    static var routeReads: [RouteRead] { [] }
    /// Adds what the family knows of entities it does not declare, by the template that shows
    /// them (every `.../metafields` collection has unique namespace+key per owner).
    static func refine(_ entity: inout Entity, template: String) {}
}

/// Every family's hooks by route (method and path template), so that renaming a binding cannot
/// change what the sandbox does. Made once; every route is checked against the catalog and a
/// route replaced twice is refused, so a typo fails at start-up, never falls through.
struct Hooks: Sendable {
    private(set) var checks: [Route: [Check]] = [:]
    private(set) var replacements: [Route: Behaviour] = [:]
    private(set) var decorations: [Route: [Decoration]] = [:]
    /// Unfiltered deletes the real API performs (`DELETE /v3/customers/subscribers` deletes every one).
    private(set) var unfilteredDeletes: Set<Route> = []
    /// How each kind of job runs.
    private(set) var jobs: [JobKind: JobRunner] = [:]
    private var twice: [Route] = []
    private var twiceJobs: [String] = []

    static var families: [any ResourceFamily.Type] { [
        JobQueue.self, CatalogRules.self, MetafieldRules.self, OrderRules.self, CustomerRules.self, SubscriberRules.self,
        SiteRules.self, ChannelRules.self, CarrierRules.self, ThemeRules.self, CartRules.self, WidgetRules.self,
        PricingRules.self, PriceListRules.self, CurrencyRules.self, InventoryRules.self, WebhookRules.self, DigiCertRules.self,
    ] }

    static let all: Hooks = {
        var hooks = Hooks()
        for family in families { family.register(&hooks) }
        return hooks
    }()

    mutating func validate(_ route: Route, _ check: @escaping Check) { checks[route, default: []].append(check) }

    mutating func replace(_ route: Route, _ behaviour: @escaping Behaviour) {
        if replacements.updateValue(behaviour, forKey: route) != nil { twice.append(route) }
    }

    mutating func decorate(_ route: Route, _ decoration: @escaping Decoration) { decorations[route, default: []].append(decoration) }

    mutating func allowUnfilteredDelete(_ route: Route) { unfilteredDeletes.insert(route) }

    mutating func run(_ kind: JobKind, _ runner: @escaping JobRunner) {
        if jobs.updateValue(runner, forKey: kind) != nil { twiceJobs.append(kind.raw) }
    }

    var routes: [Route] { Array(checks.keys) + Array(replacements.keys) + Array(decorations.keys) + Array(unfilteredDeletes) }

    /// Stops the process when a hook names a route the catalog does not have, or two families
    /// replace the same route.
    static func verify() {
        let unknown = OperationCatalog.unknown(all.routes)
        precondition(unknown.isEmpty, "sandbox hooks for routes the catalog does not have: \(unknown)")
        precondition(all.twice.isEmpty, "sandbox routes replaced by two families: \(all.twice)")
        precondition(all.twiceJobs.isEmpty, "sandbox jobs run by two families: \(all.twiceJobs)")
        EntityCatalog.verify()
    }
}

extension StoreState {
    /// Checks, then the family's behaviour or the generic one, then decorations.
    mutating func handle(_ request: SandboxRequest) throws(APIError) -> Outcome {
        try runDueJobs()
        var r = request
        let route = r.op.route
        let hooks = Hooks.all
        for check in hooks.checks[route] ?? [] { try check(self, &r) }
        var outcome: Outcome
        if let behaviour = hooks.replacements[route], let replaced = try behaviour(&self, r) {
            outcome = replaced
        } else {
            outcome = try handleGenerically(r)
        }
        for decoration in hooks.decorations[route] ?? [] { try decoration(&self, r, &outcome) }
        return outcome
    }
}
