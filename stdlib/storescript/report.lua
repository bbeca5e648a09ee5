-- storescript.report: a recipe's lines on stdout in the run's --log-format: the text as
-- given, or one JSON object (keys in a fixed, sorted order) for a log system to read.
--
--   local report = require("storescript.report")
--   report.line("updated 12 variants", { action = "updated", variants = 12 })
local M = {}

local SORTED = { sort_keys = true }

-- Prints text, or under --log-format json the fields as one JSON object.
function M.line(text, fields)
  if log.format == "json" then
    print(json.encode(fields, SORTED))
  else
    print(text)
  end
end

return M
