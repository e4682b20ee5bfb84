"""Pure renderers: workflow-command escaping, Markdown grouping, summary counts."""

from __future__ import annotations

from linkwatch.extract import extract_text
from linkwatch.models import ErrorCode, LinkResult, Verdict
from linkwatch.report import ReportInput, build_report, render_github, render_markdown

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
    assert "(1 of 2 runs)" in md
    assert "<https://c.example/moved> → <https://c.example/new>" in md
    assert md.index("## Permanent redirects") < md.index("## Unverifiable")
