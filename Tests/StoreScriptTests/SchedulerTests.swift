import LuaKit
import Testing
@testable import StoreScript

@Suite struct SchedulerBehaviour {
    @Test("sleeping tasks wake in deadline order while others run")
    func sleepOrder() throws {
        let v = try runScript("""
            local order = {}
            local function after(s, name) return async.spawn(function() async.sleep(s) order[#order+1] = name end) end
            local c, a, b = after(0.03, "c"), after(0.01, "a"), after(0.02, "b")
            async.wait(a) async.wait(b) async.wait(c)
            return table.concat(order)
            """)
        #expect(v == .string("abc"))
    }

    @Test("tasks overlap: three 0.2 s sleeps take about 0.2 s, not 0.6 s")
    func concurrency() throws {
        let start = LuaState.monotonicNow()
        _ = try runScript("async.all{function() async.sleep(0.2) end, function() async.sleep(0.2) end, function() async.sleep(0.2) end}")
        let elapsed = LuaState.monotonicNow() - start
        #expect(elapsed < 0.55) // sequential would be 0.6
        #expect(elapsed >= 0.2)
    }

    @Test("wait returns a task's results, and raises its error in the waiter")
    func waitResults() throws {
        #expect(try runScript("local t = async.spawn(function(a, b) async.sleep(0) return a + b, 'x' end, 40, 2) local n, s = t:wait() return n .. s") == .string("42x"))
        #expect(try runScript("""
            local t = async.spawn(function() async.sleep(0) error({code = 7}) end)
            local ok, e = pcall(async.wait, t)
            return (not ok) and e.code
            """) == .integer(7))
        #expect(try runScript("local t = async.spawn(function() return 5 end) async.sleep(0.01) return t:wait()") == .integer(5))
    }

    @Test("async.all returns each function's first result in order; async.map keeps order under a bound")
    func allAndMap() throws {
        #expect(try runScript("local a, b = async.all{function() async.sleep(0.02) return 'a' end, function() return 'b' end} return a .. b") == .string("ab"))
        #expect(try runScript("""
            local inflight, peak = 0, 0
            local r = async.map({1,2,3,4,5,6,7}, function(x)
              inflight = inflight + 1; peak = math.max(peak, inflight)
              async.sleep(0.01)
              inflight = inflight - 1
              return x * x
            end, {concurrency = 3})
            return table.concat(r, ",") .. " peak=" .. peak
            """) == .string("1,4,9,16,25,36,49 peak=3"))
    }

    @Test("a host wait inside a script's own coroutine is passed up to the scheduler")
    func flattening() throws {
        #expect(try runScript("""
            local gen = coroutine.wrap(function()
              for i = 1, 3 do async.sleep(0.001) coroutine.yield(i) end
            end)
            return gen() + gen() + gen()
            """) == .integer(6))
        #expect(try runScript("""
            local co = coroutine.create(function(a) async.sleep(0.001) local b = coroutine.yield(a * 2) return b + 1 end)
            local ok1, x = coroutine.resume(co, 5)
            local ok2, y = coroutine.resume(co, 10)
            return tostring(ok1) .. x .. tostring(ok2) .. y .. coroutine.status(co)
            """) == .string("true10true11dead"))
    }

    @Test("the main chunk answers coroutine.running and isyieldable as plain Lua's main does")
    func plainLuaMain() throws {
        #expect(try runScript("local co, main = coroutine.running() return main") == .boolean(true))
        #expect(try runScript("return coroutine.isyieldable()") == .boolean(false))
        #expect(try runScript("local ok, e = pcall(coroutine.yield, 1) return e") == .string("attempt to yield from outside a coroutine"))
        #expect(try runScript("return coroutine.wrap(function() return coroutine.isyieldable() end)()") == .boolean(true))
    }

    @Test("a wait where Lua 5.4 cannot yield says where, why, and the way out")
    func cannotYield() throws {
        do {
            _ = try runScript("table.sort({3, 1, 2}, function(a, b) async.sleep(0) return a < b end)")
            Issue.record("expected an error")
        } catch let e as LuaError {
            #expect(e.message.contains("async.sleep: cannot wait here"))
            #expect(e.message.contains("table.sort comparator"))
            #expect(e.message.hasPrefix("test:1:"))
        }
        do {
            _ = try runScript("string.gsub('ab', '%w', function() return coroutine.wrap(function() async.sleep(0) return 'x' end)() end)")
            Issue.record("expected an error")
        } catch let e as LuaError {
            #expect(e.message.contains("cannot wait here"))
        }
    }

    @Test("a task that failed without anyone waiting is reported after the run")
    func unobservedFailure() throws {
        let runtime = try Runtime()
        try runtime.lua.load("async.spawn(function() error('lost') end) async.sleep(0.01)", chunkName: "=test")
        let (main, unobserved) = try runtime.runMain(nargs: 0)
        #expect(main.error == nil)
        #expect(unobserved.count == 1)
        #expect(unobserved.first?.message.contains("lost") == true)
    }

    @Test("the deadline stops a sleeping script too")
    func timeoutWhileSleeping() throws {
        var o = Runtime.Options()
        o.timeoutSeconds = 0.2
        let start = LuaState.monotonicNow()
        do {
            _ = try runScript("async.sleep(30)", options: o)
            Issue.record("expected a timeout")
        } catch let e as LuaError {
            #expect(e.kind == .timeout)
        }
        #expect(LuaState.monotonicNow() - start < 1)
    }

    @Test("bad arguments to async functions name the function and the argument")
    func asyncArguments() throws {
        #expect(try runScript("return select(2, pcall(async.sleep, 'x'))") == .string("async.sleep: argument #1 (seconds) expected number, got string"))
        #expect(try runScript("return select(2, pcall(function() async.sleep('x') end))") == .string("test:1: async.sleep: argument #1 (seconds) expected number, got string"))
        #expect(try runScript("return select(2, pcall(async.sleep, -1))") == .string("async.sleep: argument #1 (seconds) expected a non-negative number, got -1.0"))
        #expect(try runScript("return select(2, pcall(function() async.spawn(1) end))") == .string("test:1: async.spawn: argument #1 (fn) expected function, got number"))
        #expect(try runScript("return select(2, pcall(async.wait, {}))") == .string("async.wait: argument #1 (task) expected async.task, got table"))
    }
}
