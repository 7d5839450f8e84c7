"""The misheard copies the wording model also learns from (``bench/train_wording.py``)."""

from __future__ import annotations

import random

import pytest

from analyzer.phonetic import syllables
from bench.train_wording import homophones, mishear, misheard_copies


@pytest.fixture(scope="module")
def by_sound() -> dict[str, list[tuple[str, int]]]:
    return homophones()


def test_a_misheard_copy_sounds_as_the_sentence_did(by_sound) -> None:
    text = "你自己先把光猫重启了再打给我,好评您可得给我"
    rng = random.Random(3)
    copies = [mishear(text, rng, by_sound, 0.5) for _ in range(20)]
    assert all(syllables(c) == syllables(text) for c in copies)
    assert all(len(c) == len(text) for c in copies)
    changed = [sum(a != b for a, b in zip(c, text, strict=True)) for c in copies]
    assert min(changed) > 0 and max(changed) < len(text)  # some characters, not all
    assert all(c[text.index(","):][0] == "," for c in copies)  # other characters kept


def test_rate_zero_or_no_copies_change_nothing(by_sound) -> None:
    assert mishear("好评您可得给我", random.Random(1), by_sound, 0.0) == "好评您可得给我"
    rows = [("好评您可得给我", "9.13", "Q7"), ("今天下午三点到", False, "v2")]
    assert misheard_copies(rows, 0, 0.25) == []
    copies = misheard_copies(rows, 2, 0.5)
    assert copies
    # each copy keeps its row's label and group (left out with it in leave-one-set-out)
    for text, line, group in copies:
        origin = next(r for r in rows if syllables(r[0]) == syllables(text))
        assert (line, group) == (origin[1], origin[2]) and text != origin[0]


def test_homophones_are_common_characters_of_one_syllable(by_sound) -> None:
    assert all(syllables(c) == [sound] for sound, chars in by_sound.items() for c, _ in chars)
    assert "评" in {c for c, _ in by_sound[syllables("评")[0]]}
    assert sum(len(v) for v in by_sound.values()) <= 3500
