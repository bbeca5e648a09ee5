-- wrk script for scripts/bench/listen.sh: POSTs sample callbacks, each a new event (its own
-- created_at), with the listener's secret header (SECRET in the environment).
local secret = os.getenv("SECRET")
local n = 0
local thread_id = 0
setup = function(thread)
  thread_id = thread_id + 1
  thread:set("base", thread_id * 100000000)
end
request = function()
  n = n + 1
  local body = string.format('{"scope":"store/order/created","store_id":"1","data":{"type":"order","id":%d},'
    .. '"hash":"bench%d","created_at":%d,"producer":"stores/bench"}', n % 1000, n % 1000, base + n)
  return wrk.format("POST", "/", { ["Content-Type"] = "application/json", ["X-Storescript-Secret"] = secret }, body)
end
