import AsyncHTTPClient
import JSON
import NIOCore
import NIOHTTP1

/// Posting webhook callbacks: outside the store's lock, after the transaction that made them
/// committed; what each destination answered goes back into the store (`WebhookRules.settle`).
extension Sandbox {
    /// How long a destination has to answer.
    static let callbackTimeout = TimeAmount.seconds(10)

    func post(_ callbacks: [Callback]) {
        for callback in callbacks {
            Task { [self] in
                let (status, detail) = await send(callback)
                state.withLock { s in
                    _ = try? s.transaction { s throws(APIError) in
                        try WebhookRules.settle(&s, delivery: callback.delivery, status: status, detail: detail)
                    }
                    post(s.takeOutbox())
                }
            }
        }
    }

    /// Posts one callback: its status, or 0 and why when none came.
    private func send(_ callback: Callback) async -> (Int, String) {
        var request = HTTPClientRequest(url: callback.destination)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "storescript-sandbox webhooks")
        for (name, value) in callback.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: callback.body.serialized()))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: Self.callbackTimeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (Int(response.status.code), "")
        } catch {
            return (0, "\(error)")
        }
    }
}
