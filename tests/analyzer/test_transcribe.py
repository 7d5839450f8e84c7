"""The ASR stage on the real model: VAD, utterance cuts, simplified text, hotword bound."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analyzer.audio import SAMPLE_RATE, decode
from analyzer.transcribe import TranscribeOptions, Transcriber, speech_chunks
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def transcriber(speech):
    return speech.transcriber


@pytest.mark.parametrize("name", ["silence.wav", "noise.wav"])
def test_vad_hears_no_speech(transcriber, name):
    (audio,) = decode(FIXTURES / name)
    assert speech_chunks(audio, transcriber.options) == []
    assert transcriber.transcribe([audio]) == []


def test_utterance_fields_and_simplified_text(transcriber, analyzer):
    (audio,) = decode(FIXTURES / "greet.wav")
    utts = transcriber.transcribe([audio])
    assert utts
    for u in utts:
        assert 0 <= u.start < u.end <= audio.size / SAMPLE_RATE + 0.01
        assert 0 < u.confidence <= 1
        assert u.channel == 0 and u.text == u.text.strip() and u.text
        assert analyzer.normaliser.to_simplified(u.text) == u.text  # already simplified
    assert "您好" in "".join(u.text for u in utts)


def test_turns_of_a_mono_mix_are_never_merged(transcriber):
    # Both sides of the call mixed into one channel: the only cue left is the pause
    # between turns (0.6 s), and no utterance may span two of them.
    left, right = decode(FIXTURES / "call_stereo_alaw.wav")
    mono = (left + right) / 2
    gold = json.loads((FIXTURES / "call_stereo_alaw.timeline.json").read_text("utf-8"))
    utts = transcriber.transcribe([mono])
    assert len(utts) >= len(gold["turns"])
    for u in utts:
        overlapping = [t for t in gold["turns"]
                       if min(u.end, t["end"]) - max(u.start, t["start"]) > 0.1]
        assert len(overlapping) == 1, (u, overlapping)


def test_stereo_channels_stay_apart_in_one_timeline(transcriber):
    left, right = decode(FIXTURES / "call_stereo_alaw.wav")
    utts = transcriber.transcribe([left, right])
    assert {u.channel for u in utts} == {0, 1}
    assert [u.start for u in utts] == sorted(u.start for u in utts)
    # the same audio on one side only: the other side contributes nothing
    only_left = transcriber.transcribe([left, np.zeros_like(right)])
    assert {u.channel for u in only_left} == {0}


def test_hotwords_are_bounded(transcriber, analyzer):
    long = analyzer.bank.hotwords(10_000)
    t = Transcriber(transcriber.model, TranscribeOptions(hotwords_max_chars=12), hotwords=long)
    assert t.hotwords is not None and 0 < len(t.hotwords) <= 12
    assert Transcriber(transcriber.model, TranscribeOptions(hotwords_max_chars=0),
                       hotwords=long).hotwords is None


def test_progress_is_monotonic_and_ends_at_one(transcriber):
    left, right = decode(FIXTURES / "call_stereo_alaw.wav")
    seen: list[float] = []
    transcriber.transcribe([left, right], progress=seen.append)
    assert len(seen) >= 2 and seen[-1] == 1.0 and all(0 <= x <= 1 for x in seen)
    assert seen == sorted(seen), seen  # never goes back
