"""``linkwatch demo``: the bundled example list against a simulated web that shows every
kind of finding (deleted WeChat posts, a renamed and a deleted repository, a bot wall,
a permanent redirect, tracking parameters, preprints published since).

The simulated web runs on its own event loop in a background thread, so the pipeline
runs exactly as ``linkwatch check`` does, with only the ``Network`` swapped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import Settings
from ..data import example_list_path
from ..net import Network
from . import behaviours as b
from .arxiv_api import SimArxiv, example_papers
from .github_api import example_repos
from .s2_api import SimS2, example_s2_papers
from .scenario import Scenario
from .server import SimWeb
from .sites import (
    BilibiliApi,
    github_not_found,
    github_page,
    wechat_article,
    wechat_error,
    zhihu_article,
    zhihu_forbidden,
    zhihu_not_found,
)
from .wayback import SimWayback

DEMO_TOKEN = "demo-token-not-a-secret"
DEMO_DIR = Path("cache/demo")  # the demo's copy of the list and, by default, its store
ARCHIVED = {"hujie-frank/senet"}  # as example_repos() has them


def demo_scenario() -> Scenario:
    """Hosts of the example list, each with the behaviour the demo wants to show."""
    sc = Scenario()
    for host in ("www.google.com", "arxiv.org", "openaccess.thecvf.com", "www.bilibili.com"):
        sc.host(host, default=b.ok(title=f"{host} (simulated)"))
    sc.mount("export.arxiv.org", SimArxiv(example_papers()).handle)
    SimS2(example_s2_papers()).mount(sc)

    github = example_repos()
    github.add_token(DEMO_TOKEN, "demo-bot")
    sc.mount("api.github.com", github.handle)
    sc.host("github.com", default=github_not_found())
    sc.route("https://github.com/", b.ok(title="GitHub"))
    for key, repo in github.repos.items():
        full = repo["full_name"]
        sc.route(f"https://github.com/{full}", github_page(full, archived=key in ARCHIVED))
    sc.route(  # renamed: GitHub answers the old name with a permanent redirect
        "https://github.com/LandskapeAI/triplet-attention",
        b.redirect(301, "https://github.com/landskape-ai/triplet-attention"),
    )
    sc.route("https://github.com/HRNet", github_page("HRNet"))
    sc.route(
        "https://github.com/google-research/google-research/tree/master/performer/fast_self_attention",
        github_page("google-research/google-research", "tree/master/performer/fast_self_attention"),
    )

    sc.host("mp.weixin.qq.com", default=wechat_article("注意力机制解读"))
    sc.route("https://mp.weixin.qq.com/s/7L4R3kOgK-xS2cXS0u5zww", wechat_error("deleted"))
    sc.route("https://mp.weixin.qq.com/s/ilx839gI2Av06dAlOXiR5g", wechat_error("violation"))

    sc.host("zhuanlan.zhihu.com", default=zhihu_article("论文解读"))
    sc.route("https://zhuanlan.zhihu.com/p/48056789", zhihu_not_found())
    sc.route("https://zhuanlan.zhihu.com/p/65529934", zhihu_forbidden())

    bilibili = BilibiliApi()
    bilibili.add("BV1WJ41197dh", "HRNet 论文讲解")
    sc.mount("api.bilibili.com", bilibili)

    sc.host("hangzhang.org", default=b.not_found())
    sc.route(
        "https://hangzhang.org/files/resnest.pdf",
        b.redirect(301, "https://hangzhang.org/papers/resnest.pdf"),
    )
    sc.route("https://hangzhang.org/papers/resnest.pdf", b.ok(title="ResNeSt"))
    sc.host("ieeexplore.ieee.org", default=b.bot_wall(style="akamai"))

    SimWayback().add("https://github.com/junfu1115/DANet", "20200612000000").mount(sc)
    return sc


@contextmanager
def background_simweb(scenario: Scenario) -> Iterator[SimWeb]:
    """A SimWeb serving from its own event loop in a daemon thread until the block ends."""
    loop = asyncio.new_event_loop()
    web = SimWeb(scenario)
    thread = threading.Thread(target=loop.run_forever, name="simweb", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(web.start(), loop).result(timeout=30)
        yield web
    finally:
        try:
            asyncio.run_coroutine_threadsafe(web.close(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()


def demo_settings(settings: Settings, web: SimWeb) -> Settings:
    """The user's settings (store and fail_after as the demo command chose them), pointed
    at the simulated web."""
    return dataclasses.replace(
        settings,
        allow_private=True,  # every simulated host lives on 127.0.0.1
        arxiv_api_url=web.direct_base("export.arxiv.org") + "/api/query",
        arxiv_interval=0.2,  # the simulated arXiv has no 3 s rule; the real one does
        s2_interval=0.2,  # nor does the simulated Semantic Scholar its 1 request/s
        github_api_url=web.direct_base("api.github.com"),
        github_token=DEMO_TOKEN,
        host_spacing=min(settings.host_spacing, 0.05),
    )


def run_demo(
    settings: Settings,
    run: Callable[[list[Path], Settings, Network], int],
    workdir: Path = DEMO_DIR,
) -> int:
    """Copy the example list to ``workdir``, serve the simulated web, run the pipeline
    (a store in ``workdir`` starts afresh; one elsewhere is the user's and is kept)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if settings.db.resolve() == (workdir / "linkwatch.db").resolve():
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{settings.db}{suffix}").unlink(missing_ok=True)
    listing = workdir / "awesome-cv-attention.md"
    shutil.copyfile(example_list_path(), listing)
    with background_simweb(demo_scenario()) as web:
        return run([listing], demo_settings(settings, web), web.network())
