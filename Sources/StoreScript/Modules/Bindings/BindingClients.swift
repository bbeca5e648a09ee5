#if canImport(Glibc)
import Glibc
#endif
import CLua
import CLuaShim
import JSON
import LuaKit
import StoreAPI
import StoreClient

/// The clients bindings send through, one a service (bc, digicert), made on first use from the
/// profile (or the in-process sandbox); a missing store is a configuration error (exit 2).
extension BindingsHost {
    func client(for op: Operation, name: String) throws -> StoreClient {
        let service = op.version == "digicert" ? "digicert" : "bc"
        if let c = clients[service] { return c }
        let store = runtime.store
        do {
            let endpoint: StoreEndpoint
            if let server = runtime.sandbox {
                let sandbox = server.sandbox.configuration
                endpoint = service == "digicert"
                    ? try .digiCert(apiKey: Secret(sandbox.token), apiURL: server.rootURL)
                    : try .bigCommerce(storeHash: sandbox.storeHash, token: Secret(sandbox.token), apiURL: server.baseURL)
            } else if service == "digicert" {
                guard let key = store.digiCertKey else { throw notConfigured("\(name): \(store.noDigiCertAdvice)") }
                endpoint = try .digiCert(apiKey: key.value, apiURL: store.digiCertURL?.value)
            } else {
                guard let hash = store.storeHash, let token = store.accessToken else { throw notConfigured("\(name): \(store.noStoreAdvice)") }
                endpoint = try .bigCommerce(storeHash: hash.value, token: token.value, apiURL: store.apiURL?.value)
            }
            let c = try StoreClient(endpoint: endpoint, retry: store.retryPolicy, connectTimeout: store.connectTimeout.value,
                                    caFile: runtime.sandbox == nil ? store.caFile?.value : nil,
                                    observer: runtime.options.verbose ? BindingsHost.verboseLine(runtime.options.logFormat, script: runtime.options.scriptName) : nil)
            clients[service] = c
            return c
        } catch let refused as StoreEndpoint.Refused {
            throw notConfigured("\(name): \(refused.description)")
        }
    }

    /// A configuration problem: raised as a Lua error; if the script does not catch it,
    /// the run exits 2 (a usage or configuration error), not 1.
    private func notConfigured(_ message: String) -> LuaError {
        runtime.configurationFailure = message
        return LuaError(.runtime, message)
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
