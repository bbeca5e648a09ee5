import Hummingbird
import Logging
import NIOCore

/// A running sandbox: Hummingbird on a loopback address, serving one `Sandbox`.
public final class SandboxServer: Sendable {
    public let sandbox: Sandbox
    public let port: Int
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT/stores/HASH`: what the client's API URL should be.
    public var baseURL: String { "http://\(sandbox.configuration.host):\(port)/stores/\(sandbox.configuration.storeHash)" }
    public var rootURL: String { "http://\(sandbox.configuration.host):\(port)" }

    private init(sandbox: Sandbox, port: Int, task: Task<Void, any Error>) {
        self.sandbox = sandbox
        self.port = port
        self.task = task
    }

    /// Binds and starts serving; returns once the port is known.
    public static func start(_ sandbox: Sandbox, handlingSignals: Bool = false) async throws -> SandboxServer {
        let config = sandbox.configuration
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "storescript.sandbox")
        logger.logLevel = .critical
        let app = Application(
            responder: SandboxResponder(sandbox: sandbox),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "storescript-sandbox"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let task = Task {
            defer { continuation.finish() }
            try await app.runService(gracefulShutdownSignals: handlingSignals ? [.sigterm, .sigint] : [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            _ = try await task.value
            throw SandboxConfigurationError("the sandbox could not listen on \(config.host):\(config.port)")
        }
        return SandboxServer(sandbox: sandbox, port: port, task: task)
    }

    /// Runs until the server stops (SIGINT or SIGTERM when started with signals handled).
    public func wait() async throws { try await task.value }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
