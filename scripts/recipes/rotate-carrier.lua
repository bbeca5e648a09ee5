-- rotate-carrier.lua: update a shipping carrier connection's credentials from environment
-- variables (a secrets manager or CI sets them), never from the command line, so they do not
-- land in shell history or process lists. Each field comes from CARRIER_<FIELD> (for example
-- CARRIER_ACCOUNT_ID, CARRIER_PASS_PHRASE for endicia). --dry-run names the fields only.
--
-- Usage: CARRIER_ACCOUNT_ID=... CARRIER_PASS_PHRASE=... storescript run --profile shop scripts/recipes/rotate-carrier.lua endicia [--create]
-- Options (after the carrier):
--   --create              create the connection instead of updating it
--   --dry-run             name the fields that would be sent, send nothing
-- Exit status: 0 when updated, 1 when the store refused it, 2 for a bad option, an unknown
-- carrier or a CARRIER_* variable missing (nothing is sent).
local args = require("storescript.args")
local report = require("storescript.report")
local CARRIERS = { "auspost", "endicia", "fedex", "royalmail", "zoom2u" }
local opts = args.parse(arg, {
  name = "rotate-carrier.lua",
  summary = "Update a carrier connection's credentials from CARRIER_<FIELD> environment variables.",
  positional = { { "carrier", "the carrier_id (" .. table.concat(CARRIERS, ", ") .. ")", choices = CARRIERS } },
  options = {
    { "create", flag = true, help = "create the connection instead of updating it" },
    { "dry-run", flag = true, help = "name the fields that would be sent, send nothing" },
  },
})

-- The fields each carrier requires (shipping.v2.yml), and every CARRIER_* variable set besides.
local required = {
  auspost = { "auth_key", "test_mode" }, endicia = { "account_id", "pass_phrase" },
  fedex = { "key", "password", "account_number", "meter_number" }, zoom2u = { "auth_key", "test_mode" },
}
local connection, missing = {}, {}
for _, field in ipairs(required[opts.carrier] or {}) do
  local value = os.getenv("CARRIER_" .. field:upper())
  if value == nil then missing[#missing + 1] = "CARRIER_" .. field:upper() else connection[field] = value end
end
if #missing > 0 then args.refuse("rotate-carrier.lua", "set " .. table.concat(missing, ", ") .. " for " .. opts.carrier) end
for _, field in ipairs({ "test_mode" }) do
  if connection[field] == "true" then connection[field] = true elseif connection[field] == "false" then connection[field] = false end
end

local names = {}
for k in pairs(connection) do names[#names + 1] = k end
table.sort(names)
local verb = opts.create and "create" or "update"
if opts.dry_run then
  report.line(string.format("would %s %s with %s", verb, opts.carrier, table.concat(names, ", ")),
              { action = "would " .. verb, carrier = opts.carrier, fields = names })
  os.exit(0)
end
local call = opts.create and bc.shipping.carrier.connection.create or bc.shipping.carrier.connection.update
local ok, e = pcall(call, { carrier_id = opts.carrier, connection = connection })
if not ok then
  io.stderr:write("rotate-carrier: ", tostring(e), "\n")
  os.exit(1)
end
report.line(string.format("%sd %s: %s", verb, opts.carrier, table.concat(names, ", ")),
            { action = verb .. "d", carrier = opts.carrier, fields = names })
