"""Rules (see :mod:`phrasebank.rules`) compiled for matching: a regular expression each,
and an anchor that tells cheaply whether an utterance may hold a match.

A rule runs over the normalised text. Its words are normalised the same way when it is
compiled. A rule whose every match is at least :data:`MIN_SOUNDALIKE_CHARS` characters
long also runs over the text with each character replaced by the bank's own character of
the same sound (夒子有问题 reads 脑子有问题): shorter ones would turn harmless homophones
into findings. A rule runs only when the utterance holds, by sound, a word of each of its
required tokens (a superset of holding them by characters): one look-up per syllable and
pair of the utterance tells which rules can match at all, and most utterances run none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from phrasebank.rules import END, Choice, Gap, Rule

from ..normalise import Normalised
from ..phonetic import PhoneticEncoder
from .forms import CompiledBank

__all__ = ["MIN_SOUNDALIKE_CHARS", "RuleHit", "RuleSet", "SameSound"]

MIN_SOUNDALIKE_CHARS = 4
_MAX_ACROSS = 256  # a pair across two tokens is a candidate anchor up to this many codes
P = TypeVar("P")


class SameSound(dict[int, str]):
    """A ``str.translate`` table: a character → the bank's first character of its sound."""

    def __init__(self, encoder: PhoneticEncoder, vocabulary: str) -> None:
        super().__init__()
        self.encoder = encoder
        self.by_code: dict[str, str] = {}
        for ch in vocabulary:
            if _is_han(ch):
                self.by_code.setdefault(encoder.encode(ch), ch)

    def __missing__(self, o: int) -> str:
        ch = chr(o)
        r = ch
        if _is_han(ch):
            r = self.by_code.get(self.encoder.encode(ch), ch)
        self[o] = r
        return r


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002fa1f"


class RuleHit(NamedTuple, Generic[P]):
    """A rule's match: offsets in the normalised text, what it means, the rule's text (a
    tuple: the matcher makes many of them; a frozen dataclass costs twice as much to
    make, 0.52 µs against 0.23)."""

    start: int
    end: int
    payload: P
    rule: str


@dataclass
class _Compiled(Generic[P]):
    literal: re.Pattern[str]
    soundalike: re.Pattern[str] | None
    payload: P
    min_chars: int
    text: str


