"""schemathesis (PyPI) against every official OpenAPI file, served by the sandbox.

Every operation of every file of both folders (../shared/specs/bigcommerce and
bigcommerce-management) is fuzzed twice over: no answer may be a server error (the sandbox
runs without faults, so any 5xx is a bug), and every answer must match the official
response schema. The exceptions are below, each with its reason: operations whose file
contradicts itself (SPEC_DEFECTS), operations whose behaviour the generic sandbox does not
have yet (SANDBOX_GAPS; still checked for server errors), and operations schemathesis cannot
read at all (UNREADABLE; the every-operation test of test_seed_operations.py calls them).

    python3 Tests/cli/conformance.py BIN      run it all and print the totals (Markdown)
"""
import pathlib
import re
import subprocess
import sys

SPECS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "specs"
FOLDERS = [SPECS / "bigcommerce", SPECS / "bigcommerce-management"]
FILES = sorted((p for folder in FOLDERS for p in folder.rglob("*.y*ml")), key=lambda p: p.relative_to(SPECS).as_posix())

TWO_FOR_NO_CONTENT = "documents a JSON body for its 204 No Content answer, which has none"
OVERLAPPING_ONE_OF = "a oneOf of schemas that accept the same objects: no answer can match exactly one"
REQUEST_WIDER = "the request schema accepts what the answer schema forbids; the sandbox keeps what it was sent"
STATUS_STRING = "its 422 answer types status as a string; every BigCommerce error's status is the integer HTTP status"
NO_ENVELOPE = ("the file describes this v3 answer without the {data, meta} envelope; the sandbox keeps the envelope "
               "every other v3 answer has (which one the live API sends is open)")

# {file (relative to specs/): {operationId: why its answers cannot match the file}}
SPEC_DEFECTS = {
    "bigcommerce/catalog/products_catalog.v3.yml": {
        "getAllBulkPricingRules": "data is an array of rules; the schema says a single object",
        "createProductImage": OVERLAPPING_ONE_OF,
        "updateProductImage": OVERLAPPING_ONE_OF,
    },
    "bigcommerce/catalog/product-variant-options_catalog.v3.yml": {
        op: "the file's own request examples carry date-times the answer schema types as dates"
        for op in ("getProductVariantOptions", "getProductVariantOption", "updateProductVariantOption")
    },
    "bigcommerce/catalog/category-trees_catalog.v3.yml": {
        "getCategoryTree": "a category's url is an object ({path, is_customized}) when created and a string in the tree",
        "createCategories": "the 207 answer documents errors as one object of messages although several items can fail; "
                            "the sandbox lists each failed item, as the products batch does (and the bindings read)",
    },
    "bigcommerce/carts.v3.yml": {
        op: "the file types a cart metafield's id as a string in Metafield and as an integer in the batch answers"
        for op in ("getCartsMetafields", "getCartMetafields", "createCartMetafield")
    },
    "bigcommerce/channels.v3.yml": {"getChannel": "the request leaves currencies untyped; the answer wants an object. " + REQUEST_WIDER},
    "bigcommerce/sites.v3.yml": {"createSiteRoute": STATUS_STRING},
    "bigcommerce/themes.v3.yml": {"activateStoreTheme": TWO_FOR_NO_CONTENT},
    "bigcommerce-management/abandoned_cart_emails.v3.yaml": {
        "getDefaultAbandonedCartEmailTemplate": NO_ENVELOPE,
        "getAbandonedCartEmailTemplateSettings": NO_ENVELOPE,
        "updateAbandonedCartEmailTemplateSettings": NO_ENVELOPE,
    },
    "bigcommerce-management/checkouts.v3.yml": {"createCheckoutToken": STATUS_STRING},
    "bigcommerce-management/currencies.v2.yml": {"deleteCurrencies": TWO_FOR_NO_CONTENT},
    "bigcommerce-management/customers.v2.yml": {
        "createCustomerGroup": OVERLAPPING_ONE_OF + " (discount_rules)",
        "createCustomer": "store_credit is a number in the request and a string in the answer. " + REQUEST_WIDER,
    },
    "bigcommerce-management/marketing.v2.yml": {"deleteGiftCertificates": TWO_FOR_NO_CONTENT},
    "bigcommerce-management/orders.v2.oas2.yml": {
        op: OVERLAPPING_ONE_OF + " (consignments: pickups and shipping)" for op in ("getOrders", "getOrder", "createOrder", "updateOrder")
    },
    "bigcommerce-management/pickup.v3.yml": {
        op: "the file's own example of ready_at ('1660555844' or '2022-06-11T00:00:20Z') is not a date-time"
        for op in ("get-pickup", "post-pickup")
    },
    "bigcommerce-management/price_lists.v3.yml": {
        "deletePriceLists": TWO_FOR_NO_CONTENT,
        "getPriceListRecords": "the record upserts leave sku untyped; the answer wants a string. " + REQUEST_WIDER,
    },
    "bigcommerce-management/promotion_settings.v3.yml": {
        op: "requires promotions_apply_on_products_with_custom_product_price, which it never describes"
        for op in ("getGlobalPromotionSettings", "updateGlobalPromotionSettings")
    },
    "bigcommerce-management/segments.v3.yml": {
        op: "customer_id is a number in the request and an integer in the answer. " + REQUEST_WIDER
        for op in ("GetShopperList", "ShopperProfilesRequest")
    },
    "bigcommerce-management/store_content.v2.yml": {
        op: "a blog post's published_date is a string in the request and an object in the answer"
        for op in ("getBlogPost", "createBlogPosts", "updateBlogPost")
    },
    "bigcommerce-management/webhooks.v3.yml": {
        op: "the request allows empty scope and destination; the answer requires at least one character. " + REQUEST_WIDER
        for op in ("getWebhooks", "getWebhook", "updateWebhook")
    },
}

