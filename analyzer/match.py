"""Matching: find every taboo, discipline rule and script line in an utterance.

Each form of the phrasebank is compiled once into a phonetic key (two tokens per
syllable, see :mod:`analyzer.phonetic`) with *free* positions where its slots (a name,
number or time) and clause gaps sit. An utterance is normalised, encoded the same way,
and aligned only against the forms that share enough syllable pairs with it (an inverted
index). The alignment is rapidfuzz's LCS over the token strings, inside a window found by
``partial_ratio_alignment``; the score is the Indel similarity between the form and the
tightest span of the utterance that holds it, with slot and gap contents not counted
against it. A form must also be *covered*: most of its tokens must be found, so that an
utterance that is a mere part of a longer line does not match it.

Short forms (at most ``matching.short_max`` syllables, e.g. 你们必须) are held to an
exact phonetic match, most of their characters identical, and jieba word boundaries at
both ends. Rules are speaker-aware: agent-only entries (all of 8.x and 9.x) never flag a
customer's words.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from phrasebank import GAP, SLOT, Entry, Phrasebank, expand_form

from .normalise import Normalised, Normaliser
from .phonetic import PhoneticEncoder
from .segment import Segmenter

__all__ = ["Flag", "MatchOptions", "Matcher", "SPEAKERS"]

log = logging.getLogger(__name__)

SPEAKERS = ("agent", "customer", "unknown")
_LEXICON_STANDARD = "凡脏话、粗话、讽刺、训斥客户的话均列为服务禁语"


@dataclass(frozen=True, slots=True)
class Flag:
    """One finding in one utterance.

    ``span`` is ``[start, end)`` in the text as received; ``matched`` is that text;
    ``standard`` the standard's wording of ``ref``; ``score`` the similarity (0-1).
    """

    ref: str
    kind: str  # taboo | discipline | script
    score: float
    span: tuple[int, int]
    matched: str
    standard: str
    category: str | None = None  # for 8.0: profanity | crude | sarcasm | scolding

    @property
    def is_violation(self) -> bool:
        return self.kind in ("taboo", "discipline")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["span"] = list(self.span)
        if d["category"] is None:
            del d["category"]
        return d


@dataclass(frozen=True)
class MatchOptions:
    """Options of the matching stage. ``None`` means: take the phrasebank's value."""

    script_threshold: float | None = None
    """Minimum similarity (0-1) for a script line; default ``matching.thresholds.script``."""
    taboo_threshold: float | None = None
    """Minimum similarity for a listed taboo (8.1-8.10); default ``matching.thresholds.taboo``."""
    discipline_threshold: float | None = None
    """Minimum similarity for a discipline rule; default ``matching.thresholds.discipline``."""
    phonetic: bool = True
    """Compare pinyin (homophones match). False compares characters only."""
    min_pair_fraction: float = 0.2
    """A form is aligned only when this share of its syllable pairs occurs in the utterance."""
    word_boundaries: bool = True
    """Short forms and lexicon words must start and end on jieba word boundaries."""
    prefer_section: str | None = None
    """When two refs match the same words equally well (1.1.7 and 5.4 are the same
    sentence), prefer this section ("1" during an appointment call, "5" on site);
    None prefers the one listed first in the phrasebank."""


@dataclass(slots=True)
class _Form:
    fid: int
    order: int  # entry order in the bank (tie-break)
    entry: Entry
    chars: str
    code: str
    free: dict[int, int]  # token offset in code -> tokens that may be inserted there free
    n: int  # syllables
    short: bool
    threshold: float
    keys: tuple[str, ...] = field(default_factory=tuple)
    need: int = 1
    ext: int = 0  # window extension for the alignment, in tokens


@dataclass(slots=True)
class _Hit:
    form: _Form
    score: float
    start: int  # syllable offsets in the normalised text
    end: int


