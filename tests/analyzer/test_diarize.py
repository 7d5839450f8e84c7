"""Mono speaker attribution's decisions, on embeddings given directly: two voices apart,
the agent's chosen by evidence, one voice left to the words."""

from __future__ import annotations

import numpy as np

from analyzer.diarize import DiarizeOptions, attribute_speakers

_ID_BASE = 100
"""Each sample of a voice's speech holds ``_ID_BASE + its id``: the ids ride on one level,
so that no voice is louder than another (loudness is evidence of its own)."""


class _Voices:
    """Embeddings by a span's first sample, which holds its voice's id."""

    def __init__(self, voices: dict[int, np.ndarray]) -> None:
        self.voices = voices

    def embed_many(self, wavs):
        out = []
        for w in wavs:
            v = self.voices[int(round(float(w[0]))) - _ID_BASE]
            out.append(v / np.linalg.norm(v))
        return np.stack(out)


def _attribute(*args):
    got = attribute_speakers(*args)
    return got.turns, got.info


def _audio(plan: list[tuple[float, float, int]]) -> np.ndarray:
    a = np.zeros(16000 * 60, dtype=np.float32)
    for s, e, voice in plan:
        a[int(s * 16000): int(e * 16000)] = _ID_BASE + voice if voice else 0
    return a


