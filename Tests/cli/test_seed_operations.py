"""Every seed operation's binding, called against the sandbox: the request that arrived
(method, path, query, body) and the value returned. Then every other catalog operation once."""
import json
import re

from test_catalog import generated


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


LUA = r"""
local ops = json.decode(OPS)
local function last_request()
  local h = io.popen('curl -s "' .. sandbox.root .. '/__sandbox/log?since=' .. (seen or 0) .. '"')
  local log = json.decode(h:read('a')) h:close()
  local entry = log[#log]
  if entry then seen = entry.sequence end
  return entry
end
local checked, failures = 0, {}
for _, op in ipairs(ops) do
  local fn = _G
  for part in op.lua:gmatch("[^.]+") do fn = fn[part] end
  local args, concrete = {}, op.path
  for i, p in ipairs(op.params) do
    local v = p[2] == "integer" and 1 or "abc-1"
    args[i] = v
    concrete = concrete:gsub("{" .. p[1]:gsub("%p", "%%%0") .. "}", tostring(v), 1)
  end
  local payload
  if op.method == "GET" then payload = op.paged and { limit = 1 } or nil
  elseif op.kind == "delete_many" then payload = { ["id:in"] = { 999999 } }
  elseif op.method == "POST" or op.method == "PUT" then payload = op.array and json.array{} or { name = "seed check" } end
  args[#op.params + 1] = payload
  local ok, result = pcall(fn, table.unpack(args, 1, #op.params + 1))
  local req = last_request()
  local problem
  if not req then problem = "no request arrived"
  elseif req.method ~= op.method then problem = "method " .. req.method
  elseif req.path ~= concrete then problem = "path " .. req.path .. " (wanted " .. concrete .. ")"
  elseif op.paged and op.method == "GET" and not req.query:find("limit=1", 1, true) then problem = "query " .. req.query
  elseif (op.method == "POST" or op.method == "PUT") and req.body == nil then problem = "no body arrived"
  elseif not ok and (type(result) ~= "table" or type(result.status) ~= "number") then problem = "raised " .. tostring(result)
  elseif ok and result == nil then problem = "returned nothing" end
  if problem then failures[#failures + 1] = op.method .. " " .. op.path .. ": " .. problem end
  checked = checked + 1
end
print(checked .. " operations checked")
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
    assert f"{len(ops)} operations checked" in out
    assert len(ops) == 149
    assert "FAIL" not in out, out


def test_every_other_catalog_operation_binding(run):
    ops = operations(seed_only=False)
    out = run_ops(run, ops)
    print(out.splitlines()[0])
    assert "FAIL" not in out, out
