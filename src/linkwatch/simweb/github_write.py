"""The write side of the simulated GitHub API, for ``linkwatch publish``: issues, labels,
comments, Git Data (blobs, trees, commits, refs) and pull requests of one repository.

Installed on a ``SimGitHub`` with ``RepoWrites(sim, "owner/name", files={...})``. State
is kept in plain dicts so tests can assert what was created, and ``calls`` lists every
write (method, path) so a test can prove a quiet night made none.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

from aiohttp import web

from .github_api import Call, SimGitHub, gh_error, gh_json

FORBIDDEN = "Resource not accessible by integration"
# what GitHub answers when the repository setting forbids Actions to open pull requests
PULLS_FORBIDDEN = "GitHub Actions is not permitted to create or approve pull requests."
BODY_LIMIT = 65_536


def _sha(kind: str, payload: bytes) -> str:
    return hashlib.sha1(kind.encode() + b"\0" + payload).hexdigest()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class RepoWrites:
    """Issues, pull requests and Git data of one simulated repository."""

    def __init__(
        self,
        sim: SimGitHub,
        full_name: str,
        *,
        files: dict[str, bytes] | None = None,
        permissions: set[str] | None = None,
        default_branch: str = "main",
        actions_may_open_pulls: bool = True,
    ) -> None:
        self.sim = sim
        # Settings → Actions → General → "Allow GitHub Actions to create and approve pull
        # requests", off by default on new repositories
        self.actions_may_open_pulls = actions_may_open_pulls
        self.full_name = full_name
        if sim.resolve(full_name) is None:
            sim.add_repo(full_name, default_branch=default_branch)
        self.default_branch = default_branch
        self.permissions = (
            {"issues", "contents", "pull_requests"} if permissions is None else (permissions)
        )
        self.issues: dict[int, dict[str, Any]] = {}  # number → issue or pull request
        self.comments: dict[int, list[str]] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, dict[str, str]] = {}  # sha → {path: blob sha}
        self.commits: dict[str, dict[str, Any]] = {}
        self.refs: dict[str, str] = {}  # "heads/main" → commit sha
        self.calls: list[tuple[str, str]] = []  # every write: (method, path)
        self._next_number = 1
        tree = self._tree({path: self._blob(data) for path, data in (files or {}).items()})
        self.refs[f"heads/{default_branch}"] = self._commit("initial", tree, [])
        self._install()

    # ---- helpers for tests ---------------------------------------------------------------

    def branch_file(self, branch: str, path: str) -> bytes | None:
        sha = self.refs.get(f"heads/{branch}")
        if sha is None:
            return None
        blob = self.trees[self.commits[sha]["tree"]].get(path)
        return self.blobs[blob] if blob else None

    def open_issues(self, *, pulls: bool = False) -> list[dict[str, Any]]:
        return [
            i
            for i in self.issues.values()
            if i["state"] == "open" and ("pull_request" in i) == pulls
        ]

    # ---- object store ------------------------------------------------------------------

    def _blob(self, data: bytes) -> str:
        sha = _sha("blob", data)
        self.blobs[sha] = data
        return sha

    def _tree(self, entries: dict[str, str]) -> str:
        sha = _sha("tree", repr(sorted(entries.items())).encode())
        self.trees[sha] = dict(entries)
        return sha

    def _commit(self, message: str, tree: str, parents: list[str]) -> str:
        sha = _sha("commit", f"{message}\0{tree}\0{parents}\0{time.time_ns()}".encode())
        self.commits[sha] = {"message": message, "tree": tree, "parents": parents}
        return sha

    # ---- routes ------------------------------------------------------------------------

    def _install(self) -> None:
        prefix = "/repos/{owner}/{repo}"
        routes = [
            ("GET", "/labels/{name}", self._get_label, None),
            ("POST", "/labels", self._create_label, "issues"),
            ("GET", "/issues", self._list_issues, None),
            ("POST", "/issues", self._create_issue, "issues"),
            ("GET", "/issues/{number}", self._get_issue, None),
            ("PATCH", "/issues/{number}", self._edit_issue, "issues"),
            ("POST", "/issues/{number}/comments", self._comment, "issues"),
            ("GET", "/git/ref/{ref*}", self._get_ref, None),
            ("POST", "/git/refs", self._create_ref, "contents"),
            ("PATCH", "/git/refs/{ref*}", self._update_ref, "contents"),
            ("DELETE", "/git/refs/{ref*}", self._delete_ref, "contents"),
            ("POST", "/git/blobs", self._create_blob, "contents"),
            ("GET", "/git/trees/{sha}", self._get_tree, None),
            ("POST", "/git/trees", self._create_tree, "contents"),
            ("GET", "/git/commits/{sha}", self._get_commit, None),
            ("POST", "/git/commits", self._create_commit, "contents"),
            ("GET", "/pulls", self._list_pulls, None),
            ("POST", "/pulls", self._create_pull, "pull_requests"),
            ("GET", "/pulls/{number}", self._get_pull, None),
            ("PATCH", "/pulls/{number}", self._edit_pull, "pull_requests"),
        ]
        for method, path, fn, permission in routes:
            self.sim.add_route(method, prefix + path, self._guarded(fn, permission, method))

    def _guarded(self, fn: Any, permission: str | None, method: str) -> Any:
        async def handler(call: Call) -> web.StreamResponse:
            name = f"{call.params['owner']}/{call.params['repo']}"
            if name.lower() != self.full_name.lower():
                return gh_error(404, "Not Found")
            if method != "GET":
                if call.login is None:
                    return gh_error(401, "Requires authentication")
                if permission not in self.permissions:
                    return gh_error(403, FORBIDDEN)
                if fn == self._create_pull and not self.actions_may_open_pulls:
                    return gh_error(403, PULLS_FORBIDDEN)
                payload = await call.json()
                if isinstance(payload, dict) and len(payload.get("body") or "") > BODY_LIMIT:
                    return gh_error(422, "Validation Failed")  # body is too long
                self.calls.append((method, call.request.path))
            return await fn(call)

        return handler

    def _api(self, call: Call, suffix: str) -> str:
        return f"{call.base}/repos/{self.full_name}{suffix}"

    # labels
    def _label_json(self, call: Call, label: dict[str, Any]) -> dict[str, Any]:
        return {**label, "url": self._api(call, f"/labels/{label['name']}"), "default": False}

    async def _get_label(self, call: Call) -> web.Response:
        label = self.labels.get(call.params["name"].lower())
        return gh_json(self._label_json(call, label)) if label else gh_error(404, "Not Found")

    async def _create_label(self, call: Call) -> web.Response:
        body = await call.json() or {}
        name = str(body.get("name", ""))
        if not name or name.lower() in self.labels:
            return gh_error(422, "Validation Failed")
        label = {
            "id": len(self.labels) + 1,
            "name": name,
            "color": body.get("color", "ededed"),
            "description": body.get("description"),
        }
        self.labels[name.lower()] = label
        return gh_json(self._label_json(call, label), 201)

    # issues and pull requests share numbers, as on GitHub
    def _issue_json(self, call: Call, issue: dict[str, Any]) -> dict[str, Any]:
        kind = "pulls" if "pull_request" in issue else "issues"
        number = issue["number"]
        data = {
            "id": 900_000 + number,
            "number": number,
            "title": issue["title"],
            "body": issue["body"],
            "state": issue["state"],
            "labels": [self._label_json(call, self.labels[n]) for n in issue["labels"]],
            "url": self._api(call, f"/{kind}/{number}"),
            "html_url": f"https://github.com/{self.full_name}/{kind[:-1]}/{number}",
            "comments_url": self._api(call, f"/issues/{number}/comments"),
            "comments": len(self.comments.get(number, [])),
            "user": {"login": issue["user"], "id": 1, "type": "User"},
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
            "closed_at": issue.get("closed_at"),
        }
        if kind == "pulls":
            data["pull_request"] = {"url": self._api(call, f"/pulls/{number}")}
            data["head"] = {"ref": issue["head"], "label": f"{self.owner}:{issue['head']}"}
            data["base"] = {"ref": issue["base"]}
            data["merged"] = False
        return data

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    def _new_issue(self, call: Call, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        number = self._next_number
        self._next_number += 1
        for name in body.get("labels", []) or []:
            label_name = name if isinstance(name, str) else name.get("name", "")
            if label_name.lower() not in self.labels:  # GitHub creates unknown labels
                self.labels[label_name.lower()] = {
                    "id": len(self.labels) + 1,
                    "name": label_name,
                    "color": "ededed",
                    "description": None,
                }
        issue = {
            "number": number,
            "title": str(body.get("title", "")),
            "body": body.get("body"),
            "state": "open",
            "labels": [
                (n if isinstance(n, str) else n.get("name", "")).lower()
                for n in body.get("labels", []) or []
            ],
            "user": call.login,
            "created_at": _now(),
            "updated_at": _now(),
            **extra,
        }
        self.issues[number] = issue
        return issue

    def _find(self, call: Call, pulls: bool) -> dict[str, Any] | None:
        try:
            issue = self.issues.get(int(call.params["number"]))
        except ValueError:
            return None
        if issue is None or (pulls and "pull_request" not in issue):
            return None
        return issue

    async def _list_issues(self, call: Call) -> web.Response:
        query = call.request.query
        state = query.get("state", "open")
        wanted = {n.strip().lower() for n in query.get("labels", "").split(",") if n.strip()}
        items = [
            self._issue_json(call, i)
            for i in sorted(self.issues.values(), key=lambda i: -i["number"])
            if (state == "all" or i["state"] == state) and wanted <= set(i["labels"])
        ]
        return gh_json(items)

    async def _create_issue(self, call: Call) -> web.Response:
        body = await call.json() or {}
        if not body.get("title"):
            return gh_error(422, "Validation Failed")
        return gh_json(self._issue_json(call, self._new_issue(call, body)), 201)

    async def _get_issue(self, call: Call) -> web.Response:
        issue = self._find(call, pulls=False)
        return gh_json(self._issue_json(call, issue)) if issue else gh_error(404, "Not Found")

    def _edit(self, issue: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("title", "body"):
            if key in body:
                issue[key] = body[key]
        if body.get("state") in ("open", "closed") and body["state"] != issue["state"]:
            issue["state"] = body["state"]
            issue["closed_at"] = _now() if body["state"] == "closed" else None
        issue["updated_at"] = _now()

    async def _edit_issue(self, call: Call) -> web.Response:
        issue = self._find(call, pulls=False)
        if issue is None:
            return gh_error(404, "Not Found")
        self._edit(issue, await call.json() or {})
        return gh_json(self._issue_json(call, issue))

    async def _comment(self, call: Call) -> web.Response:
        issue = self._find(call, pulls=False)
        if issue is None:
            return gh_error(404, "Not Found")
        text = str((await call.json() or {}).get("body", ""))
        self.comments.setdefault(issue["number"], []).append(text)
        number = len(self.comments[issue["number"]])
        return gh_json(
            {
                "id": issue["number"] * 1000 + number,
                "body": text,
                "url": self._api(call, f"/issues/comments/{issue['number'] * 1000 + number}"),
                "user": {"login": call.login, "id": 1, "type": "User"},
                "created_at": _now(),
                "updated_at": _now(),
            },
            201,
        )

    # git data
    def _ref_json(self, call: Call, name: str) -> dict[str, Any]:
        sha = self.refs[name]
        return {
            "ref": f"refs/{name}",
            "url": self._api(call, f"/git/refs/{name}"),
            "object": {"sha": sha, "type": "commit", "url": self._api(call, f"/git/commits/{sha}")},
        }

    async def _get_ref(self, call: Call) -> web.Response:
        name = call.params["ref"].removeprefix("refs/")
        if name not in self.refs:
            return gh_error(404, "Not Found")
        return gh_json(self._ref_json(call, name))

    async def _create_ref(self, call: Call) -> web.Response:
        body = await call.json() or {}
        name = str(body.get("ref", "")).removeprefix("refs/")
        if not name or body.get("sha") not in self.commits:
            return gh_error(422, "Validation Failed")
        if name in self.refs:
            return gh_error(422, "Reference already exists")
        self.refs[name] = body["sha"]
        return gh_json(self._ref_json(call, name), 201)

    async def _update_ref(self, call: Call) -> web.Response:
        name = call.params["ref"].removeprefix("refs/")
        body = await call.json() or {}
        if name not in self.refs:
            return gh_error(422, "Reference does not exist")
        if body.get("sha") not in self.commits:
            return gh_error(422, "Object does not exist")
        self.refs[name] = body["sha"]
        return gh_json(self._ref_json(call, name))

    async def _delete_ref(self, call: Call) -> web.StreamResponse:
        name = call.params["ref"].removeprefix("refs/")
        if self.refs.pop(name, None) is None:
            return gh_error(422, "Reference does not exist")
        return web.Response(status=204)

    async def _create_blob(self, call: Call) -> web.Response:
        body = await call.json() or {}
        content = str(body.get("content", ""))
        base64_encoded = body.get("encoding") == "base64"
        data = base64.b64decode(content) if base64_encoded else content.encode()
        sha = self._blob(data)
        return gh_json({"sha": sha, "url": self._api(call, f"/git/blobs/{sha}")}, 201)

    def _tree_json(self, call: Call, sha: str) -> dict[str, Any]:
        return {
            "sha": sha,
            "url": self._api(call, f"/git/trees/{sha}"),
            "tree": [
                {"path": p, "mode": "100644", "type": "blob", "sha": b, "size": len(self.blobs[b])}
                for p, b in sorted(self.trees[sha].items())
            ],
            "truncated": False,
        }

    async def _get_tree(self, call: Call) -> web.Response:
        sha = call.params["sha"]
        if sha not in self.trees:
            return gh_error(404, "Not Found")
        return gh_json(self._tree_json(call, sha))

    async def _create_tree(self, call: Call) -> web.Response:
        body = await call.json() or {}
        base = body.get("base_tree")
        if base is not None and base not in self.trees:
            return gh_error(422, "Invalid tree info")
        entries = dict(self.trees[base]) if base else {}
        for element in body.get("tree", []):
            if element.get("sha") is None and "content" in element:
                entries[element["path"]] = self._blob(str(element["content"]).encode())
            elif element.get("sha") in self.blobs:
                entries[element["path"]] = element["sha"]
            elif element.get("sha") is None:
                entries.pop(element["path"], None)
            else:
                return gh_error(422, "Invalid tree info")
        return gh_json(self._tree_json(call, self._tree(entries)), 201)

    def _commit_json(self, call: Call, sha: str) -> dict[str, Any]:
        commit = self.commits[sha]
        return {
            "sha": sha,
            "url": self._api(call, f"/git/commits/{sha}"),
            "message": commit["message"],
            "tree": {"sha": commit["tree"], "url": self._api(call, f"/git/trees/{commit['tree']}")},
            "parents": [
                {"sha": p, "url": self._api(call, f"/git/commits/{p}")} for p in commit["parents"]
            ],
            "author": {"name": "linkwatch", "email": "linkwatch@example.invalid", "date": _now()},
            "committer": {
                "name": "linkwatch",
                "email": "linkwatch@example.invalid",
                "date": _now(),
            },
        }

    async def _get_commit(self, call: Call) -> web.Response:
        sha = call.params["sha"]
        if sha not in self.commits:
            return gh_error(404, "Not Found")
        return gh_json(self._commit_json(call, sha))

    async def _create_commit(self, call: Call) -> web.Response:
        body = await call.json() or {}
        tree, parents = body.get("tree"), body.get("parents", [])
        if tree not in self.trees or any(p not in self.commits for p in parents):
            return gh_error(422, "Validation Failed")
        sha = self._commit(str(body.get("message", "")), tree, list(parents))
        return gh_json(self._commit_json(call, sha), 201)

    # pull requests
    async def _list_pulls(self, call: Call) -> web.Response:
        query = call.request.query
        state = query.get("state", "open")
        head = query.get("head", "")
        items = [
            self._issue_json(call, i)
            for i in sorted(self.issues.values(), key=lambda i: -i["number"])
            if "pull_request" in i
            and (state == "all" or i["state"] == state)
            and (not head or f"{self.owner}:{i['head']}".lower() == head.lower())
        ]
        return gh_json(items)

    async def _create_pull(self, call: Call) -> web.Response:
        body = await call.json() or {}
        head = str(body.get("head", "")).split(":")[-1]
        base = str(body.get("base", self.default_branch))
        if f"heads/{head}" not in self.refs or f"heads/{base}" not in self.refs:
            return gh_error(422, "Validation Failed")
        if any(i["head"] == head for i in self.open_issues(pulls=True)):
            return gh_error(422, f"A pull request already exists for {self.owner}:{head}.")
        issue = self._new_issue(call, body, pull_request=True, head=head, base=base)
        return gh_json(self._issue_json(call, issue), 201)

    async def _get_pull(self, call: Call) -> web.Response:
        issue = self._find(call, pulls=True)
        return gh_json(self._issue_json(call, issue)) if issue else gh_error(404, "Not Found")

    async def _edit_pull(self, call: Call) -> web.Response:
        issue = self._find(call, pulls=True)
        if issue is None:
            return gh_error(404, "Not Found")
        self._edit(issue, await call.json() or {})
        return gh_json(self._issue_json(call, issue))
