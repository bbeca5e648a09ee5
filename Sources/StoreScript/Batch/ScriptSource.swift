#if canImport(Glibc)
import Glibc
#endif
import LuaKit

/// A script to run: where its text comes from, the chunk name errors use, and what `arg[0]`
/// says. Files are read as a stream while the script loads, under the run's limits.
public struct ScriptSource {
    enum Text { case file(String), standardInput, inline([UInt8]) }
    let text: Text
    public var chunkName: String
    public var argZero: String
    /// The directory `require` searches first (the script's own).
    public var directory: String?

    /// An error that stops a run before it starts (exit 2).
    public struct Refusal: Error { public let message: String }

    /// A script file (`-` for standard input); a missing file or a directory is refused now.
    public static func file(_ path: String) throws -> ScriptSource {
        if path == "-" { return ScriptSource(text: .standardInput, chunkName: "=stdin", argZero: "-", directory: nil) }
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw Refusal(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw Refusal(message: "\(path) is a directory, not a script")
        }
        return ScriptSource(text: .file(path), chunkName: "@" + path, argZero: path,
                            directory: path.contains("/") ? Stdlib.parent(path) : ".")
    }

    /// `storescript call`: the embedded call.lua, run as a script is (`arg` holds the call).
    public static var call: ScriptSource {
        ScriptSource(text: .inline(EmbeddedLua.call.bytes), chunkName: EmbeddedLua.call.chunkName, argZero: "call", directory: nil)
    }

    /// `storescript listen`: the embedded listen.lua, with the handlers file as `arg[0]`.
    static func listen(handlers: String) -> ScriptSource {
        ScriptSource(text: .inline(EmbeddedLua.listen.bytes), chunkName: EmbeddedLua.listen.chunkName, argZero: handlers,
                     directory: handlers.contains("/") ? Stdlib.parent(handlers) : ".")
    }

    /// Code given with `-e`.
    public static func inline(_ code: String) -> ScriptSource {
        ScriptSource(text: .inline(Array(code.utf8)), chunkName: "=(command line)", argZero: "-e", directory: nil)
    }

    /// Compiles the script as text (a `#` first line skipped, as `lua` does). [-0, +1]
    /// Throws `.file` (exit 2) for a file that cannot be read or a precompiled chunk.
    func load(into lua: LuaState) throws {
        switch text {
        case .inline(let bytes): try lua.load(bytes.isEmpty ? [0x20] : bytes, chunkName: chunkName)
        case .file(let path): try lua.loadScript(path: path, chunkName: chunkName)
        case .standardInput: try lua.loadScript(path: nil, chunkName: chunkName)
        }
    }
}
