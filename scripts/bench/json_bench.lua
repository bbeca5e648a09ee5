-- Decodes and encodes one JSON document with storescript's json or lua-cjson; best of 7.
-- Usage: storescript run json_bench.lua FILE json   |   lua5.4 json_bench.lua FILE cjson
local path, impl = ...
local codec = impl == "cjson" and require("cjson") or json
local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()
local best_decode, best_encode, value = math.huge, math.huge, nil
for _ = 1, 7 do
  collectgarbage()
  local t0 = os.clock()
  value = codec.decode(text)
  local t1 = os.clock()
  local _ = codec.encode(value)
  local t2 = os.clock()
  best_decode, best_encode = math.min(best_decode, t1 - t0), math.min(best_encode, t2 - t1)
end
local mb = #text / 1e6
print(string.format('{"impl":"%s","mb":%.2f,"decode_mb_s":%.1f,"encode_mb_s":%.1f,"id":"%s"}',
  impl, mb, mb / best_decode, mb / best_encode, tostring(value.data[1].id)))
