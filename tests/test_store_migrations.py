"""Schema versions: the committed v1 fixture migrates; a newer schema is refused untouched."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkwatch import store as store_mod
from linkwatch.config import Settings
from linkwatch.models import LinkResult, Verdict
from linkwatch.store import SCHEMA_VERSION, Store, StoreUnusable

FIXTURES = Path(__file__).parent / "fixtures" / "store"
V1 = FIXTURES / "v1.db"


def _v1_copy(tmp_path: Path) -> Path:
    path = tmp_path / "linkwatch.db"
    shutil.copyfile(V1, path)
    return path


def _schema(path: Path) -> dict[str, list[tuple]]:
    """Columns and indexes per table, independent of how the DDL text was written."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            t: [tuple(c[1:]) for c in conn.execute(f"PRAGMA table_info('{t}')")]
            + sorted(tuple(i[1:3]) for i in conn.execute(f"PRAGMA index_list('{t}')"))
            for t in tables
        }
    finally:
        conn.close()


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_fixture_is_schema_v1() -> None:
    assert _version(V1) == 1
    assert SCHEMA_VERSION > 1, "add a new fixture when migration 1 is the only one"


def test_v1_fixture_opens_and_migrates_keeping_history(tmp_path: Path) -> None:
    path = _v1_copy(tmp_path)
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == "ok"
        gone = store.url_state("https://example.org/gone")
        assert (gone["consecutive_failures"], gone["first_failed_at"]) == (
            2,
            "2026-11-20T03:01:00Z",
        )
        assert [h["verdict"] for h in store.history("https://example.org/gone")] == ["dead"] * 2
        # v2 backfilled the unverifiable streak from the checks of v1
        assert store.url_state("https://walled.example/x")["unverifiable_streak"] == 2
        assert store.validators(["https://example.org/alive"]) == {
            "https://example.org/alive": ('"v1"', None)
        }
        assert store.get_metadata("arxiv", ["2010.03045"])["2010.03045"][0]["title"]
        store.set_state("published", {"issue": 1})  # a v2 table
        with store.run_lock():
            run = store.begin_run(["README.md"], {})
            assert store.previous_run_results(run)["https://example.org/gone"].verdict == "dead"
            (out,) = store.record_results(
                run, [LinkResult("https://example.org/gone", Verdict.DEAD)]
            )
            store.finish_run(run, "completed", {})
        assert (out.consecutive_failures, out.first_failed_at) == (3, "2026-11-20T03:01:00Z")
        outcomes = [r["outcome"] for r in store.runs()]
        assert outcomes == ["completed", "interrupted", "completed", "completed"]
        checked = datetime(2026, 11, 22, 3, 1, tzinfo=UTC)
        cached = store.cached_results(
            ["https://walled.example/x"], checked + timedelta(hours=11), Settings()
        )
        assert "https://walled.example/x" in cached  # 6 h doubled once by the streak of 2


def test_migrated_schema_equals_a_fresh_one(tmp_path: Path) -> None:
    migrated = _v1_copy(tmp_path)
    Store.open(migrated).close()
    fresh = tmp_path / "fresh.db"
    Store.open(fresh).close()
    assert _schema(migrated) == _schema(fresh)


def test_fixture_script_rebuilds_the_committed_fixture(tmp_path: Path) -> None:
    """Migration 1 is frozen: rebuilding v1.db with the script gives the same database."""
    spec = importlib.util.spec_from_file_location("make_v1_db", FIXTURES / "make_v1_db.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = tmp_path / "v1.db"
    module.build(rebuilt)

    def dump(path: Path) -> list[str]:
        conn = sqlite3.connect(path)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()

    assert dump(rebuilt) == dump(V1)
    assert _version(rebuilt) == 1


def test_failed_migration_leaves_the_database_at_its_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _v1_copy(tmp_path)

    def broken(db: object) -> None:
        raise RuntimeError("migration bug")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, broken])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="migration bug"):
        Store.open(path)
    assert _version(path) == 1
    assert "state" not in _schema(path)  # v2's table rolled back with the rest
    monkeypatch.undo()
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION


@pytest.mark.parametrize("readonly", [False, True])
def test_newer_schema_is_refused_and_left_byte_identical(tmp_path: Path, readonly: bool) -> None:
    path = tmp_path / "linkwatch.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("INSERT INTO future VALUES (1)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(StoreUnusable, match="newer linkwatch") as exc:
        Store.open(path, readonly=readonly)
    assert exc.value.exit_code == 2 and "\n" not in str(exc.value)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkwatch.db"]


def test_newer_schema_in_wal_is_refused_after_connecting(tmp_path: Path) -> None:
    """The header may lag behind the WAL; the PRAGMA check catches it before any write."""
    path = tmp_path / "linkwatch.db"
    Store.open(path).close()
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    try:
        with pytest.raises(StoreUnusable, match="newer linkwatch"):
            Store.open(path)
    finally:
        writer.close()


def test_older_schema_is_not_migrated_read_only(tmp_path: Path) -> None:
    path = _v1_copy(tmp_path)
    with pytest.raises(StoreUnusable, match="run `linkwatch check` once"):
        Store.open(path, readonly=True)
    assert _version(path) == 1


def test_v3_backfills_full_text_search_and_keeps_it_in_sync(tmp_path: Path) -> None:
    """The v1 fixture's stored arXiv paper is searchable after the upgrade (sqlite-utils'
    own search), and papers stored later are indexed by the triggers."""
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    shutil.copyfile(V1, path)
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        paper = {"title": "Graph Widgets", "abstract": "We fold proteins with widgets."}
        store.put_metadata("arxiv", {"2101.00001": paper}, "2026-11-30T00:00:00Z")
        store.put_metadata("arxiv", {"2101.00001": {**paper, "abstract": "Now gadgets."}}, "x")
        store.put_metadata("s2", {"DOI:10.1/x": {"title": "Only In S2", "venue": "CVPR"}}, "x")
    db = Database(path)
    table = db["paper_text"]
    assert table.detect_fts() == "paper_text_fts"
    backfilled = [r["id"] for r in table.search("arxiv")]
    assert backfilled == ["2010.03045"]  # stored by v1, indexed by the migration
    assert [r["id"] for r in table.search("gadgets")] == ["2101.00001"]
    assert list(table.search("proteins")) == []  # the old abstract left the index
    assert [r["id"] for r in table.search("only")] == ["DOI:10.1/x"]
    views = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert {"papers", "repos", "link_status"} <= views
    assert {r["id"] for r in db.query("select id from papers")} >= {"2010.03045", "DOI:10.1/x"}
    db.close()
