"""Every recipe refuses bad input before it changes anything: each recipe's header documents
the options its --help lists, and each option given a bad value ends the run with exit 2 and
one line, the sandbox's log showing no write. The table of bad values is held to the headers,
so an option added without one fails here."""
import os
import pathlib
import re
import subprocess
import zipfile

import pytest

from sandbox_support import Sandbox

RECIPES = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "recipes"
NO_DIR = "/nonexistent-dir/out.csv"

# recipe -> (the arguments it runs with, {option: a bad value for it, as arguments})
BAD = {
    "campaign-widget.lua": (["Winter sale"], {
        "html": ["--html", ""], "text": ["--text"], "start": ["--start", "2026-13-01"], "end": ["--end", "2026-02-30"],
        "page": ["--page", "pages/nope"], "region": ["--region", "nope"], "channel": ["--channel", "9999"],
        "remove": ["--remove=yes"], "dry-run": ["--dry-run=1"]}),
    "cart-smoke-test.lua": ([], {"product": ["--product", "x"], "quiet": ["--quiet=1"]}),
    "catalog-audit.lua": ([], {"out": ["--out", NO_DIR], "threshold": ["--threshold", "-1"]}),
    "checkout-domain.lua": (["https://checkout.sandbox.example.com"], {
        "channel": ["--channel", "9999"], "reset": ["--reset=1"], "dry-run": ["--dry-run=1"]}),
    "deploy-theme.lua": (["theme.zip"], {
        "variation": ["--variation", ""], "channels": ["--channels", "1,9999"], "timeout": ["--timeout", "0"],
        "limit": ["--limit", "0"], "no-activate": ["--no-activate=1"], "dry-run": ["--dry-run=1"]}),
    "export-subscribers.lua": ([], {"out": ["--out", NO_DIR], "full": ["--full=1"], "state": ["--state", "../x"]}),
    "renew-certificates.lua": ([], {
        "dry-run": ["--dry-run=1"], "site": ["--site", "x"], "organization": ["--organization", "x"],
        "product": ["--product", "ssl_nope"], "min-days": ["--min-days", "-1"], "key": ["--key", "rsa-1024"],
        "wait": ["--wait", "-5"], "poll": ["--poll", "0"], "deploy-hook": ["--deploy-hook", ""], "state": ["--state", "a/b"],
        "log-format": ["--log-format", "xml"]}),
    "rotate-carrier.lua": (["endicia"], {"create": ["--create=1"], "dry-run": ["--dry-run=1"]}),
    "ship-orders.lua": (["export"], {"out": ["--out", NO_DIR], "status": ["--status", "999"], "dry-run": ["--dry-run=1"]}),
    "update-prices.lua": (["prices.csv"], {"dry-run": ["--dry-run=1"], "unknown": ["--unknown", NO_DIR]}),
    "on-order-created.lua": ([], {"threshold": ["--threshold", "-5"], "tag": ["--tag", ""], "notify": ["--notify", ""],
                                  "dry-run": ["--dry-run=1"]}),
    "on-low-stock.lua": ([], {"threshold": ["--threshold", "x"], "out": ["--out", NO_DIR]}),
}
# Handlers files run under `storescript listen FILE -- ARGS`, the others under `run FILE ARGS`.
HANDLERS = {"on-order-created.lua", "on-low-stock.lua"}


def command(bin_path, name, *argv):
    if name in HANDLERS:
        return [bin_path, "listen", "--port", "0", str(RECIPES / name), "--", *argv]
    return [bin_path, "run", str(RECIPES / name), *argv]
# Bad positionals too: a recipe's first argument.
BAD_POSITIONALS = {
    "campaign-widget.lua": [" "], "checkout-domain.lua": ["checkout.example.com"], "deploy-theme.lua": ["missing.zip"],
    "rotate-carrier.lua": ["pigeon"], "ship-orders.lua": ["launch"], "update-prices.lua": ["missing.csv"],
}


def header_options(path):
    """The --names of the recipe header's Options block."""
    lines = path.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if re.match(r"^-- Options\b", l))
    names = []
    for line in lines[start + 1:]:
        m = re.match(r"^--   --([a-z-]+)", line)
        if m:
            names.append(m.group(1))
        elif not line.startswith("--    "):
            break
    return names


def help_options(bin_path, path):
    r = subprocess.run(command(bin_path, path.name, "--help"), capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return re.findall(r"^  --([a-z-]+)", r.stdout, re.M)


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_header_documents_the_options_help_lists_and_each_has_a_bad_value_here(bin_path, name):
    path = RECIPES / name
    documented = header_options(path)
    assert documented == help_options(bin_path, path), name
    assert sorted(BAD[name][1]) == sorted(documented), f"{name}: give each option a bad value in BAD"


def test_every_recipe_has_a_row():
    assert sorted(BAD) == sorted(p.name for p in RECIPES.glob("*.lua"))


@pytest.fixture(scope="module")
def served(bin_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recipe-options")
    sb = Sandbox(bin_path, "--rate-limit", "off", "--db", str(tmp / "store.db"))
    (tmp / "prices.csv").write_text("sku,price\nSKU-1,1.00\n")
    with zipfile.ZipFile(tmp / "theme.zip", "w") as z:
        z.writestr("config.json", '{"name": "T", "version": "1.0.0", "variations": [{"name": "Light"}]}')
        z.writestr("schema.json", "[]")
        z.writestr("templates/pages/home.html", "<p>home</p>")
    env = dict(os.environ, HOME=str(tmp / "home"), BIGCOMMERCE_STORE_HASH="sandbox", BIGCOMMERCE_ACCESS_TOKEN=sb.token,
               BIGCOMMERCE_API_URL=sb.root, DIGICERT_API_KEY=sb.token, DIGICERT_API_URL=sb.root,
               DIGICERT_ORGANIZATION_ID="123456", CARRIER_ACCOUNT_ID="a", CARRIER_PASS_PHRASE="p")
    yield sb, tmp, env
    sb.stop()


def cases():
    for name, (base, bad) in sorted(BAD.items()):
        for option, value in sorted(bad.items()):
            yield pytest.param(name, base + value, id=f"{name}--{option}")
        for value in BAD_POSITIONALS.get(name, []):
            yield pytest.param(name, [value] + base[1:], id=f"{name}-{value.strip() or 'blank'}")


@pytest.mark.parametrize("name,argv", list(cases()))
def test_a_bad_value_is_refused_with_one_line_before_anything_changes(bin_path, served, name, argv):
    sb, tmp, env = served
    since = len(sb.log())
    r = subprocess.run(command(bin_path, name, *argv), capture_output=True, text=True, env=env, cwd=tmp, timeout=60)
    assert r.returncode == 2, (argv, r.returncode, r.stdout, r.stderr)
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(name + ": "), r.stderr
    writes = [(e["method"], e["path"]) for e in sb.log()[since:] if e["method"] != "GET"]
    assert writes == [], writes
