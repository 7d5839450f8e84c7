"""From a recording to flagged utterances and an adherence score.

``SpeechPipeline.load()`` loads the Whisper model (see :mod:`models`) and the text analyzer
once; ``analyze(path)`` decodes, transcribes, assigns speakers, flags every utterance and
scores the conversation. Stereo call recordings carry one speaker per channel (the agent on
the left unless told otherwise). In a mono recording the speakers are inferred: an
utterance that says an agent script line is the agent's, any other ``unknown`` (never
guessed to be the customer's: an agent's taboo must not be excused as customer speech) —
and the result says ``"speakers": "inferred"``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .adherence import Turn
from .audio import SAMPLE_RATE, AudioError, decode, probe
from .core import Analyzer
from .transcribe import TranscribeOptions, Transcriber, Utterance

__all__ = ["AudioError", "RecordingResult", "SpeechOptions", "SpeechPipeline"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechOptions:
    """Options of a recording's analysis; recorded in every result."""

    agent_channel: str = "left"
    """Which channel of a stereo recording is the agent: left | right."""
    join_gap_s: float = 1.2
    """Neighbouring utterances of one channel at most this far apart are joined when only
    together they say a script line."""
    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    """Options of the ASR stage."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RecordingResult:
    """The analysis of one recording (``to_dict()`` is the ``huashu analyze`` row)."""

    source: str
    duration: float
    channels: int
    scenario: str
    speakers: str  # stereo | inferred
    utterances: list[dict[str, Any]]
    score: int
    missing: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    deductions: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    triggers: list[dict[str, Any]]
    out_of_order: list[dict[str, Any]]
    model: str
    phrasebank_version: str
    options: dict[str, Any]
    timing: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SpeechPipeline:
    """The model and the analyzer, loaded once; :meth:`analyze` is the per-file work."""

    def __init__(self, model: Any, model_name: str, analyzer: Analyzer,
                 options: SpeechOptions | None = None) -> None:
        self.analyzer = analyzer
        self.options = options or SpeechOptions()
        self.model_name = model_name
        self.transcriber = Transcriber(
            model, self.options.transcribe,
            hotwords=analyzer.bank.hotwords(self.options.transcribe.hotwords_max_chars),
            to_simplified=analyzer.normaliser.to_simplified)

    @classmethod
    def load(cls, settings: Any = None, analyzer: Analyzer | None = None,
             options: SpeechOptions | None = None) -> SpeechPipeline:
        """Load the model (from ``settings``, default: the environment) and the analyzer."""
        from models import load_whisper

        from .config import get_settings

        settings = settings or get_settings()
        if analyzer is None:
            # The phrasebank's index is built while CTranslate2 loads the model (it releases
            # the GIL): start-up is the longer of the two, not their sum.
            with ThreadPoolExecutor(1, thread_name_prefix="huashu-load") as ex:
                pending = ex.submit(Analyzer.load, settings.phrasebank)
                model, info = load_whisper(settings)
                analyzer = pending.result()
        else:
            model, info = load_whisper(settings)
        if options is None:
            options = SpeechOptions(transcribe=TranscribeOptions(beam_size=settings.beam_size))
        return cls(model, info.name, analyzer, options)

    def analyze(self, path: str | Path, *, scenario: str | None = None,
                agent_channel: str | None = None,
                progress: Callable[[float], None] | None = None) -> RecordingResult:
        """Analyse one recording. Raises :class:`AudioError` for an unusable file."""
        agent_channel = agent_channel or self.options.agent_channel
        if agent_channel not in ("left", "right"):
            raise ValueError(f"agent_channel must be left or right, got {agent_channel!r}")
        if scenario is not None and self.analyzer.bank.template(scenario) is None:
            names = ", ".join(t.scenario for t in self.analyzer.bank.templates)
            raise ValueError(f"unknown scenario {scenario!r}; the phrasebank has: {names}")
        t0 = time.perf_counter()
        info = probe(path)  # refuses a bad file before any heavy work
        channels = decode(path)
        duration = round(channels[0].size / SAMPLE_RATE, 3)
        stereo = len(channels) == 2
        t1 = time.perf_counter()
        utts = self._join_split_lines(self.transcriber.transcribe(channels, progress=progress))
        del channels
        t2 = time.perf_counter()
        turns = [Turn(speaker=self._speaker(u, stereo, agent_channel), text=u.text,
                      start=u.start, end=u.end) for u in utts]
        report = self.analyzer.score(turns, scenario=scenario)
        utterances = []
        for u, t, rt in zip(utts, turns, report.turns, strict=True):
            utterances.append({"start": u.start, "end": u.end, "speaker": t.speaker,
                               "channel": u.channel, "text": u.text,
                               "confidence": u.confidence, "flags": rt["flags"]})
        rep = report.to_dict()
        t3 = time.perf_counter()
        return RecordingResult(
            source=str(path), duration=duration, channels=info.channels,
            scenario=report.scenario, speakers="stereo" if stereo else "inferred",
            utterances=utterances, score=report.score, missing=rep["missing"],
            violations=rep["violations"], deductions=rep["deductions"], steps=rep["steps"],
            triggers=rep["triggers"], out_of_order=rep["out_of_order"],
            model=self.model_name, phrasebank_version=report.phrasebank_version,
            options={"speech": {**self.options.to_dict(), "agent_channel": agent_channel},
                     "analyzer": self.analyzer.options.to_dict()},
            timing={"decode_s": round(t1 - t0, 3), "transcribe_s": round(t2 - t1, 3),
                    "analyze_s": round(t3 - t2, 3)})

    def _join_split_lines(self, utts: list[Utterance]) -> list[Utterance]:
        """Join neighbours of one channel when together they say a script line that
        neither says alone (a pause inside 您好!我是…,请问是…吗? splits it in two)."""
        gap_max = self.options.join_gap_s
        out: list[Utterance] = []
        for u in utts:
            prev = out[-1] if out else None
            if prev is not None and prev.channel == u.channel and u.start - prev.end <= gap_max:
                joined = prev.text + u.text
                alone = {f.ref for f in self.analyzer.check(prev.text, speaker="unknown")} | \
                    {f.ref for f in self.analyzer.check(u.text, speaker="unknown")}
                new = [f for f in self.analyzer.check(joined, speaker="unknown")
                       if f.kind == "script" and f.ref not in alone]
                if new:
                    words = prev.words + u.words
                    out[-1] = Utterance(start=prev.start, end=u.end, text=joined,
                                        confidence=round(float(sum(
                                            w["probability"] for w in words) / len(words)), 3),
                                        channel=u.channel, words=words)
                    continue
            out.append(u)
        return out

    # -- speakers ------------------------------------------------------------------------
    def _speaker(self, u: Utterance, stereo: bool, agent_channel: str) -> str:
        if stereo:
            agent = 0 if agent_channel == "left" else 1
            return "agent" if u.channel == agent else "customer"
        flags = self.analyzer.check(u.text, speaker="unknown")
        if any(f.kind == "script" for f in flags):
            return "agent"
        return "unknown"
