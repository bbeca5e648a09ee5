import Dispatch
import StoreSandbox

/// Starts the embedded sandbox in this process, on an ephemeral loopback port, for
/// `--sandbox`: its server runs on its own event loops while Lua keeps the main thread.
public enum SandboxLauncher {
    /// Blocks until the server listens. The sandbox's token is not a secret: it opens a
    /// store that lives only on this machine.
    public static func start(_ configuration: SandboxConfiguration = SandboxConfiguration()) throws -> SandboxServer {
        try start(try Sandbox(configuration: configuration))
    }

    /// Serves `sandbox` (a plan's overlay, say).
    static func start(_ sandbox: Sandbox) throws -> SandboxServer {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                box.set(.success(try await SandboxServer.start(sandbox)))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return try box.get()
    }

    /// Carries the server from the starting task to the waiting thread. `@unchecked Sendable`:
    /// written once before the semaphore is signalled, read after it is waited on.
    private final class ResultBox: @unchecked Sendable {
        private var result: Result<SandboxServer, any Error>?
        func set(_ r: Result<SandboxServer, any Error>) { result = r }
        func get() throws -> SandboxServer { try result!.get() }
    }
}
