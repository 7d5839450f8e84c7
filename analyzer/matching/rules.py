"""Rules (see :mod:`phrasebank.rules`) compiled for matching: a regular expression each,
and an anchor that tells cheaply whether an utterance may hold a match.

A rule runs over the normalised text. Its words are normalised the same way when it is
compiled. A rule whose every match is at least :data:`MIN_SOUNDALIKE_CHARS` characters
long also runs over the text with each character replaced by the bank's own character of
the same sound (夒子有问题 reads 脑子有问题): shorter ones would turn harmless homophones
into findings. Each rule is anchored by the required token whose words are the rarest
sounds in the standard: it runs only when the utterance holds one of them (by sound, a
superset of holding it by characters), which most utterances do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from phrasebank.rules import Choice, Gap, Rule

from ..normalise import Normalised
from ..phonetic import PhoneticEncoder
from .forms import CompiledBank

__all__ = ["MIN_SOUNDALIKE_CHARS", "RuleHit", "RuleSet", "SameSound"]

MIN_SOUNDALIKE_CHARS = 4
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


@dataclass(frozen=True)
class RuleHit(Generic[P]):
    start: int  # offsets in the normalised text
    end: int
    payload: P


@dataclass
class _Compiled(Generic[P]):
    literal: re.Pattern[str]
    soundalike: re.Pattern[str] | None
    payload: P


class RuleSet(Generic[P]):
    """Rules, each with a payload (what a match of it means), compiled over a bank."""

    def __init__(self, bank: CompiledBank, rules: Iterable[tuple[Rule, P]],
                 vocabulary: str = "") -> None:
        self.bank = bank
        self.same_sound = SameSound(bank.encoder, vocabulary) if bank.options.phonetic \
            else None
        self.rules: list[_Compiled[P]] = []
        self.by_pair: dict[str, list[int]] = {}  # anchor syllable pair -> rules
        self.by_syllable: dict[str, list[int]] = {}  # one-character anchors -> rules
        for rule, payload in rules:
            tokens = [self._normalised(t) for t in rule.tokens]
            if any(isinstance(t, Choice) and not t.words and not t.optional for t in tokens):
                continue  # a required word vanished in normalisation: it cannot be said
            source = "".join(self._regex(t) for t in tokens)
            sounds = None
            if self.same_sound is not None and rule.min_chars >= MIN_SOUNDALIKE_CHARS:
                sounds = re.compile("".join(self._regex(t, self.same_sound) for t in tokens))
            i = len(self.rules)
            self.rules.append(_Compiled(re.compile(source), sounds, payload))
            for code in self._anchor(tokens):
                if len(code) >= 4:
                    self.by_pair.setdefault(code, []).append(i)
                else:
                    self.by_syllable.setdefault(code, []).append(i)
        self.anchor_pairs = frozenset(self.by_pair)

    def _normalised(self, t: Choice | Gap | str) -> Choice | Gap | str:
        if not isinstance(t, Choice):
            return t
        words = tuple(dict.fromkeys(w for w in (self.bank.normalise(x) for x in t.words) if w))
        return Choice(words, t.optional)

    @staticmethod
    def _regex(t: Choice | Gap | str, table: SameSound | None = None) -> str:
        if isinstance(t, Gap):
            return f".{{0,{t.max_chars}}}"
        if isinstance(t, str):
            return t  # ^ or $
        words = [w.translate(table) if table is not None else w for w in t.words]
        alts = "|".join(re.escape(w) for w in dict.fromkeys(words))
        if len(t.words) == 1 and not t.optional:
            return re.escape(words[0])
        return f"(?:{alts})?" if t.optional else f"(?:{alts})"

    def _anchor(self, tokens: Sequence[Choice | Gap | str]) -> set[str]:
        """Codes (of two syllables in a row, or of one for a one-character word), one of
        which every match holds, the rarest such set in the standard's sounds. Candidates:
        per required token, one pair of each of its words (or the word's one syllable);
        per two required tokens in a row, the last syllable of one with the first of the
        next."""
        encode, rarity = self.bank.encode, self.bank.rarity
        candidates: list[set[str]] = []
        for k, t in enumerate(tokens):
            if not isinstance(t, Choice) or t.optional:
                continue
            codes = set()
            for w in t.words:
                c = encode(w)
                pairs = [c[i:i + 4] for i in range(0, len(c) - 2, 2)]
                codes.add(min(pairs, key=rarity) if pairs else c)
            candidates.append(codes)
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if isinstance(nxt, Choice) and not nxt.optional:
                across = {encode(a[-1] + b[0]) for a in t.words for b in nxt.words}
                if len(across) <= 32:
                    candidates.append(across)

        def cost(codes: set[str]) -> float:
            # how often the standard says them; one syllable is weaker evidence than two
            return sum(rarity(c) + (2.5 if len(c) < 4 else 0.5) for c in codes)

        return min(candidates, key=cost) if candidates else set()

    def find(self, norm: Normalised, code: str, pairs: set[str]) -> list[RuleHit[P]]:
        """Matches in an utterance (``code``: its phonetic code, ``pairs``: its pairs), in
        rule order, literal matches of a rule before its sound-alike ones."""
        run: set[int] = set()
        for p in pairs.intersection(self.anchor_pairs):
            run.update(self.by_pair[p])
        for syl, ids in self.by_syllable.items():
            if syl in code:
                run.update(ids)
        if not run:
            return []
        chars = norm.text
        soundalike: str | None = None
        out: list[RuleHit[P]] = []
        for i in sorted(run):
            r = self.rules[i]
            out.extend(RuleHit(m.start(), m.end(), r.payload)
                       for m in r.literal.finditer(chars) if m.end() > m.start())
            if r.soundalike is not None:
                if soundalike is None:
                    assert self.same_sound is not None
                    soundalike = chars.translate(self.same_sound)
                out.extend(RuleHit(m.start(), m.end(), r.payload)
                           for m in r.soundalike.finditer(soundalike) if m.end() > m.start())
        return out
