"""Word segmentation with jieba, using a user dictionary built from the phrasebank.

One ``jieba.Tokenizer`` is built (and initialised) per :class:`Segmenter`, at start-up,
never per call. The matcher asks for word boundaries only around short phrase and
lexicon hits (a whole-utterance cut costs ~100 µs; a window of a few characters a
fraction of that), so that 你们必须 is not found inside 我们必须 and 滚 not inside 滚动.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from math import log as _ln

import jieba

from phrasebank import Phrasebank, expand_form

__all__ = ["Segmenter", "phrasebank_words"]

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_SPLIT = re.compile(r"[\x01\x02\W_]+")
_PREFIX = float("inf")  # no log-probability is positive
_HAN = re.compile("[\u4e00-\u9fd5]+")  # what jieba's dictionary cut sees as one block


def phrasebank_words(bank: Phrasebank) -> list[str]:
    """Words the tokenizer must keep whole: lexicon words and the short forms (你们必须)."""
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
    # Domain terms that the general dictionary splits.
    words.extend(["宽带", "检修", "申告", "工单", "光猫", "服务人员", "工程师", "说明书",
                  "水晶头", "深表歉意", "故障受理台", "社区经理", "客户经理"])
    seen: set[str] = set()
    return [w for w in words if not (w in seen or seen.add(w))]  # type: ignore[func-returns-value]


class Segmenter:
    """A jieba tokenizer with the phrasebank's words; thread-safe after construction."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        for w in words:
            # A high frequency makes the word win over the general dictionary's splits.
            self._tok.add_word(w, freq=200000)
        self._freq = self._tok.FREQ
        self._logtotal = _ln(self._tok.total)
        # log P(word) of the dictionary's strings, filled as they are met (_PREFIX: only a
        # prefix of longer words).
        self._logp: dict[str, float] = {}

    def cut(self, text: str) -> list[tuple[str, int, int]]:
        """Words of ``text`` with their ``[start, end)`` offsets."""
        out = []
        pos = 0
        for w in self._tok.cut(text, HMM=False):
            out.append((w, pos, pos + len(w)))
            pos += len(w)
        return out

    def boundaries(self, text: str) -> set[int]:
        """Offsets in ``text`` where a word starts or ends."""
        b = {0, len(text)}
        for _, s, e in self.cut(text):
            b.add(s)
            b.add(e)
        return b

    def is_word_span(self, text: str, start: int, end: int, context: int = 4) -> bool:
        """True when ``text[start:end]`` starts and ends on word boundaries.

        Only a window of ``context`` characters around the span is cut: boundaries
        further away cannot change these two.
        """
        lo = max(0, start - context)
        hi = min(len(text), end + context)
        window = text[lo:hi]
        if _HAN.fullmatch(window):
            b = self._han_boundaries(window)
        else:
            b = self.boundaries(window)
        return (start - lo) in b and (end - lo) in b

    def _han_boundaries(self, s: str) -> set[int]:
        """jieba's cut without HMM (max-probability route over the word DAG) for a run of
        Chinese characters, without its generator and regex layers (the matcher calls this
        per short-phrase hit; it returns exactly the boundaries of :meth:`boundaries`)."""
        freq = self._freq
        logtotal = self._logtotal
        logp = self._logp
        n = len(s)
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best: tuple[float, int] | None = None
            i = idx
            frag = s[idx]
            while i < n:
                lp = logp.get(frag)
                if lp is None:
                    f = freq.get(frag)
                    if f is None:  # no word of the dictionary starts like this
                        break
                    # Only the dictionary's own strings are kept: bounded by its size.
                    lp = logp[frag] = _ln(f) - logtotal if f else _PREFIX
                if lp != _PREFIX:
                    cand = (lp + route[i + 1][0], i)
                    if best is None or cand > best:
                        best = cand
                i += 1
                frag = s[idx:i + 1]
            if best is None:  # an unknown character is a word of its own
                best = (_ln(freq.get(s[idx]) or 1) - logtotal + route[idx + 1][0], idx)
            route[idx] = best
        out = {0, n}
        x = 0
        while x < n:
            x = route[x][1] + 1
            out.add(x)
        return out
