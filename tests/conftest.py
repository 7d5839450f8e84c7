"""Shared fixtures: the analyzer is loaded once per test session (as the service does)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    from huashu.compose import load_speech_pipeline
    from huashu.config import Settings

    return load_speech_pipeline(Settings(), analyzer=analyzer)


FIXTURES = ROOT / "tests" / "fixtures" / "audio"

# Debian's chromium (installed by .ci/run), driven by Playwright; never a downloaded browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium; a missing browser fails the test rather than skipping it."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
