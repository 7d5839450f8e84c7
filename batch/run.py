"""One batch run: inputs → resume check → engine → appended results → reports."""

from __future__ import annotations

import logging
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analyzer.audio import probe
from analyzer.errors import AnalysisError
from analyzer.fingerprint import recording_key
from huashu.compose import expected_fingerprint, settings_payload
from huashu.config import Settings

from .engines import Job, Outcome, make_engine, plan_workers
from .inputs import Recording, load_inputs, select
from .report import agent_stats, write_agents_csv, write_report_html, write_summary_csv
from .store import FailureLog, ResultStore, content_sha256

__all__ = ["BatchOptions", "BatchStats", "run_batch"]

log = logging.getLogger("huashu.batch")

TIMING_FIELDS = ("timing", "batch")
"""Fields of a result row that depend on the run, not the recording (ignored when comparing
engines)."""


@dataclass
class BatchOptions:
    """What ``huashu batch`` was asked to do."""

    src: Path
    out: Path
    engine: str = "local"
    address: str | None = None
    workers: int = 0
    threads: int = 0
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    agent_channel: str = "left"
    progress: bool | None = None
    """A progress bar (tqdm); None: when stderr is a terminal."""
    lang: str = "zh"
    """Language of report.html: zh (中文) or en."""


@dataclass
class BatchStats:
    """What a run did."""

    selected: int = 0
    reused: int = 0
    analysed: int = 0
    failed: int = 0
    workers: int = 0
    threads: int = 0
    engine: str = ""
    wall_s: float = 0.0
    audio_s: float = 0.0
    files: dict[str, str] = field(default_factory=dict)


