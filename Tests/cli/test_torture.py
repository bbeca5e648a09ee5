"""The torture suite: plain Lua that tries to crash, hang or outgrow the runtime.

Every case runs the real binary and asserts three things: the exit status, that the run
ended within its time bound, and that no signal killed the process (no abort, no segfault:
subprocess reports those as negative return codes).
"""
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

import pytest

from conftest import BIN


@dataclass
class Case:
    name: str
    code: str = ""                # the script (run as a file), or
    args: list = field(default_factory=list)  # storescript's arguments before the script
    script_args: list = field(default_factory=list)
    expect: int = 0
    within: float = 15.0          # seconds, start to exit
    stdout: str = None            # a substring the output must hold
    stderr: str = None            # a substring stderr must hold
    stdin: str = None             # text for standard input (else: none)
    signal: tuple = None          # (seconds, signal) sent to storescript alone
    env: dict = None


def run_case(case, tmp_path):
    script = tmp_path / "torture.lua"
    script.write_text(case.code)
    argv = [BIN, "run", *case.args, str(script), *case.script_args]
    env = dict(os.environ, HOME=str(tmp_path), **(case.env or {}))
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if case.stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    if case.signal:
        delay, sig = case.signal
        threading.Timer(delay, lambda: p.poll() is None and p.send_signal(sig)).start()
    try:
        if case.stdin is HOLD:
            p.wait(timeout=case.within + 20)
            out, err = p.stdout.read(), p.stderr.read()
            p.stdin.close()
        else:
            out, err = p.communicate(case.stdin.encode() if case.stdin is not None else None, timeout=case.within + 20)
    except subprocess.TimeoutExpired:
        p.kill()
        pytest.fail(f"{case.name}: still running {case.within + 20} s after start")
    elapsed = time.monotonic() - start
    out, err = out.decode(errors="replace"), err.decode(errors="replace")
    assert p.returncode >= 0, f"killed by signal {-p.returncode}\n{err[-3000:]}"
    assert p.returncode == case.expect, f"exit {p.returncode}, expected {case.expect}\nstdout: {out[-2000:]}\nstderr: {err[-3000:]}"
    assert elapsed < case.within, f"took {elapsed:.2f} s, bound {case.within} s"
    if case.stdout is not None:
        assert case.stdout in out, out[-2000:]
    if case.stderr is not None:
        assert case.stderr in err, err[-2000:]
    return out, err


LOOP = "while true do end"
HOLD = object()  # standard input: a pipe kept open and never written

