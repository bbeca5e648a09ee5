"""The REPL, driven through a real pseudo-terminal as a person would type."""
import os
import stat
import time

import pexpect
import pytest

PROMPT = "\r\n> "


@pytest.fixture
def repl(bin_path, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm", NO_COLOR="1")
    env.pop("XDG_STATE_HOME", None)
    child = pexpect.spawn(bin_path, ["repl"], env=env, encoding="utf-8", timeout=10, dimensions=(40, 120))
    child.expect("help\\(\\) for help")
    child.expect("> ")
    yield child
    if child.isalive():
        child.terminate(force=True)


def test_session_multiline_expression_completion_interrupt_and_exit(repl, tmp_path):
    # A multi-line function: continuation prompt until the chunk is complete.
    repl.sendline("function double(x)")
    repl.expect(">> ")
    repl.sendline("  return x * 2")
    repl.expect(">> ")
    repl.sendline("end")
    repl.expect("> ")

    # An expression prints without `return`.
    repl.sendline("double(21)")
    repl.expect("42")
    repl.expect("> ")

    # _ holds the last result.
    repl.sendline("_ + 1")
    repl.expect("43")
    repl.expect("> ")

    # Tab completes a table field.
    # (the terminal shows only the added letters, so the evaluated line proves it)
    repl.send("string.for")
    repl.send("\t")
    time.sleep(0.3)
    repl.sendline("")
    repl.expect("function: ")
    repl.expect("> ")

    # Tab completes a method through __index (strings' metatable).
    repl.sendline('s = "abc"')
    repl.expect("> ")
    repl.send("s:upp")
    repl.send("\t")
    time.sleep(0.3)
    repl.sendline("()")
    repl.expect('"ABC"')
    repl.expect("> ")

    # Ctrl-C stops a running loop, not the REPL.
    repl.sendline("while true do end")
    time.sleep(0.5)
    repl.sendintr()
    repl.expect("interrupted")
    repl.expect("> ")
    repl.sendline("1 + 1")
    repl.expect("2")
    repl.expect("> ")

    # An error in the line typed is one line (a traceback would say nothing more); one raised
    # inside a function of the session shows the traceback; either way the REPL goes on.
    repl.sendline('error("boom")')
    repl.expect("stdin:1: boom")
    repl.expect("> ")
    assert "stack traceback" not in repl.before
    repl.sendline('function inner() error("deep") end')
    repl.expect("> ")
    repl.sendline("inner()")
    repl.expect("stdin:1: deep")
    repl.expect("stack traceback")
    repl.expect("in function 'inner'")
    repl.expect("> ")
    repl.sendline("bc.catalog.prodcts")
    repl.expect("did you mean bc.catalog.products")
    repl.expect("> ")
    assert "traceback" not in repl.before and "[storescript." not in repl.before

    # Nested tables print sorted, cycles marked.
    repl.sendline("t = {b = 2, a = {1, 2}} t.self = t")
    repl.expect("> ")
    repl.sendline("t")
    repl.expect(r"\{ a = \{ 1, 2 \}, b = 2, self = <cycle: table: 0x[0-9a-f]+> \}")
    repl.expect("> ")

    # help(x) documents what has documentation.
    repl.sendline("help(async.sleep)")
    repl.expect("Suspends the calling task")
    repl.expect("> ")

    # async works at the prompt: each chunk runs as a task.
    repl.sendline("async.sleep(0.05) return 'slept'")
    repl.expect('"slept"')
    repl.expect("> ")

    # Ctrl-D leaves.
    repl.sendeof()
    repl.expect(pexpect.EOF)
    repl.wait()
    assert repl.exitstatus == 0

    history = tmp_path / ".local" / "state" / "storescript" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert stat.S_IMODE(history.parent.stat().st_mode) == 0o700
    assert "double(21)" in history.read_text()


def test_ctrl_c_at_the_prompt_abandons_the_line(repl):
    repl.send("this is not lua")
    repl.sendintr()
    repl.expect("> ")
    repl.sendline("3 * 3")
    repl.expect("9")
    repl.expect("> ")


def test_history_persists_across_sessions(bin_path, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm")
    first = pexpect.spawn(bin_path, ["repl"], env=env, encoding="utf-8", timeout=10)
    first.expect("> ")
    first.sendline("remembered = 12345")
    first.expect("> ")
    first.sendeof()
    first.expect(pexpect.EOF)
    second = pexpect.spawn(bin_path, ["repl"], env=env, encoding="utf-8", timeout=10)
    second.expect("> ")
    second.send("\x1b[A")  # up arrow: the previous session's line
    second.expect("remembered = 12345")
    second.sendline("")
    second.expect("> ")
    second.sendeof()
    second.expect(pexpect.EOF)


def test_history_keeps_out_secrets_and_spaced_lines_appends_and_stays_bounded(bin_path, tmp_path):
    history = tmp_path / ".local" / "state" / "storescript" / "history"
    history.parent.mkdir(parents=True)
    # A history 0.5 wrote (libedit's format), grown past its bound.
    history.write_text("_HiStOrY_V2_\n" + "".join(f"old\\040{i}\n" for i in range(2500)))
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm", NO_COLOR="1", BIGCOMMERCE_STORE_HASH="abc",
               BIGCOMMERCE_ACCESS_TOKEN="tok-never-kept-123")
    env.pop("XDG_STATE_HOME", None)
    repl = pexpect.spawn(bin_path, ["repl", "--sandbox"], env=env, encoding="utf-8", timeout=20)
    repl.expect("> ")
    for line in ["kept = 1", " secret_typed_with_a_space = 2", 'tok = "tok-never-kept-123"',
                 'k = [[-----BEGIN PRIVATE KEY-----', "abc", "-----END PRIVATE KEY-----]]", "function f()", "  return 1", "end"]:
        repl.sendline(line)
        repl.expect(r"\r\n>>? ")
    repl.sendeof()
    repl.expect(pexpect.EOF)
    lines = history.read_text().splitlines()
    assert len(lines) == 1000 + 2, len(lines)
    assert lines[-2:] == ["kept = 1", "function f()\\n  return 1\\nend"], lines[-3:]
    assert "old 2499" in lines and "old 1499" not in lines  # the last 1,000 of the old ones, converted
    text = history.read_text()
    assert "secret_typed" not in text and "tok-never" not in text and "PRIVATE KEY" not in text
    # The next session reads it back, line breaks and all.
    again = pexpect.spawn(bin_path, ["repl", "--sandbox"], env=env, encoding="utf-8", timeout=20)
    again.expect("> ")
    again.send("\x1b[A")
    again.expect("end")
    again.sendeof()


def test_os_execute_answers_as_lua5_4_does_on_a_terminal(repl):
    repl.sendline('print(os.execute("exit 3"))')
    repl.expect("nil\texit\t3")
    repl.expect("> ")


def test_plain_storescript_on_a_terminal_opens_the_repl(bin_path, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm")
    child = pexpect.spawn(bin_path, [], env=env, encoding="utf-8", timeout=10)
    child.expect("help\\(\\) for help")
    child.sendline("return 'hi'")
    child.expect('"hi"')
    child.expect("> ")
    child.sendeof()
    child.expect(pexpect.EOF)


def test_results_are_coloured_on_a_terminal_only(bin_path, tmp_path, run):
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm")
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(bin_path, ["repl"], env=env, encoding="utf-8", timeout=30)
    child.expect("> ")
    child.sendline("{42}")
    child.expect("\x1b\\[36m42\x1b\\[0m")
    child.expect("> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    piped = run("repl", input="{42}\n")
    assert "{ 42 }" in piped.stdout and "\x1b[" not in piped.stdout


def test_utf8_typed_at_the_prompt_arrives_whole_without_a_locale(bin_path, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm", NO_COLOR="1")
    for name in ("LANG", "LC_ALL", "LC_CTYPE"):
        env.pop(name, None)
    child = pexpect.spawn(bin_path, ["repl"], env=env, encoding="utf-8", timeout=30)
    child.expect("> ")
    child.sendline("return 'héllo ✓', #'✓'")
    child.expect('"héllo ✓"\t3')
    child.expect("> ")
    child.sendeof()
    child.expect(pexpect.EOF)


def test_ctrl_d_typed_while_a_chunk_runs_ends_the_repl_after_it(repl):
    repl.sendline("async.sleep(0.8) print('slept')")
    time.sleep(0.3)
    repl.sendcontrol("d")
    repl.expect("slept")
    repl.expect(pexpect.EOF, timeout=5)
    repl.wait()
    assert repl.exitstatus == 0


def test_lines_typed_while_a_chunk_runs_run_after_it_then_ctrl_d(repl):
    repl.sendline("async.sleep(0.8) print('first')")
    time.sleep(0.2)
    repl.sendline("print('second')")
    repl.sendcontrol("d")
    repl.expect("first")
    repl.expect("second")
    repl.expect(pexpect.EOF, timeout=5)


def test_a_pasted_block_of_many_lines_runs_whole(repl):
    lines = ["total = 0"]
    lines += [f"total = total + {i}" for i in range(1, 41)]
    lines += ["function slow()", "  async.sleep(0.2)", "  return 'slow done'", "end", "slow()"]
    lines += [f"total = total + {i}" for i in range(41, 61)]
    lines += ["print('total', total)"]
    repl.send("\n".join(lines) + "\n")
    repl.expect("slow done")
    repl.expect("total\t1830", timeout=15)


def test_ctrl_c_stops_a_chunk_that_removed_the_hook_and_the_repl_goes_on(repl):
    repl.sendline("debug.sethook() while true do end")
    time.sleep(0.5)
    repl.sendintr()
    repl.expect("interrupted")
    repl.expect("> ")
    repl.sendline("debug.gethook()")
    repl.expect("nil")
    repl.sendline("1 + 1")
    repl.expect("2")
    repl.expect("> ")


def test_sigterm_ends_the_repl_with_143(repl):
    repl.sendline("while true do end")
    time.sleep(0.3)
    repl.kill(15)
    repl.expect("terminated")
    repl.expect(pexpect.EOF, timeout=5)
    repl.wait()
    assert repl.exitstatus == 143


def test_completion_printing_and_help_know_the_bindings_from_the_catalog(repl):
    # Tab completes a namespace nobody has touched yet (the line then prints it).
    repl.send("bc.cat")
    repl.send("\t")
    time.sleep(0.3)
    repl.sendline("")
    repl.expect("bc.catalog: brands, categories, products")
    repl.expect("> ")
    repl.sendline("help(bc.catalog.products)")
    repl.expect("bc.catalog.products.get\\(product_id, query\\?, options\\?\\)")
    repl.expect("> ")
    repl.sendline("help(json)")
    repl.expect("json.decode\\(text\\)")
    repl.expect("> ")
    repl.sendline("bc.catalog.prodcts.list()")
    repl.expect("bc.catalog.prodcts: no such namespace; did you mean bc.catalog.products\\?")
    repl.expect("> ")


def readme_tour():
    """The `> ` lines of the README's REPL tour: (input, what its comment says it raises or None)."""
    import re
    from conftest import ROOT
    text = (ROOT / "README.md").read_text()
    block = re.search(r"A first tour.*?```lua\n(.*?)```", text, re.S).group(1)
    lines = []
    for raw in block.splitlines():
        code, _, comment = raw[2:].partition("  --")
        raises = comment.split("raises:", 1)[1].strip() if "raises:" in comment else None
        lines.append((code.strip(), raises))
    return lines


def test_the_readme_repl_tour_runs_as_shown(bin_path, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm", NO_COLOR="1")
    child = pexpect.spawn(bin_path, ["repl", "--sandbox"], env=env, encoding="utf-8", timeout=20, dimensions=(40, 200))
    child.expect("sandbox")
    child.expect("> ")
    tour = readme_tour()
    assert len(tour) >= 10
    for code, raises in tour:
        child.sendline(code)
        child.expect(PROMPT)
        shown = child.before
        if raises:
            assert raises in shown, (code, shown)
        else:
            assert "stack traceback" not in shown and "error" not in shown.lower(), (code, shown)
    child.sendline("os.exit(0)")
    child.expect(pexpect.EOF)
