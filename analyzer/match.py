"""Matching: find every taboo, discipline rule and script line in an utterance.

Each form of the phrasebank is compiled once into a phonetic key (two tokens per
syllable, see :mod:`analyzer.phonetic`) with *free* positions where its slots (a name,
number or time) and clause gaps sit. An utterance is normalised, encoded the same way,
and aligned only against the forms that share enough syllable pairs with it (an inverted
index). The alignment is rapidfuzz's LCS over the token strings, inside a window found by
``partial_ratio_alignment``; the score is the Indel similarity between the form and the
tightest span of the utterance that holds it, with slot and gap contents not counted
against it. A form must also be *covered*: most of its tokens must be found, so that an
utterance that is a mere part of a longer line does not match it.

Short forms (at most ``matching.short_max`` syllables, e.g. 你们必须) are held to an
exact phonetic match, most of their characters identical, and jieba word boundaries at
both ends. Rules are speaker-aware: agent-only entries (all of 8.x and 9.x) never flag a
customer's words.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain, product, repeat
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from phrasebank import GAP, SLOT, Entry, Phrasebank, expand_form

from .normalise import Normalised, Normaliser
from .phonetic import PhoneticEncoder
from .segment import Segmenter

try:  # the regex parser: anchors of the 8.0 patterns are read from their parse trees
    from re import _parser as _sre  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as _sre  # type: ignore[no-redef]

try:  # the C helper behind Counter.update, without Counter's per-call overhead
    from _collections import _count_elements
except ImportError:  # pragma: no cover - other Pythons
    from collections import _count_elements  # type: ignore[attr-defined]

__all__ = ["Flag", "MatchOptions", "Matcher", "SPEAKERS", "check_speaker"]

log = logging.getLogger(__name__)

SPEAKERS = ("agent", "customer", "unknown")
_ALT_RE = re.compile(r"\[([^\]]*)\]")
# Slices of a phonetic code: syllable i is code[2i:2i+2], the pair (i, i+1) code[2i:2i+4].
# Mapping str.__getitem__ over these runs in C.
_PAIRS = [slice(2 * i, 2 * i + 4) for i in range(512)]
_LEXICON_STANDARD = "凡脏话、粗话、讽刺、训斥客户的话均列为服务禁语"


def check_speaker(speaker: str) -> None:
    """Raise ValueError unless ``speaker`` is one of :data:`SPEAKERS`."""
    if speaker not in SPEAKERS:
        raise ValueError(f"speaker must be one of {', '.join(SPEAKERS)}, got {speaker!r}")


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

    @property
    def is_violation(self) -> bool:
        return self.kind in ("taboo", "discipline")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"ref": self.ref, "kind": self.kind, "score": self.score,
                             "span": list(self.span), "matched": self.matched,
                             "standard": self.standard}
        if self.category is not None:
            d["category"] = self.category
        if self.also:
            d["also"] = list(self.also)
        return d


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


@dataclass(slots=True)
class _Form:
    fid: int
    order: int  # entry order in the bank (tie-break)
    entry: Entry
    chars: str
    code: str
    free: dict[int, int]  # token offset in code -> tokens that may be inserted there free
    n: int  # syllables
    short: bool
    threshold: float
    keys: tuple[str, ...] = field(default_factory=tuple)
    need: int = 1
    ext: int = 0  # window extension for the alignment, in tokens
    min_lcs: int = 0  # tokens an alignment must match: ceil(threshold * len(code))


@dataclass(slots=True)
class _RawForm:
    """A form as written, with its [a|b] expansions compiled.

    Rather than aligning every expansion, :meth:`choose` picks, for each group, the
    alternative whose phonetic code occurs in the utterance (the longest such; else the
    empty alternative, else the first): one alignment per form.
    """

    whole: str  # code of the form with every alternative in place, in order ("" : none)
    whole_need: int  # tokens it must share with an utterance for any expansion to match
    alt_codes: tuple[tuple[str, ...], ...]
    default: tuple[int, ...]
    expansions: dict[tuple[int, ...], _Form]
    context: tuple[tuple[str, str], ...]  # per group: syllable before, syllable after
    entry: Entry
    need: int  # syllable pairs an utterance must share with it (the index's filter)
    max_n: int = 0  # syllables of its longest expansion

    tests: tuple[tuple[int, int, tuple[str, ...]], ...] = ()
    """(group, alternative, needles): compiled from the fields above by :meth:`compile`,
    longest alternative first within a group, so the first one found is the choice."""

    def compile(self) -> None:
        tests = []
        for g, (alts, (before, after)) in enumerate(zip(self.alt_codes, self.context,
                                                        strict=True)):
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
        self.tests = tuple((g, i, n) for g, _, i, n in tests)

    def choose(self, code: str) -> _Form | None:
        if not self.alt_codes:
            return self.expansions.get(())
        choice = list(self.default)
        done = -1
        for g, i, needles in self.tests:
            if g == done:
                continue
            for n in needles:
                if n in code:
                    choice[g] = i
                    done = g
                    break
        return self.expansions.get(tuple(choice))


@dataclass(slots=True)
class _Hit:
    form: _Form
    score: float
    start: int  # syllable offsets in the normalised text
    end: int
    also: list[str] = field(default_factory=list)


class Matcher:
    """Compiled phrasebank + index. Build once; :meth:`find_all` is thread-safe."""

    def __init__(self, bank: Phrasebank, *, normaliser: Normaliser, segmenter: Segmenter,
                 options: MatchOptions | None = None) -> None:
        self.bank = bank
        self.options = options or MatchOptions()
        self.normaliser = normaliser
        self.segmenter = segmenter
        self.encoder = PhoneticEncoder()
        self._encode = self.encoder.encode if self.options.phonetic else _char_code
        th = dict(bank.matching.thresholds)
        for kind, val in (("script", self.options.script_threshold),
                          ("taboo", self.options.taboo_threshold),
                          ("discipline", self.options.discipline_threshold)):
            if val is not None:
                th[kind] = val
        self._thresholds = th
        self.forms: list[_Form] = []
        # Inverted index: syllable pair -> entries (by order) whose forms hold it. Indexing
        # entries rather than their [a|b] expansions keeps the postings short.
        self._index: dict[str, list[int]] = {}
        # Pairs an utterance must share with a raw form (id >= 0) or a short form (~fid);
        # the loose needs are for the second try (see MatchOptions.retry_pair_fraction).
        self._needs: dict[int, int] = {}
        self._loose_needs: dict[int, int] = {}
        self._sizes: dict[int, int] = {}  # syllables of a raw form's shortest expansion
        # Raw forms as written (see _RawForm); the index points at them, so that only the
        # forms that share enough syllable pairs with an utterance are looked at.
        self._raw_forms: list[_RawForm] = []
        for order, entry in enumerate(bank.entries):
            for raw in entry.forms:
                self._add_raw_form(order, entry, raw)
        self._lexicon: list[tuple[str, str, str, str]] = []  # (code, chars, category, label)
        for g in bank.lexicon:
            for w in g.words:
                chars = self.normaliser.normalise(w).text
                if chars:
                    self._lexicon.append((self._encode(chars), chars, g.category, g.label))
        # How often each syllable occurs in the standard's own lines: a stand-in for how
        # often agents say it, to pick the rarest sound of a word or pattern as its anchor.
        self._sound_freq: dict[str, int] = {}  # syllables (2 tokens) and pairs of them (4)
        for e in bank.entries:
            ec = self._encode(self.normaliser.normalise(e.text).text)
            for k in range(0, len(ec), 2):
                for width in (2, 4):
                    if k + width <= len(ec):
                        key = ec[k:k + width]
                        self._sound_freq[key] = self._sound_freq.get(key, 0) + 1
        # Lexicon words by their rarest syllable pair (one-character words by their
        # syllable): the utterance's pairs are known already, and most hold none of these.
        self._lexicon_by_pair: dict[str, list[tuple[str, str, str, str]]] = {}
        self._lexicon_by_syl: dict[str, list[tuple[str, str, str, str]]] = {}
        for item in sorted(self._lexicon, key=lambda t: -len(t[0])):
            wc = item[0]
            if len(wc) >= 4:
                pairs = [wc[k:k + 4] for k in range(0, len(wc) - 2, 2)]
                self._lexicon_by_pair.setdefault(min(pairs, key=self._rarity), []).append(item)
            else:
                self._lexicon_by_syl.setdefault(wc, []).append(item)
        # 8.0 patterns, each run only when the utterance holds a sound that every match of
        # it must contain (found from the pattern's parse tree).
        # Patterns whose every match is at least 4 characters long also run on the text with
        # each character replaced by the bank's own character of the same sound (夒子有问题
        # reads 脑子有问题); shorter ones would turn harmless homophones into findings.
        self._canon = _Canon(self.encoder if self.options.phonetic else None,
                             "".join(g.patterns[i] for g in bank.lexicon
                                     for i in range(len(g.patterns)))
                             + "".join(e.text for e in bank.entries))
        self._patterns: list[tuple[re.Pattern[str], str, str, bool]] = []
        self._pattern_anchor: dict[str, list[int]] = {}  # anchor syllable -> patterns
        self._pattern_pair: dict[str, list[int]] = {}  # anchor syllable pair -> patterns
        self._patterns_always: list[int] = []
        for g in bank.lexicon:
            for p in g.patterns:
                for phonetic in (False, True):
                    if phonetic and (not self.options.phonetic or _min_width(p) < 4):
                        continue
                    src = self._canon.pattern(p) if phonetic else p
                    i = len(self._patterns)
                    self._patterns.append((re.compile(src), g.category, g.label, phonetic))
                    pair_codes = self._pair_anchor(src)
                    if pair_codes:  # the most selective: two sounds in a row
                        for pc in pair_codes:
                            self._pattern_pair.setdefault(pc, []).append(i)
                        continue
                    anchors = _required_chars(
                        src, cost=lambda cs: sum(self._rarity(self._char_syl(c)) for c in cs))
                    if not anchors:
                        self._patterns_always.append(i)
                    # Anchored by the anchor's syllable: a pattern runs when the utterance
                    # holds that sound. For a homophone-canonical pattern this is exactly
                    # "the canonical text holds the anchor"; for a literal one a cheap
                    # superset of "the text holds it".
                    for c in anchors:
                        self._pattern_anchor.setdefault(self._char_syl(c), []).append(i)
        # The few single-syllable anchors are looked for in the code directly (a match can
        # only start on a syllable: initials, finals and other characters never collide).
        self._anchor_syls = sorted(set(self._lexicon_by_syl) | set(self._pattern_anchor))
        # Every pair that anchors a word or a pattern: one set operation tells whether an
        # utterance (most hold none) needs the lexicon stage at all.
        self._lexicon_pairs = frozenset(self._lexicon_by_pair) | frozenset(self._pattern_pair)
        self._agent_only = all(e.speaker == "agent" for e in bank.entries)
        # Per speaker, the needs with the forms that do not apply to that speaker made
        # unreachable: the candidate filter drops them, no per-candidate speaker test.
        never = 1 << 30
        self._needs_by: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
        for sp in SPEAKERS:
            off = {r for r in self._needs if not self._applies(
                (self._raw_forms[r] if r >= 0 else self.forms[~r]).entry, sp)}
            self._needs_by[sp] = (
                {r: never if r in off else n for r, n in self._needs.items()},
                {r: never if r in off else n for r, n in self._loose_needs.items()})
        log.debug("matcher: %d forms, %d index keys, %d lexicon words",
                  len(self.forms), len(self._index), len(self._lexicon))

    # -- compile -----------------------------------------------------------------------
    def _rarity(self, syl: str) -> int:
        return self._sound_freq.get(syl, 0)

    def _char_syl(self, c: str) -> str:
        return self._encode(self.normaliser.normalise(c).text or c)[:2]

    def _pair_anchor(self, pattern: str) -> set[str]:
        """Codes of two-character sequences one of which every match of ``pattern`` holds
        (the rarest such set), or an empty set when the pattern has none."""
        best: set[str] = set()
        best_cost = math.inf
        for cand in _required_pairs(pattern):
            codes = set()
            for pair in cand:
                norm = self.normaliser.normalise(pair).text
                if len(norm) != 2:  # normalisation changes it: not a safe anchor
                    break
                codes.add(self._encode(norm))
            else:
                cost = sum(self._rarity(c) + 0.5 for c in codes)
                if cost < best_cost:
                    best, best_cost = codes, cost
        return best

    def _key(self, form: str) -> str:
        """The normalised characters of a form, without slot and gap markers."""
        x = expand_form(form)[0]
        return "".join(c for c in self.normaliser.normalise(x).text if c not in (SLOT, GAP))

    def _add_raw_form(self, order: int, entry: Entry, raw: str) -> None:
        parts = _ALT_RE.split(raw)  # fixed, alts, fixed, alts, ..., fixed
        alt_groups = [p.split("|") for p in parts[1::2]]
        expansions: dict[tuple[int, ...], _Form] = {}
        for choice in product(*(range(len(g)) for g in alt_groups)):
            text = parts[0] + "".join(g[i] + parts[2 * k + 2]
                                      for k, (g, i) in enumerate(zip(alt_groups, choice,
                                                                     strict=True)))
            f = self._add_form(order, entry, expand_form(text)[0])  # slots and gaps
            if f is not None and not f.short:
                expansions[choice] = f
        if not expansions:
            return
        alt_codes = tuple(tuple(self._encode(self._key(a)) if self._key(a) else "" for a in g)
                          for g in alt_groups)
        default = tuple(g.index("") if "" in g else 0 for g in alt_groups)
        context = []
        for k in range(len(alt_groups)):
            left = expand_form(parts[2 * k])[0] if parts[2 * k] else ""
            right = expand_form(parts[2 * k + 2])[0] if parts[2 * k + 2] else ""
            lk = self._key(left) if left and left[-1] not in (SLOT, GAP) else ""
            rk = self._key(right) if right and right[0] not in (SLOT, GAP) else ""
            context.append((self._encode(lk[-1:]), self._encode(rk[:1])))
        # Every expansion is a subsequence of the form with all its alternatives in a row,
        # so the LCS with that bounds every expansion's: one test instead of choosing one.
        whole = ""
        if alt_groups:
            whole = self._encode(self._key(parts[0] + "".join(
                "".join(g) + parts[2 * k + 2] for k, g in enumerate(alt_groups))))
            if any(LCSseq.similarity(f.code, whole) < len(f.code) for f in expansions.values()):
                whole = ""  # normalisation at a seam differs: no such test for this form
        rid = len(self._raw_forms)
        rf = _RawForm(whole=whole,
                      whole_need=min(f.min_lcs for f in expansions.values()),
                      alt_codes=alt_codes, default=default,
                      expansions=expansions, context=tuple(context), entry=entry,
                      need=min(f.need for f in expansions.values()),
                      max_n=max(f.n for f in expansions.values()))
        rf.compile()
        self._raw_forms.append(rf)
        for key in {k for f in expansions.values() for k in (f.keys or (f.code,))}:
            self._index.setdefault(key, []).append(rid)
        self._needs[rid] = self._raw_forms[rid].need
        self._sizes[rid] = min(f.n for f in expansions.values())
        self._loose_needs[rid] = max(1, min(
            math.ceil(self.options.retry_pair_fraction * len(f.keys))
            for f in expansions.values()))

    def _add_form(self, order: int, entry: Entry, form: str) -> _Form | None:
        norm = self.normaliser.normalise(form).text
        chars: list[str] = []
        free: dict[int, int] = {}
        m = self.bank.matching
        for c in norm:
            if c in (SLOT, GAP):
                if chars:  # a leading slot costs nothing anyway
                    allow = 2 * (m.slot_max if c == SLOT else m.gap_max)
                    free[2 * len(chars)] = free.get(2 * len(chars), 0) + allow
            else:
                chars.append(c)
        text = "".join(chars)
        free.pop(2 * len(text), None)  # a trailing slot costs nothing either
        if not text:
            return None
        n = len(text)
        code = self._encode(text)
        short = n <= m.short_max and not free
        f = _Form(fid=len(self.forms), order=order, entry=entry, chars=text, code=code,
                  free=free, n=n, short=short, threshold=entry.threshold or
                  self._thresholds[entry.kind])
        # Syllable pairs that lie inside one clause (a pair across a slot is no evidence).
        cuts = {p // 2 for p in free}
        keys = [code[2 * i: 2 * i + 4] for i in range(n - 1) if (i + 1) not in cuts]
        f.keys = tuple(dict.fromkeys(keys))
        if short:
            f.need = len(f.keys) or 1
        else:
            f.need = max(1, math.ceil(self.options.min_pair_fraction * len(f.keys)))
        f.ext = 2 * (sum(free.values()) // 2 + n // 3 + 2)
        f.min_lcs = math.ceil(f.threshold * len(code) - 1e-9)
        self.forms.append(f)
        if short:  # short forms are indexed one by one, as ~fid (long ones by raw form)
            for k in f.keys or (code,):
                self._index.setdefault(k, []).append(~f.fid)
            self._needs[~f.fid] = f.need
            self._loose_needs[~f.fid] = f.need  # short forms: all pairs, always
            self._sizes[~f.fid] = f.n
        return f

    # -- public ------------------------------------------------------------------------
    def find_all(self, text: str, *, speaker: str = "agent",
                 score_cutoff: float | None = None,
                 prefer_section: str | None = None) -> list[Flag]:
        """Every flag in ``text`` said by ``speaker`` (agent | customer | unknown).

        ``score_cutoff`` raises (never lowers) the phrasebank's thresholds;
        ``prefer_section`` overrides ``MatchOptions.prefer_section`` for this call. Flags
        come in the order of their spans.
        """
        check_speaker(speaker)
        if speaker == "customer" and self._agent_only:
            return []  # every rule of this bank is about the agent's words
        return self._find(self.normaliser.normalise(text), speaker, score_cutoff,
                          prefer_section)

    def find_many(self, rows: Sequence[tuple[str, str]], *,
                  score_cutoff: float | None = None,
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
        out: list[list[Flag]] = [[] for _ in rows]
        todo = [i for i, (_, speaker) in enumerate(rows)
                if not (speaker == "customer" and self._agent_only)]
        texts = [rows[i][0] for i in todo]
        try:
            norms = self.normaliser.normalise_many(texts)
        except ValueError:  # text that is not text (a lone surrogate): name its row
            for i, text in zip(todo, texts, strict=True):
                try:
                    self.normaliser.normalise(text)
                except ValueError as exc:
                    raise ValueError(f"row {i}: {exc}") from exc
            raise
        for i, norm in zip(todo, norms, strict=True):
            out[i] = self._find(norm, rows[i][1], score_cutoff, prefer_section)
        return out

    def _find(self, norm: Normalised, speaker: str, score_cutoff: float | None,
              prefer_section: str | None) -> list[Flag]:
        chars = norm.text
        if not chars:
            return []
        code = self._encode(chars)
        m = len(chars)
        if m <= 1:
            keys = {code}
        elif m <= 512:
            keys = set(map(code.__getitem__, _PAIRS[:m - 1]))
        else:
            keys = {code[2 * i: 2 * i + 4] for i in range(m - 1)}
        hits = self._hits(chars, code, keys, speaker, score_cutoff or 0.0)
        prefer = prefer_section or self.options.prefer_section
        flags = [self._flag(norm, h) for h in self._resolve(hits, prefer)]
        if speaker != "customer":
            flags.extend(self._lexicon_flags(norm, code, keys))
        if len(flags) > 1:
            flags.sort(key=lambda f: (f.span, f.ref))
        return flags

    def best(self, text: str, *, speaker: str = "agent", ref: str | None = None,
             kind: str | None = None, score_cutoff: float | None = None) -> Flag | None:
        """The highest-scoring flag (of ``ref`` / ``kind`` when given), or None."""
        flags = [f for f in self.find_all(text, speaker=speaker, score_cutoff=score_cutoff)
                 if (ref is None or f.ref == ref) and (kind is None or f.kind == kind)]
        return max(flags, key=lambda f: f.score) if flags else None

    def similarity(self, text: str, ref: str) -> float:
        """Best similarity of ``text`` to any form of ``ref`` (0 when none aligns); no cutoff."""
        norm = self.normaliser.normalise(text)
        code = self._encode(norm.text)
        best = 0.0
        for f in self.forms:
            if f.entry.ref == ref and code:
                r = self._align(f, code)
                if r:
                    best = max(best, r[0])
        return best

    # -- internals ---------------------------------------------------------------------
    def _applies(self, entry: Entry, speaker: str) -> bool:
        return entry.speaker == "any" or speaker == "unknown" or entry.speaker == speaker

    def _hits(self, chars: str, code: str, keys: set[str], speaker: str,
              cutoff: float) -> list[_Hit]:
        m = len(chars)
        hits: list[_Hit] = []
        counts: dict[int, int] = {}
        _count_elements(counts, chain.from_iterable(map(self._index.get, keys, repeat(()))))
        needs, loose = self._needs_by[speaker]
        self._try([r for r, c in counts.items() if c >= needs[r]], chars, code, cutoff, hits)
        if not hits and m <= self.options.retry_max_syllables:
            # A badly heard line is the whole utterance: only forms of about its length,
            # that share fewer pairs than the first try asked for but enough for the second.
            lo, hi = 0.6 * m, 1.6 * m
            sizes = self._sizes
            near = [r for r, c in counts.items()
                    if loose[r] <= c < needs[r] and lo <= sizes[r] <= hi]
            if near:
                self._try(near, chars, code, cutoff, hits)
        return hits

    def _try(self, rids: list[int], chars: str, code: str, cutoff: float,
             hits: list[_Hit]) -> None:
        """Align the candidate forms ``rids`` (all apply to the speaker) and keep the hits."""
        lcs = LCSseq.similarity
        raw_forms = self._raw_forms
        forms_all = self.forms
        # Entries already matched word for word, with the longest such form's length: another
        # form of the entry no longer can outrank that hit (it scores at most 1.0 and covers
        # no more words), so it is not aligned (a line has variants; most are candidates).
        perfect: dict[int, int] = {}
        for rid in rids:
            if rid < 0:  # a short form: exact phonetic match at word boundaries
                h = self._short(forms_all[~rid], chars, code)
                if h is not None and h.score >= cutoff:
                    hits.append(h)
                continue
            rf = raw_forms[rid]
            if perfect and perfect.get(id(rf.entry), -1) >= rf.max_n:
                continue
            # The LCS over the whole utterance bounds the aligned coverage from above and
            # costs little (C, bit-parallel): first for all the form's alternatives at once.
            if rf.whole and not lcs(rf.whole, code, score_cutoff=rf.whole_need):
                continue
            f = rf.choose(code)
            if f is None or not lcs(f.code, code, score_cutoff=f.min_lcs):
                continue
            pos = code.find(f.code)
            if pos >= 0 and not pos & 1:
                # Said word for word (as the clean script usually is): nothing aligns better.
                score, s, e = 1.0, pos >> 1, (pos >> 1) + f.n
            else:
                r = self._align(f, code)
                if r is None:
                    continue
                score, s, e = r
            if score >= max(f.threshold, cutoff):
                hits.append(_Hit(f, score, s, e))
                if score == 1.0 and perfect.get(id(rf.entry), -1) < f.n:
                    perfect[id(rf.entry)] = f.n

    def _short(self, f: _Form, chars: str, code: str) -> _Hit | None:
        pos = code.find(f.code)
        while pos != -1:
            if pos % 2 == 0:
                s = pos // 2
                e = s + f.n
                same = sum(a == b for a, b in zip(chars[s:e], f.chars, strict=False))
                if same >= f.n - (1 if f.n >= 3 else 0) and (
                    not self.options.word_boundaries
                    or self.segmenter.is_word_span(chars, s, e)
                ):
                    return _Hit(f, round(0.9 + 0.1 * same / f.n, 3), s, e)
            pos = code.find(f.code, pos + 1)
        return None

    def _align(self, f: _Form, code: str) -> tuple[float, int, int] | None:
        a = f.code
        la = len(a)
        w0 = 0
        window = code
        if len(code) > la + 2 * f.ext:
            al = fuzz.partial_ratio_alignment(a, code)
            if al is None:
                return None
            w0 = max(0, al.dest_start - f.ext)
            w0 -= w0 % 2
            window = code[w0: al.dest_end + f.ext]
        ops: list[tuple[str, int, int, int, int]] = \
            LCSseq.opcodes(a, window).as_list()  # type: ignore[assignment]
        blocks = [(i1, i2, j1 + w0, j2 + w0) for tag, i1, i2, j1, j2 in ops if tag == "equal"]
        if not blocks:
            return None
        # Per gap between blocks: the inserted tokens that a slot or a clause gap absorbs.
        # A gap within a syllable of the slot's place draws on it too: a stray token of
        # the words said in the gap (这 of 说了吗这个怎么…) can split it in two.
        used_at = []
        left = dict(f.free)
        for prev, nxt in zip(blocks, blocks[1:], strict=False):
            gap = nxt[2] - prev[3]
            use = 0
            if gap > 0 and left:
                for p, v in left.items():
                    if v and prev[1] - 2 <= p <= nxt[0] + 2:
                        take = min(gap - use, v)
                        left[p] = v - take
                        use += take
                        if use == gap:
                            break
            used_at.append(use)
        matched = sum(b[1] - b[0] for b in blocks)
        span = blocks[-1][3] - blocks[0][2]
        used = sum(used_at)
        lo, hi = 0, len(blocks) - 1
        score = 2 * matched / (la + span - used)
        # Trim stray matches at either end while that tightens the span, but never below
        # the coverage the form needs: past it, a higher score is of a span no longer
        # holding the form. Of the longest common subsequences, rapidfuzz's matches each
        # token as early as it can, so a filler before a line lends it a stray first token
        # (个 of 那个刚才…): that block is trimmed, 刚才 is not.
        need = f.min_lcs
        while hi > lo:
            b_lo, b_hi = blocks[lo], blocks[hi]
            m1 = matched - (b_lo[1] - b_lo[0])
            sp1 = span - (blocks[lo + 1][2] - b_lo[2])
            u1 = used - used_at[lo]
            s1 = 2 * m1 / (la + sp1 - u1)
            m2 = matched - (b_hi[1] - b_hi[0])
            sp2 = span - (b_hi[3] - blocks[hi - 1][3])
            u2 = used - used_at[hi - 1]
            s2 = 2 * m2 / (la + sp2 - u2)
            if m1 < need:
                s1 = 0.0
            if m2 < need:
                s2 = 0.0
            if s1 > score and s1 >= s2:
                lo, matched, span, used, score = lo + 1, m1, sp1, u1, s1
            elif s2 > score:
                hi, matched, span, used, score = hi - 1, m2, sp2, u2, s2
            else:
                break
        if matched < need:  # the form must be covered, not merely overlapped
            return None
        return round(score, 3), blocks[lo][2] // 2, (blocks[hi][3] + 1) // 2

    def _resolve(self, hits: list[_Hit], prefer: str | None) -> list[_Hit]:
        """Keep the best hit among those that cover the same words (one ref per span)."""
        if len(hits) <= 1:
            return hits

        def rank(h: _Hit) -> tuple[float, int, int, int]:
            pref = 1 if prefer and h.form.entry.ref.split(".")[0] == prefer else 0
            return (h.score, h.form.n, pref, -h.form.order)

        # A script line inside a longer one that also matched (5.1 inside 5.5, 5.3 inside
        # 1.1.2) is part of that line, not a flag of its own.
        scripts = [h for h in hits if h.form.entry.kind == "script"]
        hits = [h for h in hits if not (h.form.entry.kind == "script" and any(
            k.form.n > h.form.n and k.form.entry.ref != h.form.entry.ref
            and k.start <= h.start + 1 and h.end <= k.end + 1 for k in scripts))]
        kept: list[_Hit] = []
        for h in sorted(hits, key=rank, reverse=True):
            clash = False
            for k in kept:
                ov = min(h.end, k.end) - max(h.start, k.start)
                if ov <= 0:
                    continue
                if k.form.entry.ref == h.form.entry.ref:
                    clash = True
                    break
                if ov > 0.5 * min(h.end - h.start, k.end - k.start):
                    clash = True
                    if (h.score == k.score and (h.start, h.end) == (k.start, k.end)
                            and h.form.entry.ref not in k.also):
                        k.also.append(h.form.entry.ref)  # the standard repeats this line
                    break
            if not clash:
                kept.append(h)
        return kept

    def _flag(self, norm: Normalised, h: _Hit) -> Flag:
        s, e = norm.span(h.start, h.end)
        return Flag(ref=h.form.entry.ref, kind=h.form.entry.kind, score=h.score, span=(s, e),
                    matched=norm.source[s:e], standard=h.form.entry.text, also=tuple(h.also))

    def _lexicon_flags(self, norm: Normalised, code: str, keys: set[str]) -> list[Flag]:
        """8.0 findings: lexicon words and patterns (``keys``: the code's syllable pairs)."""
        pairs = keys.intersection(self._lexicon_pairs)
        sylls = [syl for syl in self._anchor_syls if syl in code]
        if not pairs and not sylls and not self._patterns_always:
            return []
        chars = norm.text
        found: list[tuple[int, int, str, str]] = []
        by_pair, by_syl = self._lexicon_by_pair, self._lexicon_by_syl
        words = [by_pair[p] for p in pairs if p in by_pair]
        words.extend(by_syl[syl] for syl in sylls if syl in by_syl)
        for group in words:
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
                                len(w) > 2 or not self.options.word_boundaries
                                or self.segmenter.is_word_span(chars, s, e)):
                            found.append((s, e, cat, lab))
                    pos = code.find(wcode, pos + 1)
        anchors = self._pattern_anchor
        hit = [anchors[syl] for syl in sylls if syl in anchors]
        by_pattern = self._pattern_pair
        hit.extend(by_pattern[p] for p in pairs if p in by_pattern)
        run = sorted(set(self._patterns_always).union(*hit)) if hit else self._patterns_always
        canon = None
        for i in run:
            rx, cat, lab, phonetic = self._patterns[i]
            if phonetic:
                if canon is None:
                    canon = chars.translate(self._canon)
                target = canon
            else:
                target = chars
            for mt in rx.finditer(target):
                if mt.end() > mt.start():
                    found.append((mt.start(), mt.end(), cat, lab))
        flags: list[Flag] = []
        taken: list[tuple[int, int]] = []
        for s, e, cat, lab in sorted(found, key=lambda t: (t[0], -(t[1] - t[0]))):
            if any(min(e, te) > max(s, ts) for ts, te in taken):
                continue
            taken.append((s, e))
            os_, oe = norm.span(s, e)
            flags.append(Flag(ref="8.0", kind="taboo", score=1.0, span=(os_, oe),
                              matched=norm.source[os_:oe],
                              standard=f"{_LEXICON_STANDARD}({lab})", category=cat))
        return flags


