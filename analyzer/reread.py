"""A second reading of the words the recogniser was unsure of.

Whisper decodes a recording's speech as one stream, and what it wrote before an utterance
steers how it reads it. On v2dd04 it wrote 你这人听不懂言话是吧 (言 at p 0.45); the same 2 s
decoded alone read 你这人听不懂人话是吧, and that is a violation (8.0). Beam search keeps one
reading; this module decides which utterances are worth a second one, and what that one
adds:

- a word is *unsure* when its probability is below :attr:`RereadOptions.unsure_below`;
- an utterance is read again when one character of an unsure word, replaced by another,
  completes a word of the bank's violations (:class:`OneOff`: the words of their rules and
  of the word lists of uncivil language, each with one character left open) and the
  utterance then matches a violation it did not match before, over that character and
  over at least :attr:`RereadOptions.min_chars` characters;
- the utterance is decoded again alone (:meth:`analyzer.transcribe.Transcriber.reread`),
  and a violation that the second reading says too is a finding, at its span in the first
  reading (:func:`reading_flags`).

Violations only: a script line has twins in other sections (1.1.1 and 5.1) that the
matcher chooses between by the conversation's scenario, which a finding added beside the
matcher's would skip; and a script line's word heard half wrong is the half-heard rules'
work (:mod:`analyzer.matching.rules`).

The character guessed only chooses what is read again, never a finding: a finding needs the
recogniser's own second reading. Reading an utterance again costs a 30 s window of
Whisper's encoder and a decode (0.6 s on two cores), so :attr:`RereadOptions.most` bounds
how many a recording may have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from phrasebank import Phrasebank
from phrasebank.rules import END, Choice, Rule

from .matching import Flag
from .transcribe import Utterance

__all__ = ["OneOff", "Reading", "RereadOptions", "violation_words", "reading_flags",
           "reread_spans", "unsure_positions"]


@dataclass(frozen=True)
class RereadOptions:
    """Options of the second reading (recorded in every result)."""

    unsure_below: float = 0.5
    """A word the recogniser gave a probability below this is unsure. On the v2 dev
    recordings half the utterances hold one (言 for 人 at 0.45, but 嘴 for 准 at 0.96: a
    word heard wrong with confidence is the half-heard rules' work)."""
    min_chars: int = 4
    """A violation completed by a replaced character must span at least this many
    characters (one guessed of four): with two-character words completed from anything
    (你说 → 你妈), 16 utterances of the 8 v2 dev dialogues would have been read again, 3
    with this bar."""
    most: int = 4
    """At most this many utterances of a recording are read again (the most unsure first);
    0: none."""
    pad_s: float = 0.2
    """Audio kept either side of an utterance read again (its words' times are tight)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Reading:
    """An utterance's second reading, and the lines a character of an unsure word would
    have completed: ref → its span in the first reading."""

    text: str
    spans: dict[str, tuple[int, int]]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": {r: list(s) for r, s in self.spans.items()}}

    @classmethod
    def from_dict(cls, d: Any) -> Reading | None:
        """The stored form back (None for anything else: results from before it)."""
        if not isinstance(d, dict) or not isinstance(d.get("text"), str):
            return None
        spans = d.get("spans") or {}
        return cls(d["text"], {str(r): (int(s[0]), int(s[1])) for r, s in spans.items()
                               if isinstance(s, list | tuple) and len(s) == 2})


def _rule_words(rules: Iterable[Rule]) -> Iterable[str]:
    for rule in rules:
        for t in rule.tokens:
            if isinstance(t, Choice):
                yield from (w for w in t.words if w and w != END)


def violation_words(bank: Phrasebank) -> set[str]:
    """The words of the bank's violations: those of their rules and of its word lists of
    uncivil language."""
    words: set[str] = set()
    for e in bank.entries:
        if e.is_violation:
            words.update(_rule_words(e.rules))
    for g in bank.lexicon:
        words.update(g.words)
        words.update(g.exact)
        words.update(_rule_words(g.rules))
    return words


class OneOff:
    """Words with one character left open: which characters, put at a position of a text,
    complete one of them there."""

    def __init__(self, words: Iterable[str], *, min_chars: int = 2, max_chars: int = 8) -> None:
        self.open: dict[tuple[str, str], set[str]] = {}  # (before, after) -> characters
        self.lengths: set[int] = set()
        for w in words:
            if not min_chars <= len(w) <= max_chars:
                continue
            self.lengths.add(len(w))
            for j in range(len(w)):
                self.open.setdefault((w[:j], w[j + 1:]), set()).add(w[j])

    def completions(self, text: str, i: int) -> set[str]:
        """The characters other than ``text[i]`` that complete a word over position ``i``."""
        out: set[str] = set()
        for n in self.lengths:
            for j in range(n):
                a, b = i - j, i - j + n
                if a < 0 or b > len(text):
                    continue
                got = self.open.get((text[a:i], text[i + 1:b]))
                if got:
                    out |= got
        out.discard(text[i])
        return out


def unsure_positions(u: Utterance, offsets: Sequence[int] | None, below: float) -> list[int]:
    """Positions in ``u.text`` of the Chinese characters of words whose probability is under
    ``below``; ``offsets``: where each word starts in the text, and where it ends
    (:func:`analyzer.utterances.word_offsets`; None: unknown, so none)."""
    if offsets is None:
        return []
    return [p for k, w in enumerate(u.words) if float(w.get("probability", 1.0)) < below
            for p in range(offsets[k], offsets[k + 1]) if "\u4e00" <= u.text[p] <= "\u9fff"]


def reread_spans(text: str, unsure: Sequence[int], one_off: OneOff,
                 check: Callable[[str], list[Flag]], min_chars: int
                 ) -> dict[str, tuple[int, int]]:
    """The violations (ref → span) that ``text`` matches (``check``: the violations found in
    a text, said by the agent) over one of the ``unsure`` positions and over at least
    ``min_chars`` characters once that character is replaced by one that completes a word of
    ``one_off``, and does not match as it is."""
    said = {f.ref for f in check(text)}
    out: dict[str, tuple[int, int]] = {}
    for i in unsure:
        for ch in sorted(one_off.completions(text, i)):
            for f in check(text[:i] + ch + text[i + 1:]):
                if f.ref not in said and f.ref not in out and f.span[0] <= i < f.span[1] \
                        and f.span[1] - f.span[0] >= min_chars:
                    out[f.ref] = f.span
    return out


def reading_flags(text: str, reading: Reading, check: Callable[[str], list[Flag]]
                  ) -> list[Flag]:
    """The violations of ``reading.spans`` that the second reading says too (``check`` as in
    :func:`reread_spans`), each at its span of the first reading ``text``, with the second
    reading in ``Flag.reading``."""
    out: list[Flag] = []
    for f in check(reading.text):
        span = reading.spans.get(f.ref)
        if span is not None and all(g.ref != f.ref for g in out):
            out.append(replace(f, span=span, matched=text[span[0]:span[1]],
                               reading=reading.text))
    return out
