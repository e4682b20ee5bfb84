"""What ``linkwatch check`` reads: files as given, directories and globs expanded to the
Markdown files in them, honouring ``.gitignore`` and ``exclude_path``.

In a git checkout a directory's files are those git knows or would add (``git ls-files
--cached --others --exclude-standard``); elsewhere a walk that skips hidden
directories and ``node_modules``.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .extract import InputError

MARKDOWN = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
SKIP_DIRS = {"node_modules"}
_GLOB_CHARS = set("*?[")


def _is_markdown(name: str) -> bool:
    return name.lower().endswith(MARKDOWN)


def _git_files(directory: Path) -> list[str] | None:
    """Markdown files under ``directory`` as git sees them, or None outside a checkout."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=directory,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return sorted(n for n in dict.fromkeys(names) if _is_markdown(n) and (directory / n).is_file())


def _walk(directory: Path) -> list[str]:
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        rel = Path(root).relative_to(directory)
        found += [(rel / f).as_posix() for f in sorted(files) if _is_markdown(f)]
    return found


def markdown_files(directory: Path) -> list[Path]:
    """The Markdown files of a directory tree, in path order."""
    names = _git_files(directory)
    if names is None:
        names = _walk(directory)
    return [directory / name for name in names]


def path_excluded(path: Path, patterns: Iterable[str]) -> bool:
    """``exclude_path`` globs match the path or any of its parent directories
    (``docs/old`` and ``docs/old/**`` both skip everything below docs/old)."""
    text = path.as_posix().removeprefix("./")
    parts = text.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(candidate, pattern.rstrip("/").removeprefix("./"))
        for pattern in patterns
        for candidate in prefixes
    )


def expand_inputs(args: Iterable[Path | str], exclude_path: Iterable[str] = ()) -> list[Path]:
    """Files in argument order, each once; ``InputError`` for a directory or glob that
    names no Markdown file (a file named outright is read as given, whatever its name)."""
    excludes = list(exclude_path)
    out: dict[Path, None] = {}
    for arg in args:
        path = Path(arg)
        text = str(arg)
        if path.is_dir():
            found = markdown_files(path)
            what = f"{text}: no Markdown files in this directory"
        elif not path.exists() and _GLOB_CHARS & set(text):
            found = [
                Path(p) for p in sorted(glob.glob(text, recursive=True)) if _is_markdown(p)
            ]
            found = [p for p in found if p.is_file()]
            what = f"{text}: no Markdown file matches this pattern"
        else:
            if not path_excluded(path, excludes):
                out.setdefault(path, None)
            continue
        kept = [p for p in found if not path_excluded(p, excludes)]
        if not found:
            raise InputError(what)
        out.update(dict.fromkeys(kept))
    if not out:
        raise InputError("every input is excluded by exclude_path")
    return list(out)
