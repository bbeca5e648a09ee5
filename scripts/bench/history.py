#!/usr/bin/env python3
"""The REPL's history: seconds per line typed with a history at its largest (2,000 entries,
the size at which the next start trims it to 1,000) against an empty one, in the same run,
through a real pty. Before 0.6 the whole file was rewritten for every line (0.2 s a line at
300,000 entries). Prints one JSON line."""
import json
import os
import pathlib
import sys
import tempfile
import time

import pexpect

BIN = sys.argv[1] if len(sys.argv) > 1 else str(pathlib.Path(__file__).resolve().parents[2] / ".build" / "release" / "storescript")
LINES = 300


def per_line(entries):
    home = tempfile.mkdtemp()
    history = pathlib.Path(home) / ".local" / "state" / "storescript" / "history"
    history.parent.mkdir(parents=True)
    history.write_text("".join(f"x = {i}\n" for i in range(entries)))
    env = dict(os.environ, HOME=home, TERM="xterm", NO_COLOR="1")
    env.pop("XDG_STATE_HOME", None)
    repl = pexpect.spawn(BIN, ["repl", "--sandbox"], env=env, encoding="utf-8", timeout=30)
    repl.delaybeforesend = None
    repl.expect("\r\n> ")
    start = time.monotonic()
    for i in range(LINES):
        repl.sendline(f"y = {i}")
        repl.expect("\r\n> ")
    elapsed = time.monotonic() - start
    repl.sendeof()
    repl.expect(pexpect.EOF)
    return elapsed / LINES


empty, full = per_line(0), per_line(1999)
print(json.dumps({"benchmark": "repl_history", "lines": LINES, "empty_ms_per_line": round(empty * 1000, 2),
                  "full_ms_per_line": round(full * 1000, 2), "ratio": round(full / empty, 2)}))
