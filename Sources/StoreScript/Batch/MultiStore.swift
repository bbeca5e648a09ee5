#if canImport(Glibc)
import Glibc
#endif
import CLuaShim

/// `run --profiles a,b` (or a glob, `shop-*`): the run once per store, concurrently, each in a
/// process of its own — its own rate limiter, connections, state directory and failure — with
/// every output line prefixed by its profile. Exit 0 when every store's run did, else 1 after
/// a line naming each store that failed and how. The parent holds `--lock` for all of them,
/// and passes SIGINT and SIGTERM on: each store stops in order, then the parent exits 130 or
/// 143 with one line naming the stores it stopped.
public enum MultiStore {
    /// The profiles of config.toml that the comma list names (exactly, or by `*`/`?` glob), in order.
    public static func profiles(_ list: String, configPath: String = ConfigFile.defaultPath) throws -> [String] {
        let known = (try ConfigFile.load(configPath))?.profiles.keys.sorted() ?? []
        var out: [String] = []
        for pattern in list.split(separator: ",").map({ String($0.filter { !$0.isWhitespace }) }) where !pattern.isEmpty {
            let matched = pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" })
                ? known.filter { fnmatch(pattern, $0, 0) == 0 }
                : (known.contains(pattern) ? [pattern] : [])
            guard !matched.isEmpty else {
                throw ConfigError("--profiles: no profile \(pattern) in \(configPath) (it has \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            for name in matched where !out.contains(name) { out.append(name) }
        }
        return out
    }

    /// Runs `executable` with `arguments(profile)` for each profile at once, holding `lock`
    /// (as `--lock` does) while any runs; returns the exit status.
    public static func run(profiles: [String], executable: String, lock lockPath: String?, say: Diagnostics,
                           arguments: (String) -> [String]) -> Int32 {
        var lock: Int32?
        if let lockPath {
            switch Lock.take(lockPath, say) {
            case .success(let fd): lock = fd
            case .failure(let refused): return refused.status
            }
        }
        defer { if let lock { close(lock) } }
        let signals = shim_relay_start()
        var children: [Child] = []
        for name in profiles where shim_relay_received() == 0 {
            do {
                let child = try Child(profile: name, argv: [executable] + arguments(name))
                shim_relay_add(child.pid)
                children.append(child)
            } catch {
                say.error("[\(name)] could not start: \(error)")
            }
        }
        let width = profiles.map(\.count).max() ?? 0
        // Read every pipe until all close, a line at a time, prefixed.
        while children.contains(where: { !$0.closed }) {
            var fds = children.flatMap { c in c.pipes.filter(\.open).map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) } }
            if signals >= 0 { fds.append(pollfd(fd: signals, events: Int16(POLLIN), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { break }
            for i in children.indices { children[i].drain(width: width) }
        }
        var failed: [String] = []
        for i in children.indices {
            let status = children[i].wait()
            if status != 0 { failed.append("\(children[i].profile) (exit \(status))") }
        }
        let stopped = shim_relay_received()
        if stopped != 0 {
            let names = children.map(\.profile).joined(separator: ", ")
            say.error("\(stopped == SIGINT ? "interrupted" : "terminated"); stopped \(names.isEmpty ? "no store" : names)")
            return 128 + stopped
        }
        failed += profiles.filter { p in !children.contains { $0.profile == p } }.map { "\($0) (not started)" }
        if !failed.isEmpty {
            say.error("\(failed.count) of \(profiles.count) stores failed: \(failed.joined(separator: ", "))")
            return 1
        }
        return 0
    }

    /// One store's process and the two pipes it writes to.
    struct Child {
        struct Pipe {
            let fd: Int32
            let toStdout: Bool
            var pending: [UInt8] = []
            var open = true
        }

        let profile: String
        let pid: pid_t
        var pipes: [Pipe]
        var closed: Bool { pipes.allSatisfy { !$0.open } }

        init(profile: String, argv: [String]) throws {
            var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
            guard pipe(&out) == 0, pipe(&err) == 0 else { throw ConfigError("pipe: \(String(cString: strerror(errno)))") }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, out[1], 1)
            posix_spawn_file_actions_adddup2(&actions, err[1], 2)
            for fd in out + err { posix_spawn_file_actions_addclose(&actions, fd) }
            var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            defer { for p in cargs { free(p) } }
            var child: pid_t = 0
            let rc = posix_spawn(&child, argv[0], &actions, nil, &cargs, environ)
            close(out[1])
            close(err[1])
            guard rc == 0 else {
                close(out[0])
                close(err[0])
                throw ConfigError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
            }
            (self.profile, pid) = (profile, child)
            pipes = [Pipe(fd: out[0], toStdout: true), Pipe(fd: err[0], toStdout: false)]
        }

        /// Reads what is there (non-blocking after poll said so) and writes whole lines, prefixed.
        mutating func drain(width: Int) {
            let prefix = "[\(profile)]" + String(repeating: " ", count: max(width - profile.count, 0)) + " "
            for i in pipes.indices where pipes[i].open {
                var probe = pollfd(fd: pipes[i].fd, events: Int16(POLLIN), revents: 0)
                guard poll(&probe, 1, 0) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 65_536)
                let n = read(pipes[i].fd, &buffer, buffer.count)
                if n <= 0 {
                    pipes[i].open = false
                    close(pipes[i].fd)
                    if !pipes[i].pending.isEmpty { emit(prefix, pipes[i].pending, pipes[i].toStdout); pipes[i].pending = [] }
                    continue
                }
                pipes[i].pending += buffer[0..<n]
                while let nl = pipes[i].pending.firstIndex(of: 10) {
                    emit(prefix, Array(pipes[i].pending[...nl].dropLast()), pipes[i].toStdout)
                    pipes[i].pending.removeSubrange(...nl)
                }
            }
        }

        func emit(_ prefix: String, _ line: [UInt8], _ toStdout: Bool) {
            let text = prefix + String(decoding: line, as: UTF8.self) + "\n"
            if toStdout { Console.out(text) } else { Console.err(text) }
        }

        func wait() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            // Exited: its status; killed by a signal: 128 + the signal, as a shell reports it.
            let signal = status & 0x7F
            return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        }
    }
}
