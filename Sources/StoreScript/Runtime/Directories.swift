#if canImport(Glibc)
import Glibc
#endif

/// The directories storescript makes and keeps things in.
public enum Directories {
    /// Where what outlives a run lives (the REPL's history, `state` stores):
    /// `$XDG_STATE_HOME/storescript`, else `~/.local/state/storescript`; nil when neither
    /// XDG_STATE_HOME nor HOME is set.
    public static var state: String? {
        if let state = getenv("XDG_STATE_HOME"), state.pointee != 0 { return String(cString: state) + "/storescript" }
        if let home = getenv("HOME") { return String(cString: home) + "/.local/state/storescript" }
        return nil
    }

    /// `mkdir -p` with every directory made 0700 (they hold keys, tokens, history); nil on
    /// success, else what failed.
    public static func make(_ dir: String) -> String? {
        var current = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                return "cannot create \(current): \(String(cString: strerror(errno)))"
            }
        }
        return nil
    }
}
