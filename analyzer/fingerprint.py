"""What makes two analyses of the same recording the same: the fingerprint, and the key.

A result is reproducible from the recording's bytes and its :class:`Fingerprint`: the
phrasebank version, the model and every option. The batch's resume and the service's upload
dedupe both key a recording by :func:`recording_key`, so that the two agree on when an
analysis can be reused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["Fingerprint", "recording_key"]

_CANON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


@dataclass(frozen=True)
class Fingerprint:
    """The phrasebank, the model and the options that produce a result."""

    phrasebank_version: str
    model: str
    options: dict[str, Any]
    """As a result records them: JSON values (tuples as lists)."""

    def to_dict(self) -> dict[str, Any]:
        return {"phrasebank_version": self.phrasebank_version, "model": self.model,
                "options": self.options}

    @classmethod
    def of(cls, result: dict[str, Any]) -> Fingerprint:
        """The fingerprint a stored result records (KeyError when it records none)."""
        return cls(result["phrasebank_version"], result["model"], result["options"])


def recording_key(content_sha256: str, fingerprint: Fingerprint, scenario: str | None,
                  recording: str | None = None) -> str:
    """The key (hex) of a recording's bytes analysed one way: equal keys, equal results.

    ``recording`` (the batch's name of the file) is part of the key where results are
    stored per file; the service keys by content alone."""
    doc = [recording, content_sha256, fingerprint.phrasebank_version, fingerprint.model,
           fingerprint.options, scenario]
    return hashlib.sha256(_CANON(doc).encode("utf-8")).hexdigest()[:32]
