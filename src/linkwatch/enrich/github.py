"""GitHub repository metadata through PyGithub, batched, cached and within the API budget.

With a token, repositories (and users/orgs) are looked up 100 at a time in one aliased
GraphQL query; without one, REST ``/repos/{o}/{r}`` is asked one by one with ETag
conditional requests (a 304 costs no budget), stalest first, stopping before the
anonymous budget is spent. The answers double as liveness checks: a repository the
API resolves under another name is a permanent redirect, one it does not know is dead,
and one it could not be asked about (budget, outage) gets no verdict here, so the
pipeline checks it as a page instead: an exhausted budget never makes a link dead.

File and folder links (``blob/REF/path``, ``tree/REF/path``, raw.githubusercontent.com)
are settled in the same GraphQL batches: the repository node asks
``object(expression: "REF:path")`` for each, plus ``object(expression: "REF")`` to tell
a missing file (dead) from a ref the API does not resolve (a renamed branch, which
github.com redirects: checked as a page). A ref may contain slashes, so the first
``MAX_REF_SEGMENTS`` splits of the path are asked. REST (no token) answers none of
this; those links are checked as pages.

The token stays inside PyGithub's ``Auth.Token``: it is never logged, stored, or put
into an exception message (PyGithub masks it in its own debug log).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import requests
from github import Auth, Github
from urllib3.util.retry import Retry

from .. import interrupt
from ..config import Settings
from ..errors import UsageError
from ..models import ErrorCode, LinkResult, RedirectKind, RepoMeta, Verdict
from ..net import Network

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

SOURCE = "github"  # store metadata: "owner/repo" lowercased → {"status", "meta", "etag"}
OWNER_SOURCE = "github_owner"  # login lowercased → {"status", "type"}
BATCH = 100  # GitHub's GraphQL node limit per query for plain lookups
RESERVE = 0  # REST requests left unspent on purpose
REPO_FIELDS = (
    "nameWithOwner stargazerCount forkCount isArchived pushedAt description "
    "licenseInfo { spdxId name } url"
)
OWNER_FIELDS = "login __typename"
MAX_REF_SEGMENTS = 3  # refs like "release/v2" are tried as 1, 2 or 3 path segments
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class GithubAuthError(UsageError):
    """GitHub refused the token (401). The message never contains the token; CLI exit 2."""


class _Retry(Retry):
    """urllib3's retries, but none starts after a stop signal (see ``interrupt``)."""

    def sleep(self, response: Any = None) -> None:
        interrupt.raise_if_requested()
        super().sleep(response)
        interrupt.raise_if_requested()


@dataclass
class RepoLookup:
    """What the API said about a set of repositories; keys are ``owner/name`` lowercased.

    ``metas`` also holds the last cached metadata of ``unrefreshed`` repositories (for the
    report); those keys get no verdict from ``github_results``.
    """

    metas: dict[str, RepoMeta] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)  # key → current "Owner/Name"
    missing: set[str] = field(default_factory=set)
    unrefreshed: set[str] = field(default_factory=set)
    budget_reset: str | None = None  # ISO time the exhausted budget comes back
    owners: dict[str, str] = field(default_factory=dict)  # login → "User" | "Organization"
    missing_owners: set[str] = field(default_factory=set)
    unrefreshed_owners: set[str] = field(default_factory=set)
    # key → {object expression → "Blob" | "Tree" | "Commit" | None}, as far as asked
    objects: dict[str, dict[str, str | None]] = field(default_factory=dict)


def repo_key(owner: str, name: str) -> str:
    return f"{owner}/{name}".lower()


