"""Text normalisation: the first stage of the analyzer.

Turns an utterance as received (any script, full-width forms, punctuation, fillers,
stutters) into a compact matching key, keeping for every kept character the offset of the
character it came from, so that a flag's span can point back into the original text.

Steps, in order: NFKC (full-width → half-width), traditional → simplified (OpenCC t2s),
Arabic digits → Chinese numerals, lower-case Latin, the phrasebank's character
equivalents (您 → 你), drop punctuation / spaces / symbols and filler words
(啊 嘛 呢 呀 吧 哦 嗯 …), collapse stutter repeats (我我我 → 我, 我们我们 → 我们) within a clause, except words that
repeat a syllable (妈妈, 看看: the segmenter's dictionary knows them).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from itertools import compress

__all__ = ["CLAUSE_MARKS", "DIGITS", "Normalised", "Normaliser"]

log = logging.getLogger(__name__)

DIGITS = {"0": "零", "1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六",
          "7": "七", "8": "八", "9": "九", "〇": "零"}

# Characters that survive normalisation although they are not letters.
_KEEP = {"\x01", "\x02"}  # the phrasebank's slot and gap markers (forms only)
# Punctuation and spaces map to this while stutters are collapsed, then go: a repeat across
# them is two clauses, not a stutter (你问我?我还想问 keeps both 我).
_BOUNDARY = "\x03"
# The marks that end a clause, for the rules' ^ and $ (a clause's start and end): not 、
# (a list), quotes or spaces.
CLAUSE_MARKS = frozenset(",，.。!！?？;；:：…")
_CLAUSE_MARKS_TEXT = "".join(sorted(CLAUSE_MARKS))  # for str.rstrip

# Stutters, collapsed in this order: 我我我 → 我 (and 看看 → 看, on both sides alike), then
# 我们我们 → 我们. One search for either first: most utterances hold none.
_STUTTERS = (re.compile(r"([^\x03])\1+"), re.compile(r"([^\x03]{2})\1+"))
_ANY_STUTTER = re.compile(r"([^\x03])\1|([^\x03]{2})\2")


class Normalised:
    """A normalised utterance: ``text[i]`` came from ``source[offsets[i]]``.

    ``offsets`` is computed on first use, from what :meth:`Normaliser.normalise` kept:
    most utterances are never flagged, and the key alone is cheaper to build.
    """

    __slots__ = ("source", "text", "traditional", "_offsets", "_normaliser", "_prepared",
                 "_base", "_stuttered", "_clauses")

    def __init__(self, source: str, text: str, normaliser: Normaliser, prepared: str,
                 base: list[int] | None, stuttered: str | None,
                 traditional: bool = False) -> None:
        self.source = source
        self.text = text
        self.traditional = traditional  # written (partly) in traditional characters
        self._normaliser = normaliser
        self._prepared = prepared  # after NFKC and t2s
        self._base = base  # source offsets of ``_prepared`` when NFKC changed the length
        self._stuttered = stuttered  # the key before stutters were collapsed (None: none)
        self._offsets: tuple[int, ...] | None = None
        self._clauses: tuple[int, ...] | None = None

    @property
    def offsets(self) -> tuple[int, ...]:
        if self._offsets is None:
            self._offsets = self._normaliser.offsets(self._prepared, self._base,
                                                     self._stuttered)
        return self._offsets

    @property
    def clause_starts(self) -> tuple[int, ...]:
        """Offsets in ``text`` where a clause starts after another (a :data:`CLAUSE_MARKS`
        mark between two kept characters in ``source``); () for one clause."""
        if self._clauses is None:
            if CLAUSE_MARKS.isdisjoint(self.source.rstrip(_CLAUSE_MARKS_TEXT)):
                self._clauses = ()
            else:
                offs, src = self.offsets, self.source
                self._clauses = tuple(
                    i for i in range(1, len(offs))
                    if not CLAUSE_MARKS.isdisjoint(src[offs[i - 1] + 1:offs[i]]))
        return self._clauses

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` range of ``text`` to ``[start, end)`` in ``source``."""
        offs = self.offsets
        if not offs or start >= end:
            return (0, 0)
        return (offs[start], offs[end - 1] + 1)

    def __repr__(self) -> str:
        return f"Normalised(source={self.source!r}, text={self.text!r})"


def _collapse(text: str, offsets: list[int] | None,
              is_word: Callable[[str], bool] | None = None) -> tuple[str, list[int]]:
    """``text`` with its stutters collapsed, and ``offsets`` (one per character of
    ``text``) kept for the characters that stay (empty when ``offsets`` is None). A repeat
    said twice that ``is_word`` knows as a word (妈妈, 看看, 谢谢) is a word, not a stutter."""
    offs = offsets or []
    for rx in _STUTTERS:
        if not rx.search(text):
            continue
        parts: list[str] = []
        new_offs: list[int] = []
        pos = 0
        for m in rx.finditer(text):
            whole = m.group(0)
            if is_word is not None and len(whole) == 2 * len(m.group(1)) and is_word(whole):
                continue  # left in place: the text up to the next match is copied as is
            g = m.group(1)
            parts.append(text[pos:m.start()] + g)
            if offsets is not None:
                new_offs.extend(offs[pos:m.start() + len(g)])
            pos = m.end()
        parts.append(text[pos:])
        if offsets is not None:
            new_offs.extend(offs[pos:])
            offs = new_offs
        text = "".join(parts)
    return text, offs


