#if canImport(Glibc)
import Glibc
#endif
import CLua
import LuaKit

/// `storescript run`: one script to the end, fit for cron. Returns the process exit status
/// (see `ExitStatus`); `os.exit(n)` in the script ends the process itself.
public struct BatchRunner {
    public var options: Runtime.Options
    public var lockPath: String?

    public init(options: Runtime.Options, lockPath: String? = nil) {
        self.options = options
        self.lockPath = lockPath
    }

    public func run(_ source: ScriptSource, arguments: [String], programName: String) -> Int32 {
        let say = Diagnostics(format: options.logFormat)
        var lockFD: Int32 = -1
        if let lockPath {
            switch Lock.acquire(lockPath) {
            case .acquired(let fd): lockFD = fd
            case .held:
                say.error("another run holds the lock \(lockPath); nothing was done")
                return ExitStatus.lockHeld
            case .failed(let why):
                say.error("cannot use lock file \(lockPath): \(why)")
                return ExitStatus.usage
            }
        }
        defer { if lockFD >= 0 { close(lockFD) } }

        var options = self.options
        if let dir = source.directory { options.modulePaths.insert(dir, at: 0) }
        let runtime: Runtime
        do { runtime = try Runtime(options: options) } catch let error as ConfigError {
            say.error(error.description)
            return ExitStatus.usage
        } catch {
            say.error("cannot start the Lua runtime: \(error)")
            return ExitStatus.scriptError
        }
        let lua = runtime.lua
        do {
            try setArg(lua, source: source, arguments: arguments, programName: programName)
            try lua.load(source.bytes, chunkName: source.chunkName)
            for a in arguments { try lua.push(a) }
        } catch let error as LuaError {
            return report(error, say: say)
        } catch {
            say.error("\(error)")
            return ExitStatus.scriptError
        }
        lua.watchInterruptSignal()
        runtime.startClock()
        do {
            let (main, unobserved) = try runtime.runMain(nargs: Int32(arguments.count))
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

    private func report(_ error: LuaError, say: Diagnostics, _ runtime: Runtime? = nil) -> Int32 {
        if let failure = runtime?.configurationFailure, error.message.hasSuffix(failure) {
            say.error(error.message)
            return ExitStatus.usage
        }
        switch error.kind {
        case .timeout:
            say.error("\(error.message) (--timeout \(format(options.timeoutSeconds ?? 0))s)")
            return ExitStatus.limit
        case .memory:
            say.error("memory limit exceeded (--max-memory \(options.memoryLimitMB ?? 0) MB)")
            return ExitStatus.limit
        case .interrupted:
            say.error("interrupted")
            return ExitStatus.interrupted
        default:
            say.error(error.message, traceback: error.traceback)
            return ExitStatus.scriptError
        }
    }

    private func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
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
}
