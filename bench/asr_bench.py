"""Benchmark of the speech path (issue: recordings in, flagged utterances out).

In one run:
- accuracy: ``huashu analyze`` over the v1 dev recordings (``corpus/audio/dialogues``,
  ``dialogues_noisy`` at 15 dB SNR), the v2 ones (``corpus/v2/audio/dialogues``, their
  noisy copies at 10 dB, ``interruptions``: telephone stereo and badge mono), scored by
  ``shared/tools/score_audio.py`` (mono speaker accuracy included), and the real read speech
  of ``corpus/external/real_speech`` (flags, characters per second, the AISHELL clip's CER);
- cost: total wall time of that one ``huashu analyze`` process against one plain
  faster-whisper process — the same model folder, the same threads, ``beam_size=5``,
  ``language="zh"``, default options otherwise — transcribing the same files (stereo ones
  included; start-up and model load counted on both sides);
- memory: peak RSS of ``huashu analyze`` on a 10-minute stereo call and a 10-minute mono
  visit (dev recordings repeated), each in a process of its own.

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


def SETS(shared: Path) -> dict[str, Path]:  # noqa: N802 - a table, read like a constant
    """The recordings scored: the v1 and v2 dev sets and the real read speech."""
    return {"dialogues": shared / "corpus" / "audio" / "dialogues",
            "dialogues_noisy": shared / "corpus" / "audio" / "dialogues_noisy",
            "v2/dialogues": shared / "corpus" / "v2" / "audio" / "dialogues",
            "v2/dialogues_noisy": shared / "corpus" / "v2" / "audio" / "dialogues_noisy",
            "v2/interruptions": shared / "corpus" / "v2" / "audio" / "interruptions",
            "real_speech": shared / "corpus" / "external" / "real_speech"}


# the published reference of the AISHELL clip (real_speech/README); the others have none
REAL_REFERENCE = {"aishell-BAC009S0724W0121.wav": "广州市房地产中介协会分析"}


def _real_speech(files: list[str], by_file: dict[str, dict]) -> dict[str, object]:
    """Real read speech: text, characters per second, flags, and the CER where published."""
    from rapidfuzz.distance import Levenshtein

    out: dict[str, object] = {}
    for f in files:
        r = by_file[f]
        text = "".join(u["text"] for u in r.get("utterances", []))
        said = "".join(c for c in text if c.isalnum())
        row: dict[str, object] = {"text": text, "chars_per_s": round(len(said) / max(
            r.get("duration") or 1.0, 1e-3), 2), "flags": sum(len(u["flags"]) for u in
                                                             r.get("utterances", []))}
        ref = REAL_REFERENCE.get(Path(f).name)
        if ref:
            row["cer"] = round(Levenshtein.distance(ref, said) / len(ref), 3)
        out[Path(f).name] = row
    return out


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
    files = {name: sorted(glob.glob(str(folder / "*.wav")) + glob.glob(str(folder / "*.mp3")))
             for name, folder in SETS(shared).items()}
    sets = tuple(files)
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
    by_file = {r["source"]: r for r in rows}
    for name, folder in SETS(shared).items():
        path = out / f"{name.replace('/', '_')}.analyze.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for f in files[name]:
                fh.write(json.dumps(by_file[f], ensure_ascii=False) + "\n")
        if name == "real_speech":
            res[name] = _real_speech(files[name], by_file)
        else:
            res[name] = {"files": len(files[name]),
                         "score_audio": _score_audio(shared, folder, path)}
    res["cost"] = {"rounds": rounds, "huashu_analyze_s": round(t_ours, 2),
                   "plain_faster_whisper_s": round(t_plain, 2),
                   "ratio": round(t_ours / t_plain, 3),
                   # CPU seconds (user + system) of the processes: less moved by other work
                   # on a shared machine than wall time
                   "huashu_analyze_cpu_s": round(c_ours, 2),
                   "plain_faster_whisper_cpu_s": round(c_plain, 2),
                   "cpu_ratio": round(c_ours / c_plain, 3)}
    return res


def memory(shared: Path, out: Path, threads: int, source: Path,
           name: str) -> dict[str, object]:
    """Peak RSS of ``huashu analyze`` on a 10-minute recording (``source`` repeated)."""
    from analyzer.audio import decode, tile_to, write_wav

    path = out / name
    write_wav(path, tile_to(decode(source), 600))
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
        result["memory_10min_stereo"] = memory(
            args.shared, args.out, args.threads,
            args.shared / "corpus" / "audio" / "dialogues" / "dd01.wav", "ten_minutes_stereo.wav")
        result["memory_10min_mono_visit"] = memory(
            args.shared, args.out, args.threads,
            args.shared / "corpus" / "v2" / "audio" / "dialogues" / "v2dd03.mp3",
            "ten_minutes_mono.wav")
    (args.out / "asr_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    ac = result["accuracy_cost"]
    for name in SETS(args.shared):
        r = ac[name]  # type: ignore[index]
        if name == "real_speech":
            log.info("%-19s %s", name, json.dumps(r, ensure_ascii=False))
        else:
            log.info("%-19s %s", name, r["score_audio"].replace("\n", "\n" + " " * 20))
    c = ac["cost"]  # type: ignore[index]
    log.info("cost (%d rounds, %d files): huashu analyze %.1fs vs plain faster-whisper %.1fs "
             "wall: ratio %.2f; CPU %.1fs vs %.1fs: ratio %.2f", c["rounds"], ac["files"],  # type: ignore[index]
             c["huashu_analyze_s"], c["plain_faster_whisper_s"], c["ratio"],
             c["huashu_analyze_cpu_s"], c["plain_faster_whisper_cpu_s"], c["cpu_ratio"])
    if "memory_10min_stereo" in result:
        log.info("10-minute stereo call: %s", result["memory_10min_stereo"])
        log.info("10-minute mono visit: %s", result["memory_10min_mono_visit"])
    log.info("written %s", args.out / "asr_bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
