#if canImport(Glibc)
import Glibc
#endif

/// Where the Lua modules shipped with storescript live: `STORESCRIPT_PATH` (directories
/// separated by `:`), else `share/storescript/stdlib` beside the installed binary, else the
/// source tree's `stdlib/` above a build directory (`.build/release/storescript`).
public enum Stdlib {
    public static func directories() -> [String] {
        if let env = getenv("STORESCRIPT_PATH") {
            return String(cString: env).split(separator: ":").map(String.init)
        }
        guard let exe = executablePath() else { return [] }
        var dir = parent(exe)
        if exists("\(dir)/../share/storescript/stdlib") { return ["\(dir)/../share/storescript/stdlib"] }
        for _ in 0..<5 {
            if exists("\(dir)/stdlib/storescript") { return ["\(dir)/stdlib"] }
            dir = parent(dir)
        }
        return []
    }

    public static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}
