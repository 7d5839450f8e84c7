"""Mono speaker attribution's decisions, on embeddings given directly: two voices apart,
the agent's chosen by evidence, one voice left to the words."""

from __future__ import annotations

import numpy as np

from analyzer.diarize import attribute_speakers


class _Voices:
    """Embeddings by a span's start: each second of audio holds its voice's id."""

    def __init__(self, voices: dict[int, np.ndarray]) -> None:
        self.voices = voices

    def embed_many(self, wavs):
        out = []
        for w in wavs:
            v = self.voices[int(round(float(w[0])))]
            out.append(v / np.linalg.norm(v))
        return np.stack(out)


def _attribute(*args):
    got = attribute_speakers(*args)
    return got.turns, got.info


def _audio(plan: list[tuple[float, float, int]]) -> np.ndarray:
    a = np.zeros(16000 * 60, dtype=np.float32)
    for s, e, voice in plan:
        a[int(s * 16000): int(e * 16000)] = voice
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


def test_one_voice_falls_back_to_the_words() -> None:
    a = _rng_voice(5)
    enc = _Voices({1: a, 2: a + 0.01 * _rng_voice(6)})
    plan = [(0.0, 3.0, 1), (4.0, 7.0, 2), (8.0, 11.0, 1)]
    turns, info = _attribute(_audio(plan), [(s, e) for s, e, _ in plan],
                                     [True, False, False], enc)
    assert info["method"] == "words"
    assert [t.speaker for t in turns] == ["agent", "unknown", "unknown"]


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

    def embed_windows(self, wav, hop_frames):
        win, hop = 16000 * 16 // 10, 160 * hop_frames
        rows = []
        for s in range(0, len(wav) - win + 1, hop):
            ids, counts = np.unique(np.round(wav[s:s + win]).astype(int), return_counts=True)
            mix = sum(c * self.voices[i] for i, c in zip(ids, counts, strict=True))
            rows.append(mix / np.linalg.norm(mix))
        return np.array(rows), 1.6


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
