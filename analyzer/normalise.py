"""Text normalisation: the first stage of the analyzer.

Turns an utterance as received (any script, full-width forms, punctuation, fillers,
stutters) into a compact matching key, keeping for every kept character the offset of the
character it came from, so that a flag's span can point back into the original text.

Steps, in order: NFKC (full-width → half-width), traditional → simplified (OpenCC t2s),
Arabic digits → Chinese numerals, lower-case Latin, the phrasebank's character
equivalents (您 → 你), drop punctuation / spaces / symbols and filler words
(啊 嘛 呢 呀 吧 哦 嗯 …), collapse stutter repeats (我我我 → 我, 我们我们 → 我们).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Normalised", "Normaliser", "DIGITS"]

log = logging.getLogger(__name__)

DIGITS = {"0": "零", "1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六",
          "7": "七", "8": "八", "9": "九", "〇": "零"}

# Characters that survive normalisation although they are not letters.
_KEEP = {"\x01", "\x02"}  # the phrasebank's slot and gap markers (forms only)


@dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised utterance: ``text[i]`` came from ``source[offsets[i]]``."""

    source: str
    text: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` range of ``text`` to ``[start, end)`` in ``source``."""
        if not self.offsets or start >= end:
            return (0, 0)
        s = self.offsets[start]
        e = self.offsets[end - 1] + 1
        # Keep trailing characters that normalisation dropped inside the last source char.
        return (s, e)


class _CharMap(dict[str, str]):
    """Per-character mapping, computed on first sight and cached (a dict for speed)."""

    def __init__(self, equivalents: dict[str, str], fillers: Iterable[str]) -> None:
        super().__init__()
        self.equivalents = equivalents
        self.fillers = {f for f in fillers if len(f) == 1}

    def __missing__(self, c: str) -> str:
        r = c
        if c in self.fillers:
            r = ""
        elif c in DIGITS:
            r = DIGITS[c]
        elif c in _KEEP:
            r = c
        else:
            cat = unicodedata.category(c)
            if cat[0] in "PZSC":  # punctuation, separators, symbols, controls
                r = ""
            elif cat[0] == "L" and c.isascii():
                r = c.lower()
            elif cat[0] == "N" and not ("\u4e00" <= c <= "\u9fff"):
                r = c
        r = self.equivalents.get(r, r)
        self[c] = r
        return r


class Normaliser:
    """Build once (per phrasebank) and call :meth:`normalise` per utterance."""

    def __init__(self, equivalents: dict[str, str] | None = None,
                 fillers: Iterable[str] = ()) -> None:
        import opencc  # the C++ OpenCC; loaded once here, not per call

        self._t2s = opencc.OpenCC("t2s")
        self._map = _CharMap(dict(equivalents or {}), fillers)
        self._multi_fillers = tuple(f for f in fillers if len(f) > 1)

    def to_simplified(self, text: str) -> str:
        """Traditional → simplified Chinese (used also on Whisper's output)."""
        return str(self._t2s.convert(text))

    def normalise(self, text: str) -> Normalised:
        """Normalise ``text``; see the module docstring for the steps."""
        src = text
        base: list[int] | None = None
        if not unicodedata.is_normalized("NFKC", text):
            parts: list[str] = []
            base = []
            for i, c in enumerate(text):
                n = unicodedata.normalize("NFKC", c)
                parts.append(n)
                base.extend([i] * len(n))
            text = "".join(parts)
        simp = self._t2s.convert(text)
        if len(simp) != len(text):
            # Phrase-level conversion changed the length: convert per character instead,
            # so that offsets stay exact.
            simp = "".join(self._t2s.convert(c) if len(self._t2s.convert(c)) == 1 else c
                           for c in text)
        text = simp
        if self._multi_fillers:
            for f in self._multi_fillers:
                if f in text:
                    text = text.replace(f, "\0" * len(f))
        cmap = self._map
        out: list[str] = []
        offs: list[int] = []
        for i, c in enumerate(text):
            r = cmap[c] if c != "\0" else ""
            if not r:
                continue
            if out:
                if r == out[-1]:
                    continue  # stutter: 我我我 → 我 (and 看看 → 看, on both sides alike)
                if len(out) >= 3 and r == out[-2] and out[-1] == out[-3]:
                    # stutter of two characters: 我们我们 → 我们
                    out.pop()
                    offs.pop()
                    continue
            out.append(r)
            offs.append(i)
        if base is not None:
            offs = [base[i] for i in offs]
        return Normalised(source=src, text="".join(out), offsets=tuple(offs))
