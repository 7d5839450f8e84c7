"""The service standard as data: load, validate and version a phrasebank YAML file.

The default bank (``standard.yaml`` beside this module) encodes
家客代维人员上门服务规范: every script line of sections 1, 5, 6 and 7, every taboo of
section 8, the 8.0 lexicon, the discipline rules 9.5 / 9.11 / 9.13, the adherence
templates and the domain vocabulary. A deployment may point ``HUASHU_PHRASEBANK`` at its
own file.

:func:`load` raises :class:`PhrasebankError` listing *every* problem found, so that an
editor can fix a bank in one pass; ``Phrasebank.version`` is a content hash that every
analysis result records.
"""

from __future__ import annotations

from importlib import resources

from .forms import GAP, SLOT, expand_form, split_alternatives
from .loader import DEFAULT_PATH, PhrasebankError, load, loads
from .model import (
    LEXICON_STANDARD,
    CallAnalyticsConfig,
    Entry,
    LexiconGroup,
    MatchingConfig,
    ObservationRule,
    Phrasebank,
    SemanticConfig,
    Step,
    Template,
    Trigger,
    UnknownScenario,
)
from .vocab import (
    CHANNELS,
    ENTRY_SPEAKERS,
    KINDS,
    SOURCES,
    SPEAKERS,
    VIOLATION_KINDS,
    Channel,
    Kind,
    Source,
    Speaker,
    check_speaker,
)

__all__ = [
    "CHANNELS",
    "DEFAULT_PATH",
    "ENTRY_SPEAKERS",
    "SOURCES",
    "GAP",
    "KINDS",
    "SPEAKERS",
    "LEXICON_STANDARD",
    "SLOT",
    "VIOLATION_KINDS",
    "CallAnalyticsConfig",
    "ObservationRule",
    "Channel",
    "Entry",
    "Kind",
    "LexiconGroup",
    "MatchingConfig",
    "Phrasebank",
    "Source",
    "Speaker",
    "PhrasebankError",
    "SemanticConfig",
    "Step",
    "Template",
    "Trigger",
    "UnknownScenario",
    "expand_form",
    "load",
    "loads",
    "check_speaker",
    "sample_dialogue",
    "split_alternatives",
]


def sample_dialogue() -> str:
    """The embedded sample dialogue (JSON Lines) that ``huashu demo`` scores."""
    return (resources.files(__package__) / "samples" / "dialogue.jsonl").read_text(
        encoding="utf-8")
