"""Call analytics on speech ranges and synthetic levels (no recogniser): interruptions,
back-channels, talk, silences, pace and loudness, and the phrasebank section behind them."""

from __future__ import annotations

import json

import numpy as np
import pytest

import phrasebank as pb
from analyzer.adherence import Turn
from analyzer.analytics import SpeechRange, analyse_call, voice_activity
from analyzer.audio import SAMPLE_RATE
from analyzer.vad import band_power

CFG = pb.load().call_analytics


def _call(turns: list[Turn], ranges: list[SpeechRange], duration: float = 60.0,
          channels: list[np.ndarray] | None = None, channel_of: list[int] | None = None,
          cfg: pb.CallAnalyticsConfig = CFG):
    channels = channels if channels is not None else [np.zeros(int(duration * SAMPLE_RATE),
                                                               dtype=np.float32)]
    return analyse_call(turns, channel_of or [0] * len(turns), ranges, channels, duration, cfg,
                        method="channels")


def _t(speaker: str, start: float, end: float, text: str = "好的好的我知道了") -> Turn:
    return Turn(speaker=speaker, text=text, start=start, end=end)


def _mono_takeovers(turns: list[Turn], cfg: pb.CallAnalyticsConfig = CFG) -> list[str]:
    """Who interrupts in a mono recording of ``turns`` whose first change of speaker came
    with no pause (each turn's speech its own time)."""
    a = analyse_call(turns, [0] * len(turns), [SpeechRange(t.speaker, t.start, t.end)
                                               for t in turns],  # type: ignore[arg-type]
                     [], turns[-1].end + 2.0, cfg, method="utterances",
                     levels=[None] * len(turns), no_pause=[0])
    return [i.by for i in a.interruptions]


def test_agent_cutting_in_is_an_interruption_and_a_backchannel_is_not() -> None:
    turns = [_t("customer", 0.0, 5.0), _t("agent", 4.2, 8.0), _t("customer", 7.6, 8.1, "嗯")]
    ranges = [SpeechRange(t.speaker, t.start, t.end) for t in turns]  # type: ignore[arg-type]
    a = _call(turns, ranges)
    assert [(i.by, i.at, i.interrupting, i.interrupted) for i in a.interruptions] == \
        [("agent", 4.2, 1, 0)]
    assert a.interruptions[0].overlap_s == pytest.approx(0.8)
    assert a.backchannels == 1
    assert a.overlap_s == pytest.approx(0.8 + 0.4)


def test_flags_start_at_the_count_and_the_seconds_the_bank_sets() -> None:
    from dataclasses import replace

    # three agent interruptions over 0.8 s, 1.5 s and 1.0 s of the customer's speech
    turns = [_t("customer", 0.0, 5.0), _t("agent", 4.2, 8.0), _t("customer", 10.0, 15.0),
             _t("agent", 13.5, 18.0), _t("customer", 20.0, 25.0), _t("agent", 24.0, 28.0)]
    ranges = [SpeechRange(t.speaker, t.start, t.end) for t in turns]  # type: ignore[arg-type]

    def flagged(**change: object) -> list[bool]:
        cfg = replace(CFG, **change)  # type: ignore[arg-type]
        return [i.flagged for i in _call(turns, ranges, cfg=cfg).interruptions]

    assert CFG.flag_from == 1 and CFG.flag_from_overlap_s == 0
    assert flagged() == [True, True, True]
    assert flagged(flag_from=2) == [False, True, True]
    assert flagged(flag_from_overlap_s=2.0) == [False, True, True]  # 0.8, then 2.3 s
    assert flagged(flag_from_overlap_s=3.3) == [False, False, True]  # 3.3 s with the third
    assert flagged(flag_from=3, flag_from_overlap_s=1.0) == [False, False, True]


def test_short_overlap_and_short_speech_cut_into_are_not_interruptions() -> None:
    # the agent starts 0.2 s before the customer stops (a turn taken a little early)
    early = [_t("customer", 0.0, 5.0), _t("agent", 4.8, 9.0)]
    assert _call(early, [SpeechRange(t.speaker, t.start, t.end) for t in early]  # type: ignore[arg-type]
                 ).interruptions == []
    # the customer's 0.8 s "对对对" is no turn to be cut off
    short = [_t("customer", 0.0, 0.8), _t("agent", 0.3, 5.0)]
    assert _call(short, [SpeechRange(t.speaker, t.start, t.end) for t in short]  # type: ignore[arg-type]
                 ).interruptions == []


def test_stereo_turn_broken_into_pieces_by_noise_is_one_interruption() -> None:
    # the agent's words under noise: 0.5 s, then 0.7 s after a gap of 0.7 s, and the rest;
    # one utterance of its own words holds them (written from 0.35 s after the first piece)
    turns = [_t("customer", 0.0, 6.0), _t("agent", 4.85, 9.0, "那就五点以后到您家")]
    ranges = [SpeechRange("customer", 0.0, 6.0), SpeechRange("agent", 4.0, 4.5),
              SpeechRange("agent", 5.2, 5.9), SpeechRange("agent", 6.6, 9.0)]
    a = _call(turns, ranges)
    assert [(i.by, i.at, i.interrupting, i.interrupted) for i in a.interruptions] == \
        [("agent", 4.0, 1, 0)]
    assert a.backchannels == 0


def test_stereo_short_speech_stays_a_backchannel_by_its_words_or_its_length() -> None:
    # 嗯 under the agent, the customer's own turn 0.8 s later: a back-channel, no interruption
    turns = [_t("agent", 0.0, 6.0), _t("customer", 5.2, 5.6, "嗯"),
             _t("customer", 6.4, 9.0, "那我下午在家等你")]
    ranges = [SpeechRange(t.speaker, t.start, t.end) for t in turns]  # type: ignore[arg-type]
    a = _call(turns, ranges)
    assert a.interruptions == [] and a.backchannels == 1
    # words of its own, but nothing follows within the piece gap: its length decides
    alone = [_t("agent", 0.0, 6.0), _t("customer", 5.2, 5.9, "三点不行"),
             _t("customer", 8.0, 10.0, "那我下午在家等你")]
    b = _call(alone, [SpeechRange(t.speaker, t.start, t.end) for t in alone])  # type: ignore[arg-type]
    assert b.interruptions == [] and b.backchannels == 1
    # words of its own and the rest of the turn 0.6 s later: the customer cut in
    cut = [_t("agent", 0.0, 6.0), _t("customer", 5.2, 5.9, "三点不行"),
           _t("customer", 6.5, 9.0, "我得去接孩子")]
    c = _call(cut, [SpeechRange(t.speaker, t.start, t.end) for t in cut])  # type: ignore[arg-type]
    assert [(i.by, i.at, i.interrupting) for i in c.interruptions] == [("customer", 5.2, 1)]


def test_mono_short_cut_in_with_words_of_its_own_is_a_turn_not_a_backchannel() -> None:
    """In one channel the words are known: speech under backchannel_max_s that says
    nothing but back-channel words (嗯, 好的) is no interruption; a short cut-in with words
    of its own is one; with no word list its length alone decides."""
    from dataclasses import replace

    def takeovers(text: str, cfg: pb.CallAnalyticsConfig = CFG) -> list[str]:
        return _mono_takeovers([_t("customer", 0.5, 4.0), _t("agent", 4.0, 4.8, text),
                                _t("customer", 6.0, 9.0)], cfg)

    assert "好的" in CFG.backchannel_words and 0.8 < CFG.backchannel_max_s
    assert takeovers("先看看就") == ["agent"]
    assert takeovers("等一下,") == ["agent"]
    assert takeovers("好的,好的。") == []
    assert takeovers("嗯嗯 对") == []
    assert takeovers("先看看就", replace(CFG, backchannel_words=())) == []
    # the words compared by sound: a back-channel misheard (好个好根 for 好的好的, 恩 for 嗯)
    # is still one; a short turn of its own keeps a first syllable no back-channel has
    assert takeovers("好个好根") == []
    assert takeovers("恩恩") == []
    assert takeovers("不是,") == ["agent"]
    assert takeovers("那你也") == ["agent"]
    assert takeovers("给你") == ["agent"]


