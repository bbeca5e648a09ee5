import ArgumentParser
import StoreScript

/// The run options, declared once: each option's name, help and what its value does to an
/// `Invocation`, with the message for a value it refuses. `FastPath` parses plain runs with
/// this table; ArgumentParser's `ScriptOptions` takes every name and help text from it (for
/// `--help`, completion and the man page) and hands every value back to it, so both parsers
/// accept, refuse and apply the same way.
struct RunOption {
    enum Kind {
        /// Sets a flag of the runtime's options.
        case flag(WritableKeyPath<Runtime.Options, Bool>)
        /// Reads a value; returns what is wrong with it, or nil once applied.
        case value(name: String, (inout FastPath.Invocation, String) -> String?)
    }

    /// The commands that take run options. Each option does what it says on each, or the
    /// command refuses it with a sentence (`refusals`): none is accepted and ignored.
    enum Command: String { case run, call, repl }

    let name: String
    let help: String
    let kind: Kind
    /// Why a command refuses this option.
    var refusals: [Command: String] = [:]

    var long: NameSpecification { .customLong(String(name.dropFirst(2))) }

    var argumentHelp: ArgumentHelp {
        if case .value(let valueName, _) = kind { return ArgumentHelp(help, valueName: valueName) }
        return ArgumentHelp(help)
    }

    /// Applies what the command line gave (nil: not given; a flag: any value); throws the
    /// option's own complaint.
    func apply(_ given: String?, to inv: inout FastPath.Invocation) throws(ValidationError) {
        guard let given else { return }
        switch kind {
        case .flag(let path): inv.options[keyPath: path] = true
        case .value(_, let apply):
            if let problem = apply(&inv, given) { throw ValidationError("\(name) \(problem)") }
        }
    }

    static var timeout: RunOption {
        RunOption(name: "--timeout", help: "End the run SECONDS after it starts, whatever the script is doing (exit 4).",
                  kind: .value(name: "SECONDS") { inv, v in
                      guard let d = Double(v), d > 0 else { return "must be a positive number of seconds" }
                      inv.options.timeoutSeconds = d
                      return nil
                  })
    }

    static var maxMemory: RunOption {
        RunOption(name: "--max-memory", help: "Let Lua hold at most MB megabytes (an uncaught out-of-memory error: exit 4).",
                  kind: .value(name: "MB") { inv, v in
                      guard let mb = Int(v), mb > 0 else { return "must be a positive number of megabytes" }
                      inv.options.memoryLimitMB = mb
                      return nil
                  })
    }

    static var lock: RunOption {
        RunOption(name: "--lock", help: "Hold an exclusive lock on PATH while running; if another run holds it, exit 3 at once.",
                  kind: .value(name: "PATH") { inv, v in inv.lock = v; return nil })
    }

    static var stateDir: RunOption {
        RunOption(name: "--state-dir", help: "Keep state.open's stores in DIR (default: the store's own directory under ~/.local/state/storescript/stores).",
                  kind: .value(name: "DIR") { inv, v in inv.options.stateDirectory = v; return nil },
                  refusals: [.call: "call keeps no state (--state-dir is for run and repl)"])
    }

    static var quiet: RunOption {
        RunOption(name: "--quiet", help: "Only warnings and errors from log.* and the runner.", kind: .flag(\.quiet),
                  refusals: [.call: "call writes no log lines (its answer is JSON on stdout, an error JSON on stderr)"])
    }

    static var logFormat: RunOption {
        RunOption(name: "--log-format", help: "text or json: the format of log lines and of the runner's own messages on stderr.",
                  kind: .value(name: "FORMAT") { inv, v in format(v) { inv.options.logFormat = $0 } })
    }

