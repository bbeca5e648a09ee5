-- storescript.pretty: values as a person wants to read them in the REPL.
-- Nested tables with sorted keys, cycles marked, long tables elided with a count,
-- colours only when asked (the REPL asks when stdout is a terminal).
local M = {}

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do keywords[w] = true end

local palette = {
  string = "\27[32m", number = "\27[36m", boolean = "\27[35m", ["nil"] = "\27[35m",
  other = "\27[90m", reset = "\27[0m",
}

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\\128-\255]', function(c)
    if escapes[c] then return escapes[c] end
    if c:byte() >= 128 then return c end -- UTF-8 passes through
    return string.format("\\%d", c:byte())
  end) .. '"'
end

local type_order = { number = 1, string = 2, boolean = 3 }

local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return (type_order[ta] or 9) < (type_order[tb] or 9) end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil and not keywords[k]
end

--- Formats `value`. Options: color (false), max_items (100), max_depth (10), width (100).
function M.format(value, opts)
  opts = opts or {}
  local color = opts.color
  local max_items = opts.max_items or 100
  local max_depth = opts.max_depth or 10
  local width = opts.width or 100
  local open = {} -- tables on the current path: a cycle is a table met again inside itself

  local function paint(kind, text)
    if not color then return text end
    return (palette[kind] or palette.other) .. text .. palette.reset
  end

  local null = rawget(_G, "json") and json.null
  local function scalar(v)
    local t = type(v)
    if v == null and v ~= nil then return paint("nil", "json.null") end
    -- A private key is never printed, whatever holds it.
    if t == "string" and v:find("PRIVATE KEY-----", 1, true) then return paint("other", "<private key>") end
    if t == "string" then return paint("string", quote(v)) end
    if t == "number" then
      if math.type(v) == "float" and v == math.floor(v) and v > -1e15 and v < 1e15 then
        return paint("number", string.format("%.1f", v))
      end
      return paint("number", tostring(v))
    end
    if t == "boolean" or t == "nil" then return paint(t, tostring(v)) end
    return paint("other", tostring(v))
  end

  local render
  local function entries(t, depth, indent)
    local items, n = {}, 0
    local len = rawlen(t)
    for i = 1, len do
      n = n + 1
      if n > max_items then break end
      items[#items + 1] = render(rawget(t, i), depth + 1, indent)
    end
    local keys = {}
    for k in next, t do
      if not (math.type(k) == "integer" and k >= 1 and k <= len) then keys[#keys + 1] = k end
    end
    table.sort(keys, key_less)
    for _, k in ipairs(keys) do
      n = n + 1
      if n > max_items then break end
      local name = is_identifier(k) and k or ("[" .. render(k, depth + 1, indent) .. "]")
      items[#items + 1] = name .. " = " .. render(rawget(t, k), depth + 1, indent)
    end
    local total = len + #keys
    if total > max_items then
      items[#items + 1] = paint("other", string.format("... (%d more)", total - max_items))
    end
    return items
  end

  function render(v, depth, indent)
    if type(v) ~= "table" then return scalar(v) end
    local mt = getmetatable(v)
    if type(mt) == "table" and rawget(mt, "__tostring") then
      local ok, s = pcall(tostring, v)
      if ok then return paint("other", s) end
    end
    if open[v] then return paint("other", "<cycle: " .. tostring(v) .. ">") end
    if next(v) == nil then return "{}" end
    if depth >= max_depth then return paint("other", "{...}") end
    open[v] = true
    local inner = indent .. "  "
    local items = entries(v, depth, inner)
    open[v] = nil
    local flat = "{ " .. table.concat(items, ", ") .. " }"
    if #flat + #indent <= width and not flat:find("\n") then return flat end
    return "{\n" .. inner .. table.concat(items, ",\n" .. inner) .. ",\n" .. indent .. "}"
  end

  return render(value, 0, "")
end

--- Prints values like the REPL does: each formatted, separated by tabs.
function M.print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = M.format((select(i, ...)), M.options) end
  io.write(table.concat(parts, "\t"), "\n")
end

M.options = {}

return M
