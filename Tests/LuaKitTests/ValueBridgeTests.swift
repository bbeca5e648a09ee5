import CLua
import Testing
@testable import LuaKit

@Suite struct ValueBridge {
    let lua = try! LuaState()

    func roundTrip(_ v: LuaValue) throws -> LuaValue {
        let top = lua.top
        try lua.push(v)
        defer { lua.top = top }
        #expect(lua.top == top + 1)
        return try lua.value(at: -1)
    }

    @Test("scalars keep their Lua types: integers stay integers, floats stay floats")
    func scalars() throws {
        for v: LuaValue in [.nil, .boolean(true), .boolean(false), .integer(0), .integer(.max), .integer(.min),
                            .number(1.0), .number(-0.5), .number(.infinity), .number(1e300)] {
            #expect(try roundTrip(v) == v)
        }
    }

    @Test("strings are binary-safe: zeros and invalid UTF-8 survive")
    func binaryStrings() throws {
        let bytes: [UInt8] = [0, 1, 0xFF, 0xC3, 0x28, 0, 65]
        #expect(try roundTrip(.string(LuaString(bytes: bytes))) == .string(LuaString(bytes: bytes)))
        #expect(try roundTrip(.string("")) == .string(""))
    }

    @Test("tables nest: arrays, maps and both")
    func tables() throws {
        let inner = LuaTable(array: [.integer(1), .string("two")], fields: [.string("k"): .boolean(true)])
        let outer = LuaTable(array: [.table(inner), .number(2.5)],
                             fields: [.string("map"): .table(LuaTable(fields: [.integer(-3): .string("neg")])),
                                      .integer(1000): .string("far")])
        #expect(try roundTrip(.table(outer)) == .table(outer))
    }

    @Test("functions and userdata come back as references to the same Lua object")
    func references() throws {
        try lua.load("return print", chunkName: "=t")
        try lua.call(nargs: 0, nresults: 1)
        let f = try lua.value(at: -1)
        lua.pop()
        guard case .reference(let r) = f else { Issue.record("expected a reference"); return }
        #expect(r.typeName == "function")
        #expect(try roundTrip(f) == f)
    }

    @Test("a cyclic table is refused with an error, not a hang")
    func cycles() throws {
        try lua.load("local t = {} t.self = t return t", chunkName: "=t")
        try lua.call(nargs: 0, nresults: 1)
        #expect(throws: LuaError.self) { try lua.value(at: -1) }
        lua.pop()
        #expect(lua.top == 0)
    }

    @Test("nesting past the depth bound is refused both ways")
    func depth() throws {
        var v = LuaValue.integer(1)
        for _ in 0..<(LuaState.maxDepth + 5) { v = .table(LuaTable(array: [v])) }
        #expect(throws: LuaError.self) { try lua.push(v) }
        #expect(lua.top == 0)
        try lua.load("local t = {} for i = 1, 300 do t = {t} end return t", chunkName: "=t")
        try lua.call(nargs: 0, nresults: 1)
        #expect(throws: LuaError.self) { try lua.value(at: -1) }
        lua.pop()
    }

    @Test("nil and NaN keys are refused before they reach Lua")
    func badKeys() throws {
        #expect(throws: LuaError.self) { try lua.push(.table(LuaTable(fields: [.nil: .integer(1)]))) }
        #expect(throws: LuaError.self) { try lua.push(.table(LuaTable(fields: [.number(.nan): .integer(1)]))) }
        #expect(lua.top == 0)
    }

    @Test("100,000 random nested values round-trip unchanged")
    func fuzzRoundTrip() throws {
        var rng = SplitMix(seed: 0x5EED)
        for _ in 0..<100_000 {
            let v = RandomValue.make(&rng, depth: 0)
            let back = try roundTrip(v)
            #expect(back == v)
            if back != v { break }
        }
        #expect(lua.top == 0)
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

enum RandomValue {
    /// Values in the canonical shape the reader produces: no nil values in tables, array
    /// part 1...n, other integer keys far from it, no NaN, no integral float keys.
    static func make(_ rng: inout SplitMix, depth: Int) -> LuaValue {
        switch Int.random(in: 0..<(depth < 4 ? 8 : 6), using: &rng) {
        case 0: return depth == 0 ? .nil : .boolean(false)
        case 1: return .boolean(Bool.random(using: &rng))
        case 2: return .integer(Int64.random(in: .min ... .max, using: &rng))
        case 3: return .number(Double.random(in: -1e12...1e12, using: &rng))
        case 4, 5:
            let n = Int.random(in: 0..<12, using: &rng)
            return .string(LuaString(bytes: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        default:
            var t = LuaTable()
            for _ in 0..<Int.random(in: 0..<5, using: &rng) { t.array.append(nonNil(&rng, depth: depth + 1)) }
            for _ in 0..<Int.random(in: 0..<5, using: &rng) {
                let key: LuaValue = Bool.random(using: &rng)
                    ? .string(LuaString("k\(Int.random(in: 0..<50, using: &rng))"))
                    : .integer(Int64.random(in: 1_000_000...2_000_000, using: &rng))
                t.fields[key] = nonNil(&rng, depth: depth + 1)
            }
            return .table(t)
        }
    }

    static func nonNil(_ rng: inout SplitMix, depth: Int) -> LuaValue {
        let v = make(&rng, depth: depth)
        return v == .nil ? .boolean(true) : v
    }
}
