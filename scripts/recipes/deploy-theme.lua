-- deploy-theme.lua: upload a Stencil bundle, follow its job to the end (progress on a
-- terminal, silence under cron), activate a named variation on the chosen storefront
-- channels, and, when the store is at its limit of custom themes, first delete the oldest
-- theme that no channel has active.
--
-- Usage: storescript run --profile shop scripts/recipes/deploy-theme.lua theme.zip [--variation Light] [--channels 1,2] [--timeout 600]
-- Options (after the bundle):
--   --variation NAME      the variation to activate (default: the first)
--   --channels IDS        the channel ids to activate it on, comma-separated (default 1)
--   --timeout SECONDS     seconds to wait for the job (default 600)
--   --limit N             the store's limit of custom themes (default 20)
--   --no-activate         upload only
--   --dry-run             say what would be deleted and uploaded
-- Exit status: 0 when uploaded (and activated), 1 when the upload or an activation failed, 2
-- for a bad option: a bundle that is not a readable zip, a channel the store does not have
-- (checked before anything is deleted or uploaded).
local args = require("storescript.args")
local report = require("storescript.report")
local function zip(v)
  local f = io.open(v, "rb")
  local magic = f and f:read(4)
  if f then f:close() end
  if magic ~= "PK\3\4" then return "is not a zip (a Stencil bundle is one)" end
end
local opts = args.parse(arg, {
  name = "deploy-theme.lua",
  summary = "Upload a theme bundle, wait for its job, activate a variation on channels; make room when at the upload limit.",
  positional = { { "bundle", "the Stencil theme zip", check = function(v) return args.readable(v) or zip(v) end } },
  options = {
    { "variation", value = "NAME", check = args.nonempty, help = "the variation to activate (default: the first)" },
    { "channels", value = "IDS", default = "1", check = args.ids, help = "the channel ids to activate it on, comma-separated" },
    { "timeout", value = "SECONDS", number = true, min = 1, default = 600, help = "seconds to wait for the job" },
    { "limit", value = "N", integer = true, min = 1, default = 20, help = "the store's limit of custom themes" },
    { "no-activate", flag = true, help = "upload only" },
    { "dry-run", flag = true, help = "say what would be deleted and uploaded" },
  },
})

-- Every channel is checked before anything changes: one the store does not have would stop
-- the run halfway, the theme active on the channels before it.
local channels = {}
for id in opts.channels:gmatch("[^,%s]+") do
  local n = math.tointeger(tonumber(id))
  local ok, e = pcall(bc.channels.get, n)
  if not ok then
    if type(e) == "table" and e.status == 404 then args.refuse("deploy-theme.lua", "--channels: the store has no channel " .. n) end
    error(e, 0)
  end
  channels[#channels + 1] = n
end

local custom = {}
for _, t in ipairs(bc.themes.list()) do if t.is_private then custom[#custom + 1] = t end end
if #custom >= opts.limit then
  -- The themes some storefront channel has active: those are never deleted.
  local in_use = {}
  for _, ch in ipairs(bc.channels.all{ ["type:in"] = "storefront" }) do
    local ok, active = pcall(bc.channels.active_theme.get, ch.id)
    if ok then
      in_use[active.active_theme_uuid] = true
    elseif not (type(active) == "table" and active.status == 404) then
      error(active, 0)
    end
  end
  -- The oldest custom theme no channel uses goes (themes list in upload order).
  local victim
  for _, t in ipairs(custom) do if not t.is_active and not in_use[t.uuid] then victim = t break end end
  if not victim then
    io.stderr:write("deploy-theme: at the limit of ", opts.limit, " custom themes and every one is active on a channel\n")
    os.exit(1)
  end
  local action = opts.dry_run and "would delete" or "deleting"
  report.line(action .. " the oldest inactive theme " .. victim.name .. " (" .. victim.uuid .. ")",
              { action = action, theme = victim.name, uuid = victim.uuid })
  if not opts.dry_run then bc.themes.delete(victim.uuid) end
end
if opts.dry_run then
  report.line("would upload " .. opts.bundle, { action = "would upload", bundle = opts.bundle, channels = channels })
  os.exit(0)
end

local job_id = bc.themes.upload{ file = opts.bundle }.job_id
local bar = progress.new{ total = 100, label = "theme" }
local deadline = time.now() + opts.timeout
local job
repeat
  job = bc.themes.jobs.get(job_id)
  bar:set(math.floor(job.percent_complete or 0))
  if job.status == "COMPLETED" or job.status == "FAILED" then break end
  if time.now() > deadline then
    bar:done()
    io.stderr:write("deploy-theme: the job ", job_id, " did not finish in ", opts.timeout, "s (", job.status, ")\n")
    os.exit(1)
  end
  async.sleep(0.5)
until false
bar:done()
if job.status == "FAILED" then
  local why = {}
  for _, e in ipairs(job.errors or {}) do why[#why + 1] = e.message or e.error end
  io.stderr:write("deploy-theme: the upload failed: ", table.concat(why, "; "), "\n")
  os.exit(1)
end

local theme = bc.themes.get(job.result.theme_id)
report.line(string.format("uploaded %s (%s) with %d variations", theme.name, theme.uuid, #theme.variations),
            { action = "uploaded", theme = theme.name, uuid = theme.uuid, variations = #theme.variations })
if opts.no_activate then os.exit(0) end
local variation = theme.variations[1]
if opts.variation then
  variation = nil
  for _, v in ipairs(theme.variations) do if v.name == opts.variation then variation = v end end
  if not variation then
    local names = {}
    for _, v in ipairs(theme.variations) do names[#names + 1] = v.name end
    io.stderr:write("deploy-theme: no variation ", opts.variation, " (it has ", table.concat(names, ", "), ")\n")
    os.exit(1)
  end
end
for _, ch in ipairs(channels) do
  bc.themes.activate({ variation_id = variation.uuid, which = "original" }, { query = { channel_id = ch } })
  local now = bc.channels.active_theme.get(ch)
  if now.active_theme_uuid ~= theme.uuid then
    io.stderr:write("deploy-theme: channel ", ch, " still shows theme ", tostring(now.active_theme_uuid), " after activation\n")
    os.exit(1)
  end
  report.line("activated " .. theme.name .. " / " .. variation.name .. " on channel " .. ch,
              { action = "activated", theme = theme.name, variation = variation.name, channel = ch })
end
