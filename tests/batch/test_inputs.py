"""Input discovery, manifests, --since/--until/--limit, and the worker split (no model)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batch.engines import plan_workers
from batch.inputs import InputError, load_inputs, parse_when, select


def test_folder_is_walked_for_audio_only(folder):
    recs = load_inputs(folder)
    assert [r.recording for r in recs] == ["corrupt.mp3", "greet.wav", "notes.txt.wav",
                                           "sub/taboo_agent_right.wav"]
    assert all(r.path.startswith(str(folder.resolve())) for r in recs)


def test_manifest_rows_relative_paths_and_duplicates(tmp_path):
    (tmp_path / "m.csv").write_text(
        "\ufeffpath,agent_id,scenario,call_id,recorded_at,extra\n"
        "a/x.wav,A1,onsite_visit,c1,2026-11-23T08:00:00+08:00,?\n"
        ",A2,,,,\n"
        "/abs/y.mp3,,,,\n"
        "a/x.wav,A3,,,,\n", encoding="utf-8")
    recs = load_inputs(tmp_path / "m.csv")
    assert [r.recording for r in recs] == ["a/x.wav", "/abs/y.mp3"]
    x = recs[0]
    assert x.path == str(tmp_path / "a" / "x.wav")
    assert (x.agent_id, x.scenario, x.call_id) == ("A1", "onsite_visit", "c1")
    assert recs[1].path == "/abs/y.mp3" and recs[1].agent_id is None


def test_manifest_without_path_column(tmp_path):
    (tmp_path / "m.csv").write_text("file,agent_id\nx.wav,A\n", encoding="utf-8")
    with pytest.raises(InputError, match="'path' column"):
        load_inputs(tmp_path / "m.csv")
    with pytest.raises(InputError, match="no such"):
        load_inputs(tmp_path / "missing")


def test_parse_when_zones():
    assert parse_when("2026-11-23") == datetime(2026, 11, 23, tzinfo=UTC)
    assert parse_when("2026-11-23T08:00:00+08:00") == datetime(2026, 11, 23, 0, tzinfo=UTC)
    assert parse_when("2026-11-23 09:30Z") == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_when("yesterday")


def test_since_until_limit(tmp_path):
    (tmp_path / "m.csv").write_text(
        "path,recorded_at\n"
        "a.wav,2026-11-22T23:59:59\n"
        "b.wav,2026-11-23T00:00:00\n"
        "c.wav,2026-11-23T12:00:00\n"
        "d.wav,\n"
        "e.wav,23/11/2026\n"
        "f.wav,2026-11-24T00:00:00\n"
        "g.wav,2026-11-23T23:00:00\n", encoding="utf-8")
    recs = load_inputs(tmp_path / "m.csv")
    day = dict(since=parse_when("2026-11-23"), until=parse_when("2026-11-24"))
    kept, rejected = select(recs, **day)
    assert [r.recording for r in kept] == ["b.wav", "c.wav", "g.wav"]
    assert [r.recording.recording for r in rejected] == ["e.wav"]
    assert "recorded_at" in rejected[0].reason and "line 6" in rejected[0].reason
    kept, _ = select(recs, **day, limit=2)
    assert [r.recording for r in kept] == ["b.wav", "c.wav"]
    kept, rejected = select(recs, limit=3)  # no time filter: nothing rejected
    assert [r.recording for r in kept] == ["a.wav", "b.wav", "c.wav"] and not rejected


@pytest.mark.parametrize("asked,cores,jobs,expected", [
    ((0, 0), 2, None, (2, 1)),
    ((0, 0), 8, None, (8, 1)),
    ((2, 0), 2, None, (2, 1)),
    ((0, 1), 2, None, (2, 1)),
    ((4, 2), 2, None, (2, 1)),   # asked beyond the cores: shrunk
    ((0, 0), 16, 3, (3, 1)),     # never more workers than recordings
    ((1, 1), 1, None, (1, 1)),
])
def test_plan_workers_within_cores(asked, cores, jobs, expected):
    w, t = plan_workers(*asked, cores=cores, jobs=jobs)
    assert (w, t) == expected and w * t <= cores
