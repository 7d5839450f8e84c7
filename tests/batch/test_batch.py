"""``huashu batch`` end to end with the real model: folder and manifest input, a corrupt
file among good ones, a run killed mid-way then resumed, and the Ray engine against the
local one."""

from __future__ import annotations

import csv
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from batch.inputs import parse_when
from batch.run import TIMING_FIELDS, BatchOptions, run_batch
from huashu.cli import main
from huashu.config import Settings
from tests.batch.conftest import ONE, SPLIT, read_jsonl
from tests.conftest import FIXTURES, ROOT

GOOD = {"greet.wav", "sub/taboo_agent_right.wav"}
BAD = {"corrupt.mp3", "notes.txt.wav"}


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_folder_run_with_bad_files(local_run):
    out = local_run["out"]
    assert local_run["rc"] == 1  # some recordings failed; the rest finished
    results = read_jsonl(out / "results.jsonl")
    assert {r["recording"] for r in results} == GOOD and len(results) == 2
    for r in results:
        assert {"source", "duration", "utterances", "score", "violations", "missing",
                "phrasebank_version", "options", "model", "agent_id", "call_id",
                "recorded_at", "content_sha256", "batch_key"} <= set(r)
        assert r["utterances"] and (r["score"] is None or 0 <= r["score"] <= 100)
    taboo = next(r for r in results if r["recording"] == "sub/taboo_agent_right.wav")
    # agent on the right but analysed as left: the customer's 你有没有搞错 is the "agent's" 8.2
    assert [v["ref"] for v in taboo["violations"]] == ["8.2"]
    # and that side says no line of any template: no scenario, no score, nothing deducted
    assert (taboo["scenario"], taboo["score"], taboo["missing"]) == ("undetermined", None, [])
    failures = read_jsonl(out / "failures.jsonl")
    assert {f["recording"] for f in failures} == BAD
    assert all(f["kind"] == "not_audio" and "not a readable audio file" in f["error"]
               for f in failures)
    summary = _csv(out / "summary.csv")
    assert {(s["recording"], s["status"]) for s in summary} == \
        {(g, "ok") for g in GOOD} | {(b, "failed") for b in BAD}
    row = next(s for s in summary if s["recording"] == "sub/taboo_agent_right.wav")
    assert (row["score"], row["violations"], row["violation_refs"]) == ("", "1", "8.2")
    assert int(row["missing_steps"]) == len(taboo["missing"])
    agents = _csv(out / "agents.csv")
    assert [(a["agent_id"], a["recordings"], a["failed"], a["violations"]) for a in agents] \
        == [("(none)", "2", "2", "1")]
    scored = [r["score"] for r in results if r["score"] is not None]
    assert scored and float(agents[0]["mean_score"]) == sum(scored) / len(scored)
    assert agents[0]["top_violation_refs"] == "8.2 ×1"


def test_second_run_reuses_everything(local_run, folder):
    out = local_run["out"]
    before = (out / "results.jsonl").read_bytes()
    t0 = time.perf_counter()
    stats = run_batch(BatchOptions(src=folder, out=out, workers=2, threads=1, progress=False),
                      Settings())
    took = time.perf_counter() - t0
    assert (stats.reused, stats.analysed, stats.failed) == (2, 0, 2)
    assert (out / "results.jsonl").read_bytes() == before
    assert took < 3.0, took  # no model loaded, nothing transcribed
    assert len(read_jsonl(out / "failures.jsonl")) == 2  # this run's failures, not appended


