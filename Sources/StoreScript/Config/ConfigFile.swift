#if canImport(Glibc)
import Glibc
#endif
import TOMLKit

/// `config.toml`: named profiles, each a flat table of the keys in `ConfigFile.keys`.
///
///     default_profile = "main"
///     [profiles.main]
///     store_hash = "abc123"
///     access_token_env = "MAIN_STORE_TOKEN"
///
/// A file that holds a secret (`access_token`, `digicert_api_key`) must not be readable by
/// group or others, and no file may be writable by them: it is refused, with the `chmod` to
/// run, before anything is read from it.
public struct ConfigFile {
    public enum Value: Equatable, Sendable {
        case string(String), integer(Int), number(Double)
    }

    public let path: String
    public let defaultProfile: String?
    /// Profile name → key → value, in the file's order of keys.
    public let profiles: [String: [(key: String, value: Value)]]

    /// The keys a profile may hold (README, "Stores and profiles", says what each is).
    public static let keys = [
        "store_hash", "access_token", "access_token_env", "api_url",
        "digicert_api_key", "digicert_api_key_env", "digicert_api_url", "ca_file",
        "concurrency", "connect_timeout", "request_timeout", "max_attempts", "max_retry_seconds",
    ]
    static let secretKeys: Set<String> = ["access_token", "digicert_api_key"]

    /// `$STORESCRIPT_CONFIG`, else `$XDG_CONFIG_HOME/storescript/config.toml`, else
    /// `~/.config/storescript/config.toml`.
    public static var defaultPath: String {
        if let path = Environment["STORESCRIPT_CONFIG"] { return path }
        let base = Environment["XDG_CONFIG_HOME"] ?? ((Environment["HOME"] ?? ".") + "/.config")
        return base + "/storescript/config.toml"
    }

    /// Reads and checks the file; nil when there is none.
    public static func load(_ path: String = ConfigFile.defaultPath) throws(ConfigError) -> ConfigFile? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw ConfigError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ConfigError("\(path) is not a regular file") }
        // Whoever may change the file chooses where the token goes (api_url): only its owner may.
        if info.st_mode & 0o022 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw ConfigError("""
                \(path) can be changed by others (mode \(mode)): one of them could send your token to another \
                api_url; nothing was read from it. Run: chmod go-w '\(path)'
                """)
        }
        guard let text = readText(path) else {
            throw ConfigError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let file = try parse(text, path: path)
        if let secret = file.firstSecret, info.st_mode & 0o044 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw ConfigError("""
                \(path) holds a secret (\(secret)) and others can read it (mode \(mode)); \
                nothing was read from it. Run: chmod 600 '\(path)'
                """)
        }
        return file
    }

    static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw ConfigError("\(path):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
        var defaultProfile: String?
        var profiles: [String: [(key: String, value: Value)]] = [:]
        for (key, value) in root {
            switch key {
            case "default_profile":
                guard let name = value.string else { throw ConfigError("\(path): default_profile must be a string (a profile's name)") }
                defaultProfile = name
            case "profiles":
                guard let table = value.table else { throw ConfigError("\(path): profiles must be a table: [profiles.NAME]") }
                for (name, entry) in table {
                    if let why = ProfileName.problem(name) { throw ConfigError("\(path): profile \(why)") }
                    guard let entry = entry.table else { throw ConfigError("\(path): profiles.\(name) must be a table: [profiles.\(name)]") }
                    profiles[name] = try entries(of: entry, profile: name, path: path)
                }
            default:
                throw ConfigError("\(path): unknown key \(key) (the file holds default_profile and [profiles.NAME] tables)")
            }
        }
        if let d = defaultProfile, profiles[d] == nil {
            throw ConfigError("\(path): default_profile names \(d), which has no [profiles.\(d)] table")
        }
        return ConfigFile(path: path, defaultProfile: defaultProfile, profiles: profiles)
    }

    private static func entries(of table: TOMLTable, profile: String, path: String) throws(ConfigError) -> [(key: String, value: Value)] {
        var out: [(key: String, value: Value)] = []
        for (key, v) in table {
            guard keys.contains(key) else {
                throw ConfigError("\(path): profiles.\(profile): unknown key \(key) (known: \(keys.joined(separator: ", ")))")
            }
            if let s = v.string {
                out.append((key, .string(s)))
            } else if let i = v.int {
                out.append((key, .integer(i)))
            } else if let d = v.double {
                out.append((key, .number(d)))
            } else {
                throw ConfigError("\(path): profiles.\(profile).\(key) must be a string or a number, not a \(v.type)")
            }
        }
        return out
    }

    /// `profiles.NAME.KEY` of the first secret held in the file itself.
    var firstSecret: String? {
        for name in profiles.keys.sorted() {
            if let e = profiles[name]!.first(where: { ConfigFile.secretKeys.contains($0.key) }) { return "profiles.\(name).\(e.key)" }
        }
        return nil
    }

    private static func readText(_ path: String) -> String? {
        Files.read(path).flatMap { String(validating: $0, as: UTF8.self) }
    }
}

/// A configuration that cannot be used: exit 2, with what to do.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A profile's name names directories too (`--state-dir DIR` is `DIR/PROFILE` under
/// `--profiles`): letters, digits, `-`, `_` and `.`, never `..` or a leading dot.
public enum ProfileName {
    /// Why `name` cannot be a profile's name, or nil.
    public static func problem(_ name: String) -> String? {
        let allowed = !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
        }
        guard allowed, !name.contains(".."), !name.hasPrefix(".") else {
            return "names must be letters, digits, '-', '_' and '.' (no '..', no leading '.'), got \(name)"
        }
        return nil
    }
}
