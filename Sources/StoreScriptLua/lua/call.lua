-- `storescript call NAME [ARG ...] [key=value ...] [--data JSON|@FILE|-] [--all]`: one binding from the
-- shell. Positional arguments fill the path parameters; key=value pairs are the query of a
-- GET or DELETE and the body of a POST or PUT (the query when --data gives the body); values
-- that read as JSON numbers, booleans or null are those, the rest strings. The answer is one
-- JSON document on stdout, or with --all one JSON line per item of every page. An error is
-- one JSON object on stderr and exit 1.
local namespaces = require("storescript.namespaces")
-- Keys in a fixed order, so that answers diff and read the same every time.
local SORTED = { sort_keys = true }

local function fail(err, code)
  local e = type(err) == "table" and err or { title = tostring(err) }
  local out = { error = { status = e.status, title = e.title or tostring(err), errors = e.errors, method = e.method,
                          path = e.path, request_id = e.request_id } }
  io.stderr:write(require("storescript.redact")(json.encode(out, SORTED)), "\n")
  os.exit(code or 1)
end

local name = arg[1]
-- A binding, a list's helper or bc.request and friends: nothing else a script could reach
-- (`os.execute` is not a binding).
if type(name) ~= "string" or not (name:match("^bc%.[%w_.]+$") or name:match("^digicert%.[%w_.]+$")) then
  fail("storescript call: give a binding's name (bc.* or digicert.*), e.g. storescript call bc.catalog.products.list limit=2", 2)
end

local positional, pairs_, data, all = {}, {}, nil, false
local i = 2
while arg[i] do
  local a = arg[i]
  if a == "--all" then all = true
  elseif a == "--data" then
    i = i + 1
    local text = arg[i]
    if text == nil then fail("storescript call: --data needs JSON (or - to read it from stdin)", 2) end
    if text == "-" then
      text = io.read("a")
    elseif text:sub(1, 1) == "@" then
      -- As curl reads it: @FILE is the file's contents.
      local f, why = io.open(text:sub(2), "rb")
      if not f then fail("storescript call: --data " .. text .. ": " .. tostring(why), 2) end
      text = f:read("a")
      f:close()
    end
    local ok, value = pcall(json.decode, text)
    if not ok then fail("storescript call: --data is not JSON: " .. tostring(value), 2) end
    data = value
  else
    local k, v = a:match("^([^=]+)=(.*)$")
    if k then
      local ok, decoded = pcall(json.decode, v)
      if ok and (type(decoded) == "number" or type(decoded) == "boolean" or decoded == json.null) then v = decoded end
      pairs_[k] = v
    else
      positional[#positional + 1] = math.tointeger(tonumber(a)) or a
    end
  end
  i = i + 1
end

-- What a dotted name names (a wrong part raises, naming what is there instead).
local function lookup(dotted)
  local value = _G
  for part in dotted:gmatch("[^.]+") do value = value[part] end
  return value
end

local ok, fn = pcall(lookup, name)
if not ok then fail(fn, 2) end
if type(fn) ~= "function" then fail("storescript call: " .. name .. " is not a binding (help(" .. name .. ") lists what it holds)", 2) end

local method = namespaces.route(name)
local has_pairs = next(pairs_) ~= nil
local args = table.move(positional, 1, #positional, 1, {})
if data ~= nil then
  args[#args + 1] = data
  if has_pairs then args[#args + 1] = { query = pairs_ } end
elseif has_pairs then
  args[#args + 1] = pairs_
end

if all then
  -- Every item of every page, one JSON line each: the namespace's `each` beside the binding.
  local list = name:match("^(.*)%.list$")
  local ok2, iter = pcall(function() return list and lookup(list .. ".each") end)
  if not ok2 or type(iter) ~= "function" then fail("storescript call: --all needs a list binding (NAME.list)", 2) end
  local ok3, err = pcall(function()
    for item in iter(table.unpack(args)) do io.stdout:write(json.encode(item, SORTED), "\n") end
  end)
  if not ok3 then fail(err) end
  os.exit(0)
end

local results = table.pack(pcall(fn, table.unpack(args)))
if not results[1] then fail(results[2]) end
local value = results[2]
if method == nil and results.n > 2 then value = { data = results[2], meta = results[3] } end
io.stdout:write(json.encode(value == nil and json.null or value, SORTED), "\n")
