"""The simulated web, exercised with a plain aiohttp client over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import aiohttp
import pytest
from aiohttp import web as aioweb

from linkwatch.net import Network
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.server import split_host_header

NO_REDIRECTS = {"allow_redirects": False}


@asynccontextmanager
async def client(
    web: SimWeb, network: Network | None = None
) -> AsyncIterator[aiohttp.ClientSession]:
    net = network or web.network()
    async with aiohttp.ClientSession(connector=net.connector(limit=10)) as session:
        yield session


async def fetch(web: SimWeb, url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection (so aiohttp never retries on a reused one)."""
    async with client(web) as session, session.request(method, url, **NO_REDIRECTS) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def test_ok_serves_html_with_title_over_http_and_https(simweb):
    web = await simweb(
        Scenario()
        .route("http://example.org/a", b.ok(title="Page A"))
        .route("https://example.org/a", b.ok(title="Secure A"))
    )
    status, headers, body = await fetch(web, "http://example.org/a")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<title>Page A</title>" in body
    status, _, body = await fetch(web, "https://example.org/a")
    assert status == 200 and b"<title>Secure A</title>" in body


async def test_ok_serves_a_pdf_for_pdf_paths_and_custom_content(simweb):
    sc = Scenario().route("https://arxiv.org/pdf/2101.00001.pdf", b.ok(title="Paper"))
    sc.route("https://example.org/data.csv", b.ok(body="a,b\n1,2\n", content_type="text/csv"))
    web = await simweb(sc)
    status, headers, body = await fetch(web, "https://arxiv.org/pdf/2101.00001.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    status, headers, body = await fetch(web, "https://example.org/data.csv")
    assert headers["Content-Type"].startswith("text/csv") and body == b"a,b\n1,2\n"


@pytest.mark.parametrize(
    ("behaviour", "code"),
    [
        (b.not_found(), 404),
        (b.gone(), 410),
        (b.server_error(), 500),
        (b.server_error(502), 502),
        (b.status(418, "teapot", {"X-Why": "test"}), 418),
        (b.html("<html><title>x</title></html>", status=200), 200),
    ],
)
async def test_status_behaviours(simweb, behaviour, code):
    web = await simweb(Scenario().route("https://example.org/x", behaviour))
    status, _, _ = await fetch(web, "https://example.org/x")
    assert status == code


async def test_json_and_default_and_unrouted_paths(simweb):
    sc = Scenario().route("https://api.example.org/v", b.json({"code": 0, "名": "视频"}))
    sc.host("site.example", default=b.ok(title="Anything"))
    web = await simweb(sc)
    status, headers, body = await fetch(web, "https://api.example.org/v")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"code": 0, "名": "视频"}
    assert (await fetch(web, "https://api.example.org/other"))[0] == 404
    assert b"Anything" in (await fetch(web, "https://site.example/any/path?q=1"))[2]


async def test_route_query_must_match_when_given(simweb):
    sc = Scenario().route("https://example.org/s?__biz=1&mid=2", b.ok(title="Article"))
    sc.route("https://example.org/p", b.ok(title="Any query"))
    web = await simweb(sc)
    assert (await fetch(web, "https://example.org/s?__biz=1&mid=2"))[0] == 200
    assert (await fetch(web, "https://example.org/s?__biz=9"))[0] == 404
    assert (await fetch(web, "https://example.org/p?utm_source=x"))[0] == 200


async def test_idn_hosts_and_non_ascii_paths_match_as_clients_send_them(simweb):
    sc = Scenario().route("https://例子.测试/注意力?q=中", b.ok(title="CJK"))
    sc.host("ZH.Example.org.", default=b.gone())
    web = await simweb(sc)
    status, _, body = await fetch(web, "https://例子.测试/注意力?q=中")
    assert status == 200 and b"CJK" in body
    assert web.log[0].host == "xn--fsqu00a.xn--0zwm56d" and web.log[0].path == "/注意力"
    assert (await fetch(web, "https://zh.example.org/x"))[0] == 410


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
async def test_redirects_send_location_verbatim(simweb, code):
    sc = Scenario().route("https://example.org/old", b.redirect(code, "/new"))
    sc.route("https://example.org/abs", b.redirect(code, "https://other.org/x"))
    web = await simweb(sc)
    status, headers, _ = await fetch(web, "https://example.org/old")
    assert status == code and headers["Location"] == "/new"
    status, headers, _ = await fetch(web, "https://example.org/abs")
    assert headers["Location"] == "https://other.org/x"


