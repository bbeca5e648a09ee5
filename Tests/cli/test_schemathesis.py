"""schemathesis over every official OpenAPI file, served by the sandbox (conformance.py says
what is checked and lists each exclusion with its reason)."""
import shutil

import pytest

from conformance import FILES, SANDBOX_GAPS, SPEC_DEFECTS, UNREADABLE, conformance, key
from sandbox_support import Sandbox


@pytest.fixture(scope="module")
def sandbox(bin_path):
    sb = Sandbox(bin_path, "--rate-limit", "off")
    yield sb
    sb.stop()


needs_schemathesis = pytest.mark.skipif(shutil.which("schemathesis") is None, reason="scripts/setup.sh installs schemathesis")


@needs_schemathesis
@pytest.mark.parametrize("spec", FILES, ids=[key(f) for f in FILES])
def test_answers_match_the_official_schemas_and_none_is_a_server_error(sandbox, spec):
    r = conformance(sandbox.base, sandbox.token, spec)
    print(f"{r['file']}: {r['schema']} operations checked against the answer schemas, "
          f"{r['server']} for server errors only, {r['unreadable']} not readable")
    assert not r["failures"], "\n\n".join(r["failures"])
    assert r["schema"] + r["server"] > 0 or r["unreadable"] > 0


def test_every_official_file_is_there_and_every_exclusion_names_one():
    assert len(FILES) == 61, "expected the official OpenAPI files of both folders under ../shared/specs"
    names = {key(f) for f in FILES}
    for table in (SPEC_DEFECTS, SANDBOX_GAPS, UNREADABLE):
        assert set(table) <= names