class RuleSet(Generic[P]):
    """Rules, each with a payload (what a match of it means), compiled over a bank."""

    def __init__(self, bank: CompiledBank, rules: Iterable[tuple[Rule, P]],
                 vocabulary: str = "") -> None:
        self.bank = bank
        self.same_sound = SameSound(bank.encoder, vocabulary) if bank.options.phonetic \
            else None
        self.rules: list[_Compiled[P]] = []
        # Each rule is anchored by up to three sets of codes least likely in speech (see
        # _anchors): it runs when the utterance holds a code of each. The first is looked
        # up (code -> rules), the others tested on the rules found. Measured on the bench
        # rows: 16 rules ran per utterance with one anchor, 2.3 with two, 1.2 with three.
        postings: dict[str, set[int]] = {}  # first anchor's code -> rules
        self.extra: list[tuple[frozenset[str], ...]] = []  # per rule, its other anchors
        for rule, payload in rules:
            tokens = [self._normalised(t) for t in rule.tokens]
            if any(isinstance(t, Choice) and not t.words and not t.optional for t in tokens):
                continue  # a required word vanished in normalisation: it cannot be said
            source = "".join(self._regex(t) for t in tokens)
            sounds = None
            if self.same_sound is not None and rule.min_chars >= MIN_SOUNDALIKE_CHARS:
                sounds = re.compile("".join(self._regex(t, self.same_sound) for t in tokens))
            i = len(self.rules)
            self.rules.append(_Compiled(re.compile(source), sounds, payload, rule.min_chars,
                                        rule.text))
            anchors = self._anchors(tokens)
            for c in anchors[0] if anchors else ():
                postings.setdefault(c, set()).add(i)
            self.extra.append(tuple(frozenset(a) for a in anchors[1:]))
        self.postings = {c: tuple(sorted(r)) for c, r in postings.items()}
        # a set intersected with a set iterates over the smaller one, with a dict over the
        # dict's keys
        self.keys = frozenset(self.postings)

    def _anchors(self, tokens: list[Choice | Gap | str]) -> list[set[str]]:
        """The three sets of codes least likely in speech (by
        :meth:`CompiledBank.sound_likelihood`) such that every match holds one code of each.
        Candidates: per required token, each word's least likely pair of syllables (one-
        syllable words by their syllable: a rare word that starts like a common one,
        不可理喻, is still rare); per two required tokens said in a row, the last syllable
        of one with the first of the next (你 + 傻: 你傻)."""
        like = self.bank.sound_likelihood
        encode = self.bank.encode
        scored: list[tuple[float, int, set[str]]] = []

        def required(t: Choice | Gap | str) -> bool:
            return isinstance(t, Choice) and not t.optional and END not in t.words

        for k, t in enumerate(tokens):
            if not isinstance(t, Choice) or not required(t):
                continue
            codes = set()
            for w in t.words:
                c = encode(w)
                pairs = [c[x:x + 4] for x in range(0, len(c) - 2, 2)]
                codes.add(min(pairs, key=like) if pairs else c)
            scored.append((sum(map(like, codes)), len(scored), codes))
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if isinstance(nxt, Choice) and required(nxt) and \
                    len(t.words) * len(nxt.words) <= _MAX_ACROSS:
                across = {encode(a[-1] + b[0]) for a in t.words for b in nxt.words}
                scored.append((sum(map(like, across)), len(scored), across))
        return [codes for _, _, codes in sorted(scored)[:3]]
    def _normalised(self, t: Choice | Gap | str) -> Choice | Gap | str:
        if not isinstance(t, Choice):
            return t
        words = tuple(dict.fromkeys(w for w in (x if x == END else self.bank.normalise(x)
                                                for x in t.words) if w))
        return Choice(words, t.optional)

    @staticmethod
    def _regex(t: Choice | Gap | str, table: SameSound | None = None) -> str:
        if isinstance(t, Gap):
            return f".{{0,{t.max_chars}}}"
        if isinstance(t, str):
            return t  # ^ or $
        words = [w.translate(table) if table is not None else w for w in t.words]
        alts = "|".join("$" if w == END else re.escape(w) for w in dict.fromkeys(words))
        if len(t.words) == 1 and not t.optional:
            return "$" if words[0] == END else re.escape(words[0])
        return f"(?:{alts})?" if t.optional else f"(?:{alts})"

    def candidates(self, sounds: set[str]) -> list[int]:
        """The rules whose anchors an utterance holds (``sounds``: its syllables and pairs
        of syllables), in rule order."""
        keys = sounds.intersection(self.keys)
        if not keys:
            return []
        extra = self.extra
        postings = self.postings
        found: list[int] = []
        for k in keys:
            for r in postings[k]:
                for a in extra[r]:
                    if sounds.isdisjoint(a):
                        break
                else:
                    found.append(r)
        if len(found) > 1:
            found = sorted(set(found))
        return found

    def find(self, norm: Normalised, sounds: set[str],
             soundalike_min_chars: int | None = MIN_SOUNDALIKE_CHARS) -> list[RuleHit[P]]:
        """Matches in an utterance (``sounds``: its syllables and pairs of syllables), in
        rule order, literal matches of a rule before its sound-alike ones. Sound-alike
        matches only of rules whose every match has at least ``soundalike_min_chars``
        characters (None: none)."""
        run = self.candidates(sounds)
        if not run:
            return []
        chars = norm.text
        soundalike: str | None = None
        out: list[RuleHit[P]] = []
        rules = self.rules
        for i in run:
            r = rules[i]
            # most candidates match nothing: one search says so (no iterator, no hits)
            if r.literal.search(chars) is not None:
                for m in r.literal.finditer(chars):
                    out.append(RuleHit(m.start(), m.end(), r.payload, r.text))
            if r.soundalike is not None and soundalike_min_chars is not None \
                    and r.min_chars >= soundalike_min_chars:
                if soundalike is None:
                    assert self.same_sound is not None
                    soundalike = chars.translate(self.same_sound)
                if r.soundalike.search(soundalike) is not None:
                    for m in r.soundalike.finditer(soundalike):
                        out.append(RuleHit(m.start(), m.end(), r.payload, r.text))
        return out
