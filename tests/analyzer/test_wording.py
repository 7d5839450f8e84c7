"""Taboo and discipline lines said in other words, read from their wording (models.wording).

The sentences are probe set Q16 (``bench/probes.jsonl``), written before the model was built
and never trained on (``bench/train_wording.py``'s ``_NEVER``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import models.wording as wording
import phrasebank as pb
from analyzer import Analyzer

ROOT = Path(__file__).resolve().parents[2]


def _q16() -> list[dict]:
    with (ROOT / "bench" / "probes.jsonl").open(encoding="utf-8") as fh:
        return [r for r in map(json.loads, fh) if r["set"] == "Q16"]


def _violations(flags) -> list[str]:
    return [f.ref for f in flags if f.is_violation]


def test_lines_no_rule_names_are_found_by_their_wording(analyzer) -> None:
    rows = _q16()
    lines = [r for r in rows if r["refs"] and r["refs"] != ["8.0"]]
    by_rules = analyzer.check_many([(r["text"], "agent") for r in lines], source="typed",
                                   semantic=False, wording=False)
    left = [r for r, f in zip(lines, by_rules, strict=True) if not _violations(f)]
    assert len(left) >= 8  # the rules miss many wordings they were not written for (13)
    found = analyzer.check_many([(r["text"], "agent") for r in left], source="typed",
                                semantic=True)
    model = analyzer.wording_stage().model
    hits = [(r, f) for r, flags in zip(left, found, strict=True) for f in flags
            if f.category == "wording"]
    assert len(hits) >= len(left) // 4  # measured: 6 of 13
    for r, f in hits:
        entry = analyzer.bank.entry(f.ref)
        assert f.is_violation and f.kind == entry.kind and f.standard == entry.text
        assert f.span == (0, len(r["text"])) and f.matched == r["text"]
        assert analyzer.bank.semantic.wording_min_probability <= f.score <= 1
        # the evidence: the labelled sentence nearest in wording, whose line it names
        k = model.examples.index(f.similar_to)
        assert model.example_refs[k] == f.ref
    # the line is named right for half or more (measured: 3 of 6; the others name another
    # taboo line)
    assert sum(f.ref in r["refs"] for r, f in hits) >= len(hits) // 2


def test_without_the_sentence_model_lines_are_still_read_by_their_wording(analyzer) -> None:
    # the real-time check: forms, rules and the wording model, no sentence model
    rows = [r for r in _q16() if r["refs"] and r["refs"] != ["8.0"]]
    asked = [(r["text"], "agent") for r in rows]
    rules = analyzer.check_many(asked, source="typed", semantic=False, wording=False)
    worded = analyzer.check_many(asked, source="typed", semantic=False)  # the options': on
    assert analyzer.options.wording and not analyzer.options.semantic
    # what the wording adds is what the full reading's wording finds: no more, no less
    full = analyzer.check_many(asked, source="typed", semantic=True)
    added = [[f for f in after if f not in before] for before, after in zip(rules, worded,
                                                                             strict=True)]
    assert all(f.category == "wording" for fs in added for f in fs)
    assert [[f.ref for f in fs] for fs in added] == \
        [[f.ref for f in fs if f.category == "wording"] for fs in full]
    assert sum(1 for fs in added if fs) >= 4  # measured: 6 of the 13 the rules miss
    # one utterance, and a conversation scored with it, the same way
    text = "你自己先把光猫重启了再打给我"
    assert [(f.ref, f.category) for f in analyzer.check(text, source="typed")] == \
        [("8.5", "wording")]
    assert analyzer.check(text, source="typed", wording=False) == []
    rep = analyzer.score([{"speaker": "agent", "text": text}], source="typed").to_dict()
    assert [(v["ref"], v.get("category")) for v in rep["violations"]] == [("8.5", "wording")]
    off = analyzer.score([{"speaker": "agent", "text": text}], source="typed", wording=False)
    assert off.to_dict()["violations"] == []
    # what read them, for a result to record: the wording model alone
    assert analyzer.reading_models() == {"wording": analyzer.wording_stage().describe()}
    assert analyzer.reading_models(wording=False) is None


def test_innocent_look_alikes_are_not_read_as_lines(analyzer) -> None:
    innocent = [r["text"] for r in _q16() if not r["refs"]]
    assert len(innocent) == 19
    for semantic in (True, False):
        found = analyzer.check_many([(t, "agent") for t in innocent], source="typed",
                                    semantic=semantic)
        assert not [f for flags in found for f in flags if f.category == "wording"]


def test_only_an_agents_utterance_left_open_is_read(analyzer) -> None:
    text = "你自己先把光猫重启了再打给我"
    assert [(f.ref, f.category) for f in analyzer.check(text, source="typed",
                                                        semantic=True)] == [("8.5", "wording")]
    assert analyzer.check(text, speaker="customer", source="typed", semantic=True) == []
    # a rule's finding is not found twice (快下班了 is 8.7's own words)
    said = analyzer.check("快下班了,明天再说,你自己先把光猫重启了再打给我", source="typed",
                          semantic=True)
    assert "wording" not in [f.category for f in said] and "8.7" in _violations(said)
    # a recogniser's words it was unsure of are not read (as for uncivil meaning)
    least = analyzer.options.uncivil_min_confidence
    rep = analyzer.score([{"speaker": "agent", "text": text, "confidence": least - 0.05}],
                         source="asr", semantic=True).to_dict()
    assert not [v for v in rep["violations"] if v.get("category") == "wording"]


def test_the_bank_sets_how_sure_the_model_must_be_and_can_turn_it_off() -> None:
    text = (Path(pb.__file__).parent / "standard.yaml").read_text(encoding="utf-8")
    assert "wording_min_probability: 0.8" in text
    off = Analyzer(pb.loads(text.replace("wording_min_probability: 0.8",
                                         "wording_min_probability: 1")))
    assert off.wording_stage().model is None
    for semantic in (True, False):
        flags = off.check("你自己先把光猫重启了再打给我", source="typed", semantic=semantic)
        assert "wording" not in [f.category for f in flags]
    assert off.semantic_stage().describe()["wording"] is None
    with pytest.raises(pb.PhrasebankError, match="semantic.wording_min_probability"):
        pb.loads(text.replace("wording_min_probability: 0.8", "wording_min_probability: 0.2"))


def test_a_result_records_the_model_it_read_with(analyzer) -> None:
    described = analyzer.semantic_stage().describe()["wording"]
    assert described["version"] == wording.load_model().version == wording.shipped_version()
    assert described["min_probability"] == analyzer.bank.semantic.wording_min_probability
    assert described["columns"] > 1000 and described["trained_on"]["rows"]


def test_a_deployment_can_leave_lines_by_wording_to_the_sentence_model(monkeypatch) -> None:
    from huashu.compose import load_analyzer
    from huashu.config import Settings, SettingsError, get_settings

    text = "你自己先把光猫重启了再打给我"
    monkeypatch.setenv("HUASHU_WORDING", "false")
    an = load_analyzer(Settings())
    assert not an.options.wording and an.check(text, source="typed") == []
    assert an.reading_models() is None
    # reading by meaning still reads it
    assert [(f.ref, f.category) for f in an.check(text, source="typed", semantic=True)] == \
        [("8.5", "wording")]
    monkeypatch.setenv("HUASHU_WORDING", "sometimes")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="HUASHU_WORDING"):
            get_settings()
    finally:
        get_settings.cache_clear()
