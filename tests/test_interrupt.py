"""Ctrl-C during a check: exit 130, no traceback, what was checked is stored and reported."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

CHILD = """
import sys
from pathlib import Path
from linkwatch.cli import run_guarded, run_pipeline
from linkwatch.config import Settings
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.demo import background_simweb

work = Path(sys.argv[1])
sc = Scenario()
for h in range(5):
    sc.host(f"slow{h}.example", default=b.slow(0.3))
sc.host("reference.example", default=b.ok())
listing = work / "README.md"
listing.write_text("".join(
    f"- Entry {i} [[p](http://slow{i % 5}.example/{i})]\\n" for i in range(200)
))
settings = Settings(
    db=work / "cache" / "linkwatch.db", out=work / "reports", allow_private=True,
    enrich=False, host_spacing=0.0, per_host=1, reference_hosts=["http://reference.example/"],
)
with background_simweb(sc) as web:
    print("ready", flush=True)
    opts = {"no_progress": True, "quiet": False, "fmt": "text"}
    run_guarded(lambda: sys.exit(run_pipeline([listing], settings, web.network(), opts)))
"""


def test_ctrl_c_exits_130_and_keeps_what_was_checked(tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert 0 < report["summary"]["links"] < 200
    assert any("Interrupted" in note for note in report["notes"])
    conn = sqlite3.connect(tmp_path / "cache" / "linkwatch.db")
    try:
        [(outcome, checks)] = conn.execute(
            "SELECT outcome, (SELECT COUNT(*) FROM checks) FROM runs"
        ).fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert outcome == "interrupted" and checks == report["summary"]["links"]
