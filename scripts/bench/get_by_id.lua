-- GET-by-id through async.map with 32 requests in flight; prints requests per second.
local n = tonumber(arg[1]) or 20000
local function now() local p = io.popen("date +%s.%N") local t = tonumber(p:read("a")) p:close() return t end
local ids = {}
for i = 1, n do ids[i] = i % 10000 + 1 end
bc.catalog.products.get(1) -- connect and learn the (absent) rate limit first
local t0 = now()
local got = async.map(ids, function(id) return bc.catalog.products.get(id).id end, { concurrency = 32 })
local t1 = now()
assert(#got == n and got[n] == ids[n])
print(string.format("%.0f", n / (t1 - t0)))
