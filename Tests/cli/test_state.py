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
    assert r.stdout.splitlines()[7].startswith("store:set: argument #2 (value) cannot be kept")
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
