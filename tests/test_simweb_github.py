"""The simulated GitHub API answers like api.github.com, for raw HTTP and for PyGithub."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import github
import pytest
from aiohttp import web

from linkwatch.simweb import Scenario
from linkwatch.simweb.github_api import Call, SimGitHub, example_repos, gh_json

FIXTURES = Path(__file__).parent / "fixtures" / "github"
EXAMPLE = Path(__file__).parents[1] / "src" / "linkwatch" / "data" / "awesome-cv-attention.md"
TOKEN = "ghp_simTestToken0123456789"


async def _serve(simweb: Any, sim: SimGitHub) -> str:
    web_ = await simweb(Scenario().mount("api.github.com", sim.handle))
    return web_.direct_base("api.github.com")


async def _get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", body: Any = None
) -> tuple[int, Any, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers, json=body, allow_redirects=False) as r,
    ):
        text = await r.text()
        return r.status, r.headers, json.loads(text) if text else None


def _pygithub(base: str, token: str | None = None) -> github.Github:
    auth = github.Auth.Token(token) if token else None
    return github.Github(auth=auth, base_url=base, retry=None, seconds_between_requests=None)


async def test_rest_repo_has_githubs_field_names(simweb):
    base = await _serve(simweb, example_repos())
    status, headers, data = await _get(f"{base}/repos/implus/SKNet")
    real = json.loads((FIXTURES / "rest_repo.json").read_text())
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert set(real) <= set(data)
    assert set(real["owner"]) <= set(data["owner"])
    assert data["full_name"] == "implus/SKNet"
    assert data["stargazers_count"] == data["watchers_count"] > 0
    assert data["license"]["spdx_id"] == "MIT"
    assert data["url"] == f"{base}/repos/implus/SKNet"
    for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used"):
        assert headers[name].isdigit()
    assert headers["x-ratelimit-resource"] == "core"


async def test_renamed_repo_answers_301_to_repositories_id(simweb):
    sim = example_repos()
    base = await _serve(simweb, sim)
    status, headers, data = await _get(f"{base}/repos/LandskapeAI/triplet-attention")
    repo_id = sim.repos["landskape-ai/triplet-attention"]["id"]
    assert status == 301
    assert headers["Location"] == f"{base}/repositories/{repo_id}"
    assert data["message"] == "Moved Permanently"
    status, _, data = await _get(headers["Location"])
    assert (status, data["full_name"]) == (200, "landskape-ai/triplet-attention")


@pytest.mark.parametrize("prefix", ["", "/api/v3"])
async def test_pygithub_follows_renames_and_sees_archived_and_deleted(simweb, prefix):
    base = await _serve(simweb, example_repos()) + prefix

    def use() -> tuple[str, bool, str, str]:
        gh = _pygithub(base)
        renamed = gh.get_repo("LandskapeAI/triplet-attention").full_name
        archived = gh.get_repo("hujie-frank/SENet").archived
        with pytest.raises(github.UnknownObjectException):
            gh.get_repo("junfu1115/DANet")
        return renamed, archived, gh.get_user("HRNet").type, gh.get_organization("HRNet").login

    assert await asyncio.to_thread(use) == (
        "landskape-ai/triplet-attention",
        True,
        "Organization",
        "HRNet",
    )


async def test_budget_exhaustion_is_403_and_rate_limit_endpoint_is_free(simweb):
    sim = example_repos(SimGitHub(anonymous_limit=3))
    base = await _serve(simweb, sim)
    seen = [(await _get(f"{base}/repos/implus/SKNet"))[:2] for _ in range(4)]
    assert [s for s, _ in seen] == [200, 200, 200, 403]
    assert [h["x-ratelimit-remaining"] for _, h in seen] == ["2", "1", "0", "0"]
    status, _, data = await _get(f"{base}/repos/implus/SKNet")
    assert status == 403 and data["message"].startswith("API rate limit exceeded for ")
    status, _, data = await _get(f"{base}/rate_limit")
    assert status == 200 and data["resources"]["core"]["remaining"] == 0
    assert sum(c.charged for c in sim.log) == 3

    def pygithub_sees_it() -> None:
        with pytest.raises(github.RateLimitExceededException):
            _pygithub(base).get_repo("implus/SKNet")

    await asyncio.to_thread(pygithub_sees_it)


async def test_budget_exhaustion_can_answer_429_with_retry_after(simweb):
    base = await _serve(simweb, example_repos(SimGitHub(anonymous_limit=1, limit_status=429)))
    await _get(f"{base}/repos/implus/SKNet")
    status, headers, _ = await _get(f"{base}/repos/implus/SKNet")
    assert (status, headers["Retry-After"], headers["x-ratelimit-remaining"]) == (429, "60", "0")


async def test_etag_revalidation_is_304_and_free(simweb):
    sim = example_repos()
    base = await _serve(simweb, sim)
    _, headers, _ = await _get(f"{base}/repos/implus/SKNet")
    etag = headers["ETag"]
    assert etag.startswith('W/"')
    status, again, body = await _get(f"{base}/repos/implus/SKNet", {"If-None-Match": etag})
    assert (status, body, again["ETag"]) == (304, None, etag)
    assert again["x-ratelimit-remaining"] == headers["x-ratelimit-remaining"]
    sim.repos["implus/sknet"]["stargazers_count"] += 1
    status, _, body = await _get(f"{base}/repos/implus/SKNet", {"If-None-Match": etag})
    assert (
        status == 200 and body["stargazers_count"] == sim.repos["implus/sknet"]["stargazers_count"]
    )


async def test_bad_token_is_401_bad_credentials(simweb):
    sim = example_repos()
    sim.add_token(TOKEN)
    base = await _serve(simweb, sim)
    status, _, data = await _get(f"{base}/repos/implus/SKNet", {"Authorization": "token nope"})
    assert (status, data["message"]) == (401, "Bad credentials")
    status, headers, _ = await _get(
        f"{base}/repos/implus/SKNet", {"Authorization": f"token {TOKEN}"}
    )
    assert (status, headers["x-ratelimit-limit"]) == (200, "5000")

    def pygithub_sees_it() -> None:
        with pytest.raises(github.BadCredentialsException):
            _pygithub(base, "nope").get_repo("implus/SKNet")

    await asyncio.to_thread(pygithub_sees_it)


async def test_users_and_orgs(simweb):
    base = await _serve(simweb, example_repos())
    status, _, data = await _get(f"{base}/users/HRNet")
    assert (status, data["type"], data["login"]) == (200, "Organization", "HRNet")
    assert (await _get(f"{base}/orgs/implus"))[0] == 404
    assert (await _get(f"{base}/users/no-such-user-xyz"))[0] == 404


async def test_graphql_aliases_not_found_renames_and_owners(simweb):
    sim = example_repos()
    sim.add_token(TOKEN)
    base = await _serve(simweb, sim)
    query = """query {
  a0: repository(owner: "LandskapeAI", name: "triplet-attention") {
    nameWithOwner stargazerCount forkCount isArchived pushedAt description
    licenseInfo { spdxId name } url }
  a1: repository(owner: "junfu1115", name: "DANet") { nameWithOwner }
  a2: repository(owner: "hujie-frank", name: "SENet") { isArchived owner { login } }
  o0: repositoryOwner(login: "HRNet") { login __typename ... on Organization { name } }
  o1: repositoryOwner(login: "nobody-at-all") { login }
  u: user(login: "HRNet") { login }
  rateLimit { limit cost remaining resetAt }
}"""
    auth = {"Authorization": f"bearer {TOKEN}"}
    status, headers, data = await _get(f"{base}/graphql", auth, "POST", {"query": query})
    assert status == 200 and headers["x-ratelimit-resource"] == "graphql"
    d = data["data"]
    assert d["a0"]["nameWithOwner"] == "landskape-ai/triplet-attention"
    assert d["a0"]["licenseInfo"] == {"spdxId": "MIT", "name": "MIT License"}
    assert d["a0"]["url"] == "https://github.com/landskape-ai/triplet-attention"
    assert d["a1"] is None and d["o1"] is None and d["u"] is None
    assert d["a2"] == {"isArchived": True, "owner": {"login": "hujie-frank"}}
    assert d["o0"] == {"login": "HRNet", "__typename": "Organization", "name": "HRNet"}
    assert d["rateLimit"]["cost"] == 1 and d["rateLimit"]["remaining"] == 4999
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["rateLimit"]["resetAt"])
    errors = {e["path"][0]: e for e in data["errors"]}
    assert set(errors) == {"a1", "u"}
    real = json.loads((FIXTURES / "graphql_partial_not_found.json").read_text())["errors"][0]
    assert set(errors["a1"]) == set(real) and errors["a1"]["type"] == "NOT_FOUND"
    assert errors["a1"]["locations"] == [{"line": 5, "column": 3}]
    assert "'junfu1115/DANet'" in errors["a1"]["message"]


async def test_graphql_needs_a_valid_token_and_accepts_enterprise_path(simweb):
    sim = example_repos()
    sim.add_token(TOKEN)
    base = await _serve(simweb, sim)
    query = {"query": "{ viewer { login } }"}
    status, _, data = await _get(f"{base}/graphql", None, "POST", query)
    assert status == 401 and "authenticated" in data["message"]
    status, _, data = await _get(f"{base}/graphql", {"Authorization": "bearer x"}, "POST", query)
    assert (status, data["message"]) == (401, "Bad credentials")
    auth = {"Authorization": f"bearer {TOKEN}"}
    status, _, data = await _get(f"{base}/api/graphql", auth, "POST", query)
    assert (status, data) == (200, {"data": {"viewer": {"login": "linkwatch-bot"}}})


async def test_graphql_unknown_field_is_a_validation_error_without_data(simweb):
    sim = example_repos()
    sim.add_token(TOKEN)
    base = await _serve(simweb, sim)
    query = {"query": '{ r: repository(owner: "implus", name: "SKNet") { starz } }'}
    auth = {"Authorization": f"bearer {TOKEN}"}
    _, _, data = await _get(f"{base}/graphql", auth, "POST", query)
    assert "data" not in data
    assert data["errors"][0]["extensions"]["code"] == "undefinedField"
    _, _, data = await _get(f"{base}/graphql", auth, "POST", {"query": "{ r: repository("})
    assert "data" not in data and data["errors"][0]["message"].startswith("Parse error")


async def test_graphql_variables_and_budget_exhaustion(simweb):
    sim = example_repos(SimGitHub(graphql_limit=1))
    sim.add_token(TOKEN)
    base = await _serve(simweb, sim)
    query = {
        "query": "query($o: String!, $n: String!) "
        "{ repository(owner: $o, name: $n) { forkCount } }",
        "variables": {"o": "implus", "n": "SKNet"},
    }
    auth = {"Authorization": f"bearer {TOKEN}"}
    _, _, data = await _get(f"{base}/graphql", auth, "POST", query)
    assert data == {"data": {"repository": {"forkCount": 110}}}
    status, headers, data = await _get(f"{base}/graphql", auth, "POST", query)
    assert (status, headers["x-ratelimit-remaining"]) == (200, "0")
    assert data["errors"][0]["type"] == "RATE_LIMITED"


async def test_routes_are_extendable_with_auth_budget_and_prefix(simweb):
    sim = example_repos()
    sim.add_token(TOKEN)
    issues: list[dict[str, Any]] = []

    async def create_issue(call: Call) -> web.StreamResponse:
        body = await call.json()
        issues.append({"title": body["title"], "by": call.login, **call.params})
        return gh_json({"number": len(issues), "title": body["title"]}, 201)

    sim.add_route("POST", "/repos/{owner}/{repo}/issues", create_issue, auth_required=True)
    base = await _serve(simweb, sim)
    url = f"{base}/api/v3/repos/implus/SKNet/issues"
    assert (await _get(url, None, "POST", {"title": "x"}))[0] == 401
    auth = {"Authorization": f"token {TOKEN}"}
    status, headers, data = await _get(url, auth, "POST", {"title": "Broken links"})
    assert (status, data["number"], headers["x-ratelimit-used"]) == (201, 1, "1")
    assert issues == [
        {"title": "Broken links", "by": "linkwatch-bot", "owner": "implus", "repo": "SKNet"}
    ]
    assert (await _get(f"{base}/repos/implus/SKNet/nothing-here"))[0] == 404


async def test_route_patterns_can_take_the_rest_of_the_path(simweb):
    sim = example_repos()

    async def ref(call: Call) -> web.StreamResponse:
        return gh_json({"ref": f"refs/{call.params['ref']}"})

    sim.add_route("GET", "/repos/{owner}/{repo}/git/ref/{ref*}", ref)
    base = await _serve(simweb, sim)
    _, _, data = await _get(f"{base}/repos/a/b/git/ref/heads/linkwatch/fixes")
    assert data == {"ref": "refs/heads/linkwatch/fixes"}


def test_example_repos_cover_every_repository_of_the_bundled_list():
    sim = example_repos()
    text = EXAMPLE.read_text(encoding="utf-8")
    linked = set(re.findall(r"https?://github\.com/([\w.-]+)/([\w.-]+)", text))
    assert len(linked) >= 9
    for owner, name in linked:
        if (owner, name) == ("junfu1115", "DANet"):
            assert sim.resolve(f"{owner}/{name}") is None
        else:
            assert sim.resolve(f"{owner}/{name}") is not None, (owner, name)
    assert sim.owners["hrnet"]["type"] == "Organization"
    assert sim.repos["hujie-frank/senet"]["archived"] is True


async def test_graphql_object_expression_answers_blob_tree_commit_or_null(simweb):
    sim = SimGitHub()
    sim.add_token(TOKEN)
    sim.add_repo("octo/tools", default_branch="main")
    sim.add_files("octo/tools", ["README.md", "src/pkg/core.py"])
    sim.add_files("octo/tools", ["docs/guide.md"], ref="release/v2")
    sim.rename("octo/tools", "octo/toolbox")
    base = await _serve(simweb, sim)
    query = """query {
  a0: repository(owner: "octo", name: "tools") {
    o0: object(expression: "main:README.md") { __typename ... on Blob { byteSize } }
    o1: object(expression: "main:src/pkg") { __typename }
    o2: object(expression: "main:nothing.txt") { __typename }
    o3: object(expression: "main") { __typename }
    o4: object(expression: "gone:README.md") { __typename }
    o5: object(expression: "release/v2:docs/guide.md") { __typename }
    o6: object(expression: "HEAD:src/pkg/core.py") { __typename oid }
  }
}"""
    auth = {"Authorization": f"bearer {TOKEN}"}
    status, _, data = await _get(f"{base}/graphql", auth, "POST", {"query": query})
    assert status == 200 and "errors" not in data  # GitHub: a missing object is null, no error
    node = data["data"]["a0"]
    assert node["o0"] == {"__typename": "Blob", "byteSize": 1024}
    assert node["o1"] == {"__typename": "Tree"}
    assert node["o2"] is None and node["o4"] is None
    assert node["o3"] == {"__typename": "Commit"}
    assert node["o5"] == {"__typename": "Blob"}
    assert node["o6"]["__typename"] == "Blob" and re.fullmatch(r"[0-9a-f]{40}", node["o6"]["oid"])
