"""The service's process-wide state: settings, database, keys, the analyzer and the model
(each loaded once), conversations, the job runner, and the one bounded executor.

Blocking work (the analyzer, database calls, probing, Whisper) runs on ONE app-owned
``ThreadPoolExecutor`` and is awaited from async code through :meth:`Service.run` (the
pattern of datasette's ``execute_fn``): the event loop only parses, routes and writes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select, update

import phrasebank as pb
from analyzer.errors import AnalysisFailure, Cancelled
from analyzer.fingerprint import Fingerprint
from analyzer.speech import SpeechPipeline, analyze_recording
from analyzer.text import Analyzer
from huashu.compose import analyzer_options, load_speech_pipeline, pipeline_fingerprint
from huashu.config import Settings

from .audio import Signer, load_secret
from .db import Database
from .jobs import JobQueue
from .keys import KeyStore
from .metrics import Metrics
from .models import PhrasebankVersion, iso_utc, utcnow
from .ratelimit import RateLimiter
from .reviews import ReviewStore

__all__ = ["Service", "Conversation", "new_executor"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Conversation:
    """The utterances of one ``call_id`` so far (kept in memory, bounded)."""

    call_id: str
    scenario: str | None = None
    turns: list[dict[str, Any]] = field(default_factory=list)
    source: str = "typed"  # where its text comes from (the first utterance's source)
    updated: float = field(default_factory=time.monotonic)


def new_executor(settings: Settings) -> ThreadPoolExecutor:
    """The service's one executor for blocking work."""
    return ThreadPoolExecutor(max_workers=settings.service.threads, thread_name_prefix="huashu")


class _Batcher:
    """Short calls go to the executor in batches, one batch in flight at a time."""

    MAX = 64

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self.executor = executor
        self.pending: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any],
                                 asyncio.Future[Any]]] = []
        self.inflight = False

    async def submit(self, fn: Callable[..., Any], args: tuple[Any, ...],
                     kw: dict[str, Any]) -> Any:
        fut = asyncio.get_running_loop().create_future()
        self.pending.append((fn, args, kw, fut))
        if not self.inflight:
            self._launch(asyncio.get_running_loop())
        return await fut

    def _launch(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self.pending[: self.MAX]
        del self.pending[: self.MAX]
        self.inflight = True
        calls = [(fn, args, kw) for fn, args, kw, _ in batch]
        try:
            cf = self.executor.submit(_run_all, calls)
        except RuntimeError as exc:  # the executor is shut down
            self.inflight = False
            for *_, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        cf.add_done_callback(lambda f: loop.call_soon_threadsafe(self._done, loop, batch, f))

    def _done(self, loop: asyncio.AbstractEventLoop, batch: list[Any], f: Any) -> None:
        self.inflight = False
        try:
            results = f.result()
        except BaseException as exc:  # noqa: BLE001 - handed to every waiter
            results = [(False, exc)] * len(batch)
        for (*_, fut), (ok, value) in zip(batch, results, strict=True):
            if fut.done():  # the request was cancelled (client went away)
                continue
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)
        if self.pending:
            self._launch(loop)


def _run_all(calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]],
             ) -> list[tuple[bool, Any]]:
    out: list[tuple[bool, Any]] = []
    for fn, args, kw in calls:
        try:
            out.append((True, fn(*args, **kw)))
        except Exception as exc:
            out.append((False, exc))
    return out


