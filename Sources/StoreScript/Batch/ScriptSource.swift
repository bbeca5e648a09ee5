#if canImport(Glibc)
import Glibc
#endif

/// A script to run: its text, the chunk name errors use, and what `arg[0]` says.
public struct ScriptSource {
    public var bytes: [UInt8]
    public var chunkName: String
    public var argZero: String
    /// The directory `require` searches first (the script's own).
    public var directory: String?

    public init(bytes: [UInt8], chunkName: String, argZero: String, directory: String?) {
        self.bytes = bytes
        self.chunkName = chunkName
        self.argZero = argZero
        self.directory = directory
    }

    /// An error that stops a run before it starts (exit 2).
    public struct Refusal: Error { public let message: String }

    /// Reads a script file (`-` for standard input), refusing directories and binary chunks.
    public static func read(path: String) throws -> ScriptSource {
        if path == "-" {
            var source = ScriptSource(bytes: readAll(fd: 0), chunkName: "=stdin", argZero: "-", directory: nil)
            try source.prepare(displayName: "standard input")
            return source
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw Refusal(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw Refusal(message: "\(path) is a directory, not a script")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Refusal(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let dir = Stdlib.parent(path)
        var source = ScriptSource(bytes: readAll(fd: fd), chunkName: "@" + path, argZero: path,
                                  directory: path.contains("/") ? dir : ".")
        try source.prepare(displayName: path)
        return source
    }

    /// Code given with `-e`.
    public static func inline(_ code: String) -> ScriptSource {
        ScriptSource(bytes: Array(code.utf8), chunkName: "=(command line)", argZero: "-e", directory: nil)
    }

    /// Refuses bytecode and skips a `#!` line (keeping line numbers), as `lua` does.
    mutating func prepare(displayName: String) throws {
        if bytes.first == 0x1B {
            throw Refusal(message: "\(displayName) is a precompiled Lua chunk; storescript runs source text only")
        }
        if bytes.first == UInt8(ascii: "#") {
            let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            bytes.replaceSubrange(0..<end, with: [])
        }
    }

    static func readAll(fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}