def _api_base(url: str, network: Network | None) -> str:
    """``settings.github_api_url``, sent to simweb when the network routes its host there."""
    parts = urlsplit(url)
    base = network.direct_bases.get(parts.hostname or "") if network is not None else None
    if base is None:
        return url
    target = urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, "", ""))


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _age(fetched_at: str, now: float) -> float:
    try:
        return now - datetime.fromisoformat(fetched_at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return math.inf


def _meta_from_rest(data: dict[str, Any]) -> RepoMeta:
    lic = data.get("license") or {}
    spdx = lic.get("spdx_id")
    return RepoMeta(
        full_name=data["full_name"],
        stars=int(data.get("stargazers_count") or 0),
        forks=int(data.get("forks_count") or 0),
        archived=bool(data.get("archived")),
        pushed_at=data.get("pushed_at"),
        description=data.get("description"),
        license=spdx if spdx and spdx != "NOASSERTION" else lic.get("name"),
        html_url=data.get("html_url") or f"https://github.com/{data['full_name']}",
    )


def _meta_from_graphql(node: dict[str, Any]) -> RepoMeta:
    lic = node.get("licenseInfo") or {}
    spdx = lic.get("spdxId")
    return RepoMeta(
        full_name=node["nameWithOwner"],
        stars=int(node.get("stargazerCount") or 0),
        forks=int(node.get("forkCount") or 0),
        archived=bool(node.get("isArchived")),
        pushed_at=node.get("pushedAt"),
        description=node.get("description"),
        license=spdx if spdx and spdx != "NOASSERTION" else lic.get("name"),
        html_url=node.get("url") or f"https://github.com/{node['nameWithOwner']}",
    )


def _ref_splits(url: str) -> list[tuple[str, str]]:
    """The ways to read a file or folder link's path as ``(ref, path)``; ``path`` is empty
    when the whole rest names a ref (``tree/REF``). Empty for other links."""
    parts = urlsplit(url)
    segments = [unquote(p) for p in parts.path.split("/") if p]
    if (parts.hostname or "").lower() == "raw.githubusercontent.com":
        rest, folder = segments[2:], False
    elif len(segments) > 3 and segments[2] in ("blob", "tree"):
        rest, folder = segments[3:], segments[2] == "tree"
    else:
        return []
    longest = len(rest) if folder else len(rest) - 1  # a file link needs a path
    return [
        ("/".join(rest[:k]), "/".join(rest[k:]))
        for k in range(1, min(MAX_REF_SEGMENTS, longest) + 1)
    ]


def object_expressions(url: str) -> list[str]:
    """The ``object(expression:)`` arguments that settle a file or folder link: for each
    way to split its path into ref and path, ``REF:path`` and ``REF``. Empty for links
    that name no file or folder."""
    out: list[str] = []
    for ref, path in _ref_splits(url):
        out += [f"{ref}:{path}", ref] if path else [ref]
    return list(dict.fromkeys(out))


def build_query(
    repos: list[tuple[str, str, str]] | list[tuple[str, str, str, list[str]]],
    owners: list[tuple[str, str]],
) -> str:
    """One aliased GraphQL query: ``(alias, owner, name[, expressions])`` repos (each
    expression asked as ``oN: object(expression: …) { __typename }`` on the repository),
    ``(alias, login)`` owners.

    Names are JSON-quoted, which is also valid GraphQL string syntax, so odd names in a
    README cannot break the query.
    """
    parts = []
    for alias, o, n, *more in repos:
        objects = "".join(
            f" o{i}: object(expression: {json.dumps(e)}) {{ __typename }}"
            for i, e in enumerate(more[0] if more else [])
        )
        parts.append(
            f"{alias}: repository(owner: {json.dumps(o)}, name: {json.dumps(n)}) "
            f"{{ {REPO_FIELDS}{objects} }}"
        )
    parts += [
        f"{alias}: repositoryOwner(login: {json.dumps(login)}) {{ {OWNER_FIELDS} }}"
        for alias, login in owners
    ]
    return "query {\n  " + "\n  ".join(parts) + "\n}"


class GithubEnricher:
    """Looks repositories up through PyGithub; ``fetch`` is synchronous, ``fetch_async`` not."""

    def __init__(
        self, settings: Settings, network: Network | None = None, *, store: Store | None = None
    ) -> None:
        """With a simulated ``network`` (simweb) the API host is reached through its direct
        base, and any other non-loopback host is refused rather than contacted."""
        self.settings = settings
        self.store = store
        self.base_url = _api_base(settings.github_api_url, network).rstrip("/")
        loopback_only = network is not None and network.socket_factory is not None
        self.refused = loopback_only and urlsplit(self.base_url).hostname not in _LOOPBACK
        self._last_request = -math.inf  # monotonic end of the last API request (spacing)

    async def fetch_async(
        self,
        repos: Iterable[tuple[str, str]],
        owners: Iterable[str] = (),
        objects: Mapping[str, Iterable[str]] | None = None,
    ) -> RepoLookup:
        """``fetch`` in a worker thread, so the aiohttp checker keeps running."""
        return await interrupt.in_thread(self.fetch, list(repos), list(owners), objects)

    def fetch(
        self,
        repos: Iterable[tuple[str, str]],
        owners: Iterable[str] = (),
        objects: Mapping[str, Iterable[str]] | None = None,
    ) -> RepoLookup:
        """Metadata for ``(owner, name)`` pairs and user/org ``owners``, cache first;
        with a token also the ``objects`` (repo key → expressions, see
        ``object_expressions``) its file and folder links need."""
        names: dict[str, tuple[str, str]] = {}
        for owner, name in repos:
            names.setdefault(repo_key(owner, name), (owner, name))
        logins = {login.lower(): login for login in owners}
        lookup = RepoLookup()
        now = time.time()
        cached = self._cached(SOURCE, list(names))
        cached_owners = self._cached(OWNER_SOURCE, list(logins))
        wanted = {k: list(dict.fromkeys(v)) for k, v in (objects or {}).items() if k in names}
        if not self.settings.github_token:
            wanted = {}  # REST would spend one request per file: pages answer instead
        due = self._due(names, cached, now, self.settings.ttl_repo, wanted)
        due_owners = self._due(logins, cached_owners, now, self.settings.ttl_repo)
        for key in set(names) - set(due):
            self._apply_repo(lookup, key, cached[key][0])
        for login in set(logins) - set(due_owners):
            self._apply_owner(lookup, login, cached_owners[login][0])
        if not (due or due_owners):
            return lookup
        answers: dict[str, dict[str, Any]] = {}
        owner_answers: dict[str, dict[str, Any]] = {}
        if self.refused:
            log.warning("not contacting %s from a simulated network", self.base_url)
        else:
            known = {k: v[0] for k, v in cached.items() if v[0].get("status") == "ok"}
            with self._client() as gh:
                if self.settings.github_token:
                    self._graphql(
                        gh, due, names, wanted, due_owners, logins, answers, owner_answers, lookup
                    )
                else:
                    self._rest(
                        gh, due, names, due_owners, logins, known, answers, owner_answers, lookup
                    )
        for key, value in answers.items():
            self._apply_repo(lookup, key, value)
        for login, value in owner_answers.items():
            self._apply_owner(lookup, login, value)
        self._store(answers, owner_answers)
        lookup.unrefreshed = {k for k in due if k not in answers}
        lookup.unrefreshed_owners = {k for k in due_owners if k not in owner_answers}
        for key in lookup.unrefreshed:  # keep showing what we knew
            if key in cached and cached[key][0].get("status") == "ok":
                lookup.metas[key] = RepoMeta(**cached[key][0]["meta"])
        log.info(
            "GitHub: %d repositories from cache, %d asked, %d not refreshed%s",
            len(names) - len(due),
            len(answers),
            len(lookup.unrefreshed),
            f" (budget resets {lookup.budget_reset})" if lookup.budget_reset else "",
        )
        return lookup

    # ---- cache -------------------------------------------------------------------------

    def _cached(self, source: str, keys: list[str]) -> dict[str, tuple[dict[str, Any], str]]:
        if self.store is None or not keys:
            return {}
        return self.store.get_metadata(source, keys)

    def _due(
        self,
        keys: dict[str, Any],
        cached: dict[str, tuple[dict[str, Any], str]],
        now: float,
        ttl: float,
        objects: Mapping[str, list[str]] | None = None,
    ) -> list[str]:
        """Keys to ask about (stale, or lacking an object answer), never-fetched first,
        then stalest first."""
        objects = objects or {}

        def fresh(key: str) -> bool:
            if self.settings.refresh or key not in cached:
                return False
            value, fetched_at = cached[key]
            known = value.get("objects") or {}
            if value.get("status") == "ok" and any(e not in known for e in objects.get(key, ())):
                return False
            limit = ttl if value.get("status") == "ok" else self.settings.ttl_dead
            return _age(fetched_at, now) < limit

        def staleness(key: str) -> tuple[int, float]:
            return (0, 0.0) if key not in cached else (1, -_age(cached[key][1], now))

        return sorted((k for k in keys if not fresh(k)), key=staleness)

    def _store(self, answers: dict[str, Any], owner_answers: dict[str, Any]) -> None:
        if self.store is None:
            return
        stamp = _iso(time.time())
        if answers:
            self.store.put_metadata(SOURCE, answers, stamp)
        if owner_answers:
            self.store.put_metadata(OWNER_SOURCE, owner_answers, stamp)

    @staticmethod
    def _apply_repo(lookup: RepoLookup, key: str, value: dict[str, Any]) -> None:
        if value.get("status") != "ok":
            lookup.missing.add(key)
            return
        meta = RepoMeta(**value["meta"])
        lookup.metas[key] = meta
        if value.get("objects"):
            lookup.objects[key] = dict(value["objects"])
        if meta.full_name.lower() != key:
            lookup.renamed[key] = meta.full_name

    @staticmethod
    def _apply_owner(lookup: RepoLookup, login: str, value: dict[str, Any]) -> None:
        if value.get("status") == "ok":
            lookup.owners[login] = value["type"]
        else:
            lookup.missing_owners.add(login)

    # ---- transport ---------------------------------------------------------------------

    def _client(self) -> Github:
        s = self.settings
        retry = _Retry(
            total=s.max_retries,
            connect=s.max_retries,
            read=0,  # a hung API costs one timeout, not several
            status=s.max_retries,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=None,  # GraphQL lookups are POSTs but read-only
            backoff_factor=s.retry_backoff,
            backoff_max=s.retry_after_cap,
            raise_on_status=False,
        )
        return Github(
            auth=Auth.Token(s.github_token) if s.github_token else None,
            base_url=self.base_url,
            timeout=max(1, math.ceil(s.timeout)),
            user_agent=s.user_agent,
            per_page=100,
            retry=retry,
            seconds_between_requests=None,  # spaced in _request, where a signal ends it
            seconds_between_writes=None,
        )

    def _request(
        self, gh: Github, verb: str, url: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, dict[str, Any], Any]:
        """One API call: (status, lowercased headers, parsed JSON or None)."""
        wait = self._last_request + self.settings.host_spacing - time.monotonic()
        if wait > 0:
            interrupt.sleep(wait)
        interrupt.raise_if_requested()
        try:
            status, response_headers, output = gh.requester.requestJson(
                verb, url, headers=headers, input=body
            )
        finally:
            self._last_request = time.monotonic()
        try:
            data = json.loads(output) if output else None
        except ValueError:
            data = None
        if status == 401:
            raise GithubAuthError(
                "GitHub rejected the token (401 Bad credentials); check GITHUB_TOKEN"
                if self.settings.github_token
                else f"GitHub API at {self.settings.github_api_url} requires authentication (401)"
            )
        return status, response_headers, data

    @staticmethod
    def _reset(headers: dict[str, Any]) -> str | None:
        try:
            return _iso(float(headers["x-ratelimit-reset"]))
        except (KeyError, ValueError):
            return None

    @staticmethod
    def _remaining(headers: dict[str, Any]) -> int | None:
        try:
            return int(float(headers["x-ratelimit-remaining"]))
        except (KeyError, ValueError):
            return None

    def _refused_for_budget(self, status: int, headers: dict[str, Any], data: Any) -> bool:
        message = str((data or {}).get("message", "")).lower() if isinstance(data, dict) else ""
        return status in (403, 429) and (
            self._remaining(headers) == 0 or "rate limit" in message or "retry-after" in headers
        )

    # ---- GraphQL (token) ---------------------------------------------------------------

    def _graphql(
        self,
        gh: Github,
        due: list[str],
        names: dict[str, tuple[str, str]],
        objects: Mapping[str, list[str]],
        due_owners: list[str],
        logins: dict[str, str],
        answers: dict[str, dict[str, Any]],
        owner_answers: dict[str, dict[str, Any]],
        lookup: RepoLookup,
    ) -> None:
        items: list[tuple[str, str]] = [("repo", k) for k in due] + [
            ("owner", k) for k in due_owners
        ]
        url = gh.requester.graphql_url
        for batch in _batches(items, objects):
            aliases = {f"a{i}": item for i, item in enumerate(batch)}
            query = build_query(
                [
                    (a, *names[k], objects.get(k, []))
                    for a, (kind, k) in aliases.items()
                    if kind == "repo"
                ],
                [(a, logins[k]) for a, (kind, k) in aliases.items() if kind == "owner"],
            )
            try:
                status, headers, data = self._request(
                    gh, "POST", url, {}, {"query": query, "variables": {}}
                )
            except requests.RequestException as exc:
                log.warning(
                    "GitHub GraphQL API unreachable (%s); checking pages instead", _brief(exc)
                )
                return
            errors = (data.get("errors") or []) if isinstance(data, dict) else []
            if self._refused_for_budget(status, headers, data) or any(
                e.get("type") == "RATE_LIMITED" for e in errors
            ):
                lookup.budget_reset = self._reset(headers)
                log.warning("GitHub GraphQL budget exhausted; resets %s", lookup.budget_reset)
                return
            if status != 200 or not isinstance(data, dict) or data.get("data") is None:
                log.warning("GitHub GraphQL answered %s; this batch is checked as pages", status)
                continue
            failed = {
                str(e["path"][0]) for e in errors if e.get("path") and e.get("type") != "NOT_FOUND"
            }
            for alias, (kind, key) in aliases.items():
                if alias in failed or alias not in data["data"]:
                    continue
                node = data["data"][alias]
                if kind == "repo":
                    answers[key] = (
                        {"status": "ok", "meta": _meta_from_graphql(node).to_json()}
                        if node
                        else {"status": "missing"}
                    )
                    if node and objects.get(key):
                        answers[key]["objects"] = {
                            e: (node.get(f"o{i}") or {}).get("__typename")
                            for i, e in enumerate(objects[key])
                        }
                else:
                    owner_answers[key] = (
                        {"status": "ok", "type": node["__typename"]}
                        if node
                        else {"status": "missing"}
                    )
            if self._remaining(headers) == 0:
                lookup.budget_reset = self._reset(headers)
                return

    # ---- REST (anonymous) --------------------------------------------------------------

    def _rest(
        self,
        gh: Github,
        due: list[str],
        names: dict[str, tuple[str, str]],
        due_owners: list[str],
        logins: dict[str, str],
        cached: dict[str, dict[str, Any]],
        answers: dict[str, dict[str, Any]],
        owner_answers: dict[str, dict[str, Any]],
        lookup: RepoLookup,
    ) -> None:
        remaining: int | None = None
        calls = [("repo", k) for k in due] + [("owner", k) for k in due_owners]
        for kind, key in calls:
            if remaining is not None and remaining <= RESERVE:
                log.warning(
                    "GitHub API budget spent; the rest is checked as pages (resets %s)",
                    lookup.budget_reset,
                )
                return
            if kind == "repo":
                owner, name = names[key]
                path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
                etag = cached.get(key, {}).get("etag")
                headers = {"If-None-Match": etag} if etag else {}
            else:
                path, headers = f"/users/{quote(logins[key], safe='')}", {}
            try:
                status, response_headers, data = self._request(gh, "GET", path, headers)
            except requests.RequestException as exc:
                log.warning("GitHub API unreachable (%s); checking pages instead", _brief(exc))
                return
            remaining = self._remaining(response_headers)
            lookup.budget_reset = self._reset(response_headers) if remaining == 0 else None
            if self._refused_for_budget(status, response_headers, data):
                lookup.budget_reset = self._reset(response_headers)
                log.warning("GitHub API budget exhausted; resets %s", lookup.budget_reset)
                return
            known = cached.get(key) if kind == "repo" else None
            answer = self._rest_answer(kind, status, response_headers, data, known)
            if answer is None:
                log.debug("GitHub API answered %s for %s; checked as a page", status, path)
            elif kind == "repo":
                answers[key] = answer
            else:
                owner_answers[key] = answer

    @staticmethod
    def _rest_answer(
        kind: str, status: int, headers: dict[str, Any], data: Any, known: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The cache value for one REST answer; None when it settles nothing."""
        if status == 404:
            return {"status": "missing"}
        if status == 304 and known is not None:  # the cached answer is still current
            return {k: v for k, v in known.items() if k != "objects"}  # those: not asked
        if status != 200 or not isinstance(data, dict):
            return None
        if kind == "owner":
            return {"status": "ok", "type": data.get("type", "User")}
        answer: dict[str, Any] = {"status": "ok", "meta": _meta_from_rest(data).to_json()}
        if headers.get("etag"):
            answer["etag"] = headers["etag"]
        return answer


OBJECTS_PER_QUERY = 400  # object lookups per GraphQL query besides the BATCH nodes


def _batches(
    items: list[tuple[str, str]], objects: Mapping[str, list[str]]
) -> Iterator[list[tuple[str, str]]]:
    """At most ``BATCH`` repositories and owners and about ``OBJECTS_PER_QUERY`` object
    lookups per query, so a repository linked by hundreds of files cannot make one
    query too costly for GitHub to answer."""
    batch: list[tuple[str, str]] = []
    weight = 0
    for item in items:
        cost = len(objects.get(item[1], ())) if item[0] == "repo" else 0
        if batch and (len(batch) >= BATCH or weight + cost > OBJECTS_PER_QUERY):
            yield batch
            batch, weight = [], 0
        batch.append(item)
        weight += cost
    if batch:
        yield batch


def _brief(exc: BaseException) -> str:
    """An exception as a short phrase (its class), never its text: that may echo a request."""
    return type(exc).__name__


# ---- results -----------------------------------------------------------------------------


def _replace_repo(url: str, full_name: str) -> str:
    """``url`` with its first two path segments replaced by ``full_name``, subpath kept."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if len(segments) < 3:
        return url
    suffix = ".git" if segments[2].endswith(".git") else ""
    owner, name = full_name.split("/", 1)
    segments[1:3] = [owner, name + suffix]
    return urlunsplit(parts._replace(path="/".join(segments)))


def _linked_name(url: str, parts: int) -> str:
    """The owner (``parts=1``) or owner/name (``parts=2``) as the link spells it."""
    return "/".join(urlsplit(url).path.split("/")[1 : 1 + parts])


def _subpath(url: str) -> bool:
    """A link below a repository (file, folder, issues, …) rather than to the repository."""
    parts = urlsplit(url)
    segments = [p for p in parts.path.split("/") if p]
    return len(segments) > 2 or (parts.hostname or "").lower() == "raw.githubusercontent.com"


def _object_answer(url: str, known: Mapping[str, str | None]) -> tuple[Verdict, str] | None:
    """What the object lookups say about a file or folder link: alive or dead with a
    reason; None when they were not asked or no ref resolved (a page will tell)."""
    splits = _ref_splits(url)
    if not splits or any(e not in known for e in object_expressions(url)):
        return None
    raw = (urlsplit(url).hostname or "").lower() == "raw.githubusercontent.com"
    missing = None
    for ref, path in splits:
        if not path:
            if known[ref]:
                return Verdict.ALIVE, f"GitHub ref {ref} exists"
            continue
        kind = known[f"{ref}:{path}"]
        if kind == "Tree" and raw:
            return Verdict.DEAD, f"GitHub: {path} on {ref} is a folder, not a file"
        if kind in ("Blob", "Tree"):
            what = "file" if kind == "Blob" else "folder"
            return Verdict.ALIVE, f"GitHub {what} {path} exists on {ref}"
        if known[ref] and missing is None:
            missing = f"GitHub: no file or folder {path} on {ref}"
    if missing is None:
        return None  # e.g. a renamed branch: github.com redirects it, the API does not say
    return Verdict.DEAD, missing


def github_results(
    links_by_repo: dict[str, list[str]],
    lookup: RepoLookup,
    links_by_owner: dict[str, list[str]] | None = None,
) -> list[LinkResult]:
    """Verdicts the API answers settle; keys not refreshed, and links below a repository
    that no object lookup answered for, get none (checked as pages)."""
    now = _iso(time.time())
    results: list[LinkResult] = []

    def answer(url: str, verdict: Verdict, status: int, reason: str, **extra: Any) -> None:
        results.append(
            LinkResult(
                url, verdict, status=status, reason=reason, attempts=1, checked_at=now, **extra
            )
        )

    for key, urls in links_by_repo.items():
        if key in lookup.unrefreshed:
            continue
        meta = lookup.metas.get(key)
        notes = ["archived"] if meta is not None and meta.archived else []
        for url in urls:
            found = _object_answer(url, lookup.objects.get(key, {}))
            if key not in lookup.missing and found is not None and found[0] is not Verdict.ALIVE:
                verdict, reason = found
                answer(url, verdict, 404, reason, error=ErrorCode.HTTP, notes=list(notes))
            elif (
                found is None and _subpath(url) and key not in lookup.missing | set(lookup.renamed)
            ):
                continue  # the repository exists; whether this path does, a page will tell
            elif key in lookup.missing:
                name = _linked_name(url, 2)
                answer(
                    url,
                    Verdict.DEAD,
                    404,
                    f"GitHub repository {name} not found",
                    error=ErrorCode.HTTP,
                )
            elif key in lookup.renamed:
                new = lookup.renamed[key]
                answer(
                    url,
                    Verdict.REDIRECT,
                    301,
                    f"GitHub repository renamed to {new}",
                    final_url=_replace_repo(url, new),
                    redirect_kind=RedirectKind.PERMANENT,
                    notes=list(notes),
                )
            elif meta is not None:
                what = found[1] if found is not None else "GitHub repository exists"
                reason = what + (" (archived)" if meta.archived else "")
                answer(url, Verdict.ALIVE, 200, reason, notes=list(notes))
    for login, urls in (links_by_owner or {}).items():
        if login in lookup.unrefreshed_owners:
            continue
        for url in urls:
            if login in lookup.missing_owners:
                name = _linked_name(url, 1)
                answer(
                    url,
                    Verdict.DEAD,
                    404,
                    f"GitHub user or organization {name} not found",
                    error=ErrorCode.HTTP,
                )
            elif login in lookup.owners:
                kind = "organization" if lookup.owners[login] == "Organization" else "user"
                answer(url, Verdict.ALIVE, 200, f"GitHub {kind} exists")
    return results
