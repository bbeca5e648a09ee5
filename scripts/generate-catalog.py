#!/usr/bin/env python3
"""Generates Sources/StoreAPI/OperationTable.swift from the official OpenAPI files.

Reads ../shared/specs/bigcommerce/ and ../shared/specs/bigcommerce-management/ (every
operation of every file: the whole store Management API), ../shared/api/seed-operations.tsv
(the seed operations, four of which are older than the current spec and are kept with what
the seed documents say) and the DigiCert table of ../shared/API-CONVENTIONS.md section 8,
and names each operation by the rule of its sections 1 and 1b.

    scripts/generate-catalog.py            write the table
    scripts/generate-catalog.py --check    exit 1 if the committed table is stale
    scripts/generate-catalog.py --names    compare every name with ../shared/api/all-operations.md
"""
import argparse
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(__import__("os").environ.get("STORESCRIPT_SHARED", ROOT.parent / "shared"))
SPECS = SHARED / "specs" / "bigcommerce"
SEEDS = SHARED / "api" / "seed-operations.tsv"
CONVENTIONS = SHARED / "API-CONVENTIONS.md"
OUT = ROOT / "Sources" / "StoreAPI" / "OperationTable.swift"
SCHEMAS_OUT = ROOT / "Sources" / "StoreAPI" / "BodySchemaTable.swift"
SAMPLES_OUT = ROOT / "Sources" / "StoreAPI" / "WebhookSampleTable.swift"

METHODS = ("get", "post", "put", "delete")
DROPPED = {"v2", "v3", "services", "actions"}
SINGLETONS = {"image", "certificate", "checkout-url", "connection", "summary", "tree", "site",
              "settings", "active-theme", "configurations"}
ACTIONS = {"search", "download", "activate", "preview", "validate", "capture", "void", "refund_quotes"}
NAMED = {
    ("POST", "/v3/themes"): "bc.themes.upload",
    ("POST", "/services/v2/order/certificate/{product_id}"): "digicert.orders.create",
    ("PUT", "/v3/channels/{channel_id}/currency-assignments"): "bc.channels.currency_assignments.upsert",
}
# Second names: the named ones of API-CONVENTIONS.md section 1; every singleton's `upsert` is
# also reachable as `update` (sections 1 and 1b), added by `aliases`.
ALIASES = {("POST", "/v3/carts/{cartId}/items"): "bc.carts.items.add"}


def aliases(ops):
    """Every second name, refusing one that would shadow an operation or another alias."""
    taken = {o["lua"] for o in ops}
    out = dict(ALIASES)
    for o in ops:
        if o["lua"].endswith(".upsert"):
            out[(o["method"], o["path"])] = o["lua"][:-len("upsert")] + "update"
    seen = set()
    for name in out.values():
        if name in taken or name in seen:
            sys.exit(f"generate-catalog: the alias {name} collides with another name")
        seen.add(name)
    return out
# The seed operations the current spec no longer has, as the seed documents describe them:
# operationId (none is given), summary, success status, type of the path parameters.
SEED_ONLY = {
    ("GET", "/v3/catalog/categories/tree"):
        ("", "Returns the categories tree, a nested lineage of the categories with parent->child relationship.", 200, "integer"),
    ("DELETE", "/v3/catalog/products/{product_id}/modifiers/{modifier_id}/values/{value_id}/image"):
        ("", "Deletes the image that was set to show when the modifier value is selected.", 204, "integer"),
    ("GET", "/v3/content/widgets/search"): ("", "Gets all widgets by search.", 200, "string"),
    ("POST", "/services/v2/order/certificate/{product_id}"):
        ("", "Orders a certificate (DigiCert CertCentral); product_id names the product, e.g. ssl_plus.", 201, "string"),
}


def is_param(seg):
    return seg.startswith("{") and seg.endswith("}")