CASES = [
    # ---- stack space: every host push checks room first --------------------------------------
    Case("200 script arguments", 'print(select("#", ...))', script_args=[str(i) for i in range(200)],
         stdout="200\n"),
    Case("50,000 script arguments", 'print(select("#", ...), arg[50000])', script_args=["x"] * 50000,
         stdout="50000\tx\n"),
    Case("a task's 35 results waited for, then collected",
         "local t = async.spawn(function() local r = {} for i = 1, 35 do r[i] = i end return table.unpack(r) end)\n"
         "print(select('#', t:wait())) collectgarbage() print(select('#', t:wait()))", stdout="35\n35\n"),
    Case("a task's 200,000 results", "local t = async.spawn(function() return table.unpack({}, 1, 200000) end)\n"
         "print(select('#', t:wait()))", stdout="200000\n"),
    Case("spawn with 100,000 arguments",
         "local t = async.spawn(function(...) return select('#', ...) end, table.unpack({}, 1, 100000))\nprint(t:wait())",
         stdout="100000\n"),
    Case("a waiter too deep to take all results gets an error, not a crash",
         "local t = async.spawn(function() return table.unpack({}, 1, 990000) end)\n"
         "local function deep(...) local n = select('#', t:wait()) return n end\n"
         "print(pcall(deep, table.unpack({}, 1, 20000)))", stdout="too many"),
    Case("async.all of 2,000 functions", "local fs = {} for i = 1, 2000 do fs[i] = function() return i end end\n"
         "print(select('#', async.all(fs)))", stdout="2000\n"),
    Case("coroutine.resume with 200,000 arguments", "local co = coroutine.create(function(...) return select('#', ...) end)\n"
         "print(coroutine.resume(co, table.unpack({}, 1, 200000)))", stdout="true\t200000\n"),

    # ---- task coroutines belong to the scheduler ------------------------------------------------
    Case("a task's own coroutine cannot be resumed by another task",
         "local co\nasync.spawn(function() co = coroutine.running() async.sleep(0.2) end)\nasync.sleep(0.05)\n"
         "print(coroutine.resume(co))",
         stdout="false\tcannot resume non-suspended coroutine (a task's coroutine belongs to the scheduler: use async.wait)\n"),
    Case("a finished task's coroutine cannot be resumed",
         "local co\nasync.spawn(function() co = coroutine.running() return 1 end):wait()\nprint(coroutine.resume(co))",
         stdout="false\tcannot resume dead coroutine (a task's coroutine belongs to the scheduler: use async.wait)\n"),
    Case("a task's own coroutine cannot be closed",
         "local co\nlocal t = async.spawn(function() co = coroutine.running() async.sleep(0.1) return 'ok' end)\n"
         "async.sleep(0.02)\nprint(pcall(coroutine.close, co))\nprint(t:wait())",
         stdout="false\tcannot close a normal coroutine (a task's coroutine belongs to the scheduler: use async.wait)\nok\n"),
    Case("the main chunk cannot yield, as under lua5.4", "print(pcall(coroutine.yield, 1))",
         stdout="false\tattempt to yield from outside a coroutine\n"),
    Case("a coroutine waiting on the host cannot be resumed or closed by another task",
         "local co = coroutine.create(function() async.sleep(0.2) return 'woke' end)\n"
         "local t = async.spawn(function() return coroutine.resume(co) end)\nasync.sleep(0.05)\n"
         "print(coroutine.status(co), coroutine.resume(co))\nprint(pcall(coroutine.close, co))\nprint(t:wait())",
         stdout="normal\tfalse\tcannot resume non-suspended coroutine\nfalse\tcannot close a normal coroutine\ntrue\twoke\n"),

    # ---- Swift functions outlive misuse ------------------------------------------------------------
    Case("a finalizer resurrects a Swift function whose box was collected",
         "local t = async.spawn(function() end) t:wait()\n"
         "local holder = setmetatable({join = t.join}, {__gc = function(h) SAVED = h.join end})\nholder, t = nil, nil\n"
         "collectgarbage() collectgarbage() collectgarbage()\nprint(pcall(SAVED))", stdout="function no longer available"),
    Case("finalizers at exit call async, bc and log: warnings, the script's own status",
         "X = setmetatable({}, {__gc = function() async.sleep(1) end})\n"
         "Y = setmetatable({}, {__gc = function() bc.catalog.products.list() end})\n"
         "Z = setmetatable({}, {__gc = function() log.info('closing') async.spawn(print) end})\nos.exit(7, true)",
         expect=7, stderr="function no longer available"),
    Case("finalizers at a normal end: warnings, exit 0",
         "X = setmetatable({}, {__gc = function() async.sleep(1) end})\nprint('done')",
         stdout="done\n", stderr="warning: error in __gc"),
    Case("a script error and a failing finalizer at exit: exit 1, both reported",
         "X = setmetatable({}, {__gc = function() error('gc failed') end})\nerror('script failed')",
         expect=1, stderr="gc failed"),
    Case("a finalizer during the run calls async.sleep: a warning, the run goes on",
         "setmetatable({}, {__gc = function() async.sleep(0) end}) collectgarbage()\nprint('after')",
         stdout="after\n", stderr="cannot wait here"),
    Case("a finalizer during the run spawns a task", "setmetatable({}, {__gc = function() async.spawn(print, 'spawned') end})\n"
         "collectgarbage() async.sleep(0.01) print('end')", stdout="spawned\nend\n"),
    Case("finalizers everywhere: in tasks, coroutines and errors",
         "local function trash() return setmetatable({}, {__gc = function() error('x') end}) end\n"
         "for i = 1, 200 do async.spawn(function() trash() async.sleep(0) trash() end) end\n"
         "for i = 1, 200 do coroutine.wrap(function() trash() coroutine.yield() end)() end\n"
         "for i = 1, 200 do pcall(error, trash()) end collectgarbage() print('ok')", stdout="ok\n"),

    # ---- --timeout is hard ----------------------------------------------------------------------------
    Case("timeout inside a C pattern match", 'local s = string.rep("a", 3000) print(s:find(".-.-.-.-b"))',
         args=["--timeout", "1"], expect=4, within=2.0, stderr="time limit exceeded"),
    Case("timeout after debug.sethook() removed the hook", "debug.sethook() " + LOOP,
         args=["--timeout", "1"], expect=4, within=2.0, stderr="time limit exceeded"),
    Case("timeout when the script's hook has a huge count",
         "debug.sethook(function() end, '', 1 << 30) " + LOOP, args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout in a coroutine whose hook was removed",
         "coroutine.wrap(function() debug.sethook() " + LOOP + " end)()", args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout cannot be swallowed by pcall", "while true do pcall(function() " + LOOP + " end) end",
         args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout inside table.sort of many values",
         "local t = {} for i = 1, 3e6 do t[i] = (i * 7919) % 1000003 end\n"
         "while true do table.sort(t) table.sort(t, function(a, b) return a > b end) end",
         args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout inside json.encode of a large value",
         "local t = {} for i = 1, 2e5 do t[i] = {id = i, name = ('x'):rep(50)} end\nwhile true do json.encode(t) end",
         args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout inside a finalizer (hooks are off there)",
         "setmetatable({}, {__gc = function() " + LOOP + " end}) collectgarbage()",
         args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout while the state closes (a finalizer loops at exit)",
         "X = setmetatable({}, {__gc = function() " + LOOP + " end}) print('body done')",
         args=["--timeout", "1"], expect=4, within=2.5, stdout="body done\n"),
    Case("timeout while os.execute waits", 'os.execute("sleep 10")', args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout while io.read waits on a pipe nobody writes", "io.read()", args=["--timeout", "1"], expect=4, within=2.5,
         stdin=HOLD),
    Case("timeout inside a __tostring the runner calls to report an error",
         "error(setmetatable({}, {__tostring = function() " + LOOP + " end}))",
         args=["--timeout", "1"], expect=4, within=2.5),
    Case("timeout while a task sleeps", "async.sleep(30)", args=["--timeout", "1"], expect=4, within=2.5),

    # ---- signals stay effective -----------------------------------------------------------------------
    Case("SIGINT after debug.sethook() removed the hook", "debug.sethook() " + LOOP,
         expect=130, within=3.0, signal=(0.8, signal.SIGINT), stderr="interrupted"),
    Case("SIGINT inside a C pattern match", 'local s = string.rep("a", 3000) print(s:find(".-.-.-.-b"))',
         expect=130, within=3.0, signal=(0.8, signal.SIGINT)),
    Case("SIGINT while os.execute waits", 'os.execute("sleep 10")', expect=130, within=3.0, signal=(0.8, signal.SIGINT)),
    Case("SIGTERM in a Lua loop", LOOP, expect=143, within=3.0, signal=(0.8, signal.SIGTERM), stderr="terminated"),
    Case("SIGTERM while os.execute waits", 'os.execute("sleep 10")', expect=143, within=3.0, signal=(0.8, signal.SIGTERM)),
    Case("SIGINT while io.read waits on a pipe", "io.read()", expect=130, within=3.0, stdin=HOLD,
         signal=(0.8, signal.SIGINT)),
    Case("SIGINT inside a finalizer loop", "setmetatable({}, {__gc = function() " + LOOP + " end}) collectgarbage()",
         expect=130, within=3.0, signal=(0.8, signal.SIGINT)),
    Case("SIGINT while the state closes", "X = setmetatable({}, {__gc = function() " + LOOP + " end})",
         expect=130, within=3.0, signal=(0.8, signal.SIGINT)),
    Case("SIGTERM inside a C pattern match", 'local s = string.rep("a", 3000) print(s:find(".-.-.-.-b"))',
         expect=143, within=3.0, signal=(0.8, signal.SIGTERM)),
    Case("SIGTERM after the script replaced the hook", "debug.sethook(function() end, 'l') " + LOOP,
         expect=143, within=3.0, signal=(0.8, signal.SIGTERM)),
    Case("SIGTERM inside a finalizer loop", "setmetatable({}, {__gc = function() " + LOOP + " end}) collectgarbage()",
         expect=143, within=3.0, signal=(0.8, signal.SIGTERM)),

    # ---- --max-memory is hard -------------------------------------------------------------------------
    Case("memory past the limit, uncaught: exit 4", "local t = {} for i = 1, 1e8 do t[i] = i end",
         args=["--max-memory", "8"], expect=4, stderr="memory limit exceeded (--max-memory 8 MB)"),
    Case("memory past the limit inside pcall: caught, as in plain Lua",
         "local t = {}\nprint(pcall(function() for i = 1, 1e8 do t[i] = i end end))\nt = nil collectgarbage() print('after')",
         args=["--max-memory", "8"], stdout="false\tnot enough memory\nafter\n"),
    Case("memory past the limit in a task, raised through wait: exit 4",
         "async.spawn(function() local t = {} for i = 1, 1e8 do t[i] = i end end):wait()",
         args=["--max-memory", "8"], expect=4),
    Case("finalizers that allocate while memory is short",
         "for i = 1, 1000 do setmetatable({}, {__gc = function() local s = {} for j = 1, 1000 do s[j] = ('x'):rep(j) end end}) end\n"
         "local t = {} for i = 1, 1e8 do t[i] = {} end", args=["--max-memory", "8"], expect=4),
    Case("a huge string.rep is refused, not a crash", "local s = ('x'):rep(1 << 40)",
         args=["--max-memory", "64"], expect=1, stderr="resulting string too large"),
    Case("a string.rep past the limit", "local s = ('x'):rep(100 << 20)", args=["--max-memory", "64"], expect=4),
    Case("an error message pushed at the limit", "local t = {}\nlocal ok = pcall(function() for i = 1, 1e8 do t[i] = i end end)\n"
         "error(('e'):rep(100))", args=["--max-memory", "8"], expect=1, stderr="eeee"),

    # ---- errors keep their identity, and misbehaving ones are reported -------------------------------
    Case("an error table crosses wait and all as the same value",
         "local e = setmetatable({}, {__tostring = function() return 'mine' end})\n"
         "local ok, got = pcall(async.all, {function() error(e) end})\nprint(rawequal(got, e), tostring(got))\n"
         "local ok2, got2 = pcall(function() return async.spawn(error, e):wait() end)\nprint(rawequal(got2, e))\n"
         "local ok3, got3 = pcall(async.map, {1}, function() error(e) end)\nprint(rawequal(got3, e))",
         stdout="true\tmine\ntrue\ntrue\n"),
    Case("an API error crossing async.all prints as itself", "async.all{function() return bc.get('/v3/nope') end}",
         args=["--sandbox"], expect=1, stderr="404 Not Found: "),
    Case("an uncaught error whose __tostring raises", "error(setmetatable({}, {__tostring = function() error('again') end}))",
         expect=1, stderr="(error object is a table value)"),
    Case("an uncaught error whose __tostring answers a table",
         "error(setmetatable({}, {__tostring = function() return {} end}))", expect=1, stderr="(error object is a table value)"),
    Case("error(nil)", "error(nil)", expect=1, stderr="nil"),

    # ---- deep recursion into the host ----------------------------------------------------------------
    Case("recursion through __index into a Swift function",
         "local t = setmetatable({}, {__index = function(t, k) async.spawn(print) return t[k] end})\nprint(pcall(function() return t.x end))",
         stdout="false"),
    Case("recursion through __tostring while a Swift function reports an error",
         "local e = setmetatable({}, {}) getmetatable(e).__tostring = function() return tostring(e) end\n"
         "print(pcall(async.spawn, e))", stdout="false"),
    Case("a deeply nested table sent to a binding",
         "local t = {} local c = t for i = 1, 100000 do c.x = {} c = c.x end\nprint(pcall(json.encode, t))",
         stdout="false"),
    Case("Lua recursion to the stack limit around host calls",
         "local function r(n) if n == 0 then async.sleep(0) return 0 end return 1 + r(n - 1) end\n"
         "print(pcall(r, 1e7))", stdout="false"),
]

