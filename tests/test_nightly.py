import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from linkwatch import __version__
from linkwatch.cli import cli
from linkwatch.nightly import ACTION, WorkflowExists, render_workflow, write_workflow

ROOT = Path(__file__).resolve().parent.parent


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
        first = runner.invoke(cli, ["init", "github-actions", "awesome.md", "--install", "pip"])
        assert first.exit_code == 0, first.output
        text = Path(".github/workflows/linkwatch.yml").read_text()
        assert "linkwatch check awesome.md" in text
        second = runner.invoke(cli, ["init", "github-actions"])
        assert second.exit_code == 2
        assert "--force" in second.output
        third = runner.invoke(cli, ["init", "github-actions", "--force"])
        assert third.exit_code == 0
        steps = yaml.safe_load(Path(".github/workflows/linkwatch.yml").read_text())["jobs"][
            "check"
        ]["steps"]
        assert steps[1]["uses"] == f"{ACTION}@v{__version__}"  # pinned to the writer
        assert steps[1]["with"]["files"] == "README.md\n"


def _jobs(text: str) -> dict:
    return yaml.safe_load(text)["jobs"]


def test_action_form_pins_the_action_and_needs_no_package_index():
    text = render_workflow(["README.md", "docs/more list.md"], install="action")
    assert "pip install" not in text
    check = _jobs(text)["check"]
    action = check["steps"][1]
    assert action["uses"] == f"{ACTION}@v{__version__}"
    assert action["with"]["files"].splitlines() == ["README.md", "docs/more list.md"]
    assert check["permissions"]["security-events"] == "write"
    assert "pull-request" not in _jobs(text)


@pytest.mark.parametrize("install", ["action", "pip"])
def test_pr_checks_add_a_pull_request_job_that_never_writes(install: str):
    doc = yaml.safe_load(render_workflow(["README.md"], install=install, pr_checks=True))
    triggers = doc[True] if True in doc else doc["on"]
    assert "pull_request" in triggers and "schedule" in triggers
    job = doc["jobs"]["pull-request"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert doc["jobs"]["check"]["if"] == "github.event_name != 'pull_request'"
    assert job["permissions"] == {"contents": "read"}
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    text = yaml.safe_dump(job)
    assert "changed-since" in text and "github.event.pull_request.base.sha" in text
    assert "cache/save" not in text and "publish" not in text


@pytest.mark.parametrize("install", ["action", "pip"])
@pytest.mark.parametrize("pr_checks", [False, True])
def test_actionlint_accepts_every_form(tmp_path: Path, install: str, pr_checks: bool):
    tool = _actionlint()
    if tool is None:
        pytest.skip("actionlint binary unavailable (installed by the test extras on linux x86_64)")
    text = render_workflow(["README.md"], install=install, pr_checks=pr_checks)
    path = write_workflow(tmp_path, text)
    proc = subprocess.run([tool, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_accepts_action_yml_through_a_workflow_that_uses_it(tmp_path: Path):
    """actionlint reads a local action's metadata (inputs, outputs) when a workflow uses it
    as ``./``: a typo in action.yml or an input the action does not declare fails here."""
    tool = _actionlint()
    if tool is None:
        pytest.skip("actionlint binary unavailable (installed by the test extras on linux x86_64)")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)  # how it finds "./"
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    text = render_workflow(["README.md"], install="action", action=".", pr_checks=True)
    path = write_workflow(tmp_path, text.replace("uses: .@v" + __version__, "uses: ./"))
    proc = subprocess.run([tool, str(path.relative_to(tmp_path))], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = write_workflow(tmp_path, text.replace("uses: .@v" + __version__, "uses: ./").replace(
        "max-duration: 30m", "max-durations: 30m"), force=True)  # fmt: skip
    proc = subprocess.run([tool, str(bad.relative_to(tmp_path))], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode != 0 and "max-durations" in proc.stdout


def test_write_workflow_refuses_existing(tmp_path: Path):
    write_workflow(tmp_path, "x")
    with pytest.raises(WorkflowExists):
        write_workflow(tmp_path, "y")
