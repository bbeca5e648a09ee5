import StoreScript
#if canImport(Glibc)
import Glibc
#endif

/// Running a script is what cron does every few minutes, so its start-up matters; parsing
/// the command line through ArgumentParser costs more than the whole Lua start-up (Swift's
/// reflection and conformance look-ups, which grow with the binary: BENCHMARKS.md). The plain
/// forms (`run [options] FILE|- [ARGS...]`, `[run] [options] -e CODE [ARGS...]`) are read here;
/// anything else — help, a subcommand, an unknown option, a bad value — goes to ArgumentParser,
/// which owns every message and the usage text.
enum FastPath {
    struct Invocation {
        var options = Runtime.Options()
        var lock: String?
        /// `--profiles`: many stores at once, which the full parser's command runs.
        var profiles: String?
        /// `--jobs`: how many of them at once.
        var jobs: Int?
        var code: String?
        var file: String?
        var arguments: [String] = []
    }

    static func parse(_ args: [String]) -> Invocation? {
        var i = 0
        if args.first == "run" { i = 1 }
        var inv = Invocation()
        let options = Dictionary(uniqueKeysWithValues: RunOption.all.map { ($0.name, $0) })
        func value() -> String? {
            guard i + 1 < args.count else { return nil }
            i += 1
            return args[i]
        }
        while i < args.count {
            let a = args[i]
            if let option = options[a] {
                if case .value = option.kind {
                    guard let v = value(), (try? option.apply(v, to: &inv)) != nil else { return nil }
                } else {
                    try? option.apply("", to: &inv)
                }
                i += 1
                continue
            }
            // --jobs alone, and a plan's options without --plan, are ArgumentParser's to refuse.
            guard inv.jobs == nil || inv.profiles != nil, !inv.options.planOptionWithoutPlan,
                  inv.options.planOut == nil || inv.profiles == nil else { return nil }
            switch a {
            case "-e":
                guard let v = value() else { return nil }
                inv.code = v
                inv.arguments = Array(args[(i + 1)...])
                return inv
            default:
                guard args.first == "run", a == "-" || !a.hasPrefix("-") else { return nil }
                inv.file = a
                inv.arguments = Array(args[(i + 1)...])
                return inv
            }
        }
        return nil
    }

    /// Runs the invocation and returns the exit status.
    static func run(_ inv: Invocation) -> Int32 {
        if inv.profiles != nil {
            let args = Array(CommandLine.arguments.dropFirst())
            return EachStore.run(inv, command: .run, arguments: args, from: args.first == "run" ? 1 : 0,
                                 name: inv.code == nil ? inv.file ?? "-" : "-e", readsInput: inv.code == nil && inv.file == "-")
        }
        let runner = BatchRunner(options: inv.options, lockPath: inv.lock)
        if let code = inv.code {
            return runner.run(.inline(code), arguments: inv.arguments, programName: programName)
        }
        return runFile(inv.file!, arguments: inv.arguments, runner: runner)
    }

    /// Runs a script file (a missing file or a directory is refused with exit 2).
    static func runFile(_ path: String, arguments: [String], runner: BatchRunner) -> Int32 {
        let say = Diagnostics(format: runner.options.logFormat)
        do {
            return runner.run(try ScriptSource.file(path), arguments: arguments, programName: programName)
        } catch let refusal as ScriptSource.Refusal {
            say.error(refusal.message)
            return ExitStatus.usage
        } catch {
            say.error("\(error)")
            return ExitStatus.usage
        }
    }
}
