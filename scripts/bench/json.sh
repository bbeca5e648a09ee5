#!/usr/bin/env bash
# JSON: decode a ~5 MB page of products into Lua tables and encode it back, storescript's json
# (C, straight to the Lua stack, integers kept) against Debian's lua-cjson in lua5.4, same file,
# same run. Prints one JSON line each and the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product storescript >/dev/null
doc=$(mktemp --suffix=.json)
trap 'rm -f "$doc"' EXIT
python3 - "$doc" <<'PY'
import json, random, sys
random.seed(1)
products = []
for n in range(1, 4601):
    products.append({
        "id": n, "name": f"Product {n}", "type": "physical", "sku": f"SKU-{n}",
        "description": "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8 + "</p>",
        "weight": round(random.uniform(0, 10), 2), "width": 0, "depth": 0, "height": 0,
        "price": round(random.uniform(5, 100), 2), "cost_price": 0, "retail_price": 0, "sale_price": 0,
        "calculated_price": round(random.uniform(5, 100), 2), "categories": [random.randint(1, 20) for _ in range(3)],
        "brand_id": random.randint(1, 30), "inventory_level": random.randint(0, 500), "is_visible": n % 9 != 0,
        "is_featured": n % 11 == 0, "related_products": [-1], "availability": "available",
        "custom_url": {"url": f"/product-{n}/", "is_customized": False},
        "meta_keywords": ["one", "two"], "date_created": "2024-01-15T10:00:00+00:00",
        "date_modified": "2024-01-15T10:00:00+00:00", "variants": [
            {"id": n * 10 + v, "sku": f"SKU-{n}-{v}", "price": None, "option_values": [{"id": v, "label": "S"}]}
            for v in range(2)],
    })
json.dump({"data": products, "meta": {"pagination": {"total": len(products), "count": len(products)}}},
          open(sys.argv[1], "w"), separators=(",", ":"))
PY
ours=$(.build/release/storescript run scripts/bench/json_bench.lua "$doc" json)
cjson=$(lua5.4 scripts/bench/json_bench.lua "$doc" cjson)
echo "$ours"
echo "$cjson"
python3 - "$ours" "$cjson" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"benchmark": "json", "decode_ratio_vs_cjson": round(a["decode_mb_s"] / b["decode_mb_s"], 2),
                  "encode_ratio_vs_cjson": round(a["encode_mb_s"] / b["encode_mb_s"], 2)}))
PY
