"""``linkwatch publish``: one tracking issue that stays current and one pull request with
the suggested edits, through PyGithub.

Quiet nights: the published state (broken URLs, issue body, patch) is kept in the
store, and nothing is written to GitHub when it did not change. Nothing is left
half-created: a fix branch whose pull request could not be opened is deleted again.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from github import Auth, Github, GithubException, InputGitTreeElement
from github.Issue import Issue
from github.Repository import Repository

from .config import Settings
from .github_limits import BODY_CHARS, fit_markdown
from .models import Confidence, Suggestion
from .suggest import apply_to_bytes

log = logging.getLogger(__name__)

MARKER = "<!-- linkwatch:tracking-issue -->"
LABEL = "linkwatch"
BRANCH = "linkwatch/fixes"
ISSUE_TITLE = "Broken links in the list (linkwatch)"
PR_TITLE = "Fix links (linkwatch suggestions)"


class PublishError(Exception):
    """GitHub refused or failed; a one-line message without secrets (CLI exit 3)."""


@dataclass
class PublishResult:
    actions: list[str] = field(default_factory=list)  # what was written, in order


def broken_links(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [item for item in report["links"] if item.get("state") == "broken"]


def issue_body(
    report: Mapping[str, Any], last_change: Mapping[str, Any] | None = None, *, pr: bool = True
) -> str:
    """The tracking issue: broken links with where and since when, and the last change of
    that set (kept until the next one). No timestamps of the run itself, so an unchanged
    night renders the same body and is not edited."""
    broken = broken_links(report)
    lines = [MARKER, ""]
    if not broken:
        lines.append("All links reported earlier are fixed. :tada:")
        return "\n".join(lines) + "\n"
    lines.append(f"linkwatch finds **{len(broken)} broken links** in {', '.join(report['files'])}.")
    lines.append("")
    lines += ["| where | entry | link | why | since |", "|---|---|---|---|---|"]
    for item in broken:
        occ = item["occurrences"][0]
        since = (item.get("first_failed_at") or "")[:10]
        entry = (occ.get("entry") or "").replace("|", "\\|")
        reason = item["reason"].replace("|", "\\|")
        lines.append(
            f"| `{occ['file']}:{occ['line']}` | {entry} | <{item['url']}> | {reason} | {since} |"
        )
    if last_change and (last_change.get("new") or last_change.get("fixed")):
        lines += ["", f"Last change ({last_change.get('date') or 'last run'}):", ""]
        lines += [f"- newly broken: <{u}>" for u in last_change.get("new", [])]
        lines += [f"- fixed: <{u}>" for u in last_change.get("fixed", [])]
    suggestions = report.get("suggestions", [])
    if suggestions:
        where = "the linkwatch pull request" if pr else "the linkwatch report (reports/report.md)"
        lines += ["", f"{len(suggestions)} suggested edits are in {where}."]
    return "\n".join(lines) + "\n"


def pr_body(report: Mapping[str, Any]) -> str:
    lines = ["Edits suggested by linkwatch; please review before merging.", ""]
    for s in report.get("suggestions", []):
        lines.append(
            f"- `{s['file']}:{s['line']}` {s['kind']} ({s['confidence']}): {s['reason']}"
            f"  \n  `{s['old']}` → `{s['new']}`"
        )
    return "\n".join(lines) + "\n"


def patched_files(report: Mapping[str, Any], root: Path) -> dict[str, bytes]:
    """The list files with the report's suggestions applied (only files that change)."""
    by_file: dict[str, list[Suggestion]] = {}
    for s in report.get("suggestions", []):
        if s["confidence"] == Confidence.LOW:  # shown in the report, never applied
            continue
        by_file.setdefault(s["file"], []).append(
            Suggestion(
                file=s["file"],
                line=s["line"],
                start=s["start"],
                end=s["end"],
                old=s["old"],
                new=s["new"],
                reason=s["reason"],
                confidence=Confidence(s["confidence"]),
                kind=s["kind"],
            )
        )
    changed = {}
    for name, suggestions in by_file.items():
        data = (root / name).read_bytes()
        new = apply_to_bytes(data, suggestions)
        if new != data:
            changed[name] = new
    return changed


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


