import LuaKit

/// The documentation of the modules every script has, for `storescript docs`: read from the
/// runtime's own docs registry (what help() shows), so it is written once, beside the code.
public enum ModuleDocs {
    public static let names = ["async", "json", "log", "csv", "time", "progress", "state", "certs"]

    /// Markdown for the modules (or one), or nothing when the stdlib cannot be found.
    public static func markdown(only name: String? = nil) -> String {
        var options = Runtime.Options()
        options.store = StoreSettings()
        guard let runtime = try? Runtime(options: options) else { return "" }
        defer { runtime.close() }
        let lua = runtime.lua
        do {
            try runtime.require("storescript.help")
            try lua.rawGet(-1, field: "markdown")
            try lua.push(.table(LuaTable(array: (name.map { [$0] } ?? names).map { .string($0) })))
            try lua.call(nargs: 1, nresults: 1)
            return "# Modules every script has\n\n" + (lua.string(at: -1) ?? "") + "\n"
        } catch {
            return ""
        }
    }
}
