"""Links inside the list itself: ``#fragment`` anchors and files next to the README.

These are checked exactly and without network, from the anchors the extractor
found (GitHub slugs, ``<a name/id>``). The outcome is one ``LinkResult`` per
distinct link text plus ``Finding``s for what a maintainer should fix: missing
fragments and files, anchors defined twice, one URL used by several entries.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..extract import InputError, extract_file
from ..models import Anchor, Document, Finding, LinkResult, Target, Verdict
from ..urls import normalize

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
# GitHub renders heading ids as "user-content-<slug>" and accepts links to either form.
_GITHUB_PREFIX = "user-content-"


def anchor_key(name: str) -> str:
    """How GitHub matches a fragment to an anchor: percent-decoded, case-insensitive."""
    return unquote(name).casefold()


def anchor_index(anchors: Iterable[Anchor]) -> dict[str, Anchor]:
    """First anchor per key; later ones with the same key are unreachable duplicates."""
    index: dict[str, Anchor] = {}
    for anchor in anchors:
        index.setdefault(anchor_key(anchor.name), anchor)
    return index


def has_anchor(index: Mapping[str, Anchor], fragment: str) -> bool:
    """An empty fragment means the top of the page, which always exists."""
    key = anchor_key(fragment)
    if not key:
        return True
    return key in index or (key.startswith(_GITHUB_PREFIX) and key[len(_GITHUB_PREFIX) :] in index)


def duplicate_anchors(doc: Document) -> list[Finding]:
    """Anchors whose key is defined again later: a link can only ever reach the first."""
    findings: list[Finding] = []
    first: dict[str, Anchor] = {}
    for anchor in doc.anchors:
        key = anchor_key(anchor.name)
        if key in first:
            original = first[key]
            findings.append(
                Finding(
                    kind="duplicate_anchor",
                    file=doc.file,
                    line=anchor.line,
                    message=(
                        f"anchor #{anchor.name} ({anchor.source}) is already defined at line "
                        f"{original.line} ({original.source}); links reach only the first"
                    ),
                )
            )
        else:
            first[key] = anchor
    return findings


def duplicate_urls(documents: Iterable[Document]) -> list[Finding]:
    """The same web URL (normal form plus fragment) listed under different entries."""
    findings: list[Finding] = []
    seen: dict[str, tuple[str, int, str]] = {}  # key -> (file, entry line, entry title)
    for doc in documents:
        for entry in doc.entries:
            reported: set[str] = set()
            for link in entry.links:
                if link.target is not Target.WEB:
                    continue
                fragment = urlsplit(link.url).fragment
                key = normalize(link.url) + (f"#{fragment}" if fragment else "")
                owner = (entry.file, entry.line, entry.title)
                first = seen.setdefault(key, owner)
                if first[:2] == owner[:2] or key in reported:
                    continue
                reported.add(key)
                findings.append(
                    Finding(
                        kind="duplicate_url",
                        file=link.file,
                        line=link.line,
                        message=(
                            f"{link.url} is also linked from entry “{first[2]}” "
                            f"({first[0]}:{first[1]})"
                        ),
                    )
                )
    return findings


@dataclass
class _LocalChecker:
    """Resolves relative links of each document and caches extracted target files."""

    checked_at: str
    results: dict[str, LinkResult] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _targets: dict[Path, dict[str, Anchor] | str] = field(default_factory=dict)

    def record(self, url: str, ok: bool, reason: str, finding: Finding | None = None) -> None:
        """One result per link text: dead as soon as any occurrence of it is broken."""
        if finding is not None:
            self.findings.append(finding)
        current = self.results.get(url)
        if current is not None and (current.verdict is Verdict.DEAD or ok):
            return
        self.results[url] = LinkResult(
            url=url,
            verdict=Verdict.ALIVE if ok else Verdict.DEAD,
            reason=reason,
            checked_at=self.checked_at,
        )

    def check_fragment(
        self, doc: Document, index: Mapping[str, Anchor], link_url: str, line: int
    ) -> None:
        fragment = link_url[1:]
        if has_anchor(index, fragment):
            self.record(link_url, True, f"anchor in {doc.file}")
            return
        message = f"{link_url} matches no heading or anchor in {doc.file}"
        self.record(link_url, False, message, Finding("missing_fragment", doc.file, line, message))

    def target_anchors(self, path: Path, display: str) -> dict[str, Anchor] | str:
        """Anchors of a Markdown target, or why they cannot be read (cached per file)."""
        if path not in self._targets:
            try:
                self._targets[path] = anchor_index(extract_file(path, display).anchors)
            except InputError as exc:
                log.info("cannot read %s for fragment checks: %s", display, exc)
                self._targets[path] = str(exc)
        return self._targets[path]

    def check_file(self, doc: Document, base: Path, link_url: str, line: int) -> None:
        parts = urlsplit(link_url)
        rel = unquote(parts.path)
        if rel.startswith("/"):
            base, rel = _repo_root(base), rel.lstrip("/")
        path = base / rel if rel else base
        display = posixpath.normpath(posixpath.join(posixpath.dirname(doc.file), rel or "."))
        if not path.exists():
            message = f"{link_url}: no such file {display}"
            self.record(link_url, False, message, Finding("missing_file", doc.file, line, message))
            return
        if not parts.fragment or path.suffix.lower() not in MARKDOWN_SUFFIXES or path.is_dir():
            self.record(link_url, True, f"file {display} exists")
            return
        anchors = self.target_anchors(path, display)
        if isinstance(anchors, str):
            self.record(link_url, True, f"file {display} exists; fragment not checked: {anchors}")
        elif has_anchor(anchors, parts.fragment):
            self.record(link_url, True, f"anchor in {display}")
        else:
            message = f"{link_url}: #{parts.fragment} matches no heading or anchor in {display}"
            self.record(
                link_url, False, message, Finding("missing_fragment", doc.file, line, message)
            )


def _repo_root(start: Path) -> Path:
    """GitHub resolves ``/path`` links against the repository root, not the README's folder."""
    for candidate in (start.resolve(), *start.resolve().parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def check_local(
    documents: Sequence[Document], base_dirs: Sequence[Path], checked_at: str = ""
) -> tuple[dict[str, LinkResult], list[Finding]]:
    """Check every fragment and relative link of ``documents``.

    ``base_dirs[i]`` is the directory ``documents[i]`` lives in (relative links
    resolve against it). Results are keyed by the link text as written (``#perf``,
    ``src/Datasets.md``); findings come sorted by file and line. ``checked_at``
    defaults to now.
    """
    stamp = checked_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    checker = _LocalChecker(stamp)
    for doc, base in zip(documents, base_dirs, strict=True):
        checker.findings.extend(duplicate_anchors(doc))
        index = anchor_index(doc.anchors)
        for link in doc.links:
            if link.target is Target.FRAGMENT:
                checker.check_fragment(doc, index, link.url, link.line)
            elif link.target is Target.LOCAL:
                checker.check_file(doc, base, link.url, link.line)
    checker.findings.extend(duplicate_urls(documents))
    findings = sorted(checker.findings, key=lambda f: (f.file, f.line, f.kind, f.message))
    return dict(sorted(checker.results.items())), findings