async def test_redirect_rejects_non_redirect_codes():
    with pytest.raises(ValueError, match="not a redirect"):
        b.redirect(200, "/x")


async def test_redirect_loop_is_two_routes(simweb):
    sc = Scenario().route("https://example.org/a", b.redirect(302, "/b"))
    sc.route("https://example.org/b", b.redirect(302, "https://example.org/a"))
    web = await simweb(sc)
    async with client(web) as session:
        with pytest.raises(aiohttp.TooManyRedirects):
            await session.get("https://example.org/a", max_redirects=5)


async def test_head_not_allowed_and_head_wrong(simweb):
    sc = Scenario().route("https://example.org/a", b.head_not_allowed())
    sc.route("https://example.org/b", b.head_wrong(403))
    web = await simweb(sc)
    assert (await fetch(web, "https://example.org/a", "HEAD"))[0] == 405
    assert (await fetch(web, "https://example.org/a"))[0] == 200
    assert (await fetch(web, "https://example.org/b", "HEAD"))[0] == 403
    assert (await fetch(web, "https://example.org/b"))[0] == 200


@pytest.mark.parametrize(
    ("style", "marker"),
    [
        ("cloudflare", b"Just a moment..."),
        ("attention", b"Attention Required!"),
        ("akamai", b"Access Denied"),
        ("captcha", b"security check"),
    ],
)
async def test_bot_walls(simweb, style, marker):
    web = await simweb(Scenario().host("ieeexplore.ieee.org", default=b.bot_wall(style)))
    status, headers, body = await fetch(web, "https://ieeexplore.ieee.org/document/1")
    assert status == 403 and marker in body and "Server" in headers


async def test_too_many_holds_429_until_retry_after_then_answers(simweb):
    web = await simweb(Scenario().route("https://arxiv.org/abs/1", b.too_many("2")))
    status, headers, _ = await fetch(web, "https://arxiv.org/abs/1")
    assert status == 429 and headers["Retry-After"] == "2"
    assert (await fetch(web, "https://arxiv.org/abs/1"))[0] == 429
    await asyncio.sleep(max(0.0, web.log[0].t + 2.05 - time.monotonic()))
    assert (await fetch(web, "https://arxiv.org/abs/1"))[0] == 200


async def test_too_many_with_http_dates(simweb):
    future = datetime.now(UTC) + timedelta(hours=1)
    sc = Scenario().route("https://a.org/date", b.too_many(2, as_date=True))
    sc.route("https://a.org/given", b.too_many(format_datetime(future, usegmt=True)))
    sc.route("https://a.org/past", b.too_many(datetime.now(UTC) - timedelta(seconds=5)))
    web = await simweb(sc)
    before = datetime.now(UTC)
    status, headers, _ = await fetch(web, "https://a.org/date")
    when = parsedate_to_datetime(headers["Retry-After"])
    assert status == 429 and before + timedelta(seconds=1) < when <= before + timedelta(seconds=4)
    status, headers, _ = await fetch(web, "https://a.org/given")
    assert status == 429 and parsedate_to_datetime(headers["Retry-After"]) > before
    assert (await fetch(web, "https://a.org/past"))[0] == 200


async def test_flaky_503_then_ok(simweb):
    web = await simweb(Scenario().route("https://mp.weixin.qq.com/s/x", b.flaky(2)))
    codes = [(await fetch(web, "https://mp.weixin.qq.com/s/x"))[0] for _ in range(4)]
    assert codes == [503, 503, 200, 200]