def _rng_voice(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(256)


def test_two_voices_and_the_agent_is_who_said_the_script() -> None:
    a, b = _rng_voice(1), _rng_voice(2)
    enc = _Voices({1: a, 2: b + 0.05 * a})
    plan = [(0.0, 3.0, 2), (3.5, 6.0, 1), (6.5, 9.0, 2), (9.5, 10.2, 1), (11.0, 15.0, 2)]
    says = [False, False, True, False, True]  # voice 2 says the script lines
    turns, info = _attribute(_audio(plan), [(s, e) for s, e, _ in plan], says, enc)
    assert [t.speaker for t in turns] == ["agent", "customer", "agent", "customer", "agent"]
    assert info["method"] == "voices" and info["script_lines"] == {"agent": 2, "customer": 0}
    assert turns[3].confidence < turns[1].confidence  # 0.7 s says less about a voice


def test_without_script_lines_the_opener_who_talks_more_is_the_agent_less_surely() -> None:
    a, b = _rng_voice(3), _rng_voice(4)
    enc = _Voices({1: a, 2: b})
    plan = [(0.0, 5.0, 1), (5.5, 7.0, 2), (7.5, 12.0, 1), (12.5, 14.0, 2)]
    turns, info = _attribute(_audio(plan), [(s, e) for s, e, _ in plan],
                                     [False] * 4, enc)
    assert [t.speaker for t in turns] == ["agent", "customer", "agent", "customer"]
    assert info["evidence"] < 1.0 and max(t.confidence for t in turns) < 1.0


def test_the_nearer_louder_voice_is_the_agent_before_who_opened_and_talked_more() -> None:
    # A badge recorder is worn by the engineer: the customer, farther away, is quieter.
    class _ByLevel:
        def embed_many(self, wavs):
            return np.stack([(a if w[0] > 0.2 else b) / np.linalg.norm(a if w[0] > 0.2 else b)
                             for w in wavs])

    a, b = _rng_voice(14), _rng_voice(15)
    audio = np.zeros(16000 * 30, dtype=np.float32)
    plan = [(0.0, 5.0, 0.1), (5.5, 7.0, 0.3), (7.5, 12.0, 0.1), (12.5, 14.0, 0.3)]
    for s, e, amplitude in plan:  # the quiet voice opens and talks more; 0.3 is 9.5 dB above
        audio[int(s * 16000): int(e * 16000)] = amplitude
    turns, info = _attribute(audio, [(s, e) for s, e, _ in plan], [False] * 4, _ByLevel())
    assert [t.speaker for t in turns] == ["customer", "agent", "customer", "agent"]
    assert info["nearer_voice"] == "agent" and info["level_gap_db"] == 9.5
    assert info["opened_by"] == "customer"
    # under the bar, who opened and talked more decide again
    turns, info = _attribute(audio, [(s, e) for s, e, _ in plan], [False] * 4, _ByLevel(),
                             DiarizeOptions(nearer_voice_db=10.0))
    assert [t.speaker for t in turns] == ["agent", "customer", "agent", "customer"]
    assert info["nearer_voice"] is None


def test_a_short_utterance_at_the_quieter_voices_level_is_that_voices() -> None:
    """Under a second, a voice's embedding can lean the wrong way (v2dd08: the customer's
    那要多久啊 lay 0.05 nearer the agent's voice, 5 dB under it); where the two voices
    differ in level, the utterance's own level leans it back."""
    a, b = _rng_voice(21), _rng_voice(22)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    lean_to_a = 0.52 * a + 0.48 * b  # nearer the agent's voice by 0.06 (cosine)
    by_amplitude = {0.3: a, 0.1: b, 0.1001: lean_to_a}

    class _ByAmplitude:
        def embed_many(self, wavs):
            return np.stack([v / np.linalg.norm(v) for v in
                             (by_amplitude[round(float(w[0]), 4)] for w in wavs)])

    audio = np.zeros(16000 * 30, dtype=np.float32)
    plan = [(0.0, 5.0, 0.3), (5.5, 8.0, 0.1), (8.5, 12.0, 0.3), (12.5, 13.3, 0.1001),
            (14.0, 17.0, 0.3), (17.5, 20.0, 0.1)]
    for s, e, amplitude in plan:  # the agent 9.5 dB above the customer
        audio[int(s * 16000): int(e * 16000)] = amplitude
    spans = [(s, e) for s, e, _ in plan]
    turns, info = _attribute(audio, spans, [False] * 6, _ByAmplitude())
    assert info["nearer_voice"] == "agent"
    assert [t.speaker for t in turns] == ["agent", "customer", "agent", "customer", "agent",
                                          "customer"]
    # the voices alone give it to the agent
    turns, _ = _attribute(audio, spans, [False] * 6, _ByAmplitude(),
                          DiarizeOptions(level_weight=0.0))
    assert turns[3].speaker == "agent"


def test_one_voice_falls_back_to_the_words() -> None:
    a = _rng_voice(5)
    enc = _Voices({1: a, 2: a + 0.01 * _rng_voice(6)})
    plan = [(0.0, 3.0, 1), (4.0, 7.0, 2), (8.0, 11.0, 1)]
    turns, info = _attribute(_audio(plan), [(s, e) for s, e, _ in plan],
                                     [True, False, False], enc)
    assert info["method"] == "words"
    assert [t.speaker for t in turns] == ["agent", "unknown", "unknown"]


def test_a_stray_utterance_unlike_both_voices_does_not_take_a_voice_of_its_own() -> None:
    # A second of something unlike either voice (a cough, a door) is the least like the
    # rest: seeded there alone, k-means kept it as one "voice" and both speakers as the
    # other. The voices' own long utterances seed the partition that is kept.
    a, b = _rng_voice(11), _rng_voice(12)
    enc = _Voices({1: a, 2: b, 3: -(a + b) + 0.3 * _rng_voice(13)})
    plan = [(0.0, 4.0, 1), (4.5, 8.0, 2), (8.5, 12.0, 1), (12.5, 13.6, 3), (14.0, 18.0, 2),
            (18.5, 22.0, 1), (22.5, 26.0, 2)]
    says = [True, False, False, False, False, True, False]
    turns, info = _attribute(_audio(plan), [(s, e) for s, e, _ in plan], says, enc)
    assert info["method"] == "voices"
    assert [t.speaker for k, t in enumerate(turns) if k != 3] == \
        ["agent", "customer", "agent", "customer", "agent", "customer"]


def test_a_script_line_is_the_agents_whatever_the_voice() -> None:
    a, b = _rng_voice(7), _rng_voice(8)
    enc = _Voices({1: a, 2: b})
    plan = [(0.0, 4.0, 1), (4.5, 6.0, 2), (6.5, 10.0, 1), (10.5, 13.0, 2)]
    says = [True, False, True, True]  # the last, in the other voice, says 5.12
    turns, _ = _attribute(_audio(plan), [(s, e) for s, e, _ in plan], says, enc)
    assert [t.speaker for t in turns] == ["agent", "customer", "agent", "agent"]
    assert turns[3].confidence < turns[0].confidence


class _Windows:
    """Window embeddings from the audio's own values: each sample holds its voice's id."""

    def __init__(self, voices: dict[int, np.ndarray]) -> None:
        self.voices = {k: v / np.linalg.norm(v) for k, v in voices.items()}

    def embed_windows(self, wav, hop_frames, window_frames=160):
        win, hop = 160 * window_frames, 160 * hop_frames
        rows = []
        for s in range(0, len(wav) - win + 1, hop):
            ids, counts = np.unique(np.round(wav[s:s + win]).astype(int), return_counts=True)
            mix = sum(c * self.voices[i - _ID_BASE] for i, c in zip(ids, counts, strict=True)
                      if i)
            rows.append(mix / np.linalg.norm(mix))
        return np.array(rows), window_frames / 100

    def embed_windows_many(self, wavs, hop_frames, window_frames=160):
        return [self.embed_windows(w, hop_frames, window_frames)[0] for w in wavs], \
            window_frames / 100


def test_a_change_of_voice_inside_an_utterance_is_found_where_it_happens() -> None:
    from analyzer.diarize import DiarizeOptions, voice_changes

    a, b = _rng_voice(9), _rng_voice(10)
    enc = _Windows({1: a, 2: b})
    voices = np.stack([a / np.linalg.norm(a), b / np.linalg.norm(b)])
    # the agent (voice 1) speaks 10-14.2 s, the customer answers at once until 17 s
    audio = _audio([(10.0, 14.2, 1), (14.2, 17.0, 2)])
    [at] = voice_changes(audio, 10.0, 17.0, voices, enc)
    assert abs(at - 14.2) <= 0.4
    # three turns: two changes
    three = _audio([(10.0, 13.0, 2), (13.0, 16.4, 1), (16.4, 19.5, 2)])
    got = voice_changes(three, 10.0, 19.5, voices, enc)
    assert len(got) == 2 and abs(got[0] - 13.0) <= 0.4 and abs(got[1] - 16.4) <= 0.4
    # one voice throughout: no change; too short a second voice: no change either
    assert voice_changes(_audio([(10.0, 17.0, 1)]), 10.0, 17.0, voices, enc) == []
    assert voice_changes(_audio([(10.0, 16.2, 1), (16.2, 17.0, 2)]), 10.0, 17.0, voices,
                         enc) == []
    # an utterance shorter than split_min_s is not looked into
    assert voice_changes(audio, 12.5, 15.0, voices, enc, DiarizeOptions(split_min_s=3.0)) == []


def test_a_second_of_the_other_voice_at_an_utterances_edge_is_found() -> None:
    """Too short for the 1.6 s windows, the other voice's last words at the head of an
    utterance (or its first at the tail) are seen by 1 s windows, against the two voices'
    own leaning in the same recording."""
    from analyzer.diarize import DiarizeOptions, edge_changes, voice_changes

    a, b = _rng_voice(13), _rng_voice(14)
    enc = _Windows({1: a, 2: b + 0.3 * a})  # two voices somewhat alike, as real ones are
    voices = np.stack([a / np.linalg.norm(a), (b + 0.3 * a) / np.linalg.norm(b + 0.3 * a)])
    # voice 2 (the customer) 0-4 s; then one utterance 4.5-7.5 s whose first 1.2 s are
    # still the customer's, the rest voice 1's; voice 1 again 8-12 s; then voice 2 13-16 s
    # with voice 1's last 1.2 s in it; one voice throughout 17-20 s
    audio = _audio([(0.0, 4.0, 2), (4.5, 5.7, 2), (5.7, 7.5, 1), (8.0, 12.0, 1),
                    (13.0, 14.8, 2), (14.8, 16.0, 1), (17.0, 20.0, 1)])
    spans = [(0.0, 4.0), (4.5, 7.5), (8.0, 12.0), (13.0, 16.0), (17.0, 20.0)]
    span_voices = [1, 0, 0, 1, 0]
    assert voice_changes(audio, 4.5, 7.5, voices, enc) == []  # the long windows see nothing
    got = edge_changes(audio, spans, span_voices, voices, enc)
    assert got[0] is None and got[2] is None and got[4] is None
    assert got[1] is not None and abs(got[1][0] - 5.7) <= 0.3 and got[1][1] == 0
    assert got[3] is not None and abs(got[3][0] - 14.8) <= 0.3 and got[3][1] == 0
    # voices too alike in these windows: nothing is looked for
    assert edge_changes(audio, spans, span_voices, voices, enc,
                        DiarizeOptions(edge_min_separation=2.1)) == [None] * 5
    # an utterance with no voice (not told apart) is not looked into
    assert edge_changes(audio, spans, [1, None, 0, 1, 0], voices, enc)[1] is None


def test_an_overlap_seen_from_both_sides_of_a_boundary_cuts_neither() -> None:
    """The tail of one utterance leaning to the next speaker and the head of the next,
    following at once, leaning back to the first: two voices at once, not two changes."""
    from analyzer.diarize import edge_changes

    a, b = _rng_voice(15), _rng_voice(16)
    enc = _Windows({1: a, 2: b})
    voices = np.stack([a / np.linalg.norm(a), b / np.linalg.norm(b)])
    # utterance 1 (voice 2) 0-4 s ends in 1.2 s of voice 1; utterance 2 (voice 1) 4-8 s
    # starts with 1.2 s of voice 2
    audio = _audio([(0.0, 2.8, 2), (2.8, 4.0, 1), (4.0, 5.2, 2), (5.2, 8.0, 1),
                    (9.0, 12.0, 2), (13.0, 16.0, 1)])
    spans = [(0.0, 4.0), (4.0, 8.0), (9.0, 12.0), (13.0, 16.0)]
    assert edge_changes(audio, spans, [1, 0, 1, 0], voices, enc) == [None] * 4
    # the same two apart by a pause: two changes
    apart = [(0.0, 4.0), (4.5, 8.5), (9.0, 12.0), (13.0, 16.0)]
    audio2 = _audio([(0.0, 2.8, 2), (2.8, 4.0, 1), (4.5, 5.7, 2), (5.7, 8.5, 1),
                     (9.0, 12.0, 2), (13.0, 16.0, 1)])
    got = edge_changes(audio2, apart, [1, 0, 1, 0], voices, enc)
    assert got[0] is not None and got[1] is not None


def test_the_voice_cut_into_is_heard_from_the_change_on() -> None:
    """voice_under: the windows after a change lean from the voice that cut in (0) towards
    the one cut into (1); the latter goes on to the end of the first run at or over
    ``under_min_lean`` that begins within ``under_start_s`` of the change. A run that
    begins later is the voice that cut in sounding like the other, not the other."""
    from analyzer.diarize import DiarizeOptions, voice_under

    o = DiarizeOptions()
    assert (o.under_min_lean, o.under_start_s, o.under_hop_frames, o.under_window_frames) == \
        (0.10, 0.6, 20, 50)
    agent, customer = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    learnt = ({"agent": np.tile(agent, (4, 1)), "customer": np.tile(customer, (4, 1))},
              {"agent": agent, "customer": customer})

    class Leaning:
        """Windows that lean as told: lean x is the embedding (1 - x, x)."""

        def __init__(self, leans: list[float]) -> None:
            self.leans = leans

        def embed_windows_many(self, wavs, hop_frames, window_frames):  # type: ignore[no-untyped-def]
            return [np.array([[1 - x, x] for x in self.leans])], None

    def heard(leans: list[float]) -> float:
        return voice_under(np.zeros(16000 * 10, dtype=np.float32), [], [],
                           [(1.0, 9.0, "agent")], Leaning(leans), o, learn=lambda: learnt)[0]

    assert heard([0.0, 0.3, 0.12, 0.3, 0.0, 0.4]) == 1.1   # windows 1-3: a dip over 0.10 holds
    assert heard([0.0, 0.3, 0.05, 0.3, 0.0]) == 0.7        # under it, the run ends
    assert heard([0.0, 0.0, 0.0, 0.3, 0.3, 0.0]) == 1.3    # begins 0.6 s after the change
    assert heard([0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5]) == 0.0  # begins later: not the other
    assert heard([0.0] * 8) == 0.0
