"""Decoding the format matrix, and clear errors for files that are not usable audio."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.audio import decode, probe
from analyzer.errors import AnalysisError

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "audio"


@pytest.mark.parametrize("name,codec", [
    ("greet.wav", "pcm_s16le"), ("greet_mulaw.wav", "pcm_mulaw"),
    ("call_stereo_alaw.wav", "pcm_alaw"), ("greet_44k.mp3", "mp3"), ("greet.m4a", "aac"),
    ("greet.ogg", "opus"), ("greet.flac", "flac"), ("greet.amr", "amr"),
])
def test_format_matrix(name, codec):
    info = probe(FIX / name)
    assert codec in info.codec
    chans = decode(FIX / name)
    assert len(chans) == (2 if name.startswith("call_stereo") else 1)
    n = chans[0].size
    assert abs(n / 16000 - info.duration) < 0.3  # resampled to 16 kHz, whatever the input
    assert all(c.dtype.name == "float32" and c.size == n for c in chans)
    assert 0.01 < float(abs(chans[0]).max()) <= 1.0


@pytest.mark.parametrize("name,problem,kind", [
    ("empty.wav", "empty file", "empty"),
    ("corrupt.mp3", "not a readable audio file", "not_audio"),
    ("truncated_header.wav", "not a readable audio file", "not_audio"),
    ("notes.txt.wav", "not a readable audio file", "not_audio"),
    ("does-not-exist.wav", "no such file", "missing"),
])
def test_bad_files_get_a_clear_error(name, problem, kind):
    with pytest.raises(AnalysisError) as exc:
        probe(FIX / name)
    assert problem in str(exc.value) and name in str(exc.value)
    assert exc.value.kind == kind
    with pytest.raises(AnalysisError, match=problem):
        decode(FIX / name)


def test_a_folder_is_not_a_recording(tmp_path):
    with pytest.raises(AnalysisError, match="is a folder"):
        probe(tmp_path)