def test_manifest_since_until_limit(tmp_path, folder, caplog):
    caplog.set_level("INFO", logger="huashu.batch")
    man = tmp_path / "day.csv"
    good = folder / "greet.wav"
    man.write_text(
        "path,agent_id,scenario,call_id,recorded_at\n"
        f"{good},A7,appointment_dispatcher,call-1,2026-11-23T09:00:00+08:00\n"
        f"{good},A7,,call-0,2026-11-22T09:00:00+08:00\n"  # same path: kept once (the first)
        "missing.wav,B2,,call-2,2026-11-23T10:00:00\n"
        "sub/x.wav,B2,,call-3,not a date\n"
        f"{folder / 'sub' / 'taboo_agent_right.wav'},C3,,call-4,2026-11-23T18:00:00\n"
        f"{folder / 'corrupt.mp3'},C3,,call-5,2026-11-24T01:00:00\n",  # after --until
        encoding="utf-8")
    out = tmp_path / "out"
    rc = main(["batch", str(man), "--out", str(out), *SPLIT, "--no-progress",
               "--since", "2026-11-23T00:00:00+08:00", "--until", "2026-11-24", "--limit", "2"])
    assert rc == 1
    results = read_jsonl(out / "results.jsonl")
    assert [(r["recording"], r["agent_id"], r["call_id"], r["recorded_at"], r["scenario"])
            for r in results] == [(str(good), "A7", "call-1", "2026-11-23T09:00:00+08:00",
                                   "appointment_dispatcher")]
    assert results[0]["requested_scenario"] == "appointment_dispatcher"
    failures = {f["recording"]: f for f in read_jsonl(out / "failures.jsonl")}
    assert set(failures) == {"missing.wav", "sub/x.wav"}  # --limit 2 stops before call-4
    assert failures["missing.wav"]["kind"] == "missing"
    assert failures["sub/x.wav"]["kind"] == "bad_input" and "recorded_at" in \
        failures["sub/x.wav"]["error"]
    # not on a terminal: one plain log line per recording, with an ETA
    assert re.search(r"\[1/1\] .*greet\.wav: score \d+, 0 violation\(s\), .* \(ETA 0:00\)",
                     caplog.text)
    agents = {a["agent_id"]: a for a in _csv(out / "agents.csv")}
    assert set(agents) == {"A7", "B2"}
    assert (agents["A7"]["recordings"], agents["B2"]["recordings"], agents["B2"]["failed"]) \
        == ("1", "0", "2")


