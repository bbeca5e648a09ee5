#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import StoreClient
import StoreSandbox

/// Where a `--sandbox` run reaches its sandbox: the one started in this process, or the one a
/// running `listen --sandbox` serves. That one is published in the sandbox's state directory
/// (`listening-sandbox.json`, 0600, with the listener's pid), so `storescript call --sandbox`
/// in another shell changes the store whose hooks call the listener: the local loop.
public struct SandboxAddress: Sendable {
    public let baseURL: String
    public let rootURL: String
    public let storeHash: String
    public let token: String

    init(_ server: SandboxServer) {
        baseURL = server.baseURL
        rootURL = server.rootURL
        storeHash = server.sandbox.configuration.storeHash
        token = server.sandbox.configuration.token
    }

    init(baseURL: String, rootURL: String, storeHash: String, token: String) {
        (self.baseURL, self.rootURL, self.storeHash, self.token) = (baseURL, rootURL, storeHash, token)
    }

    /// The service's endpoint (`bc` or `digicert`) at this sandbox.
    func endpoint(_ service: String) throws -> StoreEndpoint {
        service == "digicert"
            ? try .digiCert(apiKey: Secret(token), apiURL: rootURL)
            : try .bigCommerce(storeHash: storeHash, token: Secret(token), apiURL: baseURL)
    }

    // MARK: The listener's sandbox

    static var publishedPath: String {
        StateStores(explicit: nil, owner: .sandbox, profile: nil, scheduler: nil).directory + "/listening-sandbox.json"
    }

    /// The sandbox a live `listen --sandbox` serves, if one does.
    static func published() -> SandboxAddress? {
        guard let bytes = Files.read(publishedPath), let o = try? JSON.parse(bytes),
              let pid = o["pid"]?.intValue, kill(pid_t(pid), 0) == 0 || errno == EPERM,
              let base = o["api_url"]?.stringValue, let root = o["root"]?.stringValue,
              let hash = o["store_hash"]?.stringValue, let token = o["token"]?.stringValue else { return nil }
        return SandboxAddress(baseURL: base, rootURL: root, storeHash: hash, token: token)
    }

    /// Publishes this process's sandbox for other `--sandbox` runs (the listener's).
    func publish() {
        let path = Self.publishedPath
        _ = Directories.make(String(path[..<path.lastIndex(of: "/")!]))
        let text = JSON.object(JSONObject([("api_url", .string(baseURL)), ("root", .string(rootURL)), ("store_hash", .string(storeHash)),
                                           ("token", .string(token)), ("pid", .int(Int64(getpid())))])).text
        _ = Files.write(Array(text.utf8), to: path)
    }
}
