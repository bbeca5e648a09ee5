-- Iterates the first N products with each{limit = 250} and prints the process's peak RSS (kB):
-- a page is dropped once its items were handed out, so the peak should not grow with N.
local n = tonumber(arg[1])
local seen, sum = 0, 0
for p in bc.catalog.products.each { limit = 250 } do
  seen = seen + 1
  sum = sum + p.id
  if seen == n then break end
end
assert(seen == n, "saw " .. seen .. " products, wanted " .. n)
for line in io.lines("/proc/self/status") do
  local kb = line:match("^VmHWM:%s+(%d+)")
  if kb then print(kb) end
end