def kind(method, path, lua):
    """What the operation does to the store, for the sandbox and the client: read from its
    name, which the rule chose from the path's shape."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    verb = lua.rsplit(".", 1)[-1]
    if lua.startswith("digicert."):
        # DigiCert's names are given, not derived: their verb says what they do.
        return verb if verb in ("list", "get", "create") else "action"
    if lua == "bc.themes.upload":
        return "create"
    if lua == "bc.channels.currency_assignments.upsert":
        return "singleton_upsert"
    if is_param(last):
        return {"GET": "get", "POST": "create", "PUT": "update", "DELETE": "delete"}[method]
    by_method = {"GET": "get", "POST": "create", "PUT": "upsert", "DELETE": "delete"}
    if last in SINGLETONS or verb in ("get", "upsert") or (verb == "delete" and method == "DELETE"):
        # A singleton by name or by shape (sections 1 and 1b).
        return "singleton_" + by_method[method]
    base = verb[:-len("_all")] if verb.endswith("_all") and verb != "list_all" else verb
    if base in ("list", "list_all", "create", "create_many", "update_many", "delete_many", "count"):
        return base
    return "action"


def lua_name(method, path, all_paths):
    if (method, path) in NAMED:
        return NAMED[(method, path)]
    segs = [s for s in path.strip("/").split("/") if s not in DROPPED]
    literal = [s.replace("-", "_") for s in segs if not is_param(s)]
    last = segs[-1]
    if is_param(last):
        verb = {"GET": "get", "POST": "create", "PUT": "update", "DELETE": "delete"}[method]
    elif last in SINGLETONS:
        verb = {"GET": "get", "POST": "create", "PUT": "upsert", "DELETE": "delete"}[method]
    elif last.replace("-", "_") in ACTIONS:
        return "bc." + ".".join(literal)
    else:
        # A store-wide batch collection: the same literal path also exists under a parent id.
        shape = [("{}" if is_param(s) else s) for s in path.strip("/").split("/")]
        batch = False
        for other in all_paths:
            oshape = [("{}" if is_param(s) else s) for s in other.strip("/").split("/")]
            if len(oshape) == len(shape) + 1 and [s for s in oshape if s != "{}"] == [s for s in shape] \
                    and oshape[-1] == shape[-1] and "{}" in oshape[:-1]:
                batch = True
        if batch:
            verb = {"GET": "list_all", "POST": "create_many", "PUT": "update_many", "DELETE": "delete_many"}[method]
        else:
            verb = {"GET": "list", "POST": "create", "PUT": "update_many", "DELETE": "delete_many"}[method]
    return "bc." + ".".join(literal + [verb])


def shape(method, path):
    """The operation's identity whatever its parameters are called ({id} or {video_id})."""
    return method, re.sub(r"\{[^}]*\}", "{}", path)


