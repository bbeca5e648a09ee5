-- state: set and get of values of several sizes (a journal entry, a 1 MB and a 64 MB string,
-- a table of 10,000 small rows), against json.encode/decode of the same value (the codec
-- state used before 0.6) in the same run. Prints one JSON line per value.
local s = state.open("bench")
local function entry() return { phase = "ordered", host = "shop.example.com", order_id = 12345, key = string.rep("k", 1700), csr = string.rep("c", 1000) } end
local rows = {}
for i = 1, 10000 do rows[i] = { id = i, sku = "SKU-" .. i, price = i * 1.25 } end
local values = {
  { "journal entry", entry(), 2000 },
  { "1 MB string", string.rep("x", 1 << 20), 50 },
  { "64 MB string", string.rep("x", (64 << 20) - 16), 2 },
  { "10,000 rows", rows, 5 },
}
for _, v in ipairs(values) do
  local name, value, n = v[1], v[2], v[3]
  local t0 = time.now()
  for _ = 1, n do s:set("v", value) local _ = s:get("v") end
  local state_ms = (time.now() - t0) * 1000 / n
  t0 = time.now()
  for _ = 1, n do local _ = json.decode(json.encode(value)) end
  local json_ms = (time.now() - t0) * 1000 / n
  print(json.encode({ benchmark = "state", value = name, set_get_ms = math.floor(state_ms * 1000) / 1000,
                      json_roundtrip_ms = math.floor(json_ms * 1000) / 1000 }, { sort_keys = true }))
end
s:set("v", nil)
