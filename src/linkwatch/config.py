"""Settings: defaults ← ``[tool.linkwatch]`` in pyproject.toml / ``linkwatch.toml`` ← env ← flags.

One frozen-ish dataclass that every stage reads; nothing else looks at the
environment or at config files. The GitHub token lives here only in memory and
is excluded from ``repr`` so it cannot leak into logs.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, durations
from .errors import UsageError
from .hosts import HostConfig, parse_accept, parse_hosts

DEFAULT_USER_AGENT = (
    f"linkwatch/{__version__} (+https://github.com/linkwatch/linkwatch; awesome-list link checker)"
)



class ConfigError(UsageError, ValueError):
    """A config file or value that cannot be used; the CLI turns it into exit 2."""


def parse_duration(text: str | int | float) -> float:
    """``"1d"`` → 86400.0, ``"20m"`` → 1200.0, ``90`` → 90.0 (``durations``); a
    ``ConfigError`` otherwise."""
    try:
        return durations.parse_duration(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@dataclass
class Settings:
    # where things go
    db: Path = Path("cache/linkwatch.db")
    out: Path = Path("reports")
    # which links
    # regexes, as lychee: an include match is always checked (include wins over exclude);
    # with includes but no excludes, only matching URLs are checked
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)  # regexes; matching URLs are `excluded`
    exclude_path: list[str] = field(default_factory=list)  # globs of input files to skip
    accept: frozenset[int] = frozenset()  # statuses that count as alive ("429", "200..=299")
    hosts: dict[str, HostConfig] = field(default_factory=dict)  # [hosts."example.org"]
    allow_private: bool = False
    check_fragments: bool = False  # fragments of external HTML pages
    # HTTP engine
    concurrency: int = 64  # requests in flight over all hosts
    per_host: int = 2  # requests in flight per host
    host_spacing: float = 0.2  # seconds between request starts on one host
    timeout: float = 20.0  # total seconds for one request
    connect_timeout: float = 10.0
    max_retries: int = 2  # retries after the first attempt (timeouts, resets, 5xx, 429)
    retry_backoff: float = 1.0  # base seconds of the exponential backoff
    retry_after_cap: float = 60.0  # longest Retry-After honoured inline
    max_redirects: int = 20  # hops followed, as browsers do; one more is a dead link
    body_cap: int = 2 * 1024 * 1024  # bytes read from a body at most
    user_agent: str = DEFAULT_USER_AGENT
    max_duration: float | None = None  # seconds for the whole run; stalest links first
    # store and history
    refresh: bool = False  # ignore the cache
    ttl_alive: float = 86400.0
    ttl_redirect: float = 0.0
    ttl_dead: float = 0.0
    ttl_unverifiable: float = 6 * 3600.0  # doubled per consecutive unverifiable check
    fail_after: int = 2  # consecutive failing runs before a link counts as broken
    # retention: per URL the newest checks and the newest verdict changes (docs/store.md)
    keep_checks: int = 30
    # enrichment
    enrich: bool = True
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_interval: float = 3.0  # arXiv API terms: one request per 3 s
    github_api_url: str = "https://api.github.com"
    github_token: str | None = field(default=None, repr=False)
    github_write_interval: float = 1.0  # GitHub asks for ≥1 s between write requests
    ttl_paper: float = 30 * 86400.0
    ttl_repo: float = 86400.0
    title_search_budget: int = 20  # arXiv title searches per run
    s2_api_url: str = "https://api.semanticscholar.org"
    s2_api_key: str | None = field(default=None, repr=False)  # only from S2_API_KEY
    s2_interval: float = 1.0  # seconds between Semantic Scholar requests (its 1 request/s)
    s2_daily_budget: int = 100  # Semantic Scholar requests per UTC day (a batch is 500 ids)
    s2_match_budget: int = 20  # title matches per run for entries without an identifier
    # site APIs used by site rules and suggestions
    wayback_api_url: str = "https://archive.org/wayback/available"
    youtube_oembed_url: str = "https://www.youtube.com/oembed"
    bilibili_api_url: str = "https://api.bilibili.com/x/web-interface/view"
    doi_api_url: str = "https://doi.org/api/handles"  # DOI handle API, asked as <base>/<doi>
    # network-down detection: hosts expected to answer whenever the network is up
    reference_hosts: list[str] = field(
        default_factory=lambda: ["https://www.google.com/", "https://github.com/"]
    )
    # suggestions
    archive_style: str = "replace"  # replace | append (dead link → Wayback snapshot)
    mark_archived_repos: bool = False
    # report
    stale_years: float = 3.0  # repositories without a push for this long are listed

    def ttl_for(self, verdict: str) -> float:
        return {
            "alive": self.ttl_alive,
            "redirect": self.ttl_redirect,
            "dead": self.ttl_dead,
            "unverifiable": self.ttl_unverifiable,
        }.get(verdict, 0.0)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_DURATION_KEYS = {
    "timeout",
    "connect_timeout",
    "host_spacing",
    "retry_backoff",
    "retry_after_cap",
    "max_duration",
    "ttl_alive",
    "ttl_redirect",
    "ttl_dead",
    "ttl_unverifiable",
    "ttl_paper",
    "ttl_repo",
    "arxiv_interval",
    "github_write_interval",
    "s2_interval",
}
SECRET_KEYS = {"github_token", "s2_api_key"}
_REGEX_LISTS = {"include", "exclude", "exclude_path"}  # never split on commas
# lychee's (and markdown-link-check's) settings that linkwatch spells differently
FOREIGN_KEYS = {
    "max_concurrency": "concurrency",
    "host_concurrency": "per_host",
    "host_request_interval": "host_spacing",
    "retry_wait_time": "retry_backoff",
    "max_cache_age": "ttl_alive (or --max-age)",
    "cache": "db (results are always cached in the store)",
    "include_fragments": "check_fragments",
    "exclude_all_private": "allow_private (private addresses are skipped unless it is true)",
    "exclude_private": "allow_private (private addresses are skipped unless it is true)",
    "exclude_loopback": "allow_private (private addresses are skipped unless it is true)",
    "exclude_link_local": "allow_private (private addresses are skipped unless it is true)",
    "exclude_mail": "nothing: mailto: links are never checked",
    "include_mail": "nothing: mailto: links are never checked",
    "header": 'hosts."example.org".headers',
    "headers": 'hosts."example.org".headers',
    "no_progress": "the --no-progress flag",
    "verbose": "the -v flag",
    "format": "the --format flag",
    "output": "out (the report directory)",
    "ignorePatterns": "exclude (or a .linkwatchignore file)",
    "aliveStatusCodes": "accept",
    "retryCount": "max_retries",
    "httpHeaders": 'hosts."example.org".headers',
}


def unknown_key_message(key: str) -> str:
    """Name the closest known setting, and for lychee's keys how linkwatch spells them."""
    if key in FOREIGN_KEYS:
        return f"unknown setting {key!r}: lychee's {key} is {FOREIGN_KEYS[key]} in linkwatch"
    close = difflib.get_close_matches(key, [*_FIELDS, "max_age"], n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown setting {key!r}{hint}"


def _split_list(key: str, value: str) -> list[str]:
    """An environment value as a list: a JSON list, else one item per line; settings that
    are not regexes also split on commas (a regex may contain one)."""
    text = value.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{key}: not a JSON list: {exc}") from None
        if not isinstance(items, list):
            raise ConfigError(f"{key}: not a JSON list")
        return [str(v) for v in items]
    parts = text.splitlines() if key in _REGEX_LISTS else re.split(r"[,\n]", text)
    return [v for v in (p.strip() for p in parts) if v]


def _coerce(key: str, value: Any) -> Any:
    if key not in _FIELDS:
        raise ConfigError(unknown_key_message(key))
    default = getattr(Settings(), key)
    try:
        if value is None:
            return None
        if key == "accept":
            return parse_accept(_split_list(key, value) if isinstance(value, str) else value)
        if key == "hosts":
            return parse_hosts(json.loads(value) if isinstance(value, str) else value)
        if key in _DURATION_KEYS:
            try:
                return parse_duration(value)
            except ConfigError as exc:
                raise ConfigError(f"{key}: {exc}") from None
        if isinstance(default, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ConfigError(f"{key}: expected true/false, got {value!r}")
                return low in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, Path):
            return Path(value)
        if isinstance(default, list):
            if isinstance(value, str):
                return _split_list(key, value)
            return [str(v) for v in value]
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        if key in ("accept", "hosts"):
            raise ConfigError(f"{key}: {exc}" if key == "accept" else str(exc)) from None
        raise ConfigError(f"{key}: cannot use {value!r}") from None


def read_config_file(path: Path) -> dict[str, Any]:
    """The ``[tool.linkwatch]`` table of a pyproject.toml, or a whole linkwatch.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("linkwatch", {})
    table = {k.replace("-", "_"): v for k, v in data.items()}
    for key in table:
        if key in SECRET_KEYS:
            raise ConfigError(f"{path}: {key} must come from the environment, not a file")
    return table


def find_config_file(start: Path) -> Path | None:
    """``linkwatch.toml``, else a pyproject.toml with ``[tool.linkwatch]``, in ``start``."""
    candidate = start / "linkwatch.toml"
    if candidate.is_file():
        return candidate
    pyproject = start / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "linkwatch" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                return pyproject
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return pyproject  # let read_config_file report the problem
    return None


def env_settings(environ: dict[str, str] | os._Environ[str]) -> dict[str, Any]:
    """``LINKWATCH_<KEY>`` variables, plus ``GITHUB_TOKEN`` and ``S2_API_KEY`` for the secrets."""
    table: dict[str, Any] = {}
    for name, value in environ.items():
        if name.startswith("LINKWATCH_"):
            key = name.removeprefix("LINKWATCH_").lower()
            if key in _FIELDS and key not in SECRET_KEYS:
                table[key] = value
    token = environ.get("LINKWATCH_GITHUB_TOKEN") or environ.get("GITHUB_TOKEN")
    if token:
        table["github_token"] = token.strip()
    if environ.get("S2_API_KEY", "").strip():
        table["s2_api_key"] = environ["S2_API_KEY"].strip()
    return table


def load_settings(
    *,
    config_path: Path | None = None,
    cwd: Path | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Merge defaults ← file ← environment ← ``overrides`` (flags; ``None`` values skipped)."""
    merged: dict[str, Any] = {}
    path = config_path or find_config_file(cwd or Path.cwd())
    if path is not None:
        merged.update(read_config_file(path))
    merged.update(env_settings(os.environ if environ is None else environ))
    for key, value in (overrides or {}).items():
        if value is None or (isinstance(value, tuple | list) and not value):
            continue
        merged[key] = list(value) if isinstance(value, tuple) else value
    settings = Settings(**{k: _coerce(k, v) for k, v in merged.items()})
    validate(settings)
    return settings


# setting -> (least value, whether the least value itself is allowed)
_LEAST: dict[str, tuple[float, bool]] = {
    "concurrency": (1, True),
    "per_host": (1, True),
    "host_spacing": (0, True),
    "timeout": (0, False),
    "connect_timeout": (0, False),
    "max_retries": (0, True),
    "retry_backoff": (0, True),
    "retry_after_cap": (0, True),
    "max_redirects": (0, True),
    "body_cap": (1, True),
    "max_duration": (0, False),
    "ttl_alive": (0, True),
    "ttl_redirect": (0, True),
    "ttl_dead": (0, True),
    "ttl_unverifiable": (0, True),
    "fail_after": (1, True),
    "arxiv_interval": (0, True),
    "github_write_interval": (0, True),
    "ttl_paper": (0, True),
    "ttl_repo": (0, True),
    "title_search_budget": (0, True),
}
_CHOICES = {"archive_style": ("replace", "append")}


def validate(settings: Settings) -> None:
    """Every value in range, every pattern compiled: a bad one is one usage error (exit 2)
    before anything runs, whether it came from a flag, the environment or a file."""
    for key, (least, inclusive) in _LEAST.items():
        value = getattr(settings, key)
        if value is None:
            continue
        if value < least or (value == least and not inclusive):
            bound = f"at least {least:g}" if inclusive else f"more than {least:g}"
            raise ConfigError(f"{key} must be {bound}, not {value:g}")
    for key, allowed in _CHOICES.items():
        if getattr(settings, key) not in allowed:
            raise ConfigError(f"{key} must be one of {', '.join(allowed)}")
    for key in ("include", "exclude"):
        for pattern in getattr(settings, key):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"invalid --{key} pattern {pattern!r}: {exc}") from None
