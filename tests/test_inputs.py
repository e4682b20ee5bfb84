"""Directories and globs as inputs: the Markdown files in them, .gitignore and
exclude_path honoured, hidden directories and node_modules skipped outside git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from linkwatch.extract import InputError
from linkwatch.inputs import expand_inputs, path_excluded

TREE = [
    "README.md",
    "docs/guide.md",
    "docs/old/legacy.markdown",
    "docs/notes.txt",
    ".github/PULL_REQUEST_TEMPLATE.md",
    "node_modules/pkg/README.md",
    "build/generated.md",
]


def make_tree(root: Path) -> None:
    for name in TREE:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n", encoding="utf-8")


def names(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_a_directory_outside_git_skips_hidden_dirs_and_node_modules(tmp_path: Path):
    make_tree(tmp_path)
    found = expand_inputs([tmp_path])
    assert names(found, tmp_path) == [
        "README.md",
        "build/generated.md",
        "docs/guide.md",
        "docs/old/legacy.markdown",
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_a_directory_in_a_git_checkout_honours_gitignore(tmp_path: Path):
    make_tree(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\nnode_modules/\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "README.md"], cwd=tmp_path, check=True)  # others untracked
    found = expand_inputs([tmp_path])
    assert names(found, tmp_path) == [
        ".github/PULL_REQUEST_TEMPLATE.md",  # git knows hidden dirs; so does GitHub
        "README.md",
        "docs/guide.md",
        "docs/old/legacy.markdown",
    ]


def test_globs_and_exclude_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert expand_inputs(["docs/**/*.m*"]) == [
        Path("docs/guide.md"),
        Path("docs/old/legacy.markdown"),
    ]
    assert expand_inputs(["docs"], ["docs/old"]) == [Path("docs/guide.md")]
    assert expand_inputs(["README.md", "docs/*.md", "README.md"]) == [
        Path("README.md"),
        Path("docs/guide.md"),
    ]
    assert path_excluded(Path("./docs/old/legacy.markdown"), ["docs/old/**"])
    assert not path_excluded(Path("docs/guide.md"), ["docs/old"])


def test_nothing_to_read_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty: no Markdown files"):
        expand_inputs(["empty"])
    with pytest.raises(InputError, match=r"\*\.md: no Markdown file matches"):
        expand_inputs(["*.md"])
    (tmp_path / "a.md").write_text("# a\n")
    with pytest.raises(InputError, match="excluded by exclude_path"):
        expand_inputs(["a.md"], ["*.md"])
