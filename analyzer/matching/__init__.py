"""Matching: find every taboo, discipline rule and script line in an utterance.

The stages, one module each:

- :mod:`.forms`: the phrasebank compiled once (:class:`CompiledBank`);
- :mod:`.index`: candidates, by the syllable pairs an utterance shares with each form;
- :mod:`.align`: one form aligned against one utterance (pure functions);
- :mod:`.resolve`: overlapping hits resolved, twins named, hits turned into flags;
- :mod:`.lexicon`: 8.0, the uncivil words and patterns named by kind;
- :mod:`.results`: :class:`Flag` and :class:`MatchOptions`.

:class:`Matcher` is the thin front that runs them. Short forms (at most
``matching.short_max`` syllables, e.g. 你们必须) are held to an exact phonetic match on
jieba word boundaries; rules are speaker-aware: agent-only entries (all of 8.x and 9.x)
never flag a customer's words.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import LCSseq

from phrasebank import Phrasebank, check_speaker

from ..normalise import Normalised, Normaliser
from ..segment import Segmenter
from .align import align, exact_short
from .forms import CompiledBank
from .index import CandidateIndex
from .lexicon import Lexicon
from .resolve import Hit, resolve, to_flag
from .results import Flag, MatchOptions

__all__ = ["Flag", "MatchOptions", "Matcher", "UtteranceMatch"]

log = logging.getLogger(__name__)

# Slices of a phonetic code: syllable pair (i, i+1) is code[2i:2i+4]. Mapping
# str.__getitem__ over them runs in C: a third of the cost of a comprehension over the
# pairs of a typical utterance (measured: 1.9 µs against 3.0 µs for 20 syllables).
_PAIR_SLICES = [slice(2 * i, 2 * i + 4) for i in range(512)]


@dataclass(slots=True)
class UtteranceMatch:
    """What one utterance matched, before resolution: :meth:`flags` resolves it for a
    section preference, so that a conversation whose scenario is still to be inferred
    matches each utterance once."""

    norm: Normalised
    hits: list[Hit]
    lexicon: list[Flag]

    def flags(self, prefer_section: str | None = None) -> list[Flag]:
        if not self.hits:
            return list(self.lexicon)
        flags = [to_flag(self.norm, h) for h in resolve(self.hits, prefer_section)]
        flags.extend(self.lexicon)
        if len(flags) > 1:
            flags.sort(key=lambda f: (f.span, f.ref))
        return flags


class Matcher:
    """Compiled phrasebank + index. Build once; every method is thread-safe."""

    def __init__(self, bank: Phrasebank, *, normaliser: Normaliser, segmenter: Segmenter,
                 options: MatchOptions | None = None) -> None:
        self.options = options or MatchOptions()
        self.normaliser = normaliser
        self.compiled = CompiledBank(bank, normaliser, self.options)
        self.index = CandidateIndex(self.compiled)
        self._word_span = segmenter.is_word_span if self.options.word_boundaries else None
        self.lexicon = Lexicon(self.compiled, self._word_span)
        self._agent_only = all(e.speaker == "agent" for e in bank.entries)
        log.debug("matcher: %d forms, %d index keys", len(self.compiled.forms),
                  len(self.index.postings))

    def find_all(self, text: str, *, speaker: str = "agent",
                 prefer_section: str | None = None) -> list[Flag]:
        """Every flag in ``text`` said by ``speaker`` (agent | customer | unknown), in the
        order of their spans. ``prefer_section`` overrides ``MatchOptions.prefer_section``."""
        check_speaker(speaker)
        return self.match(self.normaliser.normalise(text), speaker).flags(
            prefer_section or self.options.prefer_section)

    def find_many(self, rows: Sequence[tuple[str, str]], *,
                  prefer_section: str | None = None) -> list[list[Flag]]:
        """:meth:`find_all` for each ``(text, speaker)`` of ``rows``, in order; the texts
        are normalised together (see :meth:`Normaliser.normalise_many`). A row with an
        unknown speaker or a text that cannot be encoded (a lone surrogate) raises
        ValueError naming the row."""
        for i, (_, speaker) in enumerate(rows):
            try:
                check_speaker(speaker)
            except ValueError as exc:
                raise ValueError(f"row {i}: {exc}") from None
        prefer = prefer_section or self.options.prefer_section
        texts = [t for t, _ in rows]
        try:
            norms = self.normaliser.normalise_many(texts)
        except UnicodeEncodeError:  # a lone surrogate: name its row
            for i, text in enumerate(texts):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise ValueError(f"row {i}: the text holds an unpaired surrogate at "
                                     f"character {exc.start}") from None
            raise
        return [self.match(norm, speaker).flags(prefer)
                for norm, (_, speaker) in zip(norms, rows, strict=True)]

    def match(self, norm: Normalised, speaker: str) -> UtteranceMatch:
        """The hits of one normalised utterance, unresolved (see :class:`UtteranceMatch`)."""
        chars = norm.text
        if not chars or (speaker == "customer" and self._agent_only):
            return UtteranceMatch(norm, [], [])
        code = self.compiled.encode(chars)
        m = len(chars)
        if m <= 1:
            pairs = {code}
        elif m <= len(_PAIR_SLICES):
            pairs = set(map(code.__getitem__, _PAIR_SLICES[:m - 1]))
        else:
            pairs = {code[2 * i: 2 * i + 4] for i in range(m - 1)}
        counts = self.index.count(pairs)
        hits = self._align(self.index.candidates(counts, speaker), chars, code)
        if not hits and m <= self.options.retry_max_syllables:
            # A badly heard line is the whole utterance: only forms of about its length,
            # that share fewer pairs than the first try asked for but enough for the second.
            near = self.index.retry_candidates(counts, speaker, m)
            if near:
                hits = self._align(near, chars, code)
        lexicon = self.lexicon.find(norm, code, pairs) if speaker != "customer" else []
        return UtteranceMatch(norm, hits, lexicon)

    def _align(self, candidates: list[int], chars: str, code: str) -> list[Hit]:
        """Align the candidate forms (all apply to the speaker); the hits that pass."""
        hits: list[Hit] = []
        bank = self.compiled
        lcs = LCSseq.similarity
        # Entries already matched word for word, with the longest such form's length: another
        # form of the entry no longer can outrank that hit (it scores at most 1.0 and covers
        # no more words), so it is not aligned (a line has variants; most are candidates).
        perfect: dict[int, int] = {}
        for cid in candidates:
            if cid < 0:  # a short form: exact phonetic match at word boundaries
                short = bank.forms[~cid]
                a = exact_short(short.chars, short.code, chars, code, self._word_span)
                if a is not None:
                    hits.append(Hit(short, a.score, a.start, a.end))
                continue
            af = bank.alternative_forms[cid]
            if perfect.get(id(af.entry), -1) >= af.max_syllables:
                continue
            # The LCS over the whole utterance bounds the aligned coverage from above and
            # costs little (C, bit-parallel): first for all the form's alternatives at once.
            if af.bound_code and not lcs(af.bound_code, code, score_cutoff=af.bound_needed):
                continue
            f = af.choose(code)
            if f is None or not lcs(f.code, code, score_cutoff=f.min_matched):
                continue
            pos = code.find(f.code)
            if pos >= 0 and not pos & 1:
                # Said word for word (as the clean script usually is): nothing aligns better.
                score, s, e = 1.0, pos >> 1, (pos >> 1) + f.syllables
            else:
                a = align(f.code, code, free_tokens=f.free_tokens, margin=f.window_margin,
                          min_matched=f.min_matched)
                if a is None:
                    continue
                score, s, e = a
            if score >= f.threshold:
                hits.append(Hit(f, score, s, e))
                if score == 1.0 and perfect.get(id(af.entry), -1) < f.syllables:
                    perfect[id(af.entry)] = f.syllables
        return hits