class Matcher:
    """Compiled phrasebank + index. Build once; :meth:`find_all` is thread-safe."""

    def __init__(self, bank: Phrasebank, *, normaliser: Normaliser, segmenter: Segmenter,
                 options: MatchOptions | None = None) -> None:
        self.bank = bank
        self.options = options or MatchOptions()
        self.normaliser = normaliser
        self.segmenter = segmenter
        self.encoder = PhoneticEncoder()
        self._encode = self.encoder.encode if self.options.phonetic else _char_code
        th = dict(bank.matching.thresholds)
        for kind, val in (("script", self.options.script_threshold),
                          ("taboo", self.options.taboo_threshold),
                          ("discipline", self.options.discipline_threshold)):
            if val is not None:
                th[kind] = val
        self._thresholds = th
        self.forms: list[_Form] = []
        self._index: dict[str, list[int]] = {}
        self._short_index: dict[str, list[int]] = {}
        for order, entry in enumerate(bank.entries):
            for raw in entry.forms:
                for x in expand_form(raw):
                    self._add_form(order, entry, x)
        self._lexicon: list[tuple[str, str, str, str]] = []  # (code, chars, category, label)
        for g in bank.lexicon:
            for w in g.words:
                chars = self.normaliser.normalise(w).text
                if chars:
                    self._lexicon.append((self._encode(chars), chars, g.category, g.label))
        self._lexicon_re = (
            re.compile("|".join(re.escape(c) for c, *_ in
                                sorted(self._lexicon, key=lambda t: -len(t[0]))))
            if self._lexicon else None
        )
        self._patterns = [(re.compile(p), g.category, g.label)
                          for g in bank.lexicon for p in g.patterns]
        log.debug("matcher: %d forms, %d index keys, %d lexicon words",
                  len(self.forms), len(self._index), len(self._lexicon))

    # -- compile -----------------------------------------------------------------------
    def _add_form(self, order: int, entry: Entry, form: str) -> None:
        norm = self.normaliser.normalise(form).text
        chars: list[str] = []
        free: dict[int, int] = {}
        m = self.bank.matching
        for c in norm:
            if c in (SLOT, GAP):
                if chars:  # a leading slot costs nothing anyway
                    allow = 2 * (m.slot_max if c == SLOT else m.gap_max)
                    free[2 * len(chars)] = free.get(2 * len(chars), 0) + allow
            else:
                chars.append(c)
        text = "".join(chars)
        free.pop(2 * len(text), None)  # a trailing slot costs nothing either
        if not text:
            return
        n = len(text)
        code = self._encode(text)
        short = n <= m.short_max and not free
        f = _Form(fid=len(self.forms), order=order, entry=entry, chars=text, code=code,
                  free=free, n=n, short=short, threshold=entry.threshold or
                  self._thresholds[entry.kind])
        # Syllable pairs that lie inside one clause (a pair across a slot is no evidence).
        cuts = {p // 2 for p in free}
        keys = [code[2 * i: 2 * i + 4] for i in range(n - 1) if (i + 1) not in cuts]
        f.keys = tuple(dict.fromkeys(keys))
        if short:
            f.need = len(f.keys) or 1
            target = self._short_index
        else:
            f.need = max(1, math.ceil(self.options.min_pair_fraction * len(f.keys)))
            target = self._index
        f.ext = 2 * (sum(free.values()) // 2 + n // 3 + 2)
        self.forms.append(f)
        if not f.keys:  # one syllable: index by itself
            target.setdefault(code, []).append(f.fid)
        for k in f.keys:
            target.setdefault(k, []).append(f.fid)

    # -- public ------------------------------------------------------------------------
    def find_all(self, text: str, *, speaker: str = "agent",
                 score_cutoff: float | None = None,
                 prefer_section: str | None = None) -> list[Flag]:
        """Every flag in ``text`` said by ``speaker`` (agent | customer | unknown).

        ``score_cutoff`` raises (never lowers) the phrasebank's thresholds;
        ``prefer_section`` overrides ``MatchOptions.prefer_section`` for this call. Flags
        come in the order of their spans.
        """
        if speaker not in SPEAKERS:
            raise ValueError(f"speaker must be one of {', '.join(SPEAKERS)}, got {speaker!r}")
        norm = self.normaliser.normalise(text)
        chars = norm.text
        if not chars:
            return []
        code = self._encode(chars)
        hits = self._hits(chars, code, speaker, score_cutoff or 0.0)
        prefer = prefer_section or self.options.prefer_section
        flags = [self._flag(norm, h) for h in self._resolve(hits, prefer)]
        if speaker != "customer":
            flags.extend(self._lexicon_flags(norm, code))
        flags.sort(key=lambda f: (f.span, f.ref))
        return flags

    def best(self, text: str, *, speaker: str = "agent", ref: str | None = None,
             kind: str | None = None, score_cutoff: float | None = None) -> Flag | None:
        """The highest-scoring flag (of ``ref`` / ``kind`` when given), or None."""
        flags = [f for f in self.find_all(text, speaker=speaker, score_cutoff=score_cutoff)
                 if (ref is None or f.ref == ref) and (kind is None or f.kind == kind)]
        return max(flags, key=lambda f: f.score) if flags else None

    def similarity(self, text: str, ref: str) -> float:
        """Best similarity of ``text`` to any form of ``ref`` (0 when none aligns); no cutoff."""
        norm = self.normaliser.normalise(text)
        code = self._encode(norm.text)
        best = 0.0
        for f in self.forms:
            if f.entry.ref == ref and code:
                r = self._align(f, code)
                if r:
                    best = max(best, r[0])
        return best

    # -- internals ---------------------------------------------------------------------
    def _applies(self, entry: Entry, speaker: str) -> bool:
        return entry.speaker == "any" or speaker == "unknown" or entry.speaker == speaker

    def _hits(self, chars: str, code: str, speaker: str, cutoff: float) -> list[_Hit]:
        m = len(chars)
        keys = {code[2 * i: 2 * i + 4] for i in range(m - 1)} if m > 1 else {code}
        forms = self.forms
        hits: list[_Hit] = []
        get = self._index.get
        counts = Counter(chain.from_iterable(get(k, ()) for k in keys))
        for fid, cnt in counts.items():
            f = forms[fid]
            if cnt < f.need or not self._applies(f.entry, speaker):
                continue
            r = self._align(f, code)
            if r is None:
                continue
            score, s, e = r
            if score >= max(f.threshold, cutoff):
                hits.append(_Hit(f, score, s, e))
        sget = self._short_index.get
        scounts = Counter(chain.from_iterable(sget(k, ()) for k in keys))
        for fid, cnt in scounts.items():
            f = forms[fid]
            if cnt < f.need or not self._applies(f.entry, speaker):
                continue
            h = self._short(f, chars, code)
            if h is not None and h.score >= cutoff:
                hits.append(h)
        return hits

    def _short(self, f: _Form, chars: str, code: str) -> _Hit | None:
        pos = code.find(f.code)
        while pos != -1:
            if pos % 2 == 0:
                s = pos // 2
                e = s + f.n
                same = sum(a == b for a, b in zip(chars[s:e], f.chars, strict=False))
                if same >= f.n - (1 if f.n >= 3 else 0) and (
                    not self.options.word_boundaries
                    or self.segmenter.is_word_span(chars, s, e)
                ):
                    return _Hit(f, round(0.9 + 0.1 * same / f.n, 3), s, e)
            pos = code.find(f.code, pos + 1)
        return None

    def _align(self, f: _Form, code: str) -> tuple[float, int, int] | None:
        a = f.code
        la = len(a)
        w0 = 0
        window = code
        if len(code) > la + 2 * f.ext:
            al = fuzz.partial_ratio_alignment(a, code)
            if al is None:
                return None
            w0 = max(0, al.dest_start - f.ext)
            w0 -= w0 % 2
            window = code[w0: al.dest_end + f.ext]
        blocks = [(o.src_start, o.src_end, o.dest_start + w0, o.dest_end + w0)
                  for o in LCSseq.opcodes(a, window) if o.tag == "equal"]
        if not blocks:
            return None
        score = _score(blocks, la, f.free)
        # Trim stray matches at either end while that tightens the span.
        while len(blocks) > 1:
            left = _score(blocks[1:], la, f.free)
            right = _score(blocks[:-1], la, f.free)
            if left > score and left >= right:
                blocks, score = blocks[1:], left
            elif right > score:
                blocks, score = blocks[:-1], right
            else:
                break
        covered = sum(b[1] - b[0] for b in blocks) / la
        if covered < f.threshold:
            return None
        return round(score, 3), blocks[0][2] // 2, (blocks[-1][3] + 1) // 2

    def _resolve(self, hits: list[_Hit], prefer: str | None) -> list[_Hit]:
        """Keep the best hit among those that cover the same words (one ref per span)."""

        def rank(h: _Hit) -> tuple[float, int, int, int]:
            pref = 1 if prefer and h.form.entry.ref.split(".")[0] == prefer else 0
            return (h.score, h.form.n, pref, -h.form.order)

        kept: list[_Hit] = []
        for h in sorted(hits, key=rank, reverse=True):
            clash = False
            for k in kept:
                ov = min(h.end, k.end) - max(h.start, k.start)
                if ov <= 0:
                    continue
                if k.form.entry.ref == h.form.entry.ref:
                    clash = True
                    break
                if ov > 0.5 * min(h.end - h.start, k.end - k.start):
                    clash = True
                    break
            if not clash:
                kept.append(h)
        # A line that is a part of a longer matched line (5.3 inside 1.1.2) is not a flag.
        return [h for h in kept if not any(
            k is not h and k.form.n > h.form.n and k.start <= h.start and h.end <= k.end
            for k in kept)]

    def _flag(self, norm: Normalised, h: _Hit) -> Flag:
        s, e = norm.span(h.start, h.end)
        return Flag(ref=h.form.entry.ref, kind=h.form.entry.kind, score=h.score, span=(s, e),
                    matched=norm.source[s:e], standard=h.form.entry.text)

    def _lexicon_flags(self, norm: Normalised, code: str) -> list[Flag]:
        chars = norm.text
        found: list[tuple[int, int, str, str]] = []
        if self._lexicon_re is not None:
            by_code = {c: (w, cat, lab) for c, w, cat, lab in self._lexicon}
            for mt in self._lexicon_re.finditer(code):
                if mt.start() % 2:
                    continue
                w, cat, lab = by_code[mt.group()]
                s, e = mt.start() // 2, mt.end() // 2
                same = sum(a == b for a, b in zip(chars[s:e], w, strict=False))
                if same < (len(w) if len(w) == 1 else math.ceil(len(w) / 2)):
                    continue
                if len(w) <= 2 and self.options.word_boundaries and \
                        not self.segmenter.is_word_span(chars, s, e):
                    continue
                found.append((s, e, cat, lab))
        for rx, cat, lab in self._patterns:
            for mt in rx.finditer(chars):
                if mt.end() > mt.start():
                    found.append((mt.start(), mt.end(), cat, lab))
        flags: list[Flag] = []
        taken: list[tuple[int, int]] = []
        for s, e, cat, lab in sorted(found, key=lambda t: (t[0], -(t[1] - t[0]))):
            if any(min(e, te) > max(s, ts) for ts, te in taken):
                continue
            taken.append((s, e))
            os_, oe = norm.span(s, e)
            flags.append(Flag(ref="8.0", kind="taboo", score=1.0, span=(os_, oe),
                              matched=norm.source[os_:oe],
                              standard=f"{_LEXICON_STANDARD}({lab})", category=cat))
        return flags


def _char_code(text: str) -> str:
    """Character 'codes' of the same shape as the phonetic ones (2 tokens per character)."""
    return "".join(c + "\ue7ff" for c in text)


def _score(blocks: list[tuple[int, int, int, int]], la: int, free: dict[int, int]) -> float:
    matched = 0
    for b in blocks:
        matched += b[1] - b[0]
    span = blocks[-1][3] - blocks[0][2]
    used = 0
    if free:
        for prev, nxt in zip(blocks, blocks[1:], strict=False):
            gap = nxt[2] - prev[3]
            if gap > 0:
                allow = 0
                for p, v in free.items():
                    if prev[1] <= p <= nxt[0]:
                        allow += v
                used += min(gap, allow)
    return 2 * matched / (la + span - used)
