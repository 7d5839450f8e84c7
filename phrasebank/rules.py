"""The rule syntax of the phrasebank: words and concepts in order, with gaps.

A rule is what operations staff write where a line can be said in many ways::

    "[借|用] 一下 {PHONE}"              # 借一下电话, 用一下手机 …
    "你 [是不是|真|] [傻|笨|蠢]"         # an empty alternative makes a group optional
    "规定 …4 没[得|有]商量"             # a gap: up to 4 characters between
    "^ 有病 [你|] $"                    # ^: the utterance starts there; $: a clause ends
                                        # there (^ … $: a whole clause, any of them)

Tokens are separated by spaces. A token is a word (``脑子``), a group of alternatives
(``[有问题|进水]``; an alternative may be a concept, or ``$`` in the last group: a
clause may end there instead), a concept (``{PHONE}``: a named group
of words from the bank's ``concepts``), a gap (``…`` or ``…N``: up to N characters, default
:data:`DEFAULT_GAP`), or ``^`` / ``$``. Words are compared after the analyzer's
normalisation (simplified, 您 read as 你, punctuation and fillers dropped), so a rule is
written as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_GAP", "END", "Choice", "Gap", "Rule", "RuleSyntaxError", "Token", "parse_rule"]

DEFAULT_GAP = 6
END = "$"
"""In a group, the alternative 'the utterance ends here'."""
_GAP = re.compile(r"^(?:…|\.\.\.)(\d*)$")
_CONCEPT = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_WORD = re.compile(r"^[^\s\[\]{}|^$…]+$")


class RuleSyntaxError(ValueError):
    """A rule that cannot be read; the message says where."""


@dataclass(frozen=True)
class Choice:
    """One of ``words`` (a word token is a choice of one); ``optional`` when it may be
    left out."""

    words: tuple[str, ...]
    optional: bool = False


@dataclass(frozen=True)
class Gap:
    """Up to ``max_chars`` characters of anything."""

    max_chars: int


Token = Choice | Gap | str  # str: "^" or "$"


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its tokens in order, concepts expanded into their words."""

    text: str
    tokens: tuple[Token, ...]

    @property
    def min_chars(self) -> int:
        """The fewest characters a match can have."""
        return sum(min(0 if w == END else len(w) for w in t.words) for t in self.tokens
                   if isinstance(t, Choice) and not t.optional)


def _words(alt: str, concepts: Mapping[str, tuple[str, ...]], where: str) -> list[str]:
    m = _CONCEPT.match(alt)
    if m:
        name = m.group(1)
        if name not in concepts:
            raise RuleSyntaxError(f"{where}: unknown concept {{{name}}}")
        return list(concepts[name])
    if not _WORD.match(alt):
        raise RuleSyntaxError(f"{where}: {alt!r} is not a word (no spaces, brackets, "
                              "braces, | ^ $ or … inside a word)")
    return [alt]


def parse_rule(text: str, concepts: Mapping[str, tuple[str, ...]] | None = None) -> Rule:
    """Parse one rule (concepts from ``concepts``); :class:`RuleSyntaxError` if it is not
    one."""
    concepts = concepts or {}
    tokens: list[Token] = []
    parts = text.split()
    if not parts:
        raise RuleSyntaxError("an empty rule")
    for i, part in enumerate(parts):
        where = f"token {i + 1} ({part!r})"
        if part in ("^", "$"):
            if (part == "^" and i != 0) or (part == "$" and i != len(parts) - 1):
                raise RuleSyntaxError(f"{where}: ^ may only start a rule and $ end it")
            tokens.append(part)
            continue
        gap = _GAP.match(part)
        if gap:
            if not tokens or i == len(parts) - 1:
                raise RuleSyntaxError(f"{where}: a gap must stand between two tokens")
            tokens.append(Gap(int(gap.group(1)) if gap.group(1) else DEFAULT_GAP))
            continue
        if part.startswith("["):
            if not part.endswith("]") or part.count("[") != 1 or part.count("]") != 1:
                raise RuleSyntaxError(f"{where}: a group is written [a|b|c] with no spaces")
            alts = part[1:-1].split("|")
            words: list[str] = []
            for a in alts:
                if a == END:
                    if i != len(parts) - 1:
                        raise RuleSyntaxError(f"{where}: $ may only be an alternative of the "
                                              "last group")
                    words.append(END)
                elif a:
                    words.extend(_words(a, concepts, where))
            if not words:
                raise RuleSyntaxError(f"{where}: a group needs at least one word")
            tokens.append(Choice(tuple(dict.fromkeys(words)), optional="" in alts))
            continue
        tokens.append(Choice(tuple(_words(part, concepts, where))))
    if not any(isinstance(t, Choice) and not t.optional for t in tokens):
        raise RuleSyntaxError("a rule needs at least one word that must be said")
    return Rule(text=text, tokens=tuple(tokens))
