"""The state module: durable stores a recipe keeps between runs (journals, cursors)."""
import subprocess


def test_values_keys_and_transactions_behave_as_documented(run, tmp_path):
    code = r"""
local s = state.open("things")
s:set("order", {id = 7, lines = {1, 2}, note = json.null, ok = true})
s:set("count", 3)
s:set("gone", "x") s:set("gone", nil)
print(s:get("order").id, #s:get("order").lines, s:get("order").note == json.null, s:get("count"), s:get("gone"))
print(table.concat(s:keys(), ","), table.concat(s:keys("co"), ","))
local ok, e = pcall(s.transaction, s, function(t) t:set("count", 4) error({code = 42}) end)
print(ok, type(e) == "table" and e.code, s:get("count"))
print(s:transaction(function(t)
  t:set("count", 5)
  async.sleep(0.01)          -- a transaction may wait for the host (a binding, a sleep)
  t:set("after_wait", true)
  return "done", 2
end))
print(s:get("count"), s:get("after_wait"), state.open("things") == s)
print(select(2, pcall(state.open, "../escape")))
print(select(2, pcall(s.set, s, 5, 1)))
print(select(2, pcall(s.set, s, "f", print)))
"""
    r = run("run", "--state-dir", str(tmp_path / "st"), "-e", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "7\t2\ttrue\t3\tnil",
        "count,order\tcount",
        "false\t42\t3",
        "done\t2",
        "5\ttrue\ttrue",
        "state.open: argument #1 (name) must be letters, digits, '-', '_' or '.', got ../escape",
        "store:set: argument #1 (key) expected string, got number",
        r.stdout.splitlines()[7],
    ]
    assert r.stdout.splitlines()[7] == 'store:set: argument #2 (value) of key "f" cannot be kept: a function cannot be kept'
    assert (tmp_path / "st" / "things.db").stat().st_mode & 0o777 == 0o600
    again = run("run", "--state-dir", str(tmp_path / "st"), "-e", 'print(state.open("things"):get("count"))')
    assert again.stdout == "5\n"


def test_processes_sharing_a_store_lose_no_update(bin_path, tmp_path):
    code = """
local s = state.open("shared")
for i = 1, 150 do
  s:transaction(function(t) t:set("n", (t:get("n") or 0) + 1) end)
end
"""
    cmd = [bin_path, "run", "--state-dir", str(tmp_path / "st"), "-e", code]
    # Four at once on a new store: they race to create it and to switch it to WAL, too.
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    r = subprocess.run([bin_path, "run", "--state-dir", str(tmp_path / "st"), "-e", 'print(state.open("shared"):get("n"))'],
                       capture_output=True, text=True, timeout=30)
    assert r.stdout == "600\n", r.stderr


