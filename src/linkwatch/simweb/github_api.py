"""A simulated GitHub API (REST and GraphQL) for tests, ``linkwatch demo`` and benchmarks.

It answers the way api.github.com does where linkwatch (and PyGithub) can tell the
difference: real REST field names, 301 + ``Location: /repositories/{id}`` for renamed
repositories, 404 bodies, ``401 Bad credentials``, per-identity rate-limit budgets with
``x-ratelimit-*`` headers on every answer, 403 "API rate limit exceeded" when spent,
weak ETags with ``If-None-Match`` → 304 that costs nothing, and a GraphQL endpoint that
parses aliased queries and reports unknown objects as per-alias ``NOT_FOUND`` errors.

The route table is open: ``add_route(method, pattern, fn)`` lets later features (issues,
pulls, git data) live on the same budgets, auth and logging. GitHub Enterprise style
prefixes (``/api/v3``, ``/api/graphql``) are accepted too. Mount with
``scenario.mount("api.github.com", sim.handle)`` or serve ``sim.app()`` directly.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .graphql import Field, GraphQLError, Parser

REST_DOCS = "https://docs.github.com/rest"
GRAPHQL_DOCS = "https://docs.github.com/graphql"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Budget:
    """One identity's allowance on one resource (core or graphql) for the current window."""

    limit: int
    reset: int  # epoch seconds when the window ends
    used: int = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def as_json(self, resource: str) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "reset": self.reset,
            "resource": resource,
        }


@dataclass
class Call:
    """One API request as a route handler sees it."""

    request: web.Request
    params: dict[str, str]  # path parameters from the route pattern
    login: str | None  # the authenticated user, None when anonymous
    base: str  # API root as the client addressed it, for the ``*_url`` fields
    budget: Budget  # already charged for this request

    async def json(self) -> Any:
        """The JSON request body (None when empty or not JSON)."""
        raw = await self.request.read()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


@dataclass
class Route:
    method: str
    regex: re.Pattern[str]
    fn: Handler
    resource: str  # "core" | "graphql" | … budget it is charged to
    counted: bool  # False for endpoints GitHub does not charge (rate_limit)
    auth_required: bool


@dataclass(frozen=True)
class ApiCall:
    """One answered request, for tests that count what the API was asked."""

    method: str
    path: str  # without the /api/v3 prefix
    status: int
    resource: str
    login: str | None
    charged: bool  # counted against the budget


def gh_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer shaped like GitHub's (content type, compact body)."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(
        body=body, status=status, headers={"Content-Type": JSON_TYPE, **(headers or {})}
    )


