import CLua
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
        var waiting = false
        var finished = false
        var resultCount: Int32 = 0
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
    /// The weak set of task coroutines, which the Lua side treats as main threads.
    private let rootsRef: Int32

    public init(lua: LuaState) throws {
        self.lua = lua
        try lua.newTable()
        try lua.newTable()
        try lua.push("k")
        try lua.rawSet(-2, field: "__mode")
        lua_setmetatable(lua.L, -2)
        rootsRef = try lua.ref()
    }

    /// Pushes the weak table of task coroutines. [-0, +1]
    func pushRoots() { lua.pushRef(rootsRef) }

    public var hasLiveTasks: Bool { !tasks.isEmpty }

    // MARK: Tasks

    /// Makes a task of the function under `nargs` arguments on the main stack and queues it.
    /// [-(nargs+1), +0]
    @discardableResult
    public func spawn(nargs: Int32) throws -> Task {
        let L = lua.L
        let fnIndex = lua_gettop(L) - nargs
        lua_pushvalue(L, fnIndex)
        let thread: LuaThread
        do { thread = try lua.newThread() } catch { lua.top = fnIndex - 1; throw error }
        // The arguments travel to the coroutine's stack now; the first resume takes them.
        lua_xmove(L, thread.co, nargs)
        lua.pop()
        let task = Task(id: nextID, thread: thread)
        nextID += 1
        tasks[task.id] = task
        pushRoots()
        thread.push()
        lua.push(true)
        try lua.rawSet(-3)
        lua.pop()
        enqueue(task) { _, _ in nargs }
        return task
    }

    func enqueue(_ task: Task, _ r: @escaping Resumption) {
        ready.append((task, r))
    }

    public func task(id: Int) -> Task? { tasks[id] }

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
                if let e = task.error, e.kind == .interrupted || e.kind == .timeout { throw e }
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
        let nargs: Int32
        do {
            nargs = try resumption(lua, co)
        } catch let error as LuaError {
            finish(task, error: error)
            return
        } catch {
            finish(task, error: LuaError(.runtime, "\(error)"))
            return
        }
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
            task.resultCount = n
            finish(task, error: nil)
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
            let n = task.resultCount
            for i in 0..<n { lua_pushvalue(task.thread.co, -n + i); lua_xmove(task.thread.co, call.L, 1) }
            return n
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
                try Scheduler.pushErrorValue(error, lua: lua, on: co)
                return 2
            }
            lua_pushboolean(co, 1)
            let n = task.resultCount
            for i in 0..<n { lua_pushvalue(task.thread.co, -n + i); lua_xmove(task.thread.co, co, 1) }
            return n + 1
        }
    }

    /// The error as it is raised again in another task: its value, or its message.
    static func raised(_ error: LuaError) -> LuaError {
        if error.value != nil { return error }
        return LuaError(error.kind, error.message, value: .string(error.message))
    }

    static func pushErrorValue(_ error: LuaError, lua: LuaState, on co: OpaquePointer) throws {
        try lua.push(error.value ?? .string(error.message))
        lua_xmove(lua.L, co, 1)
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
