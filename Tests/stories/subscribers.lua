-- Newsletter subscribers added, found by the documented filters, refused when the email is not
-- one or is already subscribed, and removed (one, then all: as the real API warns).
local a = bc.customers.subscribers.create{email = "ana@example.com", first_name = "Ana", source = "storefront"}
bc.customers.subscribers.create{email = "ben@example.com", first_name = "Ben", source = "storefront"}
assert(#bc.customers.subscribers.list{email = "ana@example.com"} == 1)
local ok, e = pcall(bc.customers.subscribers.create, {email = "ANA@example.com"})
assert(not ok and e.status == 409, tostring(e))
ok, e = pcall(bc.customers.subscribers.create, {email = "not an email"})
assert(not ok and e.status == 422 and e.errors.email, tostring(e))
bc.customers.subscribers.update(a.id, {last_name = "Lima"})
assert(bc.customers.subscribers.get(a.id).last_name == "Lima")
bc.customers.subscribers.delete(a.id)
assert(bc.customers.subscribers.count() > 0)
bc.customers.subscribers.delete_many{all = true}
assert(bc.customers.subscribers.count() == 0, "an unfiltered delete removes every subscriber")
print("subscribers story: ok")
