#if canImport(Glibc)
import Glibc
#endif
import LuaKit

/// How the runner speaks on stderr: `storescript: message` lines, or JSON lines with
/// `--log-format json` (the same shape as the `log` module's).
public struct Diagnostics: Sendable {
    public var format: Runtime.LogFormat
    /// The script's name as `arg[0]` has it (JSON lines carry it).
    public var script: String?
    public init(format: Runtime.LogFormat, script: String? = nil) { (self.format, self.script) = (format, script) }

    /// UTC, to the second, as `log` writes it.
    public static func timestamp() -> String { timestamp(seconds: time(nil)) }

    /// The UTC time `ms` milliseconds after the epoch, to the second.
    public static func timestamp(ms: Int64) -> String { timestamp(seconds: time_t(ms / 1000)) }

    static func timestamp(seconds: time_t) -> String {
        var t = seconds
        var tm = tm()
        gmtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 32)
        strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%SZ", &tm)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Where the script itself was when an error rose out of a binding: the first traceback
    /// frame that is neither C nor storescript's own Lua (`recipe.lua:12`).
    static func scriptLocation(_ traceback: String?) -> String? {
        for raw in (traceback ?? "").split(separator: "\n") {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[C]") || line.hasPrefix("[storescript.") || line.hasPrefix("stack traceback") || line.hasPrefix("(...") {
                continue
            }
            if let found = location(line) { return found }
        }
        return nil
    }

    /// `file:line` of a traceback line (`file:line: in ...`).
    private static func location(_ line: Substring) -> String? {
        let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber) else { return nil }
        return "\(parts[0]):\(parts[1])"
    }

    public func error(_ message: String, traceback: String? = nil) {
        Console.err(line(error: message, traceback: traceback))
    }

    /// A script's error: in text its bytes go out as Lua had them (a Lua string may hold any
    /// bytes); JSON needs text.
    public func error(_ error: LuaError, fields: [(String, String)] = []) {
        // An API error a binding raised has no position of its own: the script's line goes
        // first. (Any other error keeps Lua's own words, as `lua5.4` prints them.)
        let located = !fields.isEmpty && Diagnostics.location(Substring(error.message)) == nil
            ? Diagnostics.scriptLocation(error.traceback).map { $0 + ": " } ?? "" : ""
        guard format == .text, let bytes = error.messageBytes else {
            return Console.err(line(error: located + error.message, traceback: error.traceback, fields: fields))
        }
        var out = Array("storescript: ".utf8) + Array(located.utf8) + bytes + [10]
        if let traceback = error.traceback, !traceback.isEmpty { out += Array(traceback.utf8) + [10] }
        Console.write(fd: 2, bytes: out)
    }

    /// An error as one line (text, or a JSON line with time, level, script and, for an API
    /// failure, its status, method, path and request id) ending in a newline.
    public func line(error message: String, traceback: String? = nil, fields: [(String, String)] = []) -> String {
        switch format {
        case .text:
            var text = "storescript: \(message)\n"
            if let traceback, !traceback.isEmpty { text += traceback + "\n" }
            return text
        case .json:
            var line = json(level: "error", message, fields)
            if let traceback, !traceback.isEmpty { line += ",\"traceback\":\(Diagnostics.quote(traceback))" }
            return line + "}\n"
        }
    }

    /// A warning of Lua's (`warn`, an error in a finalizer): `storescript: warning: ...`.
    public func warning(_ message: String) {
        switch format {
        case .text: Console.err("storescript: warning: \(message)\n")
        case .json: Console.err(json(level: "warn", message, []) + "}\n")
        }
    }

    public func info(_ message: String) {
        switch format {
        case .text: Console.err("storescript: \(message)\n")
        case .json: Console.err(json(level: "info", message, []) + "}\n")
        }
    }

    /// The opening of a JSON line, without its closing brace.
    private func json(level: String, _ message: String, _ fields: [(String, String)]) -> String {
        var line = "{\"time\":\(Diagnostics.quote(Diagnostics.timestamp())),\"level\":\"\(level)\""
        if let script { line += ",\"script\":\(Diagnostics.quote(script))" }
        line += ",\"msg\":\(Diagnostics.quote(message))"
        for (k, v) in fields { line += ",\"\(k)\":\(v)" }
        return line
    }

    /// A JSON string literal (also a TOML basic string: `config init` writes with it).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
