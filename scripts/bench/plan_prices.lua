-- The plan benchmark's script (scripts/bench/plan.sh): every variant's price up by 1, 50 to
-- a batch, as update-prices does; says on stderr when it ends (time.now()).
local batch, n = {}, 0
for v in bc.catalog.variants.each({limit = 250}) do
  batch[#batch + 1] = {id = v.id, price = (v.price or 0) + 1}
  n = n + 1
  if #batch == 50 then bc.catalog.variants.update_many(batch); batch = {} end
end
if #batch > 0 then bc.catalog.variants.update_many(batch) end
io.stderr:write(string.format("variants %d\nscript_end %.3f\n", n, time.now()))
