import StoreClient
import StoreCertificates

/// Which store a run works on, so that what a run keeps (`state`, a recipe's journal) is kept
/// apart per store: its store hash and API origin, the two halves of the base every call goes
/// to. Two profiles of one store have the same identity; two stores never do (sites have the
/// same ids in every store, so a journal entry naming `site:1` means nothing without it).
public struct StoreIdentity: Sendable, Equatable, CustomStringConvertible {
    /// `abc123@api.bigcommerce.com`: the state directory's name, and what journals record.
    public let name: String
    /// The base URL the store's calls go to, for messages.
    public let base: String

    /// The in-process sandbox of `--sandbox` (a new store on a new port every run).
    public static let sandbox = StoreIdentity(name: "sandbox", base: "the in-process sandbox (--sandbox)")

    init(name: String, base: String) {
        self.name = name
        self.base = base
    }

    /// From a store hash and the profile's `api_url` (nil: BigCommerce's own).
    public init(storeHash: String, apiURL: String?) {
        let base = StoreEndpoint.storeBase(storeHash: storeHash, apiURL: apiURL)
        let rest = base.split(separator: "//", maxSplits: 1).last.map(String.init) ?? base
        let authority = rest.prefix { $0 != "/" }.lowercased()
        let path = rest.drop { $0 != "/" }
        let readable = "\(storeHash)@\(authority)".map { $0.isLetter || $0.isNumber || "@.-_".contains($0) ? $0 : "-" }
        var name = String(readable)
        // The readable form names the store alone only when the base is `origin/stores/HASH`
        // and nothing was replaced; otherwise a digest of the whole base keeps stores apart.
        if path != "/stores/\(storeHash)" || name != "\(storeHash)@\(authority)" || name.hasPrefix(".") {
            name += "-" + Digest.sha256(Array(base.utf8)).prefix(12)
        }
        self.init(name: String(name.prefix(200)), base: base)
    }

    /// The identity of the store `settings` name, nil when they name none.
    public init?(_ settings: StoreSettings) {
        guard let hash = settings.storeHash?.value else { return nil }
        self.init(storeHash: hash, apiURL: settings.apiURL?.value)
    }

    public var description: String { "\(name) (\(base))" }
}