async def test_flaky_hang_then_ok(simweb):
    web = await simweb(Scenario().route("https://example.org/t", b.flaky(1, "hang")))
    async with client(web) as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.get("https://example.org/t", timeout=aiohttp.ClientTimeout(total=0.2))
    assert (await fetch(web, "https://example.org/t"))[0] == 200


async def test_flaky_reset_then_ok(simweb):
    # aiohttp itself retries an idempotent request once after a disconnect, so one
    # client call consumes two resets; the server log shows the real traffic
    web = await simweb(Scenario().route("https://example.org/f", b.flaky(2, "reset")))
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await fetch(web, "https://example.org/f")
    assert (await fetch(web, "https://example.org/f"))[0] == 200
    assert [r.status for r in web.log] == [None, None, 200]


async def test_reset_is_seen_as_a_disconnect_over_http_and_https(simweb):
    web = await simweb(Scenario().host("example.org", default=b.reset()))
    for url in ("http://example.org/r", "https://example.org/r"):
        with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
            await fetch(web, url)
    assert {r.status for r in web.log} == {None}
    assert {r.scheme for r in web.log} == {"http", "https"}


async def test_sequence_answers_in_order_and_repeats_the_last(simweb):
    seq = b.sequence([b.status(500), b.redirect(301, "/x"), b.ok()])
    web = await simweb(Scenario().route("https://example.org/s", seq))
    codes = [(await fetch(web, "https://example.org/s"))[0] for _ in range(4)]
    assert codes == [500, 301, 200, 200]


async def test_slow_and_slow_body_take_their_time(simweb):
    sc = Scenario().route("https://example.org/slow", b.slow(0.2))
    sc.route("https://example.org/drip", b.slow_body(0.05, chunks=4, chunk_size=10))
    web = await simweb(sc)
    start = time.monotonic()
    assert (await fetch(web, "https://example.org/slow"))[0] == 200
    assert time.monotonic() - start >= 0.2
    start = time.monotonic()
    status, _, body = await fetch(web, "https://example.org/drip")
    assert status == 200 and body.count(b"x") == 40 and b"<title>Slow page</title>" in body
    assert time.monotonic() - start >= 0.2
    assert web.requests(path="/drip")[0].bytes_sent == len(body)


async def test_hang_never_answers_and_is_cancelled_when_the_client_leaves(simweb):
    web = await simweb(Scenario().route("https://example.org/h", b.hang()))
    async with client(web) as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.get("https://example.org/h", timeout=aiohttp.ClientTimeout(total=0.2))
    for _ in range(100):  # the server notices the disconnect shortly after
        if not web.in_flight("example.org"):
            break
        await asyncio.sleep(0.02)
    assert web.in_flight("example.org") == 0 and web.log[0].status is None


async def test_close_does_not_wait_for_hanging_handlers():
    web = SimWeb(Scenario().route("http://example.org/h", b.hang()))
    await web.start()
    session = aiohttp.ClientSession(connector=web.network().connector(limit=10))
    pending = asyncio.ensure_future(session.get("http://example.org/h"))
    while not web.log:
        await asyncio.sleep(0.01)
    start = time.monotonic()
    await web.close()
    assert time.monotonic() - start < 2
    with pytest.raises(aiohttp.ClientError):
        await pending
    await session.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_huge_body_counts_bytes_sent_before_the_client_left(simweb, scheme):
    size = 64 * 1024 * 1024
    web = await simweb(Scenario().host("example.org", default=b.huge(size)))
    async with client(web) as session, session.get(f"{scheme}://example.org/big.bin") as resp:
        assert resp.headers["Content-Length"] == str(size)
        got = len(await resp.content.read(256 * 1024))
        resp.close()
    await asyncio.sleep(0.2)
    record = web.requests(path="/big.bin")[0]
    assert record.status == 200 and got <= 256 * 1024
    assert got <= record.bytes_sent < got + 8 * 1024 * 1024  # client-side buffers only


