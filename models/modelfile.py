"""Reading a model's weights file (JSON beside its module): one way for every model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["file_version", "read_model_file"]


def file_version(raw: bytes) -> str:
    """A weights file's version as results record it: sha256 of its bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:16]


def read_model_file(where: Path, what: str, error: type[ValueError], fmt: int,
                    field: str, expected: str) -> tuple[bytes, dict[str, Any]]:
    """The bytes and the document of the ``what`` model at ``where``: JSON of format ``fmt``
    whose ``field`` says it was trained on ``expected``; else ``error``, naming the file and
    never a server path."""
    name = where.name
    try:
        raw = where.read_bytes()
        doc = json.loads(raw)
    except OSError as exc:
        raise error(f"{what} model {name}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise error(f"{what} model {name}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise error(f"{what} model {name}: not a model of format {fmt}")
    if doc.get(field) != expected:
        raise error(f"{what} model {name}: trained on {doc.get(field)!r}, not on {expected!r}")
    return raw, doc
