"""Suggestions go into the bank's YAML as one more item of one list; nothing else changes."""

from __future__ import annotations

import pytest

import phrasebank as pb
from analyzer import Analyzer
from analyzer.suggest import Feedback, Suggestion, apply_suggestion, suggest

BANK = """name: t
normalise: {fillers: [啊], equivalents: {您: 你}}
entries:
  - ref: "8.5"
    kind: taboo
    text: 你们应该……
    forms: ["你们应该"]
  - ref: "5.8"
    kind: script
    text: 对不起,给您带来麻烦了。
    forms:
      - "对不起给您带来麻烦了"
    guards: ["对不起 …2 没有",
             "不麻烦"]
lexicon:
  - category: insult
    label: 侮辱
    words: [笨蛋]
    rules: ["你 真 笨",
            "你 太 笨"]
"""


def _s(target: str, item: str) -> Suggestion:
    return Suggestion("x", "guard", "", target, item, "", [])


@pytest.mark.parametrize("target,item", [
    ("entries[ref 8.5].guards", "你们 应该 注意"),       # a key the entry lacks
    ("entries[ref 5.8].forms", "真对不起添麻烦了"),       # a block list
    ("entries[ref 5.8].guards", "对不起 打扰"),           # a flow list over two lines
    ("lexicon[insult].rules", "你 好 笨"),
    ("lexicon[reviewed].rules", "你 脑袋 进水"),          # a group that is not there yet
])
def test_one_item_is_added_and_the_rest_kept(target, item):
    before = pb.loads(BANK)
    after = pb.loads(apply_suggestion(BANK, _s(target, item)))
    assert len(after.entries) == len(before.entries)
    grown = {"entries[ref 8.5].guards": lambda b: [r.text for r in b.entry("8.5").guards],
             "entries[ref 5.8].forms": lambda b: list(b.entry("5.8").forms),
             "entries[ref 5.8].guards": lambda b: [r.text for r in b.entry("5.8").guards],
             "lexicon[insult].rules": lambda b: [r.text for g in b.lexicon
                                                 if g.category == "insult" for r in g.rules],
             "lexicon[reviewed].rules": lambda b: [r.text for g in b.lexicon
                                                   if g.category == "reviewed" for r in g.rules]}
    assert grown[target](after) == grown[target](before) + [item]


def test_a_place_that_is_not_there_or_an_item_that_breaks_the_bank_is_refused():
    with pytest.raises(ValueError, match="not found"):
        apply_suggestion(BANK, _s("entries[ref 9.9].guards", "你"))
    with pytest.raises(ValueError, match="invalid"):
        apply_suggestion(BANK, _s("entries[ref 8.5].guards", "{NOPE}"))


def test_a_rejected_finding_suggests_the_words_around_it():
    an = Analyzer(pb.loads(BANK))
    text = "你们应该注意安全"
    [f] = an.check(text, source="typed")
    fb = Feedback("rejected", "8.5", text, span=f.span)
    utterances = [(text, "agent"), ("你们应该注意防火", "agent"), ("你们应该自己修", "agent")]
    [s] = suggest(an, [fb, fb], utterances, source="typed")
    assert s.action == "guard" and len(s.feedback) == 2  # one suggestion, asked for twice
    assert s.item.replace(" ", "").startswith("你们应该") and len(s.item.replace(" ", "")) > 4
    assert s.test is not None and s.test.fixes and s.test.removes == 1 and s.test.adds == 0
