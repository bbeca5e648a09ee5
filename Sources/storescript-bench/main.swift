// Micro-benchmarks of the Lua bridge that need the bridge's internals (run by
// scripts/bench/call-overhead.sh in a release build). Each prints one JSON line.
import CLua
import CLuaShim
import LuaKit
#if canImport(Glibc)
import Glibc
#endif

func callOverhead(calls: Int, rounds: Int) throws {
    let lua = try LuaState()
    try lua.push(function: "swift_add") { call in
        call.push(try call.integer(1, "a") &+ call.integer(2, "b"))
        return 1
    }
    try lua.setGlobal("swift_add")
    shim_push_c_benchmark_function(lua.L)
    try lua.setGlobal("c_add")
    try lua.load("function lua_add(a, b) return a + b end", chunkName: "=bench")
    try lua.call(nargs: 0, nresults: 0)

    func measure(_ fn: String) throws -> Double {
        try lua.load("local f, n = \(fn), \(calls) local s = 0 for i = 1, n do s = f(s, 1) end return s", chunkName: "=bench")
        let start = LuaState.monotonicNow()
        try lua.call(nargs: 0, nresults: 1)
        let elapsed = LuaState.monotonicNow() - start
        lua.pop()
        return elapsed / Double(calls) * 1e9
    }

    var best: [String: Double] = [:]
    for _ in 0..<rounds {
        for fn in ["c_add", "swift_add", "lua_add"] {
            let ns = try measure(fn)
            best[fn] = min(best[fn] ?? .infinity, ns)
        }
    }
    let c = best["c_add"]!, swift = best["swift_add"]!, pure = best["lua_add"]!
    print(#"{"benchmark":"call-overhead","calls":\#(calls),"rounds":\#(rounds),"c_ns":\#(fmt(c)),"swift_ns":\#(fmt(swift)),"lua_ns":\#(fmt(pure)),"swift_over_c":\#(fmt(swift / c))}"#)
}

func fmt(_ d: Double) -> String {
    let scaled = (d * 100).rounded() / 100
    return String(scaled)
}

let args = CommandLine.arguments.dropFirst()
switch args.first {
case "call-overhead":
    let calls = args.dropFirst().first.flatMap { Int($0) } ?? 10_000_000
    try callOverhead(calls: calls, rounds: 5)
default:
    print("usage: storescript-bench call-overhead [CALLS]")
    exit(2)
}
