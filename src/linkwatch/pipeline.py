"""One run end to end: extract → plan → enrich → check → store → suggest → report.

The only place that wires the stages together. Crash safety: results that
cannot be artefacts of a broken network (alive, redirect, excluded) are stored
in small batches as they arrive (every ``RECORD_BATCH`` results or ``RECORD_EVERY_S``
seconds), so a killed run loses seconds of work. Failures are held back until the
network-down check has passed, so a runner whose network died records nothing false;
meanwhile they are kept as *provisional* evidence on the same cadence, which the
next run confirms (a failure then counts) or drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from . import interrupt
from . import suggest as suggest_mod
from .changes import ChangeScope
from .checker import CheckQueue, Engine
from .config import SECRET_KEYS, Settings
from .enrich import Enrichment
from .enrich.arxiv import ArxivEnricher, arxiv_results
from .enrich.github import (
    GithubEnricher,
    RepoLookup,
    github_results,
    object_expressions,
    repo_key,
)
from .enrich.s2 import S2Enricher
from .enrich.wayback import WaybackEnricher
from .errors import CannotJudge, OutputError
from .extract import extract_file
from .formats import report_files
from .ignore import Pattern, UrlFilter, read_ignore_files
from .models import (
    Document,
    ErrorCode,
    Link,
    LinkResult,
    PaperMeta,
    RedirectKind,
    Suggestion,
    Target,
    Verdict,
)
from .net import Network, check_trust_environment
from .report import ReportInput, build_report, result_key
from .sites.fragments import check_external_fragments
from .sites.generic import target_checked_at
from .sites.local import check_local
from .source import detect_source
from .store import Store
from .trends import history_rows, repo_trends
from .urls import classify

log = logging.getLogger(__name__)

NETWORK_ERRORS = {ErrorCode.DNS, ErrorCode.CONNECT, ErrorCode.TIMEOUT}
RECORD_BATCH = 25  # results per small transaction while checking
RECORD_EVERY_S = 1.0  # … or sooner: a kill costs at most about this much work


class NetworkDown(CannotJudge):
    """Most hosts and every reference host unreachable: the run cannot judge anything."""


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, result: LinkResult) -> None: ...


@dataclass
class RunOutcome:
    report: dict[str, Any]
    exit_code: int  # 0 nothing broken, 1 broken links
    paths: list[Path]
    run_id: int | None
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False  # a stop signal cut the run short (see ``interrupt``)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def display_name(path: Path) -> str:
    """How reports, annotations and patches name a list file: an absolute path inside the
    working directory (the checkout) becomes relative, as GitHub and `git apply` need."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            pass
    return str(path)


def excluded_result(key: str, reason: str, now: str) -> LinkResult:
    return LinkResult(url=key, verdict=Verdict.EXCLUDED, reason=reason, checked_at=now)


def plan_links(
    documents: Iterable[Document],
    settings: Settings,
    now: str,
    ignored: Iterable[Pattern] = (),
) -> tuple[dict[str, Link], dict[str, LinkResult]]:
    """Distinct web URLs to check (normal form → first link) and results decided without
    any network: non-http schemes, user excludes and ignore files (``ignore.UrlFilter``)."""
    url_filter = UrlFilter.build(settings.include, settings.exclude, ignored)
    web: dict[str, Link] = {}
    decided: dict[str, LinkResult] = {}
    for doc in documents:
        for link in doc.links:
            key = result_key(link)
            if link.target is Target.EXCLUDED:
                scheme = link.url.split(":", 1)[0] if ":" in link.url else ""
                why = f"{scheme}: links are not checked" if scheme else "empty link target"
                decided.setdefault(key, excluded_result(key, link.excluded_reason or why, now))
            elif link.target is Target.WEB:
                reason = url_filter.why_excluded(link.url)
                if reason is not None:
                    decided.setdefault(key, excluded_result(key, reason, now))
                else:
                    web.setdefault(key, link)
    for key in web:  # a URL disabled in one place but checked in another: checked
        decided.pop(key, None)
    return web, decided


def links_keys(documents: Iterable[Document]) -> dict[str, str]:
    """Raw URL → the key its result is stored under."""
    return {link.url: result_key(link) for doc in documents for link in doc.links}


