-- 300 product creates, each checked for a unique name and SKU; prints milliseconds a create.
local n = 300
local function now_ns() return tonumber(io.popen("date +%s%N"):read("l")) end
local t0 = now_ns()
for i = 1, n do
  bc.catalog.products.create{name = "Bench " .. i, type = "physical", weight = 1, price = 2, sku = "BENCH-" .. i}
end
print(string.format("%.3f", (now_ns() - t0) / 1e6 / n))