class Publisher:
    """Brings the tracking issue and the fix pull request of one repository up to date."""

    def __init__(self, settings: Settings, repo_name: str, state: Mapping[str, Any] | None):
        if not settings.github_token:
            raise PublishError("publish needs GITHUB_TOKEN in the environment")
        self.github = Github(
            auth=Auth.Token(settings.github_token),
            base_url=settings.github_api_url.rstrip("/"),
            user_agent=settings.user_agent,
            timeout=int(settings.timeout),
            retry=None,
            seconds_between_requests=min(0.25, settings.github_write_interval),
            seconds_between_writes=settings.github_write_interval,
        )
        self.repo_name = repo_name
        self.github_api_url = settings.github_api_url
        self.state: dict[str, Any] = dict(state or {})
        self.result = PublishResult()

    def run(
        self,
        report: Mapping[str, Any],
        files: dict[str, bytes],
        *,
        pr: bool,
        save: Callable[[dict[str, Any]], None] | None = None,
    ) -> PublishResult:
        """Publish; ``save(state)`` is called after each step that succeeded, so a pull
        request refused after the issue was updated does not redo the issue tomorrow."""
        # no published state (a lost cache) while links fail afresh: they may be the ones
        # published as broken, counted again from one, so nothing is called fixed tonight
        self.unsure = not self.state and any(i.get("state") == "failing" for i in report["links"])
        try:
            repo = self.github.get_repo(self.repo_name)
            self._issue(repo, report, pr=pr)
            if save is not None:
                save(self.state)
            if pr:
                self._pull(repo, report, files)
                if save is not None:
                    save(self.state)
        except GithubException as exc:
            raise PublishError(_describe(exc, self.repo_name)) from None
        except requests.RequestException as exc:  # no answer at all (network, DNS, timeout)
            raise PublishError(
                f"GitHub API unreachable at {self.github_api_url} ({type(exc).__name__})"
            ) from None
        return self.result

    # ---- tracking issue ---------------------------------------------------------------

    def _find_issue(self, repo: Repository) -> Issue | None:
        number = self.state.get("issue")
        if number:
            try:
                return repo.get_issue(number)
            except GithubException as exc:
                if exc.status != 404:
                    raise
        for issue in repo.get_issues(state="all", labels=[LABEL]):
            if issue.pull_request is None and MARKER in (issue.body or ""):
                return issue
        return None

    def _issue(self, repo: Repository, report: Mapping[str, Any], *, pr: bool) -> None:
        broken = sorted(item["url"] for item in broken_links(report))
        known = set(self.state.get("broken", []))
        last_change = self.state.get("last_change")
        if "broken" in self.state and known != set(broken):
            last_change = {
                "date": str(report.get("generated_at", ""))[:10],
                "new": [u for u in broken if u not in known],
                "fixed": sorted(known - set(broken)),
            }
        body = fit_markdown(issue_body(report, last_change, pr=pr), BODY_CHARS)
        if self.state.get("body_digest") == _digest(body) and known == set(broken):
            return  # quiet night: nothing changed since the last publish
        issue = self._find_issue(repo)
        if issue is None:
            if broken:
                issue = repo.create_issue(title=ISSUE_TITLE, body=body, labels=[LABEL])
                self.result.actions.append(f"created issue #{issue.number}")
        elif broken:
            if issue.state == "closed":
                issue.edit(state="open", body=body)
                self.result.actions.append(f"reopened issue #{issue.number}")
            elif (issue.body or "") != body:
                issue.edit(body=body)
                self.result.actions.append(f"updated issue #{issue.number}")
            new = [u for u in broken if u not in known]
            if new and self.state.get("issue") == issue.number:
                listed = "\n".join(f"- <{u}>" for u in new)
                comment = f"Newly broken since the last run:\n\n{listed}"
                issue.create_comment(fit_markdown(comment, BODY_CHARS))
                self.result.actions.append(f"commented on issue #{issue.number}")
        elif issue.state == "open":
            if self.unsure:
                return
            issue.edit(body=body, state="closed")
            self.result.actions.append(f"closed issue #{issue.number}")
        self.state.update(
            broken=broken,
            last_change=last_change,
            body_digest=_digest(body),
            issue=issue.number if issue is not None else None,
        )

    # ---- fix pull request ---------------------------------------------------------------

    def _open_pull(self, repo: Repository) -> Any:
        owner = self.repo_name.split("/", 1)[0]
        pulls = repo.get_pulls(state="open", head=f"{owner}:{BRANCH}")
        return next(iter(pulls), None)

    def _pull(self, repo: Repository, report: Mapping[str, Any], files: dict[str, bytes]) -> None:
        digest = _digest(sorted(files.items()))
        if self.state.get("patch_digest") == digest:
            return
        pull = self._open_pull(repo)
        if not files:
            if pull is not None and self.unsure:
                return
            if pull is not None:
                pull.edit(state="closed")
                self._delete_branch(repo)
                self.result.actions.append(f"closed pull request #{pull.number}")
            self.state["patch_digest"] = digest
            return
        base = repo.default_branch
        base_commit = repo.get_git_commit(repo.get_git_ref(f"heads/{base}").object.sha)
        elements = [
            InputGitTreeElement(
                path=name,
                mode="100644",
                type="blob",
                sha=repo.create_git_blob(base64.b64encode(data).decode(), "base64").sha,
            )
            for name, data in sorted(files.items())
        ]
        tree = repo.create_git_tree(elements, base_tree=base_commit.tree)
        commit = repo.create_git_commit("Fix links suggested by linkwatch", tree, [base_commit])
        body = fit_markdown(pr_body(report), BODY_CHARS)
        created_branch = False
        try:
            ref = repo.get_git_ref(f"heads/{BRANCH}")
            ref.edit(commit.sha, force=True)
        except GithubException as exc:
            if exc.status != 404:
                raise
            repo.create_git_ref(f"refs/heads/{BRANCH}", commit.sha)
            created_branch = True
        try:
            if pull is None:
                pull = repo.create_pull(title=PR_TITLE, body=body, head=BRANCH, base=base)
                self.result.actions.append(f"opened pull request #{pull.number}")
            else:
                pull.edit(body=body)
                self.result.actions.append(f"updated pull request #{pull.number}")
        except GithubException:
            if created_branch:
                self._delete_branch(repo)
            raise
        self.state["patch_digest"] = digest

    def _delete_branch(self, repo: Repository) -> None:
        try:
            repo.get_git_ref(f"heads/{BRANCH}").delete()
        except GithubException as exc:
            if exc.status not in (404, 422):
                raise


def _describe(exc: GithubException, repo: str) -> str:
    message = ""
    if isinstance(exc.data, dict):
        message = str(exc.data.get("message", ""))
    if exc.status == 401:
        return "GitHub rejected the token (401 Bad credentials)"
    if exc.status == 404:
        return f"GitHub repository {repo} not found, or the token cannot see it"
    if exc.status == 403 and "not permitted to create or approve pull requests" in message:
        return (
            f"GitHub Actions may not open pull requests in {repo}: enable Settings → Actions → "
            "General → 'Allow GitHub Actions to create and approve pull requests', or give "
            "publish another token (see docs/nightly.md)"
        )
    if exc.status == 403 and "rate limit" in message.lower():
        return f"GitHub API rate limit exhausted: {message}"
    if exc.status == 403:
        return (
            f"GitHub refused the write ({message or '403 Forbidden'}); the workflow needs "
            "`issues: write`, `contents: write` and `pull-requests: write` permissions"
        )
    return f"GitHub API error {exc.status}: {message or 'no message'}"
