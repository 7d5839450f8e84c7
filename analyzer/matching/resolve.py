"""Resolution: of the hits that cover the same words, keep one, and turn hits into flags.

A script line inside a longer one that also matched (5.1 inside 5.5) is part of that line.
Of overlapping hits the best is kept: higher score, then more syllables, then the preferred
section (``prefer``), then the entry listed first. Where the standard repeats a line word
for word (1.1.7 and 5.4), the kept flag names the twin in ``also``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..normalise import Normalised
from .forms import Form
from .results import Flag

__all__ = ["Hit", "Resolved", "resolve", "to_flag"]


@dataclass(slots=True)
class Hit:
    """A form found in an utterance (offsets in the normalised text)."""

    form: Form
    score: float
    start: int
    end: int

    @property
    def ref(self) -> str:
        return self.form.entry.ref


@dataclass(slots=True)
class Resolved:
    """A hit kept by :func:`resolve`, with the refs of its twins."""

    hit: Hit
    also: list[str] = field(default_factory=list)


def _rank(h: Hit, prefer: str | None) -> tuple[float, int, int, int]:
    preferred = 1 if prefer and h.ref.split(".")[0] == prefer else 0
    return (h.score, h.form.syllables, preferred, -h.form.order)


def resolve(hits: list[Hit], prefer: str | None) -> list[Resolved]:
    """The hits to flag: one per span of words."""
    if len(hits) <= 1:
        return [Resolved(h) for h in hits]
    scripts = [h for h in hits if h.form.entry.kind == "script"]
    ranked = sorted((h for h in hits if not (h.form.entry.kind == "script" and any(
        k.form.syllables > h.form.syllables and k.ref != h.ref
        and k.start <= h.start + 1 and h.end <= k.end + 1 for k in scripts))),
        key=lambda h: _rank(h, prefer), reverse=True)
    kept: list[Resolved] = []
    for h in ranked:
        clash = False
        for r in kept:
            k = r.hit
            overlap = min(h.end, k.end) - max(h.start, k.start)
            if overlap <= 0:
                continue
            if k.ref == h.ref:
                clash = True
                break
            if overlap > 0.5 * min(h.end - h.start, k.end - k.start):
                clash = True
                if (h.score == k.score and (h.start, h.end) == (k.start, k.end)
                        and h.ref not in r.also):
                    r.also.append(h.ref)  # the standard repeats this line
                break
        if not clash:
            kept.append(Resolved(h))
    return kept


def to_flag(norm: Normalised, r: Resolved) -> Flag:
    """The flag of a kept hit, its span mapped back to the text as received."""
    h = r.hit
    s, e = norm.span(h.start, h.end)
    return Flag(ref=h.ref, kind=h.form.entry.kind, score=h.score, span=(s, e),
                matched=norm.source[s:e], standard=h.form.entry.text, also=tuple(r.also))
