-- The Lua half of `bc` and `digicert`: namespaces made on first access (start-up does not
-- grow with the catalog), list helpers (`each`, `all`, `count`) over any paginated list.
local host = ...
local names = setmetatable({}, { __mode = "k" })   -- namespace table → its Lua name

local function list_helpers(name)
  local base = name:match("^(.*)%.each$") or name:match("^(.*)%.all$") or name:match("^(.*)%.count$")
  if not base then return nil end
  local list_name = host.list_of(base)
  if not list_name then return nil end
  local list, path_params = host.binding(list_name), host.path_params(list_name)
  local helper = name:match("%.(%a+)$")

  -- Splits (path params..., query?) and returns a call with the query replaced.
  local function split(...)
    local n = select("#", ...)
    local params = table.pack(...)
    local query = params[path_params + 1]
    if query ~= nil and type(query) ~= "table" then
      error(string.format("%s: argument #%d (query) expected table, got %s", name, path_params + 1, type(query)), 3)
    end
    local q = {}
    for k, v in pairs(query or {}) do q[k] = v end
    return params, q
  end
  local function page(params, q, number)
    q.page = number
    params[path_params + 1] = q
    return list(table.unpack(params, 1, path_params + 1))
  end

  if helper == "count" then
    return function(...)
      local params, q = split(...)
      q.limit = 1
      local _, meta = page(params, q, 1)
      return meta and meta.pagination and meta.pagination.total or 0
    end
  end
  local function each(...)
    local params, q = split(...)
    local data, meta = page(params, q, q.page or 1)
    local current, i = q.page or 1, 0
    local ahead
    local function fetch_ahead()
      local p = meta and meta.pagination
      if p and p.current_page < p.total_pages then
        local nextp = current + 1
        local copy = {}
        for k, v in pairs(q) do copy[k] = v end
        ahead = async.spawn(function() return page(table.move(params, 1, path_params, 1, {}), copy, nextp) end)
      else
        ahead = nil
      end
    end
    fetch_ahead()
    return function()
      i = i + 1
      if data[i] ~= nil then return data[i] end
      if not ahead then return nil end
      data, meta = ahead:wait()
      current, i = current + 1, 1
      fetch_ahead()
      return data[i]
    end
  end
  if helper == "each" then return each end
  -- all: the first page says how many there are; the rest come concurrently, in order. They
  -- all end up in memory anyway, and the store's rate limiter paces the requests, so up to
  -- 32 go out at once (the first page already cost a round trip a loop by hand need not pay).
  return function(...)
    local params, q = split(...)
    local first = q.page or 1
    local data, meta = page(params, q, first)
    local out = json.array {}
    table.move(data, 1, #data, 1, out)
    local p = meta and meta.pagination
    if not p or not p.total_pages or p.total_pages <= first then return out end
    local numbers = {}
    for n = first + 1, p.total_pages do numbers[#numbers + 1] = n end
    local pages = async.map(numbers, function(n)
      local copy = {}
      for k, v in pairs(q) do copy[k] = v end
      return (page(table.move(params, 1, path_params, 1, {}), copy, n))
    end, { concurrency = math.max(async.concurrency, math.min(#numbers, 32)) })
    for _, items in ipairs(pages) do table.move(items, 1, #items, #out + 1, out) end
    return out
  end
end

-- A batch binding takes an array of any length: it goes in requests of the size the API
-- allows, run concurrently (within the rate limit), and the results come back concatenated.
local function batched(name, raw)
  local limit, path_params = host.batch_limit(name), host.path_params(name)
  if not limit then return raw end
  return function(...)
    local args = table.pack(...)
    local payload = args[path_params + 1]
    if type(payload) ~= "table" or #payload <= limit then return raw(...) end
    local chunks = {}
    for i = 1, #payload, limit do
      chunks[#chunks + 1] = json.array(table.move(payload, i, math.min(i + limit - 1, #payload), 1, {}))
    end
    local results = async.map(chunks, function(chunk)
      local a = table.move(args, 1, args.n, 1, {})
      a[path_params + 1] = chunk
      return (raw(table.unpack(a, 1, args.n)))
    end, { concurrency = async.concurrency })
    local out = json.array {}
    for _, r in ipairs(results) do
      if type(r) == "table" then for _, item in ipairs(r) do out[#out + 1] = item end end
    end
    return out
  end
end

local function resolve(t, key)
  if type(key) ~= "string" then return nil end
  local name = names[t] .. "." .. key
  local kind = host.kind(name)
  local value
  if kind == "binding" then
    value = batched(name, host.binding(name))
    package.loaded["storescript.docs"][value] = host.doc(name)
  elseif kind == "namespace" then
    value = setmetatable({}, getmetatable(t))
    names[value] = name
  else
    value = list_helpers(name)
  end
  if value ~= nil then rawset(t, key, value) end
  return value
end

local meta = { __index = resolve, __name = "storescript.namespace" }
local roots = {}
for _, root in ipairs({ "bc", "digicert" }) do
  roots[root] = setmetatable({}, meta)
  names[roots[root]] = root
end
-- The raw escape hatch: any path, same limiter, retries, results and errors.
local bc = roots.bc
rawset(bc, "request", host.request)
for _, method in ipairs({ "get", "post", "put", "delete" }) do
  rawset(bc, method, function(path, payload, options)
    local spec = { method = method:upper(), path = path }
    if method == "post" or method == "put" then spec.body = payload else spec.query = payload end
    for k, v in pairs(options or {}) do spec[k] = v end
    return host.request(spec)
  end)
end
return roots.bc, roots.digicert