def resolve(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        cur = doc
        for part in ref[2:].split("/"):
            cur = cur.get(part, {})
        node, seen = cur, seen + 1
    return node or {}


def schema_type(doc, schema):
    s = resolve(doc, schema)
    t = s.get("type")
    if t is None and "allOf" in s:
        for sub in s["allOf"]:
            t = resolve(doc, sub).get("type") or t
    if t == "array":
        return (resolve(doc, s.get("items", {})).get("type") or "string") + "[]"
    return t or "string"


def body_is_array(doc, op):
    body = resolve(doc, op.get("requestBody", {}))
    for media in (body.get("content") or {}).values():
        if schema_type(doc, media.get("schema", {})).endswith("[]"):
            return True
    return False


def simplify(doc, schema, depth=0):
    """A request-body schema reduced to what validation needs: t(ype), p(roperties),
    r(equired), i(tems), e(num), n(ullable), ml/mn (max/min length), max/min (values),
    pt (pattern), ap (additionalProperties: 0 refused, 1 kept; absent, fields it does not
    describe are dropped, as the API ignores them)."""
    s = resolve(doc, schema)
    if depth > 8 or not isinstance(s, dict):
        return {}
    if "allOf" in s:
        # Every part must hold: merge the parts' (themselves simplified) fields and requirements.
        parts = [simplify(doc, sub, depth + 1) for sub in s["allOf"]]
        rest = simplify(doc, {k: v for k, v in s.items() if k != "allOf"}, depth + 1)
        merged = {}
        for part in parts + [rest]:
            for k, v in part.items():
                if k == "p":
                    merged.setdefault("p", {}).update(v)
                elif k == "r":
                    merged["r"] = sorted(set(merged.get("r", [])) | set(v))
                else:
                    merged[k] = v
        if "p" in merged:
            merged["t"] = "object"
        return merged
    for combo in ("oneOf", "anyOf"):
        if combo in s:
            return {}  # any of several shapes: not checked
    out = {}
    t = s.get("type")
    if t:
        out["t"] = t
    if s.get("nullable"):
        out["n"] = 1
    if "enum" in s:
        out["e"] = [v for v in s["enum"] if v is not None]
    if s.get("format") in ("date", "date-time"):
        out["f"] = s["format"]
    for key, short in (("maxLength", "ml"), ("minLength", "mn"), ("maximum", "max"), ("minimum", "min"), ("pattern", "pt")):
        if key in s:
            out[short] = s[key]
    if t == "array" and "items" in s:
        out["i"] = simplify(doc, s["items"], depth + 1)
    props = s.get("properties")
    if props:
        out["t"] = "object"
        out["p"] = {k: simplify(doc, v, depth + 1) for k, v in props.items()}
    if s.get("required"):
        out["r"] = sorted(set(s["required"]))
    extra = s.get("additionalProperties")
    if extra is False:
        out["ap"] = 0  # fields it does not describe are refused
    elif extra is True or isinstance(extra, dict):
        out["ap"] = 1  # kept as sent
    return out


# Fields the API takes that the official request schemas leave out: (method, path) → (the
# object's path in the body, the field, its schema). Without them the sandbox would drop them.
MODIFIER_VALUE_FIELDS = [(["option_values", "i"], "label", {"t": "string"}), (["option_values", "i"], "sort_order", {"t": "integer"})]
UNDOCUMENTED_FIELDS = {
    # A modifier value's label and sort order: the API takes them (the answer's schema requires both).
    ("POST", "/v3/catalog/products/{product_id}/modifiers"): MODIFIER_VALUE_FIELDS,
    ("PUT", "/v3/catalog/products/{product_id}/modifiers/{modifier_id}"): MODIFIER_VALUE_FIELDS,
    # A v2 customer's email: required by the API (the answer has it), left out of customers.v2.yml's
    # request schema; the official Python client sends it.
    ("POST", "/v2/customers"): [((), "email", {"t": "string"})],
    ("PUT", "/v2/customers/{customer_id}"): [((), "email", {"t": "string"})],
    # The store-wide variant batch makes a variant from product_id, sku and option_values (its
    # description says so; its schema lists only the fields of an update).
    ("PUT", "/v3/catalog/variants"): [(["i"], "product_id", {"t": "integer"}), (["i"], "sku", {"t": "string"}),
                                      (["i"], "option_values", {"t": "array", "i": {"t": "object", "p": {"id": {"t": "integer"}, "option_id": {"t": "integer"}}}})],
}


def event_scopes(doc):
    """The webhook events a file documents: its schemas titled with a scope (store/order/created)."""
    schemas = ((doc.get("components") or {}).get("schemas") or {}).values()
    return [s["title"] for s in schemas if isinstance(s, dict) and re.match(r"^store/[\w/*]+$", str(s.get("title", "")))]


def request_schema(doc, op, key=None):
    body = resolve(doc, op.get("requestBody", {}))
    media = (body.get("content") or {}).get("application/json")
    schema = simplify(doc, media.get("schema", {})) if media else None
    for where, field, field_schema in UNDOCUMENTED_FIELDS.get(key, []) if schema else []:
        node = schema
        for step in where:
            node = node.get("p", {}).get(step, {}) if step != "i" else node.get("i", {})
        node.setdefault("p", {})[field] = field_schema
    # A hook's scope takes the events its file documents as schemas of their own, not as an
    # enum: d(ocumented) values, for help to list (the file may not name every event the API has).
    scopes = event_scopes(doc)
    if schema and scopes and "scope" in (schema.get("p") or {}):
        schema["p"]["scope"]["d"] = scopes
    return schema


def upload_fields(doc, op):
    """The fields of a multipart/form-data body that carry a file (theme zips, images): the
    binding sends a file there instead of JSON. Where the spec lists the form but only shows
    the JSON fields (a variant's image), the file field is BigCommerce's image_file."""
    body = resolve(doc, op.get("requestBody", {}))
    media = (body.get("content") or {}).get("multipart/form-data")
    if not media:
        return []
    found, names = [], set()

    def walk(schema, depth=0):
        s = resolve(doc, schema)
        if depth > 6 or not isinstance(s, dict):
            return
        for sub in s.get("allOf", []):
            walk(sub, depth + 1)
        for name, prop in (s.get("properties") or {}).items():
            names.add(name)
            # The product image schemas describe image_file in words, without format: binary.
            if (resolve(doc, prop).get("format") == "binary" or name == "image_file") and name not in found:
                found.append(name)

    walk(media.get("schema", {}))
    if not found and "image_url" in names:
        found = ["image_file"]
    return found


def error_shape(doc, op, code="422"):
    """How this operation's error answer (422, or 404) holds its errors: 0 flat {status, title,
    type, errors{}}, 1 an array of {status, title, type} (batch forms), 2 nested {errors:
    {status, ...}, meta}."""
    resp = resolve(doc, (op.get("responses") or {}).get(code, {}))
    media = (resp.get("content") or {}).get("application/json") or {}
    schema = simplify(doc, media.get("schema", {}))
    errors = (schema.get("p") or {}).get("errors") or {}
    if errors.get("t") == "array":
        return 1
    if "status" in (errors.get("p") or {}):
        return 2
    return 0


def bare_answer(doc, op):
    """Whether the success answer is the value itself rather than the {data, meta} envelope."""
    for code in ("200", "201", "207"):
        resp = resolve(doc, (op.get("responses") or {}).get(code, {}))
        media = (resp.get("content") or {}).get("application/json")
        if media:
            schema = resolve(doc, media.get("schema", {}))
            return schema.get("type") == "array"
    return False


def response_required(doc, op):
    """The fields the 200 answer's data (or each item of it) must have: projections keep them."""
    resp = resolve(doc, (op.get("responses") or {}).get("200", {}))
    media = (resp.get("content") or {}).get("application/json") or {}
    schema = simplify(doc, media.get("schema", {}))
    data = (schema.get("p") or {}).get("data", {})
    if data.get("t") == "array":
        data = data.get("i", {})
    return data.get("r", [])


FORMAT_DEFAULTS = {"date-time": "2024-01-15T10:00:00Z", "date": "2024-01-15", "email": "sandbox@example.com",
                   "uri": "https://sandbox.example.com/", "url": "https://sandbox.example.com/",
                   "uuid": "00000000-0000-4000-a000-000000000000", "ipv4": "127.0.0.1"}


def merged(doc, schema, depth=0):
    """A schema's properties, required fields and type, through every level of allOf."""
    s = resolve(doc, schema)
    props, required, t = {}, set(), s.get("type")
    if depth > 8 or not isinstance(s, dict):
        return props, required, t
    for sub in s.get("allOf") or []:
        p, r, st = merged(doc, sub, depth + 1)
        props.update(p)
        required |= r
        t = t or st
    props.update(s.get("properties") or {})
    required |= set(s.get("required") or [])
    return props, required, t


def default_value(doc, schema, everything, depth=0):
    """A value of the schema's type: the first of an enum, a valid string for a format (as
    long as its minLength asks), zero (or the minimum), false, an empty array, and for an
    object its required fields (every field when `everything`), so an answer the sandbox
    makes up has the shape the official file says."""
    s = resolve(doc, schema)
    if depth > 5 or not isinstance(s, dict):
        return None
    props, required, t = merged(doc, s)
    if props or (t in (None, "object") and "allOf" in s):
        out = {}
        for name in sorted(props) if everything else sorted(required & set(props)):
            value = default_value(doc, props[name], everything, depth + 1)
            if value is not None:
                out[name] = value
        return out
    for combo in ("oneOf", "anyOf"):
        if s.get(combo):
            return default_value(doc, s[combo][0], everything, depth + 1)
    enum = [v for v in s.get("enum") or [] if v is not None]
    if enum:
        return enum[0]
    if t == "string":
        text = FORMAT_DEFAULTS.get(s.get("format"), "")
        return text or "sandbox"[: max(s.get("minLength") or 0, 0)].ljust(s.get("minLength") or 0, "x")
    if t in ("integer", "number"):
        low = s.get("minimum", 0)
        return low if isinstance(low, (int, float)) and low > 0 else 0
    if t == "boolean":
        return False
    if t == "array":
        return []
    if t == "object":
        return {}
    return None


def answer_data(doc, op, version):
    """The schema of what a success answer holds: for v3 its `data` where it has the envelope."""
    for code in ("200", "201"):
        resp = resolve(doc, (op.get("responses") or {}).get(code) or (op.get("responses") or {}).get(int(code)) or {})
        media = (resp.get("content") or {}).get("application/json")
        if not media:
            continue
        schema = resolve(doc, media.get("schema", {}))
        if version == "v3":
            props, _, _ = merged(doc, schema)
            if "data" in props:
                return resolve(doc, props["data"])
        return schema
    return None


def answer_defaults(doc, op, version, singleton):
    """What the sandbox fills in where it holds nothing: a singleton's whole answer (every
    field), or the fields an item of the answer must have (its required ones)."""
    schema = answer_data(doc, op, version)
    if schema is None:
        return None
    _, _, t = merged(doc, schema)
    if t == "array":
        schema = resolve(doc, schema.get("items", {}))
    value = default_value(doc, schema, singleton)
    return value if isinstance(value, dict) and value else None


def answer_shape_of(doc, op, version):
    """"array" or "object": what the success answer's data is, where the official file says."""
    schema = answer_data(doc, op, version)
    if schema is None:
        return None
    props, _, t = merged(doc, schema)
    return t if t in ("array", "object") else ("object" if props else None)


def item_id_type(doc, op, version):
    """The type of the `id` of what the answer holds (integer or string), where it says."""
    schema = answer_data(doc, op, version)
    if schema is None:
        return None
    _, _, t = merged(doc, schema)
    if t == "array":
        schema = schema.get("items", {})
    props, _, _ = merged(doc, schema)
    _, _, id_type = merged(doc, props.get("id", {}))
    return id_type if id_type in ("integer", "string") else None


def batch_limit(op):
    text = (op.get("description") or "") + " " + (op.get("summary") or "")
    # "Batches are limited to 10", "Create up to 10 customers in one call", "Limit of 10 customers per call".
    m = re.search(r"Batches are limited to (\d+)|[Uu]p to (\d+) \w+ in one call|Limit of (\d+) \w+ per call|the limit is (\d+) \w+", text)
    return int(next(g for g in m.groups() if g)) if m else 0


def clean(text):
    return re.sub(r"\s+", " ", (text or "").replace("\t", " ")).strip()


def digicert_operations():
    """DigiCert CertCentral publishes no OpenAPI file: its operations are the table of
    API-CONVENTIONS.md section 8 (method, path under /services/v2, Lua binding, notes)."""
    text = CONVENTIONS.read_text()
    section = text[text.index("## 8. DigiCert"):]
    section = section[:section.index("\n## ", 5)] if "\n## " in section[5:] else section
    out = []
    for m in re.finditer(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| `([a-z_.]+)\(([^`]*)\)` \| ([^|]*)\|", section, re.M):
        method, path, lua, _, notes = m.groups()
        summary = clean(notes.replace("`", "")) or lua
        out.append((method, "/services/v2" + path, lua, summary))
    return out