    static var logLevel: RunOption {
        RunOption(name: "--log-level", help: "debug, info, warn or error: the least severe log.* line shown (default info; --quiet is warn).",
                  kind: .value(name: "LEVEL") { inv, v in
                      guard let level = Runtime.LogLevel(rawValue: v) else { return "must be debug, info, warn or error" }
                      inv.options.logLevel = level
                      return nil
                  },
                  refusals: [.call: "call writes no log lines (its answer is JSON on stdout, an error JSON on stderr)"])
    }

    static var sandbox: RunOption {
        RunOption(name: "--sandbox", help: "Start the embedded sandbox store in this process (an ephemeral loopback port) and run against it.",
                  kind: .flag(\.sandbox))
    }

    static var verbose: RunOption {
        RunOption(name: "--verbose", help: "Log each API request on stderr: method, path, status, duration, rate-limit budget left.",
                  kind: .flag(\.verbose))
    }

    static var profile: RunOption {
        RunOption(name: "--profile", help: "Use the profile NAME of config.toml (default: STORESCRIPT_PROFILE, else the file's default_profile).",
                  kind: .value(name: "NAME") { inv, v in
                      if let why = ProfileName.problem(v) { return why }
                      inv.options.profile = v
                      return nil
                  })
    }

    static var profiles: RunOption {
        RunOption(name: "--profiles", help: "Run once per store of these profiles (a comma list, or globs: 'shop-*'), each store in its own process; lines prefixed with the profile (or JSON with a profile field).",
                  kind: .value(name: "LIST") { inv, v in inv.profiles = v; return nil },
                  refusals: [.repl: "the REPL works on one store: give --profile NAME (--profiles is for run and call)"])
    }

    static var jobs: RunOption {
        RunOption(name: "--jobs", help: "With --profiles: run at most N stores at once (default: 4 per core, at most 32).",
                  kind: .value(name: "N") { inv, v in
                      guard let n = Int(v), (1...1000).contains(n) else { return "must be a whole number from 1 to 1000" }
                      inv.jobs = n
                      return nil
                  },
                  refusals: [.repl: "the REPL works on one store (--jobs bounds the stores of --profiles)"])
    }

    static let notPlanned: [Command: String] = [
        .repl: "the REPL plans with :plan on (then :plan shows the plan, :plan apply sends it)",
    ]

    static var plan: RunOption {
        RunOption(name: "--plan", help: "Run against an overlay of the store: reads come from it, writes never leave this machine; then print what would change.",
                  kind: .flag(\.plan), refusals: notPlanned)
    }

    static var planOut: RunOption {
        RunOption(name: "--plan-out", help: "With --plan: also write the plan (every write in order, with the values it changes) to FILE.",
                  kind: .value(name: "FILE") { inv, v in inv.options.planOut = v; return nil }, refusals: notPlanned)
    }

    static var planFormat: RunOption {
        RunOption(name: "--plan-format", help: "With --plan: text (default) or json, how the plan is printed on stdout.",
                  kind: .value(name: "FORMAT") { inv, v in format(v) { inv.options.planFormat = $0 } }, refusals: notPlanned)
    }

    static var detailedExitcode: RunOption {
        RunOption(name: "--detailed-exitcode", help: "With --plan: exit 5 when the script succeeds and the plan changes something, 0 when it changes nothing.",
                  kind: .flag(\.detailedExitcode), refusals: notPlanned)
    }

    /// text or json: applied, or what is wrong with it.
    private static func format(_ value: String, _ apply: (Runtime.LogFormat) -> Void) -> String? {
        guard let format = Runtime.LogFormat(rawValue: value) else { return "must be text or json" }
        apply(format)
        return nil
    }

    static var all: [RunOption] {
        [timeout, maxMemory, lock, stateDir, quiet, logFormat, logLevel, sandbox, verbose, profile, profiles, jobs,
         plan, planOut, planFormat, detailedExitcode]
    }

    /// The options followed by a value (`-e` too), for telling a script's own arguments apart.
    static var takingValues: Set<String> {
        Set(all.compactMap { o in if case .flag = o.kind { nil } else { o.name } } + ["-e"])
    }
}