def network_looks_down(results: Iterable[LinkResult]) -> bool:
    """More than half of the hosts checked failed only with DNS/connect/timeout errors."""
    outcome_by_host: dict[str, bool] = {}
    for result in results:
        if result.cached or result.verdict is Verdict.EXCLUDED:
            continue
        host = urlsplit(result.url).hostname or ""
        failed = result.verdict is Verdict.DEAD and result.error in NETWORK_ERRORS
        outcome_by_host[host] = outcome_by_host.get(host, True) and failed
    if not outcome_by_host:
        return False
    down = sum(outcome_by_host.values())
    return down * 2 > len(outcome_by_host)


class _Recorder:
    """Stores results in batches; holds failures back until the run may record them."""

    def __init__(self, store: Store, files: list[str], options: dict[str, Any]) -> None:
        self.store = store
        self.files = files
        self.options = options
        self.run_id: int | None = None
        self.pending: list[LinkResult] = []
        self.held: list[LinkResult] = []
        self.unsaved: list[LinkResult] = []  # held, not yet kept as provisional evidence
        self.recorded: dict[str, LinkResult] = {}
        self.kinds: dict[str, str] = {}
        self.last_flush = time.monotonic()

    def ensure_run(self) -> int:
        if self.run_id is None:
            self.run_id = self.store.begin_run(self.files, self.options)
        return self.run_id

    def add(self, result: LinkResult) -> None:
        if result.cached:
            self.recorded[result.url] = result
        elif result.verdict in (Verdict.ALIVE, Verdict.REDIRECT, Verdict.EXCLUDED):
            self.pending.append(result)
        else:
            self.held.append(result)
            self.unsaved.append(result)
        waiting = len(self.pending) + len(self.unsaved)
        if waiting >= RECORD_BATCH or (
            waiting and time.monotonic() - self.last_flush >= RECORD_EVERY_S
        ):
            self.flush()

    async def keep_flushing(self) -> None:
        """Commit what waits every ``RECORD_EVERY_S`` even when no result arrives (links
        that hang): a kill then loses at most that much work."""
        while True:
            await asyncio.sleep(RECORD_EVERY_S)
            if self.pending or self.unsaved:
                self.flush()

    def flush(self, *, include_held: bool = False) -> None:
        self.last_flush = time.monotonic()
        if self.unsaved and not include_held:
            self.store.record_provisional(self.ensure_run(), self.unsaved)
        self.unsaved = []
        batch = self.pending + (self.held if include_held else [])
        self.pending = []
        if include_held:
            self.held = []
        if not batch:
            return
        stored = self.store.record_results(self.ensure_run(), batch, self.kinds)
        self.recorded.update({r.url: r for r in stored})

    def all_results(self) -> list[LinkResult]:
        return list(self.recorded.values()) + self.pending + self.held


def _arxiv_ids(keys: Iterable[str]) -> dict[str, str]:
    """arXiv link (normal form) → its id, for the links that name one."""
    ids = {}
    for key in keys:
        info = classify(key)
        if info.arxiv_id:
            ids[key] = info.arxiv_id
    return ids


def _search_titles(documents: list[Document]) -> list[str]:
    """Titles of paper entries that have no arXiv link: arXiv title search may find them."""
    titles = []
    for doc in documents:
        for entry in doc.entries:
            has_arxiv = any(
                link.target is Target.WEB and classify(link.url).arxiv_id for link in entry.links
            )
            if not has_arxiv and any(link.kind.value == "paper" for link in entry.links):
                titles.append(entry.title)
    return titles


