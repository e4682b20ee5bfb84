"""Suggested edits: the fixture list with one case of each kind, byte preservation,
overlaps, idempotence and the cases that must never be touched."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from linkwatch.config import Settings
from linkwatch.enrich import Enrichment
from linkwatch.enrich.arxiv import paper_from_json
from linkwatch.extract import extract_text
from linkwatch.models import (
    Confidence,
    Document,
    ErrorCode,
    LinkResult,
    PaperMeta,
    RedirectKind,
    RepoMeta,
    S2Paper,
    Suggestion,
    Verdict,
)
from linkwatch.suggest import (
    PRIORITY,
    SuggestionMismatch,
    apply_to_bytes,
    candidates,
    render_patch,
    resolve,
    select,
    suggest,
)
from linkwatch.urls import normalize

FIXTURES = Path(__file__).parent / "fixtures" / "suggest"
LIST = (FIXTURES / "list.md").read_bytes()
EXPECTED = (FIXTURES / "expected.md").read_bytes()
SETTINGS = Settings(mark_archived_repos=True)


@dataclass
class Case:
    results: dict[str, LinkResult]
    papers: dict[str, PaperMeta]
    repos: dict[str, RepoMeta]
    title_hits: dict[str, PaperMeta]
    snapshots: dict[str, str]

    @property
    def enrichment(self) -> Enrichment:
        return Enrichment(
            papers=self.papers,
            repos=self.repos,
            title_hits=self.title_hits,
            snapshots=self.snapshots,
        )

    def run(
        self, data: bytes, settings: Settings = SETTINGS, name: str = "list.md"
    ) -> tuple[Document, list[Suggestion]]:
        doc = extract_text(data, name)
        found = candidates([doc], self.results, self.enrichment, settings, {name: data})
        return doc, found


def result_from_json(item: dict[str, Any]) -> LinkResult:
    """A case.json result: the URL as written, turned into a stored-style result."""
    fields = dict(item)
    fields["url"] = normalize(fields["url"])
    fields["verdict"] = Verdict(fields["verdict"])
    if fields.get("redirect_kind"):
        fields["redirect_kind"] = RedirectKind(fields["redirect_kind"])
    if fields.get("error"):
        fields["error"] = ErrorCode(fields["error"])
    fields["chain"] = [tuple(hop) for hop in fields.get("chain", [])]
    if fields["verdict"] is Verdict.DEAD:
        fields.setdefault("consecutive_failures", 2)
        fields.setdefault("first_failed_at", "2026-11-24T03:00:00Z")
    return LinkResult(**fields)


def load_case() -> Case:
    raw = json.loads((FIXTURES / "case.json").read_text(encoding="utf-8"))
    return Case(
        results={r.url: r for r in map(result_from_json, raw["results"])},
        papers={p["id"]: paper_from_json(p) for p in raw["papers"]},
        repos={k: RepoMeta(**v) for k, v in raw["repos"].items()},
        title_hits={k: paper_from_json(v) for k, v in raw["title_hits"].items()},
        snapshots={normalize(k): v["url"] for k, v in raw["snapshots"].items()},
    )


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"`{binary}` is not installed; the patch cannot be checked with it")
    return path


def check_patch_applies(tmp_path: Path, name: str, before: bytes, patch: str) -> bytes:
    """Run ``git apply --check``, ``patch -p1 --dry-run`` and ``git apply``; new bytes."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    target = work / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(before)
    patch_file = tmp_path / "suggestions.patch"
    patch_file.write_bytes(patch.encode("utf-8", "surrogateescape"))
    git, gnu_patch = need("git"), need("patch")
    for cmd in (
        [git, "apply", "--check", str(patch_file)],
        [gnu_patch, "-p1", "--dry-run", "--batch", "-i", str(patch_file)],
        [git, "apply", str(patch_file)],
    ):
        done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{cmd[0]} failed: {done.stdout}{done.stderr}"
    again = subprocess.run(
        [git, "apply", "--check", str(patch_file)], cwd=work, capture_output=True, timeout=60
    )
    assert again.returncode != 0, "applying the patch twice must be refused"
    return target.read_bytes()


# ---------------------------------------------------------------- the fixture list


def test_one_case_of_each_kind():
    _, found = load_case().run(LIST)
    chosen = select(found, None, Confidence.LOW)
    # "doi" needs Semantic Scholar's answer: test_s2_* below
    assert sorted({s.kind for s in chosen}) == sorted(set(PRIORITY) - {"doi"})
    assert apply_to_bytes(LIST, chosen) == EXPECTED


