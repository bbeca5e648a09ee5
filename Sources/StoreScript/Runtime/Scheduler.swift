import CLua
import CLuaShim
import LuaKit

/// Runs every script as a coroutine (OpenResty's cosocket model): a Swift function that must
/// wait suspends its task with `suspend`, the task's coroutine yields to this loop, and the
/// loop resumes it when the wait is over. One scheduler per Lua state; it runs on that state's
/// thread, and so does everything it calls.
public final class Scheduler {
    let lua: LuaState

    /// What a task is resumed with: a function that pushes values on the coroutine's stack
    /// and returns how many. After a suspension that is `true, results...` or `false, error`.
    public typealias Resumption = (LuaState, OpaquePointer) throws -> Int32
    /// A resumption that can be built on another thread (its captures are Sendable).
    public typealias RemoteResumption = @Sendable (LuaState, OpaquePointer) throws -> Int32

    public final class Task {
        public let id: Int
        let thread: LuaThread
        /// Bumped at each suspension so a late or repeated wake-up is ignored.
        var ticket = 0
        var started = false
        var waiting = false
        var finished = false
        /// What the task returned, off its coroutine's stack (which a script holding the
        /// coroutine could read or empty).
        public internal(set) var results: LuaPack?
        /// What the task raised: its message, traceback and (when not a string) the value
        /// itself, by reference, so a waiter raises the same object.
        public internal(set) var error: LuaError?
        /// Whether someone took the outcome (wait): a failure nobody took is reported.
        var observed = false
        var waiters: [Task] = []

        init(id: Int, thread: LuaThread) {
            self.id = id
            self.thread = thread
        }
    }

    /// Handed to the code a task waits on; calling it (once) wakes the task.
    public struct Wakeup: Sendable {
        let mailbox: Mailbox<Post>
        let taskID: Int
        let ticket: Int

        /// Wakes the task from any thread with what `resumption` pushes.
        public func callAsFunction(_ resumption: @escaping RemoteResumption) {
            mailbox.post(Post(taskID: taskID, ticket: ticket, resumption: resumption))
        }

        public func succeed() { self { _, co in lua_pushboolean(co, 1); return 1 } }
    }

    struct Post: Sendable {
        let taskID: Int
        let ticket: Int
        let resumption: RemoteResumption
    }

    private var tasks: [Int: Task] = [:]
    private var nextID = 1
    private var ready: [(Task, Resumption)] = []
    private var readyHead = 0
    private var timers = TimerHeap()
    private let mailbox = Mailbox<Post>()
    /// The task whose coroutine is running now.
    public private(set) var current: Task?
    /// Set by `suspend`; started once the task's coroutine has yielded to the loop, so a
    /// suspension that never reaches the loop (a C boundary) starts nothing.
    private var pending: (task: Task, start: (Wakeup) -> Void)?

    public init(lua: LuaState) {
        self.lua = lua
    }

    public var hasLiveTasks: Bool { !tasks.isEmpty }

    // MARK: Tasks

    /// Makes a task of the function under `nargs` arguments on the main stack and queues it.
    /// [-(nargs+1), +0]
    @discardableResult
    public func spawn(nargs: Int32) throws -> Task {
        let L = lua.L
        let fnIndex = lua_gettop(L) - nargs
        let thread: LuaThread
        do {
            try lua.reserve(1)
            shim_pushcfunction(L, shim_task_entry)
            thread = try lua.newThread()
            // The function and its arguments travel to the coroutine's stack now; the first
            // resume passes them to the entry, which calls the function.
            try lua.move(nargs + 1, from: L, to: thread.co)
        } catch {
            lua.top = fnIndex - 1
            throw error
        }
        thread.makeRoot()
        let task = Task(id: nextID, thread: thread)
        nextID += 1
        tasks[task.id] = task
        enqueue(task) { _, _ in nargs + 1 }
        return task
    }

    func enqueue(_ task: Task, _ r: @escaping Resumption) {
        ready.append((task, r))
    }

    public func task(id: Int) -> Task? { tasks[id] }

