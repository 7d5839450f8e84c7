"""Where recordings are analysed: a local pool of worker processes, or Ray actors.

Both engines run the same :func:`analyze_job` in a process that loaded
:class:`analyzer.speech.SpeechPipeline` once (built by :mod:`huashu.compose`), and keep at most one recording per worker in
flight (so a run killed mid-way loses at most ``workers`` recordings). An engine never
writes files: it hands each :class:`Outcome` to the caller as it arrives, in completion
order.

``local``: ``workers`` spawned processes, each with a model using ``threads`` CPU threads.
A worker that dies (a crash in native code, the OOM killer) breaks the pool; the pool is
started again and the recordings that were in flight are tried once more — a recording in
flight at two deaths is reported as failed.

``ray``: one actor per worker (``num_cpus=threads``, one model each) on the cluster at
``address``, or on a local one started for the run. A dead actor is replaced; the same
retry rule applies. The files must be readable at the same path on every node (a share).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

__all__ = [
    "Engine",
    "Job",
    "LocalEngine",
    "Outcome",
    "RayEngine",
    "analyze_job",
    "available_cores",
    "make_engine",
    "plan_workers",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # a recording in flight when its worker died twice is failed
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def thread_env(threads: int) -> dict[str, str]:
    """Environment that holds every numeric library of a worker to ``threads`` threads.

    Both engines give it to their workers before numpy loads: the feature extraction's
    sums then run in the same order whatever the engine, so results are identical."""
    return {v: str(threads) for v in _THREAD_VARS}


@dataclass
class Job:
    """One recording to analyse (what a worker needs, plus the caller's context)."""

    recording: str
    path: str
    scenario: str | None = None
    agent_channel: str = "left"
    attempts: int = 0
    context: Any = field(default=None, repr=False)
    """Anything the caller wants back with the outcome (not sent to workers)."""

    def payload(self) -> dict[str, Any]:
        return {"path": self.path, "scenario": self.scenario,
                "agent_channel": self.agent_channel}


@dataclass
class Outcome:
    """What became of a job: ``result`` (the analysis as a dict) or ``error``."""

    job: Job
    result: dict[str, Any] | None = None
    error: str | None = None
    error_kind: str | None = None
    worker: str = ""
    elapsed_s: float = 0.0


def available_cores() -> int:
    """CPU cores this process may use (its affinity mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def plan_workers(workers: int = 0, threads: int = 0, cores: int | None = None,
                 jobs: int | None = None) -> tuple[int, int]:
    """``(workers, threads)`` with ``workers × threads ≤ cores`` (0: chosen).

    The default is one single-threaded worker per core (on 2 cores, 8 recordings, 2 × 1 took
    11.7 s and 1 × 2 25.5 s idle; 17.5 against 23.3 s beside one busy process; 25.6 against
    41.3 s beside two: ``bench/batch_bench.py --copies 2 --busy N``; the base model's
    decoder does not use a second thread well), never more workers than jobs. A split asked
    for beyond the cores is shrunk, threads first, with a warning.
    """
    cores = cores or available_cores()
    if workers <= 0 and threads <= 0:
        threads = 1
        workers = cores
    elif workers <= 0:
        threads = min(threads, cores)
        workers = max(1, cores // threads)
    elif threads <= 0:
        workers = min(workers, cores)
        threads = max(1, cores // workers)
    if workers * threads > cores:
        w, t = workers, threads
        threads = max(1, cores // workers)
        workers = min(workers, cores // threads)
        log.warning("%d workers × %d threads is more than the %d cores; using %d × %d",
                    w, t, cores, workers, threads)
    if jobs is not None and 0 < jobs < workers:
        workers = jobs
    return workers, threads


# -- the work of one recording (in a worker process) -------------------------------------------

_PIPELINE: Any = None
_WORKER_NAME = ""


def _load_pipeline(settings: dict[str, Any], threads: int) -> Any:
    from huashu.compose import load_speech_pipeline
    from huashu.config import Settings

    return load_speech_pipeline(Settings.model_validate(settings), cpu_threads=threads)


def analyze_job(pipeline: Any, payload: dict[str, Any], worker: str) -> dict[str, Any]:
    """Analyse one recording; every error is returned (with its kind), never raised."""
    from analyzer.errors import AnalysisFailure
    from analyzer.speech import analyze_recording

    t0 = time.perf_counter()
    out: dict[str, Any] = {"worker": worker}
    res = analyze_recording(pipeline, payload["path"], scenario=payload.get("scenario"),
                            agent_channel=payload.get("agent_channel") or "left")
    if isinstance(res, AnalysisFailure):
        out.update(error=res.message, error_kind=res.kind)
    else:
        out["result"] = res.to_dict()
    out["elapsed_s"] = round(time.perf_counter() - t0, 3)
    return out


def _worker_init(settings: dict[str, Any], threads: int, log_level: int) -> None:
    global _PIPELINE, _WORKER_NAME
    logging.basicConfig(level=log_level,
                        format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s")
    logging.getLogger("faster_whisper").setLevel(max(log_level, logging.WARNING))
    _WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
    _PIPELINE = _load_pipeline(settings, threads)


def _worker_run(payload: dict[str, Any]) -> dict[str, Any]:
    return analyze_job(_PIPELINE, payload, _WORKER_NAME)


def _outcome(job: Job, d: dict[str, Any]) -> Outcome:
    return Outcome(job=job, result=d.get("result"), error=d.get("error"),
                   error_kind=d.get("error_kind"), worker=d.get("worker", ""),
                   elapsed_s=d.get("elapsed_s", 0.0))


class Engine:
    """Runs jobs; ``run`` calls ``on_outcome`` for each as it finishes."""

    name = "engine"
    workers = 1
    threads = 1
    worker_log_level: int | None = None
    """Logging level in the workers (None: this process's)."""

    def run(self, jobs: Iterable[Job], on_outcome: Callable[[Outcome], None]) -> None:
        raise NotImplementedError

    def _retry_or_fail(self, job: Job, queue: deque[Job], why: str,
                       on_outcome: Callable[[Outcome], None]) -> None:
        job.attempts += 1
        if job.attempts >= MAX_ATTEMPTS:
            on_outcome(Outcome(job=job, error=f"{why} {job.attempts} times while analysing it",
                               error_kind="worker"))
        else:
            log.warning("%s: %s; trying it again", job.recording, why)
            queue.appendleft(job)


class LocalEngine(Engine):
    """A bounded pool of spawned worker processes, each with its own model."""

    name = "local"

    def __init__(self, settings: dict[str, Any], workers: int, threads: int) -> None:
        self.settings = settings
        self.workers = workers
        self.threads = threads

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=get_context("spawn"),
            initializer=_worker_init,
            initargs=(self.settings, self.threads,
                      self.worker_log_level or logging.getLogger().getEffectiveLevel()))

    def run(self, jobs: Iterable[Job], on_outcome: Callable[[Outcome], None]) -> None:
        queue: deque[Job] = deque(jobs)
        if not queue:
            return
        # spawned workers inherit this process's environment when the pool starts them
        saved = {v: os.environ.get(v) for v in _THREAD_VARS}
        os.environ.update(thread_env(self.threads))
        try:
            self._run(queue, on_outcome)
        finally:
            for v, old in saved.items():
                if old is None:
                    os.environ.pop(v, None)
                else:
                    os.environ[v] = old

    def _run(self, queue: deque[Job], on_outcome: Callable[[Outcome], None]) -> None:
        pool = self._pool()
        running: dict[Future[dict[str, Any]], Job] = {}
        try:
            while queue or running:
                broken = False
                while queue and len(running) < self.workers:
                    job = queue.popleft()
                    try:
                        running[pool.submit(_worker_run, job.payload())] = job
                    except BrokenProcessPool:  # died while idle: the job never ran
                        queue.appendleft(job)
                        broken = True
                        break
                if running and not broken:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in done:
                        job = running.pop(fut)
                        try:
                            d = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            self._retry_or_fail(job, queue, "a worker process died",
                                                on_outcome)
                            continue
                        on_outcome(_outcome(job, d))
                if broken:
                    for fut, job in list(running.items()):
                        fut.cancel()
                        self._retry_or_fail(job, queue, "a worker process died", on_outcome)
                    running.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    log.warning("starting the worker pool again")
                    pool = self._pool()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


class _RayActor:
    """One model per actor (created with ``num_cpus=threads``)."""

    def __init__(self, settings: dict[str, Any], threads: int) -> None:
        logging.basicConfig(level=logging.INFO)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.pipeline = _load_pipeline(settings, threads)

    def ready(self) -> str:
        return self.name

    def analyze(self, payload: dict[str, Any]) -> dict[str, Any]:
        return analyze_job(self.pipeline, payload, self.name)


def _check_reachable(address: str, timeout: float) -> None:
    """Fail fast on a ``host:port`` that does not answer (ray.init would wait long)."""
    if address in ("auto", "local") or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except (OSError, ValueError) as exc:
        raise ConnectionError(f"no Ray cluster answers at {address}: {exc}") from exc


class RayEngine(Engine):
    """Ray actors, one model each, on an existing cluster or a local one for the run."""

    name = "ray"

    def __init__(self, settings: dict[str, Any], workers: int, threads: int,
                 address: str | None = None, *, connect_timeout_s: float = 10.0,
                 ready_timeout_s: float = 600.0) -> None:
        self.settings = settings
        self.workers = workers  # 0: as many as the cluster's CPUs allow
        self.threads = threads
        self.address = address
        self.connect_timeout_s = connect_timeout_s
        self.ready_timeout_s = ready_timeout_s

    def _init(self, cpus: int) -> bool:
        """Connect or start Ray; True when this call started it (so shuts it down)."""
        import ray

        if ray.is_initialized():
            return False
        if self.address:
            _check_reachable(self.address, self.connect_timeout_s)
            ray.init(address=self.address, log_to_driver=False, logging_level=logging.WARNING)
        else:
            ray.init(address="local", num_cpus=cpus, include_dashboard=False,
                     log_to_driver=False, logging_level=logging.WARNING,
                     object_store_memory=100 * 1024 * 1024)
        return True

    def run(self, jobs: Iterable[Job], on_outcome: Callable[[Outcome], None]) -> None:
        queue: deque[Job] = deque(jobs)
        if not queue:
            return
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        started = self._init(max(1, self.workers) * self.threads)
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            n = self.workers or max(1, cpus // self.threads)
            n = max(1, min(n, len(queue)))
            self.workers = n
            actor_cls: Any = ray.remote(
                num_cpus=self.threads, max_restarts=0,
                runtime_env={"env_vars": thread_env(self.threads)})(_RayActor)
            actors: list[Any] = [actor_cls.remote(self.settings, self.threads) for _ in range(n)]
            try:
                names = ray.get([a.ready.remote() for a in actors],
                                timeout=self.ready_timeout_s)
            except GetTimeoutError as exc:
                raise TimeoutError(f"{n} Ray actor(s) of {self.threads} CPU(s) not ready "
                                   f"within {self.ready_timeout_s:.0f}s (cluster has {cpus} "
                                   "CPU(s))") from exc
            log.info("ray: %d actor(s) ready on %s", n, ", ".join(sorted(set(names))))
            idle = list(range(n))
            running: dict[Any, tuple[int, Job]] = {}
            while queue or running:
                while queue and idle:
                    i = idle.pop()
                    job = queue.popleft()
                    running[actors[i].analyze.remote(job.payload())] = (i, job)
                done, _ = ray.wait(list(running), num_returns=1)
                for ref in done:
                    i, job = running.pop(ref)
                    try:
                        d = ray.get(ref)
                    except RayActorError:
                        self._retry_or_fail(job, queue, "a Ray actor died", on_outcome)
                        actors[i] = actor_cls.remote(self.settings, self.threads)
                        idle.append(i)
                        continue
                    idle.append(i)
                    on_outcome(_outcome(job, d))
            for a in actors:
                ray.kill(a)
        finally:
            if started:
                ray.shutdown()


def make_engine(name: str, settings: dict[str, Any], workers: int, threads: int,
                address: str | None = None) -> Engine:
    """The engine called ``name`` (local | ray)."""
    if name == "local":
        return LocalEngine(settings, workers, threads)
    if name == "ray":
        return RayEngine(settings, workers, threads, address)
    raise ValueError(f"unknown engine {name!r} (local | ray)")
