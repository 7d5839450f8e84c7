"""How the pipelines are built from the settings: the one place that reads both.

The CLI, the service and the batch workers call these, so that a recording analysed by any
of them is analysed the same way, with the same :class:`~analyzer.fingerprint.Fingerprint`.
"""

from __future__ import annotations

from typing import Any

import phrasebank as pb
from analyzer.fingerprint import Fingerprint
from analyzer.speech import SpeechOptions, SpeechPipeline, speech_fingerprint
from analyzer.text import Analyzer, AnalyzerOptions
from analyzer.transcribe import TranscribeOptions
from models import ModelSpec, model_name

from .config import Settings, SpeechSettings

__all__ = ["analyzer_options", "expected_fingerprint", "load_analyzer", "load_speech_pipeline",
           "model_spec", "pipeline_fingerprint", "settings_payload", "speech_options"]


def model_spec(speech: SpeechSettings, cpu_threads: int | None = None) -> ModelSpec:
    """The model the settings name (``cpu_threads`` overrides theirs: a batch worker's)."""
    return ModelSpec(model_dir=speech.model_dir, cache_dir=speech.model_cache_dir,
                     device=speech.device, compute_type=speech.compute_type,
                     cpu_threads=speech.cpu_threads if cpu_threads is None else cpu_threads)


def speech_options(speech: SpeechSettings) -> SpeechOptions:
    """The recording pipeline's options from the settings (the rest are defaults)."""
    return SpeechOptions(transcribe=TranscribeOptions(beam_size=speech.beam_size,
                                                      vad_threshold=speech.vad_threshold,
                                                      initial_prompt=speech.initial_prompt),
                         semantic=speech.semantic)


def analyzer_options(settings: Settings) -> AnalyzerOptions:
    """The text analyzer's options: its defaults, and ``HUASHU_WORDING``."""
    return AnalyzerOptions(wording=settings.wording)


def load_analyzer(settings: Settings) -> Analyzer:
    """The text analyzer over the configured phrasebank."""
    return Analyzer.load(settings.phrasebank, analyzer_options(settings))


def load_speech_pipeline(settings: Settings, *, analyzer: Analyzer | None = None,
                         cpu_threads: int | None = None,
                         preload_semantic: bool = False) -> SpeechPipeline:
    """The recording pipeline: the model and the analyzer (loaded here unless given). The
    semantic stage, when recordings use it, loads with the first recording's scoring, after
    its audio is freed (a 10-minute call's peak RSS ~50 MB lower); ``preload_semantic``
    loads it now (a service, whose first recording should not wait for it)."""
    pipeline = SpeechPipeline.load(model_spec(settings.speech, cpu_threads),
                                   phrasebank=settings.phrasebank, analyzer=analyzer,
                                   analyzer_options=analyzer_options(settings),
                                   options=speech_options(settings.speech))
    if preload_semantic and pipeline.options.semantic:
        pipeline.analyzer.semantic_stage()
    return pipeline


def pipeline_fingerprint(settings: Settings, analyzer: Analyzer,
                         agent_channel: str) -> Fingerprint:
    """The fingerprint of :func:`load_speech_pipeline` over ``analyzer``'s bank, computed
    without loading the model (equal to ``SpeechPipeline.fingerprint``)."""
    return speech_fingerprint(analyzer.version, model_name(model_spec(settings.speech)),
                              speech_options(settings.speech), analyzer.options.to_dict(),
                              agent_channel)


def expected_fingerprint(settings: Settings, agent_channel: str) -> Fingerprint:
    """The fingerprint a pipeline loaded from ``settings`` gives its results, computed
    without loading the model or compiling the bank (the batch reuses stored results by
    it)."""
    return speech_fingerprint(pb.load(settings.phrasebank).version,
                              model_name(model_spec(settings.speech)),
                              speech_options(settings.speech),
                              analyzer_options(settings).to_dict(), agent_channel)


def settings_payload(settings: Settings) -> dict[str, Any]:
    """The settings as plain data, for a worker process to rebuild them."""
    return settings.model_dump(mode="json")
