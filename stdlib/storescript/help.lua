-- storescript.help: help(x) for anything that has documentation.
local docs = require("storescript.docs")
-- The bindings' namespaces (bindings.lua), once a script has them: looked up when needed, as
-- they are compiled on first use.
local function namespaces_module()
  local ok, ns = pcall(require, "storescript.namespaces")
  return ok and ns or nil
end
local M = {}

-- The modules every script has, in the order help() and `storescript docs` list them.
M.modules = { "async", "json", "log", "csv", "time", "progress", "state", "certs" }

local function first_line(text) return text:match("^[^\n]*") end

local function documented_members(t)
  local names = {}
  for k, v in pairs(t) do
    if type(k) == "string" and docs[v] then names[#names + 1] = k end
  end
  table.sort(names)
  return names
end

--- Prints the documentation of x; returns nothing.
function M.show(x, ...)
  if select("#", ...) > 0 then error("help: takes one argument", 2) end
  if x == nil then
    print("help(x) prints the documentation of x. Modules with documentation:")
    for _, name in ipairs(M.modules) do
      local mod = rawget(_G, name)
      if type(mod) == "table" then print("  " .. name .. ": " .. table.concat(documented_members(mod), ", ")) end
    end
    print("  bc, digicert: every operation of the APIs; help(bc), help(bc.catalog.products), help(bc.catalog.products.get);"
      .. " beside a list, each, all and count; bc.request, bc.get, bc.post, bc.put, bc.delete reach any path")
    print("Lua's own functions: https://www.lua.org/manual/5.4/")
    return
  end
  local text = docs[x]
  if text then print(text) return end
  local namespaces = namespaces_module()
  local ns = namespaces and namespaces.name(x)
  if ns then
    print(ns .. ":")
    for _, child in ipairs(namespaces.children(x)) do
      local ok, v = pcall(function() return x[child] end)
      local line = ok and docs[v] and first_line(docs[v])
      if not line and ok and namespaces.name(v) then line = ns .. "." .. child .. "  (namespace: help(" .. ns .. "." .. child .. "))" end
      print("  " .. (line or (ns .. "." .. child)))
    end
    return
  end
  if type(x) == "table" then
    local names = documented_members(x)
    if #names > 0 then
      for _, k in ipairs(names) do print(first_line(docs[x[k]])) end
      return
    end
  end
  print("no documentation for " .. tostring(x)
    .. (type(x) == "function" and "; Lua's own functions: https://www.lua.org/manual/5.4/" or ""))
end

--- The documentation of what a dotted name (`bc.request`, `csv.rows`) names, or nil.
function M.of(dotted)
  local value = _G
  for part in dotted:gmatch("[^.]+") do
    if type(value) ~= "table" then return nil end
    local ok, v = pcall(function() return value[part] end)
    if not ok then return nil end
    value = v
  end
  return docs[value]
end

--- What a global table holds now, sorted: {name, type, doc} for each field (editor definitions).
function M.members(global)
  local out, t = {}, rawget(_G, global)
  for k, v in pairs(type(t) == "table" and t or {}) do
    if type(k) == "string" then out[#out + 1] = { k, type(v), docs[v] or "" } end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

--- The modules' documentation as Markdown (`storescript docs`): each documented member's text.
function M.markdown(names)
  local out = {}
  for _, name in ipairs(names) do
    local mod = rawget(_G, name)
    if type(mod) == "table" then
      out[#out + 1] = "## " .. name .. "\n"
      for _, k in ipairs(documented_members(mod)) do
        local text = docs[mod[k]]
        out[#out + 1] = "### `" .. first_line(text) .. "`\n\n" .. (text:match("\n%s*(.*)$") or "") .. "\n"
      end
    end
  end
  return table.concat(out, "\n")
end

return M
