"""Settings: defaults ← ``[tool.linkwatch]`` in pyproject.toml / ``linkwatch.toml`` ← env ← flags.

One frozen-ish dataclass that every stage reads; nothing else looks at the
environment or at config files. The GitHub token lives here only in memory and
is excluded from ``repr`` so it cannot leak into logs.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__

DEFAULT_USER_AGENT = (
    f"linkwatch/{__version__} (+https://github.com/linkwatch/linkwatch; awesome-list link checker)"
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(ValueError):
    """A config file or value that cannot be used; the CLI turns it into exit 2."""


def parse_duration(text: str | int | float) -> float:
    """``"1d"`` → 86400.0, ``"20m"`` → 1200.0, ``90`` → 90.0."""
    if isinstance(text, int | float):
        return float(text)
    m = _DURATION.match(text)
    if not m:
        raise ConfigError(f"not a duration: {text!r} (use e.g. 30s, 20m, 12h, 1d)")
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


@dataclass
class Settings:
    # where things go
    db: Path = Path("cache/linkwatch.db")
    out: Path = Path("reports")
    # which links
    include: list[str] = field(default_factory=list)  # regexes; when set, only matching URLs
    exclude: list[str] = field(default_factory=list)  # regexes; matching URLs are `excluded`
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
    max_redirects: int = 10
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
    # site APIs used by site rules and suggestions
    wayback_api_url: str = "https://archive.org/wayback/available"
    youtube_oembed_url: str = "https://www.youtube.com/oembed"
    bilibili_api_url: str = "https://api.bilibili.com/x/web-interface/view"
    # network-down detection: hosts expected to answer whenever the network is up
    reference_hosts: list[str] = field(
        default_factory=lambda: ["https://www.google.com/", "https://github.com/"]
    )
    # suggestions
    archive_style: str = "replace"  # replace | append (dead link → Wayback snapshot)
    mark_archived_repos: bool = False

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
}
_SECRET_KEYS = {"github_token"}


def _coerce(key: str, value: Any) -> Any:
    if key not in _FIELDS:
        raise ConfigError(f"unknown setting {key!r}")
    default = getattr(Settings(), key)
    try:
        if value is None:
            return None
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
                return [v for v in (s.strip() for s in value.split(",")) if v]
            return [str(v) for v in value]
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
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
        if key in _SECRET_KEYS:
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
    """``LINKWATCH_<KEY>`` variables, plus ``GITHUB_TOKEN`` for the token."""
    table: dict[str, Any] = {}
    for name, value in environ.items():
        if name.startswith("LINKWATCH_"):
            key = name.removeprefix("LINKWATCH_").lower()
            if key in _FIELDS and key not in _SECRET_KEYS:
                table[key] = value
    token = environ.get("LINKWATCH_GITHUB_TOKEN") or environ.get("GITHUB_TOKEN")
    if token:
        table["github_token"] = token.strip()
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
    return Settings(**{k: _coerce(k, v) for k, v in merged.items()})
