"""Help that keeps its promises: whatever help or `storescript docs` says exists does, and
answers when called; every module is listed; the names users reach for lead to the right one."""
import json
import re

from test_catalog import generated


def test_every_helper_a_bindings_help_promises_exists_and_answers(run):
    names = sorted({f[2] for f in generated().values()})
    code = "NAMES = json.decode(" + json.dumps(json.dumps(names)) + ")\n" + r"""
os.execute("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' -X PUT -d '{\"rate_limit\": \"off\"}' " .. sandbox.root .. "/__sandbox/faults > /dev/null")
local docs = package.loaded["storescript.docs"]
local function lookup(dotted)
  local v = _G
  for part in dotted:gmatch("[^.]+") do v = v[part] end
  return v
end
local promised, bad = 0, {}
for _, name in ipairs(NAMES) do
  local text = docs[lookup(name)] or ""
  local also = {}
  for helper in (text:match("; also ([^\n]+)") or ""):gmatch("[%w_]+%.[%w_.]+") do also[#also + 1] = helper end
  if text:find("also each and all", 1, true) then
    local base = name:match("^(.*)%.[^.]+$")
    also = { base .. ".each", base .. ".all" }
  end
  for _, helper in ipairs(also) do
    promised = promised + 1
    local ok, fn = pcall(lookup, helper)
    if not ok or type(fn) ~= "function" then bad[#bad + 1] = helper .. ": missing"
    elseif not docs[fn] then bad[#bad + 1] = helper .. ": undocumented"
    else
      -- Called with 1 (or "abc-1") for each path parameter, as the signature in its help names them.
      local sig = docs[fn]:match("^[^(]*%(([^)]*)%)") or ""
      local args = {}
      for p in sig:gmatch("[%w_]+") do
        if p ~= "query" and p ~= "options" then args[#args + 1] = p:find("uuid") and "abc-1" or 1 end
      end
      local called, result = pcall(function()
        if helper:match("%.each$") then for _ in fn(table.unpack(args)) do break end return true end
        return fn(table.unpack(args))
      end)
      if not called and not (type(result) == "table" and type(result.status) == "number") then
        bad[#bad + 1] = helper .. ": " .. tostring(result)
      end
    end
  end
end
print(promised .. " promised")
for _, b in ipairs(bad) do print("BAD " .. b) end
"""
    r = run("run", "--sandbox", "-e", code, timeout=180)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[0]) >= 270, r.stdout  # each, all and count beside 90-odd lists
    assert "BAD" not in r.stdout, r.stdout


def test_help_lists_every_module_and_documents_helpers_and_the_raw_requests(run):
    r = run("-e", "help()")
    for module in ("async", "json", "log", "csv", "time", "progress", "state", "certs"):
        assert re.search(rf"^  {module}: \w", r.stdout, re.M), (module, r.stdout)
    for name in ("bc.catalog.products.each", "bc.catalog.products.all", "bc.catalog.products.count", "bc.request", "bc.get",
                 "bc.post", "bc.put", "bc.delete", "digicert.orders.each"):
        shown = run("-e", f"help({name})").stdout
        assert shown.startswith(name) and "no documentation" not in shown, (name, shown)
        docs = run("docs", name)
        assert docs.returncode == 0 and docs.stdout.startswith(f"### `{name}"), (name, docs.stdout, docs.stderr)


def test_a_name_from_the_official_docs_leads_to_the_binding(run):
    r = run("-e", "local x = bc.webhooks")
    assert "bc.webhooks: no such namespace; did you mean bc.hooks?" in r.stderr.splitlines()[0]
    assert "did you mean bc.hooks?" in run("docs", "bc.webhooks").stderr
    scope = [l for l in run("-e", "help(bc.hooks.create)").stdout.splitlines() if l.strip().startswith("scope")][0]
    assert "store/order/created" in scope and "store/product/updated" in scope and "store/cart/*" in scope