def test_a_transaction_belongs_to_the_task_that_began_it(run, tmp_path):
    # Another task's plain set neither joins the transaction (rolled back with it) nor slips
    # inside it: it waits, then stands on its own.
    code = r"""
local s = state.open("t1")
local t = async.spawn(function()
  return pcall(s.transaction, s, function(tx) tx:set("k", 0) async.sleep(0.2) error("x") end)
end)
async.sleep(0.05)
s:set("k", 1)
print(async.wait(t), s:get("k"))
-- A transaction that returned stays; one of another task that raised keeps nothing.
local a = async.spawn(function() s:transaction(function(tx) tx:set("a", 1) async.sleep(0.1) end) end)
local b = async.spawn(function() async.sleep(0.02) pcall(s.transaction, s, function(tx) tx:set("b", 1) error("no") end) end)
a:wait() b:wait()
print(s:get("a"), s:get("b"))
-- A transaction whose task waits for another task that needs the store: refused, not a hang.
print(pcall(s.transaction, s, function(tx) tx:set("c", 1) return async.spawn(function() s:set("d", 1) end):wait() end))
print(s:get("c"), s:get("d"))
"""
    r = run("run", "--state-dir", str(tmp_path / "st"), "-e", code, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "false\t1", lines
    assert lines[1] == "1\tnil"
    assert lines[2].startswith("false\t(command line):15: state: the transaction on t1 belongs to a task that waits for this one")
    assert lines[3] == "nil\tnil"


def test_what_goes_in_comes_out_byte_for_byte_and_type_for_type(run, tmp_path):
    code = r"""
local s = state.open("exact")
s:set("a\0x", 1) s:set("a\0y", 2)
s:set("\255\254", "\0\255\128 bytes")
s:set("t", {[1] = "one", ["1"] = "string one", [2.5] = true, [-3] = false, n = json.null, list = json.array{}, big = math.maxinteger,
            f = 0.1, nested = {{1, 2}, {x = {y = "z"}}}})
local t = s:get("t")
print(s:get("a\0x"), s:get("a\0y"), s:get("\255\254") == "\0\255\128 bytes", #s:keys("a\0"))
print(t[1], t["1"], t[2.5], t[-3], t.n == json.null, json.is_array(t.list), t.big == math.maxinteger, t.f == 0.1,
      math.type(t.big), t.nested[2].x.y)
print(select(2, pcall(s.set, s, "fn", {inner = {print}})))
"""
    r = run("run", "--state-dir", str(tmp_path / "st"), "-e", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "1\t2\ttrue\t2",
        "one\tstring one\ttrue\tfalse\ttrue\ttrue\ttrue\ttrue\tinteger\tz",
        'store:set: argument #2 (value) of key "fn" cannot be kept: a function cannot be kept',
    ]


def test_any_size_is_an_error_the_script_catches_within_max_memory(bin_path, tmp_path):
    code = r"""
local s = state.open("big")
local ok, e = pcall(function() s:set("k", string.rep("x", SIZE)) end)
print(ok, e)
s:set("small", "still works") print(s:get("small"))
"""
    over = subprocess.run([bin_path, "run", "--state-dir", str(tmp_path / "st"), "-e", code.replace("SIZE", "1e9")],
                          capture_output=True, text=True, timeout=120)
    assert over.returncode == 0, over.stderr
    assert over.stdout.splitlines() == ['false\t(command line):3: store:set: argument #2 (value) of key "k" cannot be kept: '
                                        "it is over 67108864 bytes, the most a store keeps", "still works"]
    # Under --max-memory 50, 600 MB is refused at the limit. The peak is GNU time's: a child of
    # this (large) test process would count the memory it shared before exec.
    peak = tmp_path / "peak"
    limited = subprocess.run(["/usr/bin/time", "-o", str(peak), "-f", "%M", bin_path, "run", "--max-memory", "50",
                              "--state-dir", str(tmp_path / "st"), "-e", code.replace("SIZE", "600e6")],
                             capture_output=True, text=True, timeout=120)
    assert limited.returncode == 0, limited.stderr
    out = limited.stdout
    assert out.splitlines()[0].endswith("not enough memory") and out.splitlines()[1] == "still works", out
    assert int(peak.read_text().split()[-1]) / 1024 < 200, peak.read_text()  # MB: refused at the limit, not after a gigabyte


def test_an_older_stores_files_are_made_private_and_its_values_still_read(run, tmp_path):
    import os
    import sqlite3
    st = tmp_path / "st"
    st.mkdir()
    old = st / "legacy.db"
    with sqlite3.connect(old) as db:  # as storescript 0.5 wrote it: JSON text, mode 0644
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE entries(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        db.execute("INSERT INTO entries VALUES ('cursor', '{\"page\":3,\"ids\":[1,2]}')")
    os.chmod(old, 0o644)
    r = run("run", "--state-dir", str(st), "-e",
            'local s = state.open("legacy") local c = s:get("cursor") print(c.page, #c.ids, table.concat(s:keys(), ","))')
    assert r.returncode == 0, r.stderr
    assert r.stdout == "3\t2\tcursor\n"
    assert all(p.stat().st_mode & 0o077 == 0 for p in st.glob("legacy.db*"))