def operations():
    ops = {}
    raw = all_raw_operations()
    lua_names = name_all([(doc, m, v, p, item[m.lower()]) for doc, _, v, p, m, item in raw])
    all_paths = {p for _, _, _, p, _, _ in raw} | {line.split("\t")[1] for line in SEEDS.read_text().splitlines()[1:]}
    for doc, source, version, full, method, item in raw:
        op = item[method.lower()]
        params = []
        for p in (item.get("parameters") or []) + (op.get("parameters") or []):
            p = resolve(doc, p)
            if p.get("in") not in ("path", "query"):
                continue
            params = [q for q in params if not (q[0] == p["name"] and q[1] == p["in"])]
            params.append((p["name"], p["in"], schema_type(doc, p.get("schema", {})), bool(p.get("required"))))
        names = [q[0] for q in params]
        query = {q[0] for q in params if q[1] == "query"}
        if "page" in query and "limit" in query or (method, full) in PAGED_WITHOUT_PARAMETERS:
            pagination = "page"
        elif "before" in query or "after" in query:
            pagination = "cursor"
        elif "offset" in query and "limit" in query:
            pagination = "offset"
        else:
            pagination = "none"
        statuses = sorted(int(c) for c in op.get("responses", {}) if str(c).isdigit() and 200 <= int(c) < 300)
        ops[(method, full)] = dict(
            method=method, path=full, version=version, source=source, fixed_lua=lua_names[(method, full)], tags=(op.get("tags") or []) + [(doc.get("info") or {}).get("title") or ""],
            operation_id=op.get("operationId") or "", summary=clean(op.get("summary")),
            params=params, array_body=body_is_array(doc, op), batch_limit=batch_limit(op),
            pagination=pagination if method == "GET" else "none",
            success=statuses[0] if statuses else 200,
            delete_body=method == "DELETE" and "requestBody" in op,
            body_schema=request_schema(doc, op, (method, full)), error_shape=error_shape(doc, op),
            not_found_shape=error_shape(doc, op, "404"),
            keep=response_required(doc, op) if method == "GET" else [],
            defaults=answer_defaults(doc, op, version, lua_names[(method, full)].endswith(".get") and not is_param(full.rsplit("/", 1)[-1])),
            answer=answer_shape_of(doc, op, version), id_type=item_id_type(doc, op, version) if method == "POST" else None,
            multi_status="207" in (op.get("responses") or {}) or 207 in (op.get("responses") or {}),
            # A list that answers 204 when it has nothing (orders.v2.oas2.yml's shipments).
            empty_no_content=method == "GET" and ("204" in (op.get("responses") or {}) or 204 in (op.get("responses") or {})),
            bare=bare_answer(doc, op), upload=upload_fields(doc, op),
        )
    seeds = set()
    by_shape = {shape(*key): key for key in ops}
    for line in SEEDS.read_text().splitlines()[1:]:
        method, path, seed = line.split("\t")
        # A seed may name a parameter differently ({theme_id} where the spec says {uuid}):
        # it is the spec's operation, under the spec's template.
        key = by_shape.get(shape(method, path), (method, path))
        seeds.add(key)
        if key not in ops:
            op_id, summary, success, id_type = SEED_ONLY[(method, path)]
            params = [(s[1:-1], "path", id_type, True) for s in path.split("/") if is_param(s)]
            version = "digicert" if path.startswith("/services/") else path.split("/")[1]
            ops[(method, path)] = dict(method=method, path=path, version=version, source="seed:" + seed,
                                       operation_id=op_id, summary=summary, params=params, array_body=False,
                                       batch_limit=0, pagination="none", success=success, delete_body=False)
        else:
            ops[key]["source"] += " seed:" + seed
    for method, path, lua, summary in digicert_operations():
        key = (method, path)
        seed = ops.get(key, {}).get("source", "")
        params = [(seg[1:-1], "path", "string", seg != "{format}") for seg in path.split("/") if is_param(seg)]
        query = [("filters[status]", "query", "string", False), ("filters[common_name]", "query", "string", False),
                 ("offset", "query", "integer", False), ("limit", "query", "integer", False)] if lua == "digicert.orders.list" else []
        if lua == "digicert.orders.status_changes":
            query = [("minutes", "query", "integer", False)]
        ops[key] = dict(method=method, path=path, version="digicert",
                        source=("API-CONVENTIONS.md section 8 " + seed).strip(), operation_id="", summary=summary,
                        params=params + query, array_body=False, batch_limit=0,
                        pagination="offset" if lua == "digicert.orders.list" else "none",
                        success=201 if method == "POST" else 200, delete_body=False, fixed_lua=lua)
    for key, op in ops.items():
        op["lua"] = op.get("fixed_lua") or lua_name(op["method"], op["path"], all_paths)
        op["kind"] = kind(op["method"], op["path"], op["lua"])
        op["seed"] = key in seeds
    return sorted(ops.values(), key=lambda o: (o["path"], METHODS.index(o["method"].lower())))


