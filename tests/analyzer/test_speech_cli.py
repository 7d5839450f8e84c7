"""huashu analyze on real files: formats, a bad file among good ones, a 10-minute call."""

from __future__ import annotations

import json
import subprocess
import sys

from analyzer.audio import decode, tile_to, write_wav
from tests.conftest import FIXTURES

RUN = [sys.executable, "-m", "huashu", "analyze"]


def test_jsonl_and_a_bad_file_among_good_ones():
    p = subprocess.run([*RUN, str(FIXTURES / "greet.m4a"), str(FIXTURES / "corrupt.mp3"),
                        str(FIXTURES / "call_stereo_alaw.wav")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 1
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    # one row per file, in order: the bad one as an error row in its place
    assert [r["source"].rsplit("/", 1)[-1] for r in rows] == \
        ["greet.m4a", "corrupt.mp3", "call_stereo_alaw.wav"]
    assert rows[1]["kind"] == "not_audio" and "not a readable audio file" in rows[1]["message"]
    assert "utterances" not in rows[1] and rows[0]["utterances"] and rows[2]["utterances"]
    assert "corrupt.mp3: not a readable audio file" in p.stderr
    assert "1 of 3 recording(s) failed" in p.stderr


def test_vtt_and_text():
    p = subprocess.run([*RUN, "--format", "vtt", "--agent-channel", "right",
                        str(FIXTURES / "taboo_agent_right.wav"), str(FIXTURES / "greet.flac"),
                        str(FIXTURES / "corrupt.mp3")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 1, p.stderr
    out = p.stdout
    # one WebVTT document for the whole stream: each recording's cues after a NOTE naming it
    assert out.startswith("WEBVTT\n") and out.count("WEBVTT") == 1
    assert "NOTE flags: 禁语 8.7 快下班了,明天再说" in out and " --> " in out and "<v agent>" in out
    assert "taboo_agent_right.wav 场景" in out and "greet.flac 场景" in out
    assert "corrupt.mp3: not a readable audio file" in out
    p = subprocess.run([*RUN, "--format", "text", str(FIXTURES / "greet.flac")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and "1.1.1 调度问候并确认客户" in p.stdout and "得分" in p.stdout
    p = subprocess.run([*RUN, "--format", "text", "--lang", "en", str(FIXTURES / "greet.flac")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and "score" in p.stdout and "得分" not in p.stdout


def test_ten_minute_stereo_call_in_bounded_memory(tmp_path):
    path = tmp_path / "ten_minutes.wav"
    write_wav(path, tile_to(decode(FIXTURES / "call_stereo_alaw.wav"), 600))
    # The child's own peak: VmHWM of its memory map. (ru_maxrss is not it: Linux carries
    # it across exec, so a child forked from this test process, which holds the model of
    # the other tests, reported that process's size, ~1 GB, whatever the child used.)
    code = ("import json, re, sys; from huashu.compose import load_speech_pipeline; "
            "from huashu.config import get_settings; "
            "r = load_speech_pipeline(get_settings()).analyze(sys.argv[1]).to_dict(); "
            "hwm = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()); "
            "print(json.dumps({'n': len(r['utterances']), 'dur': r['duration'], "
            "'rss': int(hwm.group(1))}))")
    # beam 1: this test is about memory and robustness, not accuracy
    p = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                       timeout=900, env={**__import__("os").environ, "HUASHU_BEAM_SIZE": "1"})
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(p.stdout.splitlines()[-1])
    assert abs(res["dur"] - 600) < 1
    assert res["n"] >= 25 * 5  # ~25 copies of a call with 7 utterances each
    assert res["rss"] * 1024 < 1024 ** 3, f"peak RSS {res['rss'] / 1024:.0f} MiB"


def test_a_broken_model_folder_is_named_without_a_traceback(tmp_path):
    import os

    empty = tmp_path / "model"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "config.json").write_text("{}")
    (damaged / "model.bin").write_bytes(b"\0" * 4096)  # not a CTranslate2 model
    for folder, words in ((empty, "is not a CTranslate2 model folder"),
                          (damaged, "cannot be loaded")):
        p = subprocess.run([*RUN, str(FIXTURES / "greet.wav")], capture_output=True, text=True,
                           timeout=300, env={**os.environ, "HUASHU_MODEL_DIR": str(folder)})
        assert p.returncode == 2, p.stderr
        assert words in p.stderr and str(folder) in p.stderr
        assert "Traceback" not in p.stderr and p.stdout == ""


def test_text_and_vtt_say_which_utterances_were_heard_behind_and_not_scored():
    """The readable report and the WebVTT notes mark an utterance heard behind its side's
    speaker (its flags are shown, not deducted), and no other."""
    from huashu.cli.speech import to_text, to_vtt

    flag = {"ref": "8.0", "kind": "taboo", "matched": "听不懂人话", "span": [2, 7]}
    result = {"source": "call.wav", "duration": 9.0, "channels": 2, "speakers": "stereo",
              "scenario": "appointment_engineer", "score": 100, "phrasebank_version": "x",
              "deductions": [], "analytics": {},
              "utterances": [
                  {"start": 0.5, "end": 2.0, "speaker": "agent", "text": "你好", "flags": []},
                  {"start": 3.0, "end": 5.0, "speaker": "agent", "text": "你这人听不懂人话是吧",
                   "flags": [flag], "heard_behind": True},
                  {"start": 6.0, "end": 8.0, "speaker": "agent", "text": "你这人听不懂人话是吧",
                   "flags": [flag]}]}
    lines = to_text(result).splitlines()
    assert [line.endswith("(背景人声,不计分)") for line in lines[1:4]] == [False, True, False]
    notes = [line for line in to_vtt(result).splitlines() if line.startswith("NOTE flags")]
    assert notes == ["NOTE flags (背景人声,不计分): 禁语 8.0 「听不懂人话」",
                     "NOTE flags: 禁语 8.0 「听不懂人话」"]
