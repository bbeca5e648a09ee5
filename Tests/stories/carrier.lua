-- A carrier connection: created with the carrier's required fields, refused without them (the
-- v2 error array), its credentials rotated, deleted. The API has no GET: the sandbox's state shows it.
bc.shipping.carrier.connection.create{carrier_id = "endicia", connection = {account_id = "acct", pass_phrase = "first"}}
local ok, e = pcall(bc.shipping.carrier.connection.create, {carrier_id = "fedex", connection = {key = "k"}})
assert(not ok and e.status == 400, tostring(e))
assert(e.title:find("Required fields missing %[password, account_number, meter_number%]"), e.title)

local function stored()
  local h = io.popen("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' " .. sandbox.root .. "/__sandbox/state")
  local state = json.decode(h:read("a")) h:close()
  return (state.entities.carrier_connection or {})[1]
end
local before = stored()
assert(before.carrier_id == "endicia" and before.connection == nil, "no credential is kept")
bc.shipping.carrier.connection.update{carrier_id = "endicia", connection = {account_id = "acct", pass_phrase = "second"}}
assert(stored().connection_sha256 ~= before.connection_sha256, "the credentials changed")
bc.shipping.carrier.connection.delete{carrier_id = "endicia"}
assert(stored() == nil)
print("carrier story: ok")