def tag_names(ops):
    """Names users reach for, from the official files' tag names ("Webhooks" → bc.webhooks),
    each pointing at the namespace most of that tag's operations live in (bc.hooks), where the
    name is not taken already."""
    taken = {o["lua"] for o in ops}
    taken |= {".".join(o["lua"].split(".")[:i]) for o in ops for i in range(1, len(o["lua"].split(".")))}
    homes = {}
    for o in ops:
        if not o["lua"].startswith("bc.") or o["lua"].startswith("bc.v2."):
            continue
        home = o["lua"].rsplit(".", 1)[0]
        for tag in o.get("tags") or []:
            # "Manage Webhooks (Bulk)" and the file's title "Webhooks v3" both mean webhooks.
            words = re.sub(r"\(.*?\)|\bv\d\b|\bmanage\b", " ", tag.lower())
            alias = "bc." + re.sub(r"[^a-z0-9]+", "_", words).strip("_")
            homes.setdefault(alias, {}).setdefault(home, 0)
            homes[alias][home] += 1
    out = {}
    for alias, counts in sorted(homes.items()):
        # The most specific namespace holding the most of the tag's operations (the products
        # file's tag means bc.catalog.products, not its metafields).
        prefixes = {".".join(h.split(".")[:i]) for h in counts for i in range(2, len(h.split(".")) + 1)}
        score = {p: sum(n for h, n in counts.items() if h == p or h.startswith(p + ".")) for p in prefixes}
        home = sorted(prefixes, key=lambda p: (-score[p], -len(p.split(".")), p))[0]
        # A tag whose operations live under several namespaces (Metafields) points nowhere.
        if len({".".join(h.split(".")[:2]) for h in counts}) > 1:
            continue
        if alias not in taken and alias != "bc." and home != alias:
            out[alias] = home
    return out


