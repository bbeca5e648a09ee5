-- progress: a bar with count, rate and ETA on stderr when it is a terminal; nothing when it is
-- not (cron, a pipe) or under --quiet. At most ten redraws a second, so counting is cheap.
local host = ...
local progress = {}

local Bar = { __name = "progress.bar" }
Bar.__index = Bar

local function fmt_time(seconds)
  if seconds ~= seconds or seconds == math.huge then return "?" end
  seconds = math.floor(seconds + 0.5)
  if seconds >= 3600 then return string.format("%dh%02dm", seconds // 3600, seconds % 3600 // 60) end
  if seconds >= 60 then return string.format("%dm%02ds", seconds // 60, seconds % 60) end
  return seconds .. "s"
end

function Bar:draw(final)
  if not self.visible then return end
  local now = host.now()
  if not final and now - self.drawn < 0.1 then return end
  self.drawn = now
  local elapsed = now - self.started
  local rate = elapsed > 0 and self.count / elapsed or 0
  local text
  if self.total and self.total > 0 then
    local fraction = math.min(self.count / self.total, 1)
    local width = 24
    local filled = math.floor(fraction * width + 0.5)
    local eta = rate > 0 and (self.total - self.count) / rate or math.huge
    text = string.format("%s [%s%s] %d/%d %3d%% %.1f/s %s %s", self.label, string.rep("#", filled), string.rep("-", width - filled),
                         self.count, self.total, math.floor(fraction * 100), rate, final and "in" or "ETA",
                         fmt_time(final and elapsed or eta))
  else
    text = string.format("%s %d %.1f/s %s", self.label, self.count, rate, fmt_time(elapsed))
  end
  io.stderr:write("\r\27[K", text, final and "\n" or "")
  io.stderr:flush()
end

--- bar:add(n?) counts n more (default 1).
function Bar:add(n)
  self.count = self.count + (n or 1)
  self:draw(false)
end

--- bar:set(n) sets the count.
function Bar:set(n)
  self.count = n
  self:draw(false)
end

--- bar:done() draws the last line (on a terminal) and returns the count and the seconds taken.
function Bar:done()
  if not self.finished then
    self.finished = true
    self:draw(true)
  end
  return self.count, host.now() - self.started
end

--- progress.new{total = n?, label = "..."} -> bar.
function progress.new(opts)
  if opts ~= nil and type(opts) ~= "table" then error("progress.new: argument #1 (options) expected table, got " .. type(opts), 2) end
  opts = opts or {}
  if opts.total ~= nil and (type(opts.total) ~= "number" or opts.total < 0) then
    error("progress.new: options.total must be a non-negative number", 2)
  end
  local now = host.now()
  return setmetatable({ total = opts.total, label = tostring(opts.label or "progress"), count = 0, started = now,
                        drawn = 0, visible = host.visible() }, Bar)
end

--- progress.enabled() -> whether bars are drawn (stderr is a terminal and not --quiet).
function progress.enabled() return host.visible() end

-- help() and `storescript docs` read these.
local doc = package.loaded["storescript.docs"]
doc[progress.new] = "progress.new{total = n?, label = \"...\"} -> bar\n  A bar with rate and ETA on stderr when it is a terminal (nothing otherwise, or with --quiet): bar:add(n?), bar:set(n), bar:done()."
doc[progress.enabled] = "progress.enabled() -> boolean\n  Whether bars are drawn here."

return progress