def test_patch_applies_with_git_and_patch(tmp_path: Path):
    _, found = load_case().run(LIST)
    patch = render_patch({"list.md": LIST}, select(found, None, "low"))
    assert patch.startswith("--- a/list.md\n+++ b/list.md\n@@ ")
    assert check_patch_applies(tmp_path, "list.md", LIST, patch) == EXPECTED


def test_patch_paths_are_the_names_given(tmp_path: Path):
    _, found = load_case().run(LIST, name="docs/lists/list.md")
    patch = render_patch({"docs/lists/list.md": LIST}, select(found, None, "low"))
    assert "--- a/docs/lists/list.md\n+++ b/docs/lists/list.md\n" in patch
    assert check_patch_applies(tmp_path, "docs/lists/list.md", LIST, patch) == EXPECTED


def test_default_confidence_holds_back_low_suggestions():
    _, found = load_case().run(LIST)
    kinds = {s.kind for s in select(found)}
    assert "venue" not in kinds and "archived" not in kinds
    assert {"rename", "redirect", "tracking", "wechat", "https", "archive"} <= kinds
    assert {s.kind for s in select(found, None, "high")} == {
        "rename",
        "redirect",
        "tracking",
        "wechat",
    }


def test_report_list_has_one_suggestion_per_span():
    case = load_case()
    doc = extract_text(LIST, "list.md")
    listed = suggest([doc], case.results, case.enrichment, SETTINGS)
    spans = [(s.start, s.end) for s in listed if s.start != s.end]
    assert len(spans) == len(set(spans))
    # without the file's bytes only URL and venue replacements can be placed
    assert {s.kind for s in listed} <= {
        "rename",
        "redirect",
        "tracking",
        "wechat",
        "https",
        "archive",
        "venue",
    }


def test_overlaps_resolve_by_priority_and_selection_comes_first():
    _, found = load_case().run(LIST)
    renamed = [s for s in found if "old-owner" in s.old]
    assert {s.kind for s in renamed} == {"rename", "redirect"}
    assert [s.kind for s in resolve(renamed)] == ["rename"]
    assert [s.kind for s in select(renamed, {"redirect"})] == ["redirect"]


def test_only_tracking_still_strips_a_redirected_link():
    case = load_case()
    url = "https://github.com/tracked/code?utm_source=catalyzex.com&tab=readme"
    case.results[normalize(url)] = replace(
        case.results[normalize(url)],
        verdict=Verdict.REDIRECT,
        redirect_kind=RedirectKind.PERMANENT,
        final_url="https://github.com/tracked/code-v2?utm_medium=x&tab=readme",
        chain=[(308, "https://github.com/tracked/code-v2?utm_medium=x&tab=readme")],
    )
    _, found = case.run(LIST)
    on_link = [s for s in found if s.old == url]
    assert {s.kind: s.new for s in on_link} == {
        "redirect": "https://github.com/tracked/code-v2?tab=readme",
        "tracking": "https://github.com/tracked/code?tab=readme",
    }
    assert [s.kind for s in select(on_link, {"tracking"})] == ["tracking"]
    assert [s.kind for s in select(on_link)] == ["redirect"]


def test_never_touches_temporary_login_home_or_unverifiable_links():
    _, found = load_case().run(LIST)
    untouched = LIST[LIST.index(b"### Unchanged") :]
    start = LIST.index(b"### Unchanged")
    assert not [s for s in found if s.end > start]
    assert EXPECTED.endswith(untouched)


@pytest.mark.parametrize(
    ("final", "proposed"),
    [
        ("https://example.com/new/page", True),
        ("https://example.com/", False),
        ("https://example.com/users/sign-in?return=/old", False),
        ("https://sso.example.com/auth/realms/x", False),
        ("https://example.com/account/login", False),
        ("https://other.example.net/", False),
        ("https://accounts.example.com/continue", False),
        ("https://example.com/authors/someone/page", True),
    ],
)
def test_permanent_redirect_targets(final: str, proposed: bool):
    url = "https://example.com/old/page"
    doc = extract_text(f"- Paper (CVPR-2020)[[paper]({url})]\n".encode(), "x.md")
    result = LinkResult(
        url=normalize(url),
        verdict=Verdict.REDIRECT,
        status=200,
        final_url=final,
        redirect_kind=RedirectKind.PERMANENT,
        chain=[(301, final)],
    )
    found = candidates([doc], {result.url: result}, Enrichment(), Settings())
    assert bool(found) is proposed


