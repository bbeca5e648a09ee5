"""The modules every script has besides bc and digicert: csv, time, progress, json's options,
log levels, and `storescript call` from the shell."""
import csv as pycsv
import io
import json
import subprocess


def lua(run, code, *args, **kw):
    r = run("run", *args, "-e", code, **kw)
    assert r.returncode == 0, r.stderr
    return r


def test_csv_reads_what_python_writes_and_python_reads_what_it_writes(run, tmp_path):
    rows = [{"sku": "A-1", "note": 'has, comma and "quotes"'}, {"sku": "B-2", "note": "two\nlines"}, {"sku": "C", "note": " padded "}]
    with open(tmp_path / "in.csv", "w", newline="") as f:
        w = pycsv.DictWriter(f, fieldnames=["sku", "note"])
        w.writeheader()
        w.writerows(rows)
    code = """
local out = csv.writer("out.csv", {header = {"sku", "note", "line"}})
for row in csv.rows("in.csv") do out:write{sku = row.sku, note = row.note, line = row._line} end
out:close()
local plain = csv.decode("a;b\\n1;2\\n", {separator = ";", header = false})
print(#plain, plain[2][2])
print(select(2, pcall(csv.decode, 'a\\n"open')))
"""
    r = lua(run, code, cwd=tmp_path)
    assert r.stdout.splitlines() == ["2\t2", "csv: the quoted field of line 2 is never closed"]
    back = list(pycsv.DictReader(open(tmp_path / "out.csv", newline="")))
    assert [(b["sku"], b["note"]) for b in back] == [(x["sku"], x["note"]) for x in rows]
    assert [b["line"] for b in back] == ["2", "3", "5"]


def test_csv_streams_a_large_file_in_bounded_memory(run, tmp_path):
    with open(tmp_path / "big.csv", "w") as f:
        f.write("sku,price\n")
        for i in range(200_000):
            f.write(f"SKU-{i},{i}.5\n")
    r = lua(run, 'local n, total = 0, 0 for row in csv.rows("big.csv") do n = n + 1 total = total + tonumber(row.price) end print(n, total)',
            "--max-memory", "16", cwd=tmp_path, timeout=120)
    n, total = r.stdout.split()
    assert n == "200000" and float(total) == sum(i + 0.5 for i in range(200_000))


def test_time_formats_parses_and_measures(run):
    r = lua(run, """
print(time.rfc3339(1796119200), time.rfc3339(1796119200.25))
print(time.parse("2026-12-01T10:00:00Z"), time.parse("2026-12-01T12:00:00+02:00"), time.parse("Tue, 01 Dec 2026 10:00:00 +0000"))
print(time.parse("2026-12-01"), time.parse("2026-12-01T10:00:00.5Z"))
print(time.duration(90061), time.duration(61), time.duration(0.042), time.parse_duration("1d2h"), time.parse_duration("1.5h"))
print(math.abs(time.now() - os.time()) < 2, time.since(time.now() - 1) >= 1)
print(select(2, pcall(time.parse, "yesterday")))
""")
    assert r.stdout.splitlines() == [
        "2026-12-01T10:00:00Z\t2026-12-01T10:00:00.250Z",
        "1796119200\t1796119200\t1796119200",
        "1796083200\t1796119200.5",
        "1d 1h\t1m 1s\t42ms\t93600\t5400.0",
        "true\ttrue",
        "time.parse: not an RFC 3339 or RFC 2822 time: yesterday",
    ]


def test_progress_draws_nothing_without_a_terminal(run):
    r = lua(run, 'local b = progress.new{total = 10, label = "x"} for i = 1, 10 do b:add() end print(b:done(), progress.enabled())')
    assert r.stdout.split()[0] == "10" and r.stdout.split()[-1] == "false" and r.stderr == ""


def test_json_encodes_indented_and_sorted_for_diffs(run):
    r = lua(run, 'print(json.encode({b = {2, 1}, a = {c = json.null}, e = {}}, {indent = 2, sort_keys = true}))')
    assert r.stdout == '{\n  "a": {\n    "c": null\n  },\n  "b": [\n    2,\n    1\n  ],\n  "e": {}\n}\n'
    r = run("run", "-e", 'print(pcall(json.encode, {}, {indent = 99}))')
    assert "options.indent must be an integer from 0 to 16" in r.stdout


def test_log_level_chooses_the_least_severe_line_shown(run):
    code = 'log.debug("d") log.info("i") log.warn("w") log.error("e")'
    levels = {lvl: [l.split()[1] for l in run("run", "--log-level", lvl, "-e", code).stderr.splitlines()]
              for lvl in ("debug", "info", "warn", "error")}
    assert levels == {"debug": ["DEBUG", "INFO", "WARN", "ERROR"], "info": ["INFO", "WARN", "ERROR"],
                      "warn": ["WARN", "ERROR"], "error": ["ERROR"]}
    bad = run("run", "--log-level", "loud", "-e", code)
    assert bad.returncode == 2 and "--log-level must be debug, info, warn or error" in bad.stderr


def test_call_prints_one_json_document_json_lines_or_a_json_error(run):
    r = run("call", "--sandbox", "bc.catalog.products.list", "limit=2", "is_visible=true")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 2
    one = run("call", "--sandbox", "bc.catalog.products.get", "3")
    assert json.loads(one.stdout)["id"] == 3
    made = run("call", "--sandbox", "bc.catalog.brands.create", "--data", '{"name": "Shell"}')
    assert json.loads(made.stdout)["name"] == "Shell"
    every = run("call", "--sandbox", "bc.catalog.products.list", "--all")
    assert [json.loads(line)["id"] for line in every.stdout.splitlines()] == list(range(1, 51))
    missing = run("call", "--sandbox", "bc.catalog.products.get", "999")
    assert missing.returncode == 1 and missing.stdout == ""
    err = json.loads(missing.stderr)["error"]
    assert (err["status"], err["method"], err["path"]) == (404, "GET", "/v3/catalog/products/999")
    typo = run("call", "--sandbox", "bc.catalog.prodcts.list")
    assert typo.returncode == 2 and "did you mean bc.catalog.products" in json.loads(typo.stderr)["error"]["title"]


def test_cron_lines_name_the_script_line_and_carry_what_a_log_system_needs(run, tmp_path):
    (tmp_path / "job.lua").write_text("local x = 1\nbc.catalog.products.get(999)\n")
    text = run("run", "--sandbox", "job.lua", cwd=tmp_path)
    assert text.returncode == 1
    assert text.stderr.splitlines()[0] == "storescript: job.lua:2: 404 Not Found: The requested resource was not found. (GET /v3/catalog/products/999)"
    js = run("run", "--sandbox", "--log-format", "json", "job.lua", cwd=tmp_path)
    line = json.loads(js.stderr.splitlines()[0])
    assert (line["level"], line["script"], line["status"], line["method"], line["path"]) == ("error", "job.lua", 404, "GET", "/v3/catalog/products/999")
    assert line["time"].endswith("Z") and line["msg"].startswith("job.lua:2: 404")
    verbose = run("run", "--sandbox", "--verbose", "-e", "bc.catalog.products.get(1)")
    first = verbose.stderr.splitlines()[0].split()
    assert first[0].endswith("Z") and first[1:4] == ["GET", "/v3/catalog/products/1", "200"]
