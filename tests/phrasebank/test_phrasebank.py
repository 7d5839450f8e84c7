"""The standard as data: completeness against REFS.md, validation, versioning."""

from __future__ import annotations

import re

import pytest

import phrasebank as pb
from phrasebank import PhrasebankError, expand_form


@pytest.fixture(scope="module")
def bank() -> pb.Phrasebank:
    return pb.load()


def _refs_md_refs(shared) -> set[str]:
    text = (shared / "spec" / "REFS.md").read_text(encoding="utf-8")
    refs = set(re.findall(r"^\| (\d+\.\d+(?:\.\d+)?) \|", text, re.M))
    for m in re.finditer(r"^\| (\d+)\.(\d+) … \d+\.(\d+) \|", text, re.M):
        sec, lo, hi = m.groups()
        refs |= {f"{sec}.{i}" for i in range(int(lo), int(hi) + 1)}
    return refs


def test_every_ref_of_refs_md_is_in_the_bank(bank, shared):
    expected = _refs_md_refs(shared) - {"8.0"}  # 8.0 is the lexicon, not an entry
    have = {e.ref for e in bank.entries}
    assert expected - have == set()
    assert len(expected) >= 50


def test_kinds_follow_the_sections(bank):
    for e in bank.entries:
        section = e.ref.split(".")[0]
        expected = {"1": "script", "5": "script", "6": "script", "7": "script",
                    "8": "taboo", "9": "discipline"}[section]
        assert e.kind == expected, e.ref
        assert e.text and (e.forms or e.rules)
    assert {e.ref for e in bank.entries if e.kind == "discipline"} == {"9.5", "9.11", "9.13"}


def test_lexicon_covers_the_four_kinds_of_8_0_and_insults(bank):
    assert {g.category for g in bank.lexicon} == {"profanity", "crude", "sarcasm", "scolding",
                                                   "insult"}


def test_templates_are_the_adherence_md_defaults(bank):
    steps = {t.scenario: [s.refs for s in t.steps] for t in bank.templates}
    assert steps == {
        "appointment_dispatcher": [("1.1.1",), ("1.1.2",), ("1.1.3",)],
        "appointment_engineer": [("1.1.5",), ("1.1.6",), ("1.1.7",)],
        "onsite_visit": [("5.1", "5.5"), ("5.11",), ("5.12",), ("5.14",), ("5.16",)],
    }
    assert bank.template("appointment_engineer").ends == ("1.1.4", "1.2.1")


def test_version_is_the_content_hash(bank):
    text = bank.raw
    assert bank.version == pb.loads(text).version
    changed = pb.loads(text.replace("打搅您了再见", "打搅您了再会"))
    assert changed.version != bank.version


def test_expand_form_alternatives_slots_and_gaps():
    assert expand_form("请问是**[先生|女士]吗") == ["请问是\x01先生吗", "请问是\x01女士吗"]
    assert expand_form("我也没[有|]办法") == ["我也没有办法", "我也没办法"]
    assert expand_form("快下班了…明天再说") == ["快下班了\x02明天再说"]
    assert expand_form("我是XX号") == ["我是\x01号"]
    with pytest.raises(ValueError, match="unbalanced"):
        expand_form("我[是")


def test_a_bad_bank_is_rejected_with_every_reason():
    bad = """
entries:
  - {ref: "5.1", kind: script, text: 您好, forms: ["您好"]}
  - {ref: "5.1", kind: script, text: 再见, forms: ["再见"]}
  - {ref: "x", kind: nonsense, text: "", forms: []}
lexicon:
  - {category: crude, rules: ["[unclosed"]}
  - {category: crude, patterns: ["你(是|)傻"]}
templates:
  - scenario: s
    steps: [{name: a, refs: ["9.99"]}]
"""
    with pytest.raises(PhrasebankError) as exc:
        pb.loads(bad, source="bad.yaml")
    problems = exc.value.problems
    text = " | ".join(problems)
    assert "duplicate ref" in text
    assert "ref must look like" in text
    assert "kind must be one of" in text
    assert "text (the standard's wording) is required" in text
    assert "lexicon[0].rules[0]" in text and "a group is written" in text
    assert "lexicon[1]: 'patterns' are not read" in text
    assert "ref 9.99 is not an entry" in text
    assert str(exc.value).startswith("bad.yaml: ")


@pytest.mark.parametrize(("matching", "problem"), [
    ("{negations: [不是, 没]}", "matching.negations: each must be one character"),
    ("{exact_sound: [你们]}", "matching.exact_sound: each must be one character"),
    ("{clause_min: 1.5}", "matching.clause_min: must be a number in [0, 1]"),
    ("{clause_min: yes}", "matching.clause_min: must be a number in [0, 1]"),
    ("{negations: [不], rule_adverbs: [不用]}", "matching.rule_adverbs: '不用' holds a negation"),
    ("{rule_adverbs: [also]}", "matching.rule_adverbs: 'also' is not a word of Chinese"),
    ("{question_words: [what]}", "matching.question_words: 'what' is not a word of Chinese"),
    ("{function_chars: [就是]}", "matching.function_chars: each must be one character"),
])
def test_negations_and_clause_min_are_validated(matching, problem):
    bad = f"""
matching: {matching}
entries:
  - {{ref: "8.4", kind: taboo, text: 我也没办法, forms: ["我也没办法"]}}
"""
    with pytest.raises(PhrasebankError) as exc:
        pb.loads(bad, source="bad.yaml")
    assert any(problem in p for p in exc.value.problems)


def test_not_yaml_and_not_a_file():
    with pytest.raises(PhrasebankError, match="not valid YAML"):
        pb.loads("entries: [unclosed")
    with pytest.raises(PhrasebankError, match="cannot read"):
        pb.load("/nonexistent/bank.yaml")


def test_hotwords_are_bounded(bank):
    hw = bank.hotwords(max_chars=20)
    assert 0 < len(hw) <= 20
    assert "宽带" in hw
