"""`storescript run`, `-e` and stdin: what a cron job and a shell user rely on."""
import json
import os
import signal
import subprocess
import time

from conftest import ROOT


def test_stdin_script_prints(run):
    r = run("run", "-", input="print(1+1)\n")
    assert r.returncode == 0
    assert r.stdout == "2\n"


def test_plain_storescript_with_piped_stdin_runs_it(run):
    r = run(input="print('piped')\n")
    assert (r.returncode, r.stdout) == (0, "piped\n")


def test_dash_e_runs_code(run):
    r = run("-e", "print(6 * 7)")
    assert (r.returncode, r.stdout) == (0, "42\n")


def test_run_dash_e_passes_arguments(run):
    r = run("run", "-e", "print(...)", "a", "b")
    assert r.stdout == "a\tb\n"


def test_uncaught_error_exits_1_with_line_and_traceback(run, script):
    script('local function f()\n  error("boom")\nend\nf()\n')
    path = "script.lua"
    r = run("run", path)
    assert r.returncode == 1
    assert f"{path}:2: boom" in r.stderr
    assert "stack traceback:" in r.stderr
    assert f"{path}:4: in main chunk" in r.stderr
    assert ".swift" not in r.stderr


def test_error_with_table_value_uses_tostring(run):
    r = run("-e", "error(setmetatable({}, {__tostring = function() return 'custom failure' end}))")
    assert r.returncode == 1
    assert "custom failure" in r.stderr


def test_syntax_error_names_file_line_and_expectation(run, script):
    script("local x = 1\nif x then\n  print(x)\n")
    path = "script.lua"
    r = run("run", path)
    assert r.returncode == 1
    assert f"{path}:4: 'end' expected (to close 'if' at line 2) near <eof>" in r.stderr


def test_missing_file_exits_2(run):
    r = run("run", "nope.lua")
    assert r.returncode == 2
    assert "cannot open nope.lua: No such file or directory" in r.stderr


def test_directory_exits_2(run, tmp_path):
    r = run("run", str(tmp_path))
    assert r.returncode == 2
    assert "is a directory" in r.stderr


def test_binary_chunk_is_refused(run, tmp_path):
    out = tmp_path / "chunk.luac"
    subprocess.run(["luac5.4", "-o", str(out), "-"], input=b"print('bytecode')", check=True)
    r = run("run", str(out))
    assert r.returncode == 2
    assert "precompiled Lua chunk" in r.stderr
    assert "bytecode" not in r.stdout


def test_load_refuses_binary_chunks_inside_scripts(run):
    r = run("-e", "print(load(string.dump(function() end)))")
    assert r.returncode == 0
    assert "attempt to load a binary chunk" in r.stdout


def test_shebang_line_is_skipped_and_lines_keep_numbers(run, script):
    script("#!/usr/bin/env storescript\nerror('second line')\n")
    path = "script.lua"
    r = run("run", path)
    assert f"{path}:2: second line" in r.stderr


def test_arg_table_matches_lua(run, script):
    path = script("for i = 0, #arg do print(i, arg[i]) end print(select('#', ...), ...)\n")
    r = run("run", path, "one", "--two", "-")
    expected = subprocess.run(["lua5.4", path, "one", "--two", "-"], capture_output=True, text=True).stdout
    assert r.stdout == expected
    assert r.returncode == 0


def test_arg_minus_one_is_the_program(run, bin_path):
    r = run("-e", "print(arg[-1])")
    assert r.stdout.strip() == bin_path


def test_os_exit_passes_through(run):
    assert run("-e", "os.exit(7)").returncode == 7
    assert run("-e", "os.exit(true)").returncode == 0
    assert run("-e", "os.exit(false)").returncode == 1
    r = run("-e", "io.write('flushed') os.exit(3)")
    assert (r.returncode, r.stdout) == (3, "flushed")


def test_usage_errors_exit_2(run):
    r = run("run", "--bogus", "x.lua")
    assert r.returncode == 2
    assert "Unknown option '--bogus'" in r.stderr
    assert run("run", "--timeout", "-1", "-e", "").returncode == 2
    assert run("run", "--log-format", "xml", "-e", "").returncode == 2
    assert run("run").returncode == 2


def test_help_documents_exit_codes(run):
    r = run("--help")
    assert r.returncode == 0
    for line in ["0    success", "3    --lock", "4    --timeout", "130  interrupted", "os.exit(n) passes through"]:
        assert line in r.stdout
    assert "Exit codes" in run("run", "--help").stdout


