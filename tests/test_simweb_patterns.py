"""simweb's issue-14 behaviours answer in the real shapes, seen by a plain aiohttp client
(cookies sent by hand, redirects not followed)."""

from __future__ import annotations

import aiohttp

from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b

H = "https://example.org"


async def get(
    web: SimWeb, url: str, cookie: str | None = None
) -> tuple[int, aiohttp.ClientResponse, bytes]:
    headers = {"Cookie": cookie} if cookie else {}
    connector = web.network().connector(limit=4)
    async with (
        aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as s,
        s.get(url, headers=headers, allow_redirects=False) as resp,
    ):
        return resp.status, resp, await resp.read()


async def test_cookie_gate_redirects_to_itself_until_the_cookie_comes_back(simweb):
    web = await simweb(Scenario().route(H + "/a", b.cookie_gate(b.ok("A"))))
    status, resp, _ = await get(web, H + "/a")
    assert status == 302 and resp.headers["Location"] == H + "/a"
    set_cookie = resp.headers["Set-Cookie"]
    assert set_cookie.startswith("JSESSIONID=s3ss10n; Path=/; HttpOnly; Secure")
    status, _, body = await get(web, H + "/a", cookie="JSESSIONID=s3ss10n")
    assert status == 200 and b"<title>A</title>" in body


async def test_cookie_gate_through_an_identity_host(simweb):
    idp = "https://idp.example.net/check"
    web = await simweb(
        Scenario().route(H + "/p", b.cookie_gate(via=idp)).route(idp, b.identity_hop())
    )
    status, resp, _ = await get(web, H + "/p")
    assert status == 302
    assert resp.headers["Location"] == f"{idp}?return=https%3A%2F%2Fexample.org%2Fp"
    status, resp, _ = await get(web, resp.headers["Location"])
    assert status == 302 and "idp_session=anon" in resp.headers["Set-Cookie"]
    status, resp, _ = await get(web, resp.headers["Location"], cookie="idp_session=anon")
    assert status == 302 and resp.headers["Location"] == H + "/p?ticket=ST-1-sim"
    status, resp, _ = await get(web, resp.headers["Location"])
    assert status == 302 and resp.headers["Location"] == H + "/p"
    assert resp.headers["Set-Cookie"].startswith("JSESSIONID=s3ss10n")


async def test_require_login_and_sign_in_page(simweb):
    scenario = Scenario().route(H + "/x/y", b.require_login())
    scenario.route(H + "/accounts/login/", b.sign_in_page())
    web = await simweb(scenario)
    status, resp, _ = await get(web, H + "/x/y")
    assert status == 302 and resp.headers["Location"] == "/accounts/login/?next=%2Fx%2Fy"
    status, _, body = await get(web, H + "/accounts/login/")
    assert status == 200 and b'type="password"' in body


async def test_client_redirect_stub_and_legacy_charset_page(simweb):
    scenario = Scenario().route(H + "/old", b.client_redirect("/new"))
    scenario.route(H + "/cn", b.encoded("页面不存在", declare="meta"))
    web = await simweb(scenario)
    status, resp, body = await get(web, H + "/old")
    assert status == 200 and b'<meta http-equiv="refresh" content="0; url=/new">' in body
    status, resp, body = await get(web, H + "/cn")
    assert resp.headers["Content-Type"] == "text/html" and b'<meta charset="gbk">' in body
    assert "页面不存在".encode("gbk") in body