def test_redirect_of_a_site_root_to_its_new_home_is_proposed():
    url = "http://old-lab.example.org/"
    doc = extract_text(f"- Lab [[home]({url})]\n".encode(), "x.md")
    result = LinkResult(
        url=normalize(url),
        verdict=Verdict.REDIRECT,
        status=200,
        final_url="https://www.old-lab.example.org/",
        redirect_kind=RedirectKind.PERMANENT,
    )
    found = candidates([doc], {result.url: result}, Enrichment(), Settings())
    assert [s.new for s in found] == ["https://www.old-lab.example.org/"]


@pytest.mark.parametrize(
    ("final", "written"),
    [
        ("https://en.example.org/wiki/Attention_(machine_learning)", None),
        ("https://example.org/a b/c)d", "https://example.org/a%20b/c%29d"),
        ("https://example.org/x<y>", "https://example.org/x%3Cy%3E"),
    ],
)
def test_outside_urls_cannot_break_the_markdown(final: str, written: str | None):
    url = "https://example.org/old"
    data = f"- Paper [[paper]({url})]\n".encode()
    doc = extract_text(data, "x.md")
    result = LinkResult(
        url=normalize(url),
        verdict=Verdict.REDIRECT,
        status=200,
        final_url=final,
        redirect_kind=RedirectKind.PERMANENT,
    )
    found = candidates([doc], {result.url: result}, Enrichment(), Settings(), {"x.md": data})
    assert [s.new for s in found] == [written or final]
    after = extract_text(apply_to_bytes(data, found), "x.md")
    assert [link.url for link in after.links] == [written or final]


# ---------------------------------------------------------------- idempotence


def test_suggesting_again_after_applying_proposes_nothing():
    case = load_case()
    _, found = case.run(LIST)
    chosen = select(found, None, "low")
    patched = apply_to_bytes(LIST, chosen)
    _, again = case.run(patched)
    assert again == []
    # the same after a recheck found every new URL alive and the renamed repo by its name
    for s in chosen:
        if s.old and s.new:
            case.results.setdefault(
                normalize(s.new),
                LinkResult(url=normalize(s.new), verdict=Verdict.ALIVE, status=200),
            )
    case.repos["new-owner/new-name"] = case.repos["old-owner/old-name"]
    _, again = case.run(patched)
    assert again == []


def test_archive_append_style_is_idempotent_too():
    case = load_case()
    settings = Settings(archive_style="append")
    _, found = case.run(LIST, settings)
    archive = [s for s in found if s.kind == "archive"]
    assert [(s.old, s.new) for s in archive] == [
        (
            "",
            " [archived](https://web.archive.org/web/20200101000000/"
            "https://blog.example.net/posts/dead-post.html)",
        )
    ]
    patched = apply_to_bytes(LIST, archive)
    assert b"dead-post.html)] [archived](https://web.archive.org/" in patched
    _, again = case.run(patched, settings)
    assert not [s for s in again if s.kind == "archive"]


def test_archive_waits_for_the_failure_threshold():
    case = load_case()
    dead = normalize("https://blog.example.net/posts/dead-post.html")
    case.results[dead] = replace(case.results[dead], consecutive_failures=1)
    _, found = case.run(LIST)
    assert not [s for s in found if s.kind == "archive"]


# ---------------------------------------------------------------- byte preservation


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def _bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def _trailing_blanks(data: bytes) -> bytes:
    return b"\n".join(line + b" \t " if line else line for line in data.split(b"\n"))


def _non_ascii(data: bytes) -> bytes:
    data = data.replace(b"Moved Page Network", "移动页面 Network — naïve".encode())
    return data.replace(b"# Fixture list\n", "# Fixture list\n\n注意力机制 ✓ café\n".encode())


def _no_final_newline(data: bytes) -> bytes:
    return data.rstrip(b"\n")


def _last_line_edited(data: bytes) -> bytes:
    """The unverifiable link moved to the end of the file, without a newline."""
    return (
        data.rstrip(b"\n") + b"\n- Moved Again [[x](https://openaccess.example.com/old/paper.html)]"
    )


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "crlf": _crlf,
    "bom+crlf": lambda d: _bom(_crlf(d)),
    "bom": _bom,
    "trailing-spaces-tabs": _trailing_blanks,
    "non-ascii": _non_ascii,
    "no-final-newline": _no_final_newline,
    "crlf+non-ascii+no-final-newline": lambda d: _no_final_newline(_crlf(_non_ascii(d))),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_only_the_intended_bytes_change(tmp_path: Path, variant: str):
    transform = VARIANTS[variant]
    before, expected = transform(LIST), transform(EXPECTED)
    _, found = load_case().run(before)
    chosen = select(found, None, "low")
    assert apply_to_bytes(before, chosen) == expected
    patch = render_patch({"list.md": before}, chosen)
    assert check_patch_applies(tmp_path, "list.md", before, patch) == expected


