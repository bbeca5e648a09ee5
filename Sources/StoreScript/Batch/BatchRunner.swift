#if canImport(Glibc)
import Glibc
#endif
import CLua
import LuaKit
import StoreClient

/// `storescript run`: one script to the end, fit for cron. Returns the process exit status
/// (see `ExitStatus`); `os.exit(n)` in the script ends the process itself.
///
/// The stages: take the lock, start the runtime and its watchdog (the limits hold from here,
/// while the script is read too), load the script and its arguments, run it with its tasks,
/// close the state (finalizers), report.
public struct BatchRunner {
    public var options: Runtime.Options
    public var lockPath: String?

    /// Runs once the runtime is up, before the script loads (`listen` hands its loop a host
    /// here). May end the run: `Ended`.
    var setUp: ((Runtime, Diagnostics) throws -> Void)?

    public init(options: Runtime.Options, lockPath: String? = nil) {
        self.options = options
        self.lockPath = lockPath
    }

    /// A stage that ended the run; its message is out already.
    struct Ended: Error { let status: Int32 }

    public func run(_ source: ScriptSource, arguments: [String], programName: String) -> Int32 {
        let say = Diagnostics(format: options.logFormat, script: source.argZero)
        do {
            let lock = try acquireLock(say)
            defer { if let lock { close(lock) } }
            let runtime = try start(source, say)
            if let setUp {
                do { try setUp(runtime, say) } catch let ended as Ended { throw ended } catch let error as ConfigError {
                    say.error(error.description)
                    throw Ended(status: ExitStatus.usage)
                }
            }
            try prepare(runtime, source, arguments: arguments, programName: programName, say)
            if let overlay = runtime.overlay {
                // A script that ends with os.exit still shows its plan.
                runtime.lua.beforeExit = { [unowned runtime] status in PlanRun.finish(runtime, overlay: overlay, status: status, say: say) }
            }
            var status = execute(runtime, nargs: Int32(arguments.count), say)
            runtime.lua.beforeExit = nil
            if let overlay = runtime.overlay, runtime.lua.stopRequested == .none {
                status = PlanRun.finish(runtime, overlay: overlay, status: status, say: say)
            }
            // A run a signal or the deadline stopped ends now; any other closes in order.
            if runtime.lua.stopRequested == .none { runtime.close() }
            return status
        } catch let ended as Ended {
            return ended.status
        } catch {
            say.error("\(error)")
            return ExitStatus.scriptError
        }
    }

    // MARK: Stages

    private func acquireLock(_ say: Diagnostics) throws -> Int32? {
        guard let lockPath else { return nil }
        switch Lock.take(lockPath, say) {
        case .success(let fd): return fd
        case .failure(let refused): throw Ended(status: refused.status)
        }
    }

    private func start(_ source: ScriptSource, _ say: Diagnostics) throws -> Runtime {
        var options = self.options
        options.scriptName = source.argZero
        if let dir = source.directory { options.modulePaths.insert(dir, at: 0) }
        let runtime: Runtime
        do { runtime = try Runtime(options: options) } catch let error as ConfigError {
            say.error(error.description)
            throw Ended(status: ExitStatus.usage)
        } catch {
            say.error("cannot start the Lua runtime: \(error)")
            throw Ended(status: ExitStatus.scriptError)
        }
        Watchdog.start(runtime.lua, mode: .run, messages: runtime.watchdogMessages(for: say))
        runtime.startClock()
        if let n = Runtime.testAllocationFailure { runtime.lua.failAllocation(after: n) }
        return runtime
    }

    /// Leaves the main chunk and its arguments on the stack.
    private func prepare(_ runtime: Runtime, _ source: ScriptSource, arguments: [String], programName: String,
                         _ say: Diagnostics) throws {
        let lua = runtime.lua
        do {
            try setArg(lua, source: source, arguments: arguments, programName: programName)
            try source.load(into: lua)
            try lua.reserve(Int32(clamping: arguments.count))
            for a in arguments { try lua.push(a) }
        } catch let error as LuaError {
            throw Ended(status: report(error, say: say))
        }
    }

    private func execute(_ runtime: Runtime, nargs: Int32, _ say: Diagnostics) -> Int32 {
        do {
            let (main, unobserved) = try runtime.runMain(nargs: nargs)
            for e in unobserved {
                say.error("an async task failed and nobody waited for it: \(e.message)", traceback: e.traceback)
            }
            if let e = main.error { return report(e, say: say, runtime) }
            return unobserved.isEmpty ? ExitStatus.success : ExitStatus.scriptError
        } catch let error as LuaError {
            return report(error, say: say)
        } catch {
            say.error("\(error)")
            return ExitStatus.scriptError
        }
    }

    /// `arg` as `lua` makes it: arg[0] the script, arg[1...] its arguments, arg[-1] the program.
    private func setArg(_ lua: LuaState, source: ScriptSource, arguments: [String], programName: String) throws {
        try lua.newTable(arrayCapacity: arguments.count, fieldCapacity: 2)
        try lua.push(programName)
        try lua.rawSet(-2, -1)
        try lua.push(source.argZero)
        try lua.rawSet(-2, 0)
        for (i, a) in arguments.enumerated() {
            try lua.push(a)
            try lua.rawSet(-2, Int64(i + 1))
        }
        try lua.setGlobal("arg")
    }

    // MARK: Reporting

    private func report(_ error: LuaError, say: Diagnostics, _ runtime: Runtime? = nil) -> Int32 {
        if let failure = runtime?.configurationFailure, error.message.hasSuffix(failure) {
            say.error(error.message)
            return ExitStatus.usage
        }
        switch error.kind {
        case .timeout:
            return stop(say, "\(error.message) (--timeout \(StoreClient.seconds(options.timeoutSeconds ?? 0))s)", ExitStatus.limit)
        case .memory:
            let what = options.memoryLimitMB.map { "memory limit exceeded (--max-memory \($0) MB)" } ?? "not enough memory"
            return stop(say, what, ExitStatus.limit)
        case .interrupted:
            return stop(say, "interrupted", ExitStatus.interrupted)
        case .terminated:
            return stop(say, "terminated", ExitStatus.terminated)
        case .file:
            say.error(error.message)
            return ExitStatus.usage
        default:
            say.error(error, fields: runtime?.apiFields(of: error) ?? [])
            return ExitStatus.scriptError
        }
    }

    /// A run a limit or a signal stopped: the message, unless the watchdog is already ending
    /// the process with its own (then this thread waits for it).
    private func stop(_ say: Diagnostics, _ message: String, _ status: Int32) -> Int32 {
        guard Watchdog.claimExit() else { while true { pause() } }
        say.error(message)
        return status
    }
}

/// `--lock PATH`: an exclusive flock held for the life of the run.
enum Lock {
    enum Outcome { case acquired(Int32), held, failed(String) }

    static func acquire(_ path: String) -> Outcome {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(fd)
            return e == EWOULDBLOCK ? .held : .failed(String(cString: strerror(e)))
        }
        return .acquired(fd)
    }

    struct Refused: Error { let status: Int32 }

    /// The lock, or the exit status after saying why not (held: 3, nothing done; unusable: 2).
    static func take(_ path: String, _ say: Diagnostics) -> Result<Int32, Refused> {
        switch acquire(path) {
        case .acquired(let fd): return .success(fd)
        case .held:
            say.error("another run holds the lock \(path); nothing was done")
            return .failure(Refused(status: ExitStatus.lockHeld))
        case .failed(let why):
            say.error("cannot use lock file \(path): \(why)")
            return .failure(Refused(status: ExitStatus.usage))
        }
    }
}
