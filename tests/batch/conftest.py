"""Batch fixtures: small folders of real recordings (committed fixtures and the shared corpus)
and one real local run over the first, shared by the tests that read its output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

# One split for the engine runs that are compared (the default on 2 cores)...
SPLIT = ["--workers", "2", "--threads", "1"]
# ... and one worker for the runs that need recordings finished one at a time.
ONE = ["--workers", "1", "--threads", "2"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.fixture(scope="session")
def folder(tmp_path_factory) -> Path:
    """Two good recordings (one in a sub-folder), a corrupt MP3, a text file named .wav, and
    a file that is not audio by its name (ignored)."""
    d = tmp_path_factory.mktemp("calls")
    (d / "sub").mkdir()
    shutil.copy(FIXTURES / "greet.wav", d / "greet.wav")
    shutil.copy(FIXTURES / "taboo_agent_right.wav", d / "sub" / "taboo_agent_right.wav")
    shutil.copy(FIXTURES / "corrupt.mp3", d / "corrupt.mp3")
    shutil.copy(FIXTURES / "notes.txt.wav", d / "notes.txt.wav")
    (d / "README.txt").write_text("not a recording", encoding="utf-8")
    return d


@pytest.fixture(scope="session")
def local_run(folder, tmp_path_factory) -> dict:
    """``huashu batch FOLDER --out DIR`` through the real CLI and model (local engine)."""
    from huashu.cli import main

    out = tmp_path_factory.mktemp("out-local")
    rc = main(["batch", str(folder), "--out", str(out), *SPLIT, "--no-progress"])
    return {"rc": rc, "out": out}
