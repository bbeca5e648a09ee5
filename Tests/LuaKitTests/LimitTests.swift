import CLua
import Testing
@testable import LuaKit

@Suite struct Limits {
    @Test("past the memory limit Lua gets LUA_ERRMEM and the state stays usable")
    func memoryLimit() throws {
        let lua = try LuaState()
        lua.memoryLimit = lua.memoryInUse + 2 * 1024 * 1024
        try lua.load("local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(100) .. i end", chunkName: "=hog")
        do {
            try lua.call(nargs: 0, nresults: 0)
            Issue.record("expected a memory error")
        } catch let e as LuaError {
            #expect(e.kind == .memory)
        }
        #expect(lua.memoryFailures > 0)
        try lua.load("collectgarbage() return 1 + 1", chunkName: "=after")
        try lua.call(nargs: 0, nresults: 1)
        #expect(try lua.value(at: -1) == .integer(2))
    }

    @Test("a push from Swift past the limit throws instead of unwinding Swift")
    func protectedPush() throws {
        let lua = try LuaState()
        lua.memoryLimit = lua.memoryInUse + 64 * 1024
        let big = [UInt8](repeating: 65, count: 1024 * 1024)
        #expect(throws: LuaError.self) { try lua.push(bytes: big) }
        #expect(throws: LuaError.self) { try lua.newTable(arrayCapacity: 1_000_000) }
        #expect(lua.top == 0)
        lua.memoryLimit = 0
        try lua.push(bytes: big)
        #expect(lua.top == 1)
    }

    @Test("the count hook stops an endless loop at the deadline, and pcall cannot swallow it")
    func deadline() throws {
        let lua = try LuaState()
        lua.deadline = LuaState.monotonicNow() + 0.2
        try lua.load("while true do pcall(function() while true do end end) end", chunkName: "=spin")
        let start = LuaState.monotonicNow()
        do {
            try lua.call(nargs: 0, nresults: 0)
            Issue.record("expected a timeout")
        } catch let e as LuaError {
            #expect(e.kind == .timeout)
            #expect(e.message.contains("time limit exceeded"))
        }
        #expect(LuaState.monotonicNow() - start < 1.5)
    }

    @Test("the interrupt flag stops running code; clearStop makes the state usable again")
    func interrupt() throws {
        let lua = try LuaState()
        lua.interruptFlag.pointee = 1
        try lua.load("local n = 0 while true do n = n + 1 end", chunkName: "=spin")
        do {
            try lua.call(nargs: 0, nresults: 0)
            Issue.record("expected an interrupt")
        } catch let e as LuaError {
            #expect(e.kind == .interrupted)
        }
        lua.clearStop()
        try lua.load("return 7", chunkName: "=ok")
        try lua.call(nargs: 0, nresults: 1)
        #expect(try lua.value(at: -1) == .integer(7))
    }
}

@Suite struct Coroutines {
    @Test("a coroutine yields to Swift, is resumed with values, and finishes with results")
    func resumeYield() throws {
        let lua = try LuaState()
        try lua.load("return function(a) local b = coroutine.yield(a + 1) return b * 2 end", chunkName: "=co")
        try lua.call(nargs: 0, nresults: 1)
        let thread = try lua.newThread()
        lua_pushinteger(thread.co, 1)
        guard case .yielded(let n) = lua.resume(thread, nargs: 1) else { Issue.record("no yield"); return }
        #expect(n == 1)
        #expect(try lua.value(at: -1, on: thread.co) == .integer(2))
        lua_settop(thread.co, 0)
        lua_pushinteger(thread.co, 21)
        guard case .finished(let m) = lua.resume(thread, nargs: 1) else { Issue.record("not finished"); return }
        #expect(m == 1)
        #expect(try lua.value(at: -1, on: thread.co) == .integer(42))
    }

    @Test("an error in a coroutine carries the coroutine's traceback")
    func failedCoroutine() throws {
        let lua = try LuaState()
        try lua.load("local function deep() error('inside') end\nreturn function() deep() end", chunkName: "@co.lua")
        try lua.call(nargs: 0, nresults: 1)
        let thread = try lua.newThread()
        guard case .failed(let e) = lua.resume(thread, nargs: 0) else { Issue.record("no failure"); return }
        #expect(e.message == "co.lua:1: inside")
        #expect(e.traceback?.contains("co.lua:2") == true)
    }
}
