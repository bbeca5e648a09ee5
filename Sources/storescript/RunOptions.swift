import StoreScript

/// The run options, declared once for the fast path: `FastPath` parses plain runs with this
/// table, and the full parser's `--` insertion reads from it which options take a value.
/// `ScriptOptions` declares the same options for ArgumentParser (help, errors); a test
/// (`test_the_run_options_are_declared_once`) checks that `run --help` lists exactly these.
struct RunOption {
    enum Effect {
        /// Sets a flag of the runtime's options.
        case flag(WritableKeyPath<Runtime.Options, Bool>)
        /// Reads a value; false when the value is not valid (the full parser then says why).
        case value((inout FastPath.Invocation, String) -> Bool)
        /// Needs the full parser (many stores at once).
        case delegate
    }

    let name: String
    let effect: Effect

    static var all: [RunOption] {
        [
            RunOption(name: "--quiet", effect: .flag(\.quiet)),
            RunOption(name: "--sandbox", effect: .flag(\.sandbox)),
            RunOption(name: "--verbose", effect: .flag(\.verbose)),
            RunOption(name: "--timeout", effect: .value { inv, v in
                guard let d = Double(v), d > 0 else { return false }
                inv.options.timeoutSeconds = d
                return true
            }),
            RunOption(name: "--max-memory", effect: .value { inv, v in
                guard let mb = Int(v), mb > 0 else { return false }
                inv.options.memoryLimitMB = mb
                return true
            }),
            RunOption(name: "--profile", effect: .value { inv, v in inv.options.profile = v; return true }),
            RunOption(name: "--lock", effect: .value { inv, v in inv.lock = v; return true }),
            RunOption(name: "--state-dir", effect: .value { inv, v in inv.options.stateDirectory = v; return true }),
            RunOption(name: "--log-level", effect: .value { inv, v in
                guard let level = Runtime.LogLevel(rawValue: v) else { return false }
                inv.options.logLevel = level
                return true
            }),
            RunOption(name: "--log-format", effect: .value { inv, v in
                guard let format = Runtime.LogFormat(rawValue: v) else { return false }
                inv.options.logFormat = format
                return true
            }),
            RunOption(name: "--profiles", effect: .delegate),
        ]
    }

    /// The options followed by a value (`-e` too), for telling a script's own arguments apart.
    static var takingValues: Set<String> {
        Set(all.compactMap { o in if case .flag = o.effect { nil } else { o.name } } + ["-e"])
    }
}
