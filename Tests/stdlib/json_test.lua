-- json: bytes straight to Lua values and back (C, CLuaShim/json.c).
local t = require("testing")

local v = json.decode('{"id":1,"price":12.5,"name":"Tee","tags":["a",null,true],"none":null,"empty":[],"obj":{}}')
t.equal(math.type(v.id), "integer")
t.equal(math.type(v.price), "float")
t.equal(v.tags[2], json.null)
t.equal(v.none, json.null)
t.ok(json.is_array(v.empty) and not json.is_array(v.obj))
t.equal(json.encode(json.decode("[]")), "[]")
t.equal(json.encode(json.decode("{}")), "{}")
t.equal(json.encode(json.array{}), "[]")
t.equal(json.encode({}), "{}")
t.equal(json.encode({ 1, 2, 3 }), "[1,2,3]")
t.equal(json.encode({ [1] = "a", [3] = "c" }), '{"1":"a","3":"c"}')
t.equal(json.encode(1.0), "1.0")
t.equal(json.encode(0.1), "0.1")
t.equal(json.encode(math.maxinteger), "9223372036854775807")
t.equal(json.decode("9223372036854775807"), math.maxinteger)
t.equal(math.type(json.decode("1e2")), "float")
t.equal(json.decode('"\\u00e9\\ud83d\\ude00\\n"'), "é😀\n")
t.equal(json.encode("\0\1\"\\/é"), '"\\u0000\\u0001\\"\\\\/é"')
t.equal(json.encode(json.null), "null")
t.equal(json.encode(nil), "null")

-- Round trips keep types and structure.
local doc = { data = { { id = 7, name = "Mug", price = 9.5, visible = true, categories = json.array{ 1, 2 }, meta = {} } } }
local back = json.decode(json.encode(doc))
t.equal(back.data[1].id, 7)
t.equal(math.type(back.data[1].id), "integer")
t.equal(back.data[1].categories[2], 2)
t.equal(back.data[1].visible, true)
t.ok(json.is_array(back.data[1].categories) and not json.is_array(back.data[1].meta))

-- What JSON cannot carry is refused with a clear error.
local function fails(f, arg, pattern)
  local ok, err = pcall(f, arg)
  t.ok(not ok, "expected an error")
  t.match(err, pattern)
end
fails(json.encode, { f = print }, "cannot encode a function")
fails(json.encode, 0 / 0, "cannot encode NaN")
fails(json.encode, math.huge, "cannot encode an infinity")
fails(json.encode, io.stdout, "cannot encode a userdata")
local cyclic = {} cyclic.self = cyclic
fails(json.encode, cyclic, "cyclic")
fails(json.encode, { [{}] = 1 }, "table key of type table")
fails(json.decode, "[1,]", "unexpected character at byte 4")
fails(json.decode, '{"a" 1}', "expected ':'")
fails(json.decode, "[1] 2", "unexpected data after the JSON value")
fails(json.decode, string.rep("[", 5000), "nested too deeply")
fails(json.decode, '"\\ud800"', "unpaired surrogate")
fails(json.decode, "1e999", "number out of range")
fails(json.decode, "nul", "invalid literal")
fails(json.decode, nil, "string expected")

-- Random bytes never crash the decoder.
local seed = 7
for _ = 1, 20000 do
  local n = seed % 30
  local parts = {}
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    parts[i] = ('{}[]",:0123456789.-etrufalsn \\u'):sub(seed % 31 + 1, seed % 31 + 1)
  end
  pcall(json.decode, table.concat(parts))
end
t.ok(require("json") == json)

-- Integers stay integers, to the last of 64 bits; beyond them, an error, never a rounded float.
t.equal(json.decode("9223372036854775807"), math.maxinteger)
t.equal(json.decode("-9223372036854775808"), math.mininteger)
t.equal(math.type(json.decode("[123456789012345678]")[1]), "integer")
fails(json.decode, "18446744073709551615", "integer beyond 64 bits")
fails(json.decode, '{"id": 9223372036854775808}', "integer beyond 64 bits")
t.equal(math.type(json.decode("1e20")), "float")
t.done()
