"""The composite action (``action.yml``) as a runner executes it: its steps in order, each
shell step in its own bash process with the environment GitHub sets (GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH, GITHUB_REPOSITORY …), ``if:`` conditions and
``${{ }}`` expressions evaluated, against simweb and its GitHub API. Steps that use other
actions (setup-python, cache, upload-artifact, upload-sarif) are GitHub's own code: they
are recorded with their inputs, not run. The install step is recorded too: this test
runs in the environment where linkwatch is installed already.

The runner's network is a corporate proxy in front of the simulated web (HTTPS_PROXY), so
the real `linkwatch` console script reaches nothing but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.github_api import SimGitHub
from linkwatch.simweb.github_write import RepoWrites

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghs_actiontesttoken0123456789"
LIST = """\
# Awesome Action

## Papers
- Good Paper [[paper](https://papers.example/good)]
- Gone Paper [[paper](https://papers.example/gone)]
- Moved Paper [[paper](https://old.example/paper)]
"""
CONFIG = """\
enrich = false
host_spacing = 0
retry_backoff = 0.01
max_retries = 0
timeout = 5
fail_after = 1
allow_private = true
github_write_interval = 0
reference_hosts = ["https://reference.example/"]
"""
_REF = re.compile(r"\b(inputs|steps|github|runner)\.[A-Za-z0-9_.-]*[A-Za-z0-9_]")


@dataclass
class Run:
    """One execution of the action: what each step did and the action's outputs."""

    inputs: dict[str, str]
    github: dict[str, str]
    env: dict[str, str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)  # id → outputs
    used: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    failed: bool = False

    def lookup(self, ref: str) -> str:
        head, _, rest = ref.partition(".")
        if head == "inputs":
            return self.inputs[rest]
        if head == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.steps.get(step, {}).get(output, "")
        if head == "github":
            return self.github[rest]
        return {"os": "Linux"}[rest]

    def evaluate(self, expr: str) -> Any:
        """GitHub's expression subset action.yml uses: refs, string literals, ==, !=, &&,
        ||, parentheses, always() and success()."""
        python = _REF.sub(lambda m: repr(self.lookup(m.group(0))), expr)
        python = python.replace("&&", " and ").replace("||", " or ")
        python = python.replace("always()", "True").replace("success()", repr(not self.failed))
        return eval(python, {"__builtins__": {}})

    def substitute(self, text: str) -> str:
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(self.evaluate(m.group(1).strip())), text)

    def should_run(self, step: dict[str, Any]) -> bool:
        condition = str(step.get("if", "success()"))
        if "always()" not in condition and "success()" not in condition:
            condition = f"success() && ({condition})"
        return bool(self.evaluate(condition))


async def run_action(inputs: dict[str, str], run: Run, workspace: Path) -> dict[str, str]:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    run.inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    run.inputs = {k: run.substitute(v) for k, v in run.inputs.items()} | inputs
    for number, step in enumerate(action["runs"]["steps"]):
        if not run.should_run(step):
            continue
        with_ = {k: run.substitute(str(v)) for k, v in (step.get("with") or {}).items()}
        if "uses" in step:
            run.used.append((step["uses"], with_))
            continue
        if step.get("id") == "install":
            run.used.append(("install", {"run": step["run"]}))
            continue
        env = {**run.env, **{k: run.substitute(str(v)) for k, v in step.get("env", {}).items()}}
        outputs = workspace.parent / f"output-{number}"
        outputs.write_text("")
        env["GITHUB_OUTPUT"] = str(outputs)
        script = workspace.parent / f"step-{number}.sh"
        script.write_text(step["run"])
        proc = await asyncio.create_subprocess_exec(
            "bash", "--noprofile", "--norc", "-eo", "pipefail", str(script),
            cwd=workspace, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        run.ran.append(step.get("name", step.get("id", str(number))))
        run.env.setdefault("LOG", "")
        run.env["LOG"] += out.decode() + err.decode()
        if step.get("id"):
            run.steps[step["id"]] = dict(
                line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line
            )
        if proc.returncode != 0:
            run.failed = True
    return {k: run.substitute(str(v["value"])) for k, v in action["outputs"].items()}


def scenario(sim: SimGitHub) -> Scenario:
    sc = Scenario()
    sc.host("papers.example", default=b.not_found())
    sc.route("https://papers.example/good", b.ok(title="Good"))
    sc.host("old.example", default=b.redirect(301, "https://new.example/paper"))
    sc.host("new.example", default=b.ok(title="New home"))
    sc.host("reference.example", default=b.ok(title="reference"))
    sc.mount("api.github.com", sim.handle)
    return sc


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    (root / "README.md").write_text(LIST, encoding="utf-8")
    (root / "linkwatch.toml").write_text(CONFIG, encoding="utf-8")
    return root


def runner_env(web: SimWeb, proxy: str, workspace: Path, summary: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LINKWATCH_"))}
    return env | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": "owner/list",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_SHA": "0" * 40,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_NAME": "schedule",
        "GITHUB_RUN_ID": "42",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(workspace.parent),
        # the runner's network: a proxy in front of the simulated web
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "ALL_PROXY": proxy,
        "NO_PROXY": "127.0.0.1",
        "SSL_CERT_FILE": str(web.ca_pem),
        "LINKWATCH_GITHUB_API_URL": web.direct_base("api.github.com"),
    }


async def test_the_action_checks_publishes_and_reports(simweb, workspace: Path):
    sim = SimGitHub()
    sim.add_token(TOKEN)
    writes = RepoWrites(sim, "owner/list", files={"README.md": LIST.encode()})
    web = await simweb(scenario(sim))
    proxy = await web.proxy()
    summary = workspace.parent / "summary.md"
    github = {"token": TOKEN, "action_path": str(ROOT), "action_ref": "v0.1.0",
              "run_id": "42", "run_attempt": "1"}  # fmt: skip
    run = Run(inputs={}, github=github, env=runner_env(web, proxy.url, workspace, summary))

    outputs = await run_action({"publish": "true", "pr": "true", "sarif": "true"}, run, workspace)

    assert outputs["exit-code"] == "1", run.env["LOG"]
    assert (outputs["links"], outputs["broken"], outputs["redirect"]) == ("3", "1", "1")
    for key in ("report-md", "report-json", "report-sarif", "patch"):
        assert (workspace / outputs[key]).is_file(), key
    assert run.failed  # the last step fails the job for the broken link, after the rest
    assert run.ran == [
        "Check links",
        "Publish the tracking issue and the fix pull request",
        "Fail when links are broken",
    ]
    used = dict(run.used)
    assert used["install"]["run"].endswith('"$ACTION_PATH"')  # from the action's checkout
    assert used["github/codeql-action/upload-sarif@v4"]["sarif_file"] == "reports/report.sarif"
    assert used["actions/upload-artifact@v6"]["path"] == "reports/"
    assert used["actions/cache/restore@v5"]["path"] == "cache/linkwatch.db"
    assert used["actions/cache/save@v5"]["key"] == "linkwatch-db-42-1"
    assert "::error " in run.env["LOG"] and "papers.example/gone" in run.env["LOG"]
    assert "broken" in summary.read_text(encoding="utf-8").lower()
    assert [i["number"] for i in writes.open_issues()] == [1]
    assert [i["number"] for i in writes.open_issues(pulls=True)] == [2]
    assert (
        writes.branch_file("linkwatch/fixes", "README.md")
        == LIST.replace("https://old.example/paper", "https://new.example/paper").encode()
    )
    assert "runs no workflows" in run.env["LOG"]  # opened with the workflow's own token
    assert TOKEN not in run.env["LOG"]


async def test_pull_request_mode_never_saves_the_store_or_publishes(simweb, workspace: Path):
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run(["git", *args], cwd=workspace, check=True, env={
            **os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.example",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.example"})  # fmt: skip
    with (workspace / "README.md").open("a", encoding="utf-8") as fh:
        fh.write("- New Paper [[paper](https://papers.example/new)]\n")
    sim = SimGitHub()
    sim.add_token(TOKEN)
    writes = RepoWrites(sim, "owner/list", files={"README.md": LIST.encode()})
    web = await simweb(scenario(sim))
    proxy = await web.proxy()
    github = {"token": TOKEN, "action_path": str(ROOT), "action_ref": "v0.1.0",
              "run_id": "43", "run_attempt": "1"}  # fmt: skip
    env = runner_env(web, proxy.url, workspace, workspace.parent / "summary.md")
    run = Run(inputs={}, github=github, env={**env, "GITHUB_EVENT_NAME": "pull_request"})

    outputs = await run_action(
        {"changed-since": "HEAD", "publish": "true", "cache": "false"}, run, workspace
    )
    assert outputs["exit-code"] == "1", run.env["LOG"]  # the new link is dead
    assert outputs["links"] == "1"
    assert {r.path for r in web.log if "probe" not in r.path} == {"/new"}
    used = [name for name, _ in run.used]
    assert not any(name.startswith("actions/cache/") for name in used)
    assert "Publish the tracking issue and the fix pull request" not in run.ran
    assert writes.calls == []
    assert not (workspace / "cache").exists()
