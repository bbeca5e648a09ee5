#if canImport(Glibc)
import Glibc
#endif
import CLua
import CLuaShim
import LuaKit
import StoreClient
import StoreSandbox
import Synchronization

/// The storescript environment: one Lua state with the standard libraries, the bootstrap
/// (coroutines, text-only loading, `async`, `log`, `help`), the module path, the limits and the
/// scheduler that runs every chunk as a task. Bindings load when first used, not here.
public final class Runtime {
    public struct Options {
        public var memoryLimitMB: Int?
        public var timeoutSeconds: Double?
        public var logFormat: LogFormat = .text
        public var logLevel: LogLevel = .info
        public var quiet = false
        /// Directories searched first by `require` (the script's own directory).
        public var modulePaths: [String] = []
        /// Run against the embedded sandbox, started in this process.
        public var sandbox = false
        /// Log every API request on stderr.
        public var verbose = false
        /// `--profile NAME` of config.toml (nil: STORESCRIPT_PROFILE, else the default).
        public var profile: String?
        /// Where `state.open` keeps its stores (default: the store's own directory).
        public var stateDirectory: String?
        /// What `log` JSON lines name as `script` (`arg[0]`; the REPL: `repl`).
        public var scriptName = "repl"
        /// The resolved store settings; nil: resolved from `profile` when the runtime starts.
        public var store: StoreSettings?
        /// `--plan`: run against an overlay of the store (reads from it, writes kept here) and
        /// print what would change; `--plan-out`, `--plan-format`, `--detailed-exitcode`.
        public var plan = false
        public var planOut: String?
        public var planFormat: LogFormat?
        public var detailedExitcode = false
        public init() {}

        /// An option that shapes a plan, given without `--plan`.
        public var planOptionWithoutPlan: Bool { !plan && (planOut != nil || planFormat != nil || detailedExitcode) }
    }

    public enum LogFormat: String, CaseIterable, Sendable { case text, json }
    /// The least severe `log.*` line shown.
    public enum LogLevel: String, CaseIterable, Sendable { case debug, info, warn, error }

    public let lua: LuaState
    public let scheduler: Scheduler
    public let options: Options
    /// Where the bindings connect and how patiently (the profile, or defaults under `--sandbox`).
    public let store: StoreSettings
    /// The in-process sandbox of `--sandbox` (started with the runtime, stopped with the process),
    /// unless a `listen --sandbox` serves one (then that one's address only).
    public private(set) var sandbox: SandboxServer?
    /// Where `--sandbox` runs reach their sandbox (this process's or the listener's).
    public private(set) var sandboxAddress: SandboxAddress?
    /// Under `--plan`: the overlay of the store the bindings send to (see PlanRun).
    public private(set) var overlay: SandboxServer?
    private var bindings: BindingsHost?
    /// The store this run works on (nil: none configured); `state` keeps its stores apart by it.
    public let identity: StoreIdentity?
    private lazy var stateStores: StateStores = {
        let stores = StateStores(explicit: options.stateDirectory, owner: identity, profile: store.profile, scheduler: scheduler)
        // A plan writes nothing that lasts: its state is a copy of the store's.
        return options.plan ? stores.throwawayCopy() : stores
    }()
    /// The REPL's `:plan on`: from now on the bindings send to a new overlay of the store.
    func startPlanning() throws {
        overlay = try PlanRun.startOverlay(self)
        bindings?.clients.removeAll()
    }

    /// The REPL's `:plan off` (and after `:plan apply`): the bindings reach the store again.
    func stopPlanning() {
        overlay = nil
        bindings?.clients.removeAll()
    }

    /// The store's own state directory (not a plan's throwaway copy): `apply` journals there.
    public var stateDirectory: String {
        StateStores(explicit: options.stateDirectory, owner: identity, profile: store.profile, scheduler: nil).directory
    }
    /// The message of a binding that found no store or account to use (exit 2 if uncaught).
    public internal(set) var configurationFailure: String?