def test_mono_turn_cut_into_early_counts_by_its_words() -> None:
    """In one channel the rest of a turn cut into lies under the other voice: under
    min_interrupted_s written before the change, it is still a turn when it has words of
    its own and at least half that length; a back-channel or a shorter stretch is not."""
    def takeovers(text: str, start: float) -> list[str]:
        return _mono_takeovers([_t("customer", start, 4.0, text), _t("agent", 4.0, 8.0),
                                _t("customer", 9.0, 12.0)])

    assert CFG.min_interrupted_s == 1.0
    assert takeovers("那你也", 3.1) == ["agent"]        # 0.9 s, words of its own
    assert takeovers("好的好的", 3.1) == []              # 0.9 s, a back-channel
    assert takeovers("那你也", 3.7) == []                # 0.3 s: under half
    assert takeovers("好的好的", 2.5) == ["agent"]      # 1.5 s: long enough whatever it says


def test_customer_interruptions_are_counted_apart() -> None:
    turns = [_t("agent", 0.0, 6.0), _t("customer", 5.0, 9.0)]
    a = _call(turns, [SpeechRange(t.speaker, t.start, t.end) for t in turns])  # type: ignore[arg-type]
    assert [i.by for i in a.interruptions] == ["customer"]
    assert a.to_dict()["agent_interruptions"] == 0
    assert a.to_dict()["customer_interruptions"] == 1


def test_thresholds_come_from_the_phrasebank() -> None:
    turns = [_t("customer", 0.0, 5.0), _t("agent", 4.2, 8.0)]
    ranges = [SpeechRange(t.speaker, t.start, t.end) for t in turns]  # type: ignore[arg-type]
    strict = pb.loads(pb.load().raw.replace("  min_overlap_s: 0.3", "  min_overlap_s: 1.0"))
    assert strict.call_analytics.min_overlap_s == 1.0
    assert _call(turns, ranges, cfg=strict.call_analytics).interruptions == []
    assert len(_call(turns, ranges).interruptions) == 1
    # the section's defaults in code are the shipped bank's (a bank without the section,
    # or without a key of it, gets what standard.yaml says)
    assert pb.CallAnalyticsConfig() == pb.load().call_analytics


def test_talk_share_silences_and_non_talk_time() -> None:
    turns = [_t("agent", 1.0, 5.0), _t("customer", 5.5, 7.5), _t("agent", 14.0, 18.0)]
    a = _call(turns, [SpeechRange(t.speaker, t.start, t.end) for t in turns],  # type: ignore[arg-type]
              duration=20.0)
    assert a.talk_s["agent"] == pytest.approx(8.0) and a.talk_s["customer"] == pytest.approx(2.0)
    assert a.talk_share["agent"] == pytest.approx(0.8)
    assert a.non_talk_s == pytest.approx(10.0)
    assert [(s.start, s.end, s.after, s.before) for s in a.long_silences] == \
        [(7.5, 14.0, 1, 2)]  # the 1 s at the start and the 2 s at the end are no gap between turns


def test_raised_voice_is_relative_to_the_agents_own_median() -> None:
    sr = SAMPLE_RATE
    rng = np.random.default_rng(0)
    audio = np.zeros(40 * sr, dtype=np.float32)
    turns = []
    for k in range(5):
        start = k * 8.0
        gain = 0.05 * (10 ** (9 / 20) if k == 3 else 1.0)  # the fourth turn 9 dB up
        audio[int(start * sr): int((start + 4) * sr)] = gain * rng.standard_normal(4 * sr)
        turns.append(_t("agent", start, start + 4))
    a = _call(turns, [SpeechRange("agent", t.start, t.end) for t in turns],  # type: ignore[arg-type]
              duration=40.0, channels=[audio])
    raised = [o for o in a.observations if o.kind == "raised_voice"]
    assert [o.utterance for o in raised] == [3]
    assert raised[0].value == pytest.approx(9.0, abs=0.5) and raised[0].ref == "9.16"
    # the same recording 20 dB quieter: the same finding (relative, not absolute)
    b = _call(turns, [SpeechRange("agent", t.start, t.end) for t in turns],  # type: ignore[arg-type]
              duration=40.0, channels=[audio * 0.1])
    assert [o.utterance for o in b.observations if o.kind == "raised_voice"] == [3]


def test_rushing_is_pace_far_above_the_agents_median() -> None:
    text = "您好我是移动公司的工程师今天来给您修宽带"  # 20 characters
    turns = [_t("agent", 0.0, 5.0, text), _t("agent", 6.0, 11.0, text),
             _t("agent", 12.0, 17.0, text), _t("agent", 18.0, 20.0, text)]
    a = _call(turns, [SpeechRange("agent", t.start, t.end) for t in turns])  # type: ignore[arg-type]
    assert a.utterances[0]["pace_cpm"] == pytest.approx(240.0)
    rushing = [o for o in a.observations if o.kind == "rushing"]
    assert [(o.utterance, o.value) for o in rushing] == [(3, 2.5)]
    assert rushing[0].weight == 0  # reported, deducted nowhere by default


def test_voice_activity_of_a_channel_bridges_a_comma_but_not_a_breath() -> None:
    sr = SAMPLE_RATE
    rng = np.random.default_rng(1)
    audio = np.full(10 * sr, 1e-4, dtype=np.float32) * rng.standard_normal(10 * sr).astype(
        np.float32)  # a quiet line
    for s, e in ((1.0, 1.2), (1.7, 4.0), (4.8, 6.0), (8.0, 8.05)):  # 喂, | … | after a breath
        a, b = round(s * sr), round(e * sr)
        audio[a:b] += 0.1 * rng.standard_normal(b - a).astype(np.float32)
    got = [(r.start, r.end) for r in voice_activity(audio, "agent")]
    # the 0.5 s pause after 喂 is inside the turn, the 0.8 s breath ends it, 50 ms is no speech
    # (edges within one 20 ms step: a 32 ms window that reaches the speech hears it)
    assert len(got) == 2
    assert got[0] == pytest.approx((1.0, 4.0), abs=0.02)
    assert got[1] == pytest.approx((4.8, 6.0), abs=0.02)
    assert voice_activity(np.zeros(5 * sr, dtype=np.float32), "agent") == []


