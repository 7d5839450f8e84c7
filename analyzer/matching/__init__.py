"""Matching: find every taboo, discipline rule and script line in an utterance.

The stages, one module each:

- :mod:`.forms`: the phrasebank compiled once (:class:`CompiledBank`);
- :mod:`.index`: candidates, by the syllable pairs an utterance shares with each form;
- :mod:`.align`: one form aligned against one utterance (pure functions);
- :mod:`.resolve`: overlapping hits resolved, twins named, hits turned into flags;
- :mod:`.rules`: the bank's rules (other ways of saying a line, 8.0 rules, guards);
- :mod:`.lexicon`: 8.0, the uncivil words and rules named by kind;
- :mod:`.sources`: how far sound may stand in for characters, by where a text came from;
- :mod:`.results`: :class:`Flag` and :class:`MatchOptions`.

:class:`Matcher` is the thin front that runs them. Short forms (at most
``matching.short_max`` syllables, e.g. 你们必须) are held to an exact phonetic match on
jieba word boundaries; entries are speaker-aware: agent-only entries (all of 8.x and 9.x)
never flag a customer's words. An entry's rules find it said in other words (a flag with
``rule`` set, scoring :data:`RULE_SCORE`); its guards drop a finding that lies inside a
look-alike that overlaps it (你们应该已经收到 is not 8.5).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from rapidfuzz.distance import LCSseq

from phrasebank import Entry, Phrasebank, check_speaker

from ..normalise import Normalised, Normaliser
from ..segment import Segmenter
from .align import align, exact_short
from .forms import CompiledBank
from .index import CandidateIndex, applies_to
from .lexicon import Lexicon
from .resolve import Hit, resolve, to_flag
from .results import Flag, MatchOptions
from .rules import WHOLE_WORDS_BELOW, RuleHit, RuleSet
from .sources import SourcePolicy, policy, policy_for

__all__ = ["NEAR_RULE_SCORE", "RULE_SCORE", "Flag", "MatchOptions", "Matcher", "UtteranceMatch", "sounds_of"]

log = logging.getLogger(__name__)

# Slices of a phonetic code: syllable i is code[2i:2i+2], the pair (i, i+1) code[2i:2i+4].
# Mapping str.__getitem__ over them runs in C: a third of the cost of a comprehension over
# the sounds of a typical utterance (measured: 1.9 µs against 3.0 µs for 20 syllables).
_SOUND_SLICES = [s for i in range(512) for s in (slice(2 * i, 2 * i + 2),
                                                  slice(2 * i, 2 * i + 4))]
RULE_SCORE = 0.9
"""The score of a finding by a rule: below a form said word for word, above the
thresholds (a rule is the bank's own description of the line, not a similarity)."""
NEAR_RULE_SCORE = 0.85
"""The score of a finding by a rule with one word half heard (:mod:`.rules`): below one
heard whole."""


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


def sounds_of(code: str) -> set[str]:
    """The syllables and pairs of syllables of a phonetic code: what forms, rules and words
    are looked up by (the last "pair" is the last syllable again)."""
    m = len(code) // 2
    if m <= 512:
        return set(map(code.__getitem__, _SOUND_SLICES[:2 * m]))
    return {code[2 * i: 2 * i + w] for i in range(m) for w in (2, 4)}


class Matcher:
    """Compiled phrasebank + index. Build once; every method is thread-safe."""

    def __init__(self, bank: Phrasebank, *, normaliser: Normaliser, segmenter: Segmenter,
                 options: MatchOptions | None = None) -> None:
        self.options = options or MatchOptions()
        self.normaliser = normaliser
        self.compiled = CompiledBank(bank, normaliser, self.options,
                                     segmenter.short_word_frequencies())
        self.index = CandidateIndex(self.compiled)
        self._word_span = segmenter.is_word_span if self.options.word_boundaries else None
        order = {e.ref: i for i, e in enumerate(bank.entries)}
        self._order = order
        # The entries' rules and the 8.0 rules, in one set: one look-up of an utterance's
        # sounds finds the candidates of both (payload: an Entry, or an 8.0 (category,
        # label)).
        vocabulary = "".join(r.text for g in bank.lexicon for r in g.rules) + \
            "".join(e.text for e in bank.entries) + \
            "".join(r.text for e in bank.entries for r in e.rules)
        # the look-alikes' own characters after the rules' (a sound's character is the
        # first met)
        vocabulary += "".join(r.text for g in bank.lexicon for r in g.guards)
        self.lexicon = Lexicon(self.compiled, self._word_span, vocabulary)
        self.rules: RuleSet[Entry | tuple[str, str]] = RuleSet(
            self.compiled, chain(((r, e) for e in bank.entries for r in e.rules),
                                 ((r, (g.category, g.label))
                                  for g in bank.lexicon for r in g.rules)), vocabulary,
            near_if=lambda p: isinstance(p, Entry) and p.kind == "script",
            commoner_if=lambda p: not isinstance(p, Entry) or p.is_violation)
        self.entry_guards: RuleSet[str] = RuleSet(
            self.compiled, ((r, e.ref) for e in bank.entries for r in e.guards))
        self._guarded_refs = frozenset(e.ref for e in bank.entries if e.guards)
        self._agent_only = all(e.speaker == "agent" for e in bank.entries)
        log.debug("matcher: %d forms, %d index keys", len(self.compiled.forms),
                  len(self.index.postings))

    def find_all(self, text: str, *, speaker: str = "agent", source: str = "auto",
                 prefer_section: str | None = None) -> list[Flag]:
        """Every flag in ``text`` said by ``speaker`` (agent | customer | unknown), in the
        order of their spans; ``source`` (typed | asr | auto) is where the text came from.
        ``prefer_section`` overrides ``MatchOptions.prefer_section``."""
        check_speaker(speaker)
        return self.match(self.normaliser.normalise(text), speaker, source).flags(
            prefer_section or self.options.prefer_section)

    def find_many(self, rows: Sequence[tuple[str, str]], *,
                  source: str | Sequence[str] = "auto",
                  prefer_section: str | None = None) -> list[list[Flag]]:
        """:meth:`find_all` for each ``(text, speaker)`` of ``rows``, in order; the texts
        are normalised together (see :meth:`Normaliser.normalise_many`). ``source`` is one
        for all rows or one per row. A row with an unknown speaker or source, or a text
        that cannot be encoded (a lone surrogate), raises ValueError naming the row."""
        if isinstance(source, str):
            sources = [policy(source)] * len(rows)
        else:
            if len(source) != len(rows):
                raise ValueError(f"{len(source)} sources for {len(rows)} rows")
            sources = []
            for i, src in enumerate(source):
                try:
                    sources.append(policy(src))
                except ValueError as exc:
                    raise ValueError(f"row {i}: {exc}") from None
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
        return [self.match(norm, speaker, sp).flags(prefer)
                for norm, (_, speaker), sp in zip(norms, rows, sources, strict=True)]

    def guarded(self, text: str, ref: str) -> bool:
        """Whether ``text`` holds a look-alike of line ``ref`` (a guard of its entry, as
        written): the line read there by its wording is no finding either."""
        if ref not in self._guarded_refs:
            return False
        _, hits = self._as_written(self.entry_guards, text)
        return any(g.payload == ref for g in hits)

    def look_alikes(self, text: str) -> list[tuple[int, int]]:
        """The spans of ``text`` that are look-alikes of uncivil words (the 8.0 guards that
        name no concept, as written: 他妈妈, 傻瓜相机), in order: innocent wherever they
        stand, to any reader."""
        norm, hits = self._as_written(self.lexicon.look_alikes, text)
        return sorted(norm.span(g.start, g.end) for g in hits)

    def _as_written(self, rules: RuleSet[str], text: str,
                    ) -> tuple[Normalised, list[RuleHit[str]]]:
        """``text`` normalised, and the matches of ``rules`` in it as written (no sound
        standing in for characters)."""
        norm = self.normaliser.normalise(text)
        if not rules.rules or not norm.text:
            return norm, []
        return norm, rules.find(norm, sounds_of(self.compiled.encode(norm.text)), None)

    def match(self, norm: Normalised, speaker: str,
              source: str | SourcePolicy = "auto") -> UtteranceMatch:
        """The hits of one normalised utterance, unresolved (see :class:`UtteranceMatch`)."""
        chars = norm.text
        if not chars or (speaker == "customer" and self._agent_only):
            return UtteranceMatch(norm, [], [])
        sp = policy_for(source if isinstance(source, SourcePolicy) else policy(source),
                        norm.traditional)
        code = self.compiled.encode(chars)
        m = len(chars)
        sounds = sounds_of(code)
        counts = self.index.count(sounds)
        hits = self._align(self.index.candidates(counts, speaker), chars, code, sp)
        lexicon_rule_hits: list[RuleHit[Any]] = []
        for h in self.rules.find(norm, sounds, sp.soundalike_rules_from, code=code,
                                 near_min_chars=sp.near_rules_from):
            if h.by_sound and h.end - h.start < WHOLE_WORDS_BELOW and \
                    self._word_span is not None and not self._word_span(chars, h.start, h.end):
                continue  # a short match by sound that begins or ends inside a word
            e = h.payload
            if isinstance(e, Entry):
                if applies_to(e, speaker):
                    hits.append(Hit(e, NEAR_RULE_SCORE if h.near else RULE_SCORE, h.start,
                                    h.end, h.end - h.start, self._order[e.ref], h.rule,
                                    h.near))
            else:
                lexicon_rule_hits.append(h)
        if not hits and m <= self.options.retry_max_syllables:
            # A badly heard line is the whole utterance: only forms of about its length,
            # that share fewer pairs than the first try asked for but enough for the second.
            near = self.index.retry_candidates(counts, speaker, m)
            if near:
                hits = self._align(near, chars, code, sp)
        if hits and self._guarded_refs and any(h.ref in self._guarded_refs for h in hits):
            # as written, also in a recogniser's text: these are clauses with gaps, and by
            # sound 但 of 我…没办法…但是 is 单 of 单子太多 (a fresh call's real 8.4 was
            # cleared); the 8.0 words' look-alikes are heard by sound (Lexicon.find)
            guards = self.entry_guards.find(norm, sounds, None)
            if guards:
                hits = [h for h in hits if not any(
                    g.payload == h.ref and g.start < h.end and h.start < g.end
                    for g in guards)]
        lexicon = self.lexicon.find(norm, code, sounds, sp, lexicon_rule_hits) \
            if speaker != "customer" else []
        return UtteranceMatch(norm, hits, lexicon)

    def _align(self, candidates: list[int], chars: str, code: str,
               source: SourcePolicy) -> list[Hit]:
        """Align the candidate forms (all apply to the speaker); the hits that pass."""
        hits: list[Hit] = []
        bank = self.compiled
        lcs = LCSseq.similarity
        questions = bank.bank.matching.question_words

        def asked(text: str) -> bool:
            return any(q in text for q in questions)
        # Entries already matched word for word, with the longest such form's length: another
        # form of the entry no longer can outrank that hit (it scores at most 1.0 and covers
        # no more words), so it is not aligned (a line has variants; most are candidates).
        perfect: dict[int, int] = {}
        for cid in candidates:
            if cid < 0:  # a short form: exact phonetic match at word boundaries
                short = bank.forms[~cid]
                a = exact_short(short.chars, short.code, chars, code, self._word_span,
                                soundalike=not source.short_forms_exact)
                if a is not None:
                    hits.append(Hit.of_form(short, a.score, a.start, a.end))
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
                          min_matched=f.min_matched, must_hear=f.must_hear,
                          clauses=f.clauses, clause_min=bank.bank.matching.clause_min)
                if a is None:
                    continue
                score, s, e = a
            if score >= f.threshold:
                if score < 1.0 and asked(chars[s:e]) and not asked(f.chars):
                    continue  # a question asked where the line states (matching.question_words)
                hits.append(Hit.of_form(f, score, s, e))
                if score == 1.0 and perfect.get(id(af.entry), -1) < f.syllables:
                    perfect[id(af.entry)] = f.syllables
        return hits
