"""`require`: the script's directory, the stdlib, LUA_PATH and Debian's Lua C modules."""
import os

from conftest import ROOT


def test_module_next_to_the_script_is_found_from_another_directory(run, script, tmp_path):
    script("return { answer = 42 }\n", "proj/helper.lua")
    path = script("print(require('helper').answer)\n", "proj/main.lua")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run("run", path, cwd=elsewhere)
    assert (r.returncode, r.stdout) == (0, "42\n")


def test_stdlib_is_found_relative_to_the_binary(run):
    r = run("-e", "print(type(require('storescript.pretty').format))")
    assert (r.returncode, r.stdout) == (0, "function\n")


def test_storescript_path_overrides_the_stdlib(run, script, tmp_path):
    script("return 'from STORESCRIPT_PATH'\n", "mylib/special.lua")
    r = run("-e", "print((require('special')))", env={"STORESCRIPT_PATH": str(tmp_path / "mylib")})
    assert r.stdout == "from STORESCRIPT_PATH\n"


def test_lua_path_is_honoured(run, script, tmp_path):
    script("return 'from LUA_PATH'\n", "lp/onpath.lua")
    r = run("-e", "print((require('onpath')))", env={"LUA_PATH": str(tmp_path / "lp" / "?.lua") + ";;"})
    assert r.stdout == "from LUA_PATH\n"


def test_debian_lua_c_modules_load(run):
    r = run("-e", "local cjson = require('cjson') local lpeg = require('lpeg') print(cjson.encode({1, 2}), lpeg.match(lpeg.P('a'), 'ab'))")
    assert (r.returncode, r.stdout) == (0, "[1,2]\t2\n")


def test_missing_module_lists_where_it_looked(run):
    r = run("-e", "require('no.such.module')")
    assert r.returncode == 1
    assert "module 'no.such.module' not found" in r.stderr
    assert "no file" in r.stderr


def test_modules_load_as_text_only(run, tmp_path):
    import subprocess
    (tmp_path / "bin").mkdir()
    subprocess.run(["luac5.4", "-o", str(tmp_path / "bin" / "compiled.lua"), "-"], input=b"return 1", check=True)
    r = run("-e", "require('compiled')", env={"LUA_PATH": str(tmp_path / "bin" / "?.lua")})
    assert r.returncode == 1
    assert "attempt to load a binary chunk" in r.stderr
