-- A widget published on a page: a template, a widget from it, a placement in a region of the
-- home page; each refused when what it names does not exist.
local template = bc.content.widget_templates.create{name = "Promo", template = "<p>{{headline}}</p>"}
assert(template.uuid and template.kind == "custom")
local preview = bc.content.widget_templates.preview(template.uuid, {widget_configuration = {headline = "Sale <now>"}})
assert(preview.html == "<p>Sale &lt;now&gt;</p>", preview.html)

local widget = bc.content.widgets.create{name = "Winter promo", widget_template_uuid = template.uuid, widget_configuration = {headline = "Sale"}}
assert(widget.widget_template.uuid == template.uuid)
local ok, e = pcall(bc.content.widgets.create, {name = "Orphan", widget_template_uuid = "no-such-template"})
assert(not ok and e.status == 422, tostring(e))
assert(#bc.content.widgets.search{query = "winter"} == 1)

local regions = bc.content.regions.list{template_file = "pages/home"}
local placement = bc.content.placements.create{widget_uuid = widget.uuid, template_file = "pages/home",
                                               region = regions[1].name, status = "active", sort_order = 1}
assert(placement.uuid and placement.region == regions[1].name)
ok, e = pcall(bc.content.placements.create, {widget_uuid = widget.uuid, template_file = "pages/home", region = "nowhere"})
assert(not ok and e.status == 422 and e.errors.region, tostring(e))
ok, e = pcall(bc.content.placements.create, {widget_uuid = "nope", template_file = "pages/home", region = regions[1].name})
assert(not ok and e.status == 422 and e.errors.widget_uuid, tostring(e))

bc.content.placements.delete(placement.uuid)
bc.content.widgets.delete(widget.uuid)
bc.content.widget_templates.delete(template.uuid)
print("widget story: ok")