def _voiced(seconds: float, rng: np.random.Generator, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Speech-like sound: syllables of a harmonic voice (0.12-0.25 s, 120-220 Hz, each
    with its own loudness) with short gaps between them."""
    out = np.zeros(round(seconds * sr))
    t = 0.0
    while t < seconds - 0.12:
        length = min(float(rng.uniform(0.12, 0.25)), seconds - t)
        n = round(length * sr)
        time = np.arange(n) / sr
        f0 = float(rng.uniform(120, 220))
        voice = sum(np.sin(2 * np.pi * f0 * k * time) / k for k in range(1, 20))
        a = round(t * sr)
        out[a:a + n] += voice * np.hanning(n) * 10 ** (float(rng.uniform(-8, 0)) / 20)
        t += length + float(rng.uniform(0.0, 0.08))
    return out


def test_voice_activity_holds_in_fluctuating_noise_at_10_db() -> None:
    # the v2 noisy copies' condition: babble and pink noise 10 dB under the active speech
    # level; babble's loud moments are as loud as soft syllables, so no loudness threshold
    # both keeps the soft syllables and leaves the babble out
    sr = SAMPLE_RATE
    rng = np.random.default_rng(7)
    seconds = 30
    turns = [(2.0, 6.5), (9.0, 10.0), (14.0, 21.0), (25.5, 28.0)]
    speech = np.zeros(seconds * sr)
    for s, e in turns:
        speech[round(s * sr):round(s * sr) + round((e - s) * sr)] += _voiced(e - s, rng)
    spectrum = np.fft.rfft(rng.standard_normal(seconds * sr))
    pink = np.fft.irfft(spectrum / np.sqrt(np.arange(1, spectrum.size + 1)), seconds * sr)
    # babble-like: the noise's loudness wanders by up to 8 dB, syllable by syllable
    wander = np.repeat(10 ** (rng.uniform(-4, 4, seconds * 5) / 20), sr // 5)
    noise = pink * wander
    active = speech[np.abs(speech) > 0]
    noise *= np.sqrt(np.mean(active ** 2) / np.mean(noise ** 2)) * 10 ** (-10 / 20)
    got = voice_activity((0.1 * (speech + noise)).astype(np.float32), "agent")
    talk = sum(r.end - r.start for r in got)
    truth = sum(e - s for s, e in turns)
    assert abs(talk - truth) / truth <= 0.05
    for r in got:  # every range is one of the turns, none is noise alone
        assert any(r.start < e and s < r.end for s, e in turns)
    assert len(got) == len(turns)


def test_voice_activity_keeps_the_soft_words_of_a_channel_that_talks_most_of_the_time() -> None:
    # a monologue: speech in 85% of the channel, its last turn 20 dB softer than the rest
    sr = SAMPLE_RATE
    rng = np.random.default_rng(11)
    turns = [(0.5, 9.0), (9.6, 19.0), (19.7, 27.0)]
    speech = np.zeros(30 * sr)
    for k, (s, e) in enumerate(turns):
        gain = 0.1 if k == 2 else 1.0
        speech[round(s * sr):round(s * sr) + round((e - s) * sr)] += gain * _voiced(e - s, rng)
    line = 1e-4 * rng.standard_normal(30 * sr)
    got = voice_activity((0.1 * speech + line).astype(np.float32), "agent")
    talk = sum(r.end - r.start for r in got)
    truth = sum(e - s for s, e in turns)
    assert abs(talk - truth) / truth <= 0.05
    assert any(r.start < 27.0 and 19.7 < r.end for r in got)


def test_voice_activity_leaves_out_the_other_sides_voice_leaking_into_the_channel() -> None:
    # a line's echo: the agent's voice 30 dB down and 90 ms late in the customer's channel
    sr = SAMPLE_RATE
    rng = np.random.default_rng(5)
    agent_turns, customer_turns = [(1.0, 6.0), (12.0, 16.0)], [(7.0, 11.0), (15.0, 18.0)]
    agent, customer = np.zeros(20 * sr), np.zeros(20 * sr)
    for track, turns in ((agent, agent_turns), (customer, customer_turns)):
        for s, e in turns:
            track[round(s * sr):round(s * sr) + round((e - s) * sr)] += _voiced(e - s, rng)
    delay = round(0.09 * sr)
    heard = customer.copy()
    heard[delay:] += 10 ** (-30 / 20) * agent[:-delay]
    heard += 1e-5 * rng.standard_normal(heard.size)
    got = voice_activity((0.1 * heard).astype(np.float32), "customer",
                         other=(0.1 * agent).astype(np.float32))
    assert [(round(r.start), round(r.end)) for r in got] == customer_turns
    # the two channels' band power given, as a stereo call's analytics give it: the same
    given = voice_activity((0.1 * heard).astype(np.float32), "customer",
                           other=(0.1 * agent).astype(np.float32),
                           power=band_power((0.1 * heard).astype(np.float32)),
                           other_power=band_power((0.1 * agent).astype(np.float32)))
    assert given == got
    # the same channel read alone takes the echo for the customer talking
    alone = voice_activity((0.1 * heard).astype(np.float32), "customer")
    assert sum(r.end - r.start for r in alone) > 10.0


def test_weighted_observations_are_deductions_pointing_at_their_utterance() -> None:
    from analyzer import Analyzer

    an = Analyzer.load()
    turns = [_t("agent", 0.0, 2.0, "您好"), _t("agent", 3.0, 5.0, "我看一下")]
    ob = {"utterance": 1, "kind": "rushing", "ref": "3.4", "name": "语速过快", "value": 2.1,
          "weight": 5}
    rep = an.score(turns, scenario="onsite_visit", observations=[ob])
    base = an.score(turns, scenario="onsite_visit")
    got = [d for d in rep.deductions if d.reason == "observation"]
    assert [(d.points, d.refs, d.turn) for d in got] == [(5, ["3.4"], 1)]
    assert rep.score == max(0, base.score - 5)  # type: ignore[operator]
    assert an.score(turns, scenario="onsite_visit",
                    observations=[{**ob, "weight": 0}]).score == base.score


@pytest.mark.parametrize("bad, problem", [
    ("  min_overlap_s: 0.3", "  min_overlap_s: -1"),
    ("  flag_from: 1", "  flag_from: 0"),
    ("  flag_from_overlap_s: 0.0", "  flag_from_overlap_s: -2"),
    ("  background_below_db: 12.0", "  background_below_db: -3"),
    ("  wordless_max_s: 1.0", "  wordless_max_s: 0"),
    ("  words_fill_gap_s: 1.5", "  words_fill_gap_s: -1"),
    ("  talk_speech_threshold: 0.7", "  talk_speech_threshold: 1.2"),
    ("  talk_noisy_score: 0.06", "  talk_noisy_score: -0.1"),
    ("  turn_pause_s: 0.65", "  turn_pause_s: 2.5"),
    ('  rushing: {ref: "3.4"', '  rushing: {ref: "three"'),
    ("  long_silence_s: 3.0", "  long_silence_s: 3.0\n  loudness: 5"),
    ("  backchannel_words: [嗯,", "  backchannel_words: [\"\", 嗯,"),
    ("  backchannel_words: [嗯,", "  backchannel_words: 嗯\n  unused: [嗯,"),
])
def test_the_section_is_validated_on_load(bad: str, problem: str) -> None:
    raw = pb.load().raw
    assert bad in raw
    with pytest.raises(pb.PhrasebankError) as err:
        pb.loads(raw.replace(bad, problem, 1))
    assert "call_analytics" in str(err.value)


# -- a real telephone recording through the whole pipeline -----------------------------------

def test_a_stereo_call_reports_interruptions_talk_and_flags_9_12(speech, shared) -> None:
    import json

    from huashu.cli.speech import to_text, to_vtt
    from huashu.words import Words

    folder = shared / "corpus" / "v2" / "audio" / "interruptions"
    tl = json.loads((folder / "v2di01.timeline.json").read_text(encoding="utf-8"))
    # the corpus README's definitions, as the bench scores them
    from bench.analytics_bench import truth

    gold = truth(tl)["interruptions"]
    assert gold["agent"] and gold["customer"] and gold["backchannel"]  # what the call holds
    r = speech.analyze(folder / tl["audio"]).to_dict()
    a = r["analytics"]
    assert a["method"] == "channels" and a["speaker_confidence"] == "high"
    for who in ("agent", "customer"):
        got = [i["at"] for i in a["interruptions"] if i["by"] == who]
        assert len(got) == len(gold[who])
        assert all(abs(g - p) <= 0.5 for g, p in zip(gold[who], got, strict=True)), (who, got)
    # a back-channel is no interruption
    assert not any(abs(i["at"] - b) <= 0.5 for i in a["interruptions"]
                   for b in gold["backchannel"])
    for who in ("agent", "customer"):
        spoken = sum(e - s for t in tl["turns"] if t["speaker"] == who
                    for s, e in (t.get("parts") or [(t["start"], t["end"])]))
        assert a["talk_s"][who] == pytest.approx(spoken, rel=0.05)
    # each agent interruption is a 9.12 flag on the agent's utterance that cut in, deducted
    flagged = [(i, f) for i, u in enumerate(r["utterances"]) for f in u["flags"]
               if f["ref"] == "9.12"]
    assert len(flagged) == len(gold["agent"])
    for (i, f), g in zip(flagged, gold["agent"], strict=True):
        u = r["utterances"][i]
        assert u["speaker"] == "agent" and f["kind"] == "discipline"
        assert f["category"] == "interruption" and abs(u["start"] - g) <= 1.0
    assert [v["ref"] for v in r["violations"]].count("9.12") == len(gold["agent"])
    assert sum(d["points"] for d in r["deductions"] if d["refs"] == ["9.12"]) == \
        15 * len(gold["agent"])
    # the raised turn of the timeline is the one raised-voice observation
    raised = [t for t in tl["turns"] if t.get("raised")]
    obs = [o for o in a["observations"] if o["kind"] == "raised_voice"]
    assert len(obs) == len(raised) == 1
    u = r["utterances"][obs[0]["utterance"]]
    assert u["start"] < raised[0]["end"] and raised[0]["start"] < u["end"]
    # people-facing output names them in Chinese
    words = Words("zh", speech.analyzer.bank)
    text = to_text(r, words)
    assert f"坐席打断客户 {len(gold['agent'])} 次" in text and "9.12 无故打断客户" in text
    vtt = to_vtt(r, words)
    # each interruption is one NOTE where it happens (the header carries only the summary)
    assert sum("坐席在客户说话时插话" in line for line in vtt.splitlines()) == len(gold["agent"])


# -- mono: who speaks, by voice ---------------------------------------------------------------

def test_a_mono_visit_has_its_speakers_by_voice(speech, shared) -> None:
    """A badge recording (both voices in one channel): every utterance has a speaker, and by
    duration they agree with the timeline's turns."""
    import json

    folder = shared / "corpus" / "v2" / "audio" / "dialogues"
    tl = json.loads((folder / "v2dd07.timeline.json").read_text(encoding="utf-8"))
    r = speech.analyze(folder / tl["audio"]).to_dict()
    assert r["channels"] == 1 and r["speaker_attribution"]["method"] == "voices"
    assert r["speaker_attribution"]["model"].startswith("resemblyzer")
    right = total = 0.0
    for u in r["utterances"]:
        assert u["speaker"] in ("agent", "customer") and 0 <= u["speaker_confidence"] <= 1
        best = max(tl["turns"], key=lambda t: min(u["end"], t["end"]) - max(u["start"],
                                                                             t["start"]))
        total += u["end"] - u["start"]
        right += (u["end"] - u["start"]) * (best["speaker"] == u["speaker"])
    assert right / total >= 0.9
    assert r["analytics"]["speaker_confidence"] in ("medium", "low")
    # Where the speaker changes at a pause, the two utterances meet in it: the first ends
    # where the timeline's turn ends (the recogniser's word times strayed up to 0.45 s
    # there), the second starts as the voice rises again, a little after the turn's start.
    turns = tl["turns"]
    changes = [(t1["end"], t2["start"]) for t1, t2 in zip(turns, turns[1:], strict=False)
               if t1["speaker"] != t2["speaker"] and t2["start"] - t1["end"] >= 0.2]
    met = [(u1["end"] - end, u2["start"] - start)
           for u1, u2 in zip(r["utterances"], r["utterances"][1:], strict=False)
           if u1["speaker"] != u2["speaker"]
           for end, start in [min(changes, key=lambda c: abs(c[0] - u1["end"]))]
           if abs(u1["end"] - end) < 0.5]
    assert len(met) >= 0.8 * len(changes)
    assert all(abs(late_end) <= 0.1 for late_end, _ in met)
    assert 0 <= float(np.median([late_start for _, late_start in met])) <= 0.15
    # The on-site greeting is 5.1, heard whole; the customer's 师傅来了,快进来 after it is
    # not joined into it (with a word half heard, the two read as the call's 1.1.1).
    first = r["utterances"][0]
    assert [f["ref"] for f in first["flags"]] == ["5.1"] and "进来" not in first["text"]


def test_mono_talk_is_the_detectors_speech_given_to_the_nearest_speaker() -> None:
    from types import SimpleNamespace

    from analyzer.analytics import speech_ranges

    def u(start, end, speaker):
        return SimpleNamespace(start=start, end=end, speaker=speaker)

    ranges = speech_ranges([(0.0, 10.0), (20.0, 21.0)],
                           [u(1.0, 4.0, "agent"), u(5.0, 8.0, "customer")], reach_s=0.6)
    got = [(r.speaker, round(r.start, 2), round(r.end, 2)) for r in ranges]
    # before the first words and after the last, within reach: theirs; between two
    # utterances, split halfway; "speech" far from any words: left out
    assert got == [("agent", 0.4, 4.5), ("customer", 4.5, 8.6)]
    assert speech_ranges([], [u(1.0, 4.0, "agent")]) == []


def test_mono_pauses_where_the_speaker_changes_inside_the_detectors_speech_are_nobodys_talk(
        ) -> None:
    from types import SimpleNamespace

    from analyzer.analytics import speech_less_pauses, speech_ranges

    def u(start, end, speaker):
        return SimpleNamespace(start=start, end=end, speaker=speaker)

    words = [u(1.0, 4.0, "agent"), u(4.6, 8.0, "customer"), u(8.4, 9.0, "customer")]
    pauses = [(0.0, 0.9),   # before the stretch: the detector's padding, kept
              (2.0, 2.3),   # inside the agent's words: kept
              (3.9, 4.7),   # where the agent stops and the customer starts: 4.0-4.6 cut
              (8.05, 8.35),  # between two utterances of the customer: their turn's pause
              (9.2, 9.5)]   # runs past the stretch's end: its padding, kept
    speech = speech_less_pauses([(0.8, 9.3)], pauses, words)
    assert speech == [(0.8, 4.0), (4.6, 9.3)]

    def talk(spans):
        return {sp: round(sum(r.end - r.start for r in speech_ranges(spans, words)
                              if r.speaker == sp), 2) for sp in ("agent", "customer")}

    # the 0.6 s pause at the change went half to each side before
    whole = talk([(0.8, 9.3)])
    assert talk(speech) == {"agent": round(whole["agent"] - 0.3, 2),
                            "customer": round(whole["customer"] - 0.3, 2)}
    # a stretch with no pause inside it, and no pauses at all, stay as they are
    assert speech_less_pauses([(10.0, 12.0)], pauses, words) == [(10.0, 12.0)]
    assert speech_less_pauses([(0.8, 9.3)], [], words) == [(0.8, 9.3)]


def _mono_result(turns, analytics, duration: float) -> dict:
    """A stored mono recording's result with these turns and analytics (what a speaker
    swap reads, without the audio)."""
    return {"source": "x.mp3", "duration": duration, "speakers": "inferred",
            "utterances": [{"start": t.start, "end": t.end, "speaker": t.speaker,
                            "speaker_confidence": 0.7, "channel": 0, "text": t.text,
                            "confidence": 0.9, "flags": []} for t in turns],
            "analytics": analytics.to_dict(), "speaker_attribution": {"method": "voices"},
            "options": {}, "channels": 1, "phrasebank_version": "test"}


def test_mono_speech_without_words_is_the_talk_of_the_voice_it_is(analyzer) -> None:
    """The detector's speech farther than reach from every utterance (a soft answer the
    recogniser dropped whole) is listed by :func:`wordless_speech`; once a voice is put
    to it (``voiced``) it is that speaker's talk and no silence, and a speaker swap,
    without the audio, gives it to the other name."""
    from analyzer.analytics import speech_ranges, wordless_speech
    from analyzer.speech import swap_speakers

    turns = [_t("agent", 1.0, 5.0), _t("customer", 5.5, 7.0), _t("agent", 12.5, 15.0)]
    speech = [(0.9, 7.2), (8.0, 10.5), (12.4, 15.1)]
    # 8.0-10.5 lies beyond reach (0.6 s) of 7.0 and of 12.5: nobody's as words go
    assert wordless_speech(speech, turns) == [(8.0, 10.5)]
    assert wordless_speech([(0.9, 7.2)], turns) == []

    def call(voiced):
        return analyse_call(turns, [0] * 3, speech_ranges(speech, turns), [], 16.0, CFG,
                            method="utterances", levels=[None] * 3, speech=speech,
                            voiced=voiced)

    plain, heard = call(()), call([(8.0, 10.5, "customer")])
    assert heard.talk_s["customer"] == round(plain.talk_s["customer"] + 2.5, 2)
    assert heard.talk_s["agent"] == plain.talk_s["agent"]
    # 7.0-12.5 was a long silence between the words; the customer spoke inside it
    assert [(s.start, s.end) for s in plain.long_silences] == [(7.0, 12.5)]
    assert heard.long_silences == [] and heard.voiced == [[8.0, 10.5, "customer"]]
    # read out where the reviewer reads the call's events
    from huashu.words import Words
    assert Words().analytics_events(heard.to_dict()) == [
        (8.0, "有声无字 0:08.0–0:10.5:识别未写出文字,按声音归客户,计入说话时长")]
    swapped = swap_speakers(analyzer, _mono_result(turns, heard, 16.0))["analytics"]
    assert swapped["voiced"] == [[8.0, 10.5, "agent"]]
    assert swapped["talk_s"]["agent"] == heard.talk_s["customer"]


def test_speech_without_words_goes_to_the_voice_it_is(speech, shared) -> None:
    """The v2 badge recordings, clean and noisy, with the real speaker encoder: each turn
    of 0.8 s or more, taken out of the speakers' utterances (their timelines' turns) and
    given as speech without words, goes to its own speaker for most of its time (where it
    does not, the other mostly spoke over it); the room's noise in a long silence is
    nobody's voice."""
    from analyzer.audio import decode
    from analyzer.diarize import wordless_voices

    right = total = 0.0
    base = shared / "corpus" / "v2" / "audio"
    for folder, stem in (("dialogues_noisy", "v2dd07"), ("interruptions", "v2di04")):
        tl = json.loads((base / folder / f"{stem}.timeline.json").read_text())
        audio = decode(base / folder / tl["audio"])[0]
        turns = tl["turns"]
        for k, t in enumerate(turns):
            if t["end"] - t["start"] < 0.8:
                continue
            rest = turns[:k] + turns[k + 1:]
            got = wordless_voices(audio, [(o["start"], o["end"]) for o in rest],
                                  [o["speaker"] for o in rest], [(t["start"], t["end"])],
                                  speech.speaker_encoder)
            assert got and got[0][0] == round(t["start"], 2) and \
                got[-1][1] == round(t["end"], 2)
            right += sum(e - s for s, e, who in got if who == t["speaker"])
            total += t["end"] - t["start"]
    assert total > 60 and right / total >= 0.85
    tl = json.loads((base / "dialogues" / "v2dd04.timeline.json").read_text())
    audio = decode(base / "dialogues" / tl["audio"])[0]
    quiet = (40.3, 42.8)  # the engineer at work: the room's noise, 3 s without a word
    assert not any(t["start"] < quiet[1] and t["end"] > quiet[0] for t in tl["turns"])
    assert wordless_voices(audio, [(t["start"], t["end"]) for t in tl["turns"]],
                           [t["speaker"] for t in tl["turns"]], [quiet],
                           speech.speaker_encoder) == []


def test_mono_change_of_speaker_with_no_pause_is_an_interruption_never_flagged() -> None:
    """In one channel an overlap is not seen: the agent starting at most takeover_max_gap_s
    after the customer's words, the detector's score never falling below the channel's
    threshold around it, is listed with evidence no_pause and no overlap."""
    from analyzer.analytics import pauseless_changes

    frame = 0.032
    scores = np.full(int(20 / frame), 0.9, dtype=np.float32)
    scores[int(8.1 / frame):int(8.5 / frame)] = 0.05  # a pause of 0.4 s at 8.1-8.5
    turns = [_t("customer", 0.5, 4.0), _t("agent", 4.1, 8.0), _t("customer", 8.6, 12.0),
             _t("agent", 12.0, 12.5, "嗯"), _t("customer", 13.5, 16.0)]
    changes = pauseless_changes(turns, scores, 0.5, frame, CFG.takeover_max_gap_s)
    # 4.0 -> 4.1: no pause; 8.0 -> 8.6: a pause (and too far); 12.0 -> 12.0: no pause;
    # 12.5 -> 13.5: too far apart
    assert changes == [0, 2]
    assert pauseless_changes(turns, scores, 0.95, frame, CFG.takeover_max_gap_s) == []
    a = analyse_call(turns, [0] * len(turns), [SpeechRange(t.speaker, t.start, t.end)
                                               for t in turns],  # type: ignore[arg-type]
                     [], 20.0, CFG, method="utterances", levels=[None] * len(turns),
                     no_pause=changes)
    # the agent's 嗯 (under backchannel_max_s) after the customer is no interruption
    assert [(i.by, i.at, i.interrupting, i.interrupted, i.overlap_s, i.evidence, i.flagged)
            for i in a.interruptions] == [("agent", 4.1, 1, 0, None, "no_pause", False)]
    assert a.to_dict()["agent_interruptions"] == 1 and a.no_pause == [0, 2]
    # people read that no overlap was measured (never a number made up for it)
    from huashu.words import Words

    [(at, line)] = Words().analytics_events(a.to_dict())
    assert at == 4.1 and "话音未停" in line and "同时说话多久测不出" in line
    # nor a time together or back-channels for the call: one channel does not show them
    # (a 0 would read as "none")
    assert a.overlap_s is None and a.backchannels is None
    summary = Words().analytics_summary(a.to_dict())[0]
    assert "同时说话" not in summary and "附和" not in summary and "坐席打断客户 1 次" in summary
    # swapped speakers (a reviewer's correction): the customer now cuts in at 4.1, counted
    # apart and never flagged; the customer's 嗯 after the agent is no interruption either
    swapped = [Turn({"agent": "customer", "customer": "agent"}[t.speaker], t.text, t.start,
                    t.end) for t in turns]
    b = analyse_call(swapped, [0] * len(turns), [], [], 20.0, CFG, method="utterances",
                     levels=[None] * len(turns), no_pause=a.no_pause)
    assert [(i.by, i.at, i.interrupting, i.interrupted, i.evidence, i.flagged)
            for i in b.interruptions] == [("customer", 4.1, 1, 0, "no_pause", False)]
    assert b.to_dict()["customer_interruptions"] == 1 and b.agent_interruptions == []
    assert b.no_pause == [0, 2]
    [(at, line)] = Words().analytics_events(b.to_dict())
    assert at == 4.1 and "客户插话" in line


def test_a_mono_takeover_measures_each_side_by_its_turn_and_the_detectors_speech() -> None:
    """The speech cut into is the customer's whole turn (here two utterances, the second a
    part cut off where the voice changed), and the speech that cuts in reaches to the end of
    the agent's voice, where the recogniser wrote no more words (v2di04: 打搅您了 heard,
    再见 not). Its words here are a back-channel's (好的,好的), so that its length decides."""
    turns = [_t("agent", 0.0, 0.3, "好"), _t("customer", 0.5, 3.0), _t("customer", 3.5, 4.2),
             _t("agent", 4.2, 4.9, "好的,好的")]
    voiced = [SpeechRange("agent", 0.0, 0.3), SpeechRange("customer", 0.5, 4.2),
              SpeechRange("agent", 4.2, 6.0)]
    a = analyse_call(turns, [0] * 4, voiced, [], 10.0, CFG, method="utterances",  # type: ignore[arg-type]
                     levels=[None] * 4, no_pause=[2])
    assert [(i.by, i.at, i.interrupted, i.interrupting, i.evidence)
            for i in a.interruptions] == [("agent", 4.2, 2, 3, "no_pause")]
    # the agent's voice ends with its words (0.7 s): a back-channel's length, no interruption
    words_only = [*voiced[:2], SpeechRange("agent", 4.2, 4.9)]
    b = analyse_call(turns, [0] * 4, words_only, [], 10.0, CFG, method="utterances",  # type: ignore[arg-type]
                     levels=[None] * 4, no_pause=[2])
    assert b.interruptions == []
    # the detector's speech padded by 0.15 s a side: its last 0.15 s is no one's voice
    # (v2dd03: 好的,好的, 0.87 s of words, had been taken for a turn of 1.02 s)
    padded = [*voiced[:2], SpeechRange("agent", 4.2, 5.3)]
    d = analyse_call(turns, [0] * 4, padded, [], 10.0, CFG, method="utterances",  # type: ignore[arg-type]
                     levels=[None] * 4, no_pause=[2], speech_pad_s=0.15)
    assert d.interruptions == [] and d.speech_pad_s == 0.15
    assert len(analyse_call(turns, [0] * 4, padded, [], 10.0, CFG,  # type: ignore[arg-type]
                            method="utterances", levels=[None] * 4,
                            no_pause=[2]).interruptions) == 1
    # the customer's turn too short to be cut into (one part of 0.4 s after the agent's:
    # under half min_interrupted_s, whatever its words)
    short = [turns[0], _t("agent", 1.0, 3.0), _t("customer", 3.8, 4.2), turns[3]]
    c = analyse_call(short, [0] * 4, voiced, [], 10.0, CFG, method="utterances",  # type: ignore[arg-type]
                     levels=[None] * 4, no_pause=[2])
    assert c.interruptions == []


@pytest.mark.parametrize("name", ["v2di04", "v2dd08"])
def test_a_badge_recordings_agent_interruptions_are_found_by_voice(speech, shared,
                                                                   name) -> None:
    """Mono badge recordings whose agent cuts the customer off where the recogniser wrote
    the two voices into one utterance (v2dd08 at 28.9 s; v2di04 at 52.2 s, at the end of
    the customer's utterance): each agent interruption of the timeline is listed, within
    0.5 s, with no overlap measured, and none else; talk time per speaker stays within the
    issue's 10% where the voices are told apart cleanly (v2dd08)."""
    import json

    from bench.analytics_bench import truth

    folder = shared / "corpus" / "v2" / "audio" / ("interruptions" if "di" in name
                                                   else "dialogues")
    tl = json.loads((folder / f"{name}.timeline.json").read_text(encoding="utf-8"))
    gold = truth(tl)
    r = speech.analyze(folder / tl["audio"]).to_dict()
    a = r["analytics"]
    assert a["method"] == "utterances" and r["speaker_attribution"].get("cut_at_edge", 0) >= 1
    got = [i for i in a["interruptions"] if i["by"] == "agent"]
    assert len(got) == len(gold["interruptions"]["agent"])
    for i, g in zip(got, gold["interruptions"]["agent"], strict=True):
        assert abs(i["at"] - g) <= 0.5 and i["overlap_s"] is None and not i["flagged"]
        assert r["utterances"][i["interrupting"]]["speaker"] == "agent"
    if name == "v2dd08":
        for who in ("agent", "customer"):
            assert a["talk_s"][who] == pytest.approx(gold["talk"][who], rel=0.10)


def test_a_badge_recordings_interruption_over_lost_words_is_found_by_the_step_in_level(
        speech, shared) -> None:
    """v2di02: the agent cuts in 0.9 s before the customer's 你看看是不是坏了 ends; the
    recogniser never wrote those words and began the agent's utterance on them, after a
    pause inside the customer's turn, so the change of speaker seemed to come after a
    pause. The agent's voice is the nearer one, 5 dB louder: its utterance's first half
    second is at the customer's level, and its start moves to the step up, where the
    customer is still speaking. The interruption is listed within 0.5 s of the timeline's,
    and it is the only one."""
    import json

    from bench.analytics_bench import truth

    folder = shared / "corpus" / "v2" / "audio" / "interruptions"
    tl = json.loads((folder / "v2di02.timeline.json").read_text(encoding="utf-8"))
    gold = truth(tl)["interruptions"]
    r = speech.analyze(folder / tl["audio"]).to_dict()
    assert r["speaker_attribution"].get("start_at_level_step", 0) >= 1
    assert json.loads(json.dumps(r)) == r  # plain JSON, as the CLI writes it
    got = r["analytics"]["interruptions"]
    assert [i["by"] for i in got] == ["agent"] * len(gold["agent"]) and not gold["customer"]
    for i, g in zip(got, gold["agent"], strict=True):
        assert abs(i["at"] - g) <= 0.5 and i["evidence"] == "no_pause"
        cut_in = r["utterances"][i["interrupting"]]
        assert cut_in["speaker"] == "agent" and cut_in["start"] == i["at"]
        assert r["utterances"][i["interrupted"]]["speaker"] == "customer"


def test_a_voice_behind_the_customer_is_not_the_customer_talking() -> None:
    # a television 25 dB under the customer in the customer's channel, its words written
    # down as the customer's (the recogniser hears them): without the rule the agent
    # "interrupts" the television and the customer talks the whole call
    from dataclasses import replace

    sr = SAMPLE_RATE
    rng = np.random.default_rng(11)
    seconds = 24
    agent_turns, customer_turns = [(1.0, 6.0), (12.0, 16.0), (20.0, 23.0)], \
        [(7.0, 11.0), (16.8, 19.0)]
    tv_turns = [(0.5, 5.5), (6.0, 13.0), (13.6, 23.5)]
    agent, customer, tv = (np.zeros(seconds * sr) for _ in range(3))
    for track, turns in ((agent, agent_turns), (customer, customer_turns), (tv, tv_turns)):
        for s, e in turns:
            track[round(s * sr):round(s * sr) + round((e - s) * sr)] += _voiced(e - s, rng)
    heard = 0.1 * (customer + 10 ** (-25 / 20) * tv) + 1e-5 * rng.standard_normal(tv.size)
    channels = [(0.1 * agent).astype(np.float32), heard.astype(np.float32)]
    said = [_t("agent", s, e, "您好我是工程师") for s, e in agent_turns] + \
        [_t("customer", s, e, "对我家网断了") for s, e in customer_turns] + \
        [_t("customer", 2.0, 4.5, "今天的新闻"), _t("customer", 13.7, 15.5, "天气预报")]
    said.sort(key=lambda t: t.start)
    channel_of = [0 if t.speaker == "agent" else 1 for t in said]
    ranges = sorted((r for k, sp in enumerate(("agent", "customer"))
                     for r in voice_activity(channels[k], sp, other=channels[1 - k])),
                    key=lambda r: r.start)

    def analyse(cfg: pb.CallAnalyticsConfig):
        return analyse_call(said, channel_of, ranges, channels, float(seconds), cfg,
                            method="channels")

    a = analyse(CFG)
    assert [said[i].text for i in a.background] == ["今天的新闻", "天气预报"]
    from huashu.words import Words

    shown = Words().analytics_summary(a.to_dict())
    assert any(line.startswith("背景人声 2 句") and
               f"第 {a.background[0]} 句" in line for line in shown)
    assert a.agent_interruptions == []
    # the customer's 6.2 s, and the voice behind within words_reach_s of their words
    assert 6.2 * 0.95 <= a.talk_s["customer"] <= 6.2 + 4 * CFG.words_reach_s + 0.2
    assert a.pace_cpm.keys() == {"agent", "customer"}
    # the recogniser ran the customer's first turn on into the television (7-11 s, then
    # 11.2-12.9 s): word by word, its words behind are no anchor for the customer's talk
    mixed = [t for t in said if t.start != 7.0]
    mixed.append(_t("customer", 7.0, 12.9, "对我家网断了今天的新闻"))
    mixed.sort(key=lambda t: t.start)
    words = [[(7.0, 9.0), (9.0, 11.0), (11.2, 12.9)] if t.start == 7.0 else [(t.start, t.end)]
             for t in mixed]
    mixed_channels = [0 if t.speaker == "agent" else 1 for t in mixed]
    by_words = analyse_call(mixed, mixed_channels, ranges, channels, float(seconds), CFG,
                            method="channels", words=words)
    whole = analyse_call(mixed, mixed_channels, ranges, channels, float(seconds), CFG,
                         method="channels")
    assert by_words.talk_s["customer"] <= 6.2 + 4 * CFG.words_reach_s + 0.2
    assert whole.talk_s["customer"] >= by_words.talk_s["customer"] + 1.5
    # the same call read with the rule off: the television is the customer
    off = analyse(replace(CFG, background_below_db=0.0, wordless_max_s=60.0))
    assert off.background == [] and len(off.agent_interruptions) >= 2
    assert off.talk_s["customer"] > 15.0


def test_near_words_leaves_out_the_quiet_voice_behind_a_side() -> None:
    from analyzer.analytics import Side, near_words

    ranges = [SpeechRange("customer", 1.0, 12.0), SpeechRange("customer", 12.5, 13.0),
              SpeechRange("customer", 14.0, 16.0), SpeechRange("agent", 0.0, 20.0)]

    def level_of(speaker: str, start: float, end: float) -> float:
        # the customer's voice from 14 s on is as loud as their words (-20 dBFS)
        return -20.0 if start >= 14.0 else -45.0

    side = Side([(2.0, 3.0), (8.0, 9.0)], -32.0, heard_behind=False)
    got = near_words(ranges, {"customer": side}, reach_s=0.5, wordless_max_s=1.0,
                     level_of=level_of)
    # 3.5-7.5 and 9.5-12 are long, without words and quiet: a voice behind the customer,
    # so of the quiet voice only what is within reach of the words stays, however short
    # the rest (1.0-1.5, 12.5-13.0); the range as loud as the customer stays (their words
    # the recogniser missed); the agent, whose words are not given, keeps all
    assert [(r.speaker, r.start, r.end) for r in got] == [
        ("customer", 1.5, 3.5), ("customer", 7.5, 9.5), ("customer", 14.0, 16.0),
        ("agent", 0.0, 20.0)]
    # a side with no such stretch keeps what is near its words or short
    clear = near_words([SpeechRange("customer", 1.0, 4.0), SpeechRange("customer", 7.0, 9.5)],
                       {"customer": side}, reach_s=0.5, wordless_max_s=1.0,
                       level_of=level_of)
    assert [(r.start, r.end) for r in clear] == [(1.0, 4.0), (7.0, 9.5)]


def test_words_in_a_short_gap_of_a_sides_voice_are_its_talk() -> None:
    from analyzer.analytics import words_in_gaps

    # the customer's voice activity broke one turn (1-6 s) at a soft clause (2.5-3.7 s)
    # that the recogniser wrote (2.6-3.5 s); the next turn starts 1.8 s after the last
    # stretch, and its first word is timed 0.9 s early, into that gap
    ranges = [SpeechRange("customer", 1.0, 2.5), SpeechRange("agent", 2.0, 2.6),
              SpeechRange("customer", 3.7, 6.0), SpeechRange("customer", 7.8, 9.0)]
    heard = [(1.1, 2.4), (2.6, 3.5), (3.8, 5.9), (6.9, 7.9), (8.0, 8.9), (9.1, 9.6)]
    got = sorted([*ranges, *words_in_gaps(ranges, {"customer": heard}, max_gap_s=1.5)],
                 key=lambda r: (r.start, r.end))
    customer = [(r.start, r.end) for r in got if r.speaker == "customer"]
    # the clause's words join the turn; the early first word (gap of 1.8 s) and the word
    # after the last stretch (9.1-9.6, at an outer edge) are not talk; the agent is untouched
    assert customer == [(1.0, 2.5), (2.6, 3.5), (3.7, 6.0), (7.8, 9.0)]
    assert [(r.start, r.end) for r in got if r.speaker == "agent"] == [(2.0, 2.6)]
    # off (0), and a side without words, add nothing
    assert words_in_gaps(ranges, {"customer": heard}, max_gap_s=0.0) == []
    assert words_in_gaps(ranges, {}, max_gap_s=1.5) == []
    # the stereo analytics use it with the bank's setting
    from dataclasses import replace

    said = [_t("customer", 1.0, 6.0, "我家网断了好几天了一直连不上"), _t("agent", 2.0, 2.6, "嗯"),
            _t("customer", 6.9, 9.6, "你们什么时候来")]
    words = [[(1.1, 2.4), (2.6, 3.5), (3.8, 5.9)], [(2.0, 2.6)],
             [(6.9, 7.9), (8.0, 8.9), (9.1, 9.6)]]
    channels = [np.full(10 * SAMPLE_RATE, 0.01, dtype=np.float32)] * 2

    def talk(cfg: pb.CallAnalyticsConfig) -> float:
        return analyse_call(said, [1, 0, 1], ranges, channels, 10.0, cfg, method="channels",
                            words=words).talk_s["customer"]

    # the turn's pauses around the clause's words (0.1 s before them, 0.2 s after) are its
    # talk too (turn_pause_s), the whole gap then
    assert talk(CFG) == pytest.approx(1.5 + 1.2 + 2.3 + 1.2)
    assert talk(replace(CFG, turn_pause_s=0.0)) == pytest.approx(1.5 + 0.9 + 2.3 + 1.2)
    assert talk(replace(CFG, words_fill_gap_s=0.0)) == pytest.approx(1.5 + 2.3 + 1.2)
    # the words are talk, not a turn of their own: said while the agent speaks into the
    # gap, they start no interruption and are no back-channel
    over = [ranges[0], SpeechRange("agent", 2.4, 3.6), *ranges[2:]]
    said_over = [said[0], _t("agent", 2.4, 3.6, "您稍等我看一下"), said[2]]
    a = analyse_call(said_over, [1, 0, 1], over, channels, 10.0, CFG, method="channels",
                     words=[words[0], [(2.4, 3.6)], words[2]])
    assert a.talk_s["customer"] == pytest.approx(1.5 + 1.2 + 2.3 + 1.2)
    assert a.interruptions == [] and a.backchannels == 0


def test_a_turns_pauses_around_the_words_heard_in_a_gap_are_its_talk() -> None:
    from analyzer.analytics import words_in_gaps

    # the customer's voice activity lost a clause under noise: stretches 1.0-3.0 and
    # 4.4-6.0, the clause's words heard at 3.5-3.8 and 4.0-4.2
    ranges = [SpeechRange("customer", 1.0, 3.0), SpeechRange("customer", 4.4, 6.0)]
    heard = {"customer": [(1.2, 2.8), (3.5, 3.8), (4.0, 4.2), (4.5, 5.9)]}

    def filled(pause_s: float) -> list[tuple[float, float]]:
        return [(r.start, r.end) for r in words_in_gaps(ranges, heard, 1.5, pause_s)]

    # the 0.5 s before the words, the 0.2 s between them, the 0.2 s after: a comma's pauses
    assert filled(0.65) == [(3.0, 4.4)]
    # a pause longer than that is no comma's: the pause before the words stays out
    assert filled(0.4) == [(3.5, 4.4)]
    assert filled(0.0) == [(3.5, 3.8), (4.0, 4.2)]
    # a gap without words is left alone: the turn may have ended there
    assert words_in_gaps(ranges, {"customer": [(1.2, 2.8), (4.5, 5.9)]}, 1.5, 0.65) == []


def test_a_mono_cut_in_counts_the_voice_cut_into_heard_under_it(analyzer) -> None:
    """One channel writes one voice at a time: the rest of the turn cut into, said under
    the one that cut in, is its speaker's talk once ``heard_under`` finds it (the voices'
    measure: :func:`analyzer.diarize.voice_under`). It is kept with the interruption, read
    out, and kept through a swap of speakers (no audio there: the stored measure)."""
    from analyzer.speech import swap_speakers
    from huashu.words import Words

    turns = [_t("customer", 0.5, 4.0), _t("agent", 4.1, 8.0), _t("customer", 8.6, 12.0)]
    asked: list[tuple[float, float, str]] = []

    def heard_under(changes):
        asked.extend(changes)
        return [0.8 for _ in changes]

    ranges = [SpeechRange(t.speaker, t.start, t.end) for t in turns]  # type: ignore[arg-type]
    plain = analyse_call(turns, [0] * 3, ranges, [], 14.0, CFG, method="utterances",
                         levels=[None] * 3, no_pause=[0])
    a = analyse_call(turns, [0] * 3, ranges, [], 14.0, CFG, method="utterances",
                     levels=[None] * 3, no_pause=[0], heard_under=heard_under)
    assert asked == [(4.1, 8.0, "agent")]
    [i] = a.interruptions
    assert (i.by, i.at, i.heard_under_s, i.evidence) == ("agent", 4.1, 0.8, "no_pause")
    assert plain.interruptions[0].heard_under_s is None
    assert a.talk_s["customer"] == round(plain.talk_s["customer"] + 0.8, 2)
    assert a.talk_s["agent"] == plain.talk_s["agent"] and not i.flagged
    [(_, line)] = Words().analytics_events(a.to_dict())
    assert "客户在其下约又说了 0.8 秒" in line and "测不出" not in line
    # swapped by a reviewer: the customer cut in, and the agent went on under them for
    # the time measured
    swapped = swap_speakers(analyzer, _mono_result(turns, a, 14.0))["analytics"]
    [j] = swapped["interruptions"]
    assert (j["by"], j["heard_under_s"]) == ("customer", 0.8)
    assert swapped["talk_s"]["agent"] == a.talk_s["customer"]


def test_the_voice_cut_into_is_heard_under_the_one_that_cut_in(speech, shared) -> None:
    """The v2 badge recordings' cut-ins (their timelines' turns and the real speaker
    encoder): how long the voice cut into goes on under the one that cut in, against the
    timeline. Not looking (0 s) is off by the whole overlap; the voices' measure is off by
    less than half of that on average."""
    from analyzer.audio import decode
    from analyzer.diarize import voice_under

    errors, overlaps = [], []
    for stem in ("v2di02", "v2di04", "v2di06"):
        tl = json.loads((shared / "corpus" / "v2" / "audio" / "interruptions" /
                         f"{stem}.timeline.json").read_text())
        audio = decode(shared / "corpus" / "v2" / "audio" / "interruptions" / tl["audio"])[0]
        turns = tl["turns"]
        changes, truth = [], []
        for k, t in enumerate(turns):  # a turn of 1 s or more that starts over the other's
            under = [o for o in turns[:k] if o["speaker"] != t["speaker"] and
                     o["start"] < t["start"] < o["end"]]
            if under and t["end"] - t["start"] >= 1.0:
                changes.append((t["start"], t["end"], t["speaker"]))
                truth.append(max(o["end"] for o in under) - t["start"])
        found = voice_under(audio, [(t["start"], t["end"]) for t in turns],
                            [t["speaker"] for t in turns], changes, speech.speaker_encoder)
        errors += [abs(f - g) for f, g in zip(found, truth, strict=True)]
        overlaps += truth
    assert len(overlaps) >= 5
    assert sum(errors) / len(errors) < 0.5 * sum(overlaps) / len(overlaps)


def test_a_short_stretch_at_the_farther_voices_level_at_a_change_of_speaker_is_its_talk(
) -> None:
    # a badge recorder: the agent near (gain 1), the customer 6 dB down; the customer's
    # first syllable after a pause (5.4-5.9 s) written into the agent's utterance
    from analyzer.analytics import edge_stretches_by_level, speech_ranges

    sr = SAMPLE_RATE

    def recording(stretch_gain: float, customer_gain: float = 0.5) -> np.ndarray:
        rng = np.random.default_rng(3)
        audio = np.zeros(20 * sr)
        for s, e, gain in ((1.0, 5.0, 1.0), (5.4, 5.9, stretch_gain), (6.2, 9.0, customer_gain),
                           (10.0, 14.0, 1.0), (15.0, 18.0, customer_gain)):
            voice = _voiced(e - s, rng)
            # each stretch at one active level before its gain (a voice's own level: the
            # syllables' spread of _voiced, up to 8 dB, is more than a speaker's in a turn)
            voice /= np.sqrt(np.mean(voice[np.abs(voice) > 1e-3] ** 2))
            audio[round(s * sr):round(s * sr) + voice.size] += gain * voice
        return (0.1 * audio).astype(np.float32)

    turns = [_t("agent", 1.0, 5.9), _t("customer", 6.2, 9.0), _t("agent", 10.0, 14.0),
             _t("customer", 15.0, 18.0)]
    speech = [(1.0, 5.0), (5.4, 5.9), (6.2, 9.0), (10.0, 14.0), (15.0, 18.0)]
    ranges = speech_ranges(speech, turns)

    def talk(audio: np.ndarray) -> dict[str, float]:
        got = edge_stretches_by_level(ranges, speech, turns, audio, min_gap_db=3.0,
                                      min_off_db=3.5, max_s=1.5, reach_s=1.0)
        return {sp: round(sum(r.end - r.start for r in got if r.speaker == sp), 2)
                for sp in ("agent", "customer")}

    assert talk(recording(0.5)) == {"agent": 8.0, "customer": 6.3}
    # the agent's own soft last syllable stays the agent's
    assert talk(recording(1.0)) == {"agent": 8.5, "customer": 5.8}
    # two voices at one level: the level says nothing of whose it is
    assert talk(recording(0.5, customer_gain=1.0)) == {"agent": 8.5, "customer": 5.8}
