import ArgumentParser
import StoreAPI
import StoreSandbox
import StoreScript
#if canImport(Glibc)
import Glibc
#endif

/// `-e CODE`: for `run` and the bare command, which run a script.
struct CodeOption: ParsableArguments {
    // Unconditional: code may start with a dash (`-e '-- a comment ...'`), as `lua -e` takes it.
    @Option(name: [.customShort("e")], parsing: .unconditional, help: ArgumentHelp("Run CODE instead of a script file.", valueName: "CODE"))
    var code: String?
}

/// Options every way of running Lua shares: names, help and meaning from `RunOption`.
struct ScriptOptions: ParsableArguments {
    @Option(name: RunOption.timeout.long, help: RunOption.timeout.argumentHelp) var timeout: String?
    @Option(name: RunOption.maxMemory.long, help: RunOption.maxMemory.argumentHelp) var maxMemory: String?
    @Option(name: RunOption.lock.long, help: RunOption.lock.argumentHelp) var lock: String?
    @Option(name: RunOption.stateDir.long, help: RunOption.stateDir.argumentHelp) var stateDir: String?
    @Flag(name: RunOption.quiet.long, help: RunOption.quiet.argumentHelp) var quiet = false
    @Option(name: RunOption.logFormat.long, help: RunOption.logFormat.argumentHelp) var logFormat: String?
    @Option(name: RunOption.logLevel.long, help: RunOption.logLevel.argumentHelp) var logLevel: String?
    @Flag(name: RunOption.sandbox.long, help: RunOption.sandbox.argumentHelp) var sandbox = false
    @Flag(name: RunOption.verbose.long, help: RunOption.verbose.argumentHelp) var verbose = false
    @OptionGroup var selection: ProfileOption
    @Option(name: RunOption.profiles.long, help: RunOption.profiles.argumentHelp) var profiles: String?
    @Option(name: RunOption.jobs.long, help: RunOption.jobs.argumentHelp) var jobs: String?
    @Flag(name: RunOption.plan.long, help: RunOption.plan.argumentHelp) var plan = false
    @Option(name: RunOption.planOut.long, help: RunOption.planOut.argumentHelp) var planOut: String?
    @Option(name: RunOption.planFormat.long, help: RunOption.planFormat.argumentHelp) var planFormat: String?
    @Flag(name: RunOption.detailedExitcode.long, help: RunOption.detailedExitcode.argumentHelp) var detailedExitcode = false

    /// What the command line gave, option by option.
    private var given: [(RunOption, String?)] {
        [(.timeout, timeout), (.maxMemory, maxMemory), (.lock, lock), (.stateDir, stateDir), (.quiet, quiet ? "" : nil),
         (.logFormat, logFormat), (.logLevel, logLevel), (.sandbox, sandbox ? "" : nil), (.verbose, verbose ? "" : nil),
         (.profile, selection.profile), (.profiles, profiles), (.jobs, jobs), (.plan, plan ? "" : nil), (.planOut, planOut),
         (.planFormat, planFormat), (.detailedExitcode, detailedExitcode ? "" : nil)]
    }

    /// Refuses what `command` has no use for: an option it refuses, `--jobs` without `--profiles`.
    func check(for command: RunOption.Command) throws(ValidationError) {
        for (option, value) in given where value != nil {
            if let why = option.refusals[command] { throw ValidationError("\(command.rawValue) \(option.name): \(why)") }
        }
        if jobs != nil && profiles == nil { throw ValidationError("--jobs bounds how many stores --profiles runs at once; give --profiles too") }
        if !plan && (planOut != nil || planFormat != nil || detailedExitcode) {
            throw ValidationError("--plan-out, --plan-format and --detailed-exitcode shape a plan; give --plan too")
        }
        if planOut != nil && profiles != nil {
            throw ValidationError("--plan-out names one file and a plan is for one store: plan each with --profile NAME --plan-out FILE")
        }
    }

    /// For commands that are not runs (`listen`, `trigger`): refuses every option given but
    /// the `allowed` ones, with `why` (none is accepted and ignored).
    func refuse(allBut allowed: Set<String>, for command: String, why: String) throws(ValidationError) {
        if jobs != nil || profiles != nil, !allowed.contains("--profiles") {
            throw ValidationError("\(command) works on one store: give --profile NAME (one \(command) per store)")
        }
        for (option, value) in given where value != nil && !allowed.contains(option.name) {
            throw ValidationError("\(command) \(option.name): \(why)")
        }
    }

