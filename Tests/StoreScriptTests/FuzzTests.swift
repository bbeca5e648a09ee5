import LuaKit
import Testing
@testable import StoreScript

@Suite struct Fuzz {
    /// Every function of our modules (and the Swift functions behind them) gets random
    /// arguments; each call must return or raise a Lua error, never crash or hang.
    /// Positive numbers in the pool stay tiny: `async.sleep(n)` really sleeps n seconds.
    @Test("100,000 calls with random arguments to every storescript function: no crash, every failure a Lua error")
    func randomArguments() throws {
        let runtime = try Runtime()
        let v = try run(#"""
            local swift_backed = 0
            local function is_swift(f)
              if debug.getinfo(f, "S").what ~= "C" then return false end
              local _, up = debug.getupvalue(f, 1)
              local mt = type(up) == "userdata" and getmetatable(up)
              return type(mt) == "table" and mt.__name == "storescript.function"
            end

            local done = async.spawn(function() return 1, "two" end)
            local failed = async.spawn(function() error("failed on purpose") end)
            async.sleep(0)
            pcall(async.wait, failed)

            local targets = {}
            for _, mod in ipairs({ "async", "log" }) do
              for name, f in pairs(_G[mod]) do
                if type(f) == "function" then targets[#targets + 1] = { mod .. "." .. name, f } end
              end
            end
            targets[#targets + 1] = { "help", help }
            targets[#targets + 1] = { "task.join", done.join }
            targets[#targets + 1] = { "task.join (failed)", failed.join }
            for _, t in ipairs(targets) do if is_swift(t[2]) then swift_backed = swift_backed + 1 end end

            local seed = 12345
            local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
            local pool = {
              nil, false, true, 0, -1, 0.0005, 1e-9, -0.0, 0/0, math.huge, -math.huge, math.mininteger, -1e308,
              "", "x", "\0\255", string.rep("s", 1000), {}, { 1, 2, 3 }, { a = { b = {} } }, { 0.0001 },
              function() end, function() error("inner") end, function() return async.sleep(0) end,
              print, coroutine.create(function() end), io.stdout, done, failed, setmetatable({}, { __index = function() error("meta") end }),
            }
            local pool_size = 31
            local function arg() return pool[rand(pool_size)] end

            local quiet = { write = function() end }
            local real_print, real_stderr = print, io.stderr
            print, io.stderr = function() end, quiet
            local calls, errors = 0, 0
            for i = 1, 100000 do
              local t = targets[rand(#targets)]
              local ok, err = pcall(t[2], arg(), arg(), arg(), arg())
              calls = calls + 1
              if not ok then
                errors = errors + 1
                if err == nil then error("a failure without an error value from " .. t[1]) end
              end
            end
            print, io.stderr = real_print, real_stderr
            return calls .. " calls, " .. swift_backed .. " swift-backed targets of " .. #targets
            """#, in: runtime)
        #expect(v == .string("100000 calls, 3 swift-backed targets of 12"))
    }
}
