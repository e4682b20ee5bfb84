"""Property: for random lists and random subsets of suggestion kinds, applying the
edits and extracting again gives the same links and entries, and only the suggested
URLs differ; suggesting again proposes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from linkwatch.config import Settings
from linkwatch.enrich import Enrichment
from linkwatch.extract import extract_text
from linkwatch.models import (
    Confidence,
    LinkResult,
    PaperMeta,
    RedirectKind,
    RepoMeta,
    Suggestion,
    Verdict,
)
from linkwatch.suggest import PRIORITY, apply_to_bytes, candidates, resolve, select
from linkwatch.urls import normalize

# kinds that edit in place and neither add nor remove a link
KINDS = ["rename", "redirect", "wechat", "tracking", "https", "archive", "archived", "venue"]
BEHAVIOURS = [
    "alive",
    "tracking",
    "wechat",
    "redirect",
    "redirect+tracking",
    "http",
    "renamed",
    "archived",
    "dead",
    "temporary",
    "login",
    "unverifiable",
    "arxiv",
]
TITLE_CHARS = st.sampled_from(list("abcdefghij KLMNOP-:,.注意力机制éü0123456789"))


@dataclass
class World:
    """Stored results and enrichment for the URLs a generated list uses."""

    results: dict[str, LinkResult] = field(default_factory=dict)
    repos: dict[str, RepoMeta] = field(default_factory=dict)
    papers: dict[str, PaperMeta] = field(default_factory=dict)
    snapshots: dict[str, str] = field(default_factory=dict)

    def result(self, url: str, verdict: Verdict = Verdict.ALIVE, **fields: object) -> None:
        key = normalize(url)
        self.results[key] = LinkResult(url=key, verdict=verdict, status=200, **fields)  # type: ignore[arg-type]

    def link(self, behaviour: str, i: int) -> str:
        """A URL with ``behaviour``; ``i`` keeps URLs of different links apart."""
        if behaviour == "alive":
            url = f"https://site{i}.example.com/p/{i}"
        elif behaviour == "tracking":
            url = f"https://site{i}.example.com/p?id={i}&utm_source=x&fbclid=y{i}"
        elif behaviour == "wechat":
            url = f"https://mp.weixin.qq.com/s?__biz=QQ{i}==&mid=1&idx=1&sn=s{i}&scene=1&key=k{i}"
        elif behaviour in ("redirect", "redirect+tracking"):
            url = f"https://old{i}.example.com/a/{i}"
            if behaviour == "redirect+tracking":
                url += "?utm_medium=z"
            final = f"https://new{i}.example.com/b/{i}"
            self.result(
                url,
                Verdict.REDIRECT,
                final_url=final,
                redirect_kind=RedirectKind.PERMANENT,
                chain=[(301, final)],
            )
            return url
        elif behaviour == "http":
            url = f"http://plain{i}.example.org/x/{i}"
            self.result("https" + url[4:])
        elif behaviour in ("renamed", "archived"):
            url = f"https://github.com/own{i}/repo{i}"
            name = f"other{i}/new{i}" if behaviour == "renamed" else f"own{i}/repo{i}"
            self.repos[f"own{i}/repo{i}"] = RepoMeta(
                name, 1, 0, behaviour == "archived", None, None, None, f"https://github.com/{name}"
            )
        elif behaviour == "dead":
            url = f"https://gone{i}.example.net/post/{i}"
            self.result(url, Verdict.DEAD, consecutive_failures=3)
            self.snapshots[normalize(url)] = f"https://web.archive.org/web/2020/{url}"
            return url
        elif behaviour == "temporary":
            url = f"https://temp{i}.example.com/t/{i}"
            self.result(url, redirect_kind=RedirectKind.TEMPORARY, final_url=url + "-v2")
            return url
        elif behaviour == "login":
            url = f"https://walled{i}.example.com/p/{i}"
            self.result(
                url,
                Verdict.REDIRECT,
                final_url=f"https://walled{i}.example.com/login",
                redirect_kind=RedirectKind.PERMANENT,
            )
            return url
        elif behaviour == "unverifiable":
            url = f"https://blocked{i}.example.com/p/{i}?utm_source=q"
            self.result(url, Verdict.UNVERIFIABLE)
            return url
        else:  # arxiv, with a journal_ref naming a venue
            arxiv_id = f"2001.{i:05d}"
            url = f"https://arxiv.org/abs/{arxiv_id}"
            self.papers[arxiv_id] = PaperMeta(
                arxiv_id, 1, "T", (), "", "", "", f"ECCV {2018 + i % 4}", None, None, None
            )
        self.result(url)
        return url


@st.composite
def lists(draw: st.DrawFn) -> tuple[bytes, World]:
    world = World()
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    wrapped = draw(st.booleans())
    counter = 0
    lines = ["# A list", "", "## Papers"]
    for _ in range(draw(st.integers(1, 6))):
        title = draw(st.text(TITLE_CHARS, min_size=1, max_size=20)).strip() or "Paper"
        venue = draw(st.sampled_from(["", " (CVPR-2020)", " (ICCV 2019)"]))
        links = []
        for behaviour in draw(st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=4)):
            counter += 1
            url = world.link(behaviour, counter)
            label = draw(st.sampled_from(["paper", "code", "blog"]))
            links.append(f"[[{label}]({url})]" if wrapped else f" [{label}]({url})")
        trailing = draw(st.sampled_from(["", "  ", "\t"]))
        lines.append(f"- {title}{venue}{''.join(links)}{trailing}")
    text = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + text.encode("utf-8"), world


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lists(), st.sets(st.sampled_from(KINDS), min_size=1))
def test_applying_changes_only_the_suggested_urls(generated: tuple[bytes, World], kinds: set[str]):
    data, world = generated
    config = Settings(mark_archived_repos=True)
    before = extract_text(data, "list.md")

    def propose(doc_bytes: bytes) -> list:
        doc = extract_text(doc_bytes, "list.md")
        found = candidates(
            [doc],
            world.results,
            Enrichment(papers=world.papers, repos=world.repos, snapshots=world.snapshots),
            config,
            {"list.md": doc_bytes},
        )
        return select(found, kinds, "low")

    chosen = propose(data)
    for kind in sorted({s.kind for s in chosen}):
        event(f"applied {kind}")
    assert {s.kind for s in chosen} <= kinds
    patched = apply_to_bytes(data, chosen)
    after = extract_text(patched, "list.md")

    assert len(after.links) == len(before.links)
    assert len(after.entries) == len(before.entries)
    url_edits = {s.start: s.new for s in chosen if s.start != s.end and s.old and s.kind != "venue"}
    for old, new in zip(before.links, after.links, strict=True):
        assert new.url == url_edits.get(old.start, old.url)
        assert new.label == old.label
    assert propose(patched) == []
    if not chosen:
        assert patched == data


def _conflict(a: Suggestion, b: Suggestion) -> bool:
    """The overlap rule spelled out: insertions at one point coexist, nothing else may
    touch another edit's interior."""
    if a.start == a.end and b.start == b.end:
        return False
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return max(a.start, b.start) < min(a.end, b.end)


edits = st.builds(
    lambda start, length, kind, new: Suggestion(
        "f.md", 1, start, start + length, "x" * length, new, "r", Confidence.HIGH, kind
    ),
    st.integers(0, 30),
    st.sampled_from([0, 0, 1, 2, 3, 7]),
    st.sampled_from(PRIORITY),
    st.sampled_from(["a", "b"]),
)


@given(st.lists(edits, max_size=15))
def test_resolve_keeps_the_best_non_conflicting_edits(found: list[Suggestion]):
    kept = resolve(found)
    assert not any(_conflict(a, b) for i, a in enumerate(kept) for b in kept[i + 1 :])
    rank = {kind: i for i, kind in enumerate(PRIORITY)}
    for s in set(found) - set(kept):  # each dropped edit lost to a better one
        assert any(_conflict(s, k) and rank[k.kind] <= rank[s.kind] for k in kept)
