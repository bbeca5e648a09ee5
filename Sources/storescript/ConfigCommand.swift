import ArgumentParser
import JSON
import StoreClient
import StoreScript
#if canImport(Glibc)
import Glibc
#endif

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Create and inspect config.toml: the stores (profiles) scripts run against.",
        discussion: """
            The file is $STORESCRIPT_CONFIG, else $XDG_CONFIG_HOME/storescript/config.toml, else \
            ~/.config/storescript/config.toml. A profile named with --profile or STORESCRIPT_PROFILE \
            is used as written; otherwise BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN, \
            BIGCOMMERCE_API_URL, DIGICERT_API_KEY and DIGICERT_API_URL override the default profile.
            """,
        subcommands: [Init.self, Show.self, Test.self, Path.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a profile to config.toml (the file is created with mode 0600).",
            discussion: """
                Secrets are never taken on the command line (other users can read it in ps): \
                name the environment variable that holds the token (--token-env), pipe the token \
                in (--token-stdin), or run in a terminal to be asked.

                Examples:
                  storescript config init --store-hash abc123 --token-env SHOP_TOKEN
                  printf %s "$TOKEN" | storescript config init --profile staging --store-hash def456 --token-stdin
                """
        )

        @OptionGroup var selection: ProfileOption
        var profile: String { selection.profile ?? "default" }

        @Option(name: .customLong("store-hash"), help: "The store's hash (api.bigcommerce.com/stores/HASH).")
        var storeHash: String?

        @Option(name: .customLong("token-env"), help: ArgumentHelp("The environment variable holding the access token.", valueName: "VAR"))
        var tokenEnv: String?

        @Flag(name: .customLong("token-stdin"), help: "Read the access token from standard input and keep it in the file.")
        var tokenStdin = false

        @Option(name: .customLong("digicert-key-env"), help: ArgumentHelp("The environment variable holding the DigiCert API key.", valueName: "VAR"))
        var digiCertKeyEnv: String?

        @Flag(help: "Replace the profile if it exists (a new token, say); the other profiles stay as they are.")
        var force = false

        @Option(name: .customLong("api-url"), help: "The store's API base URL, if not api.bigcommerce.com (a proxy).")
        var apiURL: String?

        func validate() throws {
            if tokenEnv != nil && tokenStdin { throw ValidationError("give --token-env or --token-stdin, not both") }
            if let why = ProfileName.problem(profile) { throw ValidationError("--profile \(why)") }
        }

        func run() throws {
            let path = ConfigFile.defaultPath
            let existing = try load(path)
            if let existing, existing.profiles[profile] != nil {
                guard force else {
                    throw failure("profile \(profile) already exists in \(path); --force replaces it, or choose another --profile")
                }
                try removeProfile(profile, from: path)
            }
            let interactive = Console.stdinIsTerminal
            var hash = storeHash
            var token: String?
            var tokenVariable = tokenEnv
            if hash == nil {
                guard interactive else { throw failure("give --store-hash (or run in a terminal to be asked)") }
                hash = Prompt.line("Store hash (from api.bigcommerce.com/stores/HASH): ")
            }
            guard let hash, !hash.isEmpty else { throw failure("a store hash is needed") }
            if tokenStdin {
                token = readLine(strippingNewline: true)
                guard let t = token, !t.isEmpty else { throw failure("--token-stdin: standard input held no token") }
            } else if tokenVariable == nil && interactive {
                let typed = Prompt.line("Access token (hidden; empty to read it from an environment variable): ", hidden: true) ?? ""
                if typed.isEmpty {
                    let v = Prompt.line("Environment variable holding the token [BIGCOMMERCE_ACCESS_TOKEN]: ") ?? ""
                    tokenVariable = v.isEmpty ? "BIGCOMMERCE_ACCESS_TOKEN" : v
                } else {
                    token = typed
                }
            }
            if token == nil && tokenVariable == nil { tokenVariable = "BIGCOMMERCE_ACCESS_TOKEN" }

            var text = existing == nil
                ? "# storescript configuration: `storescript config show` prints what a run would use.\ndefault_profile = \(quote(profile))\n"
                : ""
            text += "\n[profiles.\(profile)]\n"
            text += "store_hash = \(quote(hash))\n"
            if let token { text += "access_token = \(quote(token))\n" }
            if let tokenVariable { text += "access_token_env = \(quote(tokenVariable))\n" }
            if let apiURL { text += "api_url = \(quote(apiURL))\n" }
            if let digiCertKeyEnv { text += "digicert_api_key_env = \(quote(digiCertKeyEnv))\n" }
            text += """
                # concurrency = 8          # requests in flight for async.map and batch calls
                # request_timeout = 30     # seconds for one request
                # max_attempts = 5         # tries of one request, the first included
                # max_retry_seconds = 120  # no new try after this many seconds

                """
            try append(text, to: path)
            Console.out("\(existing == nil ? "created" : "updated") \(path) (mode 0600) with profile \(profile)\n")
            if let tokenVariable, Environment[tokenVariable] == nil {
                Console.out("note: \(tokenVariable) is not set in this shell; set it before running scripts\n")
            }
        }

        /// Takes the `[profiles.NAME]` table out of the file (up to the next table), keeping the rest.
        private func removeProfile(_ name: String, from path: String) throws {
            guard let f = fopen(path, "r") else { throw failure("cannot read \(path)") }
            var text = ""
            var buf = [CChar](repeating: 0, count: 4096)
            while fgets(&buf, Int32(buf.count), f) != nil { text += String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            fclose(f)
            var kept: [Substring] = [], skipping = false
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let trimmed = line.drop { $0 == " " }
                if trimmed.hasPrefix("[") {
                    let header = trimmed.filter { $0 != " " && $0 != "\"" }
                    skipping = header == "[profiles.\(name)]"
                }
                if !skipping { kept.append(line) }
            }
            var rest = kept.joined(separator: "\n")
            while rest.hasSuffix("\n\n") { rest.removeLast() }
            let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { throw failure("cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let bytes = Array(rest.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw failure("cannot write \(path)") }
        }

        private func load(_ path: String) throws -> ConfigFile? {
            do { return try ConfigFile.load(path) } catch { throw failure(error.description) }
        }

        /// Appends, creating the directory (0700) and the file (0600); the file ends up 0600.
        private func append(_ text: String, to path: String) throws {
            let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            if !dir.isEmpty, let why = Directories.make(dir) { throw failure(why) }
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw failure("cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            fchmod(fd, 0o600)
            let bytes = Array(text.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
                throw failure("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }

        /// A JSON string literal is a TOML basic string.
        private func quote(_ s: String) -> String { Diagnostics.quote(s) }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the settings a run would use, where each comes from; secrets as ***.")

        @OptionGroup var selection: ProfileOption

        func run() throws {
            let store: StoreSettings
            do { store = try StoreSettings.resolve(profile: selection.profile) } catch { throw failure(error.description) }
            let file = store.configPath ?? "\(ConfigFile.defaultPath) (not created yet)"
            Console.out("# \(file)\(store.profile.map { ", profile \($0)" } ?? "")\n")
            for line in store.lines { Console.out(line + "\n") }
            if let path = store.configPath, let parsed = try? ConfigFile.load(path) {
                Console.out("# profiles: \(parsed.profiles.keys.sorted().joined(separator: ", "))\n")
            }
            if !store.hasStore { Console.out("# \(store.noStoreAdvice)\n") }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make one authenticated request to the store: its name, plan and rate-limit quota, or the exact failure.")

        @OptionGroup var selection: ProfileOption

        func run() async throws {
            let store: StoreSettings
            do { store = try StoreSettings.resolve(profile: selection.profile) } catch { throw failure(error.description) }
            guard let hash = store.storeHash, let token = store.accessToken else { throw failure(store.noStoreAdvice) }
            let client: StoreClient
            do {
                client = try StoreClient(endpoint: try .bigCommerce(storeHash: hash.value, token: token.value, apiURL: store.apiURL?.value),
                                         retry: store.retryPolicy, connectTimeout: store.connectTimeout.value, caFile: store.caFile?.value)
            } catch {
                throw failure("\(error)")
            }
            do throws(StoreError) {
                let answer = try await client.send(APIRequest(method: "GET", path: "/v2/store"))
                let info = (try? JSON.parse(answer.body))?.objectValue ?? JSONObject()
                let quota = answer.header("X-Rate-Limit-Requests-Quota").map { q in
                    "\(q) requests per \(answer.header("X-Rate-Limit-Time-Window-Ms").flatMap { Int($0) }.map { "\($0 / 1000) s" } ?? "window")"
                } ?? "not reported"
                Console.out("ok: \(info["name"]?.stringValue ?? "?") (store \(hash.value)\(store.profile.map { ", profile \($0)" } ?? ""))\n")
                Console.out("plan: \(info["plan_name"]?.stringValue ?? info["plan_level"]?.stringValue ?? "?")\n")
                Console.out("rate limit: \(quota)\n")
            } catch {
                var text = "storescript: config test: \(error.description)\n"
                if let next = ConfigCommand.Test.advice(error.status, hash: hash.value, token: token.origin) { text += "storescript: \(next)\n" }
                Console.err(text)
                throw ExitCode(ExitStatus.scriptError)
            }
        }

        /// What to check after a refusal: which token was sent (where it came from, never its
        /// value) and what makes a store refuse one.
        static func advice(_ status: Int, hash: String, token origin: String) -> String? {
            let which = "the access token from \(origin)"
            switch status {
            case 401:
                return "store \(hash) did not accept \(which): check that it is the token of an API account of this store "
                    + "(Settings, API, Store-level API accounts), copied whole, and that the account was not deleted"
            case 403:
                return "store \(hash) accepted \(which) but its API account may not read store information: give the "
                    + "account the Information & settings scope (read-only), or more for what your scripts change"
            default:
                return nil
            }
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print where config.toml is read from.")

        func run() {
            Console.out(ConfigFile.defaultPath + "\n")
        }
    }
}

/// A configuration command that cannot proceed: the message, exit 2.
private func failure(_ message: String) -> Error {
    Console.err("storescript: \(message)\n")
    return ExitCode(ExitStatus.usage)
}

/// A line typed at the terminal; `hidden` turns echo off (for a token).
enum Prompt {
    static func line(_ prompt: String, hidden: Bool = false) -> String? {
        Console.out(prompt)
        var saved = termios()
        let restore = hidden && tcgetattr(0, &saved) == 0
        if restore {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &quiet)
        }
        let text = readLine(strippingNewline: true)
        if restore {
            tcsetattr(0, TCSANOW, &saved)
            Console.out("\n")
        }
        return text?.trimmingWhitespace
    }
}

private extension String {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