def test_a_changed_last_line_without_newline_is_marked(tmp_path: Path):
    before = _last_line_edited(_crlf(LIST))
    _, found = load_case().run(before)
    chosen = select(found, {"redirect"})
    patch = render_patch({"list.md": before}, chosen)
    assert patch.endswith(
        "+- Moved Again [[x](https://openaccess.example.com/content/paper.html)]\n"
        "\\ No newline at end of file\n"
    )
    after = check_patch_applies(tmp_path, "list.md", before, patch)
    assert after.endswith(b"[[x](https://openaccess.example.com/content/paper.html)]")
    assert after.count(b"\r\n") == before.count(b"\r\n")


def test_invalid_utf8_bytes_survive(tmp_path: Path):
    before = LIST.replace(b"A list with one case", b"A list \xff\xfe with one case")
    _, found = load_case().run(before)
    chosen = select(found, {"wechat", "tracking"})
    patch = render_patch({"list.md": before}, chosen)
    after = check_patch_applies(tmp_path, "list.md", before, patch)
    assert after == apply_to_bytes(before, chosen)
    assert b"\xff\xfe" in after


def test_stale_spans_are_refused():
    _, found = load_case().run(LIST)
    shifted = b"\n" + LIST
    with pytest.raises(SuggestionMismatch, match="changed since it was read"):
        apply_to_bytes(shifted, select(found))


# ---------------------------------------------------------------- venues and arXiv


def _paper(arxiv_id: str, journal_ref: str | None = None, comment: str | None = None) -> PaperMeta:
    return PaperMeta(
        arxiv_id=arxiv_id,
        version=1,
        title="T",
        authors=(),
        abstract="",
        published="2020-01-01T00:00:00Z",
        updated="2020-01-01T00:00:00Z",
        journal_ref=journal_ref,
        doi=None,
        comment=comment,
        primary_category=None,
    )


@pytest.mark.parametrize(
    ("venue", "journal_ref", "comment", "new"),
    [
        ("(CVPR-2020)", "CVPR 2020", None, None),
        ("(CVPR)", "CVPR 2021", None, None),
        ("(NIPS-2019)", None, "NeurIPS 2019 spotlight", None),
        ("(CVPR-2020)", None, "Submitted to ECCV 2020", None),
        ("(CVPR-2020)", "ECCV 2020", None, "(ECCV-2020)"),
        ("(CVPR 2020)", None, "Accepted at CVPR 2021", "(CVPR 2021)"),
    ],
)
def test_venue_changes(venue: str, journal_ref: str | None, comment: str | None, new: str | None):
    data = f"- Net {venue}[[paper](https://arxiv.org/abs/2001.00001)]\n".encode()
    paper = _paper("2001.00001", journal_ref, comment)
    doc = extract_text(data, "x.md")
    alive = LinkResult(url="https://arxiv.org/abs/2001.00001", verdict=Verdict.ALIVE, status=200)
    found = candidates(
        [doc],
        {alive.url: alive},
        Enrichment(papers={"2001.00001": paper}),
        Settings(),
        {"x.md": data},
    )
    assert [s.new for s in found if s.kind == "venue"] == ([new] if new else [])
    assert all(s.confidence is Confidence.LOW for s in found)


def test_no_venue_inserted_into_a_link_label_that_doubles_as_the_title():
    """``- [Paper Title](arxiv…)``: the title is the label; inserting after it would land
    inside the brackets (found by the property test)."""
    data = b"- - [paper](https://arxiv.org/abs/2001.00001)\n"
    paper = _paper("2001.00001", "ECCV 2019")
    doc = extract_text(data, "x.md")
    alive = LinkResult(url="https://arxiv.org/abs/2001.00001", verdict=Verdict.ALIVE, status=200)
    found = candidates(
        [doc],
        {alive.url: alive},
        Enrichment(papers={"2001.00001": paper}),
        Settings(),
        {"x.md": data},
    )
    assert [s for s in found if s.kind == "venue"] == []


def test_arxiv_only_entry_gets_the_published_venue_in_the_list_style():
    data = (
        b"## arXiv papers\n"
        b"- Old Net (CVPR 2019)[[paper](https://arxiv.org/abs/1901.00001)]\n"
        b"- Fresh Net[[paper](https://arxiv.org/abs/2001.00001)]\n"
    )
    doc = extract_text(data, "x.md")
    alive = {
        normalize(link.url): LinkResult(url=normalize(link.url), verdict=Verdict.ALIVE)
        for link in doc.links
    }
    papers = {"2001.00001": _paper("2001.00001", "WACV 2021")}
    found = candidates([doc], alive, Enrichment(papers=papers), Settings(), {"x.md": data})
    assert [(s.kind, s.new) for s in found] == [("venue", " (WACV 2021)")]
    assert apply_to_bytes(data, found).endswith(
        b"- Fresh Net (WACV 2021)[[paper](https://arxiv.org/abs/2001.00001)]\n"
    )


