import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from linkwatch.cli import cli
from linkwatch.nightly import WorkflowExists, render_workflow, write_workflow


def _actionlint() -> str | None:
    found = shutil.which("actionlint")
    if found:
        return found
    candidate = Path(sys.executable).parent / "actionlint"
    return str(candidate) if candidate.exists() else None


def test_workflow_yaml_structure():
    doc = yaml.safe_load(render_workflow(["README.md", "docs/more list.md"]))
    triggers = doc[True] if True in doc else doc["on"]  # PyYAML reads `on:` as True
    assert triggers["schedule"][0]["cron"] == "17 3 * * *"
    assert "workflow_dispatch" in triggers
    assert doc["permissions"] == {
        "contents": "write",
        "issues": "write",
        "pull-requests": "write",
    }
    steps = doc["jobs"]["check"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore"))
    assert cache["with"]["path"] == "cache/linkwatch.db"
    assert "${{ github.run_id }}" in cache["with"]["key"]
    assert cache["with"]["restore-keys"].strip() == "linkwatch-db-"
    check = next(s for s in steps if s.get("id") == "check")
    assert "linkwatch check README.md 'docs/more list.md' --format github" in check["run"]
    assert "${{ secrets.GITHUB_TOKEN }}" in check["env"]["GITHUB_TOKEN"]
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)
    assert any("linkwatch publish" in s.get("run", "") for s in steps)
    # the order: restore cache before the check, publish after it
    names = [s.get("uses", s.get("run", "")) for s in steps]
    assert names.index(cache["uses"]) < names.index(check["run"])


def test_actionlint_accepts_the_workflow(tmp_path: Path):
    tool = _actionlint()
    if tool is None:
        pytest.skip("actionlint binary unavailable (installed by the test extras on linux x86_64)")
    path = write_workflow(tmp_path, render_workflow(["README.md"]))
    proc = subprocess.run([tool, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_init_refuses_to_overwrite(tmp_path: Path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        first = runner.invoke(cli, ["init", "github-actions", "awesome.md"])
        assert first.exit_code == 0, first.output
        text = Path(".github/workflows/linkwatch.yml").read_text()
        assert "linkwatch check awesome.md" in text
        second = runner.invoke(cli, ["init", "github-actions"])
        assert second.exit_code == 2
        assert "--force" in second.output
        third = runner.invoke(cli, ["init", "github-actions", "--force"])
        assert third.exit_code == 0
        assert "linkwatch check README.md" in Path(".github/workflows/linkwatch.yml").read_text()


def test_write_workflow_refuses_existing(tmp_path: Path):
    write_workflow(tmp_path, "x")
    with pytest.raises(WorkflowExists):
        write_workflow(tmp_path, "y")
