"""Train the wording model of the taboo and discipline lines (:mod:`models.wording`) and
measure it on probe sets it did not see.

    pip install -e '.[train]'                                   # scikit-learn, to train
    python bench/train_wording.py --shared ../shared            # the figures
    python bench/train_wording.py --shared ../shared --write    # and write the model

What it learns from (agent sentences; a customer's words are never a violation):
- a line said: the dev corpora's rows and ``bench/probes.jsonl``'s with a ref 8.1-8.10 or
  9.x (a row whose only violation is 8.0 is left out: the uncivil model's, not a line);
  set Q16, written before the model and kept to measure it, is never trained on
  (``_NEVER``);
- none said: their rows with no violation, the innocent rows of
  ``models/data/uncivil_examples.jsonl``, and 3,000 of COLD's safe comments (``train.csv``
  label 0, a fixed sample): real talk outside the trade;
- and a misheard copy of each of those (:func:`misheard_copies`), with its row's label: a
  recogniser writes a word it half hears as another of its sound, which the characters
  do not match and the syllables alone barely outweigh.

The figures: for each probe set written in one sitting after the rules of its time (Q7-Q10,
Q12, Q14), the model trained without it, on it: lines found, innocent rows flagged, and the
line named right (the nearest labelled sentence's), and, with Q16, on the same rows as a
recogniser writes them (``bench/probes_asr.jsonl``, ``bench/probe_asr.py``); then the model
trained on everything, on COLD's dev comments, which it never sees. At 0.8 (this commit's
data, with the syllables, C 10): 117 of 144 lines found, 1 of 121 innocent rows flagged,
134 named right; as a recogniser's text 94 of 144, Q16 15 of 25, no innocent row flagged;
COLD dev 0 of 3,220 safe comments. (Without the syllables, C 3: 110, 1, 131; 82, 13, none;
0.) With a misheard copy of each training row (``--misheard 1``, the default: a quarter of
its characters, at random, written as another of the 3,500 commonest characters of their
syllable, a commoner one likelier; see :func:`mishear`): 123 of 144, 2 of 121, 133; as a
recogniser's text 109 of 144, Q16 15, 1 innocent row; COLD dev 0. Copies are trained on
and never measured; a row's copy is left out with it. Other draws (``_SEED`` 8 and 9, which
also draws the COLD sample): without copies 118 and 116 typed, 97 and 97 as a recogniser's
text; with them 119 and 119, 105 and 104, innocent rows 1 and 1 typed, 0 and 1 as a
recogniser's text, COLD dev 1 and 0.
Stop 46: sets Q17-Q30, each measured once as a fresh set while kept out, joined the
training. Each left out in turn, the model trained on the rest against stop 45's (trained
on none of them), at 0.8: typed 203 against 191 of their 240 lines found, 4 against 3 of
their 394 innocent rows flagged; as a recogniser's text 150 against 146 of 222, 2 and 2. On
the sets neither saw: Q16 typed 19 against 18 of 25, as a recogniser's text 16 against 15;
Q31, written before any change of stop 46, 19 against 20 of 21 and 12 against 13 (through
``huashu check``, rules first, the same rows right either way); COLD dev none of 3,220.
Of the lines the bank of 9b63bef (before the rules written for these sets, reading by
meaning) missed, 28 of 46 found and 1 of the 117 innocent rows it left alone flagged; at
0.7, 35 and 4; at 0.9, 17 and 0. The bank's ``semantic.wording_min_probability`` is 0.8.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jieba
import numpy as np

from analyzer.phonetic import syllables
from models.wording import WordingModel, default_path, features

log = logging.getLogger("train_wording")

_REPO = Path(__file__).resolve().parent.parent
_COLD_SAMPLE = 3000
_SEED = 7
_MIN_DF = 3  # a piece of wording seen in fewer sentences is not a column (min 2: 45,068
# columns, 23 of 46 found at 0.8; min 3: 24,513 columns, 24)
_C = 10.0  # inverse strength of the L2 penalty. Without the syllables (leave-one-set-out,
# of the 46 lines the rules of the time missed, at 0.8): C 0.3 found 16 and flagged 0 of 117
# innocent rows, 1: 21 and 0, 3: 28 and 1, 10: 31 and 2; 3 was taken. With them (all the
# held-out sets' lines and Q16's, 169, and 140 innocent rows; typed / as a recogniser's
# text): C 1 found 119 / 92 and flagged 0 / 0, 3: 128 / 102 and 1 / 0, 10: 134 / 109 and
# 1 / 0; COLD dev none at either; 10 is taken.
# the sets each measured by a model trained without it (Q17-Q30: kept unseen from stop 40
# to stop 45, each measured once as a fresh set, then trained on)
_HELD = ("Q7", "Q8", "Q9", "Q10", "Q12", "Q14", "Q17", "Q18", "Q19", "Q20", "Q21", "Q22",
         "Q23", "Q24", "Q25", "Q26", "Q27", "Q28", "Q29", "Q30")
# probe sets kept out of training to measure the model (Q16: written before it was built,
# looked at in its first trials, never trained on; Q31: written at stop 46 before any of
# its changes, run once at 92d0ded; Q32: written at stop 46 after the wording model was
# trained again, run once at 1f7c163; Q33-Q38: written at stop 47, run once at 980789c,
# 404bf2e, d2091ee, 4aa3e94, 178d919 and 783632e; Q39-Q44: written at stop 48, run once
# at 6ddfb38, b582d97, ef7b9f2, edbd708, 0f52484 and 816654a; Q45-Q48: written at stop 49,
# run once at 53dddca, a1a7d2b, b5387e8 and b1f9315; Q50-Q54: written at stop 50, run
# once at 17c9520, 5bd2f4c, f5b78c0, 70b7f86 and a2b5905; none ever trained on by any of
# the three)
UNSEEN_SETS = ("Q31", "Q32", "Q33", "Q34", "Q35", "Q36", "Q37", "Q38", "Q39",
               "Q40", "Q41", "Q42", "Q43", "Q44", "Q45", "Q46", "Q47", "Q48",
               "Q50", "Q51", "Q52", "Q53", "Q54")
"""Probe sets written to measure, never trained on by any of the three models (the script
and uncivil models' training scripts import this: a new set is added here once)."""
_NEVER = ("Q16", *UNSEEN_SETS)
_SWEEP = (0.7, 0.8, 0.9)
_ASR = _REPO / "bench" / "probes_asr.jsonl"  # bench/probe_asr.py
_MISHEARD_COPIES = 1
_MISHEARD_RATE = 0.25
_MISHEARD_CHARS = 3500


def homophones(chars: int = _MISHEARD_CHARS) -> dict[str, list[tuple[str, int]]]:
    """The ``chars`` commonest characters by syllable (:func:`analyzer.phonetic.syllables`:
    toneless, the fuzzy pairs in one class), each with its frequency: the sum of the
    frequencies of jieba's dictionary words it is written in."""
    freq: Counter[str] = Counter()
    with jieba.get_dict_file() as fh:
        for raw in fh:
            word, n, *_ = raw.decode("utf-8").split()
            for ch in word:
                freq[ch] += int(n)
    by_sound: dict[str, list[tuple[str, int]]] = {}
    for ch, n in freq.most_common(chars):
        sound = syllables(ch)
        if sound:
            by_sound.setdefault(sound[0], []).append((ch, n))
    return by_sound


def mishear(text: str, rng: random.Random, by_sound: dict[str, list[tuple[str, int]]],
            rate: float) -> str:
    """``text`` with each Chinese character, at chance ``rate``, written as another of its
    syllable (``by_sound``: :func:`homophones`), a commoner one likelier: 好评您可 as 号评
    磷可, what a recogniser does to words it half hears."""
    out = []
    for ch in text:
        sound = syllables(ch)
        others = [(c, n) for c, n in by_sound.get(sound[0], ()) if c != ch] if sound else []
        if others and rng.random() < rate:
            out.append(rng.choices([c for c, _ in others], [n for _, n in others])[0])
        else:
            out.append(ch)
    return "".join(out)


def misheard_copies(rows: Sequence[tuple[str, str | bool, str]], copies: int, rate: float
                    ) -> list[tuple[str, str | bool, str]]:
    """``copies`` misheard copies (:func:`mishear`) of each row, in its row's group (left
    out with it), those that differ from it."""
    if copies <= 0 or rate <= 0:
        return []
    by_sound = homophones()
    rng = random.Random(_SEED)
    out = []
    for text, line, group in rows:
        for _ in range(copies):
            heard = mishear(text, rng, by_sound, rate)
            if heard != text:
                out.append((heard, line, group))
    return out


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _line(refs: Sequence[str]) -> str | None | bool:
    """The first line (8.1-8.10, 9.x) of ``refs``; False: no violation; None: 8.0 only."""
    said = [r for r in refs if r.split(".")[0] in ("8", "9")]
    if not said:
        return False
    lines = [r for r in said if r != "8.0"]
    return lines[0] if lines else None


def gather(shared: Path) -> list[tuple[str, str | bool, str]]:
    """``(text, line or False, group)`` of every training sentence (see the module)."""
    out: list[tuple[str, str | bool, str]] = []
    for group, path in (("v1", shared / "corpus" / "dev_utterances.jsonl"),
                        ("v2", shared / "corpus" / "v2" / "dev_utterances.jsonl")):
        for r in _jsonl(path):
            line = _line(r.get("refs") or [])
            if r.get("speaker") != "customer" and line is not None:
                out.append((str(r["text"]), line, group))
    for r in _jsonl(_REPO / "bench" / "probes.jsonl"):
        line = _line(r.get("refs") or [])
        if r.get("speaker") != "customer" and line is not None and r["set"] not in _NEVER:
            out.append((str(r["text"]), line, str(r["set"])))
    for r in _jsonl(_REPO / "models" / "data" / "uncivil_examples.jsonl"):
        if not r["uncivil"]:
            out.append((str(r["text"]), False, "examples"))
    with (shared / "corpus" / "external" / "cold" / "train.csv").open(encoding="utf-8-sig") as fh:
        safe = [r["TEXT"] for r in csv.DictReader(fh) if r["label"] == "0"]
    random.Random(_SEED).shuffle(safe)
    out += [(t, False, "cold") for t in safe[:_COLD_SAMPLE]]
    return out


class _Trained:
    """Three tf-idf parts and a logistic regression (scikit-learn), as the model file holds."""

    def __init__(self, texts: Sequence[str], labels: np.ndarray,
                 cut: Callable[[str], Sequence[str]], key: Callable[[str], str]) -> None:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._hstack = hstack
        keys: dict[str, str] = {}  # each text's key once, not once per part

        def read(t: str, k: int) -> list[str]:
            if t not in keys:
                keys[t] = key(t)
            return features(keys[t], cut, syllables)[k]

        self.parts = [TfidfVectorizer(analyzer=lambda t, k=k: read(t, k),  # type: ignore[misc]
                                      min_df=_MIN_DF, sublinear_tf=True) for k in (0, 1, 2)]
        x = hstack([p.fit_transform(texts) for p in self.parts]).tocsr()
        self.lr = LogisticRegression(C=_C, class_weight="balanced", max_iter=5000)
        self.lr.fit(x, labels)
        self.x = x

    def transform(self, texts: Sequence[str]) -> Any:
        return self._hstack([p.transform(texts) for p in self.parts]).tocsr()

    def probability(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.lr.predict_proba(self.transform(texts))[:, 1])

    def model(self, examples: Sequence[tuple[str, str]], trained_on: dict[str, Any]
              ) -> WordingModel:
        chars, words, sounds = (p.vocabulary_ for p in self.parts)
        vocab = ({g: int(i) for g, i in chars.items()},
                 {g: len(chars) + int(i) for g, i in words.items()},
                 {g: len(chars) + len(words) + int(i) for g, i in sounds.items()})
        idf = np.concatenate([p.idf_ for p in self.parts]).astype(np.float32)
        return WordingModel(vocab, idf, self.lr.coef_[0].astype(np.float32),
                            float(self.lr.intercept_[0]), tuple(t for t, _ in examples),
                            tuple(r for _, r in examples), trained_on)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/train_wording.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=_REPO.parent / "shared")
    ap.add_argument("--write", action="store_true", help="write the model trained on all")
    ap.add_argument("--out", type=Path, default=None, help="where (default: the shipped file)")
    ap.add_argument("--misheard", type=int, default=_MISHEARD_COPIES,
                    help="misheard copies of each training row (0: none)")
    ap.add_argument("--misheard-rate", type=float, default=_MISHEARD_RATE,
                    help="share of a copy's characters replaced by a homophone")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import phrasebank
    from analyzer.text import Analyzer, AnalyzerOptions

    bank = phrasebank.load()
    # its segmenter and normaliser: what the model reads with (not the shipped model)
    analyzer = Analyzer(bank, AnalyzerOptions(wording=False))
    cut, key = analyzer.words, analyzer.normalise

    rows = gather(args.shared)
    written = len(rows)
    rows += misheard_copies(rows, args.misheard, args.misheard_rate)
    copy = np.arange(len(rows)) >= written  # a misheard copy: trained on, never measured
    texts = [t for t, _, _ in rows]
    labels = np.array([line is not False for _, line, _ in rows])
    groups = np.array([g for _, _, g in rows])
    log.info("training rows: %d, saying a line %d (misheard copies %d)", len(rows),
             int(labels.sum()), int(copy.sum()))
    heard = {}  # the held sets as a recogniser writes them (bench/probe_asr.py)
    if _ASR.exists():
        heard = {r["id"]: r["text"] for r in _jsonl(_ASR)}
    probes = _jsonl(_REPO / "bench" / "probes.jsonl")
    for held in (*_HELD, *_NEVER):
        keep = groups != held
        trained = _Trained([t for t, k in zip(texts, keep, strict=True) if k], labels[keep],
                           cut, key)
        said_asr = [(heard[r["id"]], _line(r.get("refs") or []) is not False) for r in probes
                    if r["set"] == held and r["id"] in heard and r.get("speaker") != "customer"
                    and _line(r.get("refs") or []) is not None]
        if said_asr:
            on = trained.probability([t for t, _ in said_asr]) >= _SWEEP[1]
            y = np.array([s for _, s in said_asr])
            log.info("without %s, on %s as a recogniser's text, at %.2f: lines found %d of %d, "
                     "innocent flagged %d of %d", held, held, _SWEEP[1], int((on & y).sum()),
                     int(y.sum()), int((on & ~y).sum()), int((~y).sum()))
        if held in _NEVER:
            continue
        inside = [i for i in range(len(rows)) if not keep[i] and not copy[i]]
        if not inside:  # a set of the customer's words only
            continue
        prob = trained.probability([texts[i] for i in inside])
        said = [i for i in inside if labels[i]]
        examples = [(texts[i], str(rows[i][1])) for i in range(len(rows))
                    if keep[i] and labels[i] and not copy[i]]
        named = 0
        if said:
            ex = trained.transform([t for t, _ in examples])
            sims = (trained.transform([texts[i] for i in said]) @ ex.T).toarray()
            named = sum(examples[int(np.argmax(row))][1] == rows[i][1]
                        for i, row in zip(said, sims, strict=True))
        for t in _SWEEP:
            on = prob >= t
            y = labels[inside]
            log.info("without %s, on %s, at %.2f: lines found %d of %d, innocent flagged %d "
                     "of %d", held, held, t, int((on & y).sum()), int(y.sum()),
                     int((on & ~y).sum()), int((~y).sum()))
        log.info("without %s, on %s: the line named right for %d of %d", held, held, named,
                 len(said))
    trained = _Trained(texts, labels, cut, key)
    with (args.shared / "corpus" / "external" / "cold" / "dev.csv").open(encoding="utf-8-sig") as fh:
        dev = list(csv.DictReader(fh))
    p_cold = trained.probability([r["TEXT"] for r in dev])
    safe = np.array([r["label"] == "0" for r in dev])
    for t in _SWEEP:
        log.info("at %.2f, COLD dev (never trained on) flagged: label 0 %d of %d, label 1 %d "
                 "of %d", t, int((p_cold[safe] >= t).sum()), int(safe.sum()),
                 int((p_cold[~safe] >= t).sum()), int((~safe).sum()))
    if args.write:
        digest = hashlib.sha256("\n".join(f"{g}\t{line}\t{t}" for t, line, g in rows)
                                .encode("utf-8")).hexdigest()[:16]
        examples = list(dict.fromkeys((t, str(line)) for t, line, _ in rows[:written]
                                      if line is not False))
        model = trained.model(examples, {
            "rows": dict(Counter(f"{g}:{'line' if line is not False else 'none'}"
                                 for _, line, g in rows)),
            "data_sha256": digest, "min_df": _MIN_DF, "C": _C,
            "phrasebank_version": bank.version})
        out = args.out or default_path()
        out.write_text(json.dumps(model.to_dict(), ensure_ascii=False, separators=(",", ":"))
                       + "\n", encoding="utf-8")
        log.info("written %s (%d columns)", out.name, len(model.idf))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
