"""Every run option on every command that takes it: `run FILE`, `storescript -e`, `call` and
`repl` (through a pty) each either do what the option says — checked by its effect — or
refuse it with exit 2 and a sentence. No option is accepted and ignored; the last test
holds the table below to RunOptions.swift, so a new option needs its row here."""
import fcntl
import json
import os
import pathlib
import re
import subprocess

import pexpect
import pytest

from sandbox_support import Sandbox

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMMANDS = ["run", "-e", "call", "repl"]


class World:
    """Store `a` (7 products) and store `slow` (every answer 2 s late), as profiles of config.toml."""

    def __init__(self, bin_path, tmp_path):
        self.bin, self.tmp = bin_path, tmp_path
        self.a = Sandbox(bin_path, "--rate-limit", "off", "--products", "7", "--store-hash", "hasha", token="ta")
        self.slow = Sandbox(bin_path, "--rate-limit", "off", "--latency", "2s", "--store-hash", "hashslow", token="ts")
        config = tmp_path / "config.toml"
        config.write_text(f"""default_profile = "a"
[profiles.a]
store_hash = "hasha"
access_token_env = "TA"
api_url = "{self.a.root}"
[profiles.slow]
store_hash = "hashslow"
access_token_env = "TS"
api_url = "{self.slow.root}"
""")
        os.chmod(config, 0o600)
        self.env = dict(os.environ, STORESCRIPT_CONFIG=str(config), TA="ta", TS="ts", HOME=str(tmp_path / "home"), NO_COLOR="1",
                        TERM="xterm")
        self.env.pop("XDG_STATE_HOME", None)

    def lua(self, command, options, code, timeout=30):
        """Runs code under command (run FILE, or -e) with options; the CompletedProcess."""
        if command == "run":
            path = self.tmp / "probe.lua"
            path.write_text(code)
            argv = ["run", *options, str(path)]
        else:
            argv = [*options, "-e", code]
        return subprocess.run([self.bin, *argv], capture_output=True, text=True, env=self.env, cwd=self.tmp, timeout=timeout)

    def call(self, options, *args, timeout=30):
        return subprocess.run([self.bin, "call", *options, *args], capture_output=True, text=True, env=self.env,
                              cwd=self.tmp, timeout=timeout)

    def repl(self, options, *lines, expect_exit=False):
        """Types lines at the REPL; everything it printed (or, refused, its exit status and output)."""
        child = pexpect.spawn(self.bin, ["repl", *options], env=self.env, encoding="utf-8", timeout=20, cwd=str(self.tmp),
                              dimensions=(40, 200))
        if expect_exit:
            child.expect(pexpect.EOF)
            child.close()
            return child.exitstatus, child.before
        child.expect("help\\(\\) for help")
        child.expect("\r\n> ")
        seen = child.before
        for line in lines:
            child.sendline(line)
            child.expect("\r\n> ")
            seen += child.before
        child.sendeof()
        child.expect(pexpect.EOF)
        return seen

    def stop(self):
        self.a.stop()
        self.slow.stop()


@pytest.fixture(scope="module")
def world(bin_path, tmp_path_factory):
    w = World(bin_path, tmp_path_factory.mktemp("options"))
    yield w
    w.stop()


def refused(r, sentence):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert sentence in r.stderr, r.stderr


# ---- the table: (option, command) -> how it is checked -------------------------------------

def check_timeout(world, command):
    if command == "call":
        r = world.call(["--profile", "slow", "--timeout", "0.5"], "bc.catalog.products.get", "1")
        assert r.returncode == 4 and "time limit exceeded" in r.stderr, r.stderr
    elif command == "repl":
        out = world.repl(["--timeout", "0.5"], "async.sleep(3)", "print('after')")
        assert "time limit exceeded" in out and "after" in out
    else:
        r = world.lua(command, ["--timeout", "0.5"], "async.sleep(5)")
        assert r.returncode == 4 and "time limit exceeded" in r.stderr


def check_max_memory(world, command):
    if command == "call":
        big = world.a.post("/v3/catalog/products", {"name": "Huge", "type": "physical", "weight": 1, "price": 1,
                                                    "description": "x" * (3 * 1024 * 1024)}).json()["data"]["id"]
        r = world.call(["--max-memory", "2"], "bc.catalog.products.get", str(big))
        assert r.returncode != 0 and "larger than" in r.stderr, r.stderr
        assert world.call([], "bc.catalog.products.get", str(big), "include_fields=name").returncode == 0
        assert world.a.delete(f"/v3/catalog/products/{big}").status_code == 204
    elif command == "repl":
        out = world.repl(["--max-memory", "20"], 'ok, e = pcall(string.rep, "x", 64 * 1024 * 1024)', "e")
        assert "not enough memory" in out
    else:
        r = world.lua(command, ["--max-memory", "20"], 'local s = string.rep("x", 64 * 1024 * 1024)')
        assert r.returncode == 4 and "memory limit exceeded (--max-memory 20 MB)" in r.stderr, r.stderr


