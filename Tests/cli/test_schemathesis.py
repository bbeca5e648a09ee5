"""schemathesis (PyPI) against the official catalog OpenAPI files, served by the sandbox.

Two passes over every catalog file: no 5xx (the sandbox runs without faults, so any would
be a bug), and every answer matches the official response schema, except where the official
files contradict themselves (SPEC_DEFECTS, each with the reason)."""
import pathlib
import re
import shutil
import subprocess

import pytest

from sandbox_support import Sandbox

SPECS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "specs" / "bigcommerce" / "catalog"
FILES = sorted(SPECS.glob("*.yml"))

SPEC_DEFECTS = {
    # The answer's `data` is typed as one rule, but the endpoint lists a product's rules.
    "getAllBulkPricingRules": "data is an array of rules; the schema says a single object",
    # `data` is oneOf two image schemas that accept the same objects: no answer can match exactly one.
    "createProductImage": "oneOf of two overlapping schemas",
    "updateProductImage": "oneOf of two overlapping schemas",
    # The spec's own request examples send date-times where the answer's schema wants dates.
    "getProductVariantOptions": "request examples carry date-times the answer schema types as dates",
    "getProductVariantOption": "request examples carry date-times the answer schema types as dates",
    "updateProductVariantOption": "request examples carry date-times the answer schema types as dates",
}


@pytest.fixture(scope="module")
def sandbox(bin_path):
    sb = Sandbox(bin_path, "--rate-limit", "off")
    yield sb
    sb.stop()


def schemathesis(sandbox, spec, checks, *extra):
    r = subprocess.run(
        ["schemathesis", "run", str(spec), "-u", sandbox.base + "/v3", "-H", f"X-Auth-Token: {sandbox.token}",
         "-c", checks, "-n", "10", "--generation-deterministic", "--phases", "examples,fuzzing", "--no-color", *extra],
        capture_output=True, text=True, timeout=600)
    tested = re.search(r"Tested: (\d+)", r.stdout)
    return r, int(tested.group(1)) if tested else 0


needs_schemathesis = pytest.mark.skipif(shutil.which("schemathesis") is None, reason="scripts/setup.sh installs schemathesis")


@needs_schemathesis
@pytest.mark.parametrize("spec", FILES, ids=[f.name for f in FILES])
def test_no_server_errors(sandbox, spec):
    r, tested = schemathesis(sandbox, spec, "not_a_server_error")
    print(f"{spec.name}: {tested} operations checked for server errors")
    assert r.returncode == 0, r.stdout[-4000:]
    assert tested > 0


@needs_schemathesis
@pytest.mark.parametrize("spec", FILES, ids=[f.name for f in FILES])
def test_answers_match_the_official_schemas(sandbox, spec):
    excluded = [arg for op in SPEC_DEFECTS for arg in ("--exclude-operation-id", op)]
    r, tested = schemathesis(sandbox, spec, "response_schema_conformance", *excluded)
    print(f"{spec.name}: {tested} operations checked against the response schemas")
    assert r.returncode == 0, r.stdout[-4000:]
    assert tested > 0


def test_the_official_catalog_files_are_there():
    assert len(FILES) == 7, f"expected the catalog OpenAPI files in {SPECS}"