async def _enrich_and_check(
    web: dict[str, Link],
    due: dict[str, None],
    documents: list[Document],
    settings: Settings,
    network: Network,
    store: Store,
    queue: CheckQueue,
) -> Enrichment:
    """Pages go into the queue at once while the arXiv and GitHub APIs answer for their
    links; each API's unsettled links (budget, failures, unresolved refs) join the same
    queue as soon as that API has answered. Title search settles no link: nothing waits
    on it."""
    by_repo: dict[str, list[str]] = {}
    by_owner: dict[str, list[str]] = {}
    objects: dict[str, list[str]] = {}
    repos_wanted: set[tuple[str, str]] = set()
    for key in web:
        info = classify(key)
        if info.site != "github" or not info.github_owner:
            continue
        if info.github_repo:
            repos_wanted.add((info.github_owner, info.github_repo))
            if key in due:
                repo = repo_key(info.github_owner, info.github_repo)
                by_repo.setdefault(repo, []).append(key)
                objects.setdefault(repo, []).extend(object_expressions(key))
        elif info.github_kind == "org_or_user" and key in due:
            by_owner.setdefault(info.github_owner.lower(), []).append(key)
    arxiv_ids = _arxiv_ids(web)
    due_ids = {k: v for k, v in arxiv_ids.items() if k in due}
    github_keys = {k for keys in [*by_repo.values(), *by_owner.values()] for k in keys}
    queue.add(k for k in due if k not in due_ids and k not in github_keys)

    def settle(answers: Iterable[LinkResult], asked: Iterable[str]) -> None:
        settled = set()
        for result in answers:
            settled.add(result.url)
            queue.on_result(result)
        queue.add(k for k in asked if k not in settled)

    arxiv = ArxivEnricher(settings, network, store=store)
    github = GithubEnricher(settings, network, store=store)

    async def arxiv_links() -> dict[str, PaperMeta]:
        metas = await arxiv.fetch_async(sorted(set(arxiv_ids.values())))
        settle(arxiv_results(due_ids, metas), due_ids)
        return {i: m for i, m in metas.items() if isinstance(m, PaperMeta)}

    async def github_links() -> RepoLookup:
        lookup = await github.fetch_async(sorted(repos_wanted), sorted(by_owner), objects)
        settle(github_results(by_repo, lookup, by_owner), github_keys)
        return lookup

    async def title_search() -> dict[str, PaperMeta | None]:
        titles = _search_titles(documents)
        return await arxiv.search_titles_async(titles) if titles else {}

    try:
        papers, lookup, hits = await asyncio.gather(arxiv_links(), github_links(), title_search())
    except BaseException:  # cancelled (a signal) or failed: the page checks stop too
        await queue.cancel()
        raise
    finally:
        arxiv.close()
    await queue.join()
    notes = []
    if lookup.unrefreshed:
        reset = f"; the budget resets at {lookup.budget_reset}" if lookup.budget_reset else ""
        notes.append(
            f"GitHub API budget spent: {len(lookup.unrefreshed)} repositories not refreshed"
            f"{reset} (their links were checked as pages)."
        )
    title_hits = {t: m for t, m in hits.items() if m is not None}
    found = Enrichment(papers=papers, repos=dict(lookup.metas), title_hits=title_hits)
    found = await S2Enricher(settings, network, store=store).enrich(documents, found)
    return replace(found, notes=(*notes, *found.notes))


async def run_check(
    files: list[Path],
    settings: Settings,
    network: Network,
    *,
    progress: Progress | None = None,
    clock: Callable[[], datetime] = utc_now,
    scope: ChangeScope | None = None,
) -> RunOutcome:
    """Check ``files`` and write report.md, report.json and suggestions.patch; with a
    ``scope`` (pull-request mode) only the links it introduced.

    Raises ``errors.LinkwatchError`` subclasses: usage errors (exit 2) before any
    request, ``NetworkDown``/``StoreBusy``/disk full (exit 3) with the store left as it
    was. A stop signal (``interrupt``) ends the network phases; the outcome then says
    ``interrupted`` and holds what was checked.
    One engine serves every phase of the run (pages, API leftovers, network-down
    probes, fragments), so one politeness state sees all of its requests.
    """
    check_trust_environment()  # usage errors first: exit 2 before the store or the web
    check_output_dir(settings.out)
    async with Engine(settings, network) as engine:
        return await _run_check(files, settings, network, engine, progress, clock, scope)


