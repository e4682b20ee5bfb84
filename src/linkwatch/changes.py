"""Pull-request mode (``linkwatch check --changed-since REF``): only the links a change
introduces are checked, so a contributor's PR fails for the link it adds, never for
the list's old troubles.

A link is *introduced* when it stands on a line added or changed since ``REF`` and its
URL was not in that file at ``REF`` (a moved line or a retitled entry keeps its old
links out of the check). Git is asked for the diff and the file at ``REF``; parsing the
diff and choosing the links are pure.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .extract import InputError, extract_text
from .models import Document, Link, Target
from .urls import normalize

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def added_lines(diff: bytes) -> frozenset[int]:
    """Line numbers (new side) that a ``git diff --unified=0`` adds or changes."""
    lines: set[int] = set()
    for match in _HUNK.finditer(diff):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        lines.update(range(start, start + count))
    return frozenset(lines)


def _key(link: Link) -> str:
    return normalize(link.url) if link.target is Target.WEB else link.url


@dataclass(frozen=True)
class ChangeScope:
    """What a change touched: per list file, the changed lines and the links it had."""

    ref: str
    changed: Mapping[str, frozenset[int]]  # display name → changed line numbers
    before: Mapping[str, frozenset[str]]  # display name → link keys at ``ref``

    def restrict(self, doc: Document) -> Document:
        """``doc`` with only the links the change introduced."""
        lines = self.changed.get(doc.file, frozenset())
        old = self.before.get(doc.file, frozenset())
        kept = tuple(k for k in doc.links if k.line in lines and _key(k) not in old)
        return replace(doc, links=kept)

    def describe(self, before: Iterable[Document], after: Iterable[Document]) -> str:
        total = sum(len(d.links) for d in before)
        kept = sum(len(d.links) for d in after)
        return (
            f"Pull-request mode: {kept} links introduced since {self.ref} were checked; "
            f"the other {total - kept} links of the list were not."
        )


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise InputError(f"--changed-since needs git: {exc.strerror or exc}") from None


def scope_from_git(ref: str, files: Mapping[str, Path]) -> ChangeScope:
    """The change since ``ref`` of each list file (display name → path), from git.

    A file that did not exist at ``ref`` is new: every line is changed. An unknown ref or
    a file outside a git checkout is one-line input error (exit 2)."""
    changed: dict[str, frozenset[int]] = {}
    before: dict[str, frozenset[str]] = {}
    for name, path in files.items():
        where = path.resolve().parent
        probe = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], where)
        if probe.returncode != 0:
            raise InputError(f"--changed-since {ref}: no such commit in the git checkout of {name}")
        old = _git(["show", f"{ref}:./{path.name}"], where)
        if old.returncode != 0:  # new in this change
            changed[name] = frozenset(range(1, path.read_bytes().count(b"\n") + 2))
            before[name] = frozenset()
            continue
        diff = _git(
            ["diff", "--unified=0", "--no-color", "--no-ext-diff", ref, "--", path.name], where
        )
        if diff.returncode != 0:
            message = diff.stderr.decode(errors="replace").strip().splitlines()[:1]
            raise InputError(f"--changed-since {ref}: git diff failed: {' '.join(message)}")
        changed[name] = added_lines(diff.stdout)
        before[name] = frozenset(_key(link) for link in extract_text(old.stdout, name).links)
    return ChangeScope(ref=ref, changed=changed, before=before)
