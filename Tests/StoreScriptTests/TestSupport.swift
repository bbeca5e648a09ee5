import LuaKit
@testable import StoreScript

/// Runs `code` as the main task of a fresh runtime and returns what it returned (its first
/// result) or throws its error.
func runScript(_ code: String, options: Runtime.Options = Runtime.Options()) throws -> LuaValue {
    let runtime = try Runtime(options: options)
    return try run(code, in: runtime)
}

func run(_ code: String, in runtime: Runtime) throws -> LuaValue {
    try runtime.lua.load(code, chunkName: "=test")
    runtime.startClock()
    let (main, _) = try runtime.runMain(nargs: 0)
    if let e = main.error { throw e }
    guard let results = main.results, results.count > 0 else { return .nil }
    let lua = runtime.lua
    let top = lua.top
    defer { lua.top = top }
    _ = try results.unpack(onto: lua.L)
    return try lua.value(at: top + 1)
}