class Service:
    """Everything a request handler needs; one per process (``app.state.service``)."""

    def __init__(self, settings: Settings, executor: ThreadPoolExecutor | None = None) -> None:
        """Open the database (migrating it) and load the analyzer: blocking, so the app
        builds the service on ``executor``, which the service then owns."""
        self.settings = settings
        self.config = config = settings.service
        self.executor = executor or new_executor(settings)
        # Bounds the work waiting for the executor: requests beyond it wait on the loop
        # (back-pressure) instead of piling up in the executor's unbounded queue.
        self._slots = asyncio.Semaphore(config.threads * 16)
        self._batcher = _Batcher(self.executor)
        self.db = Database.from_settings(config)
        self.keys = KeyStore(self.db, cache_s=config.key_cache_s)
        self.rate_limiter = RateLimiter(config.rate_limit_per_s)
        self.queue = JobQueue(self.db, lease_s=config.job_lease_s,
                              max_attempts=config.job_max_attempts)
        self.metrics = Metrics(self)
        self.analyzer = self._load_analyzer()
        self.pipeline: SpeechPipeline | None = None
        self._pipeline_lock = threading.Lock()
        self._install_lock = threading.Lock()
        self._candidates: OrderedDict[str, Analyzer] = OrderedDict()
        self.calls: OrderedDict[str, Conversation] = OrderedDict()
        self.stopping = threading.Event()
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._jobs: dict[asyncio.Task[None], str] = {}  # running jobs: recording id
        self._running_long = 0  # long recordings being analysed (see _run_jobs)
        self.reviews = ReviewStore(self.db, lambda: self.analyzer, self.bank_yaml)
        self.signer = Signer(load_secret(config), ttl_s=config.audio_link_s)
        self.audio_dir = Path(config.data_dir) / "audio"
        self.audio_cache_dir = Path(config.data_dir) / "audio-cache"
        self.tmp_dir = Path(config.data_dir) / "tmp"
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    # -- the executor ----------------------------------------------------------------------
    async def run(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        """Run blocking ``fn`` on the service's executor and await its result."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            call = functools.partial(fn, *args, **kw) if kw else (
                functools.partial(fn, *args) if args else fn)
            return await loop.run_in_executor(self.executor, call)

    async def run_batched(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        """Like :meth:`run` for short calls (a check): calls that arrive while a batch is on
        the executor wait and go together as the next batch, so that under load many checks
        share one hand-off to the executor instead of paying one each."""
        return await self._batcher.submit(fn, args, kw)  # type: ignore[no-any-return]

    # -- phrasebank ------------------------------------------------------------------------
    def _load_analyzer(self) -> Analyzer:
        """The active bank from the database, else the configured file (recorded as v1)."""
        with self.db.session() as s:
            row = s.scalar(select(PhrasebankVersion).where(PhrasebankVersion.active.is_(True)))
            text = row.yaml if row is not None else None
        if text is not None:
            return Analyzer(pb.loads(text, source="active phrasebank"),
                            analyzer_options(self.settings))
        an = Analyzer.load(self.settings.phrasebank, analyzer_options(self.settings))
        self._record_bank(an.bank, active=True, by="settings")
        return an

    def _record_bank(self, bank: pb.Phrasebank, *, active: bool, by: str | None) -> None:
        raw = bank.raw or (Path(bank.source).read_text(encoding="utf-8")
                           if bank.source and Path(bank.source).is_file() else "")
        with self.db.session() as s:
            row = s.scalar(select(PhrasebankVersion)
                           .where(PhrasebankVersion.version == bank.version))
            if active:
                s.execute(update(PhrasebankVersion).values(active=False))
            if row is None:
                row = PhrasebankVersion(version=bank.version, name=bank.name[:200], yaml=raw,
                                        entries=len(bank.entries), active=active,
                                        installed_by=by, created_at=utcnow())
                s.add(row)
            if active:
                row.active = True
                row.activated_at = utcnow()
                row.installed_by = by

    def install_bank(self, text: str, by: str | None) -> Analyzer:
        """Validate, build and switch to a new bank (blocking). A bad bank raises
        :class:`phrasebank.PhrasebankError` and the running one stays."""
        bank = pb.loads(text, source="phrasebank")
        with self._install_lock:
            an = self.analyzer.with_bank(bank)
            if self.pipeline is not None and self.pipeline.options.semantic:
                an.semantic_stage()  # the new bank's examples embedded before it serves
            self._record_bank(bank, active=True, by=by)
            with self._pipeline_lock:
                if self.pipeline is not None:
                    self.pipeline = self.pipeline.with_analyzer(an)
                self.analyzer = an
        log.info("phrasebank %s installed by %s", bank.version, by)
        return an

    def candidate(self, text: str | None) -> Analyzer:
        """An analyzer over a candidate bank (not installed; the last two are cached), or
        the running one when ``text`` is None."""
        if text is None:
            return self.analyzer
        bank = pb.loads(text, source="candidate phrasebank")
        if bank.version == self.analyzer.version:
            return self.analyzer
        with self._install_lock:
            an = self._candidates.get(bank.version)
            if an is None:
                an = self._candidates[bank.version] = self.analyzer.with_bank(bank)
                while len(self._candidates) > 2:
                    self._candidates.popitem(last=False)
            return an

    def bank_versions(self) -> list[dict[str, Any]]:
        with self.db.session() as s:
            rows = s.scalars(select(PhrasebankVersion).order_by(PhrasebankVersion.id.desc()))
            return [{"version": r.version, "name": r.name, "entries": r.entries,
                     "active": r.active, "installed_by": r.installed_by,
                     "created_at": iso_utc(r.created_at),
                     "activated_at": iso_utc(r.activated_at)}
                    for r in rows]

    def bank_yaml(self, version: str) -> str | None:
        with self.db.session() as s:
            return s.scalar(select(PhrasebankVersion.yaml)
                            .where(PhrasebankVersion.version == version))

    # -- the speech pipeline ---------------------------------------------------------------
    def fingerprint(self, agent_channel: str) -> Fingerprint:
        """What an analysis of a recording uploaded now would record (the upload dedupe's
        part of the key), known without loading the model."""
        return pipeline_fingerprint(self.settings, self.analyzer, agent_channel)

    def get_pipeline(self) -> SpeechPipeline:
        """The speech pipeline, loading the model on first use (once per process)."""
        with self._pipeline_lock:
            if self.pipeline is None:
                t0 = time.perf_counter()
                self.pipeline = load_speech_pipeline(self.settings, analyzer=self.analyzer,
                                                     preload_semantic=True)
                log.info("speech model %s loaded in %.1fs", self.pipeline.model_name,
                         time.perf_counter() - t0)
            return self.pipeline

    # -- conversations ---------------------------------------------------------------------
    def conversation(self, call_id: str, scenario: str | None = None) -> Conversation:
        conv = self.calls.get(call_id)
        if conv is None:
            conv = self.calls[call_id] = Conversation(call_id, scenario)
            while len(self.calls) > self.config.max_calls:
                self.calls.popitem(last=False)
        else:
            self.calls.move_to_end(call_id)
            if scenario and not conv.scenario:
                conv.scenario = scenario
        conv.updated = time.monotonic()
        return conv

    def add_turn(self, call_id: str, scenario: str | None, speaker: str, text: str,
                 source: str = "typed") -> None:
        conv = self.conversation(call_id, scenario)
        if not conv.turns:
            conv.source = source
        conv.turns.append({"speaker": speaker, "text": text})
        if len(conv.turns) > self.config.max_call_turns:
            del conv.turns[0]

    # -- jobs ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Recover interrupted jobs, load the model (if asked) and start the job runner."""
        await self.run(self.queue.recover, all_running=self.db.is_sqlite)
        if self.config.preload_model:
            await self.run(self.get_pipeline)
        self._runner = asyncio.get_running_loop().create_task(self._run_jobs())

    def wake(self) -> None:
        """A job was queued: let the runner look now rather than at its next poll."""
        self._wake.set()

    async def _run_jobs(self) -> None:
        # Jobs may hold at most threads - 1 of the executor's threads: checks keep one.
        n_slots = max(1, min(self.config.job_concurrency, self.config.threads - 1))
        slots = asyncio.Semaphore(n_slots)
        # Long recordings may hold all slots but one: a short one never waits behind them.
        max_long = max(1, n_slots - 1)
        last_recover = time.monotonic()
        while not self.stopping.is_set():
            try:
                await slots.acquire()
                if time.monotonic() - last_recover > self.config.job_lease_s / 2:
                    last_recover = time.monotonic()
                    await self.run(self.queue.recover)
                job = await self.run(self.queue.claim, long_s=self.config.long_recording_s,
                                     allow_long=self._running_long < max_long)
                if job is None:
                    slots.release()
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                    except TimeoutError:
                        pass
                    continue
                self._running_long += job.duration > self.config.long_recording_s
                task = asyncio.get_running_loop().create_task(self._run_job(job, slots))
                self._jobs[task] = job.id
                task.add_done_callback(lambda done: self._jobs.pop(done, None))
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: log, wait, go on
                log.exception("job runner")
                slots.release()
                await asyncio.sleep(1.0)

    async def _run_job(self, job: Any, slots: asyncio.Semaphore) -> None:
        beat = asyncio.get_running_loop().create_task(self._heartbeat(job.id))
        is_long = job.duration > self.config.long_recording_s  # counted by the runner
        try:
            self.metrics.jobs_started.inc()
            t0 = time.perf_counter()
            try:
                result = await self.run(self._analyze, job)
            except Cancelled:
                await self.run(self.queue.release, job.id)
                log.info("job %s given back to the queue (stopping)", job.id)
                return
            if isinstance(result, AnalysisFailure):
                if result.kind == "internal":
                    log.error("job %s failed: %s", job.id, result.message)
                else:
                    log.warning("job %s failed: %s", job.id, result.message)
                await self.run(self.queue.fail, job.id, result.message)
                self.metrics.jobs_finished.labels("failed").inc()
                return
            await self.run(self.queue.finish, job.id, result)
            self.metrics.jobs_finished.labels("done").inc()
            self.metrics.job_seconds.observe(time.perf_counter() - t0)
            log.info("job %s done in %.1fs", job.id, time.perf_counter() - t0)
        except Exception:
            log.exception("job %s: could not record its outcome", job.id)
        finally:
            beat.cancel()
            self._running_long -= is_long
            slots.release()
            self._wake.set()

    async def _heartbeat(self, rid: str) -> None:
        while True:
            await asyncio.sleep(self.config.job_lease_s / 3)
            try:
                await self.run(self.queue.heartbeat, rid)
            except Exception:
                log.exception("heartbeat of job %s", rid)

    def _analyze(self, job: Any) -> dict[str, Any] | AnalysisFailure:
        def progress(_frac: float) -> None:
            if self.stopping.is_set():
                raise Cancelled

        progress(0.0)
        pipeline = self.get_pipeline()
        res = analyze_recording(pipeline, job.path, name=job.filename or Path(job.path).name,
                                scenario=job.scenario, agent_channel=job.agent_channel,
                                progress=progress)
        return res if isinstance(res, AnalysisFailure) else res.to_dict()

    async def stop(self) -> None:
        """Stop taking jobs; running ones stop at their next progress step and are queued
        again; then close the executor and the database."""
        self.stopping.set()
        if self._runner is not None:
            self._runner.cancel()
        if self._jobs:
            _, late = await asyncio.wait(list(self._jobs), timeout=self.config.job_stop_wait_s)
            if late:
                # An analysis step outlasted the wait (a long step on a loaded machine): its
                # job is given back here, or the next start would count it as interrupted
                # (one attempt more). On the loop itself, as the executor's threads may all
                # be busy with the analyses; a finish that comes later matches no row.
                for task in late:
                    if self.queue.release(self._jobs[task]):
                        log.info("job %s given back to the queue (stopping before its step "
                                 "ended)", self._jobs[task])
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.db.dispose()
