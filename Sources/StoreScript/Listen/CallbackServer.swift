import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import JSON
import Logging
import NIOCore
import NIOSSL
import StoreCertificates
import Synchronization

/// The HTTP side of `storescript listen`: a POST of a webhook callback carrying the listener's
/// secret header is kept in the inbox (durably) and answered 200; anything without the secret
/// is 401 and kept nowhere. `GET /health` answers 200 once the handlers run (a proxy's or
/// systemd's check), 503 before.
public final class CallbackServer: Sendable {
    /// The header the listener sets on the hooks it manages and checks on every callback.
    public static let secretHeader = "X-Storescript-Secret"

    public let port: Int
    /// Whether the handlers are loaded and the loop runs: `/health` says 503 until then.
    let ready: Readiness
    private let task: Task<Void, any Error>

    final class Readiness: Sendable {
        let state = Mutex(false)
        var isReady: Bool { state.withLock { $0 } }
    }

    private init(port: Int, ready: Readiness, task: Task<Void, any Error>) {
        self.port = port
        self.ready = ready
        self.task = task
    }

    public struct TLSFiles: Sendable {
        public let certificate: String
        public let key: String
        public init(certificate: String, key: String) { (self.certificate, self.key) = (certificate, key) }
    }

    /// Binds and serves; returns once the port is known.
    public static func start(inbox: EventInbox, secret: String, host: String, port: Int, tls: TLSFiles?) async throws -> CallbackServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "storescript.listen")
        logger.logLevel = .critical
        let ready = Readiness()
        var server = HTTPServerBuilder.http1()
        if let tls {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: configuration)
        }
        let app = Application(
            responder: CallbackResponder(inbox: inbox, secret: Array(secret.utf8), ready: ready),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "storescript-listen"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            _ = try? await task.value
            throw ConfigError("listen: cannot listen on \(host):\(port) (in use, or not an address of this machine)")
        }
        return CallbackServer(port: bound, ready: ready, task: task)
    }
}

struct CallbackResponder: HTTPResponder {
    let inbox: EventInbox
    let secret: [UInt8]
    let ready: CallbackServer.Readiness
    static let maxBody = 1 << 20

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        if request.method == .get, request.uri.path == "/health" {
            return ready.isReady ? Self.answer(200, ["ok": true]) : Self.answer(503, ["ok": false, "starting": true])
        }
        guard request.method == .post else { return Self.answer(405, ["error": "callbacks are POSTs"]) }
        guard let given = request.headers[HTTPField.Name(CallbackServer.secretHeader)!], Self.same(Array(given.utf8), secret) else {
            return Self.answer(401, ["error": "this listener takes callbacks that carry its secret header"])
        }
        let bytes: [UInt8]
        do { bytes = Array(buffer: try await request.body.collect(upTo: Self.maxBody)) } catch {
            return Self.answer(413, ["error": "a callback is at most 1 MB"])
        }
        guard let body = try? JSON.parse(bytes), let scope = body["scope"]?.stringValue else {
            return Self.answer(400, ["error": "a callback is a JSON object with a scope"])
        }
        let hash = body["hash"]?.stringValue ?? Digest.sha256((body["data"] ?? .null).serialized())
        let arrival = EventInbox.Arrival(hash: hash, scope: scope, createdAt: body["created_at"]?.intValue ?? 0,
                                         body: String(decoding: bytes, as: UTF8.self))
        do {
            let isNew = try await inbox.accept(arrival)
            return Self.answer(200, ["accepted": .bool(isNew)])
        } catch {
            // Not kept: the store delivers it again.
            return Self.answer(503, ["error": .string("the event could not be kept (\(error)); deliver it again")])
        }
    }

    /// Compares in time that depends on the length only, not on where the first difference is.
    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func answer(_ status: Int, _ body: JSON) -> Response {
        let bytes = body.serialized()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(bytes.count)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
