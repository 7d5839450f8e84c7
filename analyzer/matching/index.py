"""Candidates: which forms an utterance may match, found by the syllable pairs they share.

An inverted index maps each syllable pair (4 tokens) to the forms that hold it. A form is
aligned only when the utterance holds enough of its pairs (``MatchOptions.
min_pair_fraction``); a short utterance that matched nothing gets a second, looser try
(``retry_pair_fraction``) against forms of about its length. Per speaker, the forms whose
entry does not apply to that speaker are made unreachable up front.

Candidate ids: ``i >= 0`` is ``bank.alternative_forms[i]``; ``~i`` (negative) is the short
form ``bank.forms[i]``, indexed on its own.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from phrasebank import SPEAKERS, Entry

from .forms import CompiledBank

__all__ = ["CandidateIndex", "applies_to"]

_UNREACHABLE = 1 << 30


def applies_to(entry: Entry, speaker: str) -> bool:
    """Whether ``entry`` flags words said by ``speaker`` (an unknown speaker: every entry)."""
    return entry.speaker == "any" or speaker == "unknown" or entry.speaker == speaker


class CandidateIndex:
    """Syllable pair → candidate ids, and the pairs each candidate needs, per speaker."""

    def __init__(self, bank: CompiledBank) -> None:
        self.postings: dict[str, list[int]] = {}
        needed: dict[int, int] = {}
        retry_needed: dict[int, int] = {}
        self.syllables: dict[int, int] = {}  # of each candidate's shortest expansion
        entries: dict[int, Entry] = {}
        for cid in bank.candidate_ids:
            if cid < 0:
                f = bank.forms[~cid]
                for k in f.pairs or (f.code,):
                    self.postings.setdefault(k, []).append(cid)
                needed[cid] = retry_needed[cid] = f.pairs_needed  # short forms: all, always
                self.syllables[cid] = f.syllables
                entries[cid] = f.entry
                continue
            af = bank.alternative_forms[cid]
            keys = {k for f in af.expansions.values() for k in (f.pairs or (f.code,))}
            for k in keys:
                self.postings.setdefault(k, []).append(cid)
            needed[cid] = af.pairs_needed
            retry_needed[cid] = af.retry_pairs_needed
            self.syllables[cid] = af.min_syllables
            entries[cid] = af.entry
        self.keys = frozenset(self.postings)  # as a set: intersections iterate the smaller
        self._needed_by: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
        for sp in SPEAKERS:
            off = {c for c, e in entries.items() if not applies_to(e, sp)}
            self._needed_by[sp] = (
                {c: _UNREACHABLE if c in off else n for c, n in needed.items()},
                {c: _UNREACHABLE if c in off else n for c, n in retry_needed.items()})

    def count(self, sounds: set[str]) -> dict[int, int]:
        """How many of ``sounds`` (an utterance's syllable pairs; syllables may be among
        them) each candidate holds."""
        keys = sounds.intersection(self.keys)
        return Counter(chain.from_iterable(map(self.postings.__getitem__, keys)))

    def candidates(self, counts: dict[int, int], speaker: str) -> list[int]:
        """The candidates that hold enough pairs and apply to ``speaker``."""
        needed = self._needed_by[speaker][0]
        return [c for c, n in counts.items() if n >= needed[c]]

    def retry_candidates(self, counts: dict[int, int], speaker: str,
                         syllables: int) -> list[int]:
        """For a second try: the candidates that fell short of :meth:`candidates` but hold
        the looser share, and whose length is near the utterance's ``syllables``."""
        needed, retry = self._needed_by[speaker]
        lo, hi = 0.6 * syllables, 1.6 * syllables
        sizes = self.syllables
        return [c for c, n in counts.items()
                if retry[c] <= n < needed[c] and lo <= sizes[c] <= hi]
