#if canImport(Glibc)
import Glibc
#endif

/// Whole files, read with stdio (no Foundation on the runtime's path).
enum Files {
    /// The file's bytes, or nil if it cannot be opened.
    static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes += chunk[0..<n] }
            if n < chunk.count { break }
        }
        return bytes
    }

    /// Writes the file whole, created (or truncated) with `mode`; nil, or why it could not.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        let written = fd >= 0 ? bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } : -1
        let reason = String(cString: strerror(errno))
        if fd >= 0 { close(fd) }
        return written == bytes.count ? nil : reason
    }
}
