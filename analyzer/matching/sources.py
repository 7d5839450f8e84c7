"""Where a text came from decides how far sound may stand in for characters.

Homophone matching is there for what a recogniser mishears (宽代 for 宽带); typed text says
what it says, and a sound-alike of a short word there is a look-alike, not a finding (去世
is not 去死, 该是 is not 该死). Long script lines are aligned by sound whatever the source:
a line of many syllables cannot be turned into a look-alike by one sound.

A text of unknown origin (``auto``) written in traditional characters is taken for a
recogniser's: Whisper writes Mandarin in traditional script, while the mainland tools and
people that type to huashu write simplified (measured: 158 of the 213 v2 recogniser rows
hold a traditional character; 0 of the 213 typed rows; 17 of 6,431 real comments (COLD)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from phrasebank import SOURCES

__all__ = ["SourcePolicy", "policy", "policy_for"]


@dataclass(frozen=True)
class SourcePolicy:
    source: str
    soundalike_words_from: int | None
    """Lexicon words of at least this many characters may be said in part by sound (half
    their characters must be the word's own); None: every word exactly as written."""
    soundalike_rules_from: int | None
    """Rules whose every match has at least this many characters also match by sound;
    None: rules match as written."""
    short_forms_exact: bool
    """Short forms (你们必须) need every character (else all but one of 3+)."""
    near_rules_from: int | None = None
    """Rules whose every match has at least this many characters also match with one word
    half heard (see :mod:`.rules`); None: never."""
    guards_by_sound: bool = False
    """The 8.0 words' guards (their look-alikes: 滚筒 for 滚) match by sound too, as the
    rules do: the recogniser misspells the harmless word as well
    (:data:`.rules.GUARD_SOUNDALIKE_FROM`).
    Not for text of unknown origin: typed profanity in real comments (COLD) was cleared by a
    guard's sound-alike (6 of them)."""

    def word_same_needed(self, word: str, exact: bool) -> int:
        """Characters of ``word`` that a match must have as written."""
        n = len(word)
        if exact or self.soundalike_words_from is None or n < self.soundalike_words_from:
            return n
        return n if n == 1 else math.ceil(n / 2)


_POLICIES = {
    # typed text: as written
    "typed": SourcePolicy("typed", None, None, True),
    # unknown origin: by sound only where a look-alike is unlikely (4+ character words,
    # rules of 6+ characters)
    "auto": SourcePolicy("auto", 4, 6, False),
    # a recogniser's output: by sound, except the words the bank marks exact
    "asr": SourcePolicy("asr", 2, 3, False, 4, guards_by_sound=True),
}


def policy(source: str) -> SourcePolicy:
    """The policy of ``source`` (typed | asr | auto); ValueError for any other."""
    try:
        return _POLICIES[source]
    except KeyError:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}") from None


def policy_for(sp: SourcePolicy, traditional: bool) -> SourcePolicy:
    """The policy for one text: ``auto`` becomes ``asr`` for a text in traditional script
    (see the module)."""
    return _POLICIES["asr"] if traditional and sp.source == "auto" else sp
