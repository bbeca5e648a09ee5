import StoreScript

/// `run --profiles LIST ...` and `call --profiles LIST ...`: this command line again for each
/// store, with `--profile NAME` instead of the list (and `--state-dir DIR/NAME` when a
/// directory was given) and the script and its arguments exactly as typed; standard input,
/// when the command reads it, read once and given to every store. `MultiStore` runs them and
/// holds the `--lock`.
enum EachStore {
    /// `arguments`: the command line without the program; the command's own options start at
    /// `from`. Returns the exit status.
    static func run(_ inv: FastPath.Invocation, command: RunOption.Command, arguments args: [String], from: Int,
                    name: String, readsInput: Bool) -> Int32 {
        let say = Diagnostics(format: inv.options.logFormat, script: name)
        let names: [String]
        do {
            names = try MultiStore.profiles(inv.profiles ?? "")
        } catch {
            say.error("\(error)")
            return ExitStatus.usage
        }
        // The script's part (FILE or -e CODE, and what follows) goes to every store untouched.
        let start = command == .run ? ScriptArguments.scriptStart(args, from: from)?.index ?? args.endIndex : args.endIndex
        let own = ScriptArguments.removing(["--profiles", "--state-dir", "--lock", "--jobs"], from: Array(args[..<start]))
        let at = min(from, own.count)
        let output: FleetOutput = command == .call ? .call(logs: inv.options.logFormat) : inv.options.logFormat == .json ? .json : .text
        let plan = MultiStore.Plan(
            profiles: names, executable: Stdlib.executablePath() ?? CommandLine.arguments[0], lock: inv.lock, jobs: inv.jobs,
            output: output, input: readsInput ? Console.readAll(fd: 0) : nil) { profile in
                var mine = own
                let state = inv.options.stateDirectory.map { ["--state-dir", $0 + "/" + profile] } ?? []
                mine.insert(contentsOf: ["--profile", profile] + state, at: at)
                return mine + args[start...]
            }
        return MultiStore.run(plan, say: say)
    }
}
