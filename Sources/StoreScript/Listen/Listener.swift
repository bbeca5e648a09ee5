import CLua
import Foundation
import JSON
import LuaKit
import StoreSandbox
import Synchronization

/// `storescript listen handlers.lua`: a callback server in front of a durable inbox, and the
/// handlers file's `on(scope, fn)` functions run for each event as tasks of the one scheduler,
/// with the whole runtime. The loop that claims events and runs them is Lua (listen.lua); this
/// is its host: the inbox, the server, and the functions the loop calls.
public struct Listener {
    public struct Settings: Sendable {
        public var handlers = ""
        public var arguments: [String] = []
        public var bind = "127.0.0.1"
        public var port = 8787
        public var concurrency = 8
        public var maxAttempts = 5
        public var ensureHooks = false
        public var printHooks = false
        public var publicURL: String?
        public var tls: CallbackServer.TLSFiles?
        public var listDead = false
        public var retryDead = false
        public init() {}
    }

    public let settings: Settings
    public let options: Runtime.Options
    public let lockPath: String?

    public init(settings: Settings, options: Runtime.Options, lockPath: String? = nil) {
        self.settings = settings
        self.options = options
        self.lockPath = lockPath
    }

    public func run() -> Int32 {
        var runner = BatchRunner(options: options, lockPath: lockPath)
        let settings = self.settings
        runner.setUp = { runtime, say in try Self.setUp(runtime, settings, say) }
        return runner.run(ScriptSource.listen(handlers: settings.handlers), arguments: settings.arguments, programName: "storescript")
    }

    /// Opens the store's inbox, answers `--dead`, starts the server, and hands listen.lua its
    /// host (`require "storescript.listen.host"`).
    static func setUp(_ runtime: Runtime, _ settings: Settings, _ say: Diagnostics) throws {
        let inbox = try EventInbox(directory: runtime.stateDirectory)
        if settings.listDead {
            for event in try inbox.dead() {
                let body = (try? JSON.parse(Array(event.body.utf8))) ?? .null
                let id = body["data"]?["id"]?.textValue ?? "?"
                switch runtime.options.logFormat {
                case .json:
                    Console.out(JSON.object(JSONObject([("seq", .int(event.seq)), ("scope", .string(event.scope)), ("id", .string(id)),
                                                        ("attempts", .int(Int64(event.attempts))), ("error", .string(event.error)),
                                                        ("at", .string(Diagnostics.timestamp(ms: event.at)))])).text + "\n")
                case .text:
                    Console.out("\(event.seq)\t\(event.scope)\t\(id)\t\(event.attempts) attempts\t\(event.error.split(separator: "\n").first ?? "")\n")
                }
            }
            throw BatchRunner.Ended(status: ExitStatus.success)
        }
        if settings.retryDead {
            let n = try inbox.retryDead()
            say.info("listen: \(n) dead \(n == 1 ? "event" : "events") queued again")
        }
        let resumed = try inbox.recover()
        if resumed > 0 { say.info("listen: \(resumed) \(resumed == 1 ? "event" : "events") a stopped listener was running, queued again") }
        let secret = try inbox.secret()
        Secrets.register(secret)
        let server = settings.printHooks ? nil : try CallbackServer.startBlocking(inbox: inbox, secret: secret, settings: settings)
        let local = server.map { "\(settings.tls == nil ? "http" : "https")://\(settings.bind == "0.0.0.0" ? "127.0.0.1" : settings.bind):\($0.port)/" }
        // Under --sandbox the store is this process's: its hooks call the listener directly,
        // and `--sandbox` runs in other shells reach it.
        let destination = runtime.sandboxAddress != nil ? local : settings.publicURL
        if let server = runtime.sandbox, !settings.printHooks { SandboxAddress(server).publish() }
        let host = ListenHost(inbox: inbox, scheduler: runtime.scheduler, maxAttempts: settings.maxAttempts, server: server)
        let lua = runtime.lua
        try lua.getGlobal("package")
        try lua.rawGet(-1, field: "loaded")
        try lua.newTable()
        try host.push(lua)
        try lua.rawSet(-2, field: "functions")
        var fields: [(String, LuaValue)] = [
            ("concurrency", .integer(Int64(settings.concurrency))),
            ("ensure_hooks", .boolean(settings.ensureHooks || runtime.sandboxAddress != nil)), ("print_hooks", .boolean(settings.printHooks)),
            ("secret_header", .string(CallbackServer.secretHeader)), ("secret", .string(secret)),
            ("scopes", .table(LuaTable(array: Sandbox.webhookScopes.map { .string($0) }))),
        ]
        if let destination { fields.append(("destination", .string(destination))) }
        if let local { fields.append(("url", .string(local))) }
        if let sandbox = runtime.sandboxAddress { fields.append(("sandbox", .string(sandbox.baseURL))) }
        for (name, value) in fields {
            try lua.push(value)
            try lua.rawSet(-2, field: name)
        }
        try lua.rawSet(-2, field: "storescript.listen.host")
        lua.pop(2)
    }
}

