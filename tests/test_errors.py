"""Exit codes 2 and 3 as users meet them, through `linkwatch check` in its own process
against a simweb in this test's loop: one line naming the problem, before any request
when it can be known up front, and the store left exactly as it was on every path.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sqlite3
import subprocess
from pathlib import Path

import pytest

from cli_process import child_env, links, run, write_config
from engine_helpers import db_snapshot
from linkwatch.errors import EXIT_CANNOT_JUDGE, EXIT_USAGE, LinkwatchError, find_error
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.arxiv_api import SimArxiv
from linkwatch.store import StoreBusy, StoreCorrupt

CHECK = ("check", "README.md", "--no-progress", "--fail-after", "1")




def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr
    return lines[0]


async def web_and_list(simweb, workdir: Path, count: int = 30, delay: float = 0.0) -> SimWeb:
    sc = Scenario()
    sc.host("site.example", default=b.slow(delay) if delay else b.ok(title="page"))
    sc.host("reference.example", default=b.ok())
    sc.mount("export.arxiv.org", SimArxiv().handle)
    web = await simweb(sc)
    write_config(web, workdir, arxiv_interval=0.05)
    base = web.direct_base("site.example") + "/a-somewhat-long-path-so-rows-take-space"
    (workdir / "README.md").write_text(
        links(base, (f"{i}.pdf" for i in range(count))), encoding="utf-8"
    )
    return web


async def first_night(
    simweb, workdir: Path, count: int = 30, delay: float = 0.0
) -> tuple[SimWeb, Path]:
    web = await web_and_list(simweb, workdir, count, delay)
    code, _, err = await run(workdir, *CHECK)
    assert code == 0, err
    web.clear_log()
    web.log.clear()
    return web, workdir / "cache" / "linkwatch.db"


# ---------------------------------------------------------------- scope 5: exit 3/2, store kept


async def test_a_full_disk_exits_3_and_leaves_the_store_as_it_was(simweb, tmp_path: Path):
    """A file size limit makes SQLite's writes fail as on a full disk. Night 2 (with
    --refresh, so metadata is refreshed too) records its run, then a batch fails:
    the run row, its checks, the URLs' state and the refreshed metadata all go."""
    web, db = await first_night(simweb, tmp_path, count=250)
    before = db_snapshot(db)
    limit = 64 * 1024

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    code, _, err = await run(tmp_path, *CHECK, "--refresh", preexec_fn=small_files)
    assert code == EXIT_CANNOT_JUDGE, err
    line = one_line(err)
    assert "disk" in line and str(db.name) in line
    assert len(web.requests("site.example")) >= 25  # it got as far as its first commit
    assert db_snapshot(db) == before
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


async def test_reports_that_cannot_be_written_at_the_end_undo_the_run(simweb, tmp_path: Path):
    """--out was fine up front, but report.json became a directory during the run: the
    run is not left recorded as completed (exit 3, the store as it was)."""
    from cli_process import start

    web, db = await first_night(simweb, tmp_path, count=20, delay=0.2)
    before = db_snapshot(db)
    proc = await start(tmp_path, *CHECK, "--refresh")
    while not web.requests("site.example"):
        await asyncio.sleep(0.02)
    report = tmp_path / "reports" / "report.json"
    report.unlink()
    (report / "in-the-way").mkdir(parents=True)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == EXIT_CANNOT_JUDGE, err.decode()
    line = one_line(err.decode())
    assert "cannot write reports" in line and "reports" in line
    assert len(web.requests("site.example")) >= 20
    assert db_snapshot(db) == before


@pytest.mark.parametrize("kind", ["a file", "under a file"])
async def test_an_unusable_out_is_exit_2_before_any_request(simweb, tmp_path: Path, kind: str):
    web, db = await first_night(simweb, tmp_path)
    before = db_snapshot(db)
    (tmp_path / "notes.txt").write_text("not a directory\n")
    out = "notes.txt" if kind == "a file" else "notes.txt/reports"
    code, _, err = await run(tmp_path, *CHECK, "--out", out)
    assert code == EXIT_USAGE, err
    line = one_line(err)
    assert "notes.txt" in line and "--out" in line
    assert web.log == [] and db_snapshot(db) == before


