"""schemathesis (PyPI) against the official catalog OpenAPI files, served by the sandbox.

Every catalog file: no 5xx that was not injected (the sandbox runs without faults).
The files listed in CONFORMING: every answer also matches the official response schema.
The others still have known gaps (see the issue notes), checked for server errors only."""
import pathlib
import re
import shutil
import subprocess

import pytest

from sandbox_support import Sandbox

SPECS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "specs" / "bigcommerce" / "catalog"
FILES = sorted(SPECS.glob("*.yml"))
CONFORMING = {"brands_catalog.v3.yml", "categories_catalog.v3.yml", "product-variants_catalog.v3.yml"}


@pytest.fixture(scope="module")
def sandbox(bin_path):
    sb = Sandbox(bin_path, "--rate-limit", "off")
    yield sb
    sb.stop()


@pytest.mark.skipif(shutil.which("schemathesis") is None, reason="scripts/setup.sh installs schemathesis")
@pytest.mark.parametrize("spec", FILES, ids=[f.name for f in FILES])
def test_catalog_file(sandbox, spec):
    checks = "not_a_server_error" + (",response_schema_conformance" if spec.name in CONFORMING else "")
    r = subprocess.run(
        ["schemathesis", "run", str(spec), "-u", sandbox.base + "/v3", "-H", f"X-Auth-Token: {sandbox.token}",
         "-c", checks, "-n", "10", "--generation-deterministic", "--phases", "examples,fuzzing", "--no-color"],
        capture_output=True, text=True, timeout=600)
    tested = re.search(r"Tested: (\d+)", r.stdout)
    print(f"{spec.name}: {tested.group(1) if tested else '?'} operations checked ({checks})")
    assert r.returncode == 0, r.stdout[-4000:]
    assert tested and int(tested.group(1)) > 0
