"""8.0: uncivil language that the standard names by kind, not by line (the bank's ``lexicon``).

``words`` match by sound (homophones included) as whole words; ``rules`` are the bank's
rule syntax (see :mod:`phrasebank.rules`, compiled by :mod:`.rules`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phrasebank import LEXICON_STANDARD

from ..normalise import Normalised
from .forms import CompiledBank
from .results import Flag
from .rules import GUARD_SOUNDALIKE_FROM, RuleHit, RuleSet
from .sources import SourcePolicy

__all__ = ["Lexicon"]

# (code, characters, category, label) of one word
_Word = tuple[str, str, str, str]


class Lexicon:
    """The compiled 8.0 words and patterns of a bank."""

    def __init__(self, bank: CompiledBank,
                 is_word_span: Callable[[str, int, int], bool] | None,
                 vocabulary: str = "") -> None:
        """``vocabulary``: the characters that stand for their sounds when the guards are
        read by sound (the matcher's: its rules' first, then the guards')."""
        self.is_word_span = is_word_span
        encode = bank.encode
        words: list[_Word] = []
        self.exact: set[str] = set()  # words never matched by sound
        for g in bank.bank.lexicon:
            self.exact.update(bank.normalise(w) for w in g.exact)
            for w in g.words:
                chars = bank.normalise(w)
                if chars:
                    words.append((encode(chars), chars, g.category, g.label))
        # Words by their rarest syllable pair (one-character words by their syllable): an
        # utterance's pairs are known already, and most hold none of these.
        self.by_pair: dict[str, list[_Word]] = {}
        self.by_syllable: dict[str, list[_Word]] = {}
        for item in sorted(words, key=lambda t: -len(t[0])):
            wc = item[0]
            if len(wc) >= 4:
                pairs = [wc[k:k + 4] for k in range(0, len(wc) - 2, 2)]
                self.by_pair.setdefault(min(pairs, key=bank.rarity), []).append(item)
            else:
                self.by_syllable.setdefault(wc, []).append(item)
        self.anchor_pairs = frozenset(self.by_pair)
        self.anchor_syllables = frozenset(self.by_syllable)
        # Look-alikes per category: a finding inside a guard's match is none.
        self.guards: RuleSet[str] = RuleSet(
            bank, ((r, g.category) for g in bank.bank.lexicon for r in g.guards), vocabulary,
            soundalike_from=GUARD_SOUNDALIKE_FROM)
        # Of those, the look-alike words themselves (他妈妈, 傻瓜相机): the guards that name
        # no concept. A guard that does reads a context (别 before a bad trait: 别磨叽 is
        # none of the trait rules' findings, and is still rude).
        self.look_alikes: RuleSet[str] = RuleSet(
            bank, ((r, g.category) for g in bank.bank.lexicon for r in g.guards
                   if "{" not in r.text))
        # Every sound that starts a word: one set operation tells that an utterance holds
        # none, as most do.
        self.any_sound = self.anchor_pairs | frozenset(self.by_syllable)

    def find(self, norm: Normalised, code: str, sounds: set[str], source: SourcePolicy,
             rule_hits: list[RuleHit[Any]]) -> list[Flag]:
        """8.0 flags of an utterance (``code``: its phonetic code, ``sounds``: its
        syllables and pairs of syllables; ``rule_hits``: matches of the 8.0 rules, whose
        payload is ``(category, label)``), sound standing in for characters as far as
        ``source`` allows (its ``guards_by_sound``: the guards too, in a recogniser's text
        滚筒 written 滚痛)."""
        found: list[tuple[int, int, str, str, str | None]] = [
            (h.start, h.end, *h.payload, h.rule) for h in rule_hits]
        if not found and sounds.isdisjoint(self.any_sound):
            return []
        chars = norm.text
        groups = [self.by_pair[p] for p in sounds.intersection(self.anchor_pairs)]
        groups.extend(self.by_syllable[s] for s in sounds.intersection(self.anchor_syllables))
        for group in groups:
            for wcode, w, cat, lab in group:
                pos = code.find(wcode)
                while pos != -1:
                    if pos % 2 == 0:
                        s, e = pos // 2, (pos + len(wcode)) // 2
                        same = sum(a == b for a, b in zip(chars[s:e], w, strict=False))
                        # Words of up to two characters must stand as words (滚 is not
                        # 滚动); sound may stand in for characters as the source allows.
                        if same >= source.word_same_needed(w, w in self.exact) and (
                                len(w) > 2 or self.is_word_span is None
                                or self.is_word_span(chars, s, e)):
                            found.append((s, e, cat, lab, None))
                    pos = code.find(wcode, pos + 1)
        if not found:
            return []
        guarded = self.guards.find(
            norm, sounds, GUARD_SOUNDALIKE_FROM if source.guards_by_sound else None) \
            if self.guards.rules else []
        if guarded:
            found = [f for f in found if not any(
                g.payload == f[2] and g.start < f[1] and f[0] < g.end for g in guarded)]
        flags: list[Flag] = []
        taken: list[tuple[int, int]] = []
        for s, e, cat, lab, rule in sorted(found, key=lambda t: (t[0], -(t[1] - t[0]))):
            if any(min(e, te) > max(s, ts) for ts, te in taken):
                continue
            taken.append((s, e))
            os_, oe = norm.span(s, e)
            flags.append(Flag(ref="8.0", kind="taboo", score=1.0, span=(os_, oe),
                              matched=norm.source[os_:oe],
                              standard=f"{LEXICON_STANDARD}({lab})", category=cat,
                              rule=rule))
        return flags

