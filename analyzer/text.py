"""The text analyzer: phrasebank + normalise + segment + match + adherence, loaded once.

:class:`Analyzer` is what every user of text calls: the CLI's ``check`` and ``score``, the
service's real-time check, the speech pipeline and the reviews' rescoring. Each utterance
is matched once per pass; a conversation whose scenario is inferred resolves the same
matches twice (for inference, then for its scenario's section), never matches them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import phrasebank as pb
from phrasebank import check_speaker

from .adherence import AdherenceReport, Turn, score_conversation, score_turn_flags
from .matching import Flag, Matcher, MatchOptions, UtteranceMatch
from .normalise import Normaliser
from .segment import Segmenter, phrasebank_words

__all__ = ["Analyzer", "AnalyzerOptions", "turn_of"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalyzerOptions:
    """Options of the text analyzer; recorded in every result."""

    match: MatchOptions = field(default_factory=MatchOptions)
    """Thresholds and behaviour of the matching stage (see :class:`MatchOptions`)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> AnalyzerOptions:
        d = dict(d or {})
        return cls(match=MatchOptions(**(d.get("match") or {})))


class Analyzer:
    """Load once (phrasebank, OpenCC, jieba, compiled forms), then check and score text.

    >>> an = Analyzer.load()                                      # doctest: +SKIP
    >>> [f.ref for f in an.check("快下班了,明天再说。")]           # doctest: +SKIP
    ['8.7']
    """

    def __init__(self, bank: pb.Phrasebank, options: AnalyzerOptions | None = None) -> None:
        t0 = time.perf_counter()
        self.bank = bank
        self.options = options or AnalyzerOptions()
        self.normaliser = Normaliser(bank.equivalents, bank.fillers)
        self.segmenter = Segmenter(phrasebank_words(bank))
        self.matcher = Matcher(bank, normaliser=self.normaliser, segmenter=self.segmenter,
                               options=self.options.match)
        self.load_seconds = time.perf_counter() - t0
        log.info("analyzer ready: phrasebank %s (%d entries) in %.2fs", bank.version,
                 len(bank.entries), self.load_seconds)

    @classmethod
    def load(cls, path: str | Path | None = None,
             options: AnalyzerOptions | None = None) -> Analyzer:
        """Build an analyzer over the bank at ``path`` (the embedded standard when None)."""
        return cls(pb.load(path), options)

    def with_bank(self, bank: pb.Phrasebank) -> Analyzer:
        """A new analyzer over another bank, with the same options."""
        return Analyzer(bank, self.options)

    @property
    def version(self) -> str:
        return self.bank.version

    def normalise(self, text: str) -> str:
        """The matching key of ``text`` (what the bank's trigger patterns read)."""
        return self.normaliser.normalise(text).text

    def check(self, text: str, *, speaker: str = "agent",
              prefer_section: str | None = None) -> list[Flag]:
        """Flags of one utterance: taboos, discipline rules and the script lines it follows."""
        return self.matcher.find_all(text, speaker=speaker, prefer_section=prefer_section)

    def check_many(self, rows: Sequence[tuple[str, str]], *,
                   prefer_section: str | None = None) -> list[list[Flag]]:
        """:meth:`check` for each ``(text, speaker)`` of ``rows``, in order, cheaper per row
        than one call each (a batch job, ``huashu check --jsonl``). An unknown speaker
        raises ValueError naming its row, before any row is checked."""
        return self.matcher.find_many(rows, prefer_section=prefer_section)

    def match_turns(self, turns: Sequence[Turn]) -> list[UtteranceMatch]:
        """Each turn matched once, unresolved (see :class:`UtteranceMatch`)."""
        norms = self.normaliser.normalise_many([t.text for t in turns])
        return [self.matcher.match(n, t.speaker) for n, t in zip(norms, turns, strict=True)]

    def score(self, turns: Iterable[Turn | Mapping[str, Any]], *,
              scenario: str | None = None) -> AdherenceReport:
        """Score a conversation's adherence; the scenario is inferred when not given."""
        ts = [t if isinstance(t, Turn) else turn_of(t, i) for i, t in enumerate(turns)]
        if scenario is not None:
            self.bank.require_template(scenario)
        matches = self.match_turns(ts)
        default = self.options.match.prefer_section
        return score_conversation(
            self.bank, ts, lambda prefer: [m.flags(prefer or default) for m in matches],
            self.normalise, scenario=scenario, options=self.options.to_dict())

    def rescore(self, turns: Sequence[Turn], turn_flags: Sequence[Sequence[Flag]], *,
                scenario: str | None = None,
                scenario_inferred: bool | None = None) -> AdherenceReport:
        """Score turns whose flags are already known (a reviewer's corrections of the
        machine's): the scoring of :meth:`score` without matching."""
        return score_turn_flags(self.bank, turns, turn_flags, self.normalise,
                                scenario=scenario, scenario_inferred=scenario_inferred,
                                options=self.options.to_dict())


def turn_of(d: Mapping[str, Any], i: int) -> Turn:
    """A :class:`Turn` from a JSON object ``{"speaker","text","start"?,"end"?}`` (the
    ``i``-th of its conversation, for the error message)."""
    if not isinstance(d, Mapping):
        raise ValueError(f"turn {i}: must be an object with speaker and text")
    speaker = d.get("speaker", "unknown")
    text = d.get("text")
    if not isinstance(text, str):
        raise ValueError(f"turn {i}: text must be a string")
    try:
        check_speaker(speaker)
    except ValueError as exc:
        raise ValueError(f"turn {i}: {exc}") from None
    return Turn(speaker=speaker, text=text, start=d.get("start"), end=d.get("end"))