def test_arxiv_link_follows_a_plain_link_style():
    data = b"- Some Net (CVPR-2020) [paper](https://papers.example.cc/some.pdf), [code](https://github.com/a/b)\n"
    doc = extract_text(data, "x.md")
    alive = {
        normalize(link.url): LinkResult(url=normalize(link.url), verdict=Verdict.ALIVE)
        for link in doc.links
    }
    hits = {doc.entries[0].title: _paper("2001.00009")}
    found = candidates([doc], alive, Enrichment(title_hits=hits), Settings(), {"x.md": data})
    assert [(s.kind, s.new) for s in found] == [
        ("arxiv", " [arXiv](https://arxiv.org/abs/2001.00009)")
    ]


# ---------------------------------------------------------------- Semantic Scholar evidence


def _s2(venue: str, year: int, doi: str | None = None) -> S2Paper:
    return S2Paper(
        paper_id="abc",
        title="Old Net",
        venue=venue,
        venue_full=f"{venue} (long name)",
        venue_type="conference",
        year=year,
        publication_date=None,
        citations=12,
        doi=doi,
        arxiv_id="1901.00001",
        dblp=None,
        journal=None,
    )


def test_s2_venue_wins_over_arxiv_and_names_its_source():
    data = b"- Old Net (CVPR-2018)[[paper](https://arxiv.org/abs/1901.00001)]\n"
    doc = extract_text(data, "x.md")
    alive = LinkResult(url="https://arxiv.org/abs/1901.00001", verdict=Verdict.ALIVE, status=200)
    known = Enrichment(
        papers={"1901.00001": _paper("1901.00001", "ECCV 2018")},
        s2={"ARXIV:1901.00001": _s2("CVPR", 2019, doi="10.1109/CVPR.2019.1")},
    )
    found = candidates([doc], {alive.url: alive}, known, Settings(), {"x.md": data})
    venue = [s for s in found if s.kind == "venue"]
    assert [(s.old, s.new) for s in venue] == [("(CVPR-2018)", "(CVPR-2019)")]
    assert venue[0].reason.startswith("Semantic Scholar says CVPR 2019")
    assert venue[0].confidence is Confidence.LOW
    assert not [s for s in found if s.kind == "doi"]  # listed with a venue: not a preprint


def test_s2_published_preprint_gets_venue_and_low_confidence_doi_link():
    data = b"- Old Net[[paper](https://arxiv.org/abs/1901.00001)]\n"
    doc = extract_text(data, "x.md")
    alive = LinkResult(url="https://arxiv.org/abs/1901.00001", verdict=Verdict.ALIVE, status=200)
    known = Enrichment(s2={"ARXIV:1901.00001": _s2("WACV", 2021, doi="10.1109/WACV.2021.7")})
    found = candidates([doc], {alive.url: alive}, known, Settings(), {"x.md": data})
    by_kind = {s.kind: s for s in found}
    assert by_kind["venue"].new == " (WACV-2021)"
    assert by_kind["doi"].new == "[[DOI](https://doi.org/10.1109/WACV.2021.7)]"
    assert by_kind["doi"].confidence is Confidence.LOW
    patched = apply_to_bytes(data, select(found, None, "low"))
    assert patched == (
        b"- Old Net (WACV-2021)[[paper](https://arxiv.org/abs/1901.00001)]"
        b"[[DOI](https://doi.org/10.1109/WACV.2021.7)]\n"
    )
    again = extract_text(patched, "x.md")
    assert not candidates([again], {alive.url: alive}, known, Settings(), {"x.md": patched})


def test_s2_venue_unknown_to_lists_is_not_proposed():
    data = b"- Old Net (CVPR-2018)[[paper](https://arxiv.org/abs/1901.00001)]\n"
    doc = extract_text(data, "x.md")
    alive = LinkResult(url="https://arxiv.org/abs/1901.00001", verdict=Verdict.ALIVE, status=200)
    known = Enrichment(s2={"ARXIV:1901.00001": _s2("Journal of Obscure Results", 2020)})
    assert not candidates([doc], {alive.url: alive}, known, Settings(), {"x.md": data})
