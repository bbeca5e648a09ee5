-- The Lua half of `bc` and `digicert`: namespaces made on first access (start-up does not
-- grow with the catalog), list helpers (`each`, `all`, `count`) over any paginated list.
-- host: the Swift half; adopt: the tables bc and digicert already are (lazy modules).
local host, adopt = ...
local names = setmetatable({}, { __mode = "k" })   -- namespace table → its Lua name

-- A request made ahead of need: its task never fails (the caller may stop before it comes
-- for it, and a failure nobody waited for fails the run); whoever settles it gets its
-- results, or its error raised again as it was.
local function ahead_of(fn)
  return async.spawn(function() return table.pack(pcall(fn)) end)
end
local function settle(task)
  local r = task:wait()
  if not r[1] then error(r[2], 0) end
  return table.unpack(r, 2, r.n)
end

local function list_helpers(name)
  local base = name:match("^(.*)%.each$") or name:match("^(.*)%.all$") or name:match("^(.*)%.count$")
  if not base then return nil end
  local list_name, paging = host.list_of(base)
  if not list_name then return nil end
  local list, path_params = host.binding(list_name), host.path_params(list_name)
  local helper = name:match("%.(%a+)$")
  local signature = (host.doc(list_name) or ""):match("^[^\n]*"):gsub("%.list_?a?l?l?%(", "." .. helper .. "(", 1)

  -- Splits (path params..., query?, options?): the call's arguments (options kept for every
  -- page's request) and a copy of the query.
  local function split(...)
    local params = table.pack(...)
    local query = params[path_params + 1]
    if query ~= nil and type(query) ~= "table" then
      error(string.format("%s: argument #%d (query) expected table, got %s", name, path_params + 1, type(query)), 3)
    end
    local q = {}
    for k, v in pairs(query or {}) do q[k] = v end
    return params, q
  end
  local page
  if paging == "offset" then
    -- DigiCert's lists: offset and limit; the answer holds its items under one field, and
    -- page.total. Read as a page of a paged list, so each, all and count work the same.
    page = function(params, q, number)
      local size = q.limit or 1000
      local c = {}
      for k, v in pairs(q) do c[k] = v end
      c.page, c.limit, c.offset = nil, size, (number - 1) * size
      params[path_params + 1] = c
      local body = list(table.unpack(params, 1, path_params + 2))
      local items = json.array {}
      for _, v in pairs(type(body) == "table" and body or {}) do
        if type(v) == "table" and json.is_array(v) then items = v break end
      end
      local total = type(body) == "table" and type(body.page) == "table" and body.page.total or #items
      return items, { pagination = { current_page = number, total = total, total_pages = math.max(1, math.ceil(total / size)) } }
    end
  else
    page = function(params, q, number)
      q.page = number
      params[path_params + 1] = q
      local data, meta = list(table.unpack(params, 1, path_params + 2))
      -- A list that answers 204 when it holds nothing (a v2 order's shipments): no items.
      if type(data) ~= "table" then return json.array {}, nil end
      return data, meta
    end
  end

  local function copy_of(q)
    local c = {}
    for k, v in pairs(q) do c[k] = v end
    return c
  end
  local function fetch(params, q, n) return page(table.move(params, 1, path_params + 2, 1, {}), copy_of(q), n) end
  -- A list without meta.pagination (v2, or a v3 list answering a bare array) ends at a page
  -- shorter than the limit asked for (or, with none, than the first page) or an empty one.
  local function more(meta, data, size)
    local p = type(meta) == "table" and meta.pagination
    if p then return p.current_page < p.total_pages end
    return #data > 0 and #data >= size
  end

  -- An iterator over every item, fetching the next page while this one is read.
  local function each(...)
    local params, q = split(...)
    local current = q.page or 1
    local data, meta = page(params, q, current)
    local size, i, ahead = q.limit or #data, 0, nil
    local function fetch_ahead()
      ahead = nil
      if more(meta, data, size) then
        local nextp = current + 1
        ahead = ahead_of(function() return fetch(params, q, nextp) end)
      end
    end
    fetch_ahead()
    return function()
      i = i + 1
      if data[i] ~= nil then return data[i] end
      if not ahead then return nil end
      data, meta = settle(ahead)
      current, i = current + 1, 1
      fetch_ahead()
      return data[i]
    end
  end

  -- How many pages there are, from the first one's meta, or from a v2 list's own /count.
  local count_name = host.kind(base .. ".count") == "binding" and base .. ".count" or nil
  local function total_pages(q, first, data, meta, counted)
    local p = type(meta) == "table" and meta.pagination
    if p then return p.total_pages end
    if counted == nil then return nil end
    local size = q.limit or #data
    if #data == 0 or #data >= counted then return first end
    return first + math.ceil((counted - #data) / size)
  end

  local docs = package.loaded["storescript.docs"]
  local function documented(fn, returns, text)
    docs[fn] = string.format("%s -> %s\n  %s (%s, the options going to every request).", signature, returns, text, list_name)
    return fn
  end

  if helper == "count" then
    return documented(function(...)
      local params, q = split(...)
      q.limit = 1
      local data, meta = page(params, q, 1)
      if type(meta) == "table" and meta.pagination then return meta.pagination.total or 0 end
      -- No total in the answer: count what there is.
      q.limit = nil
      local n = 0
      params[path_params + 1] = q
      for _ in each(table.unpack(params, 1, path_params + 2)) do n = n + 1 end
      return n
    end, "integer", "How many items the list holds, filtered as the query says: one request where the answer gives its total")
  end
  if helper == "each" then
    return documented(each, "iterator", "Every item, page after page, the next page fetched while this one is read: for item in "
      .. base .. ".each{...} do ... end")
  end
  -- all: the first page says how many there are (a v2 list asks its /count at the same time);
  -- the rest come concurrently, in order. They all end up in memory anyway, and the store's
  -- rate limiter paces the requests, so up to 32 go out at once (the first page already cost
  -- a round trip a loop by hand need not pay).
  return documented(function(...)
    local params, q = split(...)
    local first = q.page or 1
    local counting = count_name and ahead_of(function()
      local c = copy_of(q)
      c.page, c.limit = nil, nil
      c = next(c) and c or nil
      local args = table.move(params, 1, path_params, 1, {})
      args[path_params + 1] = c
      return host.binding(count_name)(table.unpack(args, 1, path_params + 1))
    end)
    local ok, data, meta = pcall(page, params, q, first)
    if not ok then
      if counting then pcall(settle, counting) end
      error(data, 0)
    end
    local out = json.array {}
    table.move(data, 1, #data, 1, out)
    local pages = total_pages(q, first, data, meta, counting and settle(counting))
    if pages == nil then
      -- Nothing says how many: page by page until a short one.
      local current, size = first, q.limit or #data
      while more(meta, data, size) do
        current = current + 1
        data, meta = fetch(params, q, current)
        table.move(data, 1, #data, #out + 1, out)
      end
      return out
    end
    if pages <= first then return out end
    local numbers = {}
    for n = first + 1, pages do numbers[#numbers + 1] = n end
    local rest = async.map(numbers, function(n) return (fetch(params, q, n)) end,
      { concurrency = math.max(async.concurrency, math.min(#numbers, 32)) })
    for _, items in ipairs(rest) do table.move(items, 1, #items, #out + 1, out) end
    return out
  end, "array", "Every item in one array: the first page, then the rest at once, in order")
end

-- A partial failure: what the API accepted and, per item that failed, where it was in the
-- caller's array (API-CONVENTIONS.md section 5). An API error like any other.
local function partial_failure(name, total, succeeded, failed)
  local method, path = host.route(name)
  local shown = {}
  for i = 1, math.min(#failed, 3) do
    local f = failed[i]
    local what = f.index and ("#" .. f.index) or "an item"
    if f.id ~= nil then what = what .. " (id " .. tostring(f.id) .. ")"
    elseif f.sku ~= nil then what = what .. " (sku " .. tostring(f.sku) .. ")" end
    shown[i] = string.format("%s: %s %s", what, tostring(f.status or "?"), tostring(f.title or f.detail or "failed"))
  end
  if #failed > 3 then shown[#shown + 1] = string.format("and %d more", #failed - 3) end
  return setmetatable({
    status = 207, title = "Partial failure", kind = "partial", applied = #succeeded > 0,
    succeeded = succeeded, failed = failed, method = method, path = path, retryable = false,
    message = string.format("207 Partial failure: %d of %d items failed: %s (%s %s)", #failed, total,
      table.concat(shown, "; "), method, path),
  }, host.error_meta())
end

-- Where an item the API reports as failed was in the chunk: the first unused item with what
-- the error names (its id, sku, name, resource_id, key), else the next unused item that names
-- none of them (a create), in order.
local KEYS = { "id", "sku", "name", "resource_id", "key" }
local function locate(items, err, used)
  local named = false
  for _, k in ipairs(KEYS) do named = named or err[k] ~= nil end
  for i, item in ipairs(items) do
    if not used[i] then
      local fits = type(item) == "table"
      for _, k in ipairs(KEYS) do
        if named then
          if fits and err[k] ~= nil and item[k] ~= err[k] then fits = false end
        elseif fits and item[k] ~= nil and (k == "id" or k == "sku") then
          fits = false
        end
      end
      if fits or (not named and type(item) ~= "table") then
        used[i] = true
        return i
      end
    end
  end
end

-- Marks the items the answer's data accounts for (the first unused item agreeing with a datum
-- on every key both have, and having one), so that failures are located among the rest.
local function account(items, data, used)
  for _, datum in ipairs(type(data) == "table" and data or {}) do
    for i, item in ipairs(items) do
      if not used[i] and type(item) == "table" and type(datum) == "table" then
        local shared, agree = false, true
        for _, k in ipairs(KEYS) do
          if item[k] ~= nil and datum[k] ~= nil then
            shared, agree = true, agree and item[k] == datum[k]
          end
        end
        if shared and agree then
          used[i] = true
          break
        end
      end
    end
  end
end

local function failure(index, item, e)
  item = type(item) == "table" and item or {}
  return { index = index, id = e.id or item.id, sku = e.sku or item.sku, status = e.status, title = e.title,
           detail = e.detail, errors = e.errors }
end

-- A batch binding takes an array of any length: it goes in requests of the size the API
-- allows, run concurrently (within the rate limit), and the results come back concatenated.
-- A partial failure is never silent: items the API refused (a 207's errors) and items of a
-- part that failed outright raise a partial failure, or come back in meta.failed with the
-- option partial = "return".
local function batched(name, raw)
  if not host.array_body(name) then return raw end
  local limit, path_params = host.batch_limit(name), host.path_params(name)
  return function(...)
    local args = table.pack(...)
    local payload, options = args[path_params + 1], args[path_params + 2]
    if type(payload) ~= "table" or #payload == 0 then return raw(...) end
    local chunks, size = {}, limit or #payload
    for i = 1, #payload, size do
      chunks[#chunks + 1] = { first = i, items = json.array(table.move(payload, i, math.min(i + size - 1, #payload), 1, {})) }
    end
    local outcomes = async.map(chunks, function(chunk)
      local a = table.move(args, 1, args.n, 1, {})
      a[path_params + 1] = chunk.items
      return table.pack(pcall(raw, table.unpack(a, 1, args.n)))
    end, { concurrency = async.concurrency })
    local succeeded, failed = json.array {}, {}
    for c, outcome in ipairs(outcomes) do
      local chunk, ok, data, meta, errors = chunks[c], outcome[1], outcome[2], outcome[3], outcome[4]
      if ok then
        if type(data) == "table" then table.move(data, 1, #data, #succeeded + 1, succeeded) end
        local used = {}
        if type(errors) == "table" and #errors > 0 then account(chunk.items, data, used) end
        for _, e in ipairs(type(errors) == "table" and errors or {}) do
          local i = locate(chunk.items, e, used)
          failed[#failed + 1] = failure(i and chunk.first + i - 1, i and chunk.items[i], e)
        end
      elseif #chunks == 1 then
        error(data, 2) -- nothing was split: the API's own error
      else
        for i, item in ipairs(chunk.items) do failed[#failed + 1] = failure(chunk.first + i - 1, item, data) end
      end
    end
    if #failed == 0 then
      if #chunks == 1 and outcomes[1].n >= 3 then return outcomes[1][2], outcomes[1][3] end
      return succeeded
    end
    table.sort(failed, function(x, y) return (x.index or math.huge) < (y.index or math.huge) end)
    if type(options) == "table" and options.partial == "return" then
      return succeeded, { failed = failed, total = #payload, succeeded = #succeeded }
    end
    error(partial_failure(name, #payload, succeeded, failed), 2)
  end
end

-- What a namespace holds, from the catalog (nothing needs to be built to know it).
local namespaces = {}
package.loaded["storescript.namespaces"] = namespaces
function namespaces.name(t) return names[t] end
function namespaces.children(t) return names[t] and host.children(names[t]) or nil end
-- A binding's method and path template (`storescript call` sends key=value as its query or body).
function namespaces.route(name) return host.route(name) end

local raise = package.loaded["storescript.raise"]
local function no_such(name)
  local guess = host.suggest(name)
  if guess then
    local what = host.kind(guess) == "namespace" and "namespace" or "binding"
    raise(string.format("%s: no such %s; did you mean %s?", name, what, guess))
  end
  raise(string.format("%s: no such namespace or binding (help(%s) lists what is there)", name,
    name:match("^(.*)%.[^.]*$")))
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
    if value == nil then no_such(name) end
  end
  rawset(t, key, value)
  return value
end

local meta = {
  __index = resolve,
  __name = "storescript.namespace",
  __tostring = function(t)
    local kids = host.children(names[t])
    local shown = table.move(kids, 1, math.min(#kids, 40), 1, {})
    if #kids > 40 then shown[#shown + 1] = string.format("... (%d in all)", #kids) end
    return string.format("%s: %s", names[t], table.concat(shown, ", "))
  end,
}
local roots = {}
for _, root in ipairs({ "bc", "digicert" }) do
  roots[root] = setmetatable(adopt and adopt[root] or {}, meta)
  names[roots[root]] = root
end
-- The raw escape hatch: any path, same limiter, retries, results and errors.
local bc = roots.bc
local docs = package.loaded["storescript.docs"]
rawset(bc, "request", host.request)
docs[host.request] = "bc.request{method = \"GET\", path = \"/v3/...\", query = {...}, body = ..., headers = {...}, timeout = s} -> ...\n"
  .. "  Any path of the store's API, with the bindings' rate limiter, retries, results (v3: data, meta) and errors;"
  .. " a string body is sent as it is, a table as JSON."
for _, method in ipairs({ "get", "post", "put", "delete" }) do
  local fn = function(path, payload, options)
    local spec = { method = method:upper(), path = path }
    if method == "post" or method == "put" then spec.body = payload else spec.query = payload end
    for k, v in pairs(options or {}) do spec[k] = v end
    return host.request(spec)
  end
  rawset(bc, method, fn)
  docs[fn] = string.format("bc.%s(path, %s?, options?) -> ...\n  bc.request{method = \"%s\", path = path, %s = ...} with options (query, headers, timeout).",
    method, (method == "post" or method == "put") and "body" or "query", method:upper(),
    (method == "post" or method == "put") and "body" or "query")
end
return roots.bc, roots.digicert
