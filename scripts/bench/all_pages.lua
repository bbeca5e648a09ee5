-- `all` over every product against the same pages fetched by hand with async.map, in one run.
local limit = 250
local function now() local p = io.popen("date +%s.%N") local t = tonumber(p:read("l")) p:close() return t end

local t0 = now()
local items = bc.catalog.products.all{limit = limit}
local t1 = now()
local total = bc.catalog.products.count()
local pages = {}
for n = 1, math.ceil(total / limit) do pages[n] = n end
local t2 = now()
local by_hand = async.map(pages, function(n) return (bc.catalog.products.list{limit = limit, page = n}) end)
local t3 = now()
local count = 0
for _, page in ipairs(by_hand) do count = count + #page end
assert(#items == total and count == total, "both fetch every product")
print(string.format('{"benchmark":"all-pages","products":%d,"all_s":%.3f,"by_hand_s":%.3f,"ratio":%.2f}',
  total, t1 - t0, t3 - t2, (t1 - t0) / (t3 - t2)))