    /// The run these options ask for, through the table the fast path reads.
    func invocation() throws(ValidationError) -> FastPath.Invocation {
        var inv = FastPath.Invocation()
        for (option, value) in given { try option.apply(value, to: &inv) }
        return inv
    }

    func validate() throws { _ = try invocation() }

    /// (validate() has refused a bad value before any command runs.)
    var runtimeOptions: Runtime.Options { (try? invocation())?.options ?? Runtime.Options() }
}

/// `--profile NAME`: one type wherever it appears, so that ArgumentParser fills every copy
/// (a differently declared `--profile` in a subcommand would be taken by the root's).
struct ProfileOption: ParsableArguments {
    @Option(name: RunOption.profile.long, help: RunOption.profile.argumentHelp) var profile: String?
}

@main
struct Storescript: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storescript",
        abstract: "Lua 5.4 automation for BigCommerce stores and DigiCert certificates.",
        discussion: """
            With no subcommand: the REPL when standard input is a terminal, otherwise the \
            script read from standard input. `storescript -e CODE` runs CODE.

            \(ExitStatus.summary)
            """,
        version: StoreScriptVersion.text,
        subcommands: [Run.self, Call.self, Repl.self, Apply.self, Listen.self, Trigger.self, ConfigCommand.self, SandboxCommand.self, Docs.self]
    )

    @OptionGroup var script: ScriptOptions
    @OptionGroup var inline: CodeOption

    /// Usage errors exit 2 (ArgumentParser's default is 64); help and version exit 0.
    static func main() async {
        MultiStore.adoptSupervisor()
        if let invocation = FastPath.parse(Array(CommandLine.arguments.dropFirst())) {
            Glibc.exit(FastPath.run(invocation))
        }
        do {
            var command = try parseAsRoot(ScriptArguments.separatingScriptArguments(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            if exitCode(for: error).isSuccess { exit(withError: error) }
            Console.err(usageError(error, arguments: Array(CommandLine.arguments.dropFirst())) + "\n")
            Glibc.exit(ExitStatus.usage)
        }
    }

    /// ArgumentParser reports a value the root's copy of the shared options refused with the
    /// root's usage, though the user typed a subcommand (`storescript run --timeout x`): that
    /// subcommand's usage is the one to show.
    static func usageError(_ error: Error, arguments: [String]) -> String {
        let full = fullMessage(for: error)
        guard let name = arguments.first,
              let sub = configuration.subcommands.first(where: { $0._commandName == name }) else { return full }
        let rootUsage = "Usage: " + usageString()
        return full.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line == rootUsage { return "Usage: " + usageString(for: sub) }
            if line == "  See 'storescript --help' for more information." { return "  See 'storescript \(name) --help' for more information." }
            return String(line)
        }.joined(separator: "\n")
    }

    func run() throws {
        // Here, not in validate(): ArgumentParser validates this copy of the options before a
        // subcommand's, which refuses for itself.
        try script.check(for: .run)
        if script.profiles != nil {
            throw ExitCode(EachStore.run(try script.invocation(), command: .run, arguments: Array(CommandLine.arguments.dropFirst()),
                                         from: 0, name: inline.code == nil ? "-" : "-e", readsInput: inline.code == nil))
        }
        if let code = inline.code {
            throw ExitCode(BatchRunner(options: script.runtimeOptions, lockPath: script.lock)
                .run(.inline(code), arguments: [], programName: programName))
        }
        if Console.stdinIsTerminal {
            throw ExitCode(REPL(options: script.runtimeOptions, lockPath: script.lock).run())
        }
        throw ExitCode(runFile("-", arguments: [], script))
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Lua script (FILE, or - for standard input) to the end; fit for cron.",
        usage: """
            storescript run [<options>] <file> [<arguments> ...]
                   storescript run [<options>] -e <code> [<arguments> ...]
            """,
        discussion: """
            The script sees `arg` as with `lua`: arg[0] is FILE, arg[1...] the ARGS. `require` \
            searches the script's directory, the storescript stdlib (STORESCRIPT_PATH), then \
            LUA_PATH and LUA_CPATH.

            \(ExitStatus.summary)
            """
    )

    @OptionGroup var script: ScriptOptions
    @OptionGroup var inline: CodeOption

    @Argument(help: "The script to run; - reads standard input.")
    var file: String?

    @Argument(parsing: .postTerminator, help: "Arguments passed to the script as arg[1...], exactly as given.")
    var arguments: [String] = []

    func validate() throws {
        try script.check(for: .run)
        if file == nil && inline.code == nil { throw ValidationError("give a script FILE, - for standard input, or -e CODE") }
    }

    func run() throws {
        if script.profiles != nil {
            let args = Array(CommandLine.arguments.dropFirst())
            throw ExitCode(EachStore.run(try script.invocation(), command: .run, arguments: args,
                                         from: args.firstIndex(of: "run").map { $0 + 1 } ?? 0,
                                         name: inline.code == nil ? file ?? "-" : "-e", readsInput: inline.code == nil && file == "-"))
        }
        if let code = inline.code {
            let args = ([file].compactMap { $0 }) + arguments
            throw ExitCode(BatchRunner(options: script.runtimeOptions, lockPath: script.lock)
                .run(.inline(code), arguments: args, programName: programName))
        }
        throw ExitCode(runFile(file!, arguments: arguments, script))
    }
}

struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call one binding from the shell: the answer as JSON on stdout, an error as JSON on stderr (exit 1).",
        discussion: """
            Positional ARGS fill the binding's path parameters (an id); key=value pairs are the \
            query of a GET or DELETE and the body of a POST or PUT (the query when --data gives \
            the body). Values that read as JSON numbers, booleans or null are those; the rest are strings.

            Examples:
              storescript call bc.catalog.products.list limit=2 is_visible=true
              storescript call bc.catalog.products.get 12
              storescript call bc.catalog.brands.create name=Acme
              storescript call bc.catalog.products.update 12 --data '{"price": 9.5}'
              storescript call bc.catalog.products.update 12 --data @product.json
              storescript call bc.catalog.products.list --all | jq -r .sku
            """
    )

    @OptionGroup var script: ScriptOptions

    @Argument(help: "The binding, as in Lua (bc.catalog.products.list, digicert.orders.get).")
    var name: String

    @Argument(help: "Path parameters, then key=value pairs.")
    var arguments: [String] = []

    @Option(help: ArgumentHelp("The JSON body; @FILE reads it from FILE, - from standard input.", valueName: "JSON"))
    var data: String?

    @Flag(help: "Every item of every page of a list binding, one JSON line each.")
    var all = false

    func validate() throws {
        try script.check(for: .call)
        try refuseCode(in: "call", "call runs one binding: give its name (-e CODE is for run)")
    }

    func run() throws {
        if script.profiles != nil {
            let args = Array(CommandLine.arguments.dropFirst())
            throw ExitCode(EachStore.run(try script.invocation(), command: .call, arguments: args,
                                         from: args.firstIndex(of: "call").map { $0 + 1 } ?? 0, name: name, readsInput: data == "-"))
        }
        var args = [name] + arguments
        if let data { args += ["--data", data] }
        if all { args.append("--all") }
        throw ExitCode(BatchRunner(options: script.runtimeOptions, lockPath: script.lock)
            .run(.call, arguments: args, programName: programName))
    }
}

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The interactive Lua prompt, with history, completion and help(x).",
        discussion: "History lives in ~/.local/state/storescript/history (mode 0600). Ctrl-C stops the running chunk; Ctrl-D leaves."
    )

    @OptionGroup var script: ScriptOptions

    func validate() throws {
        try script.check(for: .repl)
        try refuseCode(in: "repl", "the REPL reads what you type (run -e CODE runs CODE)")
    }

    func run() throws {
        throw ExitCode(REPL(options: script.runtimeOptions, lockPath: script.lock).run())
    }
}

let programName = CommandLine.arguments.first ?? "storescript"

/// `-e` belongs to `run` and the bare command, but ArgumentParser hands it to the root's copy
/// of `CodeOption` wherever it appears: a subcommand that runs no script refuses it itself.
func refuseCode(in command: String, _ why: String) throws {
    let args = Array(CommandLine.arguments.dropFirst())
    if let at = args.firstIndex(of: command), args[(at + 1)...].contains("-e") {
        throw ValidationError("\(command) -e: \(why)")
    }
}

