-- The whole job as a user writes it: read every product, change every price, write them all
-- back. Prints the seconds from the first request to the last answer.
local function now() local p = io.popen("date +%s.%N") local t = tonumber(p:read("l")) p:close() return t end
local t0 = now()
local products = bc.catalog.products.all{limit = 250, include_fields = "price"}
local updates = {}
for i, p in ipairs(products) do updates[i] = { id = p.id, price = p.price + 1 } end
local results = bc.catalog.products.update_many(updates)
assert(#results == #products, "updated " .. #results .. " of " .. #products)
print(string.format("%.3f %d", now() - t0, #products))