def _fmt_eta(seconds: float) -> str:
    m, s = divmod(int(seconds + 0.5), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _meta(rec: Recording) -> dict[str, Any]:
    return {"recording": rec.recording, "agent_id": rec.agent_id, "call_id": rec.call_id,
            "recorded_at": rec.recorded_at}


def run_batch(opts: BatchOptions, settings: Settings) -> BatchStats:
    """Run a batch (see :mod:`batch`); returns its :class:`BatchStats`.

    Raises :class:`batch.inputs.InputError` when the source cannot be read at all; every
    per-recording problem goes to ``failures.jsonl`` instead.
    """
    t_start = time.perf_counter()
    stats = BatchStats(engine=opts.engine)
    recs, rejected = select(load_inputs(opts.src), since=opts.since, until=opts.until,
                            limit=opts.limit)
    stats.selected = len(recs) + len(rejected)
    opts.out.mkdir(parents=True, exist_ok=True)
    files = {n: opts.out / n for n in ("results.jsonl", "failures.jsonl", "summary.csv",
                                         "agents.csv", "report.html")}
    stats.files = {k: str(v) for k, v in files.items()}
    store = ResultStore(files["results.jsonl"])
    failures = FailureLog(files["failures.jsonl"])
    failed_rows: list[dict[str, Any]] = []

    def fail(rec: Recording, kind: str, error: str) -> None:
        row = {**_meta(rec), "source": rec.path, "kind": kind, "error": error,
               "at": datetime.now(UTC).isoformat(timespec="seconds")}
        failures.add(row)
        failed_rows.append(row)
        stats.failed += 1

    for rj in rejected:
        fail(rj.recording, "bad_input", rj.reason)

    fp = expected_fingerprint(settings, opts.agent_channel)
    done_keys: dict[str, str] = {}  # recording -> key of its current result
    jobs: list[Job] = []
    for rec in recs:
        try:
            sha = content_sha256(rec.path)
        except OSError as exc:
            fail(rec, "missing", f"cannot read {rec.path}: {exc.strerror or exc}")
            continue
        key = recording_key(sha, fp, rec.scenario, recording=rec.recording)
        if key in store.rows:
            done_keys[rec.recording] = key
            continue
        try:  # an unusable file fails here, without a worker (and its model) for it
            probe(rec.path)
        except AnalysisError as exc:
            fail(rec, exc.kind, str(exc))
            continue
        jobs.append(Job(recording=rec.recording, path=rec.path, scenario=rec.scenario,
                        agent_channel=opts.agent_channel, context=(rec, sha, key)))
    stats.reused = len(done_keys)
    log.info("%d recording(s) selected: %d already analysed, %d to analyse, %d failed "
             "before analysis", stats.selected, stats.reused, len(jobs), stats.failed)

    workers, threads = plan_workers(opts.workers, opts.threads, jobs=len(jobs))
    if opts.engine == "ray" and opts.address and opts.workers <= 0:
        workers = 0  # as many actors as the cluster's CPUs allow
    engine = make_engine(opts.engine, settings_payload(settings), workers, threads,
                         opts.address)
    stats.workers, stats.threads = workers, threads
    if jobs:
        log.info("engine %s: %s worker(s) × %d thread(s)", engine.name,
                 workers or "cluster-sized", threads)
    show_bar = sys.stderr.isatty() if opts.progress is None else opts.progress
    bar = None
    if show_bar and jobs:
        from tqdm import tqdm

        size = shutil.get_terminal_size((100, 24))  # a pty may report 0 × 0: tqdm hides
        bar = tqdm(total=len(jobs), unit="rec", desc="huashu batch", file=sys.stderr,
                   ncols=min(size.columns, 120), nrows=size.lines, smoothing=0.1)
        # the bar is the progress report: workers only log warnings under it
        engine.worker_log_level = max(logging.getLogger().getEffectiveLevel(),
                                      logging.WARNING)
    t_run = time.perf_counter()
    finished = 0
    warned = False

    def on_outcome(o: Outcome) -> None:
        nonlocal finished, warned
        rec, sha, key = o.job.context
        finished += 1
        if o.result is not None:
            row = {**o.result, **_meta(rec), "content_sha256": sha,
                   "requested_scenario": rec.scenario,
                   "batch": {"engine": engine.name, "worker": o.worker,
                             "elapsed_s": o.elapsed_s,
                             "finished_at": datetime.now(UTC).isoformat(timespec="seconds")}}
            got = store.add(row)
            done_keys[rec.recording] = got
            stats.analysed += 1
            stats.audio_s += float(row["duration"])
            if got != key and not warned:
                warned = True
                log.warning("results carry other options/versions than expected (phrasebank "
                            "%s, model %s): a re-run will analyse them again",
                            row["phrasebank_version"], row["model"])
            score = "no template" if row["score"] is None else row["score"]
            what = (f"score {score}, {len(row['violations'])} violation(s), "
                    f"{len(row['missing'])} missing step(s)")
        else:
            fail(rec, o.error_kind or "internal", o.error or "unknown error")
            what = f"FAILED ({o.error_kind}): {o.error}"
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(rec.recording[-30:], refresh=False)
        else:
            elapsed = time.perf_counter() - t_run
            eta = elapsed / finished * (len(jobs) - finished)
            log.info("[%d/%d] %s: %s in %.1fs (ETA %s)", finished, len(jobs), rec.recording,
                     what, o.elapsed_s, _fmt_eta(eta))

    try:
        if bar is not None:
            from tqdm.contrib.logging import logging_redirect_tqdm

            with logging_redirect_tqdm():
                engine.run(jobs, on_outcome)
        else:
            engine.run(jobs, on_outcome)
        stats.workers = engine.workers
    finally:
        if bar is not None:
            bar.close()
        store.close()
        failures.close()
        rows = []
        by_rec = {r.recording: r for r in recs}
        for recording, key in done_keys.items():
            rec = by_rec[recording]
            rows.append({**store.rows[key], **_meta(rec)})  # today's manifest metadata
        rows.sort(key=lambda r: r["recording"])
        st = agent_stats(rows, failed_rows)
        write_summary_csv(files["summary.csv"], rows, failed_rows)
        write_agents_csv(files["agents.csv"], st)
        stats.wall_s = round(time.perf_counter() - t_start, 3)
        write_report_html(files["report.html"], rows, failed_rows, st, run={
            "engine": engine.name, "workers": stats.workers, "threads": threads,
            "selected": stats.selected, "reused": stats.reused, "analysed": stats.analysed,
            "failed": stats.failed, "wall_s": stats.wall_s, "source": str(opts.src)},
            lang=opts.lang)
    log.info("done in %.1fs: %d analysed (%.0fs of audio), %d reused, %d failed; report: %s",
             stats.wall_s, stats.analysed, stats.audio_s, stats.reused, stats.failed,
             files["report.html"])
    return stats
