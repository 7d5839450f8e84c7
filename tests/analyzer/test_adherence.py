"""Adherence: steps, order, ends, triggers, violations and a traced score."""

from __future__ import annotations

A, C = "agent", "customer"


def turns(*pairs):
    return [{"speaker": s, "text": t} for s, t in pairs]


ONSITE_OK = turns(
    (A, "刘先生,您好,我移动公司十五号服务人员,按预约现在为您检修宽带,请问我可以进去吗?"),
    (C, "进来吧。"),
    (A, "您的宽带上网已经恢复,请您使用一下。"),
    (A, "请问您对我们的服务是否满意?"),
    (A, "麻烦您在我们工单上签上您的意见。"),
    (A, "打搅您了,再见!"),
)


def test_a_complete_visit_scores_100(analyzer):
    r = analyzer.score(ONSITE_OK, scenario="onsite_visit")
    assert r.score == 100 and r.missing == [] and r.deductions == []
    assert [s.turn for s in r.steps] == [0, 2, 3, 4, 5]
    assert r.steps[0].ref == "5.5"
    assert r.phrasebank_version == analyzer.version
    assert r.options["match"]["phonetic"] is True


def test_missing_steps_are_deducted_and_named(analyzer):
    r = analyzer.score(ONSITE_OK[:3], scenario="onsite_visit")
    assert [m["refs"] for m in r.missing] == [["5.12"], ["5.14"], ["5.16"]]
    w = analyzer.bank.weights["missing_step"]
    assert r.score == 100 - 3 * w
    assert all(d.reason == "missing_step" and d.turn is None for d in r.deductions)


def test_order(analyzer):
    swapped = [ONSITE_OK[0], ONSITE_OK[3], ONSITE_OK[2], *ONSITE_OK[4:]]
    r = analyzer.score(swapped, scenario="onsite_visit")
    assert r.missing == []
    # two steps swapped: one of them is out of order (the later step of the template)
    [ooo] = r.out_of_order
    assert ooo["refs"] == ["5.12"] and ooo["turn"] == 1
    [d] = r.deductions
    assert d.reason == "out_of_order" and d.turn == 1 and d.text == swapped[1]["text"]
    assert "came before 'service restored and ask to try'" in d.detail


def test_a_greeting_said_last_is_one_step_out_of_order(analyzer):
    late = [*ONSITE_OK[1:5], ONSITE_OK[0], ONSITE_OK[5]]
    r = analyzer.score(late, scenario="onsite_visit")
    assert [o["refs"] for o in r.out_of_order] == [["5.1", "5.5"]]
    assert r.score == 100 - analyzer.bank.weights["out_of_order"]


def test_an_end_replaces_the_remaining_steps(analyzer):
    r = analyzer.score(turns(
        (A, "您好!我是三零六号服务人员,请问是陈女士吗?"),
        (C, "是我,现在开会呢,不方便。"),
        (A, "那打搅您了,我们半小时后再致电给您,可以吗?"),
    ), scenario="appointment_dispatcher")
    assert r.missing == [] and r.score == 100
    assert [s.excused for s in r.steps] == [False, True, True]


def test_triggers_owe_a_reply(analyzer):
    base = [ONSITE_OK[0], (C, "怎么老是断网?")]
    answered = turns(*[(t["speaker"], t["text"]) if isinstance(t, dict) else t for t in base],
                     (A, "影响您的工作,我们深表歉意。我们正在排查,原因查明后将及时向您反馈。"))
    r = analyzer.score(answered + ONSITE_OK[2:], scenario="onsite_visit")
    [tr] = r.triggers
    assert tr.kind == "asks_why" and tr.turn == 1 and tr.answered_turn == 2
    assert r.score == 100
    unanswered = analyzer.score(answered[:2] + ONSITE_OK[2:], scenario="onsite_visit")
    [d] = unanswered.deductions
    assert d.reason == "unanswered_trigger" and d.turn == 1 and "6.1" in d.refs
    assert unanswered.missing == []  # owed replies are not required steps


def test_violations_are_the_agents_only(analyzer):
    r = analyzer.score(turns(
        (A, "你好,修宽带的。"),
        (C, "你有没有搞错,我等了一天了。"),
        (A, "我也没办法啊,这是我们公司规定的。"),
    ), scenario="onsite_visit")
    assert sorted(v.ref for v in r.violations) == ["8.4", "8.9"]
    assert all(v.turn == 2 for v in r.violations)
    assert sum(d.points for d in r.deductions) == 100 - r.score or r.score == 0
    assert {d.turn for d in r.deductions if d.reason == "violation"} == {2}


