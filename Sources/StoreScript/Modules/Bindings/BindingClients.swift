#if canImport(Glibc)
import Glibc
#endif
import CLua
import CLuaShim
import JSON
import LuaKit
import StoreAPI
import StoreClient
import StoreSandbox

/// The clients bindings send through, one a service (bc, digicert), made on first use from the
/// profile (or the in-process sandbox); a missing store is a configuration error (exit 2).
extension BindingsHost {
    func client(for op: Operation, name: String) throws -> StoreClient {
        let service = op.version == "digicert" ? "digicert" : "bc"
        if let c = clients[service] { return c }
        do {
            // Under --plan the bindings reach the overlay, which alone reaches the store.
            let endpoint = try runtime.overlay.map { try Runtime.endpoint(of: $0, service: service) } ?? runtime.endpoint(service: service)
            let c = try runtime.client(endpoint, local: runtime.sandboxAddress != nil || runtime.overlay != nil)
            clients[service] = c
            return c
        } catch let refused as StoreEndpoint.Refused {
            throw notConfigured("\(name): \(refused.description)")
        } catch let missing as Runtime.NoEndpoint {
            throw notConfigured("\(name): \(missing.advice)")
        }
    }

    /// A configuration problem: raised as a Lua error; if the script does not catch it,
    /// the run exits 2 (a usage or configuration error), not 1.
    private func notConfigured(_ message: String) -> LuaError {
        runtime.configurationFailure = message
        return LuaError(.runtime, message)
    }

}

extension Runtime {
    /// No store (or DigiCert account) is configured for a service; what to do about it.
    struct NoEndpoint: Error { let advice: String }

    /// Where a service (`bc` or `digicert`) is reached: the in-process sandbox, else the
    /// profile's store or account.
    func endpoint(service: String) throws -> StoreEndpoint {
        if let address = sandboxAddress { return try address.endpoint(service) }
        if service == "digicert" {
            guard let key = store.digiCertKey else { throw NoEndpoint(advice: store.noDigiCertAdvice) }
            return try .digiCert(apiKey: key.value, apiURL: store.digiCertURL?.value)
        }
        guard let hash = store.storeHash, let token = store.accessToken else { throw NoEndpoint(advice: store.noStoreAdvice) }
        return try .bigCommerce(storeHash: hash.value, token: token.value, apiURL: store.apiURL?.value)
    }

    /// A sandbox in this process (`--sandbox`, or a plan's overlay) as a service's endpoint.
    static func endpoint(of server: SandboxServer, service: String) throws -> StoreEndpoint {
        try SandboxAddress(server).endpoint(service)
    }

    /// A client with the profile's patience; `local`: a sandbox in this process (no CA file).
    func client(_ endpoint: StoreEndpoint, local: Bool) throws -> StoreClient {
        try StoreClient(endpoint: endpoint, retry: store.retryPolicy, connectTimeout: store.connectTimeout.value,
                        caFile: local ? nil : store.caFile?.value,
                        observer: options.verbose ? BindingsHost.verboseLine(options.logFormat, script: options.scriptName) : nil)
    }
}

extension BindingsHost {
    /// `--verbose`: a line on stderr for each attempt: method, path, status, duration, budget left.
    static func verboseLine(_ format: Runtime.LogFormat, script: String) -> @Sendable (StoreClient.Attempt) -> Void {
        { a in
            let status = a.status > 0 ? String(a.status) : "failed"
            switch format {
            case .text:
                var line = "\(Diagnostics.timestamp()) \(a.method) \(a.path) \(status) \(a.milliseconds)ms"
                if let left = a.budgetLeft { line += " left=\(left)" }
                if a.attempt > 1 { line += " attempt=\(a.attempt)" }
                if let f = a.failure { line += " (\(f))" }
                Console.err(line + "\n")
            case .json:
                var line = "{\"time\":\(Diagnostics.quote(Diagnostics.timestamp())),\"level\":\"debug\",\"script\":\(Diagnostics.quote(script)),"
                line += "\"msg\":\"request\",\"method\":\(Diagnostics.quote(a.method)),\"path\":\(Diagnostics.quote(a.path)),"
                line += "\"status\":\(a.status),\"ms\":\(a.milliseconds),\"attempt\":\(a.attempt)"
                if let left = a.budgetLeft { line += ",\"left\":\(left)" }
                if let f = a.failure { line += ",\"error\":\(Diagnostics.quote(f))" }
                Console.err(line + "}\n")
            }
        }
    }
}
