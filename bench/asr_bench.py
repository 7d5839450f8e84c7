"""Benchmark of the speech path (issue: recordings in, flagged utterances out).

In one run:
- accuracy: ``huashu analyze`` over ``shared/corpus/audio/dialogues`` and
  ``dialogues_noisy`` (15 dB SNR), scored by ``shared/tools/score_audio.py``;
- cost: total wall time of that one ``huashu analyze`` process against one plain
  faster-whisper process — the same model folder, the same threads, ``beam_size=5``,
  ``language="zh"``, default options otherwise — transcribing the same files (stereo ones
  included; start-up and model load counted on both sides);
- memory: peak RSS of ``huashu analyze`` on a 10-minute stereo recording (built from a
  dev dialogue repeated), in a process of its own.

usage: python bench/asr_bench.py [--shared ../shared] [--out bench/out] [--threads 2]
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import logging
import os
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

log = logging.getLogger("bench.asr")
ROOT = Path(__file__).resolve().parent.parent


def _score_audio(shared: Path, audio_dir: Path, rows: Path) -> str:
    import importlib.util

    spec = importlib.util.spec_from_file_location("score_audio",
                                                  shared / "tools" / "score_audio.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    buf = io.StringIO()
    with redirect_stdout(buf):
        mod.main(str(audio_dir), str(rows))
    return buf.getvalue().strip()


PLAIN_CODE = r"""
import json, sys, time
t0 = time.perf_counter()
from faster_whisper import WhisperModel
m = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=int(sys.argv[2]),
                 local_files_only=True)
for f in sys.argv[3:]:
    segs, _ = m.transcribe(f, beam_size=5, language="zh")
    for _ in segs:
        pass
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""

HUASHU = [sys.executable, "-m", "huashu", "analyze"]


def _child_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _env(threads: int) -> dict[str, str]:
    return {**os.environ, "HUASHU_CPU_THREADS": str(threads), "HUASHU_LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1"}


def accuracy_and_cost(shared: Path, out: Path, threads: int,
                      rounds: int = 2) -> dict[str, object]:
    """``huashu analyze`` and plain faster-whisper, each one process over all the files."""
    from huashu.compose import model_spec
    from huashu.config import get_settings
    from models import resolve_model

    # joined once, before any timing
    model_dir = str(resolve_model(model_spec(get_settings().speech)).path)
    sets = ("dialogues", "dialogues_noisy")
    files = {name: sorted(glob.glob(str(shared / "corpus" / "audio" / name / "*.wav")) +
                          glob.glob(str(shared / "corpus" / "audio" / name / "*.mp3")))
             for name in sets}
    every = [f for name in sets for f in files[name]]
    res: dict[str, object] = {"threads": threads, "files": len(every)}
    # Each side is one process over all the files and pays its own start-up (imports, model
    # load; huashu also loads the phrasebank), as a user running either would. The runs go
    # plain, huashu, huashu, plain, ... (ABBA), so that drift in the load of a shared machine
    # falls on both sides alike; the totals are compared.
    plain_cmd = [sys.executable, "-c", PLAIN_CODE, model_dir, str(threads), *every]
    t_plain = t_ours = c_plain = c_ours = 0.0
    out_rows = ""
    for i in range(rounds):
        order = ("plain", "huashu") if i % 2 == 0 else ("huashu", "plain")
        for side in order:
            t, c = time.perf_counter(), _child_cpu()
            p = subprocess.run(plain_cmd if side == "plain" else [*HUASHU, *every],
                               capture_output=True, text=True, env=_env(threads), cwd=ROOT)
            took, cpu = time.perf_counter() - t, _child_cpu() - c
            if p.returncode:
                raise RuntimeError(f"{side} failed: {p.stderr[-2000:]}")
            log.info("round %d: %s %.1fs wall, %.1fs CPU", i + 1, side, took, cpu)
            if side == "plain":
                t_plain += took
                c_plain += cpu
            else:
                t_ours += took
                c_ours += cpu
                out_rows = out_rows or p.stdout
    rows = [json.loads(x) for x in out_rows.splitlines() if x.strip()]
    for name in sets:
        path = out / f"{name}.analyze.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for r in rows:
                if Path(r["source"]).parent.name == name:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        res[name] = {"files": len(files[name]),
                     "score_audio": _score_audio(shared, shared / "corpus" / "audio" / name, path)}
    res["cost"] = {"rounds": rounds, "huashu_analyze_s": round(t_ours, 2),
                   "plain_faster_whisper_s": round(t_plain, 2),
                   "ratio": round(t_ours / t_plain, 3),
                   # CPU seconds (user + system) of the processes: less moved by other work
                   # on a shared machine than wall time
                   "huashu_analyze_cpu_s": round(c_ours, 2),
                   "plain_faster_whisper_cpu_s": round(c_plain, 2),
                   "cpu_ratio": round(c_ours / c_plain, 3)}
    return res


def memory(shared: Path, out: Path, threads: int) -> dict[str, object]:
    """Peak RSS of ``huashu analyze`` on a 10-minute stereo call (a dev dialogue repeated)."""
    from analyzer.audio import decode, tile_to, write_wav

    path = out / "ten_minutes_stereo.wav"
    write_wav(path, tile_to(decode(shared / "corpus" / "audio" / "dialogues" / "dd01.wav"), 600))
    # A fresh process whose only child is huashu analyze: RUSAGE_CHILDREN is its peak.
    code = ("import json, resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "print(json.dumps({'rc': p.returncode, 'seconds': round(time.perf_counter() - t, 1), "
            "'utterances': len(json.loads(p.stdout)['utterances']) if p.returncode == 0 else None, "
            "'peak_rss_mib': round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss "
            "/ 1024)}))")
    p = subprocess.run([sys.executable, "-c", code, *HUASHU, str(path)], capture_output=True,
                       text=True, check=True, env=_env(threads), cwd=ROOT)
    return json.loads(p.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--rounds", type=int, default=2,
                    help="timed runs of each side (alternating ABBA); accuracy uses the first")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {"accuracy_cost": accuracy_and_cost(args.shared, args.out,
                                                                    args.threads, args.rounds)}
    if not args.skip_memory:
        result["memory_10min_stereo"] = memory(args.shared, args.out, args.threads)
    (args.out / "asr_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    ac = result["accuracy_cost"]
    for name in ("dialogues", "dialogues_noisy"):
        r = ac[name]  # type: ignore[index]
        log.info("%-16s %s", name, r["score_audio"].replace("\n", "\n" + " " * 17))
    c = ac["cost"]  # type: ignore[index]
    log.info("cost (%d rounds, %d files): huashu analyze %.1fs vs plain faster-whisper %.1fs "
             "wall: ratio %.2f; CPU %.1fs vs %.1fs: ratio %.2f", c["rounds"], ac["files"],  # type: ignore[index]
             c["huashu_analyze_s"], c["plain_faster_whisper_s"], c["ratio"],
             c["huashu_analyze_cpu_s"], c["plain_faster_whisper_cpu_s"], c["cpu_ratio"])
    if "memory_10min_stereo" in result:
        log.info("10-minute stereo call: %s", result["memory_10min_stereo"])
    log.info("written %s", args.out / "asr_bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