def test_killed_mid_way_then_resumed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    names = ["a_greet.wav", "b_greet_mulaw.wav", "c_greet.flac"]
    for name, fixture in zip(names, ["greet.wav", "greet_mulaw.wav", "greet.flac"],
                             strict=True):
        shutil.copy(FIXTURES / fixture, src / name)
    out = tmp_path / "out"
    results = out / "results.jsonl"
    cmd = [sys.executable, "-m", "huashu", "batch", str(src), "--out", str(out),
           *ONE, "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if results.exists() and results.read_bytes().count(b"\n") >= 1:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its worker processes
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    first = read_jsonl(results)
    assert 1 <= len(first) < len(names)
    # A half-written line (a kill inside a write) must not break the resume either.
    with open(results, "a", encoding="utf-8") as fh:
        fh.write('{"recording":"c_greet.flac","source":')
    stats = run_batch(BatchOptions(src=src, out=out, workers=1, threads=2, progress=False),
                      Settings())
    assert stats.reused == len(first) and stats.analysed == len(names) - len(first)
    final = read_jsonl(results)
    recs = [r["recording"] for r in final]
    assert sorted(recs) == names and len(set(recs)) == len(recs)  # all there, no duplicates
    assert final[:len(first)] == first  # the rows of the killed run were kept, not redone
    assert not read_jsonl(out / "failures.jsonl")


def _comparable(rows):
    return sorted(({k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in rows),
                  key=lambda r: r["recording"])


def test_ray_engine_equals_local(local_run, folder, tmp_path):
    out = tmp_path / "out-ray"
    stats = run_batch(BatchOptions(src=folder, out=out, engine="ray", workers=2, threads=1,
                                   progress=False), Settings())
    assert (stats.engine, stats.analysed, stats.failed) == ("ray", 2, 2)
    ray_rows = read_jsonl(out / "results.jsonl")
    local_rows = read_jsonl(local_run["out"] / "results.jsonl")
    assert {r["batch"]["engine"] for r in ray_rows} == {"ray"}
    assert {r["batch"]["engine"] for r in local_rows} == {"local"}
    assert _comparable(ray_rows) == _comparable(local_rows)
    assert {f["recording"] for f in read_jsonl(out / "failures.jsonl")} == BAD
    assert (out / "summary.csv").read_text() == (local_run["out"] / "summary.csv").read_text()


def test_since_until_on_the_cli_rejects_bad_times(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["batch", "x", "--out", "y", "--since", "last tuesday"])
    assert "ISO 8601" in capsys.readouterr().err
    assert parse_when("2026-11-23T00:00:00+08:00").hour == 16


def test_a_worker_killed_mid_recording_is_replaced(caplog, tmp_path):
    """SIGKILL the worker (as the OOM killer would) while it analyses the second recording:
    the pool is started again, that recording analysed again, and every job ends once."""
    import threading

    from batch.engines import Job, LocalEngine
    from huashu.compose import settings_payload
    from huashu.config import Settings

    # the second is the longest (23 s of audio, seconds to analyse): the kill, a second
    # after the first finishes, lands in it (a 5 s greeting could be done by then)
    names = ["greet.wav", "call_stereo_alaw.wav", "greet.flac"]
    jobs = [Job(recording=n, path=str(FIXTURES / n)) for n in names]
    outcomes = []
    killed: list[int] = []

    def on_outcome(o):
        outcomes.append(o)
        if len(outcomes) == 1:  # the worker is about to take the second recording
            pid = int(o.worker.rsplit(":", 1)[1])
            t = threading.Timer(1.0, lambda: (os.kill(pid, signal.SIGKILL), killed.append(pid)))
            t.start()

    with caplog.at_level("WARNING", logger="batch.engines"):
        LocalEngine(settings_payload(Settings()), workers=1, threads=2).run(jobs, on_outcome)
    assert killed
    assert sorted(o.job.recording for o in outcomes) == sorted(names)
    assert all(o.result is not None and o.error is None for o in outcomes), outcomes
    assert [o.job.attempts for o in outcomes] == [0, 1, 0]
    assert killed[0] not in {int(o.worker.rsplit(":", 1)[1]) for o in outcomes[1:]}
    assert "a worker process died; trying it again" in caplog.text


def test_ray_address_that_does_not_answer_fails_fast(folder, tmp_path, caplog):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out"
    t0 = time.perf_counter()
    rc = main(["batch", str(folder), "--out", str(out), "--engine", "ray",
               "--address", f"127.0.0.1:{port}", "--no-progress"])
    assert rc == 3 and time.perf_counter() - t0 < 15
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in caplog.text
    # nothing was analysed, and what could not be is still reported
    assert not (out / "results.jsonl").exists() or not read_jsonl(out / "results.jsonl")
    assert {f["recording"] for f in read_jsonl(out / "failures.jsonl")} == BAD


def test_progress_bar_on_a_terminal(tmp_path):
    """On a terminal (a pseudo-terminal here) the CLI shows a tqdm bar with the ETA."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "greet.wav", src / "greet.wav")
    shutil.copy(FIXTURES / "greet_mulaw.wav", src / "greet_mulaw.wav")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI on the terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "huashu", "batch", str(src),
                                  "--out", str(tmp_path / "out"), "--workers", "1",
                                  "--threads", "2"])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode("utf-8", errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-2000:]
    # tqdm: "huashu batch:  50%|█████     | 1/2 [00:05<00:05, 5.1s/rec]" (elapsed<ETA)
    assert re.search(r"huashu batch: +50%\|.*\| 1/2 \[\d\d:\d\d<\d\d:\d\d", text), text
    assert re.search(r"100%\|.*\| 2/2 ", text)
    assert "[1/2]" not in text  # the bar replaces the log lines
    assert len(read_jsonl(tmp_path / "out" / "results.jsonl")) == 2
