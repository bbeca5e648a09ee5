#if canImport(Glibc)
import Glibc
#endif
import CLuaShim

/// One store's process under `--profiles`: started with its own standard input (nothing, or
/// the script the parent read once), its output on two pipes read a line at a time, and the
/// parent's supervision: a pipe on fd 3 that reads end-of-file when the parent dies, and the
/// parent's `--lock` on fd 4, so the lock is held until the last store has stopped.
struct StoreProcess {
    /// A pipe from the store, with the bytes of its unfinished line.
    struct Stream {
        let fd: Int32
        let isStdout: Bool
        var pending: [UInt8] = []
        var open = true
    }

    let profile: String
    let pid: pid_t
    var streams: [Stream]
    /// The exit status, once reaped: the code, or 128 + the signal that ended it.
    var status: Int32?
    /// What its lines said of how it went.
    var report = StoreReport()

    var closed: Bool { streams.allSatisfy { !$0.open } }

    /// The descriptors a store's process inherits: STORESCRIPT_SUPERVISOR names them.
    static let watchFD: Int32 = 3, lockFD: Int32 = 4

    /// Starts `argv` with `input` (nil: /dev/null) as its standard input. SIGINT and SIGTERM
    /// must be blocked by the caller (the child gets an empty mask and default handlers).
    init(profile: String, argv: [String], input: [UInt8]?, watch: Int32, lock: Int32?) throws {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard StoreProcess.pipe(&out) else { throw ConfigError("pipe: \(String(cString: strerror(errno)))") }
        guard StoreProcess.pipe(&err) else {
            close(out[0]); close(out[1])
            throw ConfigError("pipe: \(String(cString: strerror(errno)))")
        }
        let stdin = try StoreProcess.inputFile(input)
        defer { if stdin >= 0 { close(stdin) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin >= 0 {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        posix_spawn_file_actions_adddup2(&actions, watch, StoreProcess.watchFD)
        var fds = "\(StoreProcess.watchFD)"
        if let lock {
            posix_spawn_file_actions_adddup2(&actions, lock, StoreProcess.lockFD)
            fds += " \(StoreProcess.lockFD)"
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let env = StoreProcess.environment(supervisor: fds)
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { for p in cargs + cenv { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, argv[0], &actions, &attributes, &cargs, &cenv)
        close(out[1])
        close(err[1])
        guard rc == 0 else {
            close(out[0])
            close(err[0])
            throw ConfigError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
        }
        (self.profile, pid) = (profile, child)
        streams = [Stream(fd: out[0], isStdout: true), Stream(fd: err[0], isStdout: false)]
    }

    /// `fd` moved above the descriptors a store's process is given (0 to 4), so that giving
    /// one never overwrites another before it is given; the original is closed.
    static func aside(_ fd: Int32) -> Int32 {
        guard fd <= lockFD else { return fd }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 10)
        guard moved >= 0 else { return fd }
        close(fd)
        return moved
    }

    /// A pipe whose ends no other command inherits; false (errno set) on failure.
    static func pipe(_ fds: inout [Int32]) -> Bool {
        guard Glibc.pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// This process's environment with STORESCRIPT_SUPERVISOR set to the inherited descriptors.
    private static func environment(supervisor fds: String) -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("STORESCRIPT_SUPERVISOR=") { out.append(text) }
            p += 1
        }
        return out + ["STORESCRIPT_SUPERVISOR=\(fds)"]
    }

    /// A file holding `input`, unlinked, at offset 0: each store reads the whole script.
    private static func inputFile(_ input: [UInt8]?) throws -> Int32 {
        guard let input else { return -1 }
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(dir)/storescript-stdin-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ConfigError("cannot keep the script read from standard input: \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var offset = 0
        while offset < input.count {
            let n = input.withUnsafeBytes { write(fd, $0.baseAddress! + offset, input.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                throw ConfigError("cannot keep the script read from standard input: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    /// Reads what stream `i` has (poll said it is readable) and hands over each whole line,
    /// without its newline; at end of file, the unfinished one too. Linear in what is read,
    /// however long a line grows: each byte is looked at once, and only the rest of the read
    /// after the last newline is kept back.
    mutating func drain(_ i: Int, scratch: inout [UInt8], _ line: (ArraySlice<UInt8>, Bool) -> Void) {
        let fd = streams[i].fd
        let n = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 && (errno == EINTR || errno == EAGAIN) { return }
        if n <= 0 {
            streams[i].open = false
            close(fd)
            if !streams[i].pending.isEmpty { line(streams[i].pending[...], streams[i].isStdout) }
            streams[i].pending = []
            return
        }
        let fresh = scratch[0..<n]
        guard let last = fresh.lastIndex(of: 10) else {
            streams[i].pending.append(contentsOf: fresh)
            return
        }
        var start = fresh.startIndex
        if !streams[i].pending.isEmpty, let nl = fresh.firstIndex(of: 10) {
            streams[i].pending.append(contentsOf: fresh[..<nl])
            line(streams[i].pending[...], streams[i].isStdout)
            streams[i].pending.removeAll(keepingCapacity: false)
            start = nl + 1
        }
        while start <= last, let nl = fresh[start...].firstIndex(of: 10) {
            line(fresh[start..<nl], streams[i].isStdout)
            start = nl + 1
        }
        streams[i].pending.append(contentsOf: fresh[(last + 1)...])
    }

    /// Reaps it if it has ended (or, with `block`, when it ends).
    mutating func reap(block: Bool) {
        guard status == nil else { return }
        var raw: Int32 = 0
        var rc: pid_t
        repeat { rc = waitpid(pid, &raw, block ? 0 : WNOHANG) } while rc < 0 && errno == EINTR
        guard rc == pid else { return }
        // Exited: its status; killed by a signal: 128 + the signal, as a shell reports it.
        let signal = raw & 0x7F
        status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    /// In a store's process: adopts what the parent handed over (STORESCRIPT_SUPERVISOR): the
    /// descriptors are kept from commands the script starts, and the first is watched, so
    /// that the store stops (as SIGTERM stops it) when the parent dies.
    static func adoptSupervisor() {
        guard let value = getenv("STORESCRIPT_SUPERVISOR") else { return }
        let fds = String(cString: value).split(separator: " ").compactMap { Int32($0) }
        unsetenv("STORESCRIPT_SUPERVISOR")
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        if let watch = fds.first { _ = shim_supervised_by(watch) }
    }
}
