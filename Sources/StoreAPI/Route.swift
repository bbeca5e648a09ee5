/// An operation's identity that no renaming changes: its method and path template
/// (`PUT /v3/catalog/products`). The sandbox keys behaviour by it, never by a Lua name.
public struct Route: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let method: Operation.Method
    public let path: String

    public init(_ method: Operation.Method, _ path: String) {
        self.method = method
        self.path = path
    }

    /// `"PUT /v3/catalog/products"`; a malformed literal is a route no operation has (the
    /// catalog check reports it).
    public init(stringLiteral text: String) {
        let parts = text.split(separator: " ", maxSplits: 1)
        method = parts.first.flatMap { Operation.Method(rawValue: String($0)) } ?? .GET
        path = parts.count == 2 ? String(parts[1]) : text
    }

    public var description: String { "\(method.rawValue) \(path)" }
}

extension Operation {
    public var route: Route { Route(method, path) }
}

extension OperationCatalog {
    public static let byRoute: [Route: Operation] = {
        var index: [Route: Operation] = [:]
        for op in all { index[op.route] = op }
        return index
    }()

    /// The routes that name no operation of the catalog (a typo, a renamed path).
    public static func unknown<S: Sequence>(_ routes: S) -> [Route] where S.Element == Route {
        routes.filter { byRoute[$0] == nil }
    }
}