    /// Throws `ConfigError` for a configuration that cannot be used (exit 2).
    public init(options: Options = Options()) throws {
        self.options = options
        // Under --sandbox the file is read only when a profile is named (for its tuning).
        store = try options.store ?? (options.sandbox && options.profile == nil ? StoreSettings() : StoreSettings.resolve(profile: options.profile))
        identity = options.sandbox ? .sandbox : StoreIdentity(store)
        Runtime.forgetCredentialVariables(store)
        lua = try LuaState()
        lua.setWarnings(on: true, json: options.logFormat == .json)
        Runtime.warnings.withLock { $0 = Diagnostics(format: options.logFormat, script: options.scriptName) }
        shim_set_warn_writer { text, length in
            guard let text, let say = Runtime.warnings.withLock({ $0 }) else { return }
            say.warning(String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self))
        }
        scheduler = Scheduler(lua: lua)
        try bootstrap()
        if options.sandbox {
            if let shared = SandboxAddress.published() {
                sandboxAddress = shared
            } else {
                // A store on this machine only: its hooks may call loopback (a listener beside it).
                var configuration = SandboxConfiguration()
                configuration.loopbackWebhooks = true
                let server = try SandboxLauncher.start(configuration)
                sandbox = server
                sandboxAddress = SandboxAddress(server)
            }
            Secrets.register(sandboxAddress!.token)
            try exposeSandbox(sandboxAddress!)
        }
        if options.plan { overlay = try PlanRun.startOverlay(self) }
        if let mb = options.memoryLimitMB { lua.memoryLimit = mb * 1024 * 1024 }
    }

    /// How Lua's warnings are written (the C warning function reaches it without a context).
    static let warnings = Mutex<Diagnostics?>(nil)

    /// Credentials leave the environment once read (kept as secrets, for redaction): no command
    /// a script starts — `os.execute`, `io.popen`, a deploy hook — inherits one.
    static func forgetCredentialVariables(_ store: StoreSettings) {
        for name in Set(["BIGCOMMERCE_ACCESS_TOKEN", "BIGCOMMERCE_AUTH_TOKEN", "DIGICERT_API_KEY"] + store.secretVariables) {
            if let value = Environment[name] { Secrets.register(value) }
            unsetenv(name)
        }
    }

    private func bootstrap() throws {
        // json (C, in CLuaShim) first: the bootstrap's modules may use it.
        shim_pushcfunction(lua.L, shim_open_json)
        try lua.call(nargs: 0, nresults: 1)
        try lua.setGlobal("json")
        try CertsModule.push(lua)
        try lua.setGlobal("certs")
        try EmbeddedLua.bootstrap.load(into: lua)
        try AsyncHost.push(lua, scheduler: scheduler)
        try lua.newTable()
        try lua.push(modulePath())
        try lua.rawSet(-2, field: "path")
        try lua.push(options.logFormat.rawValue)
        try lua.rawSet(-2, field: "log_format")
        try lua.push(options.scriptName)
        try lua.rawSet(-2, field: "script")
        try lua.push(options.quiet ? "warn" : options.logLevel.rawValue)
        try lua.rawSet(-2, field: "log_level")
        lua.push(Int64(store.concurrency.value))
        try lua.rawSet(-2, field: "concurrency")
        try lua.setFunctions(-1, prefix: "", [("redact", { call in
            // The one redaction of written lines (Secrets), for log.* and call's errors.
            try call.push(bytes: Secrets.redact(try call.bytes(1, "text")))
            return 1
        }), ("chunk", { [lua] call in
            // A lazy module's chunk, compiled when a script first uses its global.
            let name = try call.string(1, "name")
            guard let chunk = EmbeddedLua(rawValue: name) else { throw LuaError(.argument, "no embedded chunk \(name)") }
            try chunk.load(into: lua, on: call.L)
            return 1
        })])
        try lua.call(nargs: 2, nresults: 1)
        // The modules a script may not use are compiled when it first does (start-up pays only
        // for what runs): their globals exist from the start, each with its host half.
        let lazy = try lua.ref()
        defer { lua.unref(lazy) }
        let host = BindingsHost(runtime: self)
        bindings = host
        try defineLazy(lazy, ["bc", "digicert"], .bindings, provides: ["storescript.namespaces"]) { try host.push() }
        // state: the Swift half keeps the files, the Lua half the values.
        try defineLazy(lazy, ["state"], .state) { try stateStores.push(lua) }
        // csv, time and progress: Lua, over two host functions.
        try defineLazy(lazy, ["csv"], .csv) {}
        try defineLazy(lazy, ["time"], .time) { try ClockHost.push(lua, quiet: options.quiet) }
        try defineLazy(lazy, ["progress"], .progress) { try ClockHost.push(lua, quiet: options.quiet) }
    }

    /// `lazy(globals, chunk, provides, host)` of bootstrap.lua; `pushHost` pushes the chunk's
    /// one argument, or nothing.
    private func defineLazy(_ lazy: Int32, _ globals: [String], _ chunk: EmbeddedLua, provides: [String] = [],
                            host pushHost: () throws -> Void) throws {
        let top = lua.top
        lua.pushRef(lazy)
        try lua.push(.table(LuaTable(array: globals.map { .string(LuaString($0)) })))
        try lua.push(chunk.rawValue)
        try lua.push(.table(LuaTable(array: provides.map { .string(LuaString($0)) })))
        try pushHost()
        try lua.call(nargs: lua.top - top - 1, nresults: 0)
    }

    /// The global `sandbox`: where the sandbox answers (the bindings use it).
    private func exposeSandbox(_ address: SandboxAddress) throws {
        try lua.newTable()
        try lua.push(address.baseURL)
        try lua.rawSet(-2, field: "url")
        try lua.push(address.rootURL)
        try lua.rawSet(-2, field: "root")
        try lua.push(address.token)
        try lua.rawSet(-2, field: "token")
        try lua.setGlobal("sandbox")
    }

    /// `?.lua` patterns for the script's directory and the stdlib, in search order.
    private func modulePath() -> String {
        var dirs = options.modulePaths
        dirs += Stdlib.directories()
        return dirs.flatMap { ["\($0)/?.lua", "\($0)/?/init.lua"] }.joined(separator: ";")
    }

    /// Pushes what `require(module)` returns (a stdlib module). [-0, +1]
    func require(_ module: String) throws {
        try lua.getGlobal("require")
        try lua.push(module)
        try lua.call(nargs: 1, nresults: 1)
    }

    /// The fields of an API error table an uncaught error carries (status, method, path,
    /// request_id), as JSON values, for the runner's JSON line.
    public func apiFields(of error: LuaError) -> [(String, String)] {
        guard case .reference? = error.value, (try? lua.push(error.value!)) != nil else { return [] }
        defer { lua.pop() }
        guard lua_type(lua.L, -1) == LUA_TTABLE else { return [] }
        var out: [(String, String)] = []
        for name in ["status", "method", "path", "request_id"] {
            guard (try? lua.rawGet(-1, field: name)) != nil else { continue }
            if lua_isinteger(lua.L, -1) != 0 {
                out.append((name, String(lua_tointegerx(lua.L, -1, nil))))
            } else if lua_type(lua.L, -1) == LUA_TSTRING, let text = lua.string(at: -1) {
                out.append((name, Diagnostics.quote(text)))
            }
            lua.pop()
        }
        return out
    }

    /// Starts the deadline of `--timeout` from now, for the hook and the watchdog.
    public func startClock() {
        guard let t = options.timeoutSeconds else { return }
        lua.deadline = LuaState.monotonicNow() + t
        Watchdog.arm(deadline: lua.deadline)
    }

    /// Ends the deadline (the REPL between chunks).
    public func stopClock() {
        lua.deadline = nil
        Watchdog.arm(deadline: nil)
    }

    /// Closes the Lua state while everything its functions use is alive: finalizers run (an
    /// error in one is a warning), and one that calls a binding or `async.*` gets an error.
    public func close() {
        scheduler.reset()
        lua.close()
        stateStores.close()
    }

    /// The lines the watchdog writes when it ends the process itself.
    public func watchdogMessages(for say: Diagnostics) -> Watchdog.Messages {
        Watchdog.Messages(interrupt: say.line(error: "interrupted"),
                          timeout: say.line(error: "time limit exceeded (--timeout \(StoreClient.seconds(options.timeoutSeconds ?? 0))s)"),
                          terminate: say.line(error: "terminated"))
    }

    /// Tests only: `STORESCRIPT_TEST_FAIL_ALLOC=N` makes the Nth allocation of the run fail,
    /// as a real out-of-memory would (the torture suite sweeps N).
    static var testAllocationFailure: Int? {
        getenv("STORESCRIPT_TEST_FAIL_ALLOC").flatMap { Int(String(cString: $0)) }.flatMap { $0 > 0 ? $0 : nil }
    }


    /// Runs the function under `nargs` arguments on the stack as the main task, with every
    /// task it spawns, to the end. Returns the main task (its error, if it failed) and the
    /// failures of spawned tasks nobody waited for. Throws on interrupt or time limit.
    public func runMain(nargs: Int32) throws -> (main: Scheduler.Task, unobserved: [LuaError]) {
        let main = try scheduler.spawn(nargs: nargs)
        do {
            try scheduler.run()
        } catch {
            scheduler.reset()
            throw error
        }
        main.observed = true
        return (main, scheduler.collectUnobservedFailures())
    }
}
