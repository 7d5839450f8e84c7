"""Word segmentation with jieba, using a user dictionary built from the phrasebank.

One ``jieba.Tokenizer`` is built (and initialised) per :class:`Segmenter`, at start-up,
never per call. The matcher asks for word boundaries only around short phrase and
lexicon hits, and cuts only a window of a few characters around them (a whole-utterance
cut costs ~100 µs), so that 你们必须 is not found inside 我们必须 and 滚 not inside 滚动.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba

from phrasebank import Phrasebank, expand_form

__all__ = ["Segmenter", "phrasebank_words"]

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_SPLIT = re.compile(r"[\x01\x02\W_]+")
_COMMON = 100  # a dictionary frequency from which a string counts as a word (对对: 3)


def phrasebank_words(bank: Phrasebank) -> list[str]:
    """Words the tokenizer must keep whole: lexicon words, the short forms (你们必须) and
    the bank's domain vocabulary (``vocabulary.words``)."""
    words: list[str] = []
    for group in bank.lexicon:
        words.extend(group.words)
    for e in bank.entries:
        for f in e.forms:
            for x in expand_form(f):
                if _SPLIT.search(x):
                    continue  # a slot, gap or punctuation: not a short form
                if 2 <= len(x) <= bank.matching.short_max:
                    words.append(x)
    words.extend(bank.domain_words)
    return list(dict.fromkeys(words))


class Segmenter:
    """A jieba tokenizer with the phrasebank's words; thread-safe after construction."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._tok = jieba.Tokenizer()
        self._tok.initialize()  # jieba's dictionary (from its own cache after the first)
        for w in words:
            # A high frequency makes the word win over the general dictionary's splits.
            self._tok.add_word(w, freq=200000)
        # The windows cut around short hits recur (the same phrases, said again and again):
        # remembering the last few thousand pays where text repeats. Measured on the 20,000
        # rows of bench/text_bench.py (1,859 look-ups of 164 distinct windows): 27 ms of
        # jieba without the cache, 4 ms with it; text without repeats pays a dict look-up.
        self._boundaries = lru_cache(maxsize=4096)(self._cut_boundaries)

    def short_word_frequencies(self) -> dict[str, int]:
        """jieba's frequency of each word of one or two characters: how common a sound is
        in speech (the matcher estimates how selective its anchors are by it)."""
        return {w: f for w, f in self._tok.FREQ.items() if len(w) <= 2 and f}

    def is_word(self, text: str) -> bool:
        """Whether the dictionary knows ``text`` as a common word (used to tell a repeated
        syllable that is a word, 妈妈, from a stutter, 我我)."""
        return self._tok.FREQ.get(text, 0) >= _COMMON

    def cut(self, text: str) -> list[tuple[str, int, int]]:
        """Words of ``text`` with their ``[start, end)`` offsets."""
        out = []
        pos = 0
        for w in self._tok.cut(text, HMM=False):
            out.append((w, pos, pos + len(w)))
            pos += len(w)
        return out

    def boundaries(self, text: str) -> frozenset[int]:
        """Offsets in ``text`` where a word starts or ends."""
        return self._boundaries(text)

    def _cut_boundaries(self, text: str) -> frozenset[int]:
        b = {0, len(text)}
        pos = 0
        for w in self._tok.cut(text, HMM=False):
            pos += len(w)
            b.add(pos)
        return frozenset(b)

    def is_word_span(self, text: str, start: int, end: int, context: int = 4) -> bool:
        """True when ``text[start:end]`` starts and ends on word boundaries.

        Only a window of ``context`` characters around the span is cut: boundaries
        further away cannot change these two.
        """
        lo = max(0, start - context)
        hi = min(len(text), end + context)
        b = self.boundaries(text[lo:hi])
        return (start - lo) in b and (end - lo) in b
