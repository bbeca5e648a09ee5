#if canImport(Glibc)
import Glibc
#endif
import CLineEdit

/// The REPL's history file: `$XDG_STATE_HOME/storescript/history`, else
/// `~/.local/state/storescript/history`; mode 0600 in a 0700 directory. One entry a line (a
/// chunk's line breaks and backslashes escaped), appended as it is entered — never rewritten
/// whole for a line — and kept to the last `kept` entries: when the file has grown to twice
/// that, the next start rewrites it with the last `kept`. A line that starts with a space is
/// not kept (bash's `ignorespace`), nor one that holds a configured secret or a private key.
struct History {
    let path: String
    static let kept = 1000

    init?() {
        guard let dir = Directories.state else { return nil }
        _ = Directories.make(dir)
        self.path = dir + "/history"
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        chmod(path, 0o600)
    }

    /// Reads the file into libedit's history (the last `kept` entries), trimming the file when
    /// it has grown past twice that, and converting one libedit wrote before 0.6.
    func load() {
        guard let text = read() else { return }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let legacy = lines.first == "_HiStOrY_V2_"
        var entries = legacy ? lines.dropFirst().map(History.unvis) : lines.map(History.unescape)
        entries = entries.filter { History.keeps($0) }
        for entry in entries.suffix(History.kept) { le_add_history(entry) }
        if legacy || lines.count > 2 * History.kept || entries.count < lines.count {
            lines = entries.suffix(History.kept).map(History.escape)
            rewrite(lines.map { $0 + "\n" }.joined())
        }
    }

    /// Adds an entry: to libedit's history and to the end of the file (one write, O_APPEND).
    func add(_ entry: String) {
        guard History.keeps(entry) else { return }
        le_add_history(entry)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let line = Array((History.escape(entry) + "\n").utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Whether an entry may be kept: not one that starts with a space, nor one holding a secret.
    static func keeps(_ entry: String) -> Bool {
        !entry.hasPrefix(" ") && !entry.allSatisfy(\.isWhitespace) && !Secrets.holdsSecret(entry)
    }

    static func escape(_ entry: String) -> String {
        entry.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    static func unescape(_ line: String) -> String {
        var out = "", escaped = false
        for c in line {
            if escaped { out.append(c == "n" ? "\n" : c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }

    /// libedit's strvis encoding (`\040` for a space, `\\` for a backslash): what 0.5 wrote.
    static func unvis(_ line: String) -> String {
        var out: [UInt8] = []
        let b = Array(line.utf8)
        var i = 0
        while i < b.count {
            let octal = i + 3 < b.count && (0x30...0x33).contains(b[i + 1]) && b[(i + 2)...(i + 3)].allSatisfy { (0x30...0x37).contains($0) }
            if b[i] == 0x5C, octal {
                out.append((b[i + 1] - 0x30) << 6 | (b[i + 2] - 0x30) << 3 | (b[i + 3] - 0x30))
                i += 4
            } else if b[i] == 0x5C, i + 1 < b.count {
                out.append(b[i + 1] == 0x6E ? 0x0A : b[i + 1])
                i += 2
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func read() -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Replaces the file's contents through a new file renamed over it (never half written).
    private func rewrite(_ text: String) {
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written == bytes.count { rename(temporary, path) } else { unlink(temporary) }
    }
}
