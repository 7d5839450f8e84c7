"""What matching returns: :class:`Flag`, and the options it runs with (:class:`MatchOptions`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from phrasebank import VIOLATION_KINDS

__all__ = ["Flag", "MatchOptions"]


@dataclass(slots=True)
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
    also: tuple[str, ...] = ()  # refs whose lines match the same words as well (1.1.7 / 5.4)
    rule: str | None = None  # the phrasebank rule that matched (None: a form, a word)
    turns: tuple[int, ...] = ()  # a line said over several turns: every turn it spans
    similar_to: str | None = None  # by meaning: the bank's example nearest to the words
    near_sound: bool = False  # by a rule, one word of it half heard (嘴时 for 准时)
    reading: str | None = None  # found in the recogniser's second reading (analyzer.reread)

    @property
    def is_violation(self) -> bool:
        return self.kind in VIOLATION_KINDS

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"ref": self.ref, "kind": self.kind, "score": self.score,
                             "span": list(self.span), "matched": self.matched,
                             "standard": self.standard}
        if self.category is not None:
            d["category"] = self.category
        if self.also:
            d["also"] = list(self.also)
        if self.rule is not None:
            d["rule"] = self.rule
        if self.turns:
            d["turns"] = list(self.turns)
        if self.similar_to is not None:
            d["similar_to"] = self.similar_to
        if self.near_sound:
            d["near_sound"] = True
        if self.reading is not None:
            d["reading"] = self.reading
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Flag:
        """The flag of :meth:`to_dict`'s output (a stored result)."""
        return cls(ref=str(d["ref"]), kind=str(d["kind"]), score=float(d.get("score", 1.0)),
                   span=(int(d["span"][0]), int(d["span"][1])),
                   matched=str(d.get("matched", "")), standard=str(d.get("standard", "")),
                   category=d.get("category"), also=tuple(d.get("also") or ()),
                   rule=d.get("rule"), turns=tuple(d.get("turns") or ()),
                   similar_to=d.get("similar_to"), near_sound=bool(d.get("near_sound")),
                   reading=d.get("reading"))


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
    min_pair_fraction: float = 0.35
    """A form is aligned only when this share of its syllable pairs occurs in the utterance."""
    retry_pair_fraction: float = 0.15
    """A short utterance (at most ``retry_max_syllables``) that matched nothing is tried
    again against forms sharing this smaller share: ASR errors of half a syllable each break
    two pairs, so a badly heard line (大将您论再见 for 打搅您了再见) keeps few of them."""
    retry_max_syllables: int = 24
    word_boundaries: bool = True
    """Short forms and lexicon words must start and end on jieba word boundaries."""
    prefer_section: str | None = None
    """When two refs match the same words equally well (1.1.7 and 5.4 are the same
    sentence), prefer this section ("1" during an appointment call, "5" on site);
    None prefers the one listed first in the phrasebank."""

    def threshold_overrides(self) -> dict[str, float]:
        """The thresholds these options set, by kind (the others are the bank's)."""
        given = {"script": self.script_threshold, "taboo": self.taboo_threshold,
                 "discipline": self.discipline_threshold}
        return {k: v for k, v in given.items() if v is not None}
