"""The SQLite store: result cache, history across runs, enrichment metadata, small state.

The only module that knows SQL. It sits on sqlite-utils (``Database`` over our own
connection, rows as dicts) so users can browse the same file with ``sqlite-utils``,
``sqlite3`` or datasette; docs/store.md documents every table. Writes are explicit
statements inside our own transactions, because sqlite-utils 3.x helpers commit
on their own and would split a batch.

Crash safety: WAL journal, every write in one ``BEGIN IMMEDIATE`` transaction, a
run row finished only at the end. ``synchronous=NORMAL`` is safe with WAL: a
power cut can lose the last few commits but never corrupts the file, and a
killed *process* loses nothing that was committed. Schema versions live in
``PRAGMA user_version``; ``MIGRATIONS`` run in order in one transaction, and a
file from a newer linkwatch is refused before anything touches it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from . import __version__
from .config import Settings
from .errors import LinkwatchError, find_error
from .models import ErrorCode, Link, LinkResult, RedirectKind, Verdict

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 5.0
LOCK_PROBE_S = 0.5  # how long a run waits for another program's write lock before exit 3
UNVERIFIABLE_TTL_CAP = 7 * 86400.0  # backoff of unverifiable re-checks stops growing here
CHUNK = 500  # parameters per IN (...) query, well below SQLite's limit
OCCURRENCE_RUNS_KEPT = 30  # occurrences are kept for the newest runs only
MIN_CHECKS_KEPT = 2  # the latest check and the one before: "since the last run"
INCOMPLETE_OUTCOMES = ("running", "interrupted", "network_down")
_SECRET_KEY = re.compile(r"token|secret|password|passwd|authorization|cookie|api_?key", re.I)

T = TypeVar("T")


class StoreError(LinkwatchError):
    """The store cannot do what was asked; ``str()`` is one line for the user."""

    exit_code = 3


class StoreBusy(StoreError):
    """Another run holds the database (run lock), or another program a SQLite lock."""

    exit_code = 3


class StoreUnusable(StoreError):
    """The file cannot be used as a linkwatch store (input error unless ``exit_code`` says)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message, exit_code)


class StoreCorrupt(StoreUnusable):
    """The file or a row in it is damaged: retrying will not help (exit 2)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"{path} is corrupt ({detail}); move it away and a fresh cache is started", 2
        )


# ------------------------------------------------------------------ schema


def _v1(db: Database) -> None:
    """The first schema: runs, urls, checks, occurrences, metadata. Never edit: it is
    what tests/fixtures/store/v1.db was built with."""
    _script(
        db,
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'running',
            files TEXT NOT NULL,
            options TEXT NOT NULL,
            summary TEXT,
            linkwatch_version TEXT,
            pid INTEGER,
            hostname TEXT
        );
        CREATE TABLE urls (
            url TEXT PRIMARY KEY,
            kind TEXT,
            verdict TEXT,
            checked_at TEXT,
            last_check_id INTEGER,
            first_failed_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            etag TEXT,
            last_modified TEXT
        );
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            url TEXT NOT NULL REFERENCES urls(url),
            verdict TEXT NOT NULL,
            status INTEGER,
            error TEXT,
            reason TEXT NOT NULL DEFAULT '',
            final_url TEXT,
            redirect_kind TEXT,
            chain TEXT NOT NULL DEFAULT '[]',
            attempts INTEGER NOT NULL DEFAULT 0,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            checked_at TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '[]',
            first_failed_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX checks_url ON checks(url, id);
        CREATE INDEX checks_run ON checks(run_id);
        CREATE TABLE occurrences (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            url TEXT NOT NULL,
            raw_url TEXT NOT NULL,
            file TEXT NOT NULL,
            line INTEGER NOT NULL,
            "column" INTEGER NOT NULL,
            section TEXT NOT NULL DEFAULT '',
            entry TEXT,
            label TEXT NOT NULL DEFAULT '',
            kind TEXT,
            target TEXT
        );
        CREATE INDEX occurrences_run_url ON occurrences(run_id, url);
        CREATE TABLE metadata (
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (source, key)
        );
        """,
    )


def _v2(db: Database) -> None:
    """State for ``publish`` (issue 9), backoff of unverifiable re-checks, verdict index."""
    _script(
        db,
        """
        CREATE TABLE state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        ALTER TABLE urls ADD COLUMN unverifiable_streak INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX urls_verdict ON urls(verdict);
        """,
    )
    db.execute(_STREAK_SQL + " WHERE verdict = 'unverifiable'")


