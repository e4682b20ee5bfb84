"""Read-only stores: `stats`, `history`, `export` and `fix` read a database in a directory
nobody may write (a read-only checkout, a cache restored read-only) and write nothing.

Tests run as root, whom file modes do not stop; ``chattr +i`` on the directory does
(``os.access`` says so too), so the directory is really read-only and the code path
for it (SQLite's ``immutable=1``) is the one taken.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_process import run, write_config
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.store import Store, readonly_uri


@pytest.fixture
def frozen() -> Iterator[list[Path]]:
    """Directories to make immutable (``frozen.append(d)`` after filling them)."""
    dirs: list[Path] = []
    yield dirs
    for d in dirs:
        subprocess.run(["chattr", "-i", str(d)], check=False)


def freeze(dirs: list[Path], directory: Path) -> None:
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode:
        pytest.skip("chattr +i not available here")
    dirs.append(directory)
    assert not os.access(directory, os.W_OK)


def state(directory: Path) -> dict[str, tuple[str, int]]:
    """Every file in ``directory`` with its bytes' hash and mtime."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(directory.iterdir())
    }


async def test_read_only_commands_work_in_a_read_only_directory(
    simweb, tmp_path: Path, frozen: list[Path]
):
    sc = Scenario()
    sc.host("site.example", default=b.ok(title="page"))
    sc.route("http://site.example/papers/old.pdf", b.redirect(301, "/papers/new.pdf"))
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    write_config(web, tmp_path, enrich=False)
    base = web.direct_base("site.example")
    (tmp_path / "README.md").write_text(
        f"- A [[paper]({base}/a)]\n- Moved [[paper]({base}/papers/old.pdf)]\n", encoding="utf-8"
    )
    code, _, err = await run(tmp_path, "check", "README.md", "--no-progress")
    assert code == 0, err
    cache = tmp_path / "cache"
    assert not (cache / "linkwatch.db-wal").exists()  # closed cleanly, WAL checkpointed
    freeze(frozen, cache)
    before = state(cache)

    code, out, err = await run(tmp_path, "stats", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["urls"] >= 2  # with the https twins of the http links
    code, out, err = await run(tmp_path, "history", f"{base}/a")
    assert code == 0, err
    assert "alive" in out
    code, out, err = await run(tmp_path, "export", "README.md")
    assert code == 0, err
    assert len(json.loads(out)) == 2
    code, out, err = await run(tmp_path, "fix", "README.md")
    assert code == 0, err
    assert f"+- Moved [[paper]({base}/papers/new.pdf)]" in out  # the stored redirect, as a patch
    assert state(cache) == before  # no byte, no mtime, no -shm or -wal file


def test_the_read_only_uri_follows_the_directory(tmp_path: Path, frozen: list[Path]):
    db = tmp_path / "store" / "linkwatch.db"
    Store.open(db).close()
    assert readonly_uri(db).endswith("?mode=ro")
    freeze(frozen, db.parent)
    assert readonly_uri(db).endswith("?immutable=1")
    before = state(db.parent)
    with Store.open(db, readonly=True) as store:
        assert store.stats()["urls"] == 0
    assert state(db.parent) == before
