import LuaKit

/// The documentation of the modules every script has, for `storescript docs`: read from the
/// runtime's own docs registry (what help() shows), so it is written once, beside the code.
public enum ModuleDocs {
    /// The modules, as help.lua lists them.
    public static let names: [String] = withHelp { runtime in
        try runtime.lua.rawGet(-1, field: "modules")
        guard case .table(let t)? = try? runtime.lua.value(at: -1) else { return [] }
        return t.array.compactMap { if case .string(let s) = $0 { s.text } else { nil } }
    } ?? []

    /// Markdown for the modules (or one), or nothing when the stdlib cannot be found.
    public static func markdown(only name: String? = nil) -> String {
        withHelp { runtime in
            let lua = runtime.lua
            try lua.rawGet(-1, field: "markdown")
            try lua.push(.table(LuaTable(array: (name.map { [$0] } ?? names).map { .string($0) })))
            try lua.call(nargs: 1, nresults: 1)
            return "# Modules every script has\n\n" + (lua.string(at: -1) ?? "") + "\n"
        } ?? ""
    }

    /// Markdown for whatever else a dotted name documents (`bc.request`, a list's `each`), or nil.
    public static func entry(_ dotted: String) -> String? {
        guard let text = doc(of: dotted) else { return nil }
        let (first, rest) = (text.prefix { $0 != "\n" }, text.drop { $0 != "\n" }.dropFirst())
        return "### `\(first)`\n\n" + rest.trimmingPrefix(while: { $0 == " " }) + "\n"
    }

    /// The documentation of what a dotted name names, as help() prints it, or nil.
    public static func doc(of dotted: String) -> String? {
        withHelp { runtime in
            let lua = runtime.lua
            try lua.rawGet(-1, field: "of")
            try lua.push(dotted)
            try lua.call(nargs: 1, nresults: 1)
            return lua.string(at: -1)
        } ?? nil
    }

    /// A field of a global table: its name, its Lua type, its documentation ("" when none).
    public struct Member: Sendable {
        public let name: String
        public let type: String
        public let doc: String
    }

    /// What each global table holds (`async`, `bc`'s raw fields: request, get, ...), by global.
    public static func members(of globals: [String]) -> [String: [Member]] {
        // With a store (the in-process sandbox), so that what exists only with one is there too:
        // state.owner, the global sandbox.
        withHelp(sandbox: true) { runtime in
            let lua = runtime.lua
            var out: [String: [Member]] = [:]
            for global in globals {
                try lua.rawGet(-1, field: "members")
                try lua.push(global)
                try lua.call(nargs: 1, nresults: 1)
                guard case .table(let t)? = try? lua.value(at: -1) else { continue }
                lua.pop()
                out[global] = t.array.compactMap { row in
                    guard case .table(let r) = row, r.array.count == 3, case .string(let n) = r.array[0],
                          case .string(let ty) = r.array[1], case .string(let d) = r.array[2] else { return nil }
                    return Member(name: n.text, type: ty.text, doc: d.text)
                }
            }
            return out
        } ?? [:]
    }

    /// `body` with a runtime (no store) and storescript.help on its stack.
    private static func withHelp<T>(sandbox: Bool = false, _ body: (Runtime) throws -> T) -> T? {
        var options = Runtime.Options()
        options.store = StoreSettings()
        options.sandbox = sandbox
        guard let runtime = try? Runtime(options: options) else { return nil }
        defer { runtime.close() }
        do {
            try runtime.require("storescript.help")
            return try body(runtime)
        } catch {
            return nil
        }
    }
}
