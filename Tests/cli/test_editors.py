"""Editors and linters know every binding: `storescript docs --format luacheck` is a standard
Debian's luacheck runs with (every recipe clean, a misspelt binding flagged before any cron
run), `--format luals` Lua Language Server definitions for every binding and module, and
scripts/install.sh installs both."""
import pathlib
import re
import shutil
import subprocess

import pytest

from test_catalog import generated

ROOT = pathlib.Path(__file__).resolve().parents[2]
RECIPES = ROOT / "scripts" / "recipes"
needs_luacheck = pytest.mark.skipif(shutil.which("luacheck") is None, reason="scripts/setup-tests.sh installs lua-check")


@pytest.fixture(scope="module")
def luacheckrc(bin_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("lint") / ".luacheckrc"
    r = subprocess.run([bin_path, "docs", "--format", "luacheck", "--out", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return path


def luacheck(config, *files):
    # Line length is a project's own style, not what the standard is about.
    return subprocess.run(["luacheck", "--config", str(config), "--no-max-line-length", "--no-color", *map(str, files)],
                          capture_output=True, text=True, timeout=120)


@needs_luacheck
def test_luacheck_with_the_standard_finds_every_recipe_clean(luacheckrc):
    r = luacheck(luacheckrc, *sorted(RECIPES.glob("*.lua")))
    assert r.returncode == 0, r.stdout


@needs_luacheck
def test_luacheck_with_the_standard_flags_a_misspelt_binding_and_module_function(luacheckrc, tmp_path):
    script = tmp_path / "nightly.lua"
    script.write_text('local n = bc.catalog.prodcts.count()\nfor row in csv.rowz("x.csv") do print(row) end\n'
                      'print(n, bc.catalog.products.count(), digicert.orders.each, state.owner, sandbox.url)\n')
    r = luacheck(luacheckrc, script)
    assert r.returncode == 1
    flagged = re.findall(r"accessing undefined field '(\S+)' of global '(\w+)'", r.stdout)
    assert flagged == [("catalog.prodcts.count", "bc"), ("rowz", "csv")], r.stdout


def test_the_luals_definitions_declare_every_binding_namespace_and_module_function(bin_path, tmp_path):
    out = tmp_path / "storescript.lua"
    r = subprocess.run([bin_path, "docs", "--format", "luals", "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.startswith("---@meta")
    assert subprocess.run(["luac5.4", "-p", str(out)], capture_output=True).returncode == 0
    defined = set(re.findall(r"^function ([\w.]+)\(", text, re.M)) | set(re.findall(r'^(bc\.op\["[^"]+"\]) = function', text, re.M))
    names = {f[2] for f in generated().values()}
    missing = [n for n in names if n not in defined and not n.startswith("bc.op.")]
    assert missing == [], missing[:10]
    for helper in ("bc.catalog.products.each", "bc.catalog.products.all", "bc.catalog.products.count", "digicert.orders.each",
                   "bc.request", "bc.get", "csv.rows", "state.open", "async.map", "certs.csr", "help"):
        assert helper in defined, helper
    for namespace in ("bc", "bc.catalog", "bc.catalog.products", "digicert.orders"):
        assert f"---@class {namespace}\n" in text, namespace
    create = text[text.index("---@class bc.catalog.products.create.Body"):]
    create = create[:create.index("\n\n")]
    assert "---@field name string\n" in create and '---@field type "physical"|"digital"\n' in create
    assert "---@field sale_price? number\n" in create
    get = text[:text.index("function bc.catalog.products.get(")]
    get = get[get.rindex("\n\n"):]
    assert "---@param product_id integer" in get and "---@param options? storescript.RequestOptions" in get
    assert "function bc.catalog.products.get(product_id, query, options) end" in text


def test_install_puts_a_stripped_binary_and_the_editor_definitions_in_place(bin_path, tmp_path):
    prefix = tmp_path / "prefix"
    r = subprocess.run([str(ROOT / "scripts" / "install.sh"), "--binary", bin_path, "--no-manual", str(prefix)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    installed = prefix / "bin" / "storescript"
    assert "not stripped" not in subprocess.run(["file", str(installed)], capture_output=True, text=True).stdout
    assert installed.stat().st_size < pathlib.Path(bin_path).stat().st_size
    types = prefix / "share" / "storescript" / "types"
    assert (types / "storescript.lua").read_text().startswith("---@meta") and "stds.storescript" in (types / "luacheckrc").read_text()
    ran = subprocess.run([str(installed), "run", "-e", 'print(require("storescript.args") ~= nil)'], capture_output=True, text=True)
    assert ran.stdout == "true\n", ran.stderr
