"""The one taxonomy of a recording that could not be analysed, shared by every caller.

:class:`AnalysisError` is raised inside the pipeline; :func:`analyzer.speech.
analyze_recording` turns it (and any other failure) into an :class:`AnalysisFailure` that the
service stores and the batch writes, both under the same ``kind``:

========== ==================================================================
kind       meaning
========== ==================================================================
missing    no such file
not_a_file a folder, not a file
empty      no bytes, or no audio samples
not_audio  unreadable, or no audio stream
corrupt    audio that fails to decode, or far shorter than its header claims
too_long   longer than the duration limit
bad_input  an option the pipeline cannot take (unknown scenario, channel …)
memory     out of memory
internal   a bug: the message says what, the log has the traceback
========== ==================================================================

Messages name the recording by the name its caller gave (an upload's file name), never by a
server path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

__all__ = ["ERROR_KINDS", "AnalysisError", "AnalysisFailure", "Cancelled", "ErrorKind"]

ErrorKind = Literal["missing", "not_a_file", "empty", "not_audio", "corrupt", "too_long",
                    "bad_input", "memory", "internal"]
ERROR_KINDS: tuple[str, ...] = get_args(ErrorKind)


class AnalysisError(ValueError):
    """A recording (or a request about one) that cannot be analysed; ``kind`` is one of
    :data:`ERROR_KINDS`, the message names the problem."""

    def __init__(self, message: str, kind: ErrorKind = "not_audio") -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


class Cancelled(Exception):  # noqa: N818 - it is what happened, not an error
    """Raised by a progress callback to stop an analysis (the service is stopping)."""


@dataclass(frozen=True)
class AnalysisFailure:
    """What became of a recording that could not be analysed."""

    kind: ErrorKind
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
