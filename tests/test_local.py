"""Fragment and local-file checks: exact, offline, from the list's own anchors."""

from __future__ import annotations

from pathlib import Path

from linkwatch.extract import extract_file
from linkwatch.models import Anchor, Document, Entry, Link, LinkKind, Target, Verdict
from linkwatch.sites.local import check_local

FIXTURE = Path(__file__).parent / "fixtures" / "sites" / "local"


def _link(url: str, line: int, target: Target, file: str = "README.md") -> Link:
    return Link(
        url=url,
        file=file,
        line=line,
        column=1,
        start=0,
        end=len(url),
        label="x",
        kind=LinkKind.OTHER,
        target=target,
        section="",
        entry=None,
        syntax="inline",
    )


def _doc(links: list[Link], anchors: list[Anchor], entries: tuple[Entry, ...] = ()) -> Document:
    return Document(file="README.md", links=tuple(links), entries=entries, anchors=tuple(anchors))


def test_fragments_match_case_insensitively_after_percent_decoding(tmp_path: Path) -> None:
    anchors = [Anchor("README.md", "性能-performance", 3, "heading")]
    links = [
        _link("#%E6%80%A7%E8%83%BD-Performance", 1, Target.FRAGMENT),
        _link("#性能-PERFORMANCE", 2, Target.FRAGMENT),
        _link("#user-content-性能-performance", 2, Target.FRAGMENT),
        _link("#", 2, Target.FRAGMENT),
    ]
    results, findings = check_local([_doc(links, anchors)], [tmp_path])
    assert findings == []
    assert [r.verdict for r in results.values()] == [Verdict.ALIVE] * 4


def test_one_broken_occurrence_makes_the_link_dead(tmp_path: Path) -> None:
    other = Document(
        file="docs/B.md",
        links=(_link("#intro", 5, Target.FRAGMENT, file="docs/B.md"),),
        entries=(),
        anchors=(),
    )
    first = _doc(
        [_link("#intro", 1, Target.FRAGMENT)], [Anchor("README.md", "intro", 2, "heading")]
    )
    results, findings = check_local([first, other], [tmp_path, tmp_path])
    assert [(r.url, r.verdict) for r in results.values()] == [("#intro", Verdict.DEAD)]
    assert [(f.kind, f.file, f.line) for f in findings] == [("missing_fragment", "docs/B.md", 5)]


def test_fixture_list_gives_exactly_the_expected_findings() -> None:
    doc = extract_file(FIXTURE / "README.md", "README.md")
    results, findings = check_local([doc], [FIXTURE])

    assert [(f.kind, f.line) for f in findings] == [
        ("missing_fragment", 12),
        ("missing_fragment", 15),
        ("missing_file", 16),
        ("duplicate_url", 21),
        ("duplicate_anchor", 32),
    ]
    by_line = {f.line: f.message for f in findings}
    assert by_line[12] == "#does-not-exist matches no heading or anchor in README.md"
    assert by_line[15] == (
        "src/Datasets.md#video: #video matches no heading or anchor in src/Datasets.md"
    )
    assert by_line[16] == "src/Missing.md: no such file src/Missing.md"
    assert "https://arxiv.org/abs/2010.03045 is also linked from entry" in by_line[21]
    assert "(README.md:20)" in by_line[21]
    assert by_line[32].startswith("anchor #papers (html) is already defined at line 19 (heading)")

    verdicts = {url: r.verdict for url, r in results.items()}
    dead = {url for url, verdict in verdicts.items() if verdict is Verdict.DEAD}
    assert dead == {"#does-not-exist", "src/Datasets.md#video", "src/Missing.md"}
    for alive in (
        "#papers",
        "#性能-performance",
        "#%E6%80%A7%E8%83%BD-performance",
        "#注意力机制attention",
        "#notes-1",
        "#legacy",
        "#user-content-legacy",
        "#PAPERS",
        "src/Datasets.md",
        "src/Datasets.md#图像-image",
        "src/",
    ):
        assert verdicts[alive] is Verdict.ALIVE, alive