def _char_code(text: str) -> str:
    """Character 'codes' of the same shape as the phonetic ones (2 tokens per character)."""
    return "".join(c + "\ue7ff" for c in text)


class _Canon(dict[int, str]):
    """Translate table: a character → the bank's first character of the same sound."""

    def __init__(self, encoder: PhoneticEncoder | None, vocabulary: str) -> None:
        super().__init__()
        self.encoder = encoder
        self.by_code: dict[str, str] = {}
        if encoder is not None:
            for ch in vocabulary:
                if _is_han(ch):
                    self.by_code.setdefault(encoder.encode(ch), ch)

    def __missing__(self, o: int) -> str:
        ch = chr(o)
        r = ch
        if self.encoder is not None and _is_han(ch):
            r = self.by_code.get(self.encoder.encode(ch), ch)
        self[o] = r
        return r

    def pattern(self, pattern: str) -> str:
        """The pattern with its Chinese characters made canonical (regex syntax is ASCII)."""
        return pattern.translate(self)


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002fa1f"


def _min_width(pattern: str) -> int:
    try:
        return int(_sre.parse(pattern).getwidth()[0])
    except re.error:
        return 0


def _required_chars(pattern: str, cost: Callable[[set[str]], float]) -> set[str]:
    """Characters one of which every match of ``pattern`` contains (empty: unknown).

    Looks at the pattern's top-level items: a literal, a character class of literals, or a
    group / alternation whose every branch starts with a known character; of those that
    must match, the one of least ``cost`` is the most selective anchor; on a tie the later
    item, which is usually the rarer word (病 rather than 你 in 你…有病).
    """
    try:
        tree = _sre.parse(pattern)
    except re.error:
        return set()
    candidates = [c for item in tree if (c := _first_chars(item, _sre))]
    if not candidates:
        return set()
    return min(reversed(candidates), key=cost)


