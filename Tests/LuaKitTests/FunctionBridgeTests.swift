import CLua
import Testing
@testable import LuaKit

@Suite struct FunctionBridge {
    let lua = try! LuaState()

    func run(_ code: String) throws -> LuaValue {
        try lua.load(code, chunkName: "=test")
        try lua.call(nargs: 0, nresults: 1)
        defer { lua.pop() }
        return try lua.value(at: -1)
    }

    @Test("a Swift closure is a Lua function: arguments in, results out")
    func closures() throws {
        try lua.push(function: "add") { call in
            call.push(try call.integer(1, "a") + call.integer(2, "b"))
            return 1
        }
        try lua.setGlobal("add")
        #expect(try run("return add(40, 2)") == .integer(42))
    }

    @Test("a thrown Swift error becomes a Lua error with the Swift message and the caller's line")
    func swiftErrorToLua() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "the disk is on fire" } }
        try lua.push(function: "burn") { _ in throw Broken() }
        try lua.setGlobal("burn")
        let v = try run("local ok, e = pcall(burn) return e")
        #expect(v == .string("burn: the disk is on fire"))
        let v2 = try run("local ok, e = pcall(function()\n burn()\n end) return e")
        #expect(v2 == .string("test:2: burn: the disk is on fire"))
    }

    @Test("a LuaError carrying a table raises the table itself")
    func structuredErrors() throws {
        try lua.push(function: "fail") { _ in
            throw LuaError(.runtime, "422", value: .table(LuaTable(fields: [.string("status"): .integer(422)])))
        }
        try lua.setGlobal("fail")
        #expect(try run("local ok, e = pcall(fail) return e.status") == .integer(422))
    }

    @Test("an argument of the wrong type names the function and the argument")
    func argumentErrors() throws {
        try lua.push(function: "bc.catalog.products.get") { call in
            _ = try call.integer(1, "product_id")
            return 0
        }
        try lua.setGlobal("get")
        let v = try run("local ok, e = pcall(get, 'x') return e")
        #expect(v == .string("bc.catalog.products.get: argument #1 (product_id) expected integer, got string"))
        let none = try run("local ok, e = pcall(get) return e")
        #expect(none == .string("bc.catalog.products.get: argument #1 (product_id) expected integer, got no value"))
    }

    @Test("a Lua error becomes a Swift LuaError with its message and a traceback")
    func luaErrorToSwift() throws {
        try lua.load("local function inner() error('boom') end\ninner()", chunkName: "@script.lua")
        do {
            try lua.call(nargs: 0, nresults: 0)
            Issue.record("expected an error")
        } catch let e as LuaError {
            #expect(e.kind == .runtime)
            #expect(e.message == "script.lua:1: boom")
            #expect(e.traceback?.contains("script.lua:2: in main chunk") == true)
        }
        #expect(lua.top == 0)
    }

    @Test("a syntax error names the chunk, the line and what was expected")
    func syntaxErrors() {
        do {
            try lua.load("x = = 1", chunkName: "@bad.lua")
            Issue.record("expected an error")
        } catch let e as LuaError {
            #expect(e.kind == .syntax)
            #expect(e.message == "bad.lua:1: unexpected symbol near '='")
        } catch { Issue.record("\(error)") }
    }

    @Test("binary chunks are refused")
    func binaryChunks() throws {
        let dumped = try run("return string.dump(function() return 1 end)")
        guard case .string(let s) = dumped else { Issue.record("no dump"); return }
        #expect(throws: LuaError.self) { try lua.load(s.bytes, chunkName: "=bin") }
    }

    @Test("Swift functions are collected with their closures")
    func collected() throws {
        final class Canary { nonisolated(unsafe) static var alive = 0; init() { Canary.alive += 1 }; deinit { Canary.alive -= 1 } }
        do {
            let c = Canary()
            try lua.push(function: "f") { _ in _ = c; return 0 }
            lua.pop()
        }
        #expect(Canary.alive == 1)
        _ = try run("collectgarbage() collectgarbage() return 1")
        #expect(Canary.alive == 0)
    }
}

@Suite struct ProtectedAccess {
    @Test("get and set run metamethods under protection: a raising __index becomes a thrown LuaError")
    func metamethods() throws {
        let lua = try LuaState()
        try lua.load("""
            return setmetatable({}, {
              __index = function(_, k) if k == 'bad' then error('no ' .. k) end return k .. '!' end,
              __newindex = function(t, k, v) rawset(t, k, v * 2) end })
            """, chunkName: "=meta")
        try lua.call(nargs: 0, nresults: 1)
        try lua.get(-1, field: "hi")
        #expect(try lua.value(at: -1) == .string("hi!"))
        lua.pop()
        #expect(throws: LuaError.self) { try lua.get(-1, field: "bad") }
        #expect(lua.top == 1)
        lua.push(Int64(21))
        try lua.set(-2, field: "n")
        try lua.rawGet(-1, field: "n")
        #expect(try lua.value(at: -1) == .integer(42))
        lua.top = 0
    }
}
