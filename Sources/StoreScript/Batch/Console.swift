#if canImport(Glibc)
import Glibc
#endif

/// Writes to the standard streams by descriptor (C's `stdout`/`stderr` globals are shared
/// mutable state to Swift 6). Flushes C's buffers first so Lua's `print` output and ours
/// keep their order. Everything written goes through `Secrets.redact`.
public enum Console {
    public static func out(_ text: String) { write(fd: 1, text) }
    public static func err(_ text: String) { write(fd: 2, text) }

    static func write(fd: Int32, _ text: String) {
        write(fd: fd, bytes: Array(text.utf8))
    }

    static func write(fd: Int32, bytes: [UInt8]) {
        Secrets.redact(bytes).withUnsafeBytes { write(fd: fd, $0) }
    }

    private static func write(fd: Int32, _ buf: UnsafeRawBufferPointer) {
        fflush(nil)
        var offset = 0
        while offset < buf.count {
            let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Everything `fd` holds until end of file.
    public static func readAll(fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return out }
            out += buffer[0..<n]
        }
    }

    public static var stdinIsTerminal: Bool { isatty(0) == 1 }
    public static var stdoutIsTerminal: Bool { isatty(1) == 1 }
}
