-- time: now, RFC 3339, durations. Times are seconds since the epoch (floats: they carry
-- milliseconds), as os.time gives them; text is UTC.
local host = ...
local time = {}

--- time.now() -> seconds since the epoch, with milliseconds.
time.now = host.now

--- time.rfc3339(t?) -> "2026-12-01T09:30:00Z" (t: seconds; default now).
function time.rfc3339(t)
  if t ~= nil and type(t) ~= "number" then error("time.rfc3339: argument #1 (t) expected number, got " .. type(t), 2) end
  t = t or host.now()
  local whole = math.floor(t)
  local ms = math.floor((t - whole) * 1000 + 0.5)
  if ms >= 1000 then whole, ms = whole + 1, 0 end
  local s = os.date("!%Y-%m-%dT%H:%M:%S", whole)
  if ms > 0 then s = s .. string.format(".%03d", ms) end
  return s .. "Z"
end

local function days_from_civil(y, m, d)
  -- Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date.
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

--- time.parse(text) -> seconds: RFC 3339 (`2026-12-01T09:30:00Z`, `+02:00`, fractions), a
-- date (`2026-12-01`, midnight UTC), or v2's RFC 2822 (`Tue, 01 Dec 2026 09:30:00 +0000`).
local months = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }
function time.parse(text)
  if type(text) ~= "string" then error("time.parse: argument #1 (text) expected string, got " .. type(text), 2) end
  local y, mo, d, rest = text:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  local h, mi, s, frac, zone = 0, 0, 0, "", "Z"
  if y then
    if rest ~= "" then
      h, mi, s, frac, zone = rest:match("^[Tt ](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
      if not h then error("time.parse: not an RFC 3339 time: " .. text, 2) end
    end
  else
    local dd, mon, yy, hh, mm, ss, z = text:match("^%a+, (%d+) (%a+) (%d+) (%d+):(%d+):(%d+) ([%+%-]%d%d%d%d)$")
    if not dd or not months[mon] then error("time.parse: not an RFC 3339 or RFC 2822 time: " .. text, 2) end
    y, mo, d, h, mi, s, zone = yy, months[mon], dd, hh, mm, ss, z:sub(1, 3) .. ":" .. z:sub(4)
  end
  y, mo, d, h, mi, s = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(s)
  if mo < 1 or mo > 12 or d < 1 or d > 31 or h > 23 or mi > 59 or s > 60 then error("time.parse: out of range: " .. text, 2) end
  local t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
  if frac ~= "" and frac ~= "." then t = t + tonumber("0" .. frac) end
  if zone ~= "Z" and zone ~= "z" and zone ~= "" then
    local sign, zh, zm = zone:match("^([%+%-])(%d%d):?(%d%d)$")
    if not sign then error("time.parse: bad zone in " .. text, 2) end
    local offset = tonumber(zh) * 3600 + tonumber(zm) * 60
    t = sign == "+" and t - offset or t + offset
  end
  return t
end

local units = { { "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 } }

--- time.duration(seconds) -> "1h 2m 3s" (the two largest units; "250ms" below a second).
function time.duration(seconds)
  if type(seconds) ~= "number" then error("time.duration: argument #1 (seconds) expected number, got " .. type(seconds), 2) end
  local sign = seconds < 0 and "-" or ""
  seconds = math.abs(seconds)
  if seconds < 1 then return sign .. string.format("%dms", math.floor(seconds * 1000 + 0.5)) end
  local parts, left = {}, math.floor(seconds + 0.5)
  for _, u in ipairs(units) do
    if left >= u[2] and #parts < 2 then
      parts[#parts + 1] = (left // u[2]) .. u[1]
      left = left % u[2]
    elseif #parts > 0 and #parts < 2 then
      parts[#parts + 1] = nil
    end
  end
  return sign .. table.concat(parts, " ")
end

--- time.parse_duration("1h30m") -> 5400; also "90s", "250ms", "2d", "1.5h".
function time.parse_duration(text)
  if type(text) ~= "string" then error("time.parse_duration: argument #1 (text) expected string, got " .. type(text), 2) end
  local total, found = 0, false
  local factors = { ms = 0.001, s = 1, m = 60, h = 3600, d = 86400 }
  local rest = text:gsub("%s+", "")
  for number, unit in rest:gmatch("(%d+%.?%d*)(%a+)") do
    if not factors[unit] then error("time.parse_duration: unknown unit " .. unit .. " in " .. text .. " (ms, s, m, h, d)", 2) end
    total, found = total + tonumber(number) * factors[unit], true
  end
  if not found or rest:gsub("%d+%.?%d*%a+", "") ~= "" then error("time.parse_duration: not a duration: " .. text .. " (1h30m, 90s, 250ms)", 2) end
  return total
end

--- time.since(t) -> seconds from t to now.
function time.since(t) return host.now() - t end

-- help() and `storescript docs` read these.
local doc = package.loaded["storescript.docs"]
doc[time.now] = "time.now() -> seconds\n  Seconds since the epoch, with milliseconds."
doc[time.rfc3339] = "time.rfc3339(t?) -> text\n  UTC in RFC 3339 (2026-12-01T09:30:00Z; milliseconds when t has them); t defaults to now."
doc[time.parse] = "time.parse(text) -> seconds\n  RFC 3339 (a zone or Z, fractions), a date (midnight UTC), or v2's RFC 2822."
doc[time.duration] = "time.duration(seconds) -> text\n  The two largest units (1h 2m, 3m 5s), milliseconds below a second."
doc[time.parse_duration] = "time.parse_duration(text) -> seconds\n  1h30m, 90s, 250ms, 2d, 1.5h."
doc[time.since] = "time.since(t) -> seconds\n  From t to now."

return time
