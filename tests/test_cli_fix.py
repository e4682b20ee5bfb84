"""`linkwatch fix`: the diff from a real SQLite store, --write, --only, --min-confidence,
--interactive, idempotence and the one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkwatch.cli import cli
from linkwatch.enrich.arxiv import normalize_title
from linkwatch.models import ErrorCode, LinkResult, RedirectKind, Verdict
from linkwatch.store import Store
from linkwatch.urls import normalize

FIXTURES = Path(__file__).parent / "fixtures" / "suggest"
LIST = (FIXTURES / "list.md").read_bytes()
EXPECTED = (FIXTURES / "expected.md").read_bytes()
ENV = {"LINKWATCH_MARK_ARCHIVED_REPOS": "true"}


def _result(item: dict) -> LinkResult:
    return LinkResult(
        url=normalize(item["url"]),
        verdict=Verdict(item["verdict"]),
        status=item.get("status"),
        final_url=item.get("final_url"),
        redirect_kind=RedirectKind(item["redirect_kind"]) if item.get("redirect_kind") else None,
        error=ErrorCode(item["error"]) if item.get("error") else None,
        reason=item.get("reason", ""),
        chain=[tuple(hop) for hop in item.get("chain", [])],
    )


def fill_store(db: Path) -> None:
    """Two runs (the dead blog fails twice, so it counts as broken) and the enrichment."""
    case = json.loads((FIXTURES / "case.json").read_text(encoding="utf-8"))
    results = [_result(item) for item in case["results"]]
    dead = [r for r in results if r.verdict is Verdict.DEAD]
    with Store.open(db) as store, store.run_lock():
        for day, batch in (("2026-11-24T03:00:00Z", results), ("2026-11-25T03:00:00Z", dead)):
            run = store.begin_run(["list.md"], {})
            store.record_results(run, [replace(r, checked_at=day) for r in batch])
            store.finish_run(run, "completed", {})
        stamp = "2026-11-25T03:00:00Z"
        store.put_metadata("arxiv", {p["id"]: p for p in case["papers"]}, stamp)
        store.put_metadata(
            "arxiv_search",
            {normalize_title(t): {"paper": p} for t, p in case["title_hits"].items()},
            stamp,
        )
        store.put_metadata(
            "github",
            {k: {"status": "ok", "meta": v, "etag": None} for k, v in case["repos"].items()},
            stamp,
        )
        store.put_metadata(
            "wayback", {normalize(k): v for k, v in case["snapshots"].items()}, stamp
        )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "list.md").write_bytes(LIST)
    fill_store(tmp_path / "lw.db")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fix(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["fix", "list.md", "--db", "lw.db", *args], env=ENV, input=input)


def test_prints_a_patch_that_git_and_patch_accept(workdir: Path):
    done = fix("--min-confidence", "low")
    assert done.exit_code == 0, done.output
    patch = done.stdout_bytes
    assert patch.startswith(b"--- a/list.md\n+++ b/list.md\n")
    assert b"renamed to new-owner/new-name" in done.stderr_bytes
    (workdir / "s.patch").write_bytes(patch)
    for tool in ("git", "patch"):
        if shutil.which(tool) is None:
            pytest.skip(f"`{tool}` is not installed; the patch cannot be checked with it")
    for cmd in (
        ["git", "apply", "--check", "s.patch"],
        ["patch", "-p1", "--dry-run", "--batch", "-i", "s.patch"],
        ["git", "apply", "s.patch"],
    ):
        ran = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (workdir / "list.md").read_bytes() == EXPECTED


def test_write_then_fix_proposes_nothing(workdir: Path):
    done = fix("--write", "--min-confidence", "low")
    assert done.exit_code == 0, done.output
    assert "10 edit(s) written" in done.stderr
    assert (workdir / "list.md").read_bytes() == EXPECTED
    again = fix("--min-confidence", "low")
    assert again.exit_code == 0
    assert again.stdout_bytes == b""
    assert "no suggested edits" in again.stderr


def test_default_confidence_and_only(workdir: Path):
    default = fix()
    assert b"+- Wrong Venue Network (ICCV" not in default.stdout_bytes  # venue changes are low
    assert b"(archived)" not in default.stdout_bytes
    assert b"+- Plain Http Network (ICCV-2021)[[project](https://plain" in default.stdout_bytes
    only = fix("--only", "wechat,tracking")
    kinds = {line.split("]")[1].split(":")[0].strip() for line in only.stderr.splitlines()}
    assert kinds == {"wechat", "tracking"}
    assert only.stdout.count("\n+- ") + only.stdout.count("\n+Research") == 2


def test_interactive_writes_the_accepted_edits(workdir: Path):
    # rename: yes; moved page: no; then quit
    done = fix("--interactive", input="y\nn\nq\n")
    assert done.exit_code == 0, done.output
    data = (workdir / "list.md").read_bytes()
    assert b"github.com/new-owner/new-name/tree/main/models" in data
    assert b"openaccess.example.com/old/paper.html#method" in data
    assert b"utm_source=catalyzex.com" in data  # asked about later: never reached
    assert "1 edit(s) written" in done.stderr


def test_unknown_kind_is_a_usage_error(workdir: Path):
    done = fix("--only", "redirect,teleport")
    assert done.exit_code == 2
    assert "unknown kind teleport" in done.stderr


def test_missing_database_says_to_run_check(workdir: Path):
    done = CliRunner().invoke(cli, ["fix", "list.md", "--db", "nowhere.db"])
    assert done.exit_code == 2
    assert "linkwatch check" in done.stderr
    assert not (workdir / "nowhere.db").exists()


def test_missing_file_is_one_line(workdir: Path):
    done = CliRunner().invoke(cli, ["fix", "absent.md", "--db", "lw.db"])
    assert done.exit_code == 2
    assert "absent.md" in done.stderr
    assert "Traceback" not in done.output


def test_write_keeps_crlf_bom_and_trailing_blanks(workdir: Path):
    def dress(data: bytes) -> bytes:
        lines = [line + b" \t" if line.startswith(b"- ") else line for line in data.split(b"\n")]
        return b"\xef\xbb\xbf" + b"\r\n".join(lines)

    (workdir / "list.md").write_bytes(dress(LIST))
    done = fix("--write", "--min-confidence", "low")
    assert done.exit_code == 0, done.output
    assert (workdir / "list.md").read_bytes() == dress(EXPECTED)
    assert fix("--min-confidence", "low").stdout_bytes == b""