async def test_an_out_in_a_read_only_directory_is_exit_2_before_any_request(simweb, tmp_path: Path):
    """chattr +i makes the directory unwritable even for root (tests run as root)."""
    web, db = await first_night(simweb, tmp_path)
    before = db_snapshot(db)
    frozen = tmp_path / "frozen"
    frozen.mkdir()
    if subprocess.run(["chattr", "+i", str(frozen)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i not available here")
    try:
        code, _, err = await run(tmp_path, *CHECK, "--out", "frozen/reports")
    finally:
        subprocess.run(["chattr", "-i", str(frozen)], check=True)
    assert code == EXIT_USAGE, err
    assert "frozen" in one_line(err)
    assert web.log == [] and db_snapshot(db) == before


async def test_a_lock_held_by_another_program_is_exit_3_naming_it(simweb, tmp_path: Path):
    """sqlite3 (here: this test process) holds the write lock: the run says so before any
    request, names the file and the holder, instead of blaming another linkwatch run."""
    web, db = await first_night(simweb, tmp_path)
    before = db_snapshot(db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        code, _, err = await run(tmp_path, *CHECK)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == EXIT_CANNOT_JUDGE, err
    line = one_line(err)
    assert "another process" in line and "not a linkwatch run" in line
    assert str(db.relative_to(tmp_path)) in line and f"pid {os.getpid()}" in line
    assert web.log == [] and db_snapshot(db) == before


# ---------------------------------------------------------------- scope 6: errors named


async def test_a_corrupt_row_is_exit_2_corrupt_without_raw_bytes(simweb, tmp_path: Path):
    web, db = await first_night(simweb, tmp_path)
    conn = sqlite3.connect(db)
    try:  # bytes that are not UTF-8 in a text column, and JSON that is not JSON
        conn.execute("UPDATE checks SET reason = CAST(x'fffe41fa' AS TEXT) WHERE id = 1")
        conn.execute("UPDATE checks SET chain = 'garbage{' WHERE id = 2")
        conn.commit()
    finally:
        conn.close()
    code, _, err = await run(tmp_path, *CHECK, "--refresh")
    assert code == EXIT_USAGE, err
    line = one_line(err)
    assert "corrupt" in line and "linkwatch.db" in line
    assert "\ufffd" not in line and "\\x" not in line and "garbage" not in line
    for command in (["history", web.direct_base("site.example")], ["stats"]):
        code, _, err = await run(tmp_path, *command)
        assert code in (0, EXIT_USAGE), err  # stats reads no decoded check rows
    code, _, err = await run(
        tmp_path, "fix", "README.md"
    )  # reads every latest check: meets the bad rows
    assert code == EXIT_USAGE and "corrupt" in one_line(err)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"])
async def test_a_bad_ca_bundle_is_named(simweb, tmp_path: Path, variable: str):
    web = await web_and_list(simweb, tmp_path)
    bad = tmp_path / "corp-ca.pem"
    bad.write_text("this is not a certificate\n")
    code, _, err = await run(tmp_path, *CHECK, env=child_env(**{variable: str(bad)}))
    assert code == EXIT_USAGE, err
    line = one_line(err)
    assert variable in line and "corp-ca.pem" in line and "CA bundle" in line
    code, _, err = await run(tmp_path, *CHECK, env=child_env(**{variable: str(tmp_path / "no")}))
    assert code == EXIT_USAGE and "no such CA bundle" in one_line(err)
    assert web.log == [] and not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--timeout", "0"], {}, "timeout"),
        (["--timeout", "-5s"], {}, "timeout"),
        (["--max-duration", "0"], {}, "max_duration"),
        (["--concurrency", "-1"], {}, "concurrency"),
        (["--per-host", "0"], {}, "per-host"),
        (["--max-redirects", "-1"], {}, "max-redirects"),
        ([], {"LINKWATCH_CONCURRENCY": "-3"}, "concurrency"),
        ([], {"LINKWATCH_HOST_SPACING": "-1"}, "host_spacing"),
        ([], {"LINKWATCH_BODY_CAP": "0"}, "body_cap"),
        ([], {"LINKWATCH_MAX_RETRIES": "-1"}, "max_retries"),
        ([], {"LINKWATCH_ARCHIVE_STYLE": "sideways"}, "archive_style"),
    ],
)
async def test_every_option_out_of_range_is_a_usage_error(
    simweb, tmp_path: Path, args: list[str], env: dict[str, str], needle: str
):
    web = await web_and_list(simweb, tmp_path)
    code, _, err = await run(tmp_path, *CHECK, *args, env=child_env(**env))
    assert code == EXIT_USAGE, err
    assert needle in err and "Traceback" not in err
    assert web.log == [] and not (tmp_path / "cache").exists()


def test_every_user_error_type_is_in_the_hierarchy():
    """The types the CLI maps (one place: ``cli.user_errors``) all derive from one base."""
    from linkwatch.config import ConfigError
    from linkwatch.enrich.github import GithubAuthError
    from linkwatch.extract import InputError
    from linkwatch.nightly import WorkflowExists
    from linkwatch.pipeline import NetworkDown
    from linkwatch.publish import PublishError
    from linkwatch.suggest import SuggestionMismatch

    codes = {
        ConfigError: 2,
        InputError: 2,
        GithubAuthError: 2,
        WorkflowExists: 2,
        NetworkDown: 3,
        PublishError: 3,
        SuggestionMismatch: 3,
        StoreBusy: 3,
    }
    for kind, code in codes.items():
        assert issubclass(kind, LinkwatchError) and kind("x").exit_code == code, kind
    corrupt = StoreCorrupt(Path("db"), "detail")
    assert corrupt.exit_code == 2 and "corrupt" in str(corrupt)
    group = ExceptionGroup("tasks", [ValueError("bug"), StoreBusy("busy")])
    assert isinstance(find_error(group), StoreBusy)
    assert find_error(ValueError("bug")) is None
