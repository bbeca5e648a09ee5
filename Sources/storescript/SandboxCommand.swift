#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StoreSandbox
import StoreScript

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "The embedded sandbox store: a local simulator of the BigCommerce API.",
        subcommands: [Serve.self]
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a sandbox store on loopback until stopped (Ctrl-C).",
            discussion: """
                Every operation of the catalog answers under /stores/HASH/v3 and /stores/HASH/v2, with \
                X-Auth-Token checked, rate-limit headers, and the faults asked for. \
                /__sandbox/state, /__sandbox/log and /__sandbox/faults let tests and users look inside.

                Examples:
                  storescript sandbox serve --port 8900 --token t
                  storescript sandbox serve --rate-limit 150/3s --latency 50ms-150ms --faults error=0.05,drop-after=0.01 --seed 7
                """
        )

        @Option(help: "The loopback port (0: any free port).")
        var port = 8900

        @Option(help: "The X-Auth-Token clients must send.")
        var token = "sandbox-token"

        @Option(name: .customLong("store-hash"), help: "The store hash in /stores/HASH/.")
        var storeHash = "sandbox"

        @Option(help: "Products in the demo store (up to 100,000 and more).")
        var products = 50

        @Option(help: ArgumentHelp("Keep the store in this SQLite file across restarts (WAL).", valueName: "PATH"))
        var db: String?

        @Option(name: .customLong("rate-limit"), help: "QUOTA/WINDOW per store (150/30s is the Standard plan), or off.")
        var rateLimit = "150/30s"

        @Option(help: "Added latency: a duration (100ms) or a range (50ms-150ms).")
        var latency: String?

        @Option(help: "KIND=RATE,... of error, drop-before, drop-after, storm, slow, truncate (and storm-ms, slow-ms).")
        var faults: String?

        @Option(help: "Seed for faults and demo data (the same seed repeats them).")
        var seed: UInt64 = 1

        @Flag(help: "Serve HTTPS, with a certificate issued by the sandbox's own CA (for clients that only speak https).")
        var tls = false

        @Option(name: .customLong("ca-out"), help: ArgumentHelp("With --tls: write the CA's root certificate here, for clients to trust.", valueName: "PATH"))
        var caOut: String?

        @Option(name: .customLong("issuance-delay"), help: "How long a DigiCert order waits before it is issued (1s; 0: at once).")
        var issuanceDelay = "1s"

        @Option(name: .customLong("idle-timeout"), help: "Close a connection idle this long, or whose request has not arrived whole within it.")
        var idleTimeout = "15s"

        @Flag(name: .customLong("webhooks-to-loopback"), help: "Let webhooks point at http://127.0.0.1:PORT (for tests; the API takes https on port 443 only).")
        var webhooksToLoopback = false

        func run() async throws {
            var config = SandboxConfiguration()
            config.port = port
            config.token = token
            config.storeHash = storeHash
            config.products = products
            config.seed = seed
            config.databasePath = db
            config.tls = tls
            config.loopbackWebhooks = webhooksToLoopback
            do {
                guard let delay = SandboxConfiguration.Faults.parseDuration(issuanceDelay), delay >= 0 else {
                    throw ValidationError("--issuance-delay must be a duration (250ms, 2s), got \(issuanceDelay)")
                }
                config.timing.issuanceMs = delay
                guard let idle = SandboxConfiguration.Faults.parseDuration(idleTimeout), idle > 0 else {
                    throw ValidationError("--idle-timeout must be a duration (500ms, 15s), got \(idleTimeout)")
                }
                config.idleTimeoutMs = idle
                config.rateLimit = try SandboxConfiguration.RateLimit.parse(rateLimit)
                if let faults { config.faults = try SandboxConfiguration.Faults.parse(faults) }
                if let latency { try config.faults.setLatency(latency) }
            } catch {
                throw ValidationError("\(error)")
            }
            let server: SandboxServer
            do {
                server = try await SandboxServer.start(try Sandbox(configuration: config), handlingSignals: true)
            } catch {
                Console.err("storescript: \(error)\n")
                throw ExitCode(ExitStatus.usage)
            }
            if let caOut, let root = server.rootCertificate {
                guard let f = fopen(caOut, "w"), fputs(root, f) >= 0, fclose(f) == 0 else {
                    Console.err("storescript: cannot write --ca-out \(caOut)\n")
                    throw ExitCode(ExitStatus.usage)
                }
            }
            Console.out("storescript sandbox: serving \(server.baseURL)\n  X-Auth-Token: \(token)\n  control: \(server.rootURL)/__sandbox/state | /__sandbox/changes | /__sandbox/log | /__sandbox/faults | /__sandbox/time\n")
            try await server.wait()
        }
    }
}