@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_torture(case, tmp_path):
    run_case(case, tmp_path)


def test_the_suite_has_at_least_40_cases():
    assert len(CASES) + len(EXTRA) >= 40


# ---- cases that need more than a script ------------------------------------------------------------

def hold_open(fifo, seconds=5):
    """Opens a FIFO for writing and writes nothing for a while (in the background)."""
    def hold():
        with open(fifo, "w"):
            time.sleep(seconds)
    threading.Thread(target=hold, daemon=True).start()


def timed(argv, within, expect, stdin=subprocess.DEVNULL, **kw):
    start = time.monotonic()
    p = subprocess.run(argv, stdin=stdin, capture_output=True, timeout=within + 20, **kw)
    elapsed = time.monotonic() - start
    assert p.returncode >= 0, f"killed by signal {-p.returncode}"
    assert p.returncode == expect, p.stderr.decode(errors="replace")[-2000:]
    assert elapsed < within, f"took {elapsed:.2f} s"
    return p


def test_script_from_a_fifo_nobody_writes_times_out(tmp_path):
    fifo = tmp_path / "script.fifo"
    os.mkfifo(fifo)
    hold_open(fifo)
    timed([BIN, "run", "--timeout", "1", str(fifo)], within=2.5, expect=4)


def test_script_from_dev_zero_ends_at_once():
    p = timed([BIN, "run", "--timeout", "5", "/dev/zero"], within=3.0, expect=1)
    assert b"unexpected symbol" in p.stderr