def _required_pairs(pattern: str) -> list[set[str]]:
    """Sets of two-character strings, each set such that every match of ``pattern`` holds
    one of its strings: per top-level item whose every string is 2+ characters long (one
    pair of each string), and per two adjacent items that must both match (the last
    character of one with the first of the next)."""
    try:
        tree = _sre.parse(pattern)
    except re.error:
        return []
    items = [_item_strings(item, _sre) for item in tree]
    out: list[set[str]] = []
    for k, strs in enumerate(items):
        if strs and all(len(x) >= 2 for x in strs):
            out.append({x[:2] for x in strs})
        nxt = items[k + 1] if k + 1 < len(items) else None
        if strs and nxt and all(strs) and all(nxt):
            pairs = {a[-1] + b[0] for a in strs for b in nxt}
            if len(pairs) <= 32:
                out.append(pairs)
    return out


def _item_strings(item: Any, sre: Any, limit: int = 64) -> set[str] | None:
    """The literal strings a parsed regex item matches (None: not a small finite set)."""
    op, av = item
    if op == sre.LITERAL:
        return {chr(av)}
    if op == sre.IN:
        if not all(o == sre.LITERAL for o, _ in av):
            return None
        return {chr(a) for _, a in av}
    if op == sre.SUBPATTERN:
        return _seq_strings(av[-1], sre, limit)
    if op == sre.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            sub = _seq_strings(alt, sre, limit)
            if sub is None:
                return None
            out |= sub
        return out if len(out) <= limit else None
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] == av[1] == 1:
        return _seq_strings(av[2], sre, limit)
    return None


def _seq_strings(seq: Any, sre: Any, limit: int) -> set[str] | None:
    out = {""}
    for item in seq:
        strs = _item_strings(item, sre, limit)
        if strs is None:
            return None
        out = {a + b for a in out for b in strs}
        if len(out) > limit:
            return None
    return out


def _first_chars(item: Any, sre: Any) -> set[str]:
    op, av = item
    if op == sre.LITERAL:
        return {chr(av)}
    if op == sre.IN:
        out = set()
        for o, a in av:
            if o != sre.LITERAL:
                return set()
            out.add(chr(a))
        return out
    if op == sre.SUBPATTERN:
        sub = av[-1]
        return _first_chars(sub[0], sre) if len(sub) else set()
    if op == sre.BRANCH:
        out = set()
        for alt in av[1]:
            if not len(alt):
                return set()
            c = _first_chars(alt[0], sre)
            if not c:
                return set()
            out |= c
        return out
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
        sub = av[2]
        return _first_chars(sub[0], sre) if len(sub) else set()
    return set()
