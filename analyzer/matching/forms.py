"""The phrasebank compiled once for matching: every form normalised and encoded.

A form (:class:`Form`) is one expansion of an entry's form: its normalised characters, its
phonetic code (two tokens per syllable, see :mod:`analyzer.phonetic`), the token offsets
where a slot or a clause gap may take free tokens, and what an alignment must reach to
count. A form as written with ``[a|b]`` groups is an :class:`AlternativeForm`: rather than
aligning every expansion, it picks per group the alternative said in the utterance (one
alignment per written form). :class:`CompiledBank` holds them all, with each syllable's
frequency in the standard (rare sounds make selective anchors).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product

from rapidfuzz.distance import LCSseq

from phrasebank import GAP, SLOT, Entry, Phrasebank, expand_form, split_alternatives

from ..normalise import Normaliser
from ..phonetic import PhoneticEncoder
from .results import MatchOptions

__all__ = ["AlternativeForm", "CompiledBank", "Form", "char_code"]

_CHANCE = 10.0  # how much likelier than independence two syllables follow each other

Encode = Callable[[str], str]


def char_code(text: str) -> str:
    """Character 'codes' of the same shape as the phonetic ones (2 tokens per character)."""
    return "".join(c + "\ue7ff" for c in text)


@dataclass(slots=True)
class Form:
    """One expansion of a form, ready to align."""

    form_id: int
    order: int  # its entry's place in the bank (the tie-break between equal hits)
    entry: Entry
    chars: str  # normalised, without slot and gap markers
    code: str  # phonetic tokens of ``chars``
    free_tokens: dict[int, int]  # token offset in code -> tokens a slot / gap there absorbs
    syllables: int
    short: bool  # few syllables and no slot: exact phonetic match on word boundaries
    threshold: float
    pairs: tuple[str, ...] = ()  # its syllable pairs within a clause (the index's keys)
    pairs_needed: int = 1  # of those, how many an utterance must hold to be aligned
    window_margin: int = 0  # tokens added either side of the aligned window
    min_matched: int = 0  # tokens an alignment must match: ceil(threshold * len(code))
    must_hear: tuple[int, ...] = ()
    """Violations: the token offsets of its negations (``MatchingConfig.negations``), each
    syllable of which an alignment must match."""
    clauses: tuple[tuple[int, int], ...] = ()
    """Violations in clauses: each clause's token range, of which an alignment must match
    ``MatchingConfig.clause_min``; () for one clause."""


@dataclass(slots=True)
class AlternativeForm:
    """A form as written, with its ``[a|b]`` groups: the expansion to align is chosen by
    :meth:`choose`, from what the utterance holds."""

    bound_code: str
    """Code of the form with every alternative in place, in order ("" : no such bound).
    Every expansion is a subsequence of it, so its LCS with an utterance bounds theirs."""
    bound_needed: int  # tokens it must share with an utterance for any expansion to match
    alternative_codes: tuple[tuple[str, ...], ...]
    default_choice: tuple[int, ...]  # per group: the empty alternative, else the first
    expansions: dict[tuple[int, ...], Form]  # by the alternative chosen in each group
    neighbours: tuple[tuple[str, str], ...]  # per group: the syllable before, the one after
    entry: Entry
    pairs_needed: int  # syllable pairs an utterance must share with it (the index's filter)
    max_syllables: int = 0  # of its longest expansion
    min_syllables: int = 0  # of its shortest expansion
    retry_pairs_needed: int = 1  # the same, for the second try (MatchOptions.retry_*)
    choice_tests: tuple[tuple[int, int, tuple[str, ...]], ...] = ()
    """(group, alternative, needles), longest alternative first within a group, so that the
    first one found in an utterance is the one chosen."""

    def compile_choice(self) -> None:
        tests = []
        for g, (alts, (before, after)) in enumerate(zip(self.alternative_codes,
                                                        self.neighbours, strict=True)):
            for i, ac in enumerate(alts):
                if not ac:
                    continue
                # One syllable found anywhere is weak evidence (是, 的 occur everywhere):
                # it must stand next to the form's syllable before or after it.
                if len(ac) <= 2 and (before or after):
                    needles = tuple(n for n in ((before + ac) if before else "",
                                                (ac + after) if after else "") if n)
                else:
                    needles = (ac,)
                tests.append((g, -len(ac), i, needles))
        tests.sort(key=lambda t: (t[0], t[1], t[2]))  # stable: the first of equal lengths
        self.choice_tests = tuple((g, i, n) for g, _, i, n in tests)

    def choose(self, code: str) -> Form | None:
        """The expansion whose alternatives occur in ``code`` (the longest found per
        group; else the group's default)."""
        if not self.alternative_codes:
            return self.expansions.get(())
        choice = list(self.default_choice)
        done = -1
        for g, i, needles in self.choice_tests:
            if g == done:
                continue
            for n in needles:
                if n in code:
                    choice[g] = i
                    done = g
                    break
        return self.expansions.get(tuple(choice))


@dataclass
class CompiledBank:
    """Every form of a phrasebank normalised and encoded once, reused by every stage."""

    bank: Phrasebank
    normaliser: Normaliser
    options: MatchOptions
    word_frequency: dict[str, int] = field(default_factory=dict, repr=False)
    """How common each word of one or two characters is (the segmenter's dictionary)."""
    sound_frequency: dict[str, float] = field(init=False, default_factory=dict, repr=False)
    encode: Encode = field(init=False)
    thresholds: dict[str, float] = field(init=False)
    forms: list[Form] = field(init=False, default_factory=list)
    """Every expansion; the short ones are matched on their own, the others through
    :attr:`alternative_forms`."""
    alternative_forms: list[AlternativeForm] = field(init=False, default_factory=list)
    candidate_ids: list[int] = field(init=False, default_factory=list)
    """The short forms (``~form_id``) and alternative forms (their index) in the order they
    were compiled: the index lists candidates in this order."""
    sound_counts: dict[str, int] = field(init=False, default_factory=dict)
    """How often each syllable (2 tokens) and pair of syllables (4) occurs in the standard's
    own lines: a stand-in for how often agents say it, to pick rare sounds as anchors."""

    def __post_init__(self) -> None:
        encoder = PhoneticEncoder()
        self.encoder = encoder
        self.encode = encoder.encode if self.options.phonetic else char_code
        self.thresholds = {**self.bank.matching.thresholds,
                           **self.options.threshold_overrides()}
        sound_frequency = self.sound_frequency
        for w, f in self.word_frequency.items():
            code = self.encode(w)
            sound_frequency[code] = sound_frequency.get(code, 0.0) + f
        self._total = float(sum(self.word_frequency.values()) or 1)
        for order, entry in enumerate(self.bank.entries):
            for written in entry.forms:
                self._add_written_form(order, entry, written)
        for e in self.bank.entries:
            ec = self.encode(self.normalise(e.text))
            for k in range(0, len(ec), 2):
                for width in (2, 4):
                    if k + width <= len(ec):
                        key = ec[k:k + width]
                        self.sound_counts[key] = self.sound_counts.get(key, 0) + 1

    def normalise(self, text: str) -> str:
        return self.normaliser.normalise(text).text

    def sound_likelihood(self, code: str) -> float:
        """How likely an utterance holds ``code`` (one syllable, or a pair): how common the
        words of one or two characters of that sound are (``word_frequency``); a pair is at
        least as likely as its two syllables said side by side by chance (你的 is no word of
        the dictionary, but common)."""
        freq = self.sound_frequency
        if len(code) < 4:
            return freq.get(code, 1.0)
        chance = _CHANCE * freq.get(code[:2], 1.0) * freq.get(code[2:], 1.0) / self._total
        return max(freq.get(code, 1.0), chance)

    def rarity(self, sound: str) -> int:
        """How often ``sound`` (a syllable or a pair) occurs in the standard: lower is rarer."""
        return self.sound_counts.get(sound, 0)

    def syllable_of(self, ch: str) -> str:
        """The code of one character, normalised first (您 sounds as 你)."""
        return self.encode(self.normalise(ch) or ch)[:2]

    def _key(self, form: str) -> str:
        """The normalised characters of a form, without slot and gap markers."""
        x = expand_form(form)[0]
        return "".join(c for c in self.normalise(x) if c not in (SLOT, GAP))

    def _add_written_form(self, order: int, entry: Entry, written: str) -> None:
        fixed, groups = split_alternatives(written)
        expansions: dict[tuple[int, ...], Form] = {}
        for choice in product(*(range(len(g)) for g in groups)):
            text = fixed[0] + "".join(g[i] + fixed[k + 1]
                                      for k, (g, i) in enumerate(zip(groups, choice,
                                                                     strict=True)))
            f = self._add_form(order, entry, expand_form(text)[0])  # slots and gaps
            if f is not None and not f.short:
                expansions[choice] = f
        if not expansions:
            return
        alt_codes = tuple(tuple(self.encode(self._key(a)) if self._key(a) else "" for a in g)
                          for g in groups)
        default = tuple(g.index("") if "" in g else 0 for g in groups)
        neighbours = []
        for k in range(len(groups)):
            left = expand_form(fixed[k])[0] if fixed[k] else ""
            right = expand_form(fixed[k + 1])[0] if fixed[k + 1] else ""
            lk = self._key(left) if left and left[-1] not in (SLOT, GAP) else ""
            rk = self._key(right) if right and right[0] not in (SLOT, GAP) else ""
            neighbours.append((self.encode(lk[-1:]), self.encode(rk[:1])))
        bound = ""
        if groups:
            bound = self.encode(self._key(fixed[0] + "".join(
                "".join(g) + fixed[k + 1] for k, g in enumerate(groups))))
            if any(LCSseq.similarity(f.code, bound) < len(f.code) for f in expansions.values()):
                bound = ""  # normalisation at a seam differs: no such bound for this form
        forms = expansions.values()
        af = AlternativeForm(
            bound_code=bound, bound_needed=min(f.min_matched for f in forms),
            alternative_codes=alt_codes, default_choice=default, expansions=expansions,
            neighbours=tuple(neighbours), entry=entry,
            pairs_needed=min(f.pairs_needed for f in forms),
            max_syllables=max(f.syllables for f in forms),
            min_syllables=min(f.syllables for f in forms),
            retry_pairs_needed=max(1, min(
                math.ceil(self.options.retry_pair_fraction * len(f.pairs)) for f in forms)))
        af.compile_choice()
        self.candidate_ids.append(len(self.alternative_forms))
        self.alternative_forms.append(af)

    def _add_form(self, order: int, entry: Entry, form: str) -> Form | None:
        norm = self.normalise(form)
        chars: list[str] = []
        free: dict[int, int] = {}
        m = self.bank.matching
        slot_max = m.slot_max if entry.slot_max is None else entry.slot_max
        clause_starts = [0]
        for c in norm:
            if c in (SLOT, GAP):
                if chars:  # a leading slot costs nothing anyway
                    allow = 2 * (slot_max if c == SLOT else m.gap_max)
                    free[2 * len(chars)] = free.get(2 * len(chars), 0) + allow
                    if c == GAP and clause_starts[-1] < 2 * len(chars):
                        clause_starts.append(2 * len(chars))
            else:
                chars.append(c)
        text = "".join(chars)
        free.pop(2 * len(text), None)  # a trailing slot costs nothing either
        if not text:
            return None
        n = len(text)
        code = self.encode(text)
        short = n <= m.short_max and not free
        f = Form(form_id=len(self.forms), order=order, entry=entry, chars=text, code=code,
                 free_tokens=free, syllables=n, short=short,
                 threshold=entry.threshold or self.thresholds[entry.kind])
        # Syllable pairs that lie inside one clause (a pair across a slot is no evidence).
        cuts = {p // 2 for p in free}
        pairs = [code[2 * i: 2 * i + 4] for i in range(n - 1) if (i + 1) not in cuts]
        f.pairs = tuple(dict.fromkeys(pairs))
        if short:
            f.pairs_needed = len(f.pairs) or 1
        else:
            f.pairs_needed = max(1, math.ceil(self.options.min_pair_fraction * len(f.pairs)))
        f.window_margin = 2 * (sum(free.values()) // 2 + n // 3 + 2)
        f.min_matched = math.ceil(f.threshold * len(code) - 1e-9)
        if entry.is_violation:
            f.must_hear = tuple(2 * i for i, c in enumerate(text) if c in m.negations)
            bounds = [p for p in clause_starts if p < len(code)] + [len(code)]
            if len(bounds) > 2 and m.clause_min > 0:
                f.clauses = tuple(zip(bounds, bounds[1:], strict=False))
        self.forms.append(f)
        if short:
            self.candidate_ids.append(~f.form_id)
        return f
