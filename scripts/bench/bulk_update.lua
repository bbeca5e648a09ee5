-- 5,000 price changes, as a user writes them: one update_many; storescript splits it into
-- batches of 10 (the API's limit), runs them concurrently and keeps within the rate limit.
local n = tonumber(arg[1]) or 5000
local updates = {}
for id = 1, n do updates[id] = { id = id, price = id % 100 + 0.99 } end
local results = bc.catalog.products.update_many(updates)
assert(#results == n, "updated " .. #results .. " of " .. n)
