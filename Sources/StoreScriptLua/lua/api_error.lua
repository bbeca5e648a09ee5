-- The metatable of the errors the API answers with: a table whose tostring is its message
-- (`409 Conflict: name: ... (POST /v3/catalog/products)`).
return {
  __name = "storescript.error",
  __tostring = function(e) return rawget(e, "message") end,
}