def _script(db: Database, sql: str) -> None:
    """Statement by statement: ``executescript`` would COMMIT the migration's transaction
    in sqlite-utils 3.x and in the sqlite3 module."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


# trailing run of unverifiable checks per URL, recomputed from the checks table
_STREAK_SQL = """
UPDATE urls SET unverifiable_streak = (
    SELECT COUNT(*) FROM checks c
    WHERE c.url = urls.url AND c.verdict = 'unverifiable' AND c.id > COALESCE(
        (SELECT MAX(d.id) FROM checks d
         WHERE d.url = urls.url AND d.verdict NOT IN ('unverifiable', 'excluded')), 0)
)"""


def _v3(db: Database) -> None:
    """Browsable store (issue 17): metadata history per run, typed views over the JSON in
    ``metadata``, full-text search over paper titles and abstracts kept in sync by
    triggers (the layout ``sqlite-utils enable-fts --create-triggers`` makes, so
    ``sqlite-utils search`` and datasette find it), occurrences by URL."""
    for statement in _V3:
        db.execute(statement)
    db.execute(
        "INSERT INTO paper_text (id, title, abstract) SELECT key, json_extract(value, '$.title'), "
        "json_extract(value, '$.abstract') FROM metadata WHERE source = 'arxiv' AND value != 'null'"
    )


_PAPER_TEXT_UPSERT = """
    INSERT INTO paper_text (id, title, abstract) VALUES (
        new.key, json_extract(new.value, '$.title'), json_extract(new.value, '$.abstract'))
    ON CONFLICT (id) DO UPDATE SET title = excluded.title, abstract = excluded.abstract;"""
# arXiv papers, and S2 papers that are not on arXiv (their ids are DOI:/URL:/TITLE: keys)
_PAPER_TEXT_WHEN = (
    "(new.source = 'arxiv' OR (new.source = 's2' AND new.key NOT LIKE 'ARXIV:%')) "
    "AND new.value != 'null'"
)
_V3 = [
    """CREATE TABLE metadata_history (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        recorded_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        stars INTEGER,
        forks INTEGER,
        archived INTEGER,
        pushed_at TEXT,
        citations INTEGER
    )""",
    "CREATE INDEX metadata_history_key ON metadata_history(kind, key, recorded_at)",
    "CREATE INDEX occurrences_url ON occurrences(url, run_id)",
    "CREATE TABLE paper_text (id TEXT PRIMARY KEY, title TEXT, abstract TEXT)",
    "CREATE VIRTUAL TABLE [paper_text_fts] USING FTS5 ([title], [abstract], content=[paper_text])",
    """CREATE TRIGGER [paper_text_ai] AFTER INSERT ON [paper_text] BEGIN
        INSERT INTO [paper_text_fts] (rowid, [title], [abstract])
        VALUES (new.rowid, new.[title], new.[abstract]);
    END""",
    """CREATE TRIGGER [paper_text_ad] AFTER DELETE ON [paper_text] BEGIN
        INSERT INTO [paper_text_fts] ([paper_text_fts], rowid, [title], [abstract])
        VALUES ('delete', old.rowid, old.[title], old.[abstract]);
    END""",
    """CREATE TRIGGER [paper_text_au] AFTER UPDATE ON [paper_text] BEGIN
        INSERT INTO [paper_text_fts] ([paper_text_fts], rowid, [title], [abstract])
        VALUES ('delete', old.rowid, old.[title], old.[abstract]);
        INSERT INTO [paper_text_fts] (rowid, [title], [abstract])
        VALUES (new.rowid, new.[title], new.[abstract]);
    END""",
    f"""CREATE TRIGGER metadata_paper_text_ai AFTER INSERT ON metadata
        WHEN {_PAPER_TEXT_WHEN} BEGIN {_PAPER_TEXT_UPSERT} END""",
    f"""CREATE TRIGGER metadata_paper_text_au AFTER UPDATE ON metadata
        WHEN {_PAPER_TEXT_WHEN} BEGIN {_PAPER_TEXT_UPSERT} END""",
    """CREATE VIEW papers AS
    SELECT a.key AS id,
        json_extract(a.value, '$.title') AS title,
        json_extract(s.value, '$.venue') AS venue,
        json_extract(s.value, '$.year') AS year,
        json_extract(s.value, '$.citations') AS citations,
        COALESCE(json_extract(s.value, '$.doi'), json_extract(a.value, '$.doi')) AS doi,
        json_extract(s.value, '$.venue_full') AS venue_full,
        json_extract(a.value, '$.journal_ref') AS journal_ref,
        a.fetched_at AS fetched_at
    FROM metadata a
    LEFT JOIN metadata s ON s.source = 's2' AND s.key = 'ARXIV:' || a.key AND s.value != 'null'
    WHERE a.source = 'arxiv' AND a.value != 'null'
    UNION ALL
    SELECT s.key, json_extract(s.value, '$.title'), json_extract(s.value, '$.venue'),
        json_extract(s.value, '$.year'), json_extract(s.value, '$.citations'),
        json_extract(s.value, '$.doi'), json_extract(s.value, '$.venue_full'), NULL,
        s.fetched_at
    FROM metadata s
    WHERE s.source = 's2' AND s.value != 'null' AND NOT EXISTS (
        SELECT 1 FROM metadata a
        WHERE a.source = 'arxiv' AND 'ARXIV:' || a.key = s.key AND a.value != 'null')""",
    """CREATE VIEW repos AS
    SELECT json_extract(value, '$.meta.full_name') AS full_name,
        json_extract(value, '$.meta.stars') AS stars,
        json_extract(value, '$.meta.forks') AS forks,
        json_extract(value, '$.meta.archived') AS archived,
        json_extract(value, '$.meta.pushed_at') AS pushed_at,
        json_extract(value, '$.meta.license') AS license,
        json_extract(value, '$.meta.description') AS description,
        key AS linked_as,
        fetched_at
    FROM metadata WHERE source = 'github' AND json_extract(value, '$.status') = 'ok'""",
    """CREATE VIEW link_status AS
    SELECT u.url, u.verdict, c.reason, c.status, u.consecutive_failures, u.first_failed_at,
        u.checked_at, o.file, o.line, o.entry, o.raw_url, o.kind
    FROM urls u
    LEFT JOIN checks c ON c.id = u.last_check_id
    LEFT JOIN occurrences o ON o.url = u.url
        AND o.run_id = (SELECT MAX(run_id) FROM occurrences WHERE url = u.url)""",
]


def _v4(db: Database) -> None:
    """Failures seen by a run that never finished (killed): provisional evidence that
    the next run confirms or drops (issue 12)."""
    _script(
        db,
        """
        CREATE TABLE provisional (
            url TEXT PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            verdict TEXT NOT NULL,
            status INTEGER,
            error TEXT,
            reason TEXT NOT NULL DEFAULT '',
            final_url TEXT,
            redirect_kind TEXT,
            chain TEXT NOT NULL DEFAULT '[]',
            attempts INTEGER NOT NULL DEFAULT 0,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            checked_at TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '[]'
        );
        """,
    )


MIGRATIONS: list[Callable[[Database], None]] = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


# ------------------------------------------------------------------ helpers


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(items: list[Any]) -> str:
    return ",".join("?" * len(items))


def scrub_secrets(value: Any) -> Any:
    """Drop keys that name credentials, at any depth, so run options never hold a token."""
    if isinstance(value, Mapping):
        return {
            str(k): scrub_secrets(v)
            for k, v in value.items()
            if not (_SECRET_KEY.search(str(k)) and isinstance(v, str))
        }
    if isinstance(value, list | tuple):
        return [scrub_secrets(v) for v in value]
    return value


def header_user_version(path: Path) -> int | None:
    """``user_version`` from the file header (bytes 60-63), read without opening SQLite,
    so a newer file can be refused without touching it. None: not a SQLite file."""
    with path.open("rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return None
    return int.from_bytes(head[60:64], "big", signed=True)


def translate(exc: BaseException, path: Path) -> StoreError:
    """Every sqlite3/OS error becomes a StoreError with one line for the user (one place)."""
    if isinstance(exc, StoreError):
        return exc
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = text.lower()
    if isinstance(exc, sqlite3.Error):
        if "could not decode" in low:  # the message quotes the raw bytes: never show them
            column = re.search(r"column '([^']*)'", text)
            where = f"column {column.group(1)!r}" if column else "a text column"
            return StoreCorrupt(path, f"{where} holds bytes that are not UTF-8")
        if "locked" in low or "busy" in low:
            return StoreBusy(f"{path} is locked by another process")
        if "full" in low:
            return StoreUnusable(f"disk full while writing {path}", exit_code=3)
        if "disk i/o" in low:
            return StoreUnusable(
                f"cannot write {path}: disk I/O error (disk full or file size limit?)", 3
            )
        if "readonly" in low or "read-only" in low:
            return StoreUnusable(f"{path} is read-only")
        if "not a database" in low or "file is encrypted" in low:
            return StoreUnusable(f"{path} is not a SQLite database")
        if "malformed" in low or "corrupt" in low:
            return StoreCorrupt(path, text)
        if "unable to open" in low:
            return StoreUnusable(f"cannot open {path} (missing directory or no permission)")
        return StoreError(f"database error on {path}: {text}")
    if isinstance(exc, OSError):
        reason = exc.strerror or text
        return StoreUnusable(
            f"cannot use {path}: {reason}", 3 if exc.errno in (errno.ENOSPC, errno.EFBIG) else 2
        )
    return StoreError(f"{path}: {text}")


def _result_from_row(row: Mapping[str, Any], *, cached: bool = False) -> LinkResult:
    return LinkResult(
        url=row["url"],
        verdict=Verdict(row["verdict"]),
        status=row["status"],
        final_url=row["final_url"],
        redirect_kind=RedirectKind(row["redirect_kind"]) if row["redirect_kind"] else None,
        error=ErrorCode(row["error"]) if row["error"] else None,
        reason=row["reason"],
        attempts=row["attempts"],
        checked_at=row["checked_at"],
        duration_ms=row["duration_ms"],
        chain=[(int(s), str(u)) for s, u in json.loads(row["chain"])],
        etag=row.get("etag"),
        last_modified=row.get("last_modified"),
        cached=cached,
        first_failed_at=row["first_failed_at"],
        consecutive_failures=row["consecutive_failures"],
        notes=list(json.loads(row["notes"])),
    )


# ------------------------------------------------------------------ the store

_CHECK_COLUMNS = (
    "c.id, c.run_id, c.url, c.verdict, c.status, c.error, c.reason, c.final_url, "
    "c.redirect_kind, c.chain, c.attempts, c.duration_ms, c.checked_at, c.notes"
)


class Store:
    """One open linkwatch database. Methods are thread-safe (one lock around the
    connection), so enrichers in worker threads may share it with the pipeline."""

    def __init__(self, path: Path, conn: sqlite3.Connection, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self._conn = conn
        self.db = Database(conn, execute_plugins=False)
        self._mutex = threading.RLock()
        self._lock_fd: int | None = None
        self._undo: _Undo | None = None  # while the run lock is held: what the run changed

    # ---------------------------------------------------------- open / close

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Store:
        """Open (creating it unless ``readonly``) and migrate; raise StoreError subclasses."""
        path = Path(path)
        try:
            return cls._open(path, readonly)
        except (sqlite3.Error, OSError) as exc:
            raise translate(exc, path) from None

    @classmethod
    def _open(cls, path: Path, readonly: bool) -> Store:
        if path.is_dir():
            raise StoreUnusable(f"--db {path} is a directory, not a database file")
        exists = path.exists()
        if exists and path.stat().st_size > 0:
            version = header_user_version(path)
            if version is None:
                raise StoreUnusable(f"{path} is not a SQLite database; refusing to touch it")
            _refuse_newer(path, version)
        if readonly:
            if not exists:
                raise StoreUnusable(f"no linkwatch database at {path} (run linkwatch check)")
            conn = sqlite3.connect(
                readonly_uri(path),
                uri=True,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
        else:
            if exists and not os.access(path, os.W_OK):
                raise StoreUnusable(f"{path} is read-only")
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        store = cls(path, conn, readonly)
        try:
            store._prepare()
        except BaseException:
            conn.close()
            raise
        return store

    def _prepare(self) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        _refuse_newer(self.path, version)
        problem = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0]).splitlines()[0]
        if problem != "ok":
            raise StoreUnusable(
                f"{self.path} is corrupt ({problem}); move it away and a fresh cache is started"
            )
        if version == 0 and conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
            raise StoreUnusable(f"{self.path} is a SQLite database but not linkwatch's")
        if self.readonly:
            if version != SCHEMA_VERSION:
                raise StoreUnusable(
                    f"{self.path} has schema v{version}; run `linkwatch check` once to "
                    f"upgrade it to v{SCHEMA_VERSION}"
                )
            return
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("%s: journal mode %s (WAL unavailable)", self.path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            self._migrate()

    def _migrate(self) -> None:
        with self._write():
            # re-read inside the write lock: another process may have migrated meanwhile
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            _refuse_newer(self.path, version)
            for number in range(version + 1, SCHEMA_VERSION + 1):
                log.info("%s: migrating schema to v%d", self.path, number)
                MIGRATIONS[number - 1](self.db)
                self._conn.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        with self._mutex:
            self._release_lock()
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._read(lambda: self._conn.execute("PRAGMA user_version").fetchone()[0])

    # ---------------------------------------------------------- transactions

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction (all or nothing); errors → StoreError."""
        if self.readonly:
            raise StoreUnusable(f"{self.path} is open read-only")
        with self._mutex:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise translate(exc, self.path) from None

    def _read(self, fn: Callable[[], T]) -> T:
        with self._mutex:
            try:
                return fn()
            except (sqlite3.Error, OSError) as exc:
                raise translate(exc, self.path) from None

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return self._read(lambda: list(self.db.query(sql, list(params))))

    def _decode(self, row: Mapping[str, Any], *, cached: bool = False) -> LinkResult:
        """A stored check as a result; a row that cannot be one means a corrupt file."""
        try:
            return _result_from_row(row, cached=cached)
        except (ValueError, TypeError, KeyError) as exc:
            raise StoreCorrupt(
                self.path, f"checks row {row.get('id')} cannot be read: {type(exc).__name__}"
            ) from None

    def _loads(self, text: Any, table: str) -> Any:
        """JSON stored in ``table``; garbage there means a corrupt file (never echoed)."""
        try:
            return json.loads(text)
        except (ValueError, TypeError):
            raise StoreCorrupt(self.path, f"a {table} row holds invalid JSON") from None

    # ---------------------------------------------------------- run lock

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        """One run at a time per database: ``flock`` on ``<db>.lock``. The OS drops the
        lock when the holder dies, so a killed run never leaves a stale lock behind."""
        if self.readonly:
            raise StoreUnusable(f"{self.path} is open read-only")
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise translate(exc, lock_path) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise StoreBusy(
                f"another linkwatch run holds {self.path}" + (f" ({holder})" if holder else "")
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {utc_now()}".encode(), 0)
        self._lock_fd = fd
        try:
            self._probe_write_lock()
            self._undo = _Undo()
            yield
        except BaseException as exc:
            error = find_error(exc)
            if error is not None and error.exit_code in (2, 3):
                self._roll_back()  # exit 2 or 3 leaves the store as it was
            raise
        finally:
            self._undo = None
            self._release_lock()

    def _probe_write_lock(self) -> None:
        """Take SQLite's write lock once, briefly: a lock another program holds (sqlite3,
        datasette, a backup) is found before any request, not after the network work."""
        with self._mutex:
            self._conn.execute(f"PRAGMA busy_timeout = {int(LOCK_PROBE_S * 1000)}")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                low = str(exc).lower()
                if "locked" not in low and "busy" not in low:
                    raise translate(exc, self.path) from None
                holders = lock_holders([self.path, Path(f"{self.path}-shm")])
                who = f" ({', '.join(holders)})" if holders else ""
                raise StoreBusy(
                    f"{self.path} is locked by another process{who}, not a linkwatch run; "
                    "close the program that is writing to it and retry"
                ) from None
            finally:
                self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    def _roll_back(self) -> None:
        """Undo what this run wrote (its rows, URL states, metadata, runs it marked
        interrupted). Best effort: with the disk truly full even this may fail."""
        undo = self._undo
        if undo is None:
            return
        try:
            with self._write():
                if undo.run_id is not None:
                    self._discard_rows(undo.run_id)
                for url, row in undo.urls.items():
                    if row is None:  # new with this run: its checks are gone with it
                        self._conn.execute(
                            "DELETE FROM urls WHERE url = ? AND url NOT IN "
                            "(SELECT url FROM checks)",
                            (url,),
                        )
                        continue
                    cols = [c for c in row if c != "url"]
                    self._conn.execute(
                        f"UPDATE urls SET {', '.join(f'{c} = ?' for c in cols)} WHERE url = ?",
                        [*(row[c] for c in cols), url],
                    )
                for (source, key), old in undo.metadata.items():
                    self._conn.execute(
                        "DELETE FROM metadata WHERE source = ? AND key = ?", (source, key)
                    )
                    if old is not None:
                        self._conn.execute(
                            "INSERT INTO metadata (source, key, value, fetched_at) "
                            "VALUES (?, ?, ?, ?)",
                            (source, key, *old),
                        )
                for part in _chunks(undo.marked_interrupted):
                    self._conn.execute(
                        f"UPDATE runs SET outcome = 'running' WHERE id IN ({_marks(part)})", part
                    )
        except StoreError as exc:  # a full disk: what it committed stays an unfinished run
            log.info("%s: could not undo the failed run: %s", self.path, exc)
        self._undo = _Undo()

    def _release_lock(self) -> None:
        # the lock file itself stays: unlinking it would let two processes lock
        # different inodes of the same name
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
            os.close(self._lock_fd)
            self._lock_fd = None

    # ---------------------------------------------------------- runs

    def begin_run(self, files: list[str], options: dict[str, Any]) -> int:
        """A new run row (outcome ``running``). Runs still ``running`` were killed:
        they become ``interrupted`` (we hold the run lock, so none is alive)."""
        if self._lock_fd is None:
            raise StoreError("begin_run needs the run lock (use `with store.run_lock():`)")
        with self._write():
            killed = [
                r[0] for r in self._conn.execute("SELECT id FROM runs WHERE outcome = 'running'")
            ]
            self._conn.execute("UPDATE runs SET outcome = 'interrupted' WHERE outcome = 'running'")
            cur = self._conn.execute(
                "INSERT INTO runs (started_at, outcome, files, options, linkwatch_version, "
                "pid, hostname) VALUES (?, 'running', ?, ?, ?, ?, ?)",
                (
                    utc_now(),
                    json.dumps(list(files)),
                    json.dumps(scrub_secrets(options), default=str, sort_keys=True),
                    __version__,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
        run_id = int(cur.lastrowid or 0)
        if self._undo is not None:
            self._undo.run_id = run_id
            self._undo.marked_interrupted += killed
        return run_id

    def finish_run(
        self, run_id: int, outcome: str, summary: dict[str, Any], *, keep_checks: int = 0
    ) -> None:
        """Close a run. ``interrupted``/``network_down`` runs keep ``finished_at`` empty, so
        they never count as the "last run" of history comparisons. ``keep_checks`` > 0
        prunes the history of the URLs this run checked in the same transaction."""
        finished = None if outcome in INCOMPLETE_OUTCOMES else utc_now()
        with self._write():
            self._conn.execute(
                "UPDATE runs SET outcome = ?, finished_at = ?, summary = ? WHERE id = ?",
                (outcome, finished, json.dumps(summary, default=str, sort_keys=True), run_id),
            )
            if keep_checks > 0:
                self._prune_checks(run_id, max(keep_checks, MIN_CHECKS_KEPT))

    def _prune_checks(self, run_id: int, keep: int) -> None:
        """Per URL checked by ``run_id``: keep the newest ``keep`` checks and the newest
        ``keep`` verdict changes (a URL's first check counts as one); drop the rest. The
        failure streak lives in ``urls``, so ``--fail-after`` never needs old rows; a URL
        then holds at most ``2 × keep`` checks however many nights it is watched."""
        self._conn.execute(
            """
            DELETE FROM checks WHERE id IN (
                SELECT id FROM (
                    SELECT id, newest, change, SUM(change) OVER (
                        PARTITION BY url ORDER BY id DESC ROWS UNBOUNDED PRECEDING
                    ) AS change_rank
                    FROM (
                        SELECT id, url,
                            ROW_NUMBER() OVER (PARTITION BY url ORDER BY id DESC) AS newest,
                            (LAG(verdict) OVER (PARTITION BY url ORDER BY id)
                                IS NOT verdict) AS change
                        FROM checks
                        WHERE url IN (SELECT url FROM checks WHERE run_id = ?)
                    )
                )
                WHERE newest > ? AND NOT (change AND change_rank <= ?)
            )
            """,
            (run_id, keep, keep),
        )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit])
        for row in rows:
            for key in ("files", "options", "summary"):
                row[key] = self._loads(row[key], "runs") if row[key] else None
        return rows

    # ---------------------------------------------------------- results

    def record_results(
        self,
        run_id: int,
        results: list[LinkResult],
        kinds: Mapping[str, str] | None = None,
    ) -> list[LinkResult]:
        """Store one batch of fresh checks in one transaction and return the results with
        their history fields filled. DEAD counts a failure; ALIVE/REDIRECT reset the count;
        UNVERIFIABLE/EXCLUDED leave it alone. Cached results only get history fields."""
        kinds = kinds or {}
        out: list[LinkResult] = []
        with self._write():
            state = self._url_rows([r.url for r in results])
            if self._undo is not None:
                for result in results:
                    self._undo.urls.setdefault(result.url, state.get(result.url))
            earlier = self._take_provisional(run_id, [r.url for r in results if not r.cached])
            # (run, result, returned): a failure a killed run saw is confirmed by a new one
            batch: list[tuple[int, LinkResult, bool]] = []
            for result in results:
                seen = earlier.get(result.url)
                if seen is not None and not result.cached and result.verdict is Verdict.DEAD:
                    batch.append((*seen, False))
                batch.append((run_id, result, True))
            for check_run, result, returned in batch:
                row = state.get(result.url)
                if result.cached:
                    out.append(_with_history(result, row))
                    continue
                checked_at = result.checked_at or utc_now()
                failures = row["consecutive_failures"] if row else 0
                first_failed = row["first_failed_at"] if row else None
                streak = row["unverifiable_streak"] if row else 0
                etag = row["etag"] if row else None
                modified = row["last_modified"] if row else None
                verdict = result.verdict
                if verdict is Verdict.DEAD:
                    failures += 1
                    first_failed = first_failed or checked_at
                    etag = modified = None
                elif verdict in (Verdict.ALIVE, Verdict.REDIRECT):
                    failures, first_failed = 0, None
                    etag, modified = result.etag, result.last_modified
                streak = streak + 1 if verdict is Verdict.UNVERIFIABLE else 0
                kind = kinds.get(result.url) or (row["kind"] if row else None)
                self._conn.execute(
                    "INSERT INTO urls (url, kind) VALUES (?, ?) ON CONFLICT(url) DO NOTHING",
                    (result.url, kind),
                )
                cur = self._conn.execute(
                    "INSERT INTO checks (run_id, url, verdict, status, error, reason, "
                    "final_url, redirect_kind, chain, attempts, duration_ms, checked_at, "
                    "notes, first_failed_at, consecutive_failures) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        check_run,
                        result.url,
                        verdict.value,
                        result.status,
                        result.error.value if result.error else None,
                        result.reason,
                        result.final_url,
                        result.redirect_kind.value if result.redirect_kind else None,
                        json.dumps([list(hop) for hop in result.chain]),
                        result.attempts,
                        result.duration_ms,
                        checked_at,
                        json.dumps(result.notes),
                        first_failed,
                        failures,
                    ),
                )
                self._conn.execute(
                    "UPDATE urls SET kind = ?, verdict = ?, checked_at = ?, last_check_id = ?, "
                    "first_failed_at = ?, consecutive_failures = ?, unverifiable_streak = ?, "
                    "etag = ?, last_modified = ? WHERE url = ?",
                    (
                        kind,
                        verdict.value,
                        checked_at,
                        cur.lastrowid,
                        first_failed,
                        failures,
                        streak,
                        etag,
                        modified,
                        result.url,
                    ),
                )
                new_row = {
                    "consecutive_failures": failures,
                    "first_failed_at": first_failed,
                    "unverifiable_streak": streak,
                    "etag": etag,
                    "last_modified": modified,
                    "kind": kind,
                }
                state[result.url] = new_row
                if returned:
                    out.append(
                        replace(
                            result,
                            checked_at=checked_at,
                            first_failed_at=first_failed,
                            consecutive_failures=failures,
                        )
                    )
        return out

    def record_provisional(self, run_id: int, results: list[LinkResult]) -> None:
        """Failures of a running run, kept in case it is killed before it may record them
        (its network-down check comes at the end). The first observation of a URL stays."""
        rows = [
            (
                result.url,
                run_id,
                result.verdict.value,
                result.status,
                result.error.value if result.error else None,
                result.reason,
                result.final_url,
                result.redirect_kind.value if result.redirect_kind else None,
                json.dumps([list(hop) for hop in result.chain]),
                result.attempts,
                result.duration_ms,
                result.checked_at or utc_now(),
                json.dumps(result.notes),
            )
            for result in results
            if not result.cached
        ]
        if not rows:
            return
        with self._write():
            self._conn.executemany(
                "INSERT INTO provisional (url, run_id, verdict, status, error, reason, "
                "final_url, redirect_kind, chain, attempts, duration_ms, checked_at, notes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO NOTHING",
                rows,
            )

    def provisional_urls(self, urls: list[str] | None = None) -> set[str]:
        """URLs with a failure from a killed run that no run has confirmed or dropped yet."""
        if urls is None:
            return {r["url"] for r in self._query("SELECT url FROM provisional")}
        return {
            row["url"]
            for part in _chunks(sorted(set(urls)))
            for row in self._query(
                f"SELECT url FROM provisional WHERE url IN ({_marks(part)})", part
            )
        }

    def _take_provisional(self, run_id: int, urls: list[str]) -> dict[str, tuple[int, LinkResult]]:
        """Remove the provisional rows of freshly checked ``urls``; those of earlier runs
        are returned (run id, result) for a confirming failure to store first."""
        found: dict[str, tuple[int, LinkResult]] = {}
        for part in _chunks(sorted(set(urls))):
            where = f"url IN ({_marks(part)})"
            for row in self.db.query(
                "SELECT *, NULL AS first_failed_at, 0 AS consecutive_failures "
                f"FROM provisional WHERE {where} AND run_id != ?",
                [*part, run_id],
            ):
                found[row["url"]] = (row["run_id"], self._decode(row))
            self._conn.execute(f"DELETE FROM provisional WHERE {where}", part)
        return found

    def _url_rows(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for part in _chunks(sorted(set(urls))):
            for row in self.db.query(f"SELECT * FROM urls WHERE url IN ({_marks(part)})", part):
                rows[row["url"]] = row
        return rows

    def record_occurrences(
        self, run_id: int, links: list[Link], keys: Mapping[str, str] | None = None
    ) -> None:
        """Where each link appeared in this run; ``keys`` maps a URL as written to its
        normalised form (the ``urls``/``checks`` key), default: as written."""
        keys = keys or {}
        rows = [
            (
                run_id,
                keys.get(link.url, link.url),
                link.url,
                link.file,
                link.line,
                link.column,
                link.section,
                link.entry,
                link.label,
                link.kind.value,
                link.target.value,
            )
            for link in links
        ]
        with self._write():
            self._conn.executemany(
                'INSERT INTO occurrences (run_id, url, raw_url, file, line, "column", section, '
                "entry, label, kind, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            # a nightly job would otherwise add a row per link per night for ever
            self._conn.execute(
                "DELETE FROM occurrences WHERE run_id NOT IN "
                "(SELECT DISTINCT run_id FROM occurrences ORDER BY run_id DESC LIMIT ?)",
                (OCCURRENCE_RUNS_KEPT,),
            )

    def cached_results(
        self, urls: list[str], now: datetime, settings: Settings
    ) -> dict[str, LinkResult]:
        """Latest results still fresh under their verdict's TTL, marked ``cached``.
        Unverifiable results back off: TTL doubles per consecutive unverifiable check."""
        if settings.refresh:
            return {}
        fresh: dict[str, LinkResult] = {}
        unconfirmed = self.provisional_urls(urls)  # a killed run saw them fail: ask again
        for row in self._latest_rows(urls):
            if row["url"] in unconfirmed:
                continue
            result = self._decode(row, cached=True)
            ttl = settings.ttl_for(result.verdict.value)
            if result.verdict is Verdict.UNVERIFIABLE and ttl > 0:
                streak = max(1, row["unverifiable_streak"])
                ttl = min(ttl * 2 ** (streak - 1), max(ttl, UNVERIFIABLE_TTL_CAP))
            try:
                age = (now - parse_time(result.checked_at)).total_seconds()
            except (ValueError, TypeError):
                raise StoreCorrupt(self.path, f"checks row {row['id']} has no valid time") from None
            if ttl > 0 and age < ttl:
                fresh[result.url] = result
        return fresh

    def latest_results(self, urls: list[str] | None = None) -> dict[str, LinkResult]:
        """Newest check per URL with its history fields (``linkwatch fix`` works offline)."""
        return {row["url"]: self._decode(row) for row in self._latest_rows(urls)}

    def _latest_rows(self, urls: list[str] | None) -> list[dict[str, Any]]:
        sql = (
            f"SELECT {_CHECK_COLUMNS}, u.first_failed_at, u.consecutive_failures, "
            "u.unverifiable_streak, u.etag, u.last_modified "
            "FROM urls u JOIN checks c ON c.id = u.last_check_id"
        )
        if urls is None:
            return self._query(sql)
        return [
            row
            for part in _chunks(sorted(set(urls)))
            for row in self._query(f"{sql} WHERE u.url IN ({_marks(part)})", part)
        ]

    def validators(self, urls: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """(ETag, Last-Modified) of URLs that had them, for conditional requests."""
        out: dict[str, tuple[str | None, str | None]] = {}
        for part in _chunks(sorted(set(urls))):
            for row in self._query(
                f"SELECT url, etag, last_modified FROM urls WHERE url IN ({_marks(part)}) "
                "AND (etag IS NOT NULL OR last_modified IS NOT NULL)",
                part,
            ):
                out[row["url"]] = (row["etag"], row["last_modified"])
        return out

    def stalest_first(self, urls: list[str]) -> list[str]:
        """Never-checked URLs first (in the given order), then failures a killed run left
        unconfirmed, then oldest check first: a run cut short by ``--max-duration`` leaves
        the freshest links for the next night."""
        checked: dict[str, str] = {}
        for part in _chunks(sorted(set(urls))):
            for row in self._query(
                f"SELECT url, checked_at FROM urls WHERE url IN ({_marks(part)}) "
                "AND checked_at IS NOT NULL",
                part,
            ):
                checked[row["url"]] = row["checked_at"]
        order = {url: i for i, url in reversed(list(enumerate(urls)))}
        unconfirmed = self.provisional_urls(urls)
        never = [u for u in dict.fromkeys(urls) if u not in checked]
        seen = sorted(
            (u for u in dict.fromkeys(urls) if u in checked),
            key=lambda u: (u not in unconfirmed, parse_time(checked[u]), order[u]),
        )
        return never + seen

    def previous_run_results(self, run_id: int) -> dict[str, LinkResult]:
        """Each URL's latest check as it stood at the end of the last finished run before
        ``run_id`` (interrupted runs don't count); {} when there is none."""
        prev = self._query(
            "SELECT id FROM runs WHERE id < ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            [run_id],
        )
        if not prev:
            return {}
        rows = self._query(
            f"SELECT {_CHECK_COLUMNS}, c.first_failed_at, c.consecutive_failures "
            "FROM checks c WHERE c.id IN "
            "(SELECT MAX(id) FROM checks WHERE run_id <= ? GROUP BY url)",
            [prev[0]["id"]],
        )
        return {row["url"]: self._decode(row) for row in rows}

    def discard_run(self, run_id: int) -> None:
        """Remove a run and everything it wrote, restoring each URL's state from its
        remaining checks (a run that could not judge leaves the store as it was)."""
        if self._undo is not None and self._undo.run_id == run_id:
            self._undo.run_id = None
        with self._write():
            self._discard_rows(run_id)

    def _discard_rows(self, run_id: int) -> None:
        """``discard_run`` inside the caller's transaction."""
        urls = [
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT url FROM checks WHERE run_id = ?", (run_id,)
            )
        ]
        self._conn.execute("DELETE FROM checks WHERE run_id = ?", (run_id,))
        self._conn.execute("DELETE FROM provisional WHERE run_id = ?", (run_id,))
        self._conn.execute("DELETE FROM occurrences WHERE run_id = ?", (run_id,))
        self._conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        for part in _chunks(urls):
            where = f"url IN ({_marks(part)})"
            self._conn.execute(
                f"DELETE FROM urls WHERE {where} AND url NOT IN (SELECT url FROM checks)",
                part,
            )
            self._conn.execute(
                "UPDATE urls SET (last_check_id, verdict, checked_at, first_failed_at, "
                "consecutive_failures) = (SELECT id, verdict, checked_at, first_failed_at, "
                "consecutive_failures FROM checks c WHERE c.url = urls.url "
                f"ORDER BY c.id DESC LIMIT 1) WHERE {where}",
                part,
            )
            self._conn.execute(f"{_STREAK_SQL} WHERE {where}", part)

    # ---------------------------------------------------------- history / stats

    def history(self, url: str) -> list[dict[str, Any]]:
        """Every kept check of ``url`` (see ``_prune_checks``), oldest first."""
        rows = self._query(
            "SELECT c.*, r.outcome AS run_outcome FROM checks c "
            "LEFT JOIN runs r ON r.id = c.run_id WHERE c.url = ? ORDER BY c.id",
            [url],
        )
        for row in rows:
            row["chain"] = self._loads(row["chain"], "checks")
            row["notes"] = self._loads(row["notes"], "checks")
        return rows

    def url_state(self, url: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM urls WHERE url = ?", [url])
        return rows[0] if rows else None

    def stats(self) -> dict[str, Any]:
        """What the store holds: runs, URLs by verdict, oldest/newest check, size on disk."""

        def one(sql: str) -> Any:
            return self._query(sql)[0]["v"]

        by_verdict = {
            row["verdict"]: row["n"]
            for row in self._query(
                "SELECT verdict, COUNT(*) AS n FROM urls GROUP BY verdict ORDER BY verdict"
            )
        }
        runs_by_outcome = {
            row["outcome"]: row["n"]
            for row in self._query(
                "SELECT outcome, COUNT(*) AS n FROM runs GROUP BY outcome ORDER BY outcome"
            )
        }
        last = self.runs(limit=1)
        size = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "runs": sum(runs_by_outcome.values()),
            "runs_by_outcome": runs_by_outcome,
            "last_run": {k: last[0][k] for k in ("id", "started_at", "finished_at", "outcome")}
            if last
            else None,
            "urls": sum(by_verdict.values()),
            "urls_by_verdict": by_verdict,
            "checks": one("SELECT COUNT(*) AS v FROM checks"),
            "oldest_check": one("SELECT MIN(checked_at) AS v FROM urls"),
            "newest_check": one("SELECT MAX(checked_at) AS v FROM urls"),
            "metadata": {
                row["source"]: row["n"]
                for row in self._query(
                    "SELECT source, COUNT(*) AS n FROM metadata GROUP BY source ORDER BY source"
                )
            },
            "db_size_bytes": size,
        }

    def integrity_check(self) -> str:
        """``ok`` or SQLite's first complaint."""
        return str(self._query("PRAGMA integrity_check")[0]["integrity_check"])

    # ---------------------------------------------------------- metadata / state

    def get_metadata(self, source: str, keys: list[str]) -> dict[str, tuple[dict[str, Any], str]]:
        """Stored enrichment answers: key → (JSON value, fetched_at)."""
        out: dict[str, tuple[dict[str, Any], str]] = {}
        for part in _chunks(sorted(set(keys))):
            for row in self._query(
                "SELECT key, value, fetched_at FROM metadata "
                f"WHERE source = ? AND key IN ({_marks(part)})",
                [source, *part],
            ):
                out[row["key"]] = (self._loads(row["value"], "metadata"), row["fetched_at"])
        return out

    def put_metadata(self, source: str, items: Mapping[str, Any], fetched_at: str) -> None:
        rows = [(source, k, json.dumps(v, sort_keys=True), fetched_at) for k, v in items.items()]
        with self._write():
            if self._undo is not None:
                self._journal_metadata(
                    source, [k for k in items if (source, k) not in self._undo.metadata]
                )
            self._conn.executemany(
                "INSERT INTO metadata (source, key, value, fetched_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, key) DO UPDATE SET value = excluded.value, "
                "fetched_at = excluded.fetched_at",
                rows,
            )

    def _journal_metadata(self, source: str, keys: list[str]) -> None:
        assert self._undo is not None
        old: dict[str, tuple[str, str]] = {}
        for part in _chunks(keys):
            for key, value, fetched_at in self._conn.execute(
                f"SELECT key, value, fetched_at FROM metadata WHERE source = ? "
                f"AND key IN ({_marks(part)})",
                [source, *part],
            ):
                old[key] = (value, fetched_at)
        for key in keys:
            self._undo.metadata[(source, key)] = old.get(key)
    def record_history(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """This run's observations (``kind`` repo/paper, ``key``, ``stars``, ``forks``,
        ``archived``, ``pushed_at``, ``citations``): the trends' raw material."""
        now = utc_now()
        values = [
            (run_id, now, r["kind"], r["key"], r.get("stars"), r.get("forks"),
             None if r.get("archived") is None else int(bool(r["archived"])),
             r.get("pushed_at"), r.get("citations"))
            for r in rows
        ]  # fmt: skip
        if not values:
            return
        with self._write():
            self._conn.executemany(
                "INSERT INTO metadata_history (run_id, recorded_at, kind, key, stars, forks, "
                "archived, pushed_at, citations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )

    def metadata_history(self, kind: str, keys: list[str]) -> list[dict[str, Any]]:
        """Every observation of ``keys`` (oldest first per key)."""
        rows: list[dict[str, Any]] = []
        for part in _chunks(sorted(set(keys))):
            rows += self._query(
                "SELECT key, recorded_at, stars, forks, archived, pushed_at, citations "
                f"FROM metadata_history WHERE kind = ? AND key IN ({_marks(part)}) "
                "ORDER BY key, recorded_at, id",
                [kind, *part],
            )
        return rows

    def get_state(self, key: str) -> dict[str, Any] | None:
        rows = self._query("SELECT value FROM state WHERE key = ?", [key])
        return self._loads(rows[0]["value"], "state") if rows else None

    def set_state(self, key: str, value: Mapping[str, Any]) -> None:
        with self._write():
            self._conn.execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (key, json.dumps(value, sort_keys=True), utc_now()),
            )


@dataclass
class _Undo:
    """What a run changed, so that a run ending in exit 2 or 3 can be undone."""

    run_id: int | None = None
    urls: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # row before
    metadata: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)
    marked_interrupted: list[int] = field(default_factory=list)


def lock_holders(paths: list[Path]) -> list[str]:
    """ "pid N (name)" of other processes holding POSIX locks on ``paths`` (Linux
    /proc/locks; [] elsewhere): SQLite locks the database and its -shm file that way."""
    inodes = set()
    for path in paths:
        with contextlib.suppress(OSError):
            st = path.stat()
            inodes.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    holders: dict[int, str] = {}
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter, not a holder
            continue
        try:
            pid = int(fields[4])
            major, minor, inode = fields[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
        except (IndexError, ValueError):
            continue
        if key in inodes and pid != os.getpid():
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                name = "?"
            holders[pid] = f"pid {pid} ({name})"
    return list(holders.values())


def readonly_uri(path: Path) -> str:
    """How read-only commands open ``path``: ``mode=ro``, or ``immutable=1`` where the
    directory cannot be written (a read-only checkout or mount). ``mode=ro`` on a WAL
    database must create its -shm file there; ``immutable`` reads the file alone, so
    commits still in a -wal file (a writer that did not close cleanly) are not seen."""
    uri = path.resolve().as_uri()
    if os.access(path.resolve().parent, os.W_OK):
        return f"{uri}?mode=ro"
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        log.warning("%s: read-only directory; the last commits in %s are not read", path, wal)
    return f"{uri}?immutable=1"


def _refuse_newer(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreUnusable(
            f"{path} was written by a newer linkwatch (schema v{version}; this one knows "
            f"v{SCHEMA_VERSION}); upgrade linkwatch or point --db elsewhere"
        )


def _with_history(result: LinkResult, row: Mapping[str, Any] | None) -> LinkResult:
    if row is None:
        return result
    return replace(
        result,
        first_failed_at=row["first_failed_at"],
        consecutive_failures=row["consecutive_failures"],
    )
