"""100,000 calls of random bindings with random arguments against the sandbox: no crash,
every failure a Lua error (an argument error or an API error table)."""
import json

from test_catalog import generated

LUA = r"""
-- The in-process sandbox starts with the Standard plan's limit; a fuzzer wants none.
os.execute("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' -o /dev/null -X PUT -d '{\"rate_limit\":\"off\"}' " .. sandbox.root .. "/__sandbox/faults")
local names = json.decode(NAMES)
local seed = 99
local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
local pool = { nil, true, 0, 1, -1, 2.5, math.maxinteger, 0/0, "", "x", "abc-1", "1", string.rep("z", 300),
  {}, { 1, 2 }, { name = "fuzz" }, { ["id:in"] = { 1 } }, { limit = 1 }, json.array{}, json.null,
  print, io.stdout, { f = print }, { all = true } }
local function arg() return pool[rand(#pool)] end
local fns = {}
for i, name in ipairs(names) do
  local fn = _G
  for part in name:gmatch("[^.]+") do fn = fn[part] end
  fns[i] = fn
end
local calls, lua_errors, api_errors = 0, 0, 0
for _ = 1, CALLS do
  local fn = fns[rand(#fns)]
  local ok, err = pcall(fn, arg(), arg(), arg(), arg())
  calls = calls + 1
  if not ok then
    if type(err) == "table" and type(err.status) == "number" then api_errors = api_errors + 1
    elseif type(err) == "string" then lua_errors = lua_errors + 1
    else error("a failure that is neither an API error nor a message: " .. tostring(err)) end
  end
end
print(calls, lua_errors > 0, api_errors > 0)
"""


def test_random_arguments_to_every_binding(run):
    names = [f[2] for f in generated().values()]
    code = "CALLS = 100000 NAMES = " + json.dumps(json.dumps(names)) + "\n" + LUA
    r = run("run", "--sandbox", "-e", code, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout == "100000\ttrue\ttrue\n"
