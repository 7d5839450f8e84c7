"""The phrasebank's rule syntax: parsing, concepts, errors that say where."""

from __future__ import annotations

import pytest

from phrasebank.rules import Choice, Gap, RuleSyntaxError, parse_rule


def test_words_groups_gaps_and_anchors():
    r = parse_rule("^ 你 [是不是|真|] [傻|笨] …3 了 $")
    assert r.tokens == ("^", Choice(("你",)), Choice(("是不是", "真"), optional=True),
                        Choice(("傻", "笨")), Gap(3), Choice(("了",)), "$")
    assert r.min_chars == 3  # 你 + 傻 + 了: optional groups and gaps may be empty


def test_concepts_expand_in_place():
    concepts = {"PHONE": ("手机", "电话")}
    r = parse_rule("借 [{PHONE}|充电器]", concepts)
    assert r.tokens == (Choice(("借",)), Choice(("手机", "电话", "充电器")))
    assert parse_rule("{PHONE}", concepts).tokens == (Choice(("手机", "电话")),)


@pytest.mark.parametrize("text,problem", [
    ("", "empty"),
    ("[你|", "group"),
    ("借 {NOPE}", "unknown concept"),
    ("… 你", "between two tokens"),
    ("你 ^", "may only start"),
    ("[你|]", "must be said"),
    ("[|]", "at least one word"),
])
def test_bad_rules_say_what_is_wrong(text, problem):
    with pytest.raises(RuleSyntaxError, match=problem):
        parse_rule(text, {"PHONE": ("手机",)})


def test_a_bad_rule_in_a_bank_is_reported_with_its_place():
    import phrasebank as pb

    text = pb.DEFAULT_PATH.read_text(encoding="utf-8").replace('"tmd"', '"[t|m d"', 1)
    with pytest.raises(pb.PhrasebankError, match=r"lexicon\[0\]\.rules\[\d+\] '\[t\|m d'"):
        pb.loads(text)


def test_a_filler_in_a_rule_is_refused():
    import phrasebank as pb

    text = pb.DEFAULT_PATH.read_text(encoding="utf-8").replace('"tmd"', '"你 [好|吧]"', 1)
    with pytest.raises(pb.PhrasebankError, match="吧 is a filler"):
        pb.loads(text)