def test_endless_comment_from_a_pipe_times_out():
    # The parser keeps no comment text: a never-ending one costs time, not memory.
    p = subprocess.Popen([BIN, "run", "--timeout", "1", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    start = time.monotonic()
    p.stdin.write(b"--[[")
    try:
        while p.poll() is None and time.monotonic() - start < 10:
            p.stdin.write(b"x" * 65536)
    except BrokenPipeError:
        pass
    p.wait(timeout=10)
    assert p.returncode == 4
    assert time.monotonic() - start < 2.5


def test_endless_string_from_a_pipe_meets_the_memory_limit():
    p = subprocess.Popen([BIN, "run", "--max-memory", "8", "--timeout", "20", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(b"x = '")
    try:
        for _ in range(2000):
            p.stdin.write(b"y" * 65536)
    except BrokenPipeError:
        pass
    p.wait(timeout=20)
    assert p.returncode == 4, p.stderr.read()


def test_precompiled_chunk_is_refused(tmp_path):
    out = tmp_path / "chunk.luac"
    subprocess.run(["luac5.4", "-o", str(out), "-"], input=b"print('bytecode')", check=True)
    p = timed([BIN, "run", str(out)], within=5, expect=2)
    assert b"precompiled Lua chunk" in p.stderr


def test_sigint_while_the_script_is_read_from_a_fifo(tmp_path):
    fifo = tmp_path / "script.fifo"
    os.mkfifo(fifo)
    hold_open(fifo)
    p = subprocess.Popen([BIN, "run", str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.8)
    start = time.monotonic()
    p.send_signal(signal.SIGINT)
    p.wait(timeout=10)
    assert p.returncode == 130
    assert time.monotonic() - start < 1.5


EXTRA = [test_script_from_a_fifo_nobody_writes_times_out, test_script_from_dev_zero_ends_at_once,
         test_endless_comment_from_a_pipe_times_out, test_endless_string_from_a_pipe_meets_the_memory_limit,
         test_precompiled_chunk_is_refused, test_sigint_while_the_script_is_read_from_a_fifo]


# ---- memory exhaustion at every allocation of host calls -----------------------------------------
# STORESCRIPT_TEST_FAIL_ALLOC=N fails the Nth allocation of the run (and Lua's retry of it).
# Swept over N, every allocation of these scripts fails once: the run must end with an
# ordinary status (0: the failure was caught or harmless; 1: an error; 4: out of memory),
# never a signal, never a hang.

HOST_CALLS = """
local t = async.spawn(function(a, b) async.sleep(0) return a, b, {x = 1} end, 1, "two")
local a, b, c = t:wait()
local r = {async.all{function() return json.encode({1, 2, {y = "z"}}) end, function() return json.decode('{"k":[1,2,3]}') end}}
local m = async.map({1, 2, 3}, function(x) return x * 2 end, {concurrency = 2})
local ok, e = pcall(async.spawn, 42)
local co = coroutine.wrap(function() async.sleep(0) coroutine.yield(1) return 2 end)
co() co()
local ok2, e2 = pcall(function() return async.spawn(error, setmetatable({}, {__tostring = function() return "E" end})):wait() end)
log.info("done", {n = #m})
X = setmetatable({}, {__gc = function() async.sleep(0) end})
print(a, b, c.x, #r, m[3], ok, ok2, tostring(e2))
"""

BINDING_CALLS = """
local p = bc.catalog.products.list{limit = 2}
local one = bc.catalog.products.get(p[1].id)
local ok, e = pcall(bc.catalog.products.get, 999999)
local n = 0 for item in bc.catalog.brands.each{limit = 2} do n = n + 1 end
print(#p, one.id == p[1].id, ok, n > 0)
"""


def sweep(tmp_path, code, counts, args=()):
    script = tmp_path / "sweep.lua"
    script.write_text(code)
    seen = {}

    def one(n):
        p = subprocess.run([BIN, "run", *args, str(script)], capture_output=True, timeout=30,
                           env=dict(os.environ, HOME=str(tmp_path), STORESCRIPT_TEST_FAIL_ALLOC=str(n)))
        return n, p.returncode, p.stderr.decode(errors="replace")[-500:]

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=2) as pool:
        for n, rc, err in pool.map(one, counts):
            assert rc >= 0, f"allocation {n}: killed by signal {-rc}\n{err}"
            assert rc in (0, 1, 4), f"allocation {n}: exit {rc}\n{err}"
            seen[rc] = seen.get(rc, 0) + 1
    return seen


def test_every_allocation_of_host_calls_may_fail(tmp_path):
    seen = sweep(tmp_path, HOST_CALLS, range(1, 451))
    assert seen.get(4, 0) > 100 and seen.get(0, 0) > 10, seen  # both failures and recoveries happened


def test_every_allocation_of_binding_calls_may_fail(tmp_path):
    # The bindings' Lua is compiled at their first use (about 700 allocations), then the calls.
    seen = sweep(tmp_path, BINDING_CALLS, range(1, 1301, 4), args=["--sandbox"])
    assert seen.get(4, 0) > 20 and seen.get(0, 0) > 10, seen


EXTRA += [test_every_allocation_of_host_calls_may_fail, test_every_allocation_of_binding_calls_may_fail]


# ---- the four commands of the issue that asked for all this, as a new user typed them ------------

def test_the_four_commands_exit_as_documented(tmp_path):
    (tmp_path / "argv.lua").write_text('print(select("#", ...))\n')
    p = timed([BIN, "run", str(tmp_path / "argv.lua"), *[str(i) for i in range(1, 201)]], within=10, expect=0)
    assert p.stdout == b"200\n"
    timed([BIN, "-e", "local t = async.spawn(function() local r = {} for i = 1, 35 do r[i] = i end\n"
           "                return table.unpack(r) end) t:wait() collectgarbage()"], within=10, expect=0)
    p = timed([BIN, "run", "--timeout", "1", "-e", 'local s = string.rep("a", 3000) print(s:find(".-.-.-.-b"))'],
              within=2.0, expect=4)
    assert b"time limit exceeded (--timeout 1s)" in p.stderr
    p = timed([BIN, "run", "--timeout", "1", "-e", "debug.sethook() while true do end"], within=2.0, expect=4)
    assert b"time limit exceeded (--timeout 1s)" in p.stderr


EXTRA.append(test_the_four_commands_exit_as_documented)
