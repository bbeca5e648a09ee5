import ArgumentParser
import StoreScript

/// `storescript apply FILE`: a plan's writes, as reviewed, to the store it was made for.
struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a plan (run --plan --plan-out FILE) to the store it was made for: its writes in order, each checked first.",
        discussion: """
            Before each update or delete, the rows it changes must still hold the values the \
            plan saw; if the store changed since, apply stops there, names what drifted, and \
            sends nothing further (--force sends anyway). Rows the plan made get the store's \
            ids in every later write. A journal in the store's state directory makes an apply \
            killed anywhere and run again finish the plan without sending a write twice.

            Exit codes: 0 applied (or nothing left to apply); 1 a write failed or the store \
            drifted (the writes before it are applied); 2 not a plan, or made for another store.
            """)

    @OptionGroup var selection: ProfileOption
    @Option(name: RunOption.stateDir.long, help: ArgumentHelp("Where the store's state (and apply's journal) lives.", valueName: "DIR"))
    var stateDir: String?
    @Option(name: RunOption.logFormat.long, help: RunOption.logFormat.argumentHelp) var logFormat: String?
    @Flag(help: "Send every write even where the store changed since the plan.") var force = false
    @Argument(help: ArgumentHelp("The plan file.", valueName: "FILE")) var file: String

    func run() throws {
        var options = Runtime.Options()
        options.profile = selection.profile
        options.stateDirectory = stateDir
        options.scriptName = "apply"
        if let logFormat {
            guard let format = Runtime.LogFormat(rawValue: logFormat) else { throw ValidationError("--log-format must be text or json") }
            options.logFormat = format
        }
        let say = Diagnostics(format: options.logFormat, script: "apply")
        let runtime: Runtime
        do { runtime = try Runtime(options: options) } catch let error as ConfigError {
            say.error(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        do {
            let apply = try PlanApply.prepare(planPath: file, runtime: runtime, force: force, say: say)
            let sent = try apply.run()
            say.info("apply \(file): \(sent) \(sent == 1 ? "write" : "writes") sent; the plan is applied")
        } catch {
            say.error(error.description)
            throw ExitCode(error.status)
        }
    }
}