func runFile(_ path: String, arguments: [String], _ script: ScriptOptions) -> Int32 {
    FastPath.runFile(path, arguments: arguments, runner: BatchRunner(options: script.runtimeOptions, lockPath: script.lock))
}

/// Everything after `run FILE` belongs to the script, options included, as with `lua FILE ...`:
/// a `--` goes in after FILE so the parser takes the rest as the script's arguments.
enum ScriptArguments {
    static let valueOptions = RunOption.takingValues

    /// `args` without these options and their values (`--lock PATH` and `--lock=PATH`).
    static func removing(_ options: Set<String>, from args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if options.contains(a) { i += 2; continue }
            if let eq = a.firstIndex(of: "="), options.contains(String(a[..<eq])) { i += 1; continue }
            out.append(a)
            i += 1
        }
        return out
    }

    /// Where the script's own arguments begin in a `run` command line: after FILE (or after
    /// `-e CODE` and its first argument), or at a `--` the user typed before them
    /// (`terminated`); nil when there is nothing to tell apart.
    static func scriptStart(_ args: [String], from: Int? = nil) -> (index: Int, terminated: Bool)? {
        guard let first = from ?? args.firstIndex(of: "run").map({ $0 + 1 }) else { return nil }
        var i = first
        while i < args.count {
            let a = args[i]
            if a == "--" { return (i, true) }
            if a.hasPrefix("-") && a != "-" {
                i += valueOptions.contains(a) ? 2 : 1
                continue
            }
            return (i + 1, false)
        }
        return nil
    }

    /// The command line with a `--` after FILE, so that ArgumentParser takes the rest as the
    /// script's arguments, options included (as `lua FILE ...` does).
    static func separatingScriptArguments(_ args: [String]) -> [String] {
        guard let start = scriptStart(args), !start.terminated else { return args }
        var out = args
        out.insert("--", at: start.index)
        return out
    }
}

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the reference (Markdown): the modules every script has, and every binding, from the operation catalog.",
        discussion: "storescript docs bc.orders prints only that subtree; storescript docs json one module.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, luals, luacheck }

    @Argument(help: "A Lua name: only what is under it (bc.catalog.products, digicert, json).")
    var prefix: String?

    @Option(help: "markdown (the reference), luals (Lua Language Server definitions: ---@meta), or luacheck (a .luacheckrc).")
    var format: Format = .markdown

    @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
    var out: String?

    func validate() throws {
        if format != .markdown && prefix != nil { throw ValidationError("--format \(format.rawValue) writes every binding and module; give no name") }
        guard let prefix, !ModuleDocs.names.contains(prefix), !NameTree.isNamespace(prefix),
              OperationCatalog.byLuaName[prefix] == nil, ModuleDocs.entry(prefix) == nil else { return }
        let meant = NameTree.suggestion(for: prefix).map { "did you mean \($0)? " } ?? ""
        throw ValidationError("\(prefix): nothing by that name; \(meant)try bc, digicert, " + ModuleDocs.names.joined(separator: ", "))
    }

    func run() throws {
        switch format {
        case .luals: return try write(EditorDefinitions.luaLS())
        case .luacheck: return try write(EditorDefinitions.luacheck())
        case .markdown: break
        }
        var out = ""
        if let prefix, !NameTree.isNamespace(prefix), OperationCatalog.byLuaName[prefix] == nil, !ModuleDocs.names.contains(prefix) {
            // Documented beside the catalog: bc.request, a list's each, all and count.
            return try write(ModuleDocs.entry(prefix) ?? "")
        }
        if prefix == nil || ModuleDocs.names.contains(prefix!) { out += ModuleDocs.markdown(only: prefix) }
        if prefix.map({ !ModuleDocs.names.contains($0) }) ?? true {
            out += Reference.markdown(prefix: prefix)
            if prefix == nil || prefix == "bc" {
                out += "\n## Any path\n\n" + ["bc.request", "bc.get", "bc.post", "bc.put", "bc.delete"].compactMap(ModuleDocs.entry).joined(separator: "\n")
            }
        }
        try write(out)
    }

    private func write(_ text: String) throws {
        guard let path = self.out else { return Console.out(text) }
        guard let file = fopen(path, "w") else {
            throw ValidationError("--out \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        fputs(text, file)
    }
}
