/// The exit codes of `storescript`, as the README and `--help` document them.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// An uncaught script error (also a syntax error).
    public static let scriptError: Int32 = 1
    /// Usage or configuration: a bad option, a missing file, a directory, a binary chunk.
    public static let usage: Int32 = 2
    /// `--lock` is held by another run; nothing was done.
    public static let lockHeld: Int32 = 3
    /// `--timeout` stopped the script, or memory ran out (`--max-memory`) uncaught.
    public static let limit: Int32 = 4
    /// `--plan --detailed-exitcode`: the script succeeded and its plan changes something.
    public static let planHasChanges: Int32 = 5
    /// Ctrl-C (SIGINT).
    public static let interrupted: Int32 = 130
    /// SIGTERM.
    public static let terminated: Int32 = 143

    public static let summary = """
        Exit codes:
          0    success
          1    uncaught script error (file:line and a traceback on stderr); with --profiles, a store failed
          2    usage or configuration error (bad option, missing file, binary chunk, bad config.toml, no store)
          3    --lock is held by another run (nothing was done)
          4    --timeout stopped the script, or it ran out of memory under --max-memory
          5    --plan --detailed-exitcode: the script succeeded and the plan changes something (0: no change)
          130  interrupted (Ctrl-C, SIGINT)
          143  terminated (SIGTERM)
          n    os.exit(n) passes through
        """
}