def render(ops):
    rows = []
    for o in ops:
        params = ",".join(f"{n}:{i}:{t}:{'1' if r else '0'}" for n, i, t, r in o["params"])
        rows.append("\t".join([
            o["method"], o["path"], o["lua"], o["operation_id"], str(o["success"]), o["pagination"],
            "1" if o["array_body"] else "0", str(o["batch_limit"]), "1" if o["delete_body"] else "0",
            "1" if o["seed"] else "0", o["source"], params, o["kind"], o["summary"],
        ]))
    alias_rows = "\n".join(f"{m}\t{p}\t{n}" for (m, p), n in sorted(aliases(ops).items()))
    tag_rows = "\n".join(f"{a}\t{h}" for a, h in tag_names(ops).items())
    body = "\n".join(rows)
    return f'''// Generated by scripts/generate-catalog.py from the official OpenAPI files
// (../shared/specs/bigcommerce and bigcommerce-management) and ../shared/api/seed-operations.tsv. Do not edit:
// run the script. A test regenerates it and fails on drift.
//
// One operation per line, tab-separated: method, path, Lua name, operationId, success status,
// pagination, array body, batch limit, DELETE with body, seed, source, parameters
// (name:in:type:required, comma-separated), kind, summary.

extension OperationTable {{
    static let rows = #"""
{body}
"""#

    /// Second names (API-CONVENTIONS.md 1): method, path, Lua name.
    static let aliases = #"""
{alias_rows}
"""#

    /// Names from the official files' tags, for suggestions only: the name, the namespace it means.
    static let tagNames = #"""
{tag_rows}
"""#
}}
'''


# What else an operation's row of BodySchemaTable.swift holds: the operation's field, its key
# there (the table's header says what each means).
SCHEMA_KEYS = [("answer", "o"), ("id_type", "it"), ("multi_status", "m"), ("not_found_shape", "a4"), ("defaults", "d"),
               ("upload", "u"), ("bare", "b"), ("keep", "k"), ("empty_no_content", "z")]


