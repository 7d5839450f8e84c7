"""Resolution: of the hits that cover the same words, keep one, and turn hits into flags.

A script line inside a longer one that also matched (5.1 inside 5.5) is part of that line.
Where a form and a rule of the same entry match the same words, the form's hit stands. Of
overlapping hits the best is kept: higher score, then more syllables, then the preferred
section (``prefer``), then the entry listed first. Where the standard repeats a line word
for word (1.1.7 and 5.4), the kept flag names the twin in ``also``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phrasebank import Entry

from ..normalise import Normalised
from .forms import Form
from .results import Flag

__all__ = ["Hit", "Resolved", "resolve", "to_flag"]


@dataclass(slots=True)
class Hit:
    """An entry found in an utterance (offsets in the normalised text): by one of its
    forms, or by one of its rules (``rule``: the rule's text)."""

    entry: Entry
    score: float
    start: int
    end: int
    syllables: int  # of the form (of the match, for a rule): longer lines win ties
    order: int  # the entry's place in the bank: the first listed wins the last ties
    rule: str | None = None
    near_sound: bool = False  # the rule matched with one word half heard

    @property
    def ref(self) -> str:
        return self.entry.ref

    @classmethod
    def of_form(cls, form: Form, score: float, start: int, end: int) -> Hit:
        return cls(form.entry, score, start, end, form.syllables, form.order)


@dataclass(slots=True)
class Resolved:
    """A hit kept by :func:`resolve`, with the refs of its twins."""

    hit: Hit
    also: list[str] = field(default_factory=list)


def _rank(h: Hit, prefer: str | None) -> tuple[float, int, int, int]:
    preferred = 1 if prefer and h.ref.split(".")[0] == prefer else 0
    return (h.score, h.syllables, preferred, -h.order)


def _longer(k: Hit, h: Hit) -> bool:
    """Whether ``k`` is a longer line than ``h``: by its form's syllables, or, found by a
    rule, by more than its span (a rule's match of the same words is no longer line)."""
    if k.rule is None:
        return k.syllables > h.syllables
    return k.end - k.start > h.end - h.start + 1


def _prefer_forms(hits: list[Hit]) -> list[Hit]:
    """A rule's hit that overlaps a form's hit of the same entry goes: the form is the
    standard's own wording, with a measured similarity (and the span of the whole line)."""
    forms = [h for h in hits if h.rule is None]
    return [h for h in hits if h.rule is None or not any(
        f.ref == h.ref and f.start < h.end and h.start < f.end for f in forms)]


def resolve(hits: list[Hit], prefer: str | None) -> list[Resolved]:
    """The hits to flag: one per span of words."""
    if len(hits) <= 1:
        return [Resolved(h) for h in hits]
    hits = _prefer_forms(hits)
    scripts = [h for h in hits if h.entry.kind == "script"]
    ranked = sorted((h for h in hits if not (h.entry.kind == "script" and any(
        _longer(k, h) and k.ref != h.ref
        and k.start <= h.start + 1 and h.end <= k.end + 1 for k in scripts))),
        key=lambda h: _rank(h, prefer), reverse=True)
    # Lines the standard repeats (1.1.2 and 5.3 share their rules) hit the same words with
    # the same score: the first ranked stands for all, the others are named in ``also``,
    # before any of them can be kept beside a hit of the other twin on other words.
    firsts: dict[tuple[int, int, float], Resolved] = {}
    for h in ranked:
        first = firsts.setdefault((h.start, h.end, h.score), Resolved(h))
        if first.hit.ref != h.ref and h.ref not in first.also:
            first.also.append(h.ref)
    kept: list[Resolved] = []
    for h in ranked:
        first = firsts[(h.start, h.end, h.score)]
        if first.hit is not h:
            continue
        clash = False
        for r in kept:
            k = r.hit
            overlap = min(h.end, k.end) - max(h.start, k.start)
            if overlap <= 0:
                continue
            if k.ref == h.ref or h.ref in r.also or k.ref in first.also:
                clash = True
                break
            if overlap > 0.5 * min(h.end - h.start, k.end - k.start):
                clash = True
                break
        if not clash:
            kept.append(first)
    return kept


def to_flag(norm: Normalised, r: Resolved) -> Flag:
    """The flag of a kept hit, its span mapped back to the text as received."""
    h = r.hit
    s, e = norm.span(h.start, h.end)
    return Flag(ref=h.ref, kind=h.entry.kind, score=h.score, span=(s, e),
                matched=norm.source[s:e], standard=h.entry.text, also=tuple(r.also),
                rule=h.rule, near_sound=h.near_sound)