async def test_host_latency_and_rate_limit(simweb):
    sc = Scenario().host("slow.org", default=b.ok(), latency=0.15)
    sc.host("strict.org", default=b.ok(), rate_limit=(3, 5.0))
    web = await simweb(sc)
    start = time.monotonic()
    assert (await fetch(web, "https://slow.org/"))[0] == 200
    assert time.monotonic() - start >= 0.15
    codes = []
    for _ in range(5):
        status, headers, _ = await fetch(web, "https://strict.org/")
        codes.append(status)
    assert codes == [200, 200, 200, 429, 429]
    assert 1 <= int(headers["Retry-After"]) <= 5


async def test_max_concurrency_counts_in_flight_requests_per_host(simweb):
    sc = Scenario().host("busy.org", default=b.slow(0.5)).host("calm.org", default=b.ok())
    web = await simweb(sc)
    async with client(web) as session:

        async def get(url: str) -> int:
            async with session.get(url) as resp:
                return resp.status

        codes = await asyncio.gather(*(get(f"http://busy.org/{i}") for i in range(5)))
        await get("http://calm.org/")
    assert codes == [200] * 5
    assert web.max_concurrency("busy.org") == 5 and web.max_concurrency("calm.org") == 1
    assert web.in_flight("busy.org") == 0
    web.clear_log()
    assert web.log == [] and web.max_concurrency("busy.org") == 0


async def test_request_log_records_every_request(simweb):
    sc = Scenario().route("https://example.org/a?x=1", b.ok(title="A"))
    sc.mount("api.example.com", _echo_api)
    web = await simweb(sc)
    before = time.monotonic()
    async with client(web) as session:
        async with session.head("https://example.org/a?x=1", headers={"User-Agent": "t/1"}):
            pass
        async with session.get("https://example.org/a?x=1") as resp:
            body = await resp.read()
        async with session.get("http://api.example.com/repos/o/r") as resp:
            await resp.read()
    head, get, api = web.log
    assert (head.method, head.scheme, head.host, head.path, head.query) == (
        "HEAD",
        "https",
        "example.org",
        "/a",
        "x=1",
    )
    assert head.headers["user-agent"] == "t/1" and head.status == 200 and head.bytes_sent == 0
    assert get.method == "GET" and get.bytes_sent == len(body)
    assert (api.scheme, api.host, api.path, api.status) == (
        "http",
        "api.example.com",
        "/repos/o/r",
        200,
    )
    assert before <= head.t <= get.t <= api.t
    assert web.requests("example.org") == [head, get]


async def _echo_api(request: aioweb.Request) -> aioweb.StreamResponse:
    return aioweb.json_response({"path": request.path, "host": request.host})


async def test_mount_after_start_and_direct_base_for_sync_clients(simweb):
    sc = Scenario()
    web = await simweb(sc)
    net = web.network()
    sc.mount("export.arxiv.org", _echo_api)
    await asyncio.sleep(0.05)
    base = net.direct_bases["export.arxiv.org"]
    assert base == web.direct_base("export.arxiv.org") and base.startswith("http://127.0.0.1:")

    def sync_get(url: str, context: ssl.SSLContext | None = None) -> dict:
        with urllib.request.urlopen(url, timeout=5, context=context) as resp:
            return json.loads(resp.read())

    assert (await asyncio.to_thread(sync_get, base + "/api/query"))["path"] == "/api/query"
    secure = web.direct_base("export.arxiv.org", scheme="https")
    context = ssl.create_default_context(cafile=str(web.ca_pem))
    assert (await asyncio.to_thread(sync_get, secure + "/x", context))["path"] == "/x"
    late = await asyncio.to_thread(web.direct_base, "api.github.com")  # from a worker thread
    sc.mount("api.github.com", _echo_api)
    assert (await asyncio.to_thread(sync_get, late + "/rate_limit"))["path"] == "/rate_limit"
    assert {r.host for r in web.log} == {"export.arxiv.org", "api.github.com"}
    async with client(web) as session, session.get("https://export.arxiv.org/q") as resp:
        assert (await resp.json())["path"] == "/q"


