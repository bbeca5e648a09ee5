-- A theme bundle uploaded, its job followed to the end, a variation activated, the theme
-- downloaded from the job's URL; a bundle that is not a Stencil theme fails its job readably.
-- arg[1]: a Stencil bundle (config.json with variations, schema.json, templates/); arg[2]: a zip that is not one.
local function finished(job_id)
  local job, seen = bc.themes.jobs.get(job_id), {}
  local deadline = os.time() + 20
  while job.status == "QUEUED" or job.status == "WORKING" do
    seen[job.status] = true
    assert(os.time() < deadline, "the job did not finish")
    async.sleep(0.05)
    job = bc.themes.jobs.get(job_id)
  end
  return job, seen
end

local job, seen = finished(bc.themes.upload{file = arg[1]}.job_id)
assert(job.status == "COMPLETED" and job.percent_complete == 100 and seen.WORKING, job.status)
local theme = bc.themes.get(job.result.theme_id)
assert(theme.name == "Story" and #theme.variations == 2 and not theme.is_active)

bc.themes.activate{variation_id = theme.variations[2].uuid, which = "original"}
assert(bc.themes.get(theme.uuid).is_active)
local ok, e = pcall(bc.themes.delete, theme.uuid)
assert(not ok and e.status == 409, "the active theme cannot be deleted")

local download = finished(bc.themes.download(theme.uuid, {which = "original"}).job_id)
local url = download.result.download_url
local h = io.popen("curl -s -o /dev/null -w '%{http_code} %{size_download}' " .. url)
local status, size = h:read("a"):match("(%d+) (%d+)") h:close()
local f = io.open(arg[1], "rb") local bytes = #f:read("a") f:close()
assert(status == "200" and tonumber(size) == bytes, "the download is the bundle uploaded")

local bad = finished(bc.themes.upload{file = arg[2]}.job_id)
assert(bad.status == "FAILED" and bad.errors[1].message:find("lacks schema.json"), bad.errors[1] and bad.errors[1].message)
print("theme story: ok")
