"""Benchmark of the speech path (issue: recordings in, flagged utterances out).

In one run:
- accuracy: ``huashu analyze`` over ``shared/corpus/audio/dialogues`` and
  ``dialogues_noisy`` (15 dB SNR), scored by ``shared/tools/score_audio.py``;
- cost: wall time of ``huashu analyze`` (model load excluded on both sides) against plain
  faster-whisper — the same model folder, the same threads, ``beam_size=5``,
  ``language="zh"``, default options otherwise — transcribing the same files;
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


def accuracy_and_cost(shared: Path, out: Path, threads: int) -> dict[str, object]:
    from faster_whisper import WhisperModel

    from analyzer.config import Settings
    from analyzer.speech import SpeechPipeline
    from models import resolve_model

    settings = Settings(cpu_threads=threads)
    pipeline = SpeechPipeline.load(settings)
    plain = WhisperModel(str(resolve_model(settings).path), device="cpu",
                         compute_type="int8", cpu_threads=threads, local_files_only=True)
    res: dict[str, object] = {"threads": threads}
    for name in ("dialogues", "dialogues_noisy"):
        d = shared / "corpus" / "audio" / name
        files = sorted(glob.glob(str(d / "*.wav")) + glob.glob(str(d / "*.mp3")))
        rows = out / f"{name}.analyze.jsonl"
        t_ours = t_plain = 0.0
        with open(rows, "w", encoding="utf-8") as fh:
            for f in files:
                t = time.perf_counter()
                r = pipeline.analyze(f).to_dict()
                t_ours += time.perf_counter() - t
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                t = time.perf_counter()
                segs, _ = plain.transcribe(f, beam_size=5, language="zh")
                for _ in segs:
                    pass
                t_plain += time.perf_counter() - t
        res[name] = {"files": len(files), "score_audio": _score_audio(shared, d, rows),
                     "huashu_s": round(t_ours, 2), "plain_faster_whisper_s": round(t_plain, 2),
                     "cost_ratio": round(t_ours / t_plain, 3)}
    return res


MEM_CODE = r"""
import json, resource, sys, time
from analyzer.speech import SpeechPipeline
p = SpeechPipeline.load()
t = time.perf_counter()
r = p.analyze(sys.argv[1]).to_dict()
print(json.dumps({"utterances": len(r["utterances"]), "duration": r["duration"],
                  "seconds": round(time.perf_counter() - t, 1),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def memory(shared: Path, out: Path) -> dict[str, object]:
    from analyzer.audio import decode, tile_to, write_wav

    path = out / "ten_minutes_stereo.wav"
    write_wav(path, tile_to(decode(shared / "corpus" / "audio" / "dialogues" / "dd01.wav"), 600))
    p = subprocess.run([sys.executable, "-c", MEM_CODE, str(path)], capture_output=True,
                       text=True, check=True, env={**os.environ, "HUASHU_LOG_LEVEL": "WARNING"})
    return json.loads(p.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {"accuracy_cost": accuracy_and_cost(args.shared, args.out,
                                                                    args.threads)}
    if not args.skip_memory:
        result["memory_10min_stereo"] = memory(args.shared, args.out)
    (args.out / "asr_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    ac = result["accuracy_cost"]
    for name in ("dialogues", "dialogues_noisy"):
        r = ac[name]  # type: ignore[index]
        log.info("%-16s %s", name, r["score_audio"].splitlines()[-1])
        log.info("%-16s huashu analyze %.1fs vs plain faster-whisper %.1fs: cost ratio %.2f",
                 name, r["huashu_s"], r["plain_faster_whisper_s"], r["cost_ratio"])
    if "memory_10min_stereo" in result:
        log.info("10-minute stereo call: %s", result["memory_10min_stereo"])
    log.info("written %s", args.out / "asr_bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
