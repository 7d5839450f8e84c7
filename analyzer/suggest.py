"""Phrasebank suggestions from reviewers' verdicts, each tested before it is saved.

A reviewer who **rejects** a flag says the words were a look-alike: the suggestion is a
*guard* on the line (or on the 8.0 group) made of the words around the finding, as jieba
cuts them (他妈妈 around 他妈, 去世 around 去死's look-alike). A reviewer who **adds** a flag
the machine missed says the line was said in words it does not know: the suggestion is a
*variant* (a form) of the line made of the utterance's words (for 8.0, a rule of a
reviewers' group).

Each suggestion is tried on every stored utterance with a bank that holds it, against the
bank that runs: how many flags of its line it would add and remove, with examples, and
whether it does what the reviewer asked on the reviewer's own utterance. The bank with the
suggestion is the running bank's YAML with one list grown by one item
(:func:`apply_suggestion`), validated like any bank; nothing else of the file changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml

import phrasebank as pb

from .text import Analyzer

__all__ = ["Feedback", "Suggestion", "SuggestionTest", "apply_suggestion", "suggest"]

log = logging.getLogger(__name__)

REVIEWED_GROUP = "reviewed"
"""The 8.0 group that holds the rules made of flags reviewers added."""
_RULE_SYNTAX = re.compile(r"[\[\]{}|…^$\s]")


@dataclass(frozen=True)
class Feedback:
    """One current verdict that asks for a change: a rejected or an added flag."""

    verdict: str  # rejected | added
    ref: str
    text: str  # the utterance
    speaker: str = "agent"
    span: tuple[int, int] | None = None  # of the rejected flag, in ``text``
    category: str | None = None  # of a rejected 8.0 flag
    where: str = ""  # "recording id #utterance", for the listing


@dataclass
class SuggestionTest:
    """A suggestion tried on the stored utterances."""

    utterances: int  # how many it was tried on
    adds: int  # utterances that gain a flag of its line
    removes: int  # utterances that lose one
    add_examples: list[str] = field(default_factory=list)
    remove_examples: list[str] = field(default_factory=list)
    fixes: bool = False  # does what the reviewer asked, on the reviewer's utterance


@dataclass
class Suggestion:
    id: str
    action: str  # guard | variant
    ref: str
    target: str  # where it goes: "entries[ref 8.5].guards", "lexicon[insult].guards" …
    item: str  # the guard or rule (rule syntax) or form added there
    reason: str  # in Chinese, for the reviewers and operations staff
    feedback: list[Feedback]
    test: SuggestionTest | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- building -----------------------------------------------------------------------------
def _words(an: Analyzer, key: str) -> list[tuple[str, int, int]]:
    return [w for w in an.segmenter.cut(key) if w[0].strip()]


def _guard_words(an: Analyzer, fb: Feedback) -> str | None:
    """The words around a rejected finding, as a rule of words in order."""
    norm = an.normaliser.normalise(fb.text)
    key = norm.text
    if not key:
        return None
    if fb.span is not None:
        offs = norm.offsets
        inside = [i for i, o in enumerate(offs) if fb.span[0] <= o < fb.span[1]]
    else:
        inside = []
    if not inside:
        return None
    s, e = inside[0], inside[-1] + 1
    words = _words(an, key)
    over = [i for i, (_, ws, we) in enumerate(words) if ws < e and s < we]
    if not over:
        return None
    lo, hi = over[0], over[-1]
    if words[lo][1] == s and words[hi][2] == e:
        # the finding is whole words: the look-alike is in what follows (or precedes) them
        if hi + 1 < len(words):
            hi += 1
        elif lo > 0:
            lo -= 1
        else:
            return None
    picked = [w for w, _, _ in words[lo:hi + 1]]
    if any(_RULE_SYNTAX.search(w) for w in picked):
        return None
    return " ".join(picked)


def _variant(an: Analyzer, fb: Feedback) -> str | None:
    key = an.normaliser.normalise(fb.text).text
    if len(key) < 2 or _RULE_SYNTAX.search(key):
        return None
    return key


def _sid(action: str, target: str, item: str) -> str:
    return hashlib.sha256(f"{action}\n{target}\n{item}".encode()).hexdigest()[:12]


def _build(an: Analyzer, feedback: Sequence[Feedback]) -> list[Suggestion]:
    bank = an.bank
    out: dict[str, Suggestion] = {}
    for fb in feedback:
        entry = bank.entry(fb.ref)
        if fb.verdict == "rejected":
            item = _guard_words(an, fb)
            if item is None:
                continue
            if fb.ref == "8.0":
                group = fb.category or ""
                if not any(g.category == group for g in bank.lexicon):
                    continue
                target = f"lexicon[{group}].guards"
            elif entry is not None:
                target = f"entries[ref {fb.ref}].guards"
            else:
                continue
            action = "guard"
            reason = f"审核员驳回了{fb.ref}的标记:“{item.replace(' ', '')}”是形近/音近的正常说法"
        elif fb.verdict == "added":
            item = _variant(an, fb)
            if item is None:
                continue
            if fb.ref == "8.0":
                target = f"lexicon[{REVIEWED_GROUP}].rules"
                item = " ".join(w for w, _, _ in _words(an, item))
            elif entry is not None:
                target = f"entries[ref {fb.ref}].forms"
            else:
                continue
            action = "variant"
            reason = f"审核员补标了漏检的{fb.ref}:把这句话的说法加为变体"
        else:
            continue
        if item in _present(bank, target):
            continue  # the bank holds it already (applied since the verdict)
        sid = _sid(action, target, item)
        if sid in out:
            out[sid].feedback.append(fb)
        else:
            out[sid] = Suggestion(sid, action, fb.ref, target, item, reason, [fb])
    return list(out.values())


def _present(bank: pb.Phrasebank, target: str) -> set[str]:
    """The items of the list ``target`` names, as written."""
    m = _TARGET.match(target)
    if m is None:
        return set()
    key = m.group("key")
    if m.group("ref"):
        e = bank.entry(m.group("ref"))
        if e is None:
            return set()
        return set(e.forms) if key == "forms" else {r.text for r in getattr(e, key)}
    return {r.text for g in bank.lexicon if g.category == m.group("group")
            for r in (g.rules if key == "rules" else g.guards)}


# -- applying -----------------------------------------------------------------------------
_TARGET = re.compile(r"^(entries\[ref (?P<ref>[\d.]+)\]|lexicon\[(?P<group>[\w-]+)\])\."
                     r"(?P<key>forms|rules|guards)$")


def _block(lines: list[str], start_pattern: re.Pattern[str], section: str) -> tuple[int, int]:
    """The lines [start, end) of the list item of ``section`` whose first line matches."""
    in_section = False
    start = -1
    for i, ln in enumerate(lines):
        if not ln.startswith((" ", "#")) and ln.strip():
            in_section = ln.startswith(f"{section}:")
            if start >= 0:
                return start, i
            continue
        if not in_section:
            continue
        if start >= 0 and ln.startswith("  - "):
            return start, i
        if start < 0 and start_pattern.match(ln):
            start = i
    if start < 0:
        raise ValueError(f"no such item in {section}")
    return start, len(lines)


def apply_suggestion(text: str, s: Suggestion) -> str:
    """The bank's YAML ``text`` with the suggestion's item added to its list (the key is
    created, after the item's first lines, when the item has none). Raises ValueError
    when the place is not found or the result is not a valid bank."""
    m = _TARGET.match(s.target)
    if m is None:
        raise ValueError(f"unknown target {s.target!r}")
    key = m.group("key")
    lines = text.split("\n")
    if m.group("ref"):
        pat = re.compile(rf"^  - ref: ['\"]?{re.escape(m.group('ref'))}['\"]?\s*$")
        section = "entries"
    else:
        pat = re.compile(rf"^  - category: ['\"]?{re.escape(m.group('group'))}['\"]?\s*$")
        section = "lexicon"
    item = json.dumps(s.item, ensure_ascii=False)  # a JSON string is a YAML scalar
    try:
        start, end = _block(lines, pat, section)
    except ValueError:
        if section != "lexicon" or m.group("group") != REVIEWED_GROUP:
            raise ValueError(f"{s.target}: not found in the phrasebank") from None
        at = next(i for i, ln in enumerate(lines) if ln.startswith("lexicon:")) + 1
        lines[at:at] = [f"  - category: {REVIEWED_GROUP}", "    label: 审核员补充",
                        f"    {key}:", f"      - {item}"]
        return _validated("\n".join(lines), s)
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    key_at = next((i for i in range(start, end)
                   if re.match(rf"^(  - |    ){key}:", lines[i])), None)
    if key_at is None:
        lines[end:end] = [f"    {key}:", f"      - {item}"]
    else:
        # the key's value: its line's rest and every more indented line after it
        stop = key_at + 1
        while stop < end and (lines[stop].startswith("      ") or not lines[stop].strip()):
            stop += 1
        head = lines[key_at].split(":", 1)
        value = yaml.safe_load("\n".join([head[1], *lines[key_at + 1:stop]])) or []
        if not isinstance(value, list):
            value = [value]
        value.append(s.item)
        lines[key_at:stop] = [f"{head[0]}:", *(f"      - {json.dumps(str(v), ensure_ascii=False)}"
                                               for v in value)]
    return _validated("\n".join(lines), s)


def _validated(text: str, s: Suggestion) -> str:
    try:
        pb.loads(text, source="phrasebank with the suggestion")
    except pb.PhrasebankError as exc:
        raise ValueError(f"the suggestion makes the phrasebank invalid: {exc}") from None
    return text


# -- testing ------------------------------------------------------------------------------
def _refs(flags: Sequence[Any], ref: str) -> bool:
    return any(f.ref == ref for f in flags)


def _test(an: Analyzer, s: Suggestion, utterances: Sequence[tuple[str, str]],
          before: Sequence[Sequence[Any]], source: str, examples: int) -> SuggestionTest:
    """``before``: the running bank's flags of ``utterances`` (the same for every
    suggestion, so computed once by :func:`suggest`)."""
    candidate = Analyzer(pb.loads(apply_suggestion(an.bank.raw, s), source="candidate"),
                         an.options)
    after = candidate.check_many(utterances, source=source)
    test = SuggestionTest(utterances=len(utterances), adds=0, removes=0)
    for (text, _), b, a in zip(utterances, before, after, strict=True):
        had, has = _refs(b, s.ref), _refs(a, s.ref)
        if has and not had:
            test.adds += 1
            if len(test.add_examples) < examples:
                test.add_examples.append(text)
        elif had and not has:
            test.removes += 1
            if len(test.remove_examples) < examples:
                test.remove_examples.append(text)
    own = [(fb.text, fb.speaker) for fb in s.feedback]
    got = candidate.check_many(own, source=source)
    if s.action == "guard":
        test.fixes = not any(_refs(g, s.ref) for g in got)
    else:
        test.fixes = all(_refs(g, s.ref) for g in got)
    return test


def suggest(an: Analyzer, feedback: Sequence[Feedback],
            utterances: Sequence[tuple[str, str]], *, source: str = "asr",
            examples: int = 3, limit: int = 50) -> list[Suggestion]:
    """Suggestions from ``feedback`` (at most ``limit``, most asked-for first), each tested
    on ``utterances`` (``(text, speaker)``, e.g. every stored one, of ``source``)."""
    built = sorted(_build(an, feedback), key=lambda s: -len(s.feedback))[:limit]
    before = an.check_many(utterances, source=source) if built else []
    out = []
    for s in built:
        try:
            s.test = _test(an, s, utterances, before, source, examples)
        except ValueError as exc:  # the item does not fit the bank: say so, skip it
            log.warning("suggestion %s (%s %s) left out: %s", s.id, s.target, s.item, exc)
            continue
        out.append(s)
    return out