async def test_dns_failures_and_refused_connections(simweb):
    sc = Scenario().host("gone.org", dns="nxdomain").host("closed.org", dns="refused")
    web = await simweb(sc)
    for url in ("https://gone.org/", "http://never-declared.org/"):
        with pytest.raises(aiohttp.ClientConnectorDNSError):
            await fetch(web, url)
    with pytest.raises(aiohttp.ClientConnectorError) as caught:
        await fetch(web, "https://closed.org/")
    assert isinstance(caught.value.os_error, ConnectionRefusedError)
    assert web.log == [] and web.refused == []


async def test_unreachable_and_blackholed_hosts(simweb):
    sc = Scenario().host("far.org", dns="unreachable").host("void.org", dns="blackhole")
    web = await simweb(sc)
    with pytest.raises(aiohttp.ClientConnectorError, match="unreachable"):
        await fetch(web, "https://far.org/")
    async with client(web) as session:
        start = time.monotonic()
        with pytest.raises(aiohttp.ConnectionTimeoutError):
            await session.get("http://void.org/", timeout=aiohttp.ClientTimeout(sock_connect=0.2))
        assert time.monotonic() - start < 2
    assert web.log == [] and web.refused == []


async def test_outage_takes_every_host_down_and_back(simweb):
    sc = Scenario().host("up.org", default=b.ok())
    web = await simweb(sc.outage("refused"))
    for url in ("https://up.org/", "http://undeclared.org/"):
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await fetch(web, url)
        assert isinstance(caught.value.os_error, ConnectionRefusedError)
    sc.outage(None)
    assert (await fetch(web, "https://up.org/"))[0] == 200


async def test_sni_presents_a_certificate_for_each_hostname(simweb):
    web = await simweb(Scenario().host("one.org", default=b.ok()).host("two.net", default=b.ok()))
    net = web.network()
    for host in ("one.org", "two.net"):
        _, writer = await asyncio.open_connection(
            "127.0.0.1", web.https_port, ssl=net.ssl(), server_hostname=host
        )
        assert ("DNS", host) in writer.get_extra_info("peercert")["subjectAltName"]
        writer.close()
        await writer.wait_closed()
        assert (await fetch(web, f"https://{host}:8443/"))[0] == 200


@pytest.mark.parametrize("mode", ["untrusted", "expired", "wrong_host"])
async def test_bad_certificates_are_rejected(simweb, mode):
    web = await simweb(Scenario().host("bad.org", default=b.ok(), tls=mode))
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await fetch(web, "https://bad.org/")
    assert web.log == []
    assert (await fetch(web, "http://bad.org/"))[0] == 200


async def test_ca_given_only_through_ssl_cert_file(simweb, monkeypatch):
    web = await simweb(Scenario().host("corp.example", default=b.ok()))
    net = web.network()
    plain = Network(resolver_factory=net.resolver_factory, socket_factory=net.socket_factory)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(web.ca_pem))
    async with client(web, plain) as session, session.get("https://corp.example/") as resp:
        assert resp.status == 200
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent.pem")
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        async with client(web, plain) as session:
            await session.get("https://corp.example/")


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.0.0.1/", "10.0.0.1"),
        ("http://[::1]/", "::1"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://private.example/", "192.168.1.1"),
        ("http://127.0.0.1:1/", "127.0.0.1"),
    ],
)
async def test_safety_net_refuses_everything_but_the_sim(simweb, url, address):
    web = await simweb(Scenario().host("private.example", default=b.ok(), resolve_to="192.168.1.1"))
    with pytest.raises(aiohttp.ClientConnectorError, match="simweb safety net"):
        await fetch(web, url)
    assert web.refused == [address] and web.log == []


async def test_ip_literal_to_the_sim_itself_is_allowed(simweb):
    web = await simweb(Scenario().mount("api.github.com", _echo_api))
    base = web.direct_base("api.github.com")
    await asyncio.sleep(0.05)
    status, _, body = await fetch(web, base + "/rate_limit")
    assert status == 200 and json.loads(body)["path"] == "/rate_limit"


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("Example.org", "example.org"),
        ("example.org:8443", "example.org"),
        ("[::1]:80", "::1"),
        ("example.org.", "example.org"),
    ],
)
def test_split_host_header(header, host):
    assert split_host_header(header) == host