    /// Whether the task `holder` waits, directly or through others, for `task` to finish.
    public func waitsFor(holder: Int, task: Task) -> Bool {
        var seen: Set<Int> = [], stack = [task]
        while let t = stack.popLast() {
            for w in t.waiters where seen.insert(w.id).inserted {
                if w.id == holder { return true }
                stack.append(w)
            }
        }
        return false
    }

    // MARK: Suspending

    /// From inside a Swift function: suspends the calling task until `start`'s wake-up is
    /// called. Returns `LuaCall.suspend` for the function to return.
    public func suspend(_ call: LuaCall, start: @escaping (Wakeup) -> Void) throws -> Int32 {
        guard let task = current else {
            throw LuaError(.runtime, "\(call.name): cannot wait outside a running script")
        }
        guard call.canSuspend else { throw Scheduler.cannotYield(call.name) }
        pending = (task, start)
        return LuaCall.suspend
    }

    static func cannotYield(_ name: String) -> LuaError {
        LuaError(.runtime, "\(name): cannot wait here: Lua 5.4 cannot yield across a C call "
            + "(a table.sort comparator, a string.gsub callback, a metamethod called from C, "
            + "or a module's main chunk while require loads it); call it outside and pass the result in")
    }

    /// Wakes a task after `seconds` on the Lua thread's timer.
    public func after(_ seconds: Double, _ wakeup: Wakeup) {
        timers.push(at: LuaState.monotonicNow() + max(0, seconds), wakeup)
    }

    // MARK: The loop

    /// Runs until every task has finished. Throws when an interrupt or time limit stops the
    /// run; what the tasks themselves raised is on each task.
    public func run() throws {
        while true {
            if let stop = stopError() { throw stop }
            if readyHead < ready.count {
                let (task, resumption) = ready[readyHead]
                readyHead += 1
                if readyHead == ready.count { ready.removeAll(keepingCapacity: true); readyHead = 0 }
                step(task, resumption)
                if let e = task.error, e.isStop { throw e }
                continue
            }
            if tasks.isEmpty { return }
            fireTimers()
            if readyHead < ready.count { continue }
            // Idle: sleep until a post, the next timer, or a poll of the interrupt flag.
            let now = LuaState.monotonicNow()
            var until = now + 0.05
            if let next = timers.nextDeadline { until = min(until, next) }
            if let d = lua.deadline { until = min(until, max(d, now)) }
            for post in mailbox.take(waitingUntil: until) { deliver(post) }
            fireTimers()
        }
    }

    private func stopError() -> LuaError? {
        switch lua.stopRequested {
        case .none: return nil
        case .interrupted: return LuaError(.interrupted, "interrupted")
        case .timeout: return LuaError(.timeout, "time limit exceeded")
        case .terminated: return LuaError(.terminated, "terminated")
        }
    }

    private func fireTimers() {
        let now = LuaState.monotonicNow()
        while let w = timers.popDue(now) {
            deliver(Post(taskID: w.taskID, ticket: w.ticket) { _, co in lua_pushboolean(co, 1); return 1 })
        }
    }

    private func deliver(_ post: Post) {
        guard let task = tasks[post.taskID], task.waiting, task.ticket == post.ticket else { return }
        task.waiting = false
        enqueue(task, post.resumption)
    }

