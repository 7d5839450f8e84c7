"""The form syntax of phrasebank entries: ``[a|b|]`` alternatives, slots and clause gaps.

A form is what an agent may say. ``**``, ``****``, ``XX`` and ``X`` are *slots* (a name,
number or time); ``…`` (or ``...``) is a *gap* (free words between two clauses); ``[a|b|c]``
lists alternatives, an empty one making the group optional. Expanded forms carry the
internal markers :data:`SLOT` and :data:`GAP` in place of slots and gaps.
"""

from __future__ import annotations

import re

__all__ = ["GAP", "SLOT", "expand_form", "split_alternatives"]

SLOT = "\x01"
GAP = "\x02"
_SLOT_RE = re.compile(r"\*+|X+")
_ALT_RE = re.compile(r"\[([^\]]*)\]")


def expand_form(form: str) -> list[str]:
    """Every expansion of ``form``'s alternatives, with slots and gaps as markers.

    >>> expand_form("请问是**[先生|女士]吗")
    ['请问是\\x01先生吗', '请问是\\x01女士吗']
    """
    if form.count("[") != form.count("]"):
        raise ValueError(f"unbalanced [] in form {form!r}")
    form = form.replace("……", GAP).replace("…", GAP).replace("...", GAP)
    form = _SLOT_RE.sub(SLOT, form)
    results = [""]
    i = 0
    while i < len(form):
        ch = form[i]
        if ch == "[":
            j = form.find("]", i)
            inner = form[i + 1 : j]
            if "[" in inner:
                raise ValueError(f"nested [] in form {form!r}")
            alts = inner.split("|")
            results = [r + a for r in results for a in alts]
            i = j + 1
        elif ch == "]":
            raise ValueError(f"unbalanced [] in form {form!r}")
        else:
            results = [r + ch for r in results]
            i += 1
    out: list[str] = []
    for r in results:
        if r not in out:
            out.append(r)
    return out


def split_alternatives(form: str) -> tuple[list[str], list[list[str]]]:
    """``form`` cut at its ``[a|b]`` groups: the fixed parts (one more than the groups) and
    each group's alternatives."""
    parts = _ALT_RE.split(form)  # fixed, alts, fixed, alts, ..., fixed
    return parts[0::2], [p.split("|") for p in parts[1::2]]