class _CharMap(dict[int, str]):
    """Per-character mapping (a ``str.translate`` table), computed on first sight."""

    def __init__(self, equivalents: dict[str, str], fillers: Iterable[str]) -> None:
        super().__init__()
        self.equivalents = equivalents
        self.fillers = {f for f in fillers if len(f) == 1}

    def __missing__(self, o: int) -> str:
        c = chr(o)
        r = c
        if c in self.fillers:
            r = ""
        elif c in DIGITS:
            r = DIGITS[c]
        elif c in _KEEP:
            r = c
        else:
            cat = unicodedata.category(c)
            if cat[0] in "PZ":  # punctuation, separators: a clause boundary
                r = _BOUNDARY
            elif cat[0] in "SC":  # symbols, controls
                r = ""
            elif cat[0] == "L" and c.isascii():
                r = c.lower()
        r = self.equivalents.get(r, r)
        self[o] = r
        return r


class _KeptMask(dict[int, str]):
    """A ``str.translate`` table: ``\\x01`` for a character that the mapping keeps,
    ``\\x00`` for one it drops (``boundaries``: whether a clause boundary counts as kept)."""

    def __init__(self, cmap: _CharMap, boundaries: bool) -> None:
        super().__init__()
        self.cmap = cmap
        self.boundaries = boundaries

    def __missing__(self, o: int) -> str:
        m = self.cmap[o]
        r = "\x01" if m and (self.boundaries or m != _BOUNDARY) else "\x00"
        self[o] = r
        return r


class Normaliser:
    """Build once (per phrasebank) and call :meth:`normalise` per utterance."""

    def __init__(self, equivalents: dict[str, str] | None = None,
                 fillers: Iterable[str] = (),
                 is_word: Callable[[str], bool] | None = None) -> None:
        """``is_word``: whether a repeat (妈妈, 看看) is a word of the language, kept as
        it is rather than collapsed as a stutter (default: every repeat collapses)."""
        import opencc  # the C++ OpenCC; loaded once here, not per call

        self._is_word = is_word
        fillers = tuple(fillers)
        self._t2s = opencc.OpenCC("t2s")
        self._map = _CharMap(dict(equivalents or {}), fillers)
        self._kept = _KeptMask(self._map, boundaries=False)
        self._kept_with_boundaries = _KeptMask(self._map, boundaries=True)
        self._multi_fillers = tuple(f for f in fillers if len(f) > 1)

    def to_simplified(self, text: str) -> str:
        """Traditional → simplified Chinese (used also on Whisper's output)."""
        return str(self._t2s.convert(text))

    def _nfkc(self, text: str) -> tuple[str, list[int] | None]:
        """NFKC; returns the text and, when its length changed, source offsets."""
        if unicodedata.is_normalized("NFKC", text):
            return text, None
        parts: list[str] = []
        base: list[int] = []
        for i, c in enumerate(text):
            n = unicodedata.normalize("NFKC", c)
            parts.append(n)
            base.extend([i] * len(n))
        return "".join(parts), base

    def _simplified(self, text: str, simp: str) -> str:
        """``simp`` (OpenCC's conversion of ``text``) with one character per character of
        ``text``, and the filler words of several characters blanked out."""
        if len(simp) != len(text):
            # Phrase-level conversion changed the length: convert per character instead,
            # so that offsets stay exact.
            conv = self._t2s.convert
            simp = "".join(c2 if len(c2 := conv(c)) == 1 else c for c in text)
        for f in self._multi_fillers:
            if f in simp:
                simp = simp.replace(f, "\0" * len(f))
        return simp

    def _build(self, source: str, prepared: str, base: list[int] | None,
               traditional: bool) -> Normalised:
        key = prepared.translate(self._map)
        stuttered = None
        if _ANY_STUTTER.search(key) is not None:
            stuttered, key = key, _collapse(key, None, self._is_word)[0]
        if _BOUNDARY in key:
            key = key.replace(_BOUNDARY, "")
        return Normalised(source, key, self, prepared, base, stuttered, traditional)

    def normalise(self, text: str) -> Normalised:
        """Normalise ``text``; see the module docstring for the steps."""
        nfkc, base = self._nfkc(text)
        simp = self._t2s.convert(nfkc)
        return self._build(text, self._simplified(nfkc, simp), base, simp != nfkc)

    def normalise_many(self, texts: Sequence[str]) -> list[Normalised]:
        """:meth:`normalise` for each of ``texts``, with one OpenCC call for them all: for
        an utterance, the call's own cost is most of the conversion's."""
        nfkc = [self._nfkc(t) for t in texts]
        plain = [t for t, _ in nfkc]
        conv = self._t2s.convert
        joined = "\n".join(plain)
        out = conv(joined).split("\n") if joined.count("\n") == len(plain) - 1 else []
        if len(out) != len(plain):  # some text holds a line break itself: one by one
            out = [conv(t) for t in plain]
        return [self._build(src, self._simplified(t, simp), base, simp != t)
                for src, (t, base), simp in zip(texts, nfkc, out, strict=True)]

    def offsets(self, prepared: str, base: list[int] | None,
                stuttered: str | None) -> tuple[int, ...]:
        """Source offsets of the key built from ``prepared`` (``stuttered``: the mapped
        text, when it had stutters to collapse): the stutter collapse of :meth:`normalise`,
        keeping each kept character's offset."""
        # The mapping keeps each character as one or none: which ones, at C speed.
        if stuttered is None:
            offs = list(compress(range(len(prepared)),
                                 prepared.translate(self._kept).encode("latin-1")))
        else:  # collapsed with the clause boundaries in place, which then go
            kept = list(compress(range(len(prepared)), prepared.translate(
                self._kept_with_boundaries).encode("latin-1")))
            text, offs = _collapse(stuttered, kept, self._is_word)
            offs = [o for c, o in zip(text, offs, strict=True) if c != _BOUNDARY]
        if base is not None:
            offs = [base[i] for i in offs]
        return tuple(offs)
