import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// A running sandbox: Hummingbird on a loopback address, serving one `Sandbox`.
public final class SandboxServer: Sendable {
    public let sandbox: Sandbox
    public let port: Int
    /// With `tls`: the PEM of the root that issued the server's certificate (for clients to trust).
    public let rootCertificate: String?
    private let task: Task<Void, any Error>

    var scheme: String { rootCertificate == nil ? "http" : "https" }
    /// `http://127.0.0.1:PORT/stores/HASH`: what the client's API URL should be.
    public var baseURL: String { "\(rootURL)/stores/\(sandbox.configuration.storeHash)" }
    public var rootURL: String { "\(scheme)://\(sandbox.configuration.host):\(port)" }

    private init(sandbox: Sandbox, port: Int, rootCertificate: String?, task: Task<Void, any Error>) {
        self.sandbox = sandbox
        self.port = port
        self.rootCertificate = rootCertificate
        self.task = task
    }

    /// Binds and starts serving; returns once the port is known.
    public static func start(_ sandbox: Sandbox, handlingSignals: Bool = false) async throws -> SandboxServer {
        let config = sandbox.configuration
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "storescript.sandbox")
        logger.logLevel = .critical
        let http1 = HTTP1Channel.Configuration(idleTimeout: .milliseconds(Int64(config.idleTimeoutMs)))
        var server = HTTPServerBuilder.http1(configuration: http1)
        var root: String?
        if config.tls {
            let identity = try sandbox.serverIdentity()
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try [identity.certificate, identity.intermediate].map { .certificate(try NIOSSLCertificate(bytes: Array($0.utf8), format: .pem)) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.key.utf8), format: .pem)))
            server = try .tls(.http1(configuration: http1), tlsConfiguration: tls)
            root = identity.root
        }
        let app = Application(
            responder: SandboxResponder(sandbox: sandbox),
            server: server,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "storescript-sandbox"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let task = Task {
            defer { continuation.finish() }
            // The store's clock keeps running between requests: due jobs (retries, slow work) run on time.
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    sandbox.tick()
                }
            }
            defer { ticker.cancel() }
            try await app.runService(gracefulShutdownSignals: handlingSignals ? [.sigterm, .sigint] : [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            _ = try await task.value
            throw SandboxConfigurationError("the sandbox could not listen on \(config.host):\(config.port)")
        }
        return SandboxServer(sandbox: sandbox, port: port, rootCertificate: root, task: task)
    }

    /// Runs until the server stops (SIGINT or SIGTERM when started with signals handled).
    public func wait() async throws { try await task.value }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
