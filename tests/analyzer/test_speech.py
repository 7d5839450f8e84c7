"""Recordings through the real model: roles, turns kept apart, formats, silence, noise."""

from __future__ import annotations

import json

import pytest

from analyzer.errors import AnalysisError
from tests.conftest import FIXTURES

KEYS = {"source", "duration", "channels", "scenario", "speakers", "utterances", "score",
        "missing", "violations", "model", "phrasebank_version"}


def _refs(result):
    return {f["ref"] for u in result["utterances"] for f in u["flags"]}


def _timeline(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_stereo_call_agent_left(speech):
    r = speech.analyze(FIXTURES / "call_stereo_alaw.wav").to_dict()
    assert KEYS <= set(r)
    assert r["speakers"] == "stereo" and r["channels"] == 2
    gold = _timeline("call_stereo_alaw.timeline.json")
    assert _refs(r) == {ref for t in gold["turns"] for ref in t["refs"]}
    assert r["scenario"] == "appointment_engineer" and r["missing"] == []
    for u in r["utterances"]:
        assert u["speaker"] == ("agent" if u["channel"] == 0 else "customer")
        assert 0 <= u["start"] <= u["end"] <= r["duration"]
        # an utterance lies within one turn of the timeline: turns are never merged
        overlapping = [t for t in gold["turns"]
                       if min(u["end"], t["end"]) - max(u["start"], t["start"]) > 0.1]
        assert len(overlapping) == 1, (u, overlapping)
        assert overlapping[0]["speaker"] == u["speaker"]
    assert [u["start"] for u in r["utterances"]] == sorted(u["start"] for u in r["utterances"])
    assert r["phrasebank_version"] == speech.analyzer.version and "whisper-base" in r["model"]


def test_agent_channel_right(speech):
    path = FIXTURES / "taboo_agent_right.wav"  # dd03 with its channels swapped
    right = speech.analyze(path, agent_channel="right").to_dict()
    assert sorted(v["ref"] for v in right["violations"]) == ["8.4", "8.7", "8.9"]
    assert all(right["utterances"][v["turn"]]["speaker"] == "agent"
               for v in right["violations"])
    # With the roles the wrong way round, the agent's taboos are the customer's words (no
    # violation) and the customer's 你有没有搞错 becomes the "agent's" 8.2.
    wrong = speech.analyze(path, agent_channel="left").to_dict()
    assert [v["ref"] for v in wrong["violations"]] == ["8.2"]


@pytest.mark.parametrize("name", ["greet.wav", "greet_mulaw.wav", "greet.m4a", "greet.ogg",
                                  "greet.amr"])
def test_mono_formats_infer_the_agent(speech, name):
    r = speech.analyze(FIXTURES / name, scenario="appointment_dispatcher").to_dict()
    assert r["speakers"] == "inferred" and r["channels"] == 1
    flagged = [u for u in r["utterances"] if u["flags"]]
    assert [f["ref"] for u in flagged for f in u["flags"]] == ["1.1.1"]
    assert flagged[0]["speaker"] == "agent"


@pytest.mark.parametrize("name", ["silence.wav", "noise.wav"])
def test_no_speech_no_utterances(speech, name):
    r = speech.analyze(FIXTURES / name, scenario="onsite_visit").to_dict()
    assert r["utterances"] == [] and r["violations"] == []
    assert len(r["missing"]) == 5  # nothing said: every step of the visit is missing


@pytest.mark.parametrize("name", ["corrupt.mp3", "empty.wav", "notes.txt.wav"])
def test_bad_recordings(speech, name):
    with pytest.raises(AnalysisError, match=name.replace(".", r"\.")):
        speech.analyze(FIXTURES / name)


def test_bad_options(speech):
    with pytest.raises(ValueError, match="agent_channel"):
        speech.analyze(FIXTURES / "greet.wav", agent_channel="middle")
    with pytest.raises(ValueError, match="unknown scenario"):
        speech.analyze(FIXTURES / "greet.wav", scenario="nope")


def test_progress_reaches_the_end(speech):
    seen = []
    speech.analyze(FIXTURES / "greet.wav", progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
