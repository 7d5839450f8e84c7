"""The second reading of unsure words (analyzer.reread): which utterances are read again,
what a second reading adds, and that it survives storage and a speakers' swap."""

from __future__ import annotations

from analyzer.matching import Flag
from analyzer.reread import (
    OneOff,
    Reading,
    reading_flags,
    reread_spans,
    unsure_positions,
    violation_words,
)
from analyzer.speech import swap_speakers
from analyzer.transcribe import Utterance
from analyzer.utterances import word_offsets
from huashu.cli.speech import to_text, to_vtt

HEARD = "你这人听不懂言话是吧"  # v2dd04's 8.0 as Whisper wrote it in the stream (言 at p 0.45)
MEANT = "你这人听不懂人话是吧"


def _violations(analyzer, speaker="agent"):
    def check(text):
        return [f for f in analyzer.check(text, speaker=speaker, source="asr", semantic=False,
                                          wording=False) if f.is_violation]
    return check


def test_one_off_completes_a_word_over_one_position() -> None:
    one_off = OneOff(["人话", "听不懂人话", "废话"])
    assert one_off.completions("听不懂言话", 3) >= {"人"}
    assert "人" in one_off.completions("言话", 0)
    assert one_off.completions("人话", 0) == {"废"}  # never the character already there
    assert one_off.completions("听不懂言话", 0) == set()


def test_violation_words_come_from_the_bank(analyzer) -> None:
    words = violation_words(analyzer.bank)
    assert {"听不懂人话", "人话"} <= words  # a word list's word and a rule's word
    scripts_only = {w for e in analyzer.bank.entries if e.kind == "script"
                    for r in e.rules for t in r.tokens for w in getattr(t, "words", ())}
    assert scripts_only - words  # a script line's words are not among them


def test_unsure_positions_are_the_characters_of_unsure_words() -> None:
    words = [{"word": w, "probability": p, "start": 0.0, "end": 0.0}
             for w, p in [("你", 0.64), ("这", 0.87), ("人", 0.99), ("听不懂", 0.99),
                          ("言", 0.45), ("话", 0.94), ("是吧", 0.93)]]
    u = Utterance(start=0.0, end=2.0, text="你这人听不懂言话是吧", confidence=0.9, channel=0,
                  words=words)
    offsets = word_offsets(u, lambda s: s)
    assert unsure_positions(u, offsets, 0.5) == [6]
    assert unsure_positions(u, offsets, 0.7) == [0, 6]
    assert unsure_positions(u, None, 0.5) == []


def test_a_violation_an_unsure_character_stood_in_the_way_of_is_read_again(analyzer) -> None:
    one_off = OneOff(violation_words(analyzer.bank))
    check = _violations(analyzer)
    assert check(HEARD) == []  # as heard, no violation
    spans = reread_spans(HEARD, [6], one_off, check, 4)
    assert set(spans) == {"8.0"} and spans["8.0"][0] <= 6 < spans["8.0"][1]
    # a sure character is never replaced; nor is one that completes nothing there
    assert reread_spans(HEARD, [], one_off, check, 4) == {}
    assert reread_spans(HEARD, [0], one_off, check, 4) == {}


def test_a_short_word_completed_by_a_guess_reads_nothing_again(analyzer) -> None:
    """你说 with 说 unsure completes 你丫 (8.0, two characters): half of it a guess."""
    one_off = OneOff(violation_words(analyzer.bank))
    check = _violations(analyzer)
    assert reread_spans("好的你说", [3], one_off, check, 2)  # the bar is what stops it
    assert reread_spans("好的你说", [3], one_off, check, 4) == {}


def test_a_second_reading_that_says_it_is_a_finding_at_the_first_readings_span(analyzer):
    check = _violations(analyzer)
    reading = Reading(MEANT, reread_spans(HEARD, [6], OneOff(violation_words(analyzer.bank)),
                                          check, 4))
    [flag] = reading_flags(HEARD, reading, check)
    assert flag.ref == "8.0" and flag.is_violation
    assert flag.reading == MEANT
    assert flag.matched == HEARD[flag.span[0]:flag.span[1]] and "言话" in flag.matched
    # a second reading that does not say it adds nothing
    assert reading_flags(HEARD, Reading(HEARD, reading.spans), check) == []
    # stored and read back
    assert Reading.from_dict(reading.to_dict()) == reading
    assert Flag.from_dict(flag.to_dict()) == flag
    assert Reading.from_dict(None) is None and Reading.from_dict({"spans": {}}) is None


def test_a_swap_of_speakers_finds_the_stored_readings_violation(analyzer) -> None:
    """A mono result whose utterance was read again while given to the customer: swapped to
    the agent, the reading's violation is the agent's."""
    spans = reread_spans(HEARD, [6], OneOff(violation_words(analyzer.bank)),
                         _violations(analyzer), 4)
    result = {"source": "x.mp3", "duration": 4.0, "speakers": "inferred",
              "utterances": [
                  {"start": 0.5, "end": 1.5, "speaker": "agent", "speaker_confidence": 0.7,
                   "channel": 0, "text": "您好", "confidence": 0.9, "flags": []},
                  {"start": 2.0, "end": 3.8, "speaker": "customer", "speaker_confidence": 0.7,
                   "channel": 0, "text": HEARD, "confidence": 0.8, "flags": [],
                   "reading": Reading(MEANT, spans).to_dict()}],
              "speaker_attribution": {"method": "voices"}, "options": {}, "channels": 1,
              "phrasebank_version": "test"}
    swapped = swap_speakers(analyzer, result)
    u = swapped["utterances"][1]
    assert u["speaker"] == "agent"
    [flag] = [f for f in u["flags"] if f["ref"] == "8.0"]
    assert flag["reading"] == MEANT
    assert any(v["ref"] == "8.0" for v in swapped["violations"])
    # the readable report and the WebVTT cues show the second reading
    assert f"重听: {MEANT}" in to_text(swapped)
    assert f"8.0 「{flag['matched']}」 重听「{MEANT}」" in to_vtt(swapped)
    back = swap_speakers(analyzer, swapped)  # the customer's again: no claim
    assert not any(f["ref"] == "8.0" for f in back["utterances"][1]["flags"])