def test_timeout_stops_an_endless_loop_with_exit_4(run, script):
    path = script("while true do end\n", "loop.lua")
    start = time.monotonic()
    r = run("run", "--timeout", "1", path)
    elapsed = time.monotonic() - start
    assert r.returncode == 4
    assert "time limit exceeded (--timeout 1s)" in r.stderr
    assert elapsed < 2


def test_timeout_cannot_be_swallowed_by_pcall(run):
    r = run("run", "--timeout", "0.3", "-e", "while true do pcall(function() while true do end end) end")
    assert r.returncode == 4


def test_max_memory_stops_unbounded_allocation_with_exit_4(run):
    r = run("run", "--max-memory", "16", "-e", "local t = {} while true do t[#t + 1] = ('x'):rep(64) .. #t end")
    assert r.returncode == 4
    assert "memory limit exceeded (--max-memory 16 MB)" in r.stderr


def test_lock_held_makes_the_second_run_exit_3_at_once(bin_path, tmp_path, script):
    lock = str(tmp_path / "x.lock")
    marker = tmp_path / "second-ran"
    first = subprocess.Popen([bin_path, "run", "--lock", lock, "-e", "async.sleep(3)"])
    time.sleep(0.5)
    start = time.monotonic()
    second = subprocess.run([bin_path, "run", "--lock", lock, "-e", f"io.open('{marker}', 'w'):close()"],
                            capture_output=True, text=True, timeout=10)
    elapsed = time.monotonic() - start
    first.wait(timeout=10)
    assert second.returncode == 3
    assert "holds the lock" in second.stderr
    assert elapsed < 2  # at once: the first run holds the lock for 3 s
    assert not marker.exists()
    assert first.returncode == 0
    third = subprocess.run([bin_path, "run", "--lock", lock, "-e", "print('free again')"], capture_output=True, text=True)
    assert (third.returncode, third.stdout) == (0, "free again\n")


def test_sigint_exits_130(bin_path):
    p = subprocess.Popen([bin_path, "run", "-e", "while true do end"], stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=5)
    assert p.returncode == 130
    assert "interrupted" in err


def test_sigint_while_sleeping_exits_130(bin_path):
    p = subprocess.Popen([bin_path, "run", "-e", "async.sleep(60)"], stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=5)
    assert p.returncode == 130


def test_sigterm_under_cron_exits_143_with_one_json_line_and_releases_the_lock(bin_path, tmp_path):
    lock = str(tmp_path / "cron.lock")
    # A cron job waiting on the store (a slow sandbox answer) when the scheduler stops it.
    code = "print('started') io.stdout:flush() while true do bc.catalog.products.list{limit = 1} end"
    p = subprocess.Popen([bin_path, "run", "--sandbox", "--lock", lock, "--log-format", "json", "-e", code],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "started\n"
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=5)
    assert p.returncode == 143
    lines = err.splitlines()
    assert len(lines) == 1, err
    entry = json.loads(lines[0])
    assert entry["level"] == "error" and entry["msg"] == "terminated" and entry["time"], entry
    again = subprocess.run([bin_path, "run", "--lock", lock, "-e", "print('free')"], capture_output=True, text=True, timeout=10)
    assert (again.returncode, again.stdout) == (0, "free\n")


def test_log_lines_text_json_and_quiet(run):
    code = "log.info('hello', {n = 1}) log.warn('careful')"
    text = run("-e", code)
    assert " INFO hello n=1" in text.stderr and " WARN careful" in text.stderr
    js = run("--log-format", "json", "-e", code)
    assert '"level":"info","script":"-e","msg":"hello","n":1}' in js.stderr
    quiet = run("--quiet", "-e", code)
    assert "hello" not in quiet.stderr and "careful" in quiet.stderr


def test_json_log_format_applies_to_uncaught_errors(run):
    r = run("--log-format", "json", "-e", "error('bad')")
    assert r.returncode == 1
    line = json.loads(r.stderr.splitlines()[0])
    assert (line["level"], line["script"], line["msg"]) == ("error", "-e", "(command line):1: bad")
    assert line["time"].endswith("Z") and line["traceback"].startswith("stack traceback:")


def test_failed_task_nobody_waited_for_fails_the_run(run):
    r = run("-e", "async.spawn(function() error('lost task') end)")
    assert r.returncode == 1
    assert "nobody waited" in r.stderr and "lost task" in r.stderr