def render_schemas(ops):
    import json
    lines = []
    for o in ops:
        extra = {short: 1 if o[field] is True else o[field] for field, short in SCHEMA_KEYS if o.get(field)}
        if o.get("body_schema") is not None or o.get("error_shape") or extra:
            entry = {"s": o.get("body_schema") or {}, "a": o.get("error_shape") or 0, **extra}
            lines.append(f'{o["method"]} {o["path"]}\t{json.dumps(entry, separators=(",", ":"), sort_keys=True, ensure_ascii=True)}')
    body = "\n".join(lines)
    return f'''// Generated by scripts/generate-catalog.py from the official OpenAPI files. Do not edit.
//
// Per operation ("METHOD path", a tab, then JSON): s, its request body's schema reduced to what
// validation needs (t type, p properties, r required, i items, e enum, n nullable, ml/mn
// max/min length, max/min values, pt a pattern), a, how its 422 answer holds errors (0 flat, 1 an array,
// 2 nested under errors), a4, the same of its 404 answer, k, the fields a GET's answer must keep under include_fields, and
// b, whether the success answer is bare (an array) rather than the {{data, meta}} envelope,
// u, the fields of a multipart/form-data body that carry a file, o, whether the answer's
// data is an array or an object, it, the type of a created item's id, m, whether it answers
// 207 Multi-Status when some items of a batch fail, z, whether a GET answers 204 when it holds
// nothing, and d, what the sandbox
// fills in where it holds nothing: a singleton's whole answer, or the fields each item of an
// answer must have (values of their types: the first of an enum, zero, "", false, []).

extension BodySchemaTable {{
    static let rows = #"""
{body}
"""#
}}
'''



def render_webhook_samples():
    """Each webhook scope's example callback `data`, as webhooks.v3.yml documents it (the
    "Example callback object" of the event's schema): what `storescript trigger` sends."""
    import json
    doc = yaml.safe_load((MANAGEMENT / "webhooks.v3.yml").read_text())
    lines = []
    for schema in (doc.get("components") or {}).get("schemas", {}).values():
        title = str(schema.get("title", "")) if isinstance(schema, dict) else ""
        example = re.search(r"```json[^\n]*\n(.*?)```", schema.get("description", "") if title else "", re.S)
        if re.match(r"^store/[\w/]+$", title) and example:
            data = json.loads(example.group(1)).get("data")
            lines.append(f"{title}\t{json.dumps(data, separators=(',', ':'), sort_keys=True, ensure_ascii=True)}")
    body = "\n".join(sorted(lines))
    return f'''// Generated by scripts/generate-catalog.py from webhooks.v3.yml. Do not edit.
//
// Per webhook scope (a tab, then JSON): the `data` of the example callback its event schema
// documents ("Example callback object").

public enum WebhookSampleTable {{
    public static let rows = #"""
{body}
"""#
}}
'''


# ---- the whole Management API (API-CONVENTIONS.md section 1b) ---------------------------------

MANAGEMENT = SHARED / "specs" / "bigcommerce-management"
# Lists the API pages although their file names no page or limit: v2 customers (the official
# Python client pages Customers.all() with page and limit, as every other v2 list).
PAGED_WITHOUT_PARAMETERS = {("GET", "/v2/customers")}
ALL_OPERATIONS = SHARED / "api" / "all-operations.md"
NAMED_1B = {
    ("GET", "/v3/pricelists/{price_list_id}/records/{variant_id}"): "bc.pricelists.records.list_variant",
    # getPrices reads prices and creates nothing.
    ("POST", "/v3/pricing/products"): "bc.pricing.products.query",
}


def answer_shape(doc, schema, envelope):
    """"object", "array", "string", ... of a schema (through allOf and, for v3, the data envelope)."""
    s = resolve(doc, schema)
    props, t = dict(s.get("properties") or {}), s.get("type")
    for sub in (s.get("allOf") or []) + (s.get("oneOf") or [])[:1] + (s.get("anyOf") or [])[:1]:
        sub = resolve(doc, sub)
        props.update(sub.get("properties") or {})
        t = t or sub.get("type")
    if envelope and "data" in props:
        return answer_shape(doc, props["data"], False)
    return t or ("object" if props else None)


def all_raw_operations():
    """(doc, source file, version, path, method, path item) of every file of both spec folders."""
    raw = []
    for folder in (SPECS, MANAGEMENT):
        for f in sorted(folder.rglob("*.y*ml")):
            doc = yaml.safe_load(f.read_text())
            if not isinstance(doc, dict) or "paths" not in doc:
                continue
            version = doc["servers"][0]["url"].rstrip("/").rsplit("/", 1)[-1]
            for path, item in doc["paths"].items():
                for method in METHODS:
                    if method in item:
                        raw.append((doc, f.relative_to(folder).as_posix(), version, f"/{version}{path}", method.upper(), item))
    return raw


