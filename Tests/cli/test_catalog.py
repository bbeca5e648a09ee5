"""The operation catalog is generated from the official OpenAPI files and names every
operation by the conventions' rule."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
TABLE = ROOT / "Sources" / "StoreAPI" / "OperationTable.swift"


def generated():
    rows = {}
    for line in TABLE.read_text().splitlines():
        f = line.split("\t")
        if len(f) == 14:
            rows[(f[0], f[1])] = f
    return rows


def test_committed_table_matches_a_fresh_generation():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate-catalog.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_names_match_the_conventions_tables():
    expected = {}
    for doc in [SHARED / "api" / "spec-operations.md", SHARED / "API-CONVENTIONS.md"]:
        for m in re.finditer(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| [^|]+ \| `([^`(]+)\(", doc.read_text(), re.M):
            expected[(m.group(1), m.group(2))] = m.group(3)
    shape = lambda m, p: (m, re.sub(r"\{[^}]*\}", "{}", p))
    names = {shape(*k): f[2] for k, f in generated().items()}
    wrong = {k: (names.get(shape(*k)), v) for k, v in expected.items() if names.get(shape(*k)) != v}
    assert not wrong
    assert len(expected) >= 270


def test_every_seed_operation_is_marked():
    seeds = [l.split("\t")[:2] for l in (SHARED / "api" / "seed-operations.tsv").read_text().splitlines()[1:]]
    shape = lambda m, p: (m, re.sub(r"\{[^}]*\}", "{}", p))
    marked = {shape(*k) for k, f in generated().items() if f[9] == "1"}
    assert len(seeds) == 149
    assert {shape(m, p) for m, p in seeds} == marked


def test_every_operation_of_the_management_api_is_named_as_all_operations_md():
    # Sections 1 and 1b of the conventions over both spec folders: 658 operations, which the
    # generated catalog holds (beside the seed-only and DigiCert operations).
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate-catalog.py"), "--names"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert r.stdout.strip().endswith("658 operations, 658 in all-operations.md, 0 named otherwise, 0 not listed")


def test_the_generated_catalog_names_every_row_of_all_operations_md():
    rows = re.findall(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| [^|]+ \| `([^`(]+)\(",
                      (SHARED / "api" / "all-operations.md").read_text(), re.M)
    table = generated()
    assert len(rows) == 658
    assert [(m, p, n) for m, p, n in rows if table.get((m, p), [None] * 3)[2] != n] == []
    assert len(table) == 658 + 3 + 9  # the seed operations the files no longer have, DigiCert's