def test_main_waits_for_spawned_tasks(run):
    r = run("-e", "async.spawn(function() async.sleep(0.1) print('late') end) print('main done')")
    assert r.stdout == "main done\nlate\n"


def test_the_run_options_are_declared_once(run):
    """The fast path's table (RunOptions.swift) and the full parser list the same options."""
    import re
    text = (ROOT / "Sources" / "storescript" / "RunOptions.swift").read_text()
    table = set(re.findall(r'RunOption\(name: "(--[a-z-]+)"', text))
    helped = set(re.findall(r"(--[a-z][a-z-]+)", run("run", "--help").stdout)) - {"--help", "--version"}
    assert table == helped, (table ^ helped)


def test_the_readme_and_help_list_the_same_exit_codes(run):
    import re
    text = (ROOT / "README.md").read_text()
    table = text[text.index("Exit codes:"):]
    table = table[:table.index("\n\n", table.index("| code |"))]
    readme = re.findall(r"^\| (\d+|n) \|", table, re.M)
    helped = re.findall(r"^  (\d+|n)\s{2,}", run("run", "--help").stdout, re.M)
    assert readme == helped and len(readme) >= 8, (readme, helped)


def test_a_bad_run_option_value_shows_the_usage_of_the_command_typed(run):
    r = run("run", "--timeout", "soon", "-e", "print(1)")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "Error: --timeout must be a positive number of seconds",
        "Usage: storescript run [<options>] <file> [<arguments> ...]",
        "       storescript run [<options>] -e <code> [<arguments> ...]",
        "  See 'storescript run --help' for more information.",
    ]


def test_the_first_line_of_an_error_names_the_users_code_never_the_runtimes(run, script, tmp_path):
    cases = {
        "bc.catalog.products.list()": "no store configured",
        "local x = bc.catalog.prodcts": "did you mean bc.catalog.products?",
        "bc.catalog.products.get('x')": "argument #1 (product_id) expected integer",
        "bc.catalog.products.get(1, nil, {timeout = 0})": "option timeout expected a positive number",
        "state.open('../x')": "state.open: argument #1 (name)",
        "async.spawn(42)": "async.spawn: argument #1 (fn) expected function",
    }
    for code, words in cases.items():
        script("local pad = 1\n" + code + "\n", name="mistake.lua")
        path = "mistake.lua"  # (Lua shortens a long chunk name with "...", as lua5.4 does)
        r = run("run", path, env={"BIGCOMMERCE_STORE_HASH": "", "BIGCOMMERCE_ACCESS_TOKEN": ""})
        first = r.stderr.splitlines()[0]
        prefix = f"storescript: {path}:2: "
        assert first[:len(prefix)] == prefix and words in first, (code, first[:len(prefix) + 10], prefix)
    for name, words in (("bc.catalog.prodcts.list", "did you mean bc.catalog.products?"),
                        ("bc.catalog.products.get", "argument #1 (product_id) expected integer")):
        r = run("call", "--sandbox", name, "x")
        title = json.loads(r.stderr)["error"]["title"]
        assert title.startswith(name.rsplit(".", 1)[0]) and words in title and "[storescript." not in title, title


def test_os_execute_answers_as_lua5_4_does_without_a_terminal(run):
    # Under cron there is no terminal: isatty's errno must not leak into the answer.
    code = 'print(os.execute("exit 3")) print(os.execute("true")) print(os.execute("kill -TERM $$"))'
    r = run("run", "-e", code, input="")
    lua = subprocess.run(["lua5.4", "-e", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.stdout == lua.stdout == "nil\texit\t3\ntrue\texit\t0\nnil\tsignal\t15\n", (r.stdout, lua.stdout)


def test_call_reaches_bindings_only_and_profile_names_cannot_leave_their_directory(run, tmp_path):
    r = run("call", "os.execute", f"touch {tmp_path}/X")
    assert r.returncode == 2 and "give a binding's name (bc.* or digicert.*)" in r.stderr
    assert not (tmp_path / "X").exists()
    r = run("run", "--profile", "../escape", "-e", "print(1)")
    assert r.returncode == 2 and "no '..'" in r.stderr
    config = tmp_path / "c.toml"
    config.write_text('[profiles."../escape"]\nstore_hash = "x"\n')
    config.chmod(0o600)
    r = run("run", "--profiles", "*", "--state-dir", str(tmp_path / "st"), "-e", "print(1)", env={"STORESCRIPT_CONFIG": str(config)})
    assert r.returncode == 2 and "profile names must be letters" in r.stderr
    assert not (tmp_path / "escape").exists()
