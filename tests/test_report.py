"""Pure renderers: workflow-command escaping, Markdown grouping, summary counts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from linkwatch.enrich import Enrichment
from linkwatch.extract import extract_text
from linkwatch.formats.markdown import MAX_CODE, render_edit
from linkwatch.models import Confidence, ErrorCode, LinkResult, RepoMeta, Suggestion, Verdict
from linkwatch.report import ReportInput, build_report, render_github, render_markdown
from linkwatch.urls import classify, normalize

LIST = b"""# L

## Sec, one: two
- Entry A [[p](https://a.example/x%y)] [[q](https://b.example/)]
- Entry B [[r](https://c.example/moved)] [[s](https://d.example/wall)]
"""


def make_report(fail_after: int = 2) -> dict:
    doc = extract_text(LIST, "docs/my list.md")
    results = {
        "https://a.example/x%y": LinkResult(
            "https://a.example/x%y",
            Verdict.DEAD,
            status=404,
            error=ErrorCode.HTTP,
            reason="404 Not Found",
            consecutive_failures=2,
            first_failed_at="2026-11-20T03:00:00Z",
        ),
        "https://b.example/": LinkResult(
            "https://b.example/",
            Verdict.DEAD,
            error=ErrorCode.TIMEOUT,
            reason="timed out\nafter 20 s",
            consecutive_failures=1,
        ),
        "https://c.example/moved": LinkResult(
            "https://c.example/moved",
            Verdict.REDIRECT,
            status=301,
            final_url="https://c.example/new",
        ),
        "https://d.example/wall": LinkResult(
            "https://d.example/wall",
            Verdict.UNVERIFIABLE,
            status=403,
            error=ErrorCode.BLOCKED,
            reason="bot wall",
        ),
    }
    return build_report(
        ReportInput(
            documents=[doc],
            results=results,
            generated_at="2026-11-25T03:00:00Z",
            fail_after=fail_after,
        )
    )


def test_summary_counts_each_link_once():
    s = make_report()["summary"]
    assert (s["links"], s["dead"], s["redirect"], s["unverifiable"]) == (4, 2, 1, 1)
    assert (s["broken"], s["failing"], s["alive"]) == (1, 1, 0)


def test_github_annotations_escape_per_workflow_command_rules():
    out = render_github(make_report()).splitlines()
    assert out[0] == (
        "::error file=docs/my list.md,line=4,col=16,title=Broken link::"
        "https://a.example/x%25y: 404 Not Found"
    )
    assert out[1].startswith("::warning file=docs/my list.md,line=4,")
    assert "timed out%0Aafter 20 s" in out[1]
    assert "title=Failing link (1 run)" in out[1]
    assert out[2].startswith("::warning ") and "moved to https://c.example/new" in out[2]
    assert len(out) == 3  # nothing for unverifiable links


def test_property_escaping_of_commas_and_colons():
    report = make_report()
    report["links"][0]["occurrences"][0]["file"] = "a,b:c.md"
    assert "file=a%2Cb%3Ac.md," in render_github(report)


def test_markdown_groups_broken_by_section_and_says_since_when():
    md = render_markdown(make_report())
    assert "## Broken links (1)" in md
    assert "### Sec, one: two" in md
    broken = md[md.index("## Broken links") : md.index("## Failing")]
    assert "<https://a.example/x%y> — 404 Not Found; failing since 2026-11-20" in broken
    assert "· at `docs/my list.md:4` Entry A" in broken
    assert "failing (1 of 2)" in md
    assert "<https://c.example/moved> → <https://c.example/new>" in md
    assert md.index("## Permanent redirects") < md.index("## Unverifiable")


# ---------------------------------------------------------------- the action-first page


PAGE_PX = 1012  # GitHub's README column at its widest
CODE_CHAR_PX = 8.2  # SFMono at 85 % of 16 px, GitHub's code span font
SOURCE = {"server": "https://github.com", "repository": "o/r", "sha": "abc123", "prefix": ""}


def gfm(markdown: str) -> str:
    """Rendered as GitHub renders Markdown (tables, strikethrough, autolinks, raw HTML)."""
    return MarkdownIt("gfm-like", {"html": True}).render(markdown)


class Blocks(HTMLParser):
    """The rendered page as (tag, text, hrefs) per block element, and every code span."""

    BLOCK = frozenset({"h1", "h2", "h3", "p", "li", "blockquote", "table", "details", "tr"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.blocks: list[list] = []
        self.codes: list[str] = []
        self.stray_backticks: list[str] = []
        self._in_code = False
        self._in_pre = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BLOCK:
            self.blocks.append([tag, "", []])
        if tag == "pre":
            self._in_pre = True
        if tag == "code" and not self._in_pre:  # spans only: blocks scroll, never widen
            self._in_code = True
            self.codes.append("")
        if tag == "a" and self.blocks:
            self.blocks[-1][2].append(dict(attrs)["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._in_code = False
        if tag == "pre":
            self._in_pre = False

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.codes[-1] += data
        elif "`" in data and not self._in_pre:
            self.stray_backticks.append(data)
        if self.blocks:
            self.blocks[-1][1] += data


def section_items(blocks: Blocks, title: str) -> list[list]:
    """The <li> blocks under the h2 whose text starts with ``title``."""
    out, inside = [], False
    for tag, text, hrefs in blocks.blocks:
        if tag == "h2":
            inside = text.startswith(title)
        elif inside and tag == "li":
            out.append([tag, text, hrefs])
    return out


def assert_fits_the_page(html: str) -> None:
    page = Blocks(html)
    widest = max(page.codes, key=len, default="")
    assert len(widest) * CODE_CHAR_PX + 16 < PAGE_PX - 64, widest  # 32 px padding each side
    assert len(widest) <= MAX_CODE
    assert not page.stray_backticks, page.stray_backticks[:3]  # no `` from an empty value
    for block in re.findall(r"<pre>(.*?)</pre>", html, re.S):  # commands: short lines
        assert all(len(line) * CODE_CHAR_PX < PAGE_PX - 64 for line in block.splitlines())


HEADINGS = b"""# Crowd

## 2025
### Conference
- Paper 2025 [[paper](https://p.example/2025)]

### 2024
- Paper 2024 [[paper](https://p.example/2024)] [[dup](https://p.example/shared)]

## Alphabetically first
- Early [[paper](https://p.example/shared)]

### 2019
- ICCV 2019 paper [[code](https://github.com/late/repo)]
"""


def dead(url: str, failures: int = 3) -> LinkResult:
    return LinkResult(
        url, Verdict.DEAD, status=404, error=ErrorCode.HTTP, reason="404 Not Found",
        consecutive_failures=failures, first_failed_at="2026-11-01T03:00:00Z",
    )  # fmt: skip


def headings_report(**extra) -> dict:
    doc = extract_text(HEADINGS, "README.md")
    urls = [
        "https://p.example/2025",
        "https://p.example/2024",
        "https://p.example/shared",
        "https://github.com/late/repo",
    ]
    return build_report(
        ReportInput(
            documents=[doc],
            results={u: dead(u) for u in urls},
            generated_at="2026-11-25T03:00:00Z",
            source=SOURCE,
            **extra,
        )
    )


def test_sections_in_file_order_and_every_occurrence_with_its_line_link():
    md = render_markdown(headings_report())
    broken = md[md.index("## Broken links") : md.index("## Failing")]
    titles = [line for line in broken.splitlines() if line.startswith("### ")]
    # by the line each group starts on, not alphabetically ("2025 > 2024" sorts first)
    assert titles == [
        "### 2025 \\> Conference",
        "### 2025 \\> 2024",
        "### Alphabetically first \\> 2019",
    ]
    shared = next(line for line in broken.splitlines() if "p.example/shared" in line)
    assert "(+1 more)" not in md
    assert "blob/abc123/README.md#L8)" in shared and "blob/abc123/README.md#L11)" in shared


def test_each_broken_link_has_its_fix_on_its_line():
    doc = extract_text(HEADINGS, "README.md")
    url = "https://p.example/2025"
    link = next(link for link in doc.links if link.url == url)
    wayback = f"https://web.archive.org/web/20200612000000/{url}"
    fix = Suggestion(
        "README.md", link.line, link.start, link.end, url, wayback, "archived copy",
        Confidence.MEDIUM, "archive",
    )  # fmt: skip
    report = build_report(
        ReportInput(
            documents=[doc],
            results={url: dead(url)},
            generated_at="2026-11-25T03:00:00Z",
            suggestions=[fix],
            source=SOURCE,
        )
    )
    page = Blocks(gfm(render_markdown(report)))
    (item,) = section_items(page, "Broken links")
    assert "fix: use the Wayback snapshot 2020-06-12" in item[1]
    assert wayback in item[2]
    assert "https://github.com/o/r/blob/abc123/README.md#L5" in item[2]


def test_edits_render_as_their_changed_part():
    assert render_edit("", " (WACV-2021)") == "insert `(WACV-2021)`"
    assert render_edit("[[paper](https://a.example/x)]", "") == (
        "delete `[[paper](https://a.example/x)]`"
    )
    old = "https://github.com/LandskapeAI/triplet-attention"
    new = "https://github.com/landskape-ai/triplet-attention"
    assert render_edit(old, new) == (
        "`…ithub.com/LandskapeAI/triplet-a…` → `…ithub.com/landskape-ai/triplet-a…`"
    )
    long_old = "https://example.org/" + "a" * 300
    rendered = render_edit(long_old, long_old + "?x=1")
    assert all(len(part) <= MAX_CODE + 2 for part in rendered.split("`")[1::2])


def test_archived_and_long_quiet_repositories_are_listed():
    doc = extract_text(
        b"# L\n- A [[code](https://github.com/old/archived)]\n"
        b"- B [[code](https://github.com/old/quiet)]\n- C [[code](https://github.com/new/busy)]\n",
        "README.md",
    )

    def meta(name: str, archived: bool, pushed: str) -> RepoMeta:
        return RepoMeta(name, 10, 1, archived, pushed, None, None, f"https://github.com/{name}")

    repos = {
        "old/archived": meta("old/archived", True, "2019-05-02T00:00:00Z"),
        "old/quiet": meta("old/quiet", False, "2022-06-01T00:00:00Z"),
        "new/busy": meta("new/busy", False, "2026-11-01T00:00:00Z"),
    }
    results = {
        f"https://github.com/{k}": LinkResult(f"https://github.com/{k}", Verdict.ALIVE)
        for k in repos
    }

    def page(years: float) -> str:
        return render_markdown(
            build_report(
                ReportInput(
                    documents=[doc],
                    results=results,
                    generated_at="2026-11-25T03:00:00Z",
                    enrichment=Enrichment(repos=repos),
                    stale_years=years,
                )
            )
        )

    md = page(3)
    archived = md[md.index("## Archived repositories (1)") : md.index("## No push")]
    assert "old/archived" in archived and "last push 2019-05-02" in archived
    quiet = md[md.index("## No push in 3 years (1)") : md.index("## Unverifiable")]
    assert "old/quiet" in quiet and "new/busy" not in quiet
    assert "## No push in 5 years (0)" in page(5)


def test_the_entrys_own_repository_is_shown_not_the_one_it_is_based_on():
    """YOLO-CROWD, based on YOLO-FaceV2: without metadata for its own repository, the
    entry says so instead of showing YOLO-FaceV2's stars."""
    doc = extract_text(
        b"# L\n- [[YOLO-CROWD](https://github.com/zaki1003/YOLO-CROWD)] a crowd model based"
        b" on [[YOLO-FaceV2](https://github.com/Krasjet-Yu/YOLO-FaceV2)]\n",
        "README.md",
    )
    face = RepoMeta("Krasjet-Yu/YOLO-FaceV2", 900, 1, False, None, None, None, "https://x")
    report = build_report(
        ReportInput(
            documents=[doc],
            results={},
            generated_at="2026-11-25T03:00:00Z",
            enrichment=Enrichment(repos={"krasjet-yu/yolo-facev2": face}),
        )
    )
    (entry,) = report["entries"]
    assert entry["github"] is None and entry["repository"] == "zaki1003/YOLO-CROWD"
    md = render_markdown(report)
    assert "zaki1003/YOLO-CROWD (no metadata)" in md and "★900" not in md


def test_empty_links_are_findings_not_quiet_exclusions():
    doc = extract_text(b"# L\n- Paper [paper]() [code](https://c.example/)\n", "README.md")
    report = build_report(
        ReportInput(documents=[doc], results={}, generated_at="2026-11-25T03:00:00Z")
    )
    assert {"kind": "empty_link", "file": "README.md", "line": 2,
            "message": "[paper]() has no target"} in report["findings"]  # fmt: skip
    assert "empty link: \\[paper\\]() has no target" in render_markdown(report)


# ---------------------------------------------------------------- a big real list

CROWD = Path("/work/shared/lists/gjy3035__Awesome-Crowd-Counting/README.md")


def big_list() -> tuple[bytes, str]:
    """The crowd-counting list (≈ 800 links) or, where it is absent, one of its size."""
    if CROWD.is_file():
        return CROWD.read_bytes(), "README.md"
    rows = []
    for year in range(2025, 2008, -1):
        rows.append(f"### {year}\n")
        for i in range(16):
            n = year * 100 + i
            rows.append(
                f"- **[Paper {n}]** (CVPR-{year}) [[paper](https://arxiv.org/abs/{n}.0{i:04})]"
                f" [[code](https://github.com/group{n}/repo{i})] [[blog](https://b.example/{n})]\n"
            )
    return ("# Awesome Crowd\n\n## Papers\n" + "".join(rows)).encode(), "README.md"


def big_report() -> dict:
    data, name = big_list()
    doc = extract_text(data, name)
    web = list(dict.fromkeys(link.url for link in doc.links if link.target.value == "web"))
    results, suggestions, repos = {}, [], {}
    for i, url in enumerate(web):
        key = normalize(url)
        if i % 20 == 0:
            results[key] = dead(key)
        elif i % 17 == 0:
            results[key] = LinkResult(key, Verdict.REDIRECT, status=301, final_url=key + "/new")
        else:
            results[key] = LinkResult(key, Verdict.ALIVE, status=200)
    for link in doc.links:
        if len(suggestions) >= 200:
            break
        if link.target.value == "web":
            suggestions.append(
                Suggestion(
                    link.file,
                    link.line,
                    link.start,
                    link.end,
                    link.url,
                    f"https://web.archive.org/web/20200101000000/{link.url}",
                    "archived copy",
                    Confidence.MEDIUM,
                    "archive",
                )
            )
        info = classify(link.url)
        if info.github_owner and info.github_repo:
            name = f"{info.github_owner}/{info.github_repo}"
            repos[name.lower()] = RepoMeta(
                name, 5, 1, len(repos) % 9 == 0, "2020-01-01T00:00:00Z", None, None,
                f"https://github.com/{name}",
            )  # fmt: skip
    return build_report(
        ReportInput(
            documents=[doc],
            results=results,
            generated_at="2026-11-25T03:00:00Z",
            enrichment=Enrichment(repos=repos),
            suggestions=suggestions,
            source=SOURCE,
            notes=["GitHub API budget spent: 120 repositories not refreshed."],
        )
    )


def test_a_big_report_opens_on_its_broken_links_and_fits_the_page():
    report = big_report()
    assert len(report["links"]) >= 700 and len(report["suggestions"]) == 200
    html = gfm(render_markdown(report))
    assert_fits_the_page(html)
    page = Blocks(html)
    first = next(i for i, b in enumerate(page.blocks) if b[0] == "li")
    before = page.blocks[:first]
    assert [b[0] for b in before if b[0] in ("table", "details")] == []
    assert any(b[0] == "h2" and b[1].startswith("Broken links") for b in before)
    # the height of what comes before the first broken link, at ~110 characters a line
    heights = {"h1": 56, "h2": 48, "h3": 36}
    height = sum(heights.get(tag, 16 + 24 * (len(text) // 110 + 1)) for tag, text, _ in before)
    assert height < 700  # a laptop's first screenful under GitHub's header
    for table in ("Suggested edits", "Entries with metadata"):
        start = html.index(f"<h2>{table}")
        first_row = html.index("<li>" if table == "Suggested edits" else "<table>", start)
        assert html.index("<details>", start) < first_row  # folded


def test_the_example_lists_report_fits_the_page():
    data = Path(__file__).parents[1].joinpath("src/linkwatch/data/awesome-cv-attention.md")
    doc = extract_text(data.read_bytes(), "README.md")
    report = build_report(
        ReportInput(
            documents=[doc],
            results={
                normalize(link.url): dead(normalize(link.url))
                for link in doc.links
                if link.target.value == "web"
            },
            generated_at="2026-11-25T03:00:00Z",
            source=SOURCE,
        )
    )
    html = gfm(render_markdown(report))
    assert_fits_the_page(html)
    items = section_items(Blocks(html), "Broken links")
    assert items and all("fix:" in text for _, text, _ in items)
    assert all(any("/blob/abc123/README.md#L" in h for h in hrefs) for _, _, hrefs in items)


@pytest.mark.parametrize("files", [["README.md"], ["README.md", "docs/more.md"]])
def test_line_links_label_lines_short_for_one_file(files):
    report = {**make_report(), "source": SOURCE, "files": files}
    md = render_markdown(report)
    assert ("[L4](" in md) == (len(files) == 1)


def test_unused_reference_definitions_are_findings():
    doc = extract_text(
        b"# L\n- A [paper][p]\n\n[p]: https://a.example/p\n[old]: https://a.example/old\n",
        "README.md",
    )
    report = build_report(
        ReportInput(documents=[doc], results={}, generated_at="2026-11-25T03:00:00Z")
    )
    unused = [f for f in report["findings"] if f["kind"] == "unused_definition"]
    assert unused == [
        {
            "kind": "unused_definition",
            "file": "README.md",
            "line": 5,
            "message": "[old]: https://a.example/old is defined but never used",
        }
    ]