async def _run_check(
    files: list[Path],
    settings: Settings,
    network: Network,
    engine: Engine,
    progress: Progress | None,
    clock: Callable[[], datetime],
    scope: ChangeScope | None,
) -> RunOutcome:
    started = time.monotonic()
    deadline = started + settings.max_duration if settings.max_duration else None
    now = clock()
    now_iso = iso(now)
    documents = [extract_file(path, display_name=display_name(path)) for path in files]
    notes: list[str] = []
    if scope is not None:
        restricted = [scope.restrict(doc) for doc in documents]
        notes.append(scope.describe(documents, restricted))
        documents = restricted
    sources = {doc.file: path.read_bytes() for doc, path in zip(documents, files, strict=True)}
    web, decided = plan_links(documents, settings, now_iso, read_ignore_files(Path.cwd()))
    # the https forms of http links are checked too, so `https` upgrades can be proposed
    twins = [key for key in suggest_mod.https_twins(documents) if key not in web]
    local_results, findings = check_local(documents, [p.parent for p in files])

    options = {
        k: v
        for k, v in vars(settings).items()
        if k not in SECRET_KEYS and isinstance(v, str | int | float | bool | list)
    }
    options["token"] = bool(settings.github_token)

    with Store.open(settings.db) as store, store.run_lock():
        recorder = _Recorder(store, [str(p) for p in files], options)
        recorder.kinds = {
            result_key(link): link.kind.value for doc in documents for link in doc.links
        }
        recorder.kinds.update({key: link.kind.value for key, link in web.items()})
        cached = store.cached_results([*web, *twins], now, settings)
        for result in cached.values():
            recorder.add(result)
        due_keys = [k for k in [*web, *twins] if k not in cached]
        if deadline is not None:
            due_keys = store.stalest_first(due_keys)
        due = dict.fromkeys(due_keys)  # an ordered set: the keys to ask the web about
        if progress:
            progress.start(len(due))

        def on_result(result: LinkResult) -> None:
            recorder.add(result)
            if progress:
                progress.advance(result)

        found = Enrichment()
        _prime(engine, list(due), store, settings)
        queue = CheckQueue(engine, on_result, deadline)
        # a signal: keep and report what was checked; settled results commit every second
        async with interrupt.stoppable(), _flushing(recorder):
            if settings.enrich:
                found = await _enrich_and_check(
                    web, due, documents, settings, network, store, queue
                )
                notes += found.notes
            else:
                queue.add(due)
                await queue.join()

        fresh = [r for r in recorder.all_results() if not r.cached]
        if not interrupt.requested() and network_looks_down(fresh):
            probes: list[LinkResult] = []
            async with interrupt.stoppable():
                probes = await _probe(engine, settings.reference_hosts)
            if not interrupt.requested() and not any(
                p.verdict in (Verdict.ALIVE, Verdict.REDIRECT) for p in probes
            ):
                if recorder.run_id is not None:  # alive answers already stored go too
                    store.discard_run(recorder.run_id)
                raise NetworkDown("network unreachable; nothing recorded")
        interrupted = interrupt.requested()
        if interrupted:
            notes.append("Interrupted: this report covers only the links checked before.")

        # local links are stored too, so "since the last run" compares them like web links
        # (they are no evidence about the network: added after its check)
        recorder.held.extend(local_results.values())
        recorder.flush(include_held=True)
        run_id = recorder.ensure_run()
        store.record_occurrences(
            run_id, [link for doc in documents for link in doc.links], links_keys(documents)
        )
        results: dict[str, LinkResult] = dict(recorder.recorded)
        results.update(decided)
        unchecked = [k for k in web if k not in results]
        if unchecked and not interrupted:
            notes.append(
                f"Time budget reached: {len(unchecked)} links left for the next run "
                "(stalest are checked first)."
            )
            # their last known state, marked cached: not reaching a broken link is no fix
            stale = store.latest_results(unchecked)
            results.update({k: replace(r, cached=True) for k, r in stale.items()})

        more_time = not interrupted and (deadline is None or time.monotonic() < deadline)
        dead = [r for r in results.values() if r.verdict is Verdict.DEAD and r.url in web]
        async with interrupt.stoppable():
            if dead:  # without time to ask the archive, what it answered before still holds
                wayback = WaybackEnricher(
                    dead, settings, network, store=store, offline=not more_time
                )
                found = await wayback.enrich(documents, found)
            if settings.check_fragments and more_time:
                findings += await check_external_fragments(documents, results, engine)
        if interrupt.requested() and not interrupted:
            interrupted = True
            notes.append("Interrupted: archive and fragment checks were cut short.")

        if settings.enrich and not interrupted:
            store.record_history(run_id, history_rows(found))
            history = store.metadata_history("repo", list(found.repos))
            found = replace(found, trends=repo_trends(history, now))
        previous = store.previous_run_results(run_id)
        suggestions = suggest_mod.suggest(documents, results, found, settings, sources)
        report = build_report(
            ReportInput(
                documents=documents,
                results=results,
                generated_at=now_iso,
                fail_after=settings.fail_after,
                enrichment=found,
                suggestions=suggestions,
                findings=findings,
                previous=previous or None,
                notes=notes,
                stale_years=settings.stale_years,
                source=detect_source(os.environ, Path.cwd()),
                db=str(settings.db),
                out=str(settings.out),
            )
        )
        outcome = "interrupted" if interrupted else "partial" if unchecked else "completed"
        # reports first: a run whose reports cannot be written is rolled back (exit 3)
        paths = write_outputs(report, sources, suggestions, settings)
        store.finish_run(run_id, outcome, report["summary"], keep_checks=settings.keep_checks)

    exit_code = 1 if report["summary"]["broken"] else 0
    return RunOutcome(
        report=report,
        exit_code=exit_code,
        paths=paths,
        run_id=run_id,
        notes=notes,
        interrupted=interrupted,
    )


