"""A script that runs under lua5.4 runs the same under `storescript run`."""
import pathlib
import subprocess

import pytest

PLAIN = sorted((pathlib.Path(__file__).parent / "plain").glob("*.lua"))


@pytest.mark.parametrize("path", PLAIN, ids=[p.stem for p in PLAIN])
def test_same_output_and_exit_code_as_lua(run, path):
    lua = subprocess.run(["lua5.4", str(path), "x", "y"], capture_output=True, text=True, cwd=path.parent)
    ours = run("run", str(path), "x", "y", cwd=path.parent)
    assert ours.stdout == lua.stdout
    assert ours.returncode == lua.returncode
    if lua.stderr:
        # The first line of the error (file:line: message) is the same; prefixes differ.
        assert lua.stderr.splitlines()[0].split(": ", 1)[1] == ours.stderr.splitlines()[0].split(": ", 1)[1]


def test_there_are_plain_scripts():
    assert len(PLAIN) >= 5
