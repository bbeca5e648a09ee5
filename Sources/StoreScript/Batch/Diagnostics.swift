#if canImport(Glibc)
import Glibc
#endif
import LuaKit

/// How the runner speaks on stderr: `storescript: message` lines, or JSON lines with
/// `--log-format json` (the same shape as the `log` module's).
public struct Diagnostics: Sendable {
    public var format: Runtime.LogFormat
    public init(format: Runtime.LogFormat) { self.format = format }

    public func error(_ message: String, traceback: String? = nil) {
        Console.err(line(error: message, traceback: traceback))
    }

    /// A script's error: in text its bytes go out as Lua had them (a Lua string may hold any
    /// bytes); JSON needs text.
    public func error(_ error: LuaError) {
        guard format == .text, let bytes = error.messageBytes else {
            return self.error(error.message, traceback: error.traceback)
        }
        var out = Array("storescript: ".utf8) + bytes + [10]
        if let traceback = error.traceback, !traceback.isEmpty { out += Array(traceback.utf8) + [10] }
        Console.write(fd: 2, bytes: out)
    }

    /// An error as one line (text, or a JSON line) ending in a newline.
    public func line(error message: String, traceback: String? = nil) -> String {
        switch format {
        case .text:
            var text = "storescript: \(message)\n"
            if let traceback, !traceback.isEmpty { text += traceback + "\n" }
            return text
        case .json:
            var line = "{\"level\":\"error\",\"msg\":\(Diagnostics.quote(message))"
            if let traceback, !traceback.isEmpty { line += ",\"traceback\":\(Diagnostics.quote(traceback))" }
            return line + "}\n"
        }
    }

    public func info(_ message: String) {
        switch format {
        case .text: Console.err("storescript: \(message)\n")
        case .json: Console.err("{\"level\":\"info\",\"msg\":\(Diagnostics.quote(message))}\n")
        }
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