def check_lock(world, command):
    path = world.tmp / f"held-{command}.lock"
    with open(path, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if command == "call":
            r = world.call(["--lock", str(path)], "bc.store.get")
            assert r.returncode == 3 and "another run holds the lock" in r.stderr
        elif command == "repl":
            status, out = world.repl(["--lock", str(path)], expect_exit=True)
            assert status == 3 and "another run holds the lock" in out
        else:
            r = world.lua(command, ["--lock", str(path)], "print('ran')")
            assert r.returncode == 3 and "ran" not in r.stdout


def check_state_dir(world, command):
    where = world.tmp / f"state-{command}"
    if command == "call":
        return refused(world.call(["--state-dir", str(where)], "bc.store.get"), "call keeps no state")
    code = 'print(state.open("probe").path)'
    out = world.repl(["--state-dir", str(where)], code) if command == "repl" else world.lua(command, ["--state-dir", str(where)], code).stdout
    assert str(where / "probe.db") in out


def check_quiet(world, command):
    if command == "call":
        return refused(world.call(["--quiet"], "bc.store.get"), "call writes no log lines")
    # Messages made at run time: the REPL echoes the line typed.
    code = 'log.info("chat" .. "ty") log.warn("care" .. "ful")'
    out = world.repl(["--quiet"], code) if command == "repl" else world.lua(command, ["--quiet"], code).stderr
    assert "careful" in out and "chatty" not in out


def check_log_format(world, command):
    if command == "call":
        r = world.call(["--profile", "slow", "--timeout", "0.5", "--log-format", "json"], "bc.catalog.products.get", "1")
        assert r.returncode == 4 and '"msg":"time limit exceeded' in r.stderr, r.stderr
        return
    code = 'log.info("hello")'
    out = world.repl(["--log-format", "json"], code) if command == "repl" else world.lua(command, ["--log-format", "json"], code).stderr
    assert re.search(r'\{"time":"[^"]+","level":"info","script":"[^"]+","msg":"hello"\}', out), out


def check_log_level(world, command):
    if command == "call":
        return refused(world.call(["--log-level", "debug"], "bc.store.get"), "call writes no log lines")
    code = 'log.debug("de" .. "ep") log.info("usu" .. "al")'
    out = world.repl(["--log-level", "debug"], code) if command == "repl" else world.lua(command, ["--log-level", "debug"], code).stderr
    assert "deep" in out and "usual" in out
    out = world.repl(["--log-level", "error"], code) if command == "repl" else world.lua(command, ["--log-level", "error"], code).stderr
    assert "usual" not in out


def check_sandbox(world, command):
    if command == "call":
        r = world.call(["--sandbox"], "bc.catalog.products.count")
        assert r.returncode == 0 and r.stdout.strip() == "50", r.stderr
    elif command == "repl":
        out = world.repl(["--sandbox"], "bc.catalog.products.count()")
        assert "sandbox store at" in out and "50" in out
    else:
        r = world.lua(command, ["--sandbox"], "print(bc.catalog.products.count(), sandbox.url ~= nil)")
        assert r.stdout == "50\ttrue\n", r.stderr


def check_verbose(world, command):
    request = re.compile(r"GET /v3/catalog/products \d{3}")
    if command == "call":
        out = world.call(["--verbose"], "bc.catalog.products.count").stderr
    elif command == "repl":
        out = world.repl(["--verbose"], "bc.catalog.products.count()")
    else:
        out = world.lua(command, ["--verbose"], "bc.catalog.products.count()").stderr
    assert request.search(out), out


def check_profile(world, command):
    # Profile `a` is the default; --profile slow must reach the slow store (hash hashslow, 50 products).
    if command == "call":
        r = world.call(["--profile", "slow"], "bc.catalog.products.count")
        assert r.stdout.strip() == "50", r.stderr
    elif command == "repl":
        out = world.repl(["--profile", "slow"], "bc.catalog.products.count()")
        assert "LIVE store hashslow (profile slow)" in out and "50" in out
    else:
        r = world.lua(command, ["--profile", "slow"], "print(bc.catalog.products.count(), state.owner)")
        assert r.stdout.startswith("50\thashslow@127.0.0.1-"), r.stderr


def check_profiles(world, command):
    if command == "repl":
        status, out = world.repl(["--profiles", "a,slow"], expect_exit=True)
        assert status == 2 and "the REPL works on one store" in out
    elif command == "call":
        r = world.call(["--profiles", "a,slow"], "bc.catalog.products.count")
        assert r.returncode == 0, r.stderr
        assert sorted(r.stdout.splitlines()) == ['{"profile":"a","store_hash":"hasha","result":7}',
                                                 '{"profile":"slow","store_hash":"hashslow","result":50}']
    else:
        r = world.lua(command, ["--profiles", "a,slow"], "print(bc.catalog.products.count())")
        assert sorted(r.stdout.splitlines()) == ["[a]    7", "[slow] 50"], r.stderr


def check_jobs(world, command):
    if command == "repl":
        status, out = world.repl(["--jobs", "2"], expect_exit=True)
        assert status == 2 and "the REPL works on one store" in out
        return
    if command == "call":
        r = world.call(["--profiles", "a,slow", "--jobs", "1"], "bc.catalog.products.count")
        assert r.returncode == 0 and len(r.stdout.splitlines()) == 2, r.stderr
        refused(world.call(["--jobs", "1"], "bc.catalog.products.count"), "give --profiles too")
        return
    r = world.lua(command, ["--profiles", "a,slow", "--jobs", "1"], "print(bc.catalog.products.count())")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 2, r.stderr
    refused(world.lua(command, ["--jobs", "1"], "print(1)"), "give --profiles too")


def plan_refused(world, options):
    """The REPL plans with `:plan on`: it refuses a plan's options with a sentence."""
    status, out = world.repl(options, expect_exit=True)
    assert status == 2 and "the REPL plans with :plan on" in out


PLANNED = "bc.catalog.brands.create({name = 'Planned'}) print(#bc.catalog.brands.list())"


def planned(world, command, options):
    """Runs a brand's creation under options (call: the binding; run and -e: PLANNED)."""
    if command == "call":
        return world.call(options, "bc.catalog.brands.create", "name=Planned")
    return world.lua(command, options, PLANNED)


def check_plan(world, command):
    if command == "repl":
        return plan_refused(world, ["--plan"])
    seen = max([e["sequence"] for e in world.a.log()] or [0])
    r = planned(world, command, ["--plan"])
    assert r.returncode == 0 and "Plan: 1 to create" in r.stdout, r.stderr
    if command != "call":
        assert r.stdout.startswith("4\n")
    assert [e for e in world.a.log(seen) if e["method"] != "GET" and e["sequence"] > seen] == []


def check_plan_out(world, command):
    if command == "repl":
        return plan_refused(world, ["--plan", "--plan-out", "p.json"])
    out = world.tmp / f"plan-{command}.json"
    r = planned(world, command, ["--plan", "--plan-out", str(out)])
    assert r.returncode == 0 and json.loads(out.read_text())["summary"][0]["created"] == 1, r.stderr
    refused(planned(world, command, ["--plan-out", str(out)]), "give --plan too")
    refused(planned(world, command, ["--plan", "--plan-out", str(out), "--profiles", "a,slow"]), "a plan is for one store")


def check_plan_format(world, command):
    if command == "repl":
        return plan_refused(world, ["--plan", "--plan-format", "json"])
    r = planned(world, command, ["--plan", "--plan-format", "json"])
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[-1])["format"] == "storescript-plan/1", r.stderr
    refused(planned(world, command, ["--plan", "--plan-format", "yaml"]), "must be text or json")


