#if canImport(Glibc)
import Glibc
#endif
import CLineEdit
import CLua
import LuaKit

/// `storescript repl`: read a chunk, run it as a task, print what it returns, again.
/// - `return ` is tried first so expressions print; an incomplete chunk (Lua's `<eof>` rule)
///   continues on the next line.
/// - Ctrl-C stops the running chunk, not the REPL; at the prompt it abandons the line.
///   Ctrl-D leaves.
/// - History persists in `$XDG_STATE_HOME/storescript/history` (mode 0600).
public final class REPL {
    let options: Runtime.Options
    /// `--lock`: held while the REPL is open (a cron job under the same lock waits its turn).
    let lockPath: String?
    private var runtime: Runtime!
    private var printRef: Int32?
    private var completeRef: Int32?
    /// Colours on a terminal, unless NO_COLOR is set (no-color.org).
    private let color = Console.stdoutIsTerminal && getenv("NO_COLOR") == nil

    public init(options: Runtime.Options, lockPath: String? = nil) {
        var options = options
        options.modulePaths.insert(".", at: 0)
        self.options = options
        self.lockPath = lockPath
    }

    public func run() -> Int32 {
        let say = Diagnostics(format: options.logFormat)
        var lock: Int32?
        if let lockPath {
            switch Lock.take(lockPath, say) {
            case .success(let fd): lock = fd
            case .failure(let refused): return refused.status
            }
        }
        defer { if let lock { close(lock) } }
        var options = self.options
        var note: String?
        do {
            if !options.sandbox {
                // With no store configured the REPL is still useful: it opens on the sandbox.
                let store = try StoreSettings.resolve(profile: options.profile)
                options.store = store
                if !store.hasStore {
                    options.sandbox = true
                    let why = store.missing["access_token"] ?? "storescript config init, or BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN"
                    note = "no store configured (\(why)): using the sandbox store"
                }
            }
            runtime = try Runtime(options: options)
        } catch let error as ConfigError {
            say.error(error.description)
            return ExitStatus.usage
        } catch {
            say.error("cannot start the Lua runtime: \(error)")
            return ExitStatus.scriptError
        }
        loadHelpers(say)
        Watchdog.start(runtime.lua, mode: .repl, messages: runtime.watchdogMessages(for: say).leavingInterrupts)
        REPL.active = self
        le_setup("storescript", completionEntry)
        let history = History()
        history?.load()

        Console.out("storescript — Lua 5.4 — help() for help, Ctrl-D to leave\n")
        if let note { Console.out(note + "\n") }
        if let address = runtime.sandboxAddress {
            Console.out("sandbox store at \(address.baseURL) (sandbox.url)\(runtime.sandbox == nil ? ", the listener's" : "")\n")
        } else if let hash = runtime.store.storeHash {
            // A real store, marked so that nobody mistakes it for the sandbox: what runs here is real.
            Console.out("LIVE store \(hash.value)\(runtime.store.profile.map { " (profile \($0))" } ?? "") — changes are real\n")
        }
        var buffer = ""
        while true {
            var interrupted: Int32 = 0
            let prompt = buffer.isEmpty ? "> " : ">> "
            guard let raw = le_readline(prompt, &interrupted) else {
                if interrupted != 0 { buffer = ""; continue }
                Console.out("\n")
                break
            }
            let line = String(cString: raw)
            free(raw)
            if interrupted != 0 { buffer = ""; continue }
            if buffer.isEmpty, line.hasPrefix(":plan") {
                planCommand(line, say)
                history?.add(line)
                continue
            }
            buffer = buffer.isEmpty ? line : buffer + "\n" + line
            if buffer.allSatisfy(\.isWhitespace) { buffer = ""; continue }
            switch compile(buffer) {
            case .incomplete:
                continue
            case .failed(let error):
                printError(error)
            case .compiled:
                execute()
            }
            history?.add(buffer)
            buffer = ""
        }
        REPL.active = nil
        runtime.close()
        return ExitStatus.success
    }

    // MARK: Plans

    /// `:plan on` (writes go to an overlay of the store from now on), `:plan` (the plan so
    /// far), `:plan apply` (after a yes, sends it to the store, then plans no more), `:plan off`.
    private func planCommand(_ line: String, _ say: Diagnostics) {
        let word = line.dropFirst(5).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
        switch word {
        case "on":
            guard runtime.overlay == nil else { Console.out("already planning: :plan shows the plan, :plan apply sends it, :plan off drops it\n"); return }
            do {
                try runtime.startPlanning()
                Console.out("planning: reads come from the store, writes stay here (:plan shows them, :plan apply sends them)\n")
            } catch {
                say.error("\(error)")
            }
        case "off":
            runtime.stopPlanning()
            Console.out("not planning: what you run reaches the store again\n")
        case "":
            guard let overlay = runtime.overlay else { Console.out("not planning (:plan on starts)\n"); return }
            Console.out(PlanText.render(PlanRun.document(runtime, overlay: overlay, complete: true)))
        case "apply":
            guard let overlay = runtime.overlay else { Console.out("not planning (:plan on starts)\n"); return }
            let document = PlanRun.document(runtime, overlay: overlay, complete: true)
            let writes = document["writes"]?.arrayValue?.count ?? 0
            guard writes > 0 else { Console.out("the plan has no writes\n"); return }
            Console.out(PlanText.render(document))
            var interrupted: Int32 = 0
            guard let answer = le_readline("send these \(writes) \(writes == 1 ? "write" : "writes") to \(runtime.identity?.description ?? "the store")? [y/N] ", &interrupted) else { return }
            defer { free(answer) }
            guard interrupted == 0, String(cString: answer).lowercased().hasPrefix("y") else { Console.out("nothing sent; still planning\n"); return }
            let path = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp") + "/storescript-plan-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
            do {
                try PlanRun.write(document, to: path)
                defer { unlink(path) }
                runtime.stopPlanning()
                let sent = try PlanApply.prepare(planPath: path, runtime: runtime, force: false, say: say).run()
                Console.out("applied: \(sent) \(sent == 1 ? "write" : "writes") sent; not planning any more\n")
            } catch let failure as PlanApply.Failure {
                say.error(failure.description)
            } catch {
                say.error("\(error)")
            }
        default:
            Console.out(":plan on | :plan | :plan apply | :plan off\n")
        }
    }

    // MARK: Compiling

    enum Compiled { case compiled, incomplete, failed(LuaError) }

    /// Pushes the chunk's function on success. `return <chunk>` first, then the chunk.
    private func compile(_ source: String) -> Compiled {
        let lua = runtime.lua
        if (try? lua.load("return " + source, chunkName: "=stdin")) != nil { return .compiled }
        do {
            try lua.load(source, chunkName: "=stdin")
            return .compiled
        } catch let error as LuaError {
            if error.kind == .syntax && error.message.hasSuffix("<eof>") { return .incomplete }
            return .failed(error)
        } catch {
            return .failed(LuaError(.runtime, "\(error)"))
        }
    }

    // MARK: Running

    /// Runs the function on top as a task and prints its results. [-1, +0]
    private func execute() {
        let lua = runtime.lua
        let scheduler = runtime.scheduler
        runtime.startClock()
        defer { runtime.stopClock() }
        let task: Scheduler.Task
        do {
            task = try scheduler.spawn(nargs: 0)
            try scheduler.run()
        } catch let error as LuaError {
            scheduler.reset()
            stopped(error)
            return
        } catch {
            return
        }
        task.observed = true
        for e in scheduler.collectUnobservedFailures() { printError(e, prefix: "async task: ") }
        if let error = task.error {
            stopped(error)
            return
        }
        let top = lua.top
        let n: Int32
        do {
            n = try task.results?.unpack(onto: lua.L) ?? 0
            try lua.reserve(1)
        } catch {
            lua.top = top
            printError(error as? LuaError ?? LuaError(.runtime, "\(error)"))
            return
        }
        guard n > 0 else { return }
        lua_pushvalue(lua.L, top + 1)
        try? lua.setGlobal("_")
        if let printRef {
            lua.pushRef(printRef)
            lua_rotate(lua.L, top + 1, 1)
            do { try lua.call(nargs: n, nresults: 0) } catch let e as LuaError { printError(e) } catch {}
        } else {
            for i in 1...n { Console.out((lua.string(at: top + i) ?? lua.typeName(at: top + i)) + "\n") }
        }
        lua.top = top
    }

    /// After a chunk failed or was stopped: the REPL goes on, unless SIGTERM asked it to end.
    private func stopped(_ error: LuaError) {
        if error.kind == .terminated || runtime.lua.stopRequested == .terminated {
            Diagnostics(format: options.logFormat).error("terminated")
            exit(ExitStatus.terminated)
        }
        runtime.lua.clearStop()
        printError(error)
    }

    private func printError(_ error: LuaError, prefix: String = "") {
        let text = prefix + (error.kind == .interrupted ? "interrupted" : REPL.report(error))
        Console.err(color ? "\u{1B}[31m\(text)\u{1B}[0m\n" : text + "\n")
    }

    /// The message, with Lua's traceback only when it shows more than the line typed: a frame
    /// of a function of the user's (not C, not the runtime's own Lua, not the prompt's chunk).
    static func report(_ error: LuaError) -> String {
        let frames = (error.traceback ?? "").split(separator: "\n").dropFirst().map { $0.drop { $0 == "\t" || $0 == " " } }
        let telling = frames.contains { f in
            !(f.hasPrefix("[C]") || f.hasPrefix("[storescript.") || f.hasPrefix("(...tail calls...)")
              || (f.hasPrefix("stdin:") && f.hasSuffix("in main chunk")))
        }
        return telling ? error.report : error.message
    }

    // MARK: Helpers from the stdlib

    private func loadHelpers(_ say: Diagnostics) {
        let lua = runtime.lua
        do {
            try runtime.require("storescript.pretty")
            try lua.rawGet(-1, field: "options")
            lua.push(color)
            try lua.rawSet(-2, field: "color")
            lua.pop()
            try lua.rawGet(-1, field: "print")
            printRef = try lua.ref()
            lua.pop()
            try runtime.require("storescript.repl")
            try lua.rawGet(-1, field: "complete")
            completeRef = try lua.ref()
            lua.pop()
        } catch {
            lua.top = 0
            say.error("the stdlib was not found (set STORESCRIPT_PATH): results print plainly and completion is off")
        }
    }

    /// The REPL that libedit's completion callback reaches (one REPL, on the main thread).
    nonisolated(unsafe) static var active: REPL?

    func complete(line: String, word: String) -> [String] {
        guard let completeRef else { return [] }
        let lua = runtime.lua
        let top = lua.top
        defer { lua.top = top }
        lua.pushRef(completeRef)
        guard (try? lua.push(line)) != nil, (try? lua.push(word)) != nil,
              (try? lua.call(nargs: 2, nresults: 1)) != nil,
              case .table(let t)? = try? lua.value(at: -1) else { return [] }
        return t.array.compactMap { if case .string(let s) = $0 { return s.text } else { return nil } }
    }
}

private let completionEntry: le_completer_fn = { line, word in
    guard let repl = REPL.active, let line, let word else { return nil }
    let matches = repl.complete(line: String(cString: line), word: String(cString: word))
    guard !matches.isEmpty else { return nil }
    let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: matches.count + 1)
    for (i, m) in matches.enumerated() { array[i] = strdup(m) }
    array[matches.count] = nil
    return array
}
