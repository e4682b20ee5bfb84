"""Where a redirect chain ends, judged (sites/landing.py): sign-in and home pages."""

from __future__ import annotations

import pytest

from linkwatch.models import ErrorCode, LinkResult, Verdict
from linkwatch.sites.landing import is_home_redirect, is_login_url, judge_landing


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/login?next=/group/notes",
        "https://example.org/accounts/login/?next=%2Fx",
        "https://gitlab.example.org/users/sign_in",
        "https://example.org/signin",
        "https://example.org/wp-login.php?redirect_to=%2Fpost",
        "https://accounts.google.com/ServiceLogin?continue=https://docs.google.com/x",
        "https://login.microsoftonline.com/common/oauth2/authorize?client_id=1",
        "https://idp.uni.example.edu/idp/profile/SAML2/Redirect/SSO?SAMLRequest=abc",
        "https://sso.uni.example.edu/cas/login?service=https%3A%2F%2Fwiki.example.edu",
        "https://kc.example.org/realms/lab/protocol/openid-connect/auth?client_id=wiki",
        "https://example.org/account?next=/settings",
    ],
)
def test_login_urls(url):
    assert is_login_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/docs/en/latest/",
        "https://www.uni.example.edu/cas/",  # a College of Arts and Sciences
        "https://example.org/account",
        "https://example.org/blog/how-login-works",
        "https://example.org/catalog?next=2",
    ],
)
def test_not_login_urls(url):
    assert not is_login_url(url)


@pytest.mark.parametrize(
    ("url", "final", "home"),
    [
        ("https://x.org/people/bob", "https://x.org/", True),
        ("https://x.org/people/bob", "https://www.x.org/", True),
        ("https://x.org/a/b", "https://x.org/index.php?error=404", True),
        ("https://x.org/news/1", "https://x.org/en-us/", True),
        ("https://lab.uni.ac.uk/p/1", "https://www.uni.ac.uk/", True),  # the university's
        ("https://x.org/p/1", "https://y.org/", False),  # another site
        ("https://x.org/?p=3", "https://x.org/", True),  # a WordPress post gone
        ("http://x.org", "https://x.org/", False),  # already the root
        ("https://x.org/index.html", "https://x.org/", False),
        ("https://x.org/en/", "https://x.org/", False),
        ("https://x.org/docs", "https://x.org/docs/en/latest/", False),
        ("https://x.org/a", "https://x.org/?page_id=12", False),  # a root selecting content
        ("https://aka.example/vscode", "https://code.example.com/", False),  # a short link
        ("https://x.org/endpoint", "https://x.org/", True),
    ],
)
def test_home_redirects(url, final, home):
    assert is_home_redirect(url, final) is home


def redirected(url: str, final: str, status: int = 200, first: int = 302) -> LinkResult:
    return LinkResult(
        url, Verdict.ALIVE, status=status, final_url=final, chain=[(first, url), (status, final)]
    )


def test_judge_landing_verdicts():
    login = judge_landing("https://x.org/p", redirected("https://x.org/p", "https://x.org/login"))
    assert (login.verdict, login.error) == (Verdict.UNVERIFIABLE, ErrorCode.BLOCKED)
    home = redirected("https://x.org/p", "https://x.org/", first=301)
    home = judge_landing("https://x.org/p", home)
    assert (home.verdict, home.error) == (Verdict.DEAD, ErrorCode.SOFT404)
    moved = redirected("https://x.org/p", "https://x.org/q", first=301)
    assert judge_landing("https://x.org/p", moved) is moved


def test_unredirected_and_failed_results_are_left_alone():
    plain = LinkResult("https://x.org/login", Verdict.ALIVE, status=200)
    assert judge_landing(plain.url, plain) is plain
    gone = redirected("https://x.org/p", "https://x.org/", status=404)
    gone.verdict = Verdict.DEAD
    assert judge_landing(gone.url, gone) is gone
    own = redirected("https://x.org/login", "https://x.org/login/")  # the link was a login page
    assert judge_landing(own.url, own) is own