def check_detailed_exitcode(world, command):
    if command == "repl":
        return plan_refused(world, ["--plan", "--detailed-exitcode"])
    assert planned(world, command, ["--plan", "--detailed-exitcode"]).returncode == 5
    reads = world.call(["--plan", "--detailed-exitcode"], "bc.catalog.brands.list") if command == "call" else \
        world.lua(command, ["--plan", "--detailed-exitcode"], "print(1)")
    assert reads.returncode == 0, reads.stderr
    refused(planned(world, command, ["--detailed-exitcode"]), "give --plan too")


CHECKS = {
    "--timeout": check_timeout, "--max-memory": check_max_memory, "--lock": check_lock, "--state-dir": check_state_dir,
    "--quiet": check_quiet, "--log-format": check_log_format, "--log-level": check_log_level, "--sandbox": check_sandbox,
    "--verbose": check_verbose, "--profile": check_profile, "--profiles": check_profiles, "--jobs": check_jobs,
    "--plan": check_plan, "--plan-out": check_plan_out, "--plan-format": check_plan_format, "--detailed-exitcode": check_detailed_exitcode,
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("option", sorted(CHECKS))
def test_every_run_option_does_what_it_says_or_is_refused(world, option, command):
    CHECKS[option](world, command)


def test_the_table_names_every_run_option():
    text = (ROOT / "Sources" / "storescript" / "RunOptions.swift").read_text()
    assert set(re.findall(r'RunOption\(name: "(--[a-z-]+)"', text)) == set(CHECKS)


def test_e_is_refused_where_no_script_runs(world):
    refused(world.call(["-e", "print(1)"], "bc.store.get"), "call -e: call runs one binding")
    status, out = world.repl(["-e", "print(1)"], expect_exit=True)
    assert status == 2 and "repl -e: the REPL reads what you type" in out