def test_every_deduction_adds_up(analyzer):
    r = analyzer.score(turns(
        (A, "快下班了,明天再说。"), (A, "记得给我个好评哦"), (A, "打搅您了,再见!")),
        scenario="onsite_visit")
    assert r.score == max(0, 100 - sum(d.points for d in r.deductions))
    assert any(d.reason == "violation" and d.refs == ["9.13"] for d in r.deductions)


def test_scenario_is_inferred(analyzer):
    r = analyzer.score(turns(
        (A, "您好!我是移动工程师小王,请问是刘先生吗?"),
        (C, "对,是我。"),
        (A, "好的,我将会在下午三点准时上门为您检修。"),
    ))
    assert r.scenario == "appointment_engineer" and r.scenario_inferred
    assert r.steps[2].ref == "1.1.7"  # the repeated line goes to the call's own section
    assert [m["refs"] for m in r.missing] == [["1.1.6"]]
    assert analyzer.score(ONSITE_OK).scenario == "onsite_visit"


def test_unknown_scenario_and_bad_turns(analyzer):
    import pytest

    with pytest.raises(ValueError, match="unknown scenario"):
        analyzer.score(ONSITE_OK, scenario="nope")
    with pytest.raises(ValueError, match="turn 0: text must be a string"):
        analyzer.score([{"speaker": "agent", "text": 3}])


def test_unknown_speakers_can_raise_triggers(analyzer):
    # a mono recording: the complaint's speaker is not known, the reply is still owed
    r = analyzer.score(turns((A, "您好,我是移动公司十二号服务人员。"), ("unknown", "怎么老是断网?")),
                       scenario="onsite_visit")
    assert [t.kind for t in r.triggers] == ["asks_why"]
    assert any(d.reason == "unanswered_trigger" and d.turn == 1 for d in r.deductions)


def test_a_ref_said_again_before_anyone_else_speaks_is_one_violation(analyzer):
    # the recogniser cut one refusal into two utterances at its pause: one 8.8 there; said
    # again after the customer spoke, it is a second
    r = analyzer.score(turns(
        (A, "这个不归我们管,"),
        (A, "你家楼道那个箱子是物业的,你找物业去"),
        (C, "我找物业?那是你们的线啊!"),
        (A, "跟我说没用,你找物业去"),
    ), scenario="onsite_visit")
    assert [(v.ref, v.turn) for v in r.violations] == [("8.8", 0), ("8.8", 3)]
    assert [d.turn for d in r.deductions if d.reason == "violation"] == [0, 3]


def test_a_voice_heard_behind_a_side_is_shown_and_never_scored(analyzer):
    """A turn heard behind its side's speaker (a television, the other side's echo:
    ``Turn.heard_behind``, from call analytics) keeps its flags for the reviewer, but its
    words are not the speaker's: no violation, no script line met, no trigger owed."""
    from analyzer.adherence import Turn
    from analyzer.matching import Flag

    visit = [Turn(t["speaker"], t["text"]) for t in ONSITE_OK]
    rude = "我也没办法啊,这是我们公司规定的。"
    heard = [*visit[:2], Turn(A, rude, heard_behind=True), *visit[2:]]
    r = analyzer.score(heard, scenario="onsite_visit")
    assert {f["ref"] for f in r.turns[2]["flags"]} >= {"8.4", "8.9"}  # shown
    assert r.turns[2]["heard_behind"] is True and "heard_behind" not in r.turns[1]
    assert r.violations == [] and r.score == 100
    said = analyzer.score([*visit[:2], Turn(A, rude), *visit[2:]], scenario="onsite_visit")
    assert sorted(v.ref for v in said.violations) == ["8.4", "8.9"] and said.score < 100

    # the greeting heard behind the agent is not the agent greeting
    greeting = analyzer.score([Turn(A, visit[0].text, heard_behind=True), *visit[1:]],
                              scenario="onsite_visit")
    assert [m["refs"] for m in greeting.missing] == [["5.1", "5.5"]]
    # a complaint heard behind the customer owes no reply
    complaint = analyzer.score([visit[0], Turn(C, "怎么老是断网?", heard_behind=True),
                                *visit[2:]], scenario="onsite_visit")
    assert complaint.triggers == [] and complaint.score == 100
    assert analyzer.score([visit[0], Turn(C, "怎么老是断网?"), *visit[2:]],
                          scenario="onsite_visit").triggers != []
    # the reviewer's rescoring reads it the same way
    flags = [[Flag.from_dict(f) for f in t["flags"]] for t in r.turns]
    assert analyzer.rescore(heard, flags, scenario="onsite_visit").violations == []
