"""Shared fixtures: the analyzer is loaded once per test session (as the service does)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUASHU_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def analyzer():
    from analyzer import Analyzer

    return Analyzer.load()


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.fail(f"the shared corpus is missing at {SHARED} (set HUASHU_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def speech(analyzer):
    """The speech pipeline with the real Whisper base model, loaded once."""
    from analyzer.speech import SpeechPipeline

    return SpeechPipeline.load(analyzer=analyzer)


FIXTURES = ROOT / "tests" / "fixtures" / "audio"
