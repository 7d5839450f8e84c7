"""8.0: uncivil language that the standard names by kind, not by line (the bank's ``lexicon``).

``words`` match by sound (homophones included) as whole words; ``rules`` are the bank's
rule syntax (see :mod:`phrasebank.rules`, compiled by :mod:`.rules`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from phrasebank import LEXICON_STANDARD

from ..normalise import Normalised
from .forms import CompiledBank
from .results import Flag
from .rules import RuleSet

__all__ = ["Lexicon"]

# (code, characters, category, label) of one word
_Word = tuple[str, str, str, str]


class Lexicon:
    """The compiled 8.0 words and patterns of a bank."""

    def __init__(self, bank: CompiledBank,
                 is_word_span: Callable[[str, int, int], bool] | None) -> None:
        self.is_word_span = is_word_span
        encode = bank.encode
        words: list[_Word] = []
        for g in bank.bank.lexicon:
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
        vocabulary = "".join(r.text for g in bank.bank.lexicon for r in g.rules) + \
            "".join(e.text for e in bank.bank.entries)
        self.rules: RuleSet[tuple[str, str]] = RuleSet(
            bank, ((r, (g.category, g.label)) for g in bank.bank.lexicon for r in g.rules),
            vocabulary)
        # Every anchor of words and rules: one set operation (and a few substring tests)
        # tell that an utterance holds none, as most do.
        self.any_pair = self.anchor_pairs | self.rules.anchor_pairs
        self.any_syllable = tuple(set(self.by_syllable) | set(self.rules.by_syllable))

    def find(self, norm: Normalised, code: str, pairs: set[str]) -> list[Flag]:
        """8.0 flags of an utterance (``code``: its phonetic code, ``pairs``: its pairs)."""
        if pairs.isdisjoint(self.any_pair) and not any(s in code for s in self.any_syllable):
            return []
        chars = norm.text
        found: list[tuple[int, int, str, str]] = []
        groups = [self.by_pair[p] for p in pairs.intersection(self.anchor_pairs)]
        groups.extend(words for syl, words in self.by_syllable.items() if syl in code)
        for group in groups:
            for wcode, w, cat, lab in group:
                pos = code.find(wcode)
                while pos != -1:
                    if pos % 2 == 0:
                        s, e = pos // 2, (pos + len(wcode)) // 2
                        same = sum(a == b for a, b in zip(chars[s:e], w, strict=False))
                        # One-character words must be that character; longer ones may be
                        # homophones in part. Words of up to two characters must stand
                        # as words (滚 is not 滚动).
                        if same >= (len(w) if len(w) == 1 else math.ceil(len(w) / 2)) and (
                                len(w) > 2 or self.is_word_span is None
                                or self.is_word_span(chars, s, e)):
                            found.append((s, e, cat, lab))
                    pos = code.find(wcode, pos + 1)
        found.extend((h.start, h.end, *h.payload) for h in self.rules.find(norm, code, pairs))
        if not found:
            return []
        flags: list[Flag] = []
        taken: list[tuple[int, int]] = []
        for s, e, cat, lab in sorted(found, key=lambda t: (t[0], -(t[1] - t[0]))):
            if any(min(e, te) > max(s, ts) for ts, te in taken):
                continue
            taken.append((s, e))
            os_, oe = norm.span(s, e)
            flags.append(Flag(ref="8.0", kind="taboo", score=1.0, span=(os_, oe),
                              matched=norm.source[os_:oe],
                              standard=f"{LEXICON_STANDARD}({lab})", category=cat))
        return flags