# {file: {operationId: what the generic sandbox does not do yet}}: checked for server errors only.
SANDBOX_GAPS = {
    "bigcommerce-management/abandoned_cart_emails.v3.yaml": {
        op: "its 422 lists errors as plain strings, an error shape the sandbox does not write"
        for op in ("createAbandonedCartEmailTemplate", "updateAbandonedCartEmailTemplate")
    },
    "bigcommerce-management/pages.v3.yml": {
        op: "a page is one of five kinds (page, blog, contact form, raw, link) with their own fields; the sandbox keeps what was sent"
        for op in ("getPages", "createPages")
    },
    "bigcommerce-management/promotions.v3.yml": {
        op: "a promotion is a coupon or an automatic one with their own required fields; the sandbox keeps what was sent"
        for op in ("getPromotions", "getPromotion", "createPromotion")
    },
}

UNREADABLE_PARAMETERS = ("their parameters give exclusiveMinimum/exclusiveMaximum without the minimum/maximum they "
                         "qualify, which OpenAPI 3.0's JSON Schema forbids; schemathesis refuses the definition and "
                         "generates nothing for them")
# {file: {operationId}}: schemathesis cannot load these operations at all.
UNREADABLE = {
    "bigcommerce/shipping.v2.yml": {"deleteShippingZone", "deleteShippingMethod", "getShippingZone", "getShippingZoneMethods",
                                    "getShippingMethod", "createShippingMethod", "updateShippingZone", "updateShippingMethod"},
    "bigcommerce-management/customers.v2.yml": {
        "deleteCustomerGroup", "deleteCustomer", "deleteCustomerAddresses", "deletesCustomerAddress", "getCustomerGroups",
        "getCustomerGroup", "getCustomer", "getCustomerAddresses", "getCustomerAddressesCount", "getCustomerAddress",
        "createCustomerAddress", "validateCustomerPassword", "updateCustomerGroup", "updateCustomer", "updateCustomerAddress"},
    "bigcommerce-management/geography.v2.yml": {"getCountries", "getCountryStates", "getCountryState", "getCountry"},
    "bigcommerce-management/marketing.v2.yml": {
        "deleteBanner", "deleteCoupon", "deleteGiftCertificate", "getBanners", "getBanner", "getCoupons", "getGiftCertificate",
        "updateBanner", "updateCoupon", "updateGiftCertificate"},
    "bigcommerce-management/payments/accepted-methods_payments.v3.yml": {"getPaymentMethods"},
    "bigcommerce-management/payments/methods_payments.v2.yml": {"getAllPaymentMethods"},
    "bigcommerce-management/store_content.v2.yml": {
        "deleteBlogPosts", "deleteBlogPost", "deletePage", "deleteRedirect", "getBlogPosts", "getBlogPost", "getPages", "getPage",
        "getRedirects", "getRedirect", "updateBlogPost", "updatePage", "updateRedirect"},
    "bigcommerce-management/tax_classes.v2.yml": {"getTaxClasses"},
}


