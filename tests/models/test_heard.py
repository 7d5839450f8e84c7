"""The uncivil model's sets as Whisper wrote them (``bench/uncivil_asr.jsonl``), which
``bench/train_uncivil.py`` trains on (J-M, O) and measures on (N, P)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.probe_asr import uncivil_rows
from bench.train_uncivil import heard

ROOT = Path(__file__).resolve().parents[2]
HEARD = ROOT / "bench" / "uncivil_asr.jsonl"


def test_every_spoken_row_is_there_once_with_its_label_and_typed_text() -> None:
    spoken = {r["id"]: r for r in uncivil_rows()}
    with HEARD.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    assert [r["id"] for r in rows] == list(spoken)  # one each, in order
    for r in rows:
        typed = spoken[r["id"]]
        assert (r["set"], r["uncivil"], r["gold_text"]) == \
            (typed["set"], typed["uncivil"], typed["text"])
        assert r["text"]  # what Whisper wrote: never empty
    # the sets the uncivil model is written for, both labels in each
    assert {(r["set"], r["uncivil"]) for r in rows} == \
        {(s, u) for s in ("J", "K", "L", "M", "O", "N", "P") for u in (True, False)}


def test_heard_rows_are_simplified_and_only_of_the_sets_asked(tmp_path) -> None:
    path = tmp_path / "heard.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (
        {"id": "J-0000", "set": "J", "uncivil": True, "text": "你這人是真難溝通",
         "gold_text": "你这人是真难沟通"},
        {"id": "K-0001", "set": "K", "uncivil": False, "text": "您稍等,我來弄",
         "gold_text": "您稍等,我来弄"},
        {"id": "N-0002", "set": "N", "uncivil": True, "text": "聽不懂是吧",
         "gold_text": "听不懂是吧"})) + "\n", encoding="utf-8")
    rows = heard(path, ("J", "K"))
    assert [(e.text, e.uncivil, e.source) for e in rows] == \
        [("你这人是真难沟通", True, "J"), ("您稍等,我来弄", False, "K")]
    assert heard(path, ()) == []
