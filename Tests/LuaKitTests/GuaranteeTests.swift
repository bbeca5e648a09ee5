import CLua
import CLuaShim
import Testing
@testable import LuaKit

@Suite struct HardLimits {
    @Test("memory never passes the limit: not while errors are raised, messages pushed or finalizers run")
    func peakStaysUnderTheLimit() throws {
        let lua = try LuaState()
        let limit = lua.memoryInUse + 4 * 1024 * 1024
        lua.memoryLimit = limit
        // A Swift function's error message is pushed in a reserve window.
        try lua.push(function: "swiftfail") { _ in throw LuaError(.runtime, String(repeating: "s", count: 4096)) }
        try lua.setGlobal("swiftfail")
        try lua.load("""
            for i = 1, 200 do
              setmetatable({}, {__gc = function() local t = {} for j = 1, 1e6 do t[j] = ('y'):rep(64) .. j end end})
            end
            for round = 1, 20 do
              local hold = {}
              pcall(function() for i = 1, 1e8 do hold[i] = ('x'):rep(100) .. i end end)
              for k = 1, 50 do pcall(swiftfail) end
              hold = nil
              pcall(function() error(('e'):rep(100000)) end)
              pcall(collectgarbage)
            end
            return 'survived'
            """, chunkName: "=hog")
        try lua.call(nargs: 0, nresults: 1)
        #expect(try lua.value(at: -1) == .string("survived"))
        #expect(lua.memoryFailures > 0)
        #expect(lua.peakMemory <= limit, "peak \(lua.peakMemory) over the limit \(limit)")
    }

    @Test("a Swift push refused at the limit leaves the stack and the limit as they were")
    func refusedPushes() throws {
        let lua = try LuaState()
        lua.memoryLimit = lua.memoryInUse + 256 * 1024
        let big = [UInt8](repeating: 0x41, count: 512 * 1024)
        for _ in 0..<100 { #expect(throws: LuaError.self) { try lua.push(bytes: big) } }
        #expect(lua.top == 0)
        #expect(lua.peakMemory <= lua.memoryLimit)
    }
}

@Suite struct Packs {
    /// Runs `function` as a coroutine to its end and packs what it returned.
    func packResults(_ lua: LuaState, of function: String) throws -> (LuaThread, LuaPack) {
        try lua.load("return " + function, chunkName: "=p")
        try lua.call(nargs: 0, nresults: 1)
        let thread = try lua.newThread()
        guard case .finished(let n) = lua.resume(thread, nargs: 0) else { throw LuaError(.runtime, "not finished") }
        return (thread, try lua.pack(n, from: thread.co))
    }

    @Test("values packed off a coroutine come back whole, in order, nils included")
    func roundTrip() throws {
        let lua = try LuaState()
        let (thread, pack) = try packResults(lua, of: "function() return 1, nil, 'three', nil end")
        #expect(lua_gettop(thread.co) == 0)
        #expect(try pack.unpack(onto: lua.L) == 4)
        #expect(try lua.value(at: 1) == .integer(1))
        #expect(try lua.value(at: 2) == .nil)
        #expect(try lua.value(at: 3) == .string("three"))
        #expect(lua.top == 4)
    }

    @Test("more values than a stack can take: an error, nothing pushed")
    func tooMany() throws {
        let lua = try LuaState()
        let (_, pack) = try packResults(lua, of: "function() return table.unpack({}, 1, 999000) end")
        try lua.reserve(5000)
        for _ in 0..<5000 { lua.pushNil() }
        #expect(throws: LuaError.self) { try pack.unpack(onto: lua.L) }
        #expect(lua.top == 5000)
    }
}

@Suite struct ScriptHooks {
    @Test("a script's hook runs beside the runtime's: gethook shows the script's, the deadline still holds")
    func chained() throws {
        let lua = try LuaState()
        try lua.load("""
            local n = 0
            debug.sethook(function() n = n + 1 end, "", 10)
            for i = 1, 1000 do end
            local f, mask, count = debug.gethook()
            debug.sethook()
            return n, mask, count, debug.gethook()
            """, chunkName: "=h")
        try lua.call(nargs: 0, nresults: 4)
        #expect(try lua.value(at: 1) != .integer(0))
        #expect(try lua.value(at: 2) == .string(""))
        #expect(try lua.value(at: 3) == .integer(10))
        #expect(try lua.value(at: 4) == .nil)
        lua.top = 0
        lua.deadline = LuaState.monotonicNow() + 0.2
        try lua.load("debug.sethook() debug.sethook(function() end, 'l') while true do end", chunkName: "=spin")
        #expect(throws: LuaError.self) { try lua.call(nargs: 0, nresults: 0) }
        #expect(lua.stop == .timeout)
    }
}
