-- A tiny assertion helper for the stdlib's own tests (run with `storescript run`).
local M = { count = 0 }

local function fail(msg)
  error(msg, 3)
end

function M.ok(v, msg)
  M.count = M.count + 1
  if not v then fail(msg or "expected a true value") end
end

function M.equal(got, want)
  M.count = M.count + 1
  if got ~= want then fail(string.format("expected %q, got %q", tostring(want), tostring(got))) end
end

function M.match(got, pattern)
  M.count = M.count + 1
  if type(got) ~= "string" or not got:find(pattern) then
    fail(string.format("expected a match for %q, got %q", pattern, tostring(got)))
  end
end

function M.done()
  print(string.format("%s: %d checks passed", arg and arg[0] or "?", M.count))
end

return M
