#if canImport(Glibc)
import Glibc
#endif

/// The process environment; an empty variable counts as unset.
public enum Environment {
    public static subscript(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }
}
