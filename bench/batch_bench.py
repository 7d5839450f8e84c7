"""Benchmark of ``huashu batch --engine local`` against plain sequential faster-whisper.

Twenty recordings (the four shared corpus dialogues, copied five times under distinct
names) are

1. transcribed one after the other by plain faster-whisper: the same packaged model, int8,
   beam 5, language zh, all cores to the one model, model load included;
2. run through ``run_batch`` (engine local) for each workers × threads split that fits the
   cores, each into a fresh output folder (model loads in the workers included);
3. run again, identically, over the best split's finished output (resume).

Throughput ratio = baseline seconds / batch seconds (≥ 1.0: the batch costs nothing over
the plain loop). The machine is shared: the load average before and after each step is
recorded beside each timing. Results go to ``bench/out/batch_bench.json``.

    python bench/batch_bench.py [--copies 5] [--splits 1x2,2x1] [--busy N]

``--busy N`` keeps N other processes spinning on the CPU throughout (a loaded machine: the
nightly batch beside the service); its results go to ``batch_bench_busyN.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUASHU_SHARED", ROOT.parent / "shared"))
OUT = ROOT / "bench" / "out"

log = logging.getLogger("bench.batch")


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def make_inputs(dest: Path, copies: int) -> list[Path]:
    src = sorted((SHARED / "corpus" / "audio" / "dialogues").glob("dd0*.*[3v]"))
    src = [p for p in src if p.suffix in (".wav", ".mp3")]
    if len(src) != 4:
        raise SystemExit(f"expected the 4 corpus dialogues under {SHARED}, found {src}")
    out = []
    for i in range(copies):
        for p in src:
            q = dest / f"{p.stem}_{i}{p.suffix}"
            shutil.copy(p, q)
            out.append(q)
    return out


def baseline(files: list[Path], beam: int) -> dict:
    """Plain faster-whisper, one file after another (model load included)."""
    from faster_whisper import WhisperModel

    from huashu.compose import model_spec
    from huashu.config import get_settings
    from models import resolve_model

    t0 = time.perf_counter()
    info = resolve_model(model_spec(get_settings().speech))
    model = WhisperModel(str(info.path), device="cpu", compute_type="int8", cpu_threads=0,
                         local_files_only=True)
    load_s = time.perf_counter() - t0
    for f in files:
        segments, _ = model.transcribe(str(f), language="zh", beam_size=beam)
        for _seg in segments:
            pass
    total = time.perf_counter() - t0
    return {"seconds": round(total, 2), "model_load_s": round(load_s, 2),
            "transcribe_s": round(total - load_s, 2)}


def batch(src: Path, out: Path, workers: int, threads: int) -> dict:
    from batch.run import BatchOptions, run_batch
    from huashu.config import get_settings

    t0 = time.perf_counter()
    stats = run_batch(BatchOptions(src=src, out=out, workers=workers, threads=threads,
                                   progress=False), get_settings())
    return {"seconds": round(time.perf_counter() - t0, 2), "workers": stats.workers,
            "threads": stats.threads, "analysed": stats.analysed, "reused": stats.reused,
            "failed": stats.failed, "audio_s": round(stats.audio_s, 1)}


def _spin() -> None:
    while True:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=5, help="copies of the 4 dialogues")
    ap.add_argument("--splits", default="1x2,2x1", help="workers x threads to try")
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--busy", type=int, default=0,
                    help="other processes kept spinning on the CPU throughout")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    log.setLevel(logging.INFO)
    cores = len(os.sched_getaffinity(0))
    tmp = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    for sp in spinners:
        sp.start()
    try:
        src = tmp / "src"
        src.mkdir()
        files = make_inputs(src, args.copies)
        res: dict = {"recordings": len(files), "cores": cores, "beam": args.beam,
                     "busy_processes": args.busy,
                     "python": platform.python_version(), "started": time.strftime(
                         "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        # Warm the page cache and the joined model, so neither side pays for them.
        for f in files:
            f.read_bytes()
        la = _load()
        res["baseline"] = {**baseline(files, args.beam), "load_before": la,
                           "load_after": _load()}
        log.info("baseline: %s", res["baseline"])
        runs = []
        for split in args.splits.split(","):
            w, t = (int(x) for x in split.lower().split("x"))
            if w * t > cores:
                log.warning("skipping %s: more than %d cores", split, cores)
                continue
            la = _load()
            r = {**batch(src, tmp / f"out-{w}x{t}", w, t), "load_before": la,
                 "load_after": _load()}
            r["throughput_vs_baseline"] = round(res["baseline"]["seconds"] / r["seconds"], 3)
            log.info("batch %sx%s: %s", w, t, r)
            runs.append(r)
        res["batch"] = runs
        best = max(runs, key=lambda r: r["throughput_vs_baseline"])
        res["best_split"] = f"{best['workers']}x{best['threads']}"
        res["best_throughput_vs_baseline"] = best["throughput_vs_baseline"]
        again = batch(src, tmp / f"out-{best['workers']}x{best['threads']}", best["workers"],
                      best["threads"])
        again["fraction_of_first_run"] = round(again["seconds"] / best["seconds"], 4)
        res["resume"] = again
        log.info("resume: %s", again)
        OUT.mkdir(parents=True, exist_ok=True)
        name = f"batch_bench_busy{args.busy}.json" if args.busy else "batch_bench.json"
        (OUT / name).write_text(json.dumps(res, indent=2) + "\n")
        print(json.dumps(res, indent=2))
    finally:
        for sp in spinners:
            sp.terminate()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
