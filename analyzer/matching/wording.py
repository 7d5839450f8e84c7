"""Taboo and discipline lines said in other words, read from their wording.

The bank's rules name the wordings they were written for; a line said in other words
(你自己先把光猫重启了再打给我 for 8.5) is read by :mod:`models.wording`: pieces of the
utterance's wording weighed by a classifier trained on labelled sentences. It needs no
sentence model: reading an utterance costs about 0.1 ms (a third of it jieba's words; the
v1 and v2 dev utterances on one core), loading the model 0.13 s and the labelled
sentences' rows, the evidence of a flag, 0.05 s. So it reads the real-time check's
utterances too, where the sentence model (:mod:`analyzer.matching.semantic`) is only run
when asked; the semantic stage reads with the same :class:`WordingStage`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from models.wording import WordingMatch, WordingReader, load_model
from phrasebank import Phrasebank

from ..phonetic import syllables
from .results import Flag

__all__ = ["WordingStage"]


class WordingStage:
    """The bank's wording model bound to the analyzer's segmenter (``words``) and
    normaliser (``key``), and to :func:`analyzer.phonetic.syllables`, read at the bank's
    ``semantic.wording_min_probability`` (1: off, nothing loaded)."""

    def __init__(self, bank: Phrasebank, *, words: Callable[[str], Sequence[str]],
                 key: Callable[[str], str]) -> None:
        self.bank = bank
        self.min_probability = bank.semantic.wording_min_probability
        self.model = load_model() if self.min_probability < 1 else None
        self._reader = (None if self.model is None else
                        WordingReader(self.model, words, key, syllables))

    def warm(self) -> None:
        """Compute the labelled sentences' rows now (a server's first finding would wait
        for them: 0.05 s)."""
        if self._reader is not None:
            _ = self._reader.example_rows

    def read(self, texts: Sequence[str]) -> list[WordingMatch | None]:
        """For each text, the taboo or discipline line it says by its wording, or None: also
        where the model names a line this bank does not hold (a bank that drops a line
        drops its findings; the model was trained on the standard's)."""
        if self._reader is None:
            return [None] * len(texts)
        return [m if m is not None and self.bank.entry(m.ref) is not None else None
                for m in self._reader.read(texts, self.min_probability)]

    def flag(self, text: str, m: WordingMatch) -> Flag:
        """The flag of a line said in other words: all of the utterance, the probability as
        its score, the nearest labelled sentence as its evidence."""
        entry = self.bank.entry(m.ref)
        assert entry is not None
        return Flag(ref=m.ref, kind=entry.kind, score=m.probability, span=(0, len(text)),
                    matched=text, standard=entry.text, category="wording",
                    similar_to=m.example)

    def describe(self) -> dict[str, Any] | None:
        """The model and its bar, for a result to record (None: off)."""
        if self.model is None:
            return None
        return {**self.model.describe(), "min_probability": self.min_probability}