def gh_error(status: int, message: str, docs: str = REST_DOCS) -> web.Response:
    """GitHub's error body: ``{"message", "documentation_url", "status"}``."""
    return gh_json({"message": message, "documentation_url": docs, "status": str(status)}, status)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _pattern(pattern: str) -> re.Pattern[str]:
    """``/repos/{owner}/{repo}`` → regex; ``{name*}`` takes the rest, slashes included."""
    parts = re.split(r"\{(\w+\*?)\}", pattern)
    out = "".join(
        (f"(?P<{part[:-1]}>.+)" if part.endswith("*") else f"(?P<{part}>[^/]+)")
        if i % 2
        else re.escape(part)
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{out}/?$")


class SimGitHub:
    """State and routes of the simulated API; ``handle`` is the aiohttp handler."""

    def __init__(
        self,
        *,
        anonymous_limit: int = 60,
        token_limit: int = 5000,
        graphql_limit: int = 5000,
        window: float = 3600.0,
        limit_status: int = 403,
    ) -> None:
        self.repos: dict[str, dict[str, Any]] = {}  # lower full_name → core REST fields
        self.renames: dict[str, str] = {}  # lower old full_name → lower current full_name
        self.owners: dict[str, dict[str, Any]] = {}  # lower login → user/org fields
        self.tokens: dict[str, str] = {}  # token → login
        self.refs: dict[int, dict[str, set[str]]] = {}  # repo id → branch or tag → file paths
        self.log: list[ApiCall] = []
        self.limits = {"core": (anonymous_limit, token_limit), "graphql": (0, graphql_limit)}
        self.window = window
        self.limit_status = limit_status  # 403 like GitHub's primary limit, or 429
        self._routes: list[Route] = []
        self._budgets: dict[tuple[str, str], Budget] = {}
        self._next_id = 100_000
        self.add_route("GET", "/repos/{owner}/{repo}", self._get_repo)
        self.add_route("GET", "/repositories/{id}", self._get_repo_by_id)
        self.add_route("GET", "/users/{login}", self._get_user)
        self.add_route("GET", "/orgs/{login}", self._get_org)
        self.add_route("GET", "/rate_limit", self._get_rate_limit, counted=False)
        self.add_route("POST", "/graphql", self._graphql, resource="graphql", auth_required=True)

    # ---- state -------------------------------------------------------------------------

    def add_token(self, token: str, login: str = "linkwatch-bot") -> None:
        self.tokens[token] = login
        self.add_owner(login)

    def add_owner(self, login: str, type: str = "User", **fields: Any) -> dict[str, Any]:
        """A user or organization (``type="Organization"``)."""
        key = login.lower()
        if key not in self.owners:
            self.owners[key] = {
                "login": login,
                "id": self._new_id(),
                "type": type,
                "name": fields.pop("name", login),
                "created_at": "2015-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
                **fields,
            }
        return self.owners[key]

    def add_repo(
        self,
        full_name: str,
        *,
        stars: int = 0,
        forks: int = 0,
        archived: bool = False,
        description: str | None = None,
        license: str | None = "mit",
        pushed_at: str = "2024-05-01T12:00:00Z",
        topics: Iterable[str] = (),
        owner_type: str = "User",
        default_branch: str = "main",
        **fields: Any,
    ) -> dict[str, Any]:
        """Create a repository; extra keyword arguments override REST fields."""
        owner, name = full_name.split("/", 1)
        self.add_owner(owner, owner_type)
        record = {
            "id": self._new_id(),
            "name": name,
            "full_name": full_name,
            "owner_login": owner,
            "private": False,
            "description": description,
            "fork": False,
            "created_at": "2019-03-01T08:00:00Z",
            "updated_at": pushed_at,
            "pushed_at": pushed_at,
            "homepage": None,
            "size": 1024,
            "stargazers_count": stars,
            "watchers_count": stars,
            "language": "Python",
            "forks_count": forks,
            "archived": archived,
            "disabled": False,
            "open_issues_count": 0,
            "license": LICENSES.get(license) if license else None,
            "topics": list(topics),
            "default_branch": default_branch,
            "subscribers_count": max(stars // 20, 1),
            **fields,
        }
        record["node_id"] = "R_kg" + hashlib.sha1(str(record["id"]).encode()).hexdigest()[:10]
        self.refs[record["id"]] = {default_branch: set()}
        self.repos[full_name.lower()] = record
        return record

    def add_files(self, full_name: str, paths: Iterable[str], ref: str | None = None) -> None:
        """Files on a branch or tag (the default branch unless ``ref``); their folders
        exist implicitly. A new ``ref`` is created."""
        record = self.repos[full_name.lower()]
        self.refs[record["id"]].setdefault(ref or record["default_branch"], set()).update(
            p.strip("/") for p in paths
        )

    def rename_branch(self, full_name: str, old: str, new: str) -> None:
        record = self.repos[full_name.lower()]
        refs = self.refs[record["id"]]
        refs[new] = refs.pop(old)
        if record["default_branch"] == old:
            record["default_branch"] = new

    def git_object(self, record: dict[str, Any], expression: str) -> dict[str, Any] | None:
        """What ``object(expression: "REF:path")`` names: a Blob, a Tree, a Commit (no
        path), or None, as GitHub answers for a missing ref or path (null, no error)."""
        ref, colon, path = expression.partition(":")
        files = self.refs[record["id"]].get(record["default_branch"] if ref == "HEAD" else ref)
        if files is None:
            return None
        oid = hashlib.sha1(f"{record['id']}:{expression}".encode()).hexdigest()
        path = path.strip("/")
        if not colon:
            return {"type": "Commit", "oid": oid}
        if path in files:
            return {"type": "Blob", "oid": oid, "byteSize": 1024}
        if not path or any(f.startswith(path + "/") for f in files):
            return {"type": "Tree", "oid": oid}
        return None

    def rename(self, old: str, new: str) -> None:
        """Rename (or transfer) a repository; the old name keeps resolving, like GitHub."""
        record = self.repos.pop(old.lower())
        owner, name = new.split("/", 1)
        self.add_owner(owner)
        record.update(full_name=new, name=name, owner_login=owner)
        self.repos[new.lower()] = record
        for was, now in self.renames.items():
            if now == old.lower():
                self.renames[was] = new.lower()
        self.renames[old.lower()] = new.lower()

    def delete(self, full_name: str) -> None:
        self.repos.pop(full_name.lower(), None)
        self.renames = {k: v for k, v in self.renames.items() if v != full_name.lower()}

    def resolve(self, full_name: str) -> dict[str, Any] | None:
        """The repository a name reaches now (following renames), or None."""
        key = full_name.lower()
        return self.repos.get(key) or self.repos.get(self.renames.get(key, ""))

    def budget(self, identity: str, resource: str) -> Budget:
        """The identity's budget (``ip:127.0.0.1`` or ``user:login``), refilled per window."""
        now = time.time()
        current = self._budgets.get((identity, resource))
        if current is None or now >= current.reset:
            anonymous, authenticated = self.limits.get(resource, self.limits["core"])
            limit = authenticated if identity.startswith("user:") else anonymous
            current = Budget(limit=limit, reset=int(now + self.window))
            self._budgets[(identity, resource)] = current
        return current

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # ---- dispatch ----------------------------------------------------------------------

    def add_route(
        self,
        method: str,
        pattern: str,
        fn: Handler,
        *,
        resource: str = "core",
        counted: bool = True,
        auth_required: bool = False,
    ) -> None:
        """Serve ``method pattern`` (``/repos/{owner}/{repo}/issues``) with ``fn(call)``.

        ``{name}`` matches one path segment, ``{name*}`` the rest of the path
        (``/git/refs/{ref*}``). Earlier routes win.
        """
        self._routes.append(
            Route(method.upper(), _pattern(pattern), fn, resource, counted, auth_required)
        )

    def app(self) -> web.Application:
        """A standalone application serving only this API (every path goes to ``handle``)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path, prefix = request.path, ""
        if path == "/api/graphql":
            path, prefix = "/graphql", "/api"
        elif path.startswith("/api/v3/") or path == "/api/v3":
            path, prefix = path[len("/api/v3") :] or "/", "/api/v3"
        base = f"{request.scheme}://{request.host}{prefix}"
        route, params = self._match(request.method, path)
        if route is None:
            return self._record(request, path, "core", None, False, gh_error(404, "Not Found"))
        login, token_given = self._authenticate(request)
        if token_given and login is None:
            docs = GRAPHQL_DOCS if route.resource == "graphql" else REST_DOCS
            response = gh_error(401, "Bad credentials", docs)
            return self._record(request, path, route.resource, None, False, response)
        if route.auth_required and login is None:
            response = gh_error(
                401, "This endpoint requires you to be authenticated.", GRAPHQL_DOCS
            )
            return self._record(request, path, route.resource, None, False, response)
        identity = f"user:{login}" if login else f"ip:{request.remote}"
        budget = self.budget(identity, route.resource)
        charged = route.counted and budget.remaining > 0
        if route.counted and not charged:
            response = self._exhausted(route.resource, login, request.remote or "")
        else:
            budget.used += charged
            response = await route.fn(Call(request, params, login, base, budget))
            if charged and self._not_modified(request, response):
                budget.used -= 1
                charged = False
                response = web.Response(status=304, headers={"ETag": response.headers["ETag"]})
        for name, value in budget.as_json(route.resource).items():
            response.headers[f"x-ratelimit-{name}"] = str(value)
        return self._record(request, path, route.resource, login, charged, response)

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self._routes:
            m = route.regex.match(path)
            if m and route.method in (method, "*"):
                return route, m.groupdict()
        return None, {}

    def _authenticate(self, request: web.Request) -> tuple[str | None, bool]:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header or scheme.lower() not in ("token", "bearer"):
            return None, bool(header)
        return self.tokens.get(token.strip()), True

    def _exhausted(self, resource: str, login: str | None, ip: str) -> web.Response:
        who = f"user ID {self.owners[login.lower()]['id']}" if login else ip
        message = f"API rate limit exceeded for {who}."
        if login is None:
            message += (
                " (But here's the good news: Authenticated requests get a higher rate limit."
                " Check out the documentation for more details.)"
            )
        if resource == "graphql":  # GraphQL answers 200 with a RATE_LIMITED error
            return gh_json({"errors": [{"type": "RATE_LIMITED", "message": message}]})
        docs = f"{REST_DOCS}/overview/rate-limits-for-the-rest-api"
        response = gh_error(self.limit_status, message, docs)
        if self.limit_status == 429:
            response.headers["Retry-After"] = "60"
        return response

    @staticmethod
    def _not_modified(request: web.Request, response: web.StreamResponse) -> bool:
        etag = response.headers.get("ETag")
        wanted = request.headers.get("If-None-Match", "")
        if response.status != 200 or not etag or not wanted:
            return False
        weak = etag.removeprefix("W/")
        return any(tag.strip().removeprefix("W/") == weak for tag in wanted.split(","))

    def _record(
        self,
        request: web.Request,
        path: str,
        resource: str,
        login: str | None,
        charged: bool,
        response: web.StreamResponse,
    ) -> web.StreamResponse:
        self.log.append(ApiCall(request.method, path, response.status, resource, login, charged))
        return response

    # ---- REST --------------------------------------------------------------------------

    async def _get_repo(self, call: Call) -> web.Response:
        full_name = f"{call.params['owner']}/{call.params['repo']}"
        record = self.repos.get(full_name.lower())
        if record is not None:
            return self._etagged(self.rest_repo(record, call.base))
        target = self.resolve(full_name)
        if target is None:
            return gh_error(404, "Not Found", f"{REST_DOCS}/repos/repos#get-a-repository")
        location = f"{call.base}/repositories/{target['id']}"
        body = {
            "message": "Moved Permanently",
            "url": location,
            "documentation_url": "https://docs.github.com/v3/#http-redirects",
        }
        return gh_json(body, 301, {"Location": location})

    async def _get_repo_by_id(self, call: Call) -> web.Response:
        wanted = call.params["id"]
        for record in self.repos.values():
            if str(record["id"]) == wanted:
                return self._etagged(self.rest_repo(record, call.base))
        return gh_error(404, "Not Found")

    async def _get_user(self, call: Call) -> web.Response:
        owner = self.owners.get(call.params["login"].lower())
        if owner is None:
            return gh_error(404, "Not Found", f"{REST_DOCS}/users/users#get-a-user")
        return self._etagged(self.rest_owner(owner, call.base))

    async def _get_org(self, call: Call) -> web.Response:
        owner = self.owners.get(call.params["login"].lower())
        if owner is None or owner["type"] != "Organization":
            return gh_error(404, "Not Found", f"{REST_DOCS}/orgs/orgs#get-an-organization")
        return self._etagged(self.rest_owner(owner, call.base))

    async def _get_rate_limit(self, call: Call) -> web.Response:
        identity = f"user:{call.login}" if call.login else f"ip:{call.request.remote}"
        resources = {r: self.budget(identity, r).as_json(r) for r in ("core", "graphql")}
        return gh_json({"resources": resources, "rate": resources["core"]})

    @staticmethod
    def _etagged(data: dict[str, Any]) -> web.Response:
        response = gh_json(data)
        digest = hashlib.sha256(response.body).hexdigest()  # type: ignore[arg-type]
        response.headers["ETag"] = f'W/"{digest}"'
        response.headers["Cache-Control"] = "public, max-age=60, s-maxage=60"
        response.headers["Vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP"
        return response

    def rest_owner(self, owner: dict[str, Any], base: str) -> dict[str, Any]:
        """The ``owner`` object of a repository, or a /users answer."""
        login = owner["login"]
        api = f"{base}/users/{login}"
        return {
            "login": login,
            "id": owner["id"],
            "node_id": ("O_kg" if owner["type"] == "Organization" else "U_kg") + str(owner["id"]),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{owner['id']}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"https://github.com/{login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": owner["type"],
            "user_view_type": "public",
            "site_admin": False,
            "name": owner.get("name"),
            "created_at": owner["created_at"],
            "updated_at": owner["updated_at"],
        }

    def rest_repo(self, record: dict[str, Any], base: str) -> dict[str, Any]:
        """A full repository object with GitHub's field names and URL templates."""
        full = record["full_name"]
        api = f"{base}/repos/{full}"
        owner = self.owners[record["owner_login"].lower()]
        stars, forks = record["stargazers_count"], record["forks_count"]
        core = {k: v for k, v in record.items() if k != "owner_login"}
        data: dict[str, Any] = {
            "id": record["id"],
            "node_id": record["node_id"],
            "name": record["name"],
            "full_name": full,
            "private": record["private"],
            "owner": self.rest_owner(owner, base),
            "html_url": f"https://github.com/{full}",
            "description": record["description"],
            "fork": record["fork"],
            "url": api,
        }
        for name, suffix in _URL_TEMPLATES:
            data[name] = api + suffix
        data.update(
            {
                "git_url": f"git://github.com/{full}.git",
                "ssh_url": f"git@github.com:{full}.git",
                "clone_url": f"https://github.com/{full}.git",
                "svn_url": f"https://github.com/{full}",
                "mirror_url": None,
                "has_issues": True,
                "has_projects": True,
                "has_downloads": True,
                "has_wiki": True,
                "has_pages": False,
                "has_discussions": False,
                "allow_forking": True,
                "is_template": False,
                "web_commit_signoff_required": False,
                "visibility": "private" if record["private"] else "public",
                "forks": forks,
                "open_issues": record["open_issues_count"],
                "watchers": stars,
                "network_count": forks,
                "temp_clone_token": None,
            }
        )
        data.update({k: v for k, v in core.items() if k not in data})
        if owner["type"] == "Organization":
            data["organization"] = self.rest_owner(owner, base)
        return data

    # ---- GraphQL -----------------------------------------------------------------------

    async def _graphql(self, call: Call) -> web.Response:
        body = await call.json()
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return gh_json(
                {"message": "Problems parsing JSON", "documentation_url": GRAPHQL_DOCS}, 400
            )
        variables = body.get("variables") or {}
        try:
            selections = Parser(body["query"], variables).document()
        except GraphQLError as exc:
            return gh_json({"errors": [exc.as_json()]})
        executor = _Executor(self, call.budget, call.login)
        try:
            data = executor.select("Query", None, selections, [])
        except GraphQLError as exc:  # validation failures: no data at all, like GitHub
            return gh_json({"errors": [exc.as_json()]})
        answer: dict[str, Any] = {"data": data}
        if executor.errors:
            answer["errors"] = executor.errors
        return gh_json(answer)


_URL_TEMPLATES = [
    ("forks_url", "/forks"),
    ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("teams_url", "/teams"),
    ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"),
    ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"),
    ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"),
    ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"),
    ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"),
    ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"),
    ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("labels_url", "/labels{/name}"),
    ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
]

LICENSES: dict[str, dict[str, Any]] = {
    key: {
        "key": key,
        "name": name,
        "spdx_id": spdx,
        "url": f"https://api.github.com/licenses/{key}",
        "node_id": f"MDc6TGljZW5zZ{i}",
    }
    for i, (key, name, spdx) in enumerate(
        [
            ("mit", "MIT License", "MIT"),
            ("apache-2.0", "Apache License 2.0", "Apache-2.0"),
            ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause"),
            ("gpl-3.0", "GNU General Public License v3.0", "GPL-3.0"),
            ("other", "Other", "NOASSERTION"),
        ]
    )
}


_OWNER_FIELDS = {
    "login": lambda o: o["login"],
    "name": lambda o: o.get("name"),
    "url": lambda o: f"https://github.com/{o['login']}",
    "id": lambda o: ("O_kg" if o["type"] == "Organization" else "U_kg") + str(o["id"]),
    "databaseId": lambda o: o["id"],
    "createdAt": lambda o: o["created_at"],
}
_REPO_FIELDS = {
    "name": lambda r: r["name"],
    "nameWithOwner": lambda r: r["full_name"],
    "stargazerCount": lambda r: r["stargazers_count"],
    "forkCount": lambda r: r["forks_count"],
    "isArchived": lambda r: r["archived"],
    "isDisabled": lambda r: r["disabled"],
    "isFork": lambda r: r["fork"],
    "isPrivate": lambda r: r["private"],
    "pushedAt": lambda r: r["pushed_at"],
    "createdAt": lambda r: r["created_at"],
    "updatedAt": lambda r: r["updated_at"],
    "description": lambda r: r["description"],
    "homepageUrl": lambda r: r["homepage"],
    "url": lambda r: f"https://github.com/{r['full_name']}",
    "id": lambda r: r["node_id"],
    "databaseId": lambda r: r["id"],
}
_LICENSE_FIELDS = {
    "key": lambda lic: lic["key"],
    "name": lambda lic: lic["name"],
    "spdxId": lambda lic: lic["spdx_id"],
    "url": lambda lic: f"http://choosealicense.com/licenses/{lic['key']}/",
}


class _Executor:
    """Resolves a parsed selection set against the simulated state."""

    def __init__(self, sim: SimGitHub, budget: Budget, login: str | None) -> None:
        self.sim = sim
        self.budget = budget
        self.login = login
        self.errors: list[dict[str, Any]] = []

    def select(
        self, type_name: str, obj: Any, fields: list[Field], path: list[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields:
            if f.on_type and f.on_type != type_name:
                continue
            if f.name == "__typename":
                out[f.alias] = type_name
                continue
            out[f.alias] = self.resolve(type_name, obj, f, [*path, f.alias])
        return out

    def resolve(self, type_name: str, obj: Any, f: Field, path: list[str]) -> Any:
        if type_name == "Query":
            return self.query_field(f, path)
        scalars = {
            "Repository": _REPO_FIELDS,
            "User": _OWNER_FIELDS,
            "Organization": _OWNER_FIELDS,
            "License": _LICENSE_FIELDS,
        }.get(type_name, {})
        if type_name == "RateLimit" and f.name in obj:
            return obj[f.name]
        if f.name in scalars:
            return scalars[f.name](obj)
        if type_name == "Repository" and f.name == "owner":
            return self.owner(self.sim.owners[obj["owner_login"].lower()], f, path)
        if type_name == "Repository" and f.name == "licenseInfo":
            lic = obj["license"]
            return None if lic is None else self.select("License", lic, f.selections, path)
        if type_name == "Repository" and f.name == "defaultBranchRef":
            return self.select("Ref", {"name": obj["default_branch"]}, f.selections, path)
        if type_name == "Ref" and f.name == "name":
            return obj["name"]
        if type_name == "Repository" and f.name == "object":
            target = self.sim.git_object(obj, str(f.args.get("expression", "")))
            return (
                None if target is None else self.select(target["type"], target, f.selections, path)
            )
        if type_name in ("Blob", "Tree", "Commit") and f.name in ("oid", "byteSize") & obj.keys():
            return obj[f.name]
        raise self.undefined(type_name, f)

    def owner(self, owner: dict[str, Any], f: Field, path: list[str]) -> dict[str, Any]:
        return self.select(owner["type"], owner, f.selections, path)

    def query_field(self, f: Field, path: list[str]) -> Any:
        a = f.args
        if f.name == "repository":
            record = self.sim.resolve(f"{a.get('owner')}/{a.get('name')}")
            if record is None:
                return self.not_found(
                    f,
                    path,
                    f"Could not resolve to a Repository with the name "
                    f"'{a.get('owner')}/{a.get('name')}'.",
                )
            return self.select("Repository", record, f.selections, path)
        if f.name == "viewer":
            return self.owner(self.sim.owners[str(self.login).lower()], f, path)
        if f.name in ("repositoryOwner", "user", "organization"):
            login = a.get("login")
            owner = self.sim.owners.get(str(login).lower())
            wanted = {"user": "User", "organization": "Organization"}.get(f.name)
            if owner is None or (wanted and owner["type"] != wanted):
                if f.name == "repositoryOwner":  # GitHub answers null without an error here
                    return None
                article = "an" if wanted == "Organization" else "a"
                return self.not_found(
                    f, path, f"Could not resolve to {article} {wanted} with the login of '{login}'."
                )
            return self.owner(owner, f, path)
        if f.name == "rateLimit":
            state = {
                "limit": self.budget.limit,
                "cost": 1,
                "remaining": self.budget.remaining,
                "used": self.budget.used,
                "resetAt": _iso(self.budget.reset),
                "nodeCount": sum(1 for _ in f.selections),
            }
            return self.select("RateLimit", state, f.selections, path)
        raise self.undefined("Query", f)

    def not_found(self, f: Field, path: list[str], message: str) -> None:
        self.errors.append(
            {
                "type": "NOT_FOUND",
                "path": path,
                "locations": [{"line": f.line, "column": f.column}],
                "message": message,
            }
        )
        return None

    @staticmethod
    def undefined(type_name: str, f: Field) -> GraphQLError:
        return GraphQLError(
            f"Field '{f.name}' doesn't exist on type '{type_name}'",
            f.line,
            f.column,
            path=["query", f.alias],
            extensions={"code": "undefinedField", "typeName": type_name, "fieldName": f.name},
        )


# ---- the demo's repositories ----------------------------------------------------------


def example_repos(sim: SimGitHub | None = None) -> SimGitHub:
    """Load every repository the bundled example list links (demo and tests).

    ``LandskapeAI/triplet-attention`` was renamed, ``hujie-frank/SENet`` is archived,
    ``junfu1115/DANet`` was deleted, ``HRNet`` is an organization; the rest are alive.
    The folders the list links exist (``MODELS`` of triplet-attention, ``performer/…`` on
    google-research's ``master``).
    """
    sim = sim or SimGitHub()
    sim.add_owner("HRNet", "Organization", name="HRNet")
    sim.add_owner("google-research", "Organization", name="Google Research")
    sim.add_owner("facebookresearch", "Organization", name="Meta Research")
    alive = [
        (
            "LandskapeAI/triplet-attention",
            410,
            49,
            "Official PyTorch Implementation for "
            '"Rotate to Attend: Convolutional Triplet Attention Module." [WACV 21]',
        ),
        ("YimianDai/open-aff", 330, 60, "code for Attentional Feature Fusion"),
        ("google-research/google-research", 34900, 8000, "Google Research"),
        ("z-x-yang/GCT", 110, 21, "Gated Channel Transformation for Visual Recognition"),
        ("zhanghang1989/ResNeSt", 3260, 500, "ResNeSt: Split-Attention Networks"),
        ("implus/SKNet", 580, 110, "Code for our CVPR 2019 paper: Selective Kernel Networks"),
        (
            "facebookresearch/video-nonlocal-net",
            1970,
            330,
            "Non-local Neural Networks for Video Classification",
        ),
        ("hujie-frank/SENet", 3520, 860, "Squeeze-and-Excitation Networks"),
        ("moskomule/senet.pytorch", 2310, 370, "PyTorch implementation of SENet"),
        ("junfu1115/DANet", 2420, 480, "Dual Attention Network for Scene Segmentation"),
    ]
    for full_name, stars, forks, description in alive:
        owner = full_name.split("/")[0]
        sim.add_repo(
            full_name,
            stars=stars,
            forks=forks,
            description=description,
            owner_type=sim.owners.get(owner.lower(), {}).get("type", "User"),
            license="apache-2.0" if owner == "google-research" else "mit",
        )
    sim.add_files("LandskapeAI/triplet-attention", ["MODELS/README.md", "README.md"])
    google = sim.repos["google-research/google-research"]
    sim.refs[google["id"]] = {"master": set()}
    google["default_branch"] = "master"
    sim.add_files("google-research/google-research", ["performer/fast_self_attention/README.md"])
    sim.rename("LandskapeAI/triplet-attention", "landskape-ai/triplet-attention")
    sim.owners["landskape-ai"]["type"] = "Organization"
    sim.repos["hujie-frank/senet"].update(archived=True, pushed_at="2019-05-02T08:00:00Z")
    sim.delete("junfu1115/DANet")
    return sim


__all__ = [
    "ApiCall",
    "Budget",
    "Call",
    "GraphQLError",
    "SimGitHub",
    "example_repos",
    "gh_error",
    "gh_json",
]
