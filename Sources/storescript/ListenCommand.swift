import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import StoreScript

/// `storescript listen handlers.lua`: the store's webhooks, run by Lua handlers.
struct Listen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive the store's webhooks and run the Lua handlers a file registers with on(scope, fn).",
        usage: "storescript listen [<options>] <handlers> [<arguments> ...]\n       storescript listen --dead | --print-hooks ...",
        discussion: """
            handlers.lua calls on("store/order/created", function(event) ... end) (or a wildcard, \
            store/order/*) for the scopes it wants; each event runs as a task with the whole \
            runtime (bc, digicert, state, log), at most --concurrency at once. A callback is \
            kept in the store's inbox (SQLite, events.db in its state directory) before it is \
            answered 200, and only if it carries the listener's secret header (anything else: \
            401). A repeat (same hash, same created_at) is dropped. A handler that raises runs \
            again after 1 s, 2 s, 4 s... and after --max-attempts is kept as dead with its \
            error (--dead lists them, --retry-dead queues them again). SIGTERM stops it (exit \
            143); events a handler had not finished run again at the next start: handlers \
            should be idempotent (event.hash and event.attempt say which event and which try).

            --ensure-hooks makes the store's hooks match the handlers: one per scope with \
            --public-url as destination and the secret header, inactive ones reactivated, \
            ones of that destination no handler wants deleted. --print-hooks shows that and \
            changes nothing. The store calls https on port 443 only: give --tls-cert and \
            --tls-key, or run behind a reverse proxy (README "Reacting to events").

            --sandbox runs a sandbox store in this process whose hooks call this listener; \
            while it runs, --sandbox in other shells reaches that store (storescript call \
            --sandbox bc.customers.create ...), and storescript trigger --sandbox SCOPE [ID] \
            sends a sample event.

            Run options, as for run: --profile, --state-dir (where events.db lives), \
            --log-format, --log-level, --quiet, --sandbox, --verbose, --lock, --max-memory, \
            --timeout. Exit codes: 0 (--dead, --print-hooks), 1 a handlers file that raises \
            while it loads or registers nothing, 2 a bad option or a handlers file that \
            cannot be read, 3 --lock held, 143 SIGTERM.
            """)

    // Hidden: listen takes only some of them (runOptions), listed in the discussion.
    @OptionGroup(visibility: .hidden) var script: ScriptOptions
    @Option(help: ArgumentHelp("The port to listen on (0: any free one; the log says which).", valueName: "PORT")) var port = 8787
    @Option(help: ArgumentHelp("The address to listen on (0.0.0.0 for every interface).", valueName: "ADDRESS")) var bind = "127.0.0.1"
    @Option(help: ArgumentHelp("Run at most N handlers at once.", valueName: "N")) var concurrency = 8
    @Option(help: ArgumentHelp("Keep an event as dead after its handler failed N times.", valueName: "N")) var maxAttempts = 5
    @Flag(help: "Create, update, reactivate and delete the store's hooks to match the handlers (needs --public-url).") var ensureHooks = false
    @Flag(help: "Print what --ensure-hooks would do, change nothing and exit.") var printHooks = false
    @Option(help: ArgumentHelp("The https URL the store calls (this listener, or the proxy in front of it).", valueName: "URL")) var publicURL: String?
    @Option(help: ArgumentHelp("Serve https with this certificate chain (PEM).", valueName: "FILE")) var tlsCert: String?
    @Option(help: ArgumentHelp("The private key of --tls-cert (PEM).", valueName: "FILE")) var tlsKey: String?
    @Flag(help: "List the dead events (handler failed every attempt) and exit.") var dead = false
    @Flag(help: "Queue the dead events again, then listen.") var retryDead = false

    @Argument(help: "The Lua file whose on(scope, fn) calls register the handlers.") var handlers: String?
    @Argument(parsing: .postTerminator, help: "Arguments for the handlers file (its arg[1...]).") var arguments: [String] = []

    static let runOptions: Set<String> = ["--profile", "--state-dir", "--log-format", "--log-level", "--quiet", "--sandbox",
                                          "--verbose", "--lock", "--max-memory", "--timeout"]

    func validate() throws {
        try script.refuse(allBut: Self.runOptions, for: "listen", why: "a listener runs handlers as events come, not a plan (plan what a handler does with run --plan)")
        if handlers == nil && !dead { throw ValidationError("give the handlers file: storescript listen handlers.lua (or --dead to list dead events)") }
        if let handlers, access(handlers, R_OK) != 0 { throw ValidationError("cannot read the handlers file \(handlers): \(String(cString: strerror(errno)))") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if (ensureHooks || printHooks) && publicURL == nil && !script.sandbox {
            throw ValidationError("--ensure-hooks and --print-hooks point the store's hooks at --public-url URL: give it")
        }
        if let url = publicURL, !url.hasPrefix("https://"), !(url.hasPrefix("http://127.") || url.hasPrefix("http://localhost")) {
            throw ValidationError("--public-url must be an https URL (the store calls https on port 443; http only on loopback, for a sandbox), got \(url)")
        }
        if !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
        if concurrency < 1 || concurrency > 1000 { throw ValidationError("--concurrency must be from 1 to 1000") }
        if maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
    }

    func run() throws {
        var inv = try script.invocation()
        inv.options.scriptName = handlers ?? "listen"
        var settings = Listener.Settings()
        settings.handlers = handlers ?? ""
        settings.arguments = arguments
        (settings.bind, settings.port, settings.concurrency, settings.maxAttempts) = (bind, port, concurrency, maxAttempts)
        (settings.ensureHooks, settings.printHooks, settings.publicURL) = (ensureHooks, printHooks, publicURL)
        if let tlsCert, let tlsKey { settings.tls = CallbackServer.TLSFiles(certificate: tlsCert, key: tlsKey) }
        (settings.listDead, settings.retryDead) = (dead, retryDead)
        throw ExitCode(Listener(settings: settings, options: inv.options, lockPath: inv.lock).run())
    }
}

/// `storescript trigger SCOPE [ID]`: a sample event to a listener, as the store would send it.
struct Trigger: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a listener the example event webhooks.v3.yml documents for SCOPE (its id replaced by ID), with the store's secret header.",
        discussion: """
            The secret is the store's (the listener keeps it in the store's state directory): \
            give the same --profile, --state-dir or --sandbox as the listener. Each trigger is \
            a new event. Exit 0 when the listener took it, 1 otherwise.

            Run options, as for run: --profile, --state-dir, --sandbox, --log-format.
            """)

    // Hidden: trigger takes only the four its discussion lists.
    @OptionGroup(visibility: .hidden) var script: ScriptOptions
    @Option(help: ArgumentHelp("The listener's URL.", valueName: "URL")) var to = "http://127.0.0.1:8787/"
    @Argument(help: "The event's scope (store/order/created).") var scope: String
    @Argument(help: "The id in its data.") var id: String = "1"

    func validate() throws {
        try script.refuse(allBut: ["--profile", "--state-dir", "--log-format", "--sandbox"], for: "trigger",
                          why: "trigger sends one event (--profile, --state-dir or --sandbox find the listener's secret)")
    }

    func run() throws {
        let inv = try script.invocation()
        throw ExitCode(Listener.trigger(scope: scope, id: id, to: to, options: inv.options))
    }
}
