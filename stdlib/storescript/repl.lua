-- storescript.repl: what the REPL asks of Lua (completion).
local M = {}

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do keywords[#keywords + 1] = w end

-- Indexes under pcall: __index may be a function (lazy namespaces), and completion must
-- never raise.
local function index(obj, key)
  local ok, v = pcall(function() return obj[key] end)
  if ok then return v end
end

local function resolve(path)
  local obj = _G
  for name in path:gmatch("[^%.]+") do
    obj = index(obj, name)
    if obj == nil then return nil end
  end
  return obj
end

-- The bindings' namespaces (bindings.lua), once a script has them: looked up when needed, as
-- they are compiled on first use.
local function namespaces_module()
  local ok, ns = pcall(require, "storescript.namespaces")
  return ok and ns or nil
end

-- Field names of obj and of the tables its __index chain leads to; a namespace of the
-- bindings knows its children from the catalog before any is built.
local function fields(obj, methods_only)
  local names, seen = {}, {}
  local function add(k, v)
    if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k] then
      if not methods_only or type(v) == "function" then
        seen[k] = true
        names[#names + 1] = k
      end
    end
  end
  -- A module not used yet is compiled now (its pairs does it), so that its fields complete.
  if type(obj) == "table" then pcall(pairs, obj) end
  local namespaces = namespaces_module()
  if namespaces and not methods_only then
    for _, k in ipairs(namespaces.children(obj) or {}) do add(k) end
  end
  local current, hops = obj, 0
  while current ~= nil and hops < 10 do
    if type(current) == "table" then
      for k, v in next, current do add(k, v) end
    end
    local mt = getmetatable(current)
    local idx = type(mt) == "table" and rawget(mt, "__index") or nil
    if type(idx) ~= "table" then break end
    current, hops = idx, hops + 1
  end
  return names
end

--- Completions of `word` (the text being completed, such as `string.fo` or `s:up`).
function M.complete(line, word)
  local out = {}
  local base, sep, partial = word:match("^([%a_][%w_%.]*)([%.:])([%w_]*)$")
  local candidates, prefix
  if base then
    local obj = resolve(base)
    if obj == nil then return out end
    candidates, prefix = fields(obj, sep == ":"), base .. sep
  elseif word:match("^[%a_]?[%w_]*$") then
    candidates, prefix, partial = fields(_G), "", word
    for _, k in ipairs(keywords) do candidates[#candidates + 1] = k end
  else
    return out
  end
  for _, name in ipairs(candidates) do
    if name:sub(1, #partial) == partial then out[#out + 1] = prefix .. name end
  end
  table.sort(out)
  return out
end

return M
