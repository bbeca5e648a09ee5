-- campaign-widget.lua: a campaign banner on a storefront page for a date range. Creates (or,
-- when it exists, updates: it is found by name, so running it again changes nothing) a widget
-- template, a widget and a placement; the placement is active only between --start and --end,
-- so a cron line run daily switches it on and off. `--remove` deletes all three.
--
-- Usage: storescript run --profile shop scripts/recipes/campaign-widget.lua "Winter sale" --html '<p>{{text}}</p>' \
--          --text "20% off" --start 2026-12-01 --end 2026-12-31 [--page pages/home] [--region home_below_menu]
--        storescript run --profile shop scripts/recipes/campaign-widget.lua "Winter sale" --remove
-- Cron:  5 0 * * * storescript run --profile shop scripts/recipes/campaign-widget.lua "Winter sale" --start ... --end ...
-- Options (after the campaign's name):
--   --html HTML           the template's Handlebars HTML (default <div class="campaign">{{text}}</div>)
--   --text TEXT           the widget's text
--   --start DATE          first day shown (YYYY-MM-DD, UTC)
--   --end DATE            last day shown (YYYY-MM-DD, UTC)
--   --page FILE           the template file (default pages/home)
--   --region NAME         the region (default: the page's first)
--   --channel ID          the channel (default 1)
--   --remove              delete the placement, widget and template
--   --dry-run             print what would be done
-- Exit status: 0 when done (or up to date), 2 for a bad option: a date that is not one, an end
-- before the start, a channel, page or region the store does not have (nothing is changed).
local args = require("storescript.args")
local report = require("storescript.report")
local opts = args.parse(arg, {
  name = "campaign-widget.lua",
  summary = "Publish (or update, or remove) a campaign widget on a page for a date range.",
  positional = { { "name", "the campaign's name (names the template, widget and placement)", check = args.nonempty } },
  options = {
    { "html", value = "HTML", check = args.nonempty, help = "the template's Handlebars HTML", default = "<div class=\"campaign\">{{text}}</div>" },
    { "text", value = "TEXT", help = "the widget's text", default = "" },
    { "start", value = "DATE", check = args.date, help = "first day shown (YYYY-MM-DD, UTC)" },
    { "end", value = "DATE", check = args.date, help = "last day shown (YYYY-MM-DD, UTC)" },
    { "page", value = "FILE", default = "pages/home", check = args.nonempty, help = "the template file" },
    { "region", value = "NAME", check = args.nonempty, help = "the region (default: the page's first)" },
    { "channel", value = "ID", integer = true, min = 1, default = 1, help = "the channel" },
    { "remove", flag = true, help = "delete the placement, widget and template" },
    { "dry-run", flag = true, help = "print what would be done" },
  },
})
local function refuse(message) args.refuse("campaign-widget.lua", message) end
local channel = opts.channel
if opts.start and opts["end"] and opts["end"] < opts.start then refuse("--end " .. opts["end"] .. " is before --start " .. opts.start) end
-- What only the store can tell, asked before anything changes.
local ok, e = pcall(bc.channels.get, channel)
if not ok then
  if type(e) == "table" and e.status == 404 then refuse("--channel " .. channel .. ": the store has no such channel") end
  error(e, 0)
end
local regions = {}
if not opts.remove then
  local listed, found = pcall(bc.content.regions.list, { template_file = opts.page })
  if not listed then
    if type(found) == "table" and (found.status == 422 or found.status == 404) then refuse("--page " .. opts.page .. ": " .. tostring(found.title)) end
    error(found, 0)
  end
  for _, r in ipairs(found) do regions[#regions + 1] = r.name end
  if #regions == 0 then refuse("--page " .. opts.page .. ": the theme has no regions in that template file") end
  if opts.region then
    local known = false
    for _, r in ipairs(regions) do known = known or r == opts.region end
    if not known then refuse("--region " .. opts.region .. " is not a region of " .. opts.page .. " (" .. table.concat(regions, ", ") .. ")") end
  end
end

local function find(list, field, value)
  for _, item in ipairs(list) do if item[field] == value then return item end end
end
local template = find(bc.content.widget_templates.all{ channel_id = channel }, "name", opts.name)
local widget = find(bc.content.widgets.all{ channel_id = channel }, "name", opts.name)
local placement = widget and find(bc.content.placements.all{ channel_id = channel }, "widget_uuid", widget.uuid)

local function act(what, fn)
  report.line((opts.dry_run and "would " or "") .. what, { campaign = opts.name, action = what, dry_run = opts.dry_run })
  if not opts.dry_run then return fn() end
end

if opts.remove then
  if placement then act("delete the placement " .. placement.uuid, function() bc.content.placements.delete(placement.uuid) end) end
  if widget then act("delete the widget " .. widget.uuid, function() bc.content.widgets.delete(widget.uuid) end) end
  if template then act("delete the template " .. template.uuid, function() bc.content.widget_templates.delete(template.uuid) end) end
  if not (placement or widget or template) then
    report.line("nothing to remove for " .. opts.name, { campaign = opts.name, action = "nothing to remove", dry_run = opts.dry_run })
  end
  os.exit(0)
end

local now = time.now()
local active = true
if opts.start and now < time.parse(opts.start) then active = false end
if opts["end"] and now >= time.parse(opts["end"]) + 86400 then active = false end
local status = active and "active" or "inactive"

if not template then
  template = act("create the template", function()
    return bc.content.widget_templates.create{ name = opts.name, template = opts.html, channel_id = channel }
  end) or { uuid = "(new)" }
elseif template.template ~= opts.html then
  act("update the template's HTML", function() bc.content.widget_templates.update(template.uuid, { template = opts.html }) end)
end

local configuration = { text = opts.text }
if not widget then
  widget = act("create the widget", function()
    return bc.content.widgets.create{ name = opts.name, widget_template_uuid = template.uuid,
                                      widget_configuration = configuration, channel_id = channel }
  end) or { uuid = "(new)" }
elseif (widget.widget_configuration or {}).text ~= opts.text then
  act("update the widget's text", function() bc.content.widgets.update(widget.uuid, { widget_configuration = configuration }) end)
end

local region = opts.region or regions[1]
if not placement then
  act(string.format("place it on %s in %s (%s)", opts.page, region, status), function()
    bc.content.placements.create{ widget_uuid = widget.uuid, template_file = opts.page, region = region,
                                  status = status, channel_id = channel, sort_order = 0 }
  end)
elseif placement.status ~= status or placement.region ~= region or placement.template_file ~= opts.page then
  act(string.format("move the placement to %s in %s (%s)", opts.page, region, status), function()
    bc.content.placements.update(placement.uuid, { template_file = opts.page, region = region, status = status })
  end)
else
  report.line(string.format("%s is up to date (%s)", opts.name, status),
              { campaign = opts.name, action = "up to date", status = status, dry_run = opts.dry_run })
end
