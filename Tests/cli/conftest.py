import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("STORESCRIPT_BIN", str(ROOT / ".build" / "debug" / "storescript"))


@pytest.fixture(scope="session")
def bin_path():
    assert os.path.exists(BIN), f"build first: {BIN} is missing"
    return BIN


@pytest.fixture
def sandbox(bin_path):
    """A sandbox with the demo store and no rate limit, for one test."""
    from sandbox_support import Sandbox
    sb = Sandbox(bin_path, "--rate-limit", "off")
    yield sb
    sb.stop()


@pytest.fixture
def run(bin_path, tmp_path):
    """Runs storescript with args; returns the CompletedProcess (text mode)."""

    def _run(*args, input=None, env=None, cwd=None, timeout=30):
        full_env = dict(os.environ)
        full_env["HOME"] = str(tmp_path / "home")
        full_env.pop("STORESCRIPT_PATH", None)
        if env:
            full_env.update(env)
        return subprocess.run(
            [bin_path, *args], input=input, capture_output=True, text=True,
            env=full_env, cwd=cwd or tmp_path, timeout=timeout,
        )

    return _run


@pytest.fixture
def script(tmp_path):
    """Writes a Lua script under tmp_path and returns its path."""

    def _script(text, name="script.lua"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return str(path)

    return _script
