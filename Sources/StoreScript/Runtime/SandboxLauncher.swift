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
        try Blocking.wait { try await SandboxServer.start(sandbox) }
    }
}
