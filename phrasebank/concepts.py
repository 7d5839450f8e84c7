"""Concepts: named groups of words that rules refer to as ``{NAME}``.

A concept lists its words, and may draw more from lexical resources
(:mod:`phrasebank.lexical`), so that a rule covers the ways people say a thing rather
than the examples someone thought of::

    concepts:
      YOU: [你, 您, 你们]
      BAD_PERSON:
        words: [傻子, 废物]
        from: {dutir: [恶], hownet: neg, cilin: [A], max_chars: 4}
        except: [被告, 嫌疑犯]

``product`` lists groups whose words are joined in every combination (``[[办, 弄],
[不明白, 不好]]``: 办不明白, 办不好, 弄不明白, 弄不好). ``from`` takes the words that every
source listed holds (an intersection): ``dutir``
(emotion categories, any of them), ``hownet`` (neg | pos), ``cilin`` (class codes, any of
them), ``pos`` (jieba parts of speech, any of them); ``min_chars`` / ``max_chars`` bound
their length. ``except`` leaves words out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import lexical as res

__all__ = ["ConceptError", "build_concepts"]


class ConceptError(ValueError):
    """A concept that cannot be built; the message says which and why."""


def _list(v: Any) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]


def _drawn(name: str, spec: Mapping[str, Any]) -> set[str]:
    known = {"dutir", "hownet", "cilin", "pos", "min_chars", "max_chars"}
    unknown = set(spec) - known
    if unknown:
        raise ConceptError(f"{name}.from: unknown source {sorted(unknown)} "
                           f"(known: {', '.join(sorted(known))})")
    cached = res.cached_words(dict(spec))
    if cached is not None:
        return cached
    pools: list[set[str]] = []
    try:
        if "dutir" in spec:
            pools.append(set().union(*(res.dutir_words(c) for c in _list(spec["dutir"]))))
        if "hownet" in spec:
            pools.append(set(res.hownet_words(str(spec["hownet"]))))
        if "cilin" in spec:
            pools.append(set().union(*(res.cilin_members(c) for c in _list(spec["cilin"]))))
    except ValueError as exc:
        raise ConceptError(f"{name}.from: {exc}") from None
    if not pools:
        raise ConceptError(f"{name}.from: needs at least one of dutir, hownet, cilin")
    words = set.intersection(*pools)
    if "pos" in spec:
        tags = res.jieba_tags()
        wanted = set(_list(spec["pos"]))
        words = {w for w in words if tags.get(w) in wanted}
    lo = int(spec.get("min_chars", 1))
    hi = int(spec.get("max_chars", 8))
    drawn = {w for w in words if lo <= len(w) <= hi}
    res.store_words(dict(spec), drawn)
    return drawn


def build_concepts(raw: Any) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """The concepts of a bank's ``concepts`` mapping, and the problems found (each named).
    Words drawn from resources come after the listed ones, sorted, so that a concept's
    words (and so the bank's behaviour) do not depend on set order."""
    concepts: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    if raw is None:
        return concepts, problems
    if not isinstance(raw, Mapping):
        return concepts, ["concepts: must be a mapping of NAME: words"]
    for name, spec in raw.items():
        name = str(name)
        where = f"concepts.{name}"
        if not name.isidentifier():
            problems.append(f"{where}: a concept name is letters, digits and _")
            continue
        if isinstance(spec, Mapping):
            words = _list(spec.get("words"))
            if spec.get("product") is not None:
                groups = spec["product"]
                if not isinstance(groups, list) or not all(isinstance(g, list) and g
                                                           for g in groups):
                    problems.append(f"{where}.product: must be a list of word lists")
                    continue
                combos = [""]
                for g in groups:
                    combos = [c + str(w) for c in combos for w in g]
                words += combos
            if spec.get("from") is not None:
                if not isinstance(spec["from"], Mapping):
                    problems.append(f"{where}.from: must be a mapping of sources")
                    continue
                try:
                    drawn = _drawn(name, spec["from"])
                except ConceptError as exc:
                    problems.append(f"concepts.{exc}")
                    continue
                words += sorted(drawn - set(words))
            leave_out = set(_list(spec.get("except")))
            words = [w for w in words if w not in leave_out]
        else:
            words = _list(spec)
        words = [w.strip() for w in words if w.strip()]
        if not words:
            problems.append(f"{where}: has no words")
            continue
        concepts[name] = tuple(dict.fromkeys(words))
    res.release()
    return concepts, problems
