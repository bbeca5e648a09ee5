import AsyncHTTPClient
import Foundation
import JSON
import NIOCore
import StoreAPI
import StoreCertificates
import StoreSandbox

extension Listener {
    /// `storescript trigger SCOPE [ID]`: posts a sample event to a listener with the store's
    /// secret header; the exit status.
    public static func trigger(scope: String, id: String, to url: String, options: Runtime.Options) -> Int32 {
        let say = Diagnostics(format: options.logFormat, script: "trigger")
        guard Sandbox.webhookScopes.contains(scope) || sample(scope) != nil else {
            say.error("trigger: \(scope) is not a webhook scope the API documents (help(on) in a handlers file lists them)")
            return ExitStatus.usage
        }
        let secret: String
        do {
            let runtime = try Runtime(options: options)
            secret = try EventInbox(directory: runtime.stateDirectory).secret()
            Secrets.register(secret)
        } catch {
            say.error("trigger: \(error)")
            return ExitStatus.usage
        }
        let data = sampleData(scope, id: id)
        var nonce = [UInt8](repeating: 0, count: 16)
        for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255) }
        let event = JSON.object(JSONObject([
            ("scope", .string(scope)), ("store_id", "0"), ("data", data),
            // A sample is a new event each time: its hash is not only its data's.
            ("hash", .string(Digest.sha1(data.serialized() + nonce))), ("created_at", .int(Int64(Date().timeIntervalSince1970))),
            ("producer", "stores/trigger"),
        ]))
        let outcome = Result { () throws -> UInt in
            try Blocking.wait {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: CallbackServer.secretHeader, value: secret)
                request.body = .bytes(ByteBuffer(bytes: event.serialized()))
                return try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code
            }
        }
        switch outcome {
        case .success(200):
            say.info("trigger: \(scope) \(id) sent to \(url)")
            return ExitStatus.success
        case .success(let status):
            say.error("trigger: \(url) answered \(status)\(status == 401 ? " (the secret of another store: give the listener's --profile, --state-dir or --sandbox)" : "")")
            return ExitStatus.scriptError
        case .failure(let error):
            say.error("trigger: cannot reach \(url): \(error) (is storescript listen running there?)")
            return ExitStatus.scriptError
        }
    }

    /// The example `data` webhooks.v3.yml documents for the scope.
    static func sample(_ scope: String) -> JSON? {
        for line in WebhookSampleTable.rows.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2, parts[0] == scope { return try? JSON.parse(Array(parts[1].utf8)) }
        }
        return nil
    }

    /// The scope's documented sample with `id` in place of the sample's own id, wherever it
    /// appears (an inventory event names its product twice); `{type, id}` for a scope with none.
    static func sampleData(_ scope: String, id: String) -> JSON {
        let given: JSON = Int64(id).map { .int($0) } ?? .string(id)
        guard case .object(let data)? = sample(scope) else {
            let parts = scope.split(separator: "/")
            return .object(JSONObject([("type", .string(parts.count > 1 ? String(parts[1]) : "store")), ("id", given)]))
        }
        guard let old = data["id"] else { return .object(data) }
        func replaced(_ value: JSON) -> JSON {
            switch value {
            case .object(let o):
                var out = JSONObject()
                for (k, v) in o { out[k] = replaced(v) }
                return .object(out)
            case .array(let a): return .array(a.map(replaced))
            default: return value == old ? given : value
            }
        }
        return replaced(.object(data))
    }
}
