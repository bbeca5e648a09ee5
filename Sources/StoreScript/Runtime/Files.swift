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
}
