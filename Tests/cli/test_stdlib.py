"""The stdlib's own Lua tests, run through the real binary."""
import pathlib

import pytest

TESTS = sorted((pathlib.Path(__file__).parents[1] / "stdlib").glob("*_test.lua"))


@pytest.mark.parametrize("path", TESTS, ids=[p.stem for p in TESTS])
def test_stdlib_module(run, path):
    r = run("run", str(path))
    assert r.returncode == 0, r.stderr
    assert "checks passed" in r.stdout


def test_every_stdlib_module_has_tests():
    modules = sorted((pathlib.Path(__file__).parents[2] / "stdlib" / "storescript").glob("*.lua"))
    tested = {p.stem.removesuffix("_test") for p in TESTS}
    assert {m.stem for m in modules} <= tested
