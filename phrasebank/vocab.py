"""Typed vocabularies shared by every layer: who speaks, what a finding is, which channel.

Defined once here, at the bottom of the stack, so that the analyzer, the service and the
batch spell them alike (each tuple lists the values of its ``Literal`` in order).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CHANNELS",
    "ENTRY_SPEAKERS",
    "KINDS",
    "SOURCES",
    "SPEAKERS",
    "VIOLATION_KINDS",
    "Channel",
    "EntrySpeaker",
    "Kind",
    "Source",
    "Speaker",
    "check_speaker",
]

Speaker = Literal["agent", "customer", "unknown"]
"""Who said an utterance; ``unknown`` when a recording cannot tell."""
SPEAKERS: tuple[str, ...] = get_args(Speaker)

EntrySpeaker = Literal["agent", "customer", "any"]
"""Whose utterances a phrasebank entry applies to."""
ENTRY_SPEAKERS: tuple[str, ...] = get_args(EntrySpeaker)

Kind = Literal["script", "taboo", "discipline"]
"""What a flag is: a script line followed, a taboo (section 8) or a discipline rule (9)."""
KINDS: tuple[str, ...] = get_args(Kind)
VIOLATION_KINDS: tuple[str, ...] = ("taboo", "discipline")

Channel = Literal["left", "right"]
"""The agent's channel of a stereo recording."""
CHANNELS: tuple[str, ...] = get_args(Channel)

Source = Literal["typed", "asr", "auto"]
"""Where a text came from: typed (matched as written), asr (a recogniser's output: sounds-
alike matching allowed), auto (unknown: sounds-alike only where a look-alike is unlikely)."""
SOURCES: tuple[str, ...] = get_args(Source)


def check_speaker(speaker: object) -> None:
    """Raise ValueError unless ``speaker`` is one of :data:`SPEAKERS`."""
    if speaker not in SPEAKERS:
        raise ValueError(f"speaker must be one of {', '.join(SPEAKERS)}, got {speaker!r}")