def key(spec):
    return spec.relative_to(SPECS).as_posix()


def version(spec):
    text = spec.read_text()
    m = re.search(r"^servers:\s*\n\s*-\s*url:\s*['\"]?(\S+?)['\"]?\s*$", text, re.M)
    return m.group(1).rstrip("/").rsplit("/", 1)[-1] if m else "v3"


def schemathesis(base, token, spec, checks, *extra):
    """(exit status, operations tested, the output's tail)"""
    r = subprocess.run(
        ["schemathesis", "run", str(spec), "-u", f"{base}/{version(spec)}", "-H", f"X-Auth-Token: {token}",
         "-c", checks, "-n", "10", "--generation-deterministic", "--phases", "examples,fuzzing", "--no-color", *extra],
        capture_output=True, text=True, timeout=600)
    tested = re.search(r"Tested: (\d+)", r.stdout)
    return r.returncode, int(tested.group(1)) if tested else 0, r.stdout[-4000:]


def conformance(base, token, spec):
    """Runs both passes over one file: {schema: operations checked against the answer
    schemas, server: operations checked for server errors only, failures: outputs}."""
    name = key(spec)
    unreadable = UNREADABLE.get(name, set())
    defects, gaps = SPEC_DEFECTS.get(name, {}), SANDBOX_GAPS.get(name, {})
    skip = lambda ops: [arg for op in sorted(ops) for arg in ("--exclude-operation-id", op)]
    result = {"file": name, "schema": 0, "server": 0, "unreadable": len(unreadable), "failures": []}
    status, tested, out = schemathesis(base, token, spec, "not_a_server_error,response_schema_conformance",
                                       *skip(unreadable | set(defects) | set(gaps)))
    result["schema"] = tested
    if status != 0 and "No test cases were generated" not in out:
        result["failures"].append(out)
    fuzzed_only = (set(defects) | set(gaps)) - unreadable
    if fuzzed_only:
        only = [arg for op in sorted(fuzzed_only) for arg in ("--include-operation-id", op)]
        status, tested, out = schemathesis(base, token, spec, "not_a_server_error", *only)
        result["server"] = tested
        if status != 0:
            result["failures"].append(out)
    return result


def markdown(results):
    """CONFORMANCE.md: the totals per file, then every exclusion with its reason."""
    lines = ["| file | operations | answers checked against the schemas | server errors only | not readable |",
             "|---|---|---|---|---|"]
    totals = [0, 0, 0, 0]
    for r in results:
        row = [r["schema"] + r["server"] + r["unreadable"], r["schema"], r["server"], r["unreadable"]]
        totals = [a + b for a, b in zip(totals, row)]
        lines.append(f"| {r['file']} | " + " | ".join(map(str, row)) + " |")
    lines.append(f"| **all {len(results)} files** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    for title, table in (("The official file contradicts itself", SPEC_DEFECTS),
                         ("The sandbox does not behave so yet (checked for server errors only)", SANDBOX_GAPS)):
        lines += ["", f"### {title}", "", "| file | operationId | why |", "|---|---|---|"]
        for file in sorted(table):
            lines += [f"| {file} | `{op}` | {why} |" for op, why in sorted(table[file].items())]
    lines += ["", "### Not readable by schemathesis", "", UNREADABLE_PARAMETERS + ":", ""]
    lines += [f"- {file}: " + ", ".join(f"`{op}`" for op in sorted(ops)) for file, ops in sorted(UNREADABLE.items())]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from sandbox_support import Sandbox

    sandbox = Sandbox(sys.argv[1], "--rate-limit", "off")
    try:
        results = [conformance(sandbox.base, sandbox.token, spec) for spec in FILES]
    finally:
        sandbox.stop()
    print(markdown(results))
    failed = [r["file"] for r in results if r["failures"]]
    print(f"\n{len(FILES)} files; failures in: {', '.join(failed) or 'none'}")
    sys.exit(1 if failed else 0)