@contextlib.asynccontextmanager
async def _flushing(recorder: _Recorder) -> AsyncIterator[None]:
    """Commit settled results every second while the network phases run, so a killed
    night keeps what it had checked (``_Recorder.keep_flushing``)."""
    flusher = asyncio.create_task(recorder.keep_flushing())
    try:
        yield
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher  # a store error of a periodic commit surfaces here


def _prime(engine: Engine, keys: list[str], store: Store, settings: Settings) -> None:
    """What the last run knew about the due links, for the engine's choice of request:
    validators, links to GET at once (dead or moved last run), known permanent redirects."""
    if not keys:
        return
    previous = store.latest_results(keys)
    now = datetime.now(UTC)
    engine.validators.update(store.validators(keys))
    engine.get_first.update(
        k for k, r in previous.items() if r.verdict in (Verdict.DEAD, Verdict.REDIRECT)
    )
    engine.known_redirects.update(
        (key, result)
        for key, result in previous.items()
        if result.redirect_kind is RedirectKind.PERMANENT
        and result.verdict is Verdict.REDIRECT
        and _age(target_checked_at(result) or result.checked_at, now) < settings.ttl_alive
    )


async def _probe(engine: Engine, urls: list[str]) -> list[LinkResult]:
    """The reference hosts, checked on the run's engine."""
    results: list[LinkResult] = []
    queue = CheckQueue(engine, results.append)
    queue.add(urls)
    await queue.join()
    return results


def _age(stamp: str, now: datetime) -> float:
    """Seconds since an ISO time (infinite when it cannot be read)."""
    try:
        return (now - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        return float("inf")


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def check_output_dir(out: Path) -> None:
    """Prove ``out`` writable before the first request, creating nothing: a run must not
    spend the night checking, record itself, then find it cannot write its reports."""
    existing = out.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = None
    if not existing.is_dir():
        problem = f"{existing} is not a directory"
    elif existing == out.absolute():
        probe = existing / f".linkwatch-probe-{os.getpid()}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            problem = exc.strerror or str(exc)
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"cannot create directories in {existing}"
    if problem is not None:
        raise OutputError(f"cannot write reports to {out}: {problem} (check --out)")


def write_outputs(
    report: dict[str, Any],
    sources: dict[str, bytes],
    suggestions: list[Suggestion],
    settings: Settings,
) -> list[Path]:
    """report.json, report.md, report.junit.xml, report.sarif and suggestions.patch in
    ``settings.out`` (atomic replace)."""
    try:
        return _write_outputs(report, sources, suggestions, settings)
    except OSError as exc:  # checked up front, so the disk filled or changed meanwhile
        raise OutputError(
            f"cannot write reports to {settings.out}: {exc.strerror or exc}", exit_code=3
        ) from None


def _write_outputs(
    report: dict[str, Any],
    sources: dict[str, bytes],
    suggestions: list[Suggestion],
    settings: Settings,
) -> list[Path]:
    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    # low-confidence edits (venue changes) are listed in the report, never in the patch
    patch = suggest_mod.render_patch(sources, suggest_mod.select(suggestions))
    files = {out / name: text.encode() for name, text in report_files(report).items()}
    files[out / "suggestions.patch"] = patch.encode("utf-8", "surrogateescape")
    for path, data in files.items():
        _atomic_write(path, data)
    return list(files)
