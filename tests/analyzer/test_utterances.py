"""Utterances reshaped: an utterance holding two voices (or three turns) is cut where the
voice changes, each part keeping its own words; one voice throughout is left whole."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from analyzer.diarize import DiarizeOptions
from analyzer.transcribe import Utterance
from analyzer.utterances import cut_at_voice_changes

from .test_diarize import _audio, _rng_voice, _Windows


def _utterance(words: list[tuple[float, float, str]]) -> Utterance:
    return Utterance(words[0][0], words[-1][1], "".join(w for _, _, w in words), 0.9, 0,
                     [{"start": s, "end": e, "word": w, "probability": 0.9}
                      for s, e, w in words])


def test_three_turns_run_into_one_utterance_are_cut_into_three() -> None:
    a, b = _rng_voice(11), _rng_voice(12)
    enc = _Windows({1: a, 2: b})
    voices = np.stack([a / np.linalg.norm(a), b / np.linalg.norm(b)])
    # customer 10-14, agent 14-17.2, customer 17.2-20.5, one word a second
    audio = _audio([(10.0, 14.0, 2), (14.0, 17.2, 1), (17.2, 20.5, 2)])
    said = "怎么才来啊路上堵车了那你也得说一声"
    words = [(10.0 + k * 0.6, 10.0 + k * 0.6 + 0.5, said[k]) for k in range(17)]
    [u] = [_utterance(words)]
    parts = cut_at_voice_changes([u], audio, voices, enc, DiarizeOptions(), str)
    assert len(parts) == 3
    assert all(abs(p.start - q) <= 0.7 for p, q in zip(parts[1:], (14.0, 17.2), strict=True))
    assert "".join(p.text for p in parts) == said  # every word kept, once, in order
    assert [len(p.words) for p in parts] == [len(p.text) for p in parts]
    # one voice throughout: whole
    one = cut_at_voice_changes([u], _audio([(10.0, 20.5, 1)]), voices, enc,
                               DiarizeOptions(), str)
    assert one == [u]
    # never inside the words only the agent says: wherever the change falls near 14 s, the
    # agent's 路上堵车了 (characters 5-10) stays whole in one part, with every word kept
    for line in ((5, 10), (4, 9), (6, 12)):
        kept = cut_at_voice_changes([u], audio, voices, enc, DiarizeOptions(), str,
                                    keep_whole=lambda text, line=line: [line])
        assert len(kept) == 3 and "".join(p.text for p in kept) == said
        assert any(said[line[0]:line[1]] in p.text for p in kept)


def test_a_change_at_an_edge_cuts_at_the_nearest_word_boundary_outside_a_line_in_reach() -> None:
    from analyzer.utterances import cut_at_edges

    said = "到底什么原因啊我刚在楼下看了一下"
    words = [(28.0 + k * 0.3, 28.0 + k * 0.3 + 0.25, said[k]) for k in range(len(said))]
    u = _utterance(words)

    def nothing_kept(text: str) -> list[tuple[int, int]]:
        return []

    # the voice changes at 30.05 s: between 啊 (ends 29.95) and 我 (starts 30.1)
    head, tail = cut_at_edges([u], [(30.05, 0)], nothing_kept, str, reach_s=0.5)
    assert (head.text, tail.text) == ("到底什么原因啊", "我刚在楼下看了一下")
    assert head.end <= tail.start and len(head.words) + len(tail.words) == len(said)
    # no change: whole; a change beyond reach of every boundary: whole
    assert cut_at_edges([u], [None], nothing_kept, str, reach_s=0.5) == [u]
    assert cut_at_edges([u], [(40.0, 0)], nothing_kept, str, reach_s=0.5) == [u]

    # a line the agent says is not cut in two while a boundary outside it is within reach:
    # the nearest of those is taken
    def line_kept(text: str) -> list[tuple[int, int]]:
        return [(4, 12)]  # 原因啊我刚在楼下

    head, tail = cut_at_edges([u], [(30.05, 0)], line_kept, str, reach_s=2.0)
    assert not (4 < len(head.text) < 12) and head.text + tail.text == said
    # where none is, the voice changes inside what was read as one line (v2dd07: 5.14's
    # 意见…签 read by sound across the agent's words and the customer's): it is cut there
    head, tail = cut_at_edges([u], [(30.05, 0)], line_kept, str, reach_s=0.5)
    assert (head.text, tail.text) == ("到底什么原因啊", "我刚在楼下看了一下")


def test_a_change_of_speaker_moves_to_the_pause_nearest_it() -> None:
    from analyzer.utterances import snap_to_pauses

    agent = _utterance([(58.5, 59.0, "网"), (59.0, 61.6, "通了"), (61.6, 62.4, "能")])
    customer = _utterance([(62.4, 63.7, "刷了")])
    later = _utterance([(64.4, 66.0, "好的")])
    # the voice pauses from 61.73 to 62.05 (the customer's 能 was timed as the agent's),
    # and at a comma of the customer's (62.78-63.10): the nearer one is the change
    pauses = [(61.73, 62.05), (62.78, 63.10), (63.9, 64.5)]
    a, c, g = snap_to_pauses([agent, customer, later], ["agent", "customer", "agent"],
                             pauses, reach_s=0.5)
    assert (a.end, c.start) == (61.73, 62.05) and (c.end, g.start) == (63.9, 64.5)
    assert (a.start, a.text, a.words, g.end) == (58.5, agent.text, agent.words, 66.0)
    # one speaker's neighbours, and a pause beyond reach, leave the times as they were
    same = snap_to_pauses([agent, customer], ["agent", "agent"], pauses, reach_s=0.5)
    assert same == [agent, customer]
    assert snap_to_pauses([agent, customer], ["agent", "customer"], [(60.0, 60.3)],
                          reach_s=0.5) == [agent, customer]
    # no pause at all (the voices overlap): unchanged; a pause never swallows an utterance
    assert snap_to_pauses([agent, customer], ["agent", "customer"], [],
                          reach_s=0.5) == [agent, customer]
    assert snap_to_pauses([agent, customer], ["agent", "customer"], [(62.3, 63.8)],
                          reach_s=0.5) == [agent, customer]


def test_a_long_utterance_is_cut_in_its_pauses_into_pieces_then_joined_by_speaker() -> None:
    from analyzer.utterances import cut_at_pauses, rejoin

    # noisy v2dd04's shape: the customer's complaint, the agent's retort and the customer
    # again in one utterance, the voice pausing between them (and at a comma of the first)
    said = "怎么才来啊约的是两点我有什么办法那你也得说一声"
    times = [0.0, 0.3, 0.6, 0.9, 1.2,  # 怎么才来啊
             1.7, 2.0, 2.3, 2.6, 2.9,  # 约的是两点 (a 0.25 s comma before it)
             3.6, 3.9, 4.2, 4.5, 4.8, 5.1,  # 我有什么办法 (0.45 s pause before)
             5.8, 6.1, 6.4, 6.7, 7.0, 7.3, 7.6]  # 那你也得说一声 (0.45 s pause before)
    u = _utterance([(10.0 + t, 10.0 + t + 0.25, ch) for t, ch in zip(times, said, strict=True)])
    pauses = [(11.45, 11.70), (13.15, 13.60), (15.35, 15.80)]

    def nothing_kept(text: str) -> list[tuple[int, int]]:
        return []

    pieces, origin = cut_at_pauses([u], pauses, nothing_kept, str, min_s=3.0, min_piece_s=1.0)
    assert [p.text for p in pieces] == ["怎么才来啊", "约的是两点", "我有什么办法", "那你也得说一声"]
    assert origin == [0, 0, 0, 0]
    assert all(a.end <= b.start for a, b in zip(pieces, pieces[1:], strict=False))
    # a piece too short to be attributed alone stays with the neighbour across the shorter
    # pause: 好的 (0.55 s) goes with what comes 0.2 s before it, not 0.6 s after
    short = _utterance([(0.0, 0.45, "您好"), (0.5, 1.95, "我来修宽带的"), (2.15, 2.7, "好的"),
                        (3.3, 4.0, "路由器"), (4.05, 5.0, "在哪儿")])
    pieces, origin = cut_at_pauses([short], [(1.97, 2.13), (2.72, 3.28)], nothing_kept, str,
                                   min_s=3.0, min_piece_s=1.0)
    assert [p.text for p in pieces] == ["您好我来修宽带的好的", "路由器在哪儿"]
    assert origin == [0, 0]

    # never inside words only the agent says: a pause inside the line is no cut
    def line_kept(text: str) -> list[tuple[int, int]]:
        return [(8, 13)]  # 两点我有什 spans the pause before 我

    pieces, _ = cut_at_pauses([u], pauses, line_kept, str, min_s=3.0, min_piece_s=1.0)
    assert [p.text for p in pieces] == ["怎么才来啊", "约的是两点我有什么办法", "那你也得说一声"]
    # a short utterance, or no pause inside it, stays whole
    assert cut_at_pauses([u], pauses, nothing_kept, str, min_s=9.0, min_piece_s=1.0) == \
        ([u], [0])
    assert cut_at_pauses([u], [(20.0, 20.5)], nothing_kept, str, min_s=3.0,
                         min_piece_s=1.0) == ([u], [0])

    # joined again: neighbouring pieces of one utterance said by one side
    other = _utterance([(19.0, 19.5, "嗯")])
    pieces, origin = cut_at_pauses([u, other], pauses, nothing_kept, str, min_s=3.0,
                                   min_piece_s=1.0)
    assert origin == [0, 0, 0, 0, 1]
    # word times as the recogniser may give them (numpy scalars): the pieces' times are
    # plain floats, written to JSON as they are
    as_numpy = [dict(w, start=np.float64(w["start"]), end=np.float64(w["end"]))
                for w in u.words]
    numpy_pieces, _ = cut_at_pauses([replace(u, words=as_numpy)], pauses, nothing_kept, str,
                                    min_s=3.0, min_piece_s=1.0)
    assert all(type(t) is float for p in numpy_pieces for t in (p.start, p.end))
    assert rejoin(pieces, origin, ["customer", "customer", "agent", "customer", "customer"]) \
        == [[0, 1], [2], [3], [4]]


def _speech(plan: list[tuple[float, float, float]], seconds: float = 12.0) -> np.ndarray:
    """Noise-like speech at the given levels (dBFS) over the given spans, silence elsewhere."""
    rng = np.random.default_rng(5)
    a = np.zeros(int(seconds * 16000), dtype=np.float32)
    for s, e, db in plan:
        n = int(e * 16000) - int(s * 16000)
        a[int(s * 16000): int(e * 16000)] = rng.standard_normal(n) * 10 ** (db / 20)
    return a


def test_the_louder_voice_starts_where_its_level_steps_up_with_no_pause_before() -> None:
    from analyzer.utterances import onsets_at_level_steps

    # the customer (-26 dB) speaks 1-4 s, pauses, speaks again 4.4-5.2 s, and the agent
    # (-20 dB, nearer the recorder) cuts in at 5.2 s; the recogniser lost the customer's
    # last words and began the agent's utterance at 4.4 s
    customer = _utterance([(1.0, 4.0, "我重启了好几回都不管用")])
    agent = _utterance([(4.4, 5.6, "我先"), (5.6, 8.0, "测一下光猫的信号")])
    plan = [(1.0, 4.0, -26.0), (4.4, 5.2, -26.0), (5.2, 8.0, -20.0)]
    scores = np.zeros(int(12.0 / 0.032) + 1, dtype=np.float32)
    for s, e, _ in plan:
        scores[int(s / 0.032): int(e / 0.032) + 1] = 0.9

    def onsets(utts, speakers, audio, scores, head_min_s=0.45):
        return onsets_at_level_steps(utts, speakers, audio, scores, 0.5, 0.032,
                                     min_gap_db=3.0, head_min_s=head_min_s, reach_s=1.5)

    c, a = onsets([customer, agent], ["customer", "agent"], _speech(plan), scores)
    assert abs(a.start - 5.2) <= 0.1 and c.end == a.start  # met where the agent began
    assert (c.start, a.end, c.text, a.text, a.words) == \
        (1.0, 8.0, customer.text, agent.text, agent.words)

    # not moved: a pause before the step (the customer had finished); the head too short
    # to be another's words (a soft first syllable); the voices at one level (no nearer
    # voice to tell them by); the quieter voice following the louder (its words under the
    # louder voice are not seen in one channel)
    paused = scores.copy()
    paused[int(5.0 / 0.032): int(5.15 / 0.032)] = 0.1
    assert onsets([customer, agent], ["customer", "agent"], _speech(plan), paused) == \
        [customer, agent]
    assert onsets([customer, agent], ["customer", "agent"], _speech(plan), scores,
                  head_min_s=1.0) == [customer, agent]
    level = [(s, e, -20.0) for s, e, _ in plan]
    assert onsets([customer, agent], ["customer", "agent"], _speech(level), scores) == \
        [customer, agent]
    # not moved either: the agent's level already at the end of the customer's utterance
    # (the agent came in before the recogniser began its utterance, then paused)
    met = replace(customer, end=4.4)
    early = [(1.0, 4.2, -26.0), (4.2, 4.4, -20.0), (4.4, 5.2, -26.0), (5.2, 8.0, -20.0)]
    assert onsets([met, agent], ["customer", "agent"], _speech(early), scores) == [met, agent]
    c, a = onsets([met, agent], ["customer", "agent"],
                  _speech([(1.0, 4.4, -26.0), *plan[1:]]), scores)
    assert abs(a.start - 5.2) <= 0.1  # as above when the customer's end is the customer's

    # the other way round: the recogniser went on writing the customer's words to 5.6 s,
    # while the agent came in over them at 5.0 s; the agent's utterance starts at the step
    # up, the customer's keeps its end (both spoke)
    over = [(1.0, 5.0, -26.0), (5.0, 8.0, -20.0)]
    talked_over = _utterance([(1.0, 5.6, "孩子写作业不耽误了")])
    cut_in = _utterance([(5.6, 8.0, "好打搅您了再见")])
    c, a = onsets([talked_over, cut_in], ["customer", "agent"], _speech(over), scores)
    assert abs(a.start - 5.0) <= 0.1 and c.end == 5.6 and a.text == cut_in.text
    # not moved: a pause before the agent's utterance (it began after the customer ended);
    # the step too short to be a voice (0.3 s of a loud last syllable); the voices at one
    # level
    apart = replace(cut_in, start=5.9)
    assert onsets([talked_over, apart], ["customer", "agent"], _speech(over), scores) == \
        [talked_over, apart]
    loud_end = [(1.0, 5.3, -26.0), (5.3, 5.6, -20.0), (5.6, 8.0, -20.0)]
    assert onsets([talked_over, cut_in], ["customer", "agent"], _speech(loud_end),
                  scores) == [talked_over, cut_in]
    assert onsets([talked_over, cut_in], ["customer", "agent"],
                  _speech([(1.0, 8.0, -20.0)]), scores) == [talked_over, cut_in]

    first = _utterance([(1.0, 4.0, "您好我是十六号服务人员")])
    reply = _utterance([(4.4, 5.6, "进来"), (5.6, 8.0, "吧就是这个路由器")])
    loud_first = [(1.0, 4.0, -20.0), (4.4, 5.2, -20.0), (5.2, 8.0, -26.0)]
    assert onsets([first, reply], ["agent", "customer"], _speech(loud_first), scores) == \
        [first, reply]


def test_a_piece_after_a_pause_at_the_other_voices_level_is_the_other_speakers() -> None:
    from analyzer.utterances import pieces_by_level

    # the agent (-20 dB, nearer the recorder) and the customer (-25 dB); the recogniser
    # wrote the customer's 在那边 (4.6-5.3 s, after a 0.3 s pause) into the agent's utterance
    agent = _utterance([(1.0, 2.5, "你家厕所在哪"), (2.7, 4.3, "我先用一下"),
                        (4.6, 5.3, "在那边")])
    customer = _utterance([(6.0, 8.0, "那你这线就这么搭着")])
    later = _utterance([(8.6, 10.6, "就这样吧我还有下一家")])
    utts, speakers = [agent, customer, later], ["agent", "customer", "agent"]
    plan = [(1.0, 2.5, -20.0), (2.7, 4.3, -20.0), (4.6, 5.3, -25.0), (6.0, 8.0, -25.0),
            (8.6, 10.6, -20.0)]
    pauses = [(2.5, 2.7), (4.3, 4.6), (5.3, 6.0), (8.0, 8.6)]

    def by_level(audio, off_db=3.5, voice_of=None):
        return pieces_by_level(utts, speakers, audio, pauses, lambda _: [], lambda t: t,
                               min_gap_db=3.0, min_off_db=off_db, min_piece_s=0.25,
                               slack_s=0.2, voice_of=voice_of)

    got, said, origin = by_level(_speech(plan))
    assert [(u.text, sp) for u, sp in zip(got, said, strict=True)] == [
        ("你家厕所在哪我先用一下", "agent"), ("在那边", "customer"),
        ("那你这线就这么搭着", "customer"), ("就这样吧我还有下一家", "agent")]
    assert origin == [0, 0, 1, 2] and (got[1].start, got[1].end) == (4.6, 5.3)
    # a voice that can tell (the piece long enough to embed) decides with the level: the
    # customer's, as the level says; or the agent's, said softly
    assert by_level(_speech(plan), voice_of=lambda s, e: "customer")[1] == said
    again, kept, _ = by_level(_speech(plan), voice_of=lambda s, e: "agent")
    assert again == utts and kept == speakers
    # as they were: the piece at the agent's own level (a soft word is not 5 dB softer);
    # the voices at one level; a bar of 9 dB
    own = [(s, e, -21.5 if s == 4.6 else db) for s, e, db in plan]
    flat = [(s, e, -20.0) for s, e, _ in plan]
    for audio, off_db in ((_speech(own), 3.5), (_speech(flat), 3.5), (_speech(plan), 9.0)):
        again, said, origin = by_level(audio, off_db)
        assert again == utts and said == speakers and origin == [0, 1, 2]


def test_a_short_piece_of_two_syllables_at_the_other_voices_level_is_the_other_speakers(
) -> None:
    from analyzer.utterances import pieces_by_level

    # the customer's 给你 (0.35 s of voice after a pause, timed from 0.1 s inside it)
    # written at the head of the agent's 好的,打搅您了; one syllable as short (了) is no
    # voice's
    def case(head: str) -> tuple[list[str], list[str]]:
        agent = _utterance([(1.0, 3.0, "满意的话麻烦您签个字")])
        customer = _utterance([(4.0, 5.5, "签好了")])
        last = _utterance([(5.7, 6.15, head), (6.4, 8.4, "好的打搅您了再见")])
        utts, speakers = [agent, customer, last], ["agent", "customer", "agent"]
        plan = [(1.0, 3.0, -20.0), (4.0, 5.5, -25.0), (5.8, 6.15, -25.0), (6.4, 8.4, -20.0)]
        got, said, _ = pieces_by_level(utts, speakers, _speech(plan),
                                       [(3.0, 4.0), (5.5, 5.8), (6.15, 6.4)],
                                       lambda _: [], lambda t: t, min_gap_db=3.0,
                                       min_off_db=3.5, min_piece_s=0.4, slack_s=0.2,
                                       min_words_s=0.3)
        return [u.text for u in got], said

    assert case("给你") == (["满意的话麻烦您签个字", "签好了", "给你", "好的打搅您了再见"],
                          ["agent", "customer", "customer", "agent"])
    assert case("了") == (["满意的话麻烦您签个字", "签好了", "了好的打搅您了再见"],
                        ["agent", "customer", "agent"])
