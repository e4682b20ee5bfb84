"""`linkwatch check` as users meet it through click: bad input and a busy store give one
line and exit 2/3, never a traceback, and write nothing.

No test here reaches any network: the lists hold only mailto: and local links, and the
CLI's ``Network`` is swapped for one whose resolver and sockets refuse everything (and
count the attempts, which must stay at zero).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from click.testing import CliRunner, Result

import linkwatch.cli.run
from linkwatch.cli import cli
from linkwatch.net import Network
from linkwatch.store import Store

OFFLINE_LIST = """\
# Offline list

## Contact
- Maintainers [[mail](mailto:team@list.example)] [[top](#offline-list)]
- Local [[notes](notes.md)]
"""


ATTEMPTS: list[str] = []  # every lookup or connection tried; must stay empty


class NoNetwork(AbstractResolver):
    """Refuses every lookup (every request needs one) and remembers it."""

    async def resolve(self, host: str, port: int = 0, family: Any = 0) -> list[ResolveResult]:
        ATTEMPTS.append(host)
        raise OSError(f"test is offline: {host}")

    async def close(self) -> None:
        return None


def _refuse_socket(addr_info: tuple[Any, ...]) -> object:
    ATTEMPTS.append(str(addr_info[4]))
    raise OSError("test is offline")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A list directory as cwd, no config or token from the environment, no network."""
    ATTEMPTS.clear()
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_TOKEN", "LINKWATCH_GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(
        linkwatch.cli.run,
        "Network",
        lambda: Network(resolver_factory=NoNetwork, socket_factory=_refuse_socket),
    )
    (tmp_path / "list.md").write_text(OFFLINE_LIST, encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Notes\n", encoding="utf-8")
    yield tmp_path
    assert ATTEMPTS == []


def check(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--no-progress", "--no-enrich", *args])


def assert_one_line_error(result: Result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error:") and "Traceback" not in result.output
    for needle in needles:
        assert needle in err
    return err


def test_offline_list_runs_without_any_request(workdir: Path):
    result = check("list.md")
    assert result.exit_code == 0, result.output
    assert (workdir / "reports" / "report.json").is_file()


def test_missing_file(workdir: Path):
    assert_one_line_error(check("nope.md"), 2, "nope.md", "no such file")
    assert not (workdir / "cache").exists() and not (workdir / "reports").exists()


def test_directory(workdir: Path):
    (workdir / "docs").mkdir()
    assert_one_line_error(check("docs"), 2, "docs", "directory")


def test_binary_file(workdir: Path):
    (workdir / "logo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert_one_line_error(check("logo.md"), 2, "logo.md", "binary")
    assert not (workdir / "cache").exists()


def test_db_that_is_not_sqlite_is_refused_untouched(workdir: Path):
    notes = workdir / "notes.txt"
    notes.write_bytes(b"my precious notes, not a database\n" * 50)
    before = notes.read_bytes()
    assert_one_line_error(check("list.md", "--db", "notes.txt"), 2, "notes.txt")
    assert notes.read_bytes() == before
    assert not (workdir / "reports").exists()


def _table_rows(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        names = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        ]
        return {name: sorted(map(repr, conn.execute(f"SELECT * FROM [{name}]"))) for name in names}
    finally:
        conn.close()


def test_second_concurrent_run_exits_3_and_writes_nothing(workdir: Path):
    db = workdir / "cache" / "linkwatch.db"
    assert check("list.md", "--db", str(db)).exit_code == 0
    before = _table_rows(db)
    report = (workdir / "reports" / "report.json").read_bytes()
    with Store.open(db) as holder, holder.run_lock():
        result = check("list.md", "--db", str(db), "--out", "other-reports")
        assert_one_line_error(result, 3, "another linkwatch run holds", str(db))
    assert _table_rows(db) == before
    assert (workdir / "reports" / "report.json").read_bytes() == report
    assert not (workdir / "other-reports").exists()


def test_invalid_exclude_regex(workdir: Path):
    assert_one_line_error(check("list.md", "--exclude", "([a-z"), 2, "--exclude", "'([a-z'")
    assert not (workdir / "cache").exists()


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [
        ("--timeout", "nonsense", "'nonsense'"),
        ("--max-age", "soon", "'soon'"),
        ("--max-duration", "-5m", "'-5m'"),
    ],
)
def test_bad_option_values(workdir: Path, flag: str, value: str, needle: str):
    assert_one_line_error(check("list.md", flag, value), 2, needle)
    assert not (workdir / "cache").exists()


def test_usage_errors_from_click(workdir: Path):
    result = check()
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = check("list.md", "--concurrency", "0")
    assert result.exit_code == 2 and "--concurrency" in result.stderr


def test_unwritable_step_summary_is_a_warning_not_a_crash(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
):
    """The check itself worked: its exit code and reports stand, the summary is skipped."""
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(workdir / "no such dir" / "summary.md"))
    result = check("list.md", "--format", "github")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "step summary" in result.stderr and "no such dir" in result.stderr
    assert (workdir / "reports" / "report.md").is_file()


def test_out_that_is_a_file_is_refused_and_left_alone(workdir: Path):
    before = (workdir / "notes.md").read_bytes()
    result = check("list.md", "--out", "notes.md")
    assert result.exit_code in (2, 3) and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "notes.md" in result.stderr
    assert (workdir / "notes.md").read_bytes() == before


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("timeout = [\n", "invalid TOML"),
        ('colour = "blue"\n', "colour"),
        ('github_token = "ghp_fromafile"\n', "environment"),
    ],
)
def test_bad_config_file_in_the_list_directory(workdir: Path, config: str, needle: str):
    (workdir / "linkwatch.toml").write_text(config, encoding="utf-8")
    err = assert_one_line_error(check("list.md"), 2, needle)
    assert "ghp_fromafile" not in err
    assert not (workdir / "cache").exists()


async def test_max_redirects_flag_through_the_console_script(simweb, tmp_path: Path):
    """A 21-hop chain is dead by default (reason in the report) and alive with
    --max-redirects 21, in `linkwatch check` as its own process."""
    import json

    from cli_process import run, write_config
    from linkwatch.simweb import Scenario
    from linkwatch.simweb import behaviours as b

    sc = Scenario()
    for i in range(21):
        sc.route(f"http://hops.example/{i}", b.redirect(302, f"/{i + 1}"))
    sc.route("http://hops.example/21", b.ok(body="end\n", content_type="text/plain"))
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    write_config(web, tmp_path, enrich=False)
    start = web.direct_base("hops.example") + "/0"
    (tmp_path / "README.md").write_text(f"- Far [[site]({start})]\n", encoding="utf-8")
    args = ("check", "README.md", "--no-progress", "--fail-after", "1", "--refresh")
    code, _, err = await run(tmp_path, *args)
    assert code == 1, err
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["summary"]["broken"] == 1
    assert "too many redirects (more than 20)" in json.dumps(report["links"])
    code, _, err = await run(tmp_path, *args, "--max-redirects", "21")
    assert code == 0, err
def run_console(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script as its own process (only local links: no network at all)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LINKWATCH_"))}
    return subprocess.run(
        [sys.executable, "-m", "linkwatch", "check", "--no-progress", "--no-enrich", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_dot_reads_the_markdown_files_of_a_folder_tree(tmp_path: Path):
    (tmp_path / "docs" / "old").mkdir(parents=True)
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "README.md").write_text("# R\n- [guide](docs/guide.md)\n", encoding="utf-8")
    (tmp_path / "docs" / "guide.md").write_text("# G\n- [gone](missing.md)\n", encoding="utf-8")
    (tmp_path / "docs" / "old" / "x.md").write_text("# X\n- [a](nope.md)\n", encoding="utf-8")
    (tmp_path / "node_modules" / "x" / "README.md").write_text("- [b](nope.md)\n")
    proc = run_console(tmp_path, ".", "--exclude-path", "docs/old")
    assert proc.returncode == 1, proc.stderr  # docs/guide.md links a missing file
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["files"] == ["README.md", "docs/guide.md"]
    assert "docs/guide.md:2  missing.md" in proc.stdout


def test_the_terminal_lists_the_broken_links_last(tmp_path: Path):
    lines = "".join(f"- entry {i} [[data](missing-{i:02}.md)]\n" for i in range(25))
    (tmp_path / "list.md").write_text("# L\n\n" + lines, encoding="utf-8")
    proc = run_console(tmp_path, "list.md")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.splitlines()
    start = out.index("broken links (25):")
    assert any(line.startswith("reports: ") for line in out[:start])  # the list comes last
    listed = out[start + 1 :]
    assert listed[0].strip().startswith("list.md:3  missing-00.md")
    assert len(listed) == 21 and listed[-1].strip() == "and 5 more (see report.md)"


def test_format_junit_prints_the_junit_report(workdir: Path):
    result = check("list.md", "--format", "junit")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert (workdir / "reports" / "report.junit.xml").read_text() == result.stdout


def test_a_bad_regex_in_lycheeignore_is_one_line(workdir: Path):
    (workdir / ".lycheeignore").write_text("([nope\n", encoding="utf-8")
    assert_one_line_error(check("list.md"), 2, ".lycheeignore:1", "'([nope'")
    assert not (workdir / "reports").exists()
