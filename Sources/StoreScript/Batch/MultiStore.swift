#if canImport(Glibc)
import Glibc
#endif
import CLuaShim
import JSON

/// `run --profiles a,b` (or a glob, `shop-*`) and `call --profiles`: the run once per store,
/// at most `jobs` at once, each in a process of its own — its own rate limiter, connections,
/// state and failure — with every line it prints relayed whole (`FleetOutput`). Exit 0 when
/// every store's run did, else 1 after a summary naming each store that failed and why.
///
/// The parent supervises: it holds `--lock` until the last store has stopped (each store
/// inherits it too), passes SIGINT and SIGTERM on to every store started (blocked while one
/// starts, so none is missed) and starts no more, and a store whose parent dies stops as
/// SIGTERM stops it (`StoreProcess.adoptSupervisor`).
public enum MultiStore {
    /// The default bound on stores at once: four a core, at most 32.
    public static var defaultJobs: Int { min(max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) * 4, 32) }

    /// In a store's process, first thing: what the parent handed over (`StoreProcess`).
    public static func adoptSupervisor() { StoreProcess.adoptSupervisor() }

    /// The profiles of config.toml that the comma list names (exactly, or by `*`/`?` glob), in order.
    public static func profiles(_ list: String, configPath: String = ConfigFile.defaultPath) throws -> [String] {
        let known = (try ConfigFile.load(configPath))?.profiles.keys.sorted() ?? []
        var out: [String] = []
        for pattern in list.split(separator: ",").map({ String($0.filter { !$0.isWhitespace }) }) where !pattern.isEmpty {
            let matched = pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" })
                ? known.filter { fnmatch(pattern, $0, 0) == 0 }
                : (known.contains(pattern) ? [pattern] : [])
            guard !matched.isEmpty else {
                throw ConfigError("--profiles: no profile \(pattern) in \(configPath) (it has \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            for name in matched where !out.contains(name) { out.append(name) }
        }
        return out
    }

    public struct Plan {
        public var profiles: [String]
        public var executable: String
        public var lock: String?
        public var jobs: Int
        public var output: FleetOutput
        /// What every store reads on its standard input (the script `-`, `call --data -`),
        /// read once by the parent; nil: /dev/null.
        public var input: [UInt8]?
        /// Each store's command line (without the executable).
        public var arguments: (String) -> [String]

        public init(profiles: [String], executable: String, lock: String?, jobs: Int?, output: FleetOutput,
                    input: [UInt8]?, arguments: @escaping (String) -> [String]) {
            (self.profiles, self.executable, self.lock, self.output, self.input, self.arguments) =
                (profiles, executable, lock, output, input, arguments)
            self.jobs = jobs ?? MultiStore.defaultJobs
        }
    }

    /// Runs the plan; returns the exit status.
    public static func run(_ plan: Plan, say: Diagnostics) -> Int32 {
        var lock: Int32?
        if let path = plan.lock {
            switch Lock.take(path, say) {
            case .success(let fd): lock = StoreProcess.aside(fd)
            case .failure(let refused): return refused.status
            }
        }
        defer { if let lock { close(lock) } }
        // Its only writer is this process: when it dies, every store reads end-of-file.
        var watch: [Int32] = [0, 0]
        guard StoreProcess.pipe(&watch) else {
            say.error("pipe: \(String(cString: strerror(errno)))")
            return ExitStatus.scriptError
        }
        watch[0] = StoreProcess.aside(watch[0])
        defer { close(watch[0]); close(watch[1]) }
        let signals = shim_relay_start()
        let relay = FleetRelay(output: plan.output, width: plan.profiles.map(\.count).max() ?? 0,
                               storeHashes: storeHashes(plan))
        var waiting = plan.profiles[...]
        var running: [StoreProcess] = [], done: [StoreProcess] = [], unstarted: [(String, String)] = []
        var scratch = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            while running.count < plan.jobs, let name = waiting.first, shim_relay_received() == 0 {
                waiting = waiting.dropFirst()
                shim_relay_block(1)
                do {
                    let store = try StoreProcess(profile: name, argv: [plan.executable] + plan.arguments(name),
                                                 input: plan.input, watch: watch[0], lock: lock)
                    shim_relay_add(store.pid)
                    running.append(store)
                } catch {
                    unstarted.append((name, "\(error)"))
                }
                shim_relay_block(0)
            }
            if running.isEmpty { break }
            var fds = running.flatMap { s in s.streams.filter(\.open).map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) } }
            if signals >= 0 { fds.append(pollfd(fd: signals, events: Int16(POLLIN), revents: 0)) }
            // A store that closed its output but runs on is looked at again soon.
            let timeout: Int32 = running.contains { $0.closed } ? 50 : -1
            guard poll(&fds, nfds_t(fds.count), timeout) >= 0 || errno == EINTR else { break }
            let ready = Set(fds.filter { $0.revents != 0 }.map(\.fd))
            for r in running.indices {
                let profile = running[r].profile
                var report = running[r].report
                for i in running[r].streams.indices where running[r].streams[i].open && ready.contains(running[r].streams[i].fd) {
                    running[r].drain(i, scratch: &scratch) { line, stdout in relay.relay(line, stdout: stdout, of: profile, report: &report) }
                }
                running[r].report = report
                if running[r].closed { running[r].reap(block: false) }
            }
            done += running.filter { $0.status != nil }
            running.removeAll { $0.status != nil }
        }
        for name in waiting { unstarted.append((name, "not started")) }
        let stopped = shim_relay_received()
        if stopped != 0 {
            let names = done.map(\.profile).joined(separator: ", ")
            say.error("\(stopped == SIGINT ? "interrupted" : "terminated"); stopped \(names.isEmpty ? "no store" : names)")
            return 128 + stopped
        }
        return summarize(plan, done, unstarted, say)
    }

    /// The store hash of each profile, for `call`'s answers.
    private static func storeHashes(_ plan: Plan) -> [String: String] {
        guard case .call = plan.output else { return [:] }
        var out: [String: String] = [:]
        for p in plan.profiles { out[p] = (try? StoreSettings.resolve(profile: p))?.storeHash?.value }
        return out
    }

    /// The last word: in text, a line for each failing store with its reason; in JSON, one
    /// object (`stores`, `succeeded`, `failed`). Returns the exit status.
    private static func summarize(_ plan: Plan, _ done: [StoreProcess], _ unstarted: [(String, String)], _ say: Diagnostics) -> Int32 {
        var succeeded: [String] = [], failed: [(profile: String, exit: Int32?, error: String)] = []
        for store in done.sorted(by: { plan.profiles.firstIndex(of: $0.profile)! < plan.profiles.firstIndex(of: $1.profile)! }) {
            if store.status == 0 {
                succeeded.append(store.profile)
            } else {
                failed.append((store.profile, store.status, store.report.reason))
            }
        }
        failed += unstarted.map { ($0.0, nil, $0.1) }
        let total = plan.profiles.count
        let headline = failed.isEmpty ? "\(total) of \(total) stores succeeded" : "\(failed.count) of \(total) stores failed"
        switch plan.output.logs {
        case .text:
            if !failed.isEmpty {
                var text = "storescript: \(headline):\n"
                for f in failed {
                    let status = f.exit.map { "exit \($0)" } ?? "not run"
                    text += "  \(f.profile) (\(status))\(f.error.isEmpty ? "" : ": " + f.error)\n"
                }
                Console.err(text)
            }
        case .json:
            var line = JSONObject([("time", .string(Diagnostics.timestamp())), ("level", failed.isEmpty ? "info" : "error")])
            if let script = say.script { line["script"] = .string(script) }
            line["msg"] = .string(headline)
            line["stores"] = .int(Int64(total))
            line["succeeded"] = .array(succeeded.map { .object(JSONObject([("profile", .string($0)), ("exit", 0)])) })
            line["failed"] = .array(failed.map { f in
                .object(JSONObject([("profile", .string(f.profile)), ("exit", f.exit.map { .int(Int64($0)) } ?? .null),
                                    ("error", f.error.isEmpty ? .null : .string(f.error))]))
            })
            Console.write(fd: 2, bytes: JSON.object(line).serialized() + [10])
        }
        return failed.isEmpty ? ExitStatus.success : ExitStatus.scriptError
    }
}