extension CallbackServer {
    /// Starts the server from the Lua thread: blocks until it listens.
    static func startBlocking(inbox: EventInbox, secret: String, settings: Listener.Settings) throws -> CallbackServer {
        try Blocking.wait {
            try await CallbackServer.start(inbox: inbox, secret: secret, host: settings.bind, port: settings.port, tls: settings.tls)
        }
    }
}

/// The functions listen.lua's loop calls, on the Lua thread. `wait` suspends the loop's task
/// until something changes: an event arrives (the server's thread), a handler ends, or a
/// retry comes due.
final class ListenHost {
    let inbox: EventInbox
    unowned let scheduler: Scheduler
    let maxAttempts: Int
    /// The callback server, kept as long as the loop's functions are (the process): a listener
    /// ends by exiting.
    let server: CallbackServer?
    /// The loop's wake-up while it waits, and whether something happened since it last looked.
    final class Signal: Sendable {
        let state = Mutex<(waiter: Scheduler.Wakeup?, changed: Bool)>((nil, false))
    }
    private let signal = Signal()

    init(inbox: EventInbox, scheduler: Scheduler, maxAttempts: Int, server: CallbackServer?) {
        self.server = server
        self.inbox = inbox
        self.scheduler = scheduler
        self.maxAttempts = maxAttempts
        let signal = self.signal
        inbox.arrived.withLock { $0 = { Self.notify(signal) } }
    }

    private static func notify(_ signal: Signal) {
        // `changed` stays set even when a waiter is woken: a wake-up that finds the loop busy
        // (resumed by its timer) is not lost, it costs one more look.
        let waiter = signal.state.withLock { s -> Scheduler.Wakeup? in
            s.changed = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.succeed()
    }

    /// Pushes the table of functions. [-0, +1]
    func push(_ lua: LuaState) throws {
        try lua.newTable()
        try lua.setFunctions(-1, prefix: "listen", [
            ("ready", { [self] _ in
                server?.ready.state.withLock { $0 = true }
                return 0
            }),
            ("claim", { [self] call in
                let limit = Int(try call.integer(1, "limit"))
                let events = try inbox.claim(limit)
                try call.push(.table(LuaTable(array: events.map { e in
                    var fields: [LuaValue: LuaValue] = [.string("seq"): .integer(e.seq), .string("scope"): .string(e.scope),
                                                        .string("body"): .string(e.body), .string("attempt"): .integer(Int64(e.attempt))]
                    if let error = e.error { fields[.string("last_error")] = .string(error) }
                    return .table(LuaTable(fields: fields))
                })))
                return 1
            }),
            ("wait", { [self] call in
                // With every slot taken, what is due waits for a handler to end, not for its time.
                let due = lua_toboolean(call.L, 1) == 0 ? nil : try inbox.nextDue()
                return try scheduler.suspend(call) { [signal, scheduler] wakeup in
                    let now = signal.state.withLock { s -> Bool in
                        if s.changed { s.changed = false; return true }
                        s.waiter = wakeup
                        return false
                    }
                    if now { wakeup.succeed(); return }
                    // A retry coming due wakes it too; so does a second, whatever happens.
                    let seconds = due.map { Double(max(0, $0 - EventInbox.nowMs())) / 1000 } ?? 1
                    scheduler.after(min(seconds, 1), wakeup)
                }
            }),
            ("done", { [self] call in
                try inbox.done(try call.integer(1, "seq"))
                Self.notify(signal)
                return 0
            }),
            ("failed", { [self] call in
                let dead = try inbox.failed(try call.integer(1, "seq"), error: Secrets.redact(try call.string(2, "message")), maxAttempts: maxAttempts)
                Self.notify(signal)
                call.push(dead)
                return 1
            }),
        ])
    }
}