def name_all(raw):
    """{(method, path): Lua name} by sections 1 and 1b; exits on a collision between two
    operations or between an operation and a list helper (each, all, count)."""
    all_paths = {p for _, _, _, p, _ in raw}
    methods, info = {}, {}
    for doc, m, v, p, op in raw:
        methods.setdefault(p, set()).add(m)
        info[(m, p)] = (doc, v, op)

    def answers(m, p, envelope_ok):
        doc, v, op = info[(m, p)]
        node = op.get("requestBody", {}) if m == "PUT" else \
            (op.get("responses") or {}).get("200") or (op.get("responses") or {}).get(200) or {}
        for media in (resolve(doc, node).get("content") or {}).values():
            return answer_shape(doc, media.get("schema", {}), envelope_ok and v == "v3")

    def singleton_by_shape(p):
        """Ends in a literal, nothing below it by id, no POST, and PUT takes one object or GET
        answers one thing (not an array)."""
        if is_param(p.rsplit("/", 1)[-1]) or "POST" in methods[p] or any(q.startswith(p + "/{") for q in all_paths):
            return False
        return ("PUT" in methods[p] and answers("PUT", p, False) == "object") or \
            ("GET" in methods[p] and answers("GET", p, True) not in (None, "array"))

    names = {}
    for doc, m, v, p, op in raw:
        last = p.rsplit("/", 1)[-1]
        literal = [x.replace("-", "_") for x in p.strip("/").split("/") if x not in DROPPED and not is_param(x)]
        if (m, p) in NAMED_1B:
            name = NAMED_1B[(m, p)]
        elif v == "v2" and m == "GET" and last == "count":
            # A v2 list counts with its own request: the `count` of the list beside it.
            listing = lua_name("GET", p[: -len("/count")], all_paths)
            name = re.sub(r"\.list(_all)?$", lambda x: ".count" + (x.group(1) or ""), listing)
        elif not is_param(last) and last not in SINGLETONS and (m, p) not in NAMED and \
                (last.replace("-", "_") not in ACTIONS or len(methods[p]) > 1) and singleton_by_shape(p):
            name = "bc." + ".".join(literal + [{"GET": "get", "PUT": "upsert", "DELETE": "delete", "POST": "create"}[m]])
        else:
            name = lua_name(m, p, all_paths)
        names[(m, p)] = name

    def helpers(of):
        out = {}
        for key, n in of.items():
            if re.search(r"\.list(_all)?$", n):
                base = n.rsplit(".", 1)[0]
                for h in ("each", "all", "count"):
                    out[f"{base}.{h}"] = key
        return out

    # v2 and v3 naming one resource: the v3 operation keeps the name, the v2 one lives under bc.v2.
    v3 = {n for k, n in names.items() if info[k][1] == "v3"}
    v3 |= set(helpers({k: n for k, n in names.items() if info[k][1] == "v3"}))
    for k, n in list(names.items()):
        if info[k][1] == "v2" and n in v3:
            names[k] = "bc.v2." + n[len("bc."):]
    # A store-wide batch form whose name the nested form has appends `_all`, as list_all does.
    by_name = {}
    for k, n in names.items():
        by_name.setdefault(n, []).append(k)
    for n, keys in by_name.items():
        for m, p in keys if len(keys) > 1 else []:
            if not any(is_param(x) for x in p.strip("/").split("/")):
                names[(m, p)] = n + "_all"
    seen = {}
    # A v2 `/count` operation is its list's `count` (section 1b): that name is not a collision.
    counted = {n for (m, p), n in names.items() if p.endswith("/count") and n.endswith((".count", ".count_all"))}
    listed = [(k, n) for n, k in helpers(names).items() if n not in counted and n + "_all" not in counted]
    for k, n in list(names.items()) + listed:
        if n in seen and seen[n] != k:
            sys.exit(f"generate-catalog: {n} names both {seen[n]} and {k}")
        seen[n] = k
    return names


def check_names():
    """`--names`: every operation of both folders named as ../shared/api/all-operations.md says."""
    expected = {}
    for line in ALL_OPERATIONS.read_text().splitlines():
        m = re.match(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| [^|]+ \| `([^`(]+)\(", line)
        if m:
            expected[(m.group(1), m.group(2))] = m.group(3)
    names = name_all([(doc, m, v, p, item[m.lower()]) for doc, _, v, p, m, item in all_raw_operations()])
    wrong = [(k, names.get(k), n) for k, n in sorted(expected.items()) if names.get(k) != n]
    extra = sorted(set(names) - set(expected))
    for (m, p), got, want in wrong:
        print(f"{m} {p}: {got} (all-operations.md: {want})")
    for m, p in extra:
        print(f"{m} {p}: not in all-operations.md")
    print(f"{len(names)} operations, {len(expected)} in all-operations.md, {len(wrong)} named otherwise, {len(extra)} not listed")
    return 1 if wrong or extra else 0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="fail if the generated files are stale")
    ap.add_argument("--names", action="store_true",
                    help="name every operation of both spec folders (sections 1 and 1b) and compare with all-operations.md")
    args = ap.parse_args()
    if args.names:
        return check_names()
    ops = operations()
    outputs = [(OUT, render(ops)), (SCHEMAS_OUT, render_schemas(ops)), (SAMPLES_OUT, render_webhook_samples())]
    if args.check:
        stale = [path for path, text in outputs if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path} is stale: run scripts/generate-catalog.py", file=sys.stderr)
        if not stale:
            print("the generated catalog is up to date")
        return 1 if stale else 0
    for path, text in outputs:
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}: {len(text.splitlines())} lines, {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
