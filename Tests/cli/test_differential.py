"""Random programs run the same under storescript as under lua5.4 (Tests/fuzz: the grammar
and the harness). A few hundred here; scripts/bench/fuzz-differential.sh runs 10,000."""
import os
import sys

from conftest import BIN

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fuzz"))
import differential  # noqa: E402
import luagen  # noqa: E402


def test_300_random_programs_behave_as_under_lua():
    diffs = differential.fuzz(os.path.abspath(BIN), start=1, count=300)
    assert diffs == [], "\n".join(f"seed {s}: {why} (python3 Tests/fuzz/luagen.py {s})" for s, why in diffs)


def test_the_programs_are_deterministic_and_varied():
    assert luagen.program(7) == luagen.program(7)
    assert len({luagen.program(s) for s in range(20)}) == 20
    # They exercise what storescript replaces.
    text = "".join(luagen.program(s) for s in range(50))
    for used in ["coroutine.resume", "coroutine.wrap", "coroutine.close", "coroutine.yield", "debug.sethook",
                 "debug.gethook", "load(", "<close>", "pcall(error"]:
        assert used in text, used
