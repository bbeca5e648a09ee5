#if canImport(Glibc)
import Glibc
#endif
import JSON
import StoreClient
import StoreSandbox

/// `--plan`: the script runs unchanged against an overlay of its store — a sandbox in this
/// process that reads through to the store (GETs only, through the run's own client, limiter
/// and retries) and keeps every write — and the run ends by showing what would change.
enum PlanRun {
    /// Starts the overlay the bindings will send to. Throws `ConfigError` when there is no
    /// store to plan for.
    static func startOverlay(_ runtime: Runtime) throws -> SandboxServer {
        let store: StoreClient
        do {
            store = try runtime.client(try runtime.endpoint(service: "bc"), local: runtime.sandboxAddress != nil)
        } catch let missing as Runtime.NoEndpoint {
            throw ConfigError("--plan reads the store it plans for: \(missing.advice)")
        } catch let refused as StoreEndpoint.Refused {
            throw ConfigError("--plan: \(refused.description)")
        }
        let digiCert = try? runtime.client(try runtime.endpoint(service: "digicert"), local: runtime.sandboxAddress != nil)
        var configuration = SandboxConfiguration()
        configuration.rateLimit = nil
        configuration.token = "plan-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        configuration.storeHash = runtime.store.storeHash?.value ?? "sandbox"
        let overlay = Sandbox(overlaying: Reader(store: store, digiCert: digiCert), configuration: configuration)
        return try SandboxLauncher.start(overlay)
    }

    /// The plan file: the store it was made for, the script, the time, whether the script
    /// finished, then the overlay's plan (summary, objects, writes).
    static func document(_ runtime: Runtime, overlay: SandboxServer, complete: Bool) -> JSON {
        var file = JSONObject([("format", "storescript-plan/1")])
        file["store"] = runtime.identity.map { .string($0.description) } ?? .null
        file["script"] = .string(runtime.options.scriptName)
        file["made_at"] = .string(Diagnostics.timestamp())
        file["complete"] = .bool(complete)
        for (key, value) in overlay.sandbox.plan().objectValue ?? JSONObject() { file[key] = value }
        return .object(file)
    }

    struct WriteError: Error { let reason: String }

    /// Writes a plan file (mode 0600: it holds what the script would write).
    static func write(_ document: JSON, to path: String) throws(WriteError) {
        if let reason = Files.write(Array(Secrets.redact(document.text).utf8) + [0x0A], to: path) { throw WriteError(reason: reason) }
    }

    /// The store's side of the overlay: a GET through the run's client for the service.
    struct Reader: Upstream {
        let store: StoreClient
        let digiCert: StoreClient?

        func get(_ path: String, query: [(String, String)], version: String) async -> UpstreamAnswer {
            guard let client = version == "digicert" ? digiCert : store else {
                return UpstreamAnswer(status: 0, body: nil, failure: "no DigiCert account is configured")
            }
            do {
                let response = try await client.send(APIRequest(method: "GET", path: path, query: query))
                return UpstreamAnswer(status: response.status, body: response.body.isEmpty ? nil : try? JSON.parse(response.body))
            } catch {
                guard error.kind == .http else { return UpstreamAnswer(status: 0, body: nil, failure: error.title) }
                var body = JSONObject([("status", .int(Int64(error.status))), ("title", .string(error.title))])
                body["errors"] = .object(JSONObject(error.errors.map { ($0.0, .string($0.1)) }))
                return UpstreamAnswer(status: error.status, body: .object(body))
            }
        }
    }

    /// Shows the plan (stdout: text, or one JSON object), writes `--plan-out`, and gives the
    /// run's exit status (`--detailed-exitcode`: a plan with changes is `planHasChanges`).
    static func finish(_ runtime: Runtime, overlay: SandboxServer, status: Int32, say: Diagnostics) -> Int32 {
        let document = document(runtime, overlay: overlay, complete: status == ExitStatus.success)
        switch runtime.options.planFormat ?? .text {
        case .json: Console.out(Secrets.redact(document.text) + "\n")
        case .text: Console.out(Secrets.redact(PlanText.render(document)))
        }
        if let path = runtime.options.planOut {
            do { try write(document, to: path) } catch {
                say.error("--plan-out \(path): the plan could not be written (\(error.reason))")
                return status == ExitStatus.success ? ExitStatus.scriptError : status
            }
        }
        let changes = document["objects"]?.arrayValue?.count ?? 0
        if status == ExitStatus.success, runtime.options.detailedExitcode, changes > 0 { return ExitStatus.planHasChanges }
        return status
    }
}
