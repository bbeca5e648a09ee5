import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// AsyncHTTPClient's accumulator, and whether any of the request went out. A failure before
/// the request head was written means the request never reached the server (safe to try
/// again, even a POST); after, its outcome is unknown.
final class SendTracking: HTTPClientResponseDelegate {
    typealias Response = HTTPClient.Response
    private let inner: ResponseAccumulator
    private let began = NIOLockedValueBox(false)

    init(request: HTTPClient.Request, maxBodySize: Int) {
        inner = ResponseAccumulator(request: request, maxBodySize: maxBodySize)
    }

    var sentAnything: Bool { began.withLockedValue { $0 } }

    func didSendRequestHead(task: HTTPClient.Task<Response>, _ head: HTTPRequestHead) {
        began.withLockedValue { $0 = true }
        inner.didSendRequestHead(task: task, head)
    }

    func didSendRequestPart(task: HTTPClient.Task<Response>, _ part: IOData) { inner.didSendRequestPart(task: task, part) }
    func didSendRequest(task: HTTPClient.Task<Response>) { inner.didSendRequest(task: task) }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        inner.didReceiveHead(task: task, head)
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        inner.didReceiveBodyPart(task: task, buffer)
    }

    func didReceiveError(task: HTTPClient.Task<Response>, _ error: any Error) { inner.didReceiveError(task: task, error) }
    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response { try inner.didFinishRequest(task: task) }
}
