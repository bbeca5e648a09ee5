"""Every seed operation's binding, called against the sandbox: the request that arrived
(method, path, query, body) and the value returned. Then every other operation of the
catalog (the whole Management API and DigiCert) once, the same way."""
import json
import re

from test_catalog import SHARED, generated


def operations(seed_only):
    ops = []
    for (method, path), f in generated().items():
        if (f[9] == "1") != seed_only:
            continue
        params = [p.split(":")[0] for p in f[11].split(",") if p and ":path:" in p]
        types = {p.split(":")[0]: p.rsplit(":", 2)[-2] for p in f[11].split(",") if p and ":path:" in p}
        ops.append({"method": method, "path": path, "lua": f[2], "kind": f[12], "array": f[6] == "1",
                    "params": [(name, types[name]) for name in params], "paged": f[5] == "page"})
    return ops


# Calls every operation of OPS once (its path parameters 1 or "abc-1", a small body): `calls`.
CALL_EACH = r"""
local ops = json.decode(OPS)
local calls = {}
for i, op in ipairs(ops) do
  local fn = _G
  for part in op.lua:gmatch("[^.]+") do fn = fn[part] end
  local args, concrete = {}, op.path
  for k, p in ipairs(op.params) do
    local v = p[2] == "integer" and 1 or "abc-1"
    args[k] = v
    concrete = concrete:gsub("{" .. p[1]:gsub("%p", "%%%0") .. "}", tostring(v), 1)
  end
  local payload
  if op.method == "GET" then payload = op.paged and { limit = 1 } or nil
  elseif op.kind == "delete_many" then payload = { ["id:in"] = { 999999 } }
  elseif op.method == "POST" or op.method == "PUT" then payload = op.array and json.array{} or { name = "seed check" } end
  args[#op.params + 1] = payload
  local ok, result = pcall(fn, table.unpack(args, 1, #op.params + 1))
  calls[i] = { op = op, concrete = concrete, ok = ok, result = result }
end
"""

LUA = r"""
-- One call an operation, as fast as the sandbox answers: its rate limit is not under test here.
os.execute("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' -X PUT -d '{\"rate_limit\": \"off\"}' " .. sandbox.root .. "/__sandbox/faults > /dev/null")
""" + CALL_EACH + r"""
-- Every call sends one request (no faults, no retries, nothing to split): read the log once
-- and walk it beside the calls.
local h = io.popen('curl -s -H "X-Auth-Token: ' .. sandbox.token .. '" "' .. sandbox.root .. '/__sandbox/log"')
local log = json.decode(h:read('a')) h:close()
local at, failures = 1, {}
for _, c in ipairs(calls) do
  local op, req = c.op, log[at]
  local problem
  if not req or req.method ~= op.method or req.path ~= c.concrete then
    problem = "no request arrived" .. (req and (" (next: " .. req.method .. " " .. req.path .. ")") or "")
  else
    at = at + 1
    if op.paged and op.method == "GET" and not req.query:find("limit=1", 1, true) then problem = "query " .. req.query
    elseif (op.method == "POST" or op.method == "PUT") and req.body_bytes == 0 then problem = "no body arrived"
    elseif not c.ok and (type(c.result) ~= "table" or type(c.result.status) ~= "number") then problem = "raised " .. tostring(c.result)
    elseif c.ok and c.result == nil then problem = "returned nothing" end
  end
  if problem then failures[#failures + 1] = op.method .. " " .. op.path .. ": " .. problem end
end
print(#calls .. " operations checked, " .. (at - 1) .. " requests")
for _, f in ipairs(failures) do print("FAIL " .. f) end
"""


def run_ops(run, ops):
    code = "OPS = " + json.dumps(json.dumps(ops)) + "\n" + LUA
    r = run("run", "--sandbox", "-e", code, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_every_seed_operation_binding(run):
    ops = operations(seed_only=True)
    out = run_ops(run, ops)
    print(out.splitlines()[0])
    assert f"{len(ops)} operations checked, {len(ops)} requests" in out
    assert len(ops) == 149
    assert "FAIL" not in out, out


def test_every_other_operation_binding(run):
    # The rest of the catalog: every operation of both official folders (all-operations.md)
    # and DigiCert's, each called once and checked by the request that arrived.
    ops = operations(seed_only=False)
    out = run_ops(run, ops)
    print(out.splitlines()[0])
    assert len(ops) == 670 - 149
    assert f"{len(ops)} operations checked, {len(ops)} requests" in out
    assert "FAIL" not in out, out


def test_every_row_of_all_operations_md_is_a_callable_binding(run):
    # The expected table itself (not our generated one): each Lua name resolves to a function
    # whose help names the row's method and path.
    rows = re.findall(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| [^|]+ \| `([^`(]+)\(",
                      (SHARED / "api" / "all-operations.md").read_text(), re.M)
    assert len(rows) == 658
    code = "ROWS = json.decode(" + json.dumps(json.dumps(rows)) + ")\n" + r"""
local bad = {}
for _, row in ipairs(ROWS) do
  local method, path, name = row[1], row[2], row[3]
  local fn = _G
  for part in name:gmatch("[^.]+") do fn = fn[part] end
  local doc = type(fn) == "function" and package.loaded["storescript.docs"][fn] or ""
  if type(fn) ~= "function" or not doc:find(method .. " " .. path, 1, true) then bad[#bad + 1] = name end
end
print(#ROWS .. " names, " .. #bad .. " not bound: " .. table.concat(bad, ", "))
"""
    r = run("run", "-e", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "658 names, 0 not bound: \n"
