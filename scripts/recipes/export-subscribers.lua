-- export-subscribers.lua: newsletter subscribers to CSV, incrementally: each run writes the
-- subscribers created or changed since the last run (the mark is kept in `state`, one per
-- store), or all of them with --full. The mark moves only once the file is written.
--
-- Usage: storescript run --profile shop scripts/recipes/export-subscribers.lua --out new.csv [--full]
-- Cron:  0 * * * * storescript run --profile shop --lock /tmp/subs.lock scripts/recipes/export-subscribers.lua --out /var/exports/subscribers-$(date +\%F-\%H).csv
-- Options:
--   --out FILE            the CSV (default -, stdout)
--   --full                every subscriber, whatever the last run wrote
--   --state NAME          the state store keeping the mark (default export-subscribers)
-- Exit status: 0 when written, 2 for a bad option. The summary is a log line (text or JSON).
local args = require("storescript.args")
local opts = args.parse(arg, {
  name = "export-subscribers.lua",
  summary = "Subscribers to CSV, those changed since the last run (or all with --full).",
  options = {
    { "out", value = "FILE", default = "-", check = args.writable, help = "the CSV (- for stdout)" },
    { "full", flag = true, help = "every subscriber, whatever the last run wrote" },
    { "state", value = "NAME", default = "export-subscribers", check = args.state_name, help = "the state store keeping the mark" },
  },
})

local store = state.open(opts.state)
local mark = not opts.full and store:get("last_modified") or nil
local query = { limit = 250, sort = "date_modified" }
if mark then query["date_modified:min"] = mark end

local columns = { "id", "email", "first_name", "last_name", "source", "order_id", "date_created", "date_modified" }
local w = csv.writer(opts.out, { header = columns })
local newest = mark
for s in bc.customers.subscribers.each(query) do
  -- date_modified:min is inclusive: the subscriber the mark came from is not written twice.
  if not (mark and s.date_modified == mark and store:get("at_mark:" .. tostring(s.id))) then
    w:write(s)
    if not newest or s.date_modified > newest then newest = s.date_modified end
  end
end
w:close()

store:transaction(function(t)
  if newest then
    t:set("last_modified", newest)
    for _, k in ipairs(t:keys("at_mark:")) do t:delete(k) end
  end
end)
-- Remember who sits exactly at the new mark (the next run's inclusive filter returns them).
if newest then
  for s in bc.customers.subscribers.each{ ["date_modified:min"] = newest, limit = 250 } do
    if s.date_modified == newest then store:set("at_mark:" .. tostring(s.id), true) end
  end
end
log.info(string.format("export-subscribers: %d subscribers written%s", w.count, mark and (" (changed since " .. mark .. ")") or ""),
         { count = w.count, since = mark or "the beginning", mark = newest or json.null })