    private func step(_ task: Task, _ resumption: Resumption) {
        let co = task.thread.co
        let top = lua_gettop(co), mainTop = lua_gettop(lua.L)
        var nargs: Int32
        do {
            try lua.reserve(LUA_MINSTACK, on: co)
            nargs = try resumption(lua, co)
        } catch {
            let error = error as? LuaError ?? LuaError(.runtime, "\(error)")
            guard task.started, lua_checkstack(co, 2) != 0 else {
                finish(task, error: error)
                return
            }
            // An answer that could not be delivered (not JSON, too large, no memory) is raised
            // in the task, where the script can catch it.
            lua_settop(co, top)
            lua_settop(lua.L, mainTop)
            lua_pushboolean(co, 0)
            lua.pushError(error, on: co)
            nargs = 2
        }
        task.started = true
        current = task
        let outcome = lua.resume(task.thread, nargs: nargs)
        current = nil
        switch outcome {
        case .yielded(let n):
            let hosted = n >= 1 && lua.isHostYield(-n, on: co)
            lua_settop(co, -n - 1)
            guard hosted, let p = pending, p.task === task else {
                finish(task, error: LuaError(.runtime, "attempt to yield from outside a coroutine"))
                return
            }
            pending = nil
            task.ticket += 1
            task.waiting = true
            p.start(Wakeup(mailbox: mailbox, taskID: task.id, ticket: task.ticket))
        case .finished(let n):
            do {
                task.results = try lua.pack(n, from: co)
                finish(task, error: nil)
            } catch {
                finish(task, error: error as? LuaError ?? LuaError(.runtime, "\(error)"))
            }
        case .failed(let error):
            finish(task, error: error)
        }
    }

    private func finish(_ task: Task, error: LuaError?) {
        task.finished = true
        task.error = error
        tasks[task.id] = nil
        if pending?.task === task { pending = nil }
        for waiter in task.waiters { wakeWaiter(waiter, for: task) }
        if !task.waiters.isEmpty { task.observed = true }
        task.waiters = []
        if error != nil && !task.observed { failed.append(task) }
    }

    /// Tasks that failed before anyone waited for them (someone still may).
    private var failed: [Task] = []

    /// Failures of tasks nobody waited for, once the run is over.
    public func collectUnobservedFailures() -> [LuaError] {
        let errors = failed.filter { !$0.observed }.compactMap(\.error)
        failed = []
        return errors
    }

    // MARK: Waiting for tasks

    /// From a Swift function: the outcome of `task` now if it has finished, else suspends the
    /// caller until it does. The caller gets the task's results or its error.
    public func wait(for task: Task, _ call: LuaCall) throws -> Int32 {
        if task.finished {
            task.observed = true
            if let error = task.error { throw Scheduler.raised(error) }
            return try task.results?.unpack(onto: call.L) ?? 0
        }
        guard let me = current else { throw LuaError(.runtime, "\(call.name): cannot wait outside a running script") }
        if me === task { throw LuaError(.runtime, "\(call.name): a task cannot wait for itself") }
        return try suspend(call) { _ in task.waiters.append(me) }
    }

    private func wakeWaiter(_ waiter: Task, for task: Task) {
        guard waiter.waiting else { return }
        waiter.waiting = false
        enqueue(waiter) { lua, co in
            if let error = task.error {
                lua_pushboolean(co, 0)
                lua.pushError(Scheduler.raised(error), on: co)
                return 2
            }
            lua_pushboolean(co, 1)
            return try (task.results?.unpack(onto: co) ?? 0) + 1
        }
    }

    /// The error as it is raised again in another task: the same value (a table keeps its
    /// identity and metatable), or the same message.
    static func raised(_ error: LuaError) -> LuaError {
        if error.value != nil { return error }
        return LuaError(error.kind, error.message, value: .string(error.message))
    }

    /// Drops every task (the REPL after Ctrl-C): their coroutines are left to the collector.
    public func reset() {
        tasks = [:]
        ready = []
        readyHead = 0
        timers = TimerHeap()
        pending = nil
        failed = []
        _ = mailbox.take(waitingUntil: nil)
    }
}

/// Timers ordered by deadline (a binary min-heap; ties keep their order).
struct TimerHeap {
    private var items: [(at: Double, seq: Int, wakeup: Scheduler.Wakeup)] = []
    private var seq = 0

    var nextDeadline: Double? { items.first?.at }

    mutating func push(at: Double, _ w: Scheduler.Wakeup) {
        seq += 1
        items.append((at, seq, w))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popDue(_ now: Double) -> Scheduler.Wakeup? {
        guard let first = items.first, first.at <= now else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && less(l, m) { m = l }
                if r < items.count && less(r, m) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first.wakeup
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].at < items[b].at || (items[a].at == items[b].at && items[a].seq < items[b].seq)
    }
}
