"""Utterances reshaped: an utterance holding two voices (or three turns) is cut where the
voice changes, each part keeping its own words; one voice throughout is left whole."""

from __future__ import annotations

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


def test_a_change_at_an_edge_cuts_at_the_nearest_word_boundary_never_inside_a_line() -> None:
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

    # a line the agent says is never cut in two: the nearest boundary outside it is taken
    def line_kept(text: str) -> list[tuple[int, int]]:
        return [(4, 12)]  # 原因啊我刚在楼下

    head, tail = cut_at_edges([u], [(30.05, 0)], line_kept, str, reach_s=2.0)
    assert not (4 < len(head.text) < 12) and head.text + tail.text == said
    assert cut_at_edges([u], [(30.05, 0)], line_kept, str, reach_s=0.5) == [u]


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
