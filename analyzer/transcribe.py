"""Transcription: speech chunks of every channel through Whisper once, cut into utterances.

Silero VAD (faster-whisper's) finds the speech in each channel. The chunks of all channels
are laid end to end, in time order, with a short silence between them, and the model
transcribes that one stream with word timestamps: a stereo call costs one pass over its
speech, not one pass per channel, and silence never reaches the decoder (so it cannot
hallucinate there). Each word is mapped back to its chunk, hence to its channel and its time
in the recording. An utterance ends where its chunk ends (the speaker paused for at least
``min_silence_ms``, or the chunk belongs to another channel), at a sentence end followed by
a short gap, or at a longer gap between words, so two turns are never merged.
``condition_on_previous_text`` is off (no repetition loops); there is no prompt by default,
and the text is converted to simplified with OpenCC. A group whose text runs away (a loop,
more characters than its speech time allows, segments Whisper's own checks still reject at
the last temperature) is decoded again without the prompt when one was given, and whatever
loop or overflow remains is cut (:func:`runaway`, :func:`cut_loops`).
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .audio import SAMPLE_RATE
from .vad import speech_chunks

__all__ = ["TranscribeOptions", "Transcriber", "Utterance", "cut_loops", "runaway",
           "spoken_chars", "spoken_text", "words_confidence"]

log = logging.getLogger(__name__)

_SENTENCE_END = tuple("。？！?!")


@dataclass(frozen=True)
class TranscribeOptions:
    """Options of the ASR stage (each default is what the benchmarks were run with)."""

    language: str = "zh"
    """Language given to Whisper (no detection pass)."""
    beam_size: int = 5
    """Beam size of the decoder."""
    vad: bool = True
    """Silero VAD: only speech reaches the model."""
    vad_threshold: float = 0.5
    """Highest speech threshold of Silero VAD (its own default). A channel gets a lower one
    fitted to its own scores, down to ``vad_min_threshold`` (see :mod:`analyzer.vad`)."""
    vad_min_threshold: float = 0.2
    """Lowest fitted threshold; equal to ``vad_threshold``: one fixed threshold."""
    min_silence_ms: int = 400
    """A pause at least this long ends a speech chunk (and so an utterance)."""
    speech_pad_ms: int = 150
    """Audio kept either side of each speech chunk."""
    joiner_ms: int = 500
    """Silence laid between chunks in the stream given to the model."""
    pause_s: float = 0.5
    """A gap of at least this long between two words ends an utterance (someone paused)."""
    sentence_pause_s: float = 0.25
    """After a sentence end (。？！), a gap this long is enough."""
    min_confidence: float = 0.2
    """Utterances whose mean word probability is lower are dropped (noise heard as words)."""
    unwritten_min_s: float = 1.0
    """Speech the detector found that the recogniser wrote no words for, in stretches of at
    least this long (0.1 s from any words), is decoded again alone (:meth:`Transcriber.
    fill_unwritten`): a quieter voice after a louder one in the same stream is skipped (the
    customer's whole 光反映有什么用… turn, 4.8 s, in v2's noisy v2dd08). 0: not looked for."""
    group_s: float = 240.0
    """Speech is given to the model in groups of at most this many seconds (cut between
    chunks): the model computes a group's spectrogram at once, so this bounds memory."""
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4)
    """Decoding temperatures; fallback stops at 0.4 (hot samples are rarely right)."""
    initial_prompt: str = ""
    """Prompt given to Whisper; empty: none. None by default, measured: the service prompt
    以下是宽带上门服务的普通话对话。 helped the clean v2 recordings (refs recall 0.795 against
    0.773, violations 7/8 against 6/8) but hurt their noisy copies (refs 0.568 against
    0.659, violations 4/8 against 6/8) and real read speech (富士康 heard as 故事康; on the
    AISHELL clip it made the decoder loop); the text is made simplified with OpenCC anyway."""
    seed: int = 20261202
    """Seed of the sampling at temperatures above 0, set before each recording: the same
    file gives the same text (CTranslate2's generator is process-wide, so with several
    recordings at once in one process their order still matters)."""
    max_chars_per_s: float = 9.0
    """More spoken characters than this per second of speech is a decoder that ran away
    (Mandarin is read at 4-6 a second, spoken fast at 7-8): the group is decoded again
    without the prompt, and loops and overflow are cut from what remains."""
    max_tokens_per_s: float = 15.0
    """Tokens the decoder may write per second of speech in a window (plus 20): a short clip
    cannot cost 448 tokens at each temperature (a 4.3 s clip took 47-107 s that way)."""
    hotwords_max_chars: int = 0
    """Bound on the phrasebank's domain words passed as ``hotwords``; 0 = none. Off by
    default: with the base model, hotwords made Whisper repeat them in a loop instead of
    transcribing (dev dialogue dd03: '你好 宽带 检修 申告 工单 检修 申告 …')."""


@dataclass
class Utterance:
    """One utterance: times in seconds of the recording, ``channel`` 0 = left / mono."""

    start: float
    end: float
    text: str
    confidence: float
    channel: int
    words: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("words")
        return d


def words_confidence(words: Sequence[dict[str, Any]]) -> float:
    """An utterance's confidence: the mean probability of its words (non-empty)."""
    return round(float(np.mean([w["probability"] for w in words])), 3)


_LOOP = re.compile(r"(.{2,8}?)\1{2,}|(.)\2{4,}")


def spoken_text(text: str) -> str:
    """The letters and digits of ``text`` (a CJK character is a syllable): no punctuation,
    no spaces."""
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def spoken_chars(text: str) -> int:
    """How many characters of ``text`` are spoken (:func:`spoken_text`)."""
    return len(spoken_text(text))


def runaway(text: str, budget: int) -> bool:
    """A decoder that ran away: more spoken characters than ``budget``, or a phrase said
    three times running (a character five times: 对对对 is speech, 问问问问问 is not)."""
    said = spoken_text(text)
    return len(said) > budget or _LOOP.search(said) is not None


def cut_loops(words: list[Any], budget: int) -> list[Any]:
    """Words with any run of a repeated 1-6 word phrase cut to two, then the spoken
    characters cut at ``budget`` (what the speech time allows)."""
    def key(w: Any) -> str:
        return spoken_text(w.word)

    out: list[Any] = []
    i = 0
    while i < len(words):
        skip = 0
        for k in range(1, min(6, len(out) // 2) + 1):
            unit = [key(w) for w in out[-k:]]
            nxt = [key(w) for w in words[i:i + k]]
            # a third time of what was just said twice (or its start, at the very end)
            if any(nxt) and unit == [key(w) for w in out[-2 * k:-k]] and \
                    nxt == unit[:len(nxt)] and (len(nxt) == k or i + len(nxt) == len(words)):
                skip = len(nxt)
                break
        if skip:
            i += skip
        else:
            out.append(words[i])
            i += 1
    kept, total = [], 0
    for w in out:
        total += spoken_chars(w.word)
        if total > budget:
            break
        kept.append(w)
    return kept


def _offset(progress: Callable[[float], None] | None,
            done: float) -> Callable[[float], None] | None:
    """Progress of one group, reported as progress of the whole recording."""
    if progress is None:
        return None
    report = progress
    return lambda f: report(min(1.0, done + f))


class Transcriber:
    """Wraps a loaded ``faster_whisper.WhisperModel``; one instance per process."""

    def __init__(self, model: Any, options: TranscribeOptions | None = None, *,
                 hotwords: str | None = None,
                 to_simplified: Callable[[str], str] | None = None) -> None:
        self.model = model
        self.options = options or TranscribeOptions()
        self.hotwords = (hotwords or "")[: self.options.hotwords_max_chars] or None
        self.to_simplified = to_simplified or (lambda s: s)

    def _max_new_tokens(self, length: float, prompt: str | None) -> int | None:
        """The decoder's budget per 30 s window: ``max_tokens_per_s`` of its audio plus 20,
        within Whisper's 448 positions less those the prompt takes (faster-whisper keeps at
        most 223 of its tokens, and 4 more start the window); None: the model's own."""
        want = int(min(30.0, length) * self.options.max_tokens_per_s) + 20
        taken = 5
        if prompt:
            taken += min(223, len(self.model.hf_tokenizer.encode(" " + prompt.strip()).ids))
        room = 448 - taken
        return want if want < room else None

    def _transcribe_group(self, channels: Sequence[np.ndarray],
                          chunks: list[tuple[int, int, int]], utterances: list[Utterance],
                          progress: Callable[[float], None] | None, total: float) -> float:
        """Transcribe one group of chunks laid end to end; append its utterances.

        Returns the share of all speech that the group held (for progress).
        """
        o = self.options
        sr = SAMPLE_RATE
        joiner = np.zeros(int(sr * o.joiner_ms / 1000), dtype=np.float32)
        pieces: list[np.ndarray] = []
        starts: list[float] = []  # where each chunk starts in the stream (seconds)
        pos = 0
        for i, (s, e, ch) in enumerate(chunks):
            starts.append(pos / sr)
            pieces.append(channels[ch][s:e])
            pos += e - s
            if i + 1 < len(chunks):
                pieces.append(joiner)
                pos += joiner.size
        stream = np.concatenate(pieces)
        del pieces
        speech_s = sum(e - s for s, e, _ in chunks) / sr
        share = speech_s / max(total, 1e-9)
        length = stream.size / sr

        last_t = max(o.temperature)

        def decode(prompt: str | None) -> tuple[list[Any], list[tuple[float, float]]]:
            """The words of the segments the decoder stood by, and the stream's times of
            those it did not: still failing Whisper's own checks at the last temperature
            (compression ratio over 2.4: a loop; mean log-probability under -1: words it
            made up)."""
            segments, _ = self.model.transcribe(
                stream, language=o.language, beam_size=o.beam_size, vad_filter=False,
                word_timestamps=True, condition_on_previous_text=False,
                temperature=list(o.temperature), initial_prompt=prompt,
                hotwords=self.hotwords,
                max_new_tokens=self._max_new_tokens(length, prompt))
            words: list[Any] = []
            failed: list[tuple[float, float]] = []
            for seg in segments:
                if progress is not None:
                    progress(share * min(1.0, seg.end / length))
                if seg.temperature >= last_t and (seg.compression_ratio > 2.4
                                                  or seg.avg_logprob < -1.0):
                    failed.append((float(seg.start), float(seg.end)))
                    log.debug("dropped a segment the decoder did not stand by: %r", seg.text)
                    continue
                words.extend(seg.words or ())
            return words, failed

        budget = int(o.max_chars_per_s * max(speech_s, 1.0))
        words, failed = decode(o.initial_prompt or None)
        if o.initial_prompt and (failed or runaway("".join(w.word for w in words), budget)):
            # The prompt primes its own words (请问, 服务): on speech unlike it (read news)
            # the decoder looped on them. Without it, this group is decoded as plain
            # faster-whisper would.
            retry, failed_again = decode(None)
            log.info("decoding ran away with the prompt (%d characters for %.1f s of speech, "
                     "%d segment(s) dropped); without it: %d characters, %d dropped",
                     spoken_chars("".join(w.word for w in words)), speech_s, len(failed),
                     spoken_chars("".join(w.word for w in retry)), len(failed_again))
            if len(failed_again) <= len(failed):
                words, failed = retry, failed_again
        # A dropped segment takes every chunk under it with it, up to 30 s of the stream:
        # of both sides of a call, where one side's line carried a television (bench/
        # noisy_calls.py --tv -20, v2dd02: the decoder looped on 駕駛 from 25.6 s and the
        # call's last 17 s, 9 turns of both speakers, were never written). In a stream of
        # more than one channel, the chunks mostly under a dropped segment are decoded
        # again, each channel's together, when they hold unwritten_min_s or more. Not
        # chunk by chunk: that call took 69 s instead of 22 s (without the second
        # decoding), channel by channel 44 s (three runs one after another, another job on
        # the machine: a window of 30 s costs the decoder as much however little speech
        # it holds). Not in one channel's stream: there fill_unwritten decodes again what
        # is left unwritten.
        lost = set()
        if len({ch for _, _, ch in chunks}) > 1:
            for k, (s, e, _) in enumerate(chunks):
                a, b = starts[k], starts[k] + (e - s) / sr
                under = sum(max(0.0, min(b, fe) - max(a, fs)) for fs, fe in failed)
                if under >= 0.5 * (b - a):
                    lost.add(k)
            if o.unwritten_min_s <= 0 or \
                    sum(chunks[k][1] - chunks[k][0] for k in lost) < o.unwritten_min_s * sr:
                lost = set()
        words = cut_loops(words, budget)
        # Groups are cut between chunks, so no utterance goes on from one group to the next.
        cur: Utterance | None = None
        cur_chunk = -1
        for w in words:
            # A word belongs to the chunk in which it ends: after a pause Whisper pulls a
            # word's start early into the silence laid before its chunk (often further
            # than half of it), while its end stays inside the chunk.
            k = max(0, bisect.bisect_right(starts, w.end - 0.02) - 1)
            if k in lost:
                continue  # decoded again below, with its channel's other lost chunks
            s, e, ch = chunks[k]
            offset = s / sr - starts[k]
            w_start = max(s / sr, w.start + offset)
            w_end = max(w_start, min(e / sr, w.end + offset))
            if w_end - w_start < 0.01 and w.start + offset >= e / sr:
                # wholly inside the silence laid between chunks: nobody said it (without a
                # prompt Whisper now and then writes a 对 there)
                log.debug("dropped a word heard in the silence between chunks: %r", w.word)
                continue
            if cur is not None:
                gap = w_start - cur.end
                # A new chunk means the speaker paused (VAD heard min_silence_ms of
                # silence) or another channel speaks: never one utterance across it.
                if k != cur_chunk or gap >= o.pause_s or (
                        gap >= o.sentence_pause_s and cur.text.endswith(_SENTENCE_END)):
                    utterances.append(cur)
                    cur = None
            if cur is None:
                cur = Utterance(start=w_start, end=w_end, text="", confidence=0.0,
                                channel=ch)
                cur_chunk = k
            word = w.word.replace("\ufffd", "")  # half a character a token cut
            cur.text += word
            cur.end = w_end
            cur.words.append({"start": w_start, "end": w_end, "word": word,
                              "probability": w.probability})
        if cur is not None:
            utterances.append(cur)
        if lost:
            log.info("decoding %d chunk(s) again: a segment over them was dropped", len(lost))
            for ch in sorted({chunks[k][2] for k in lost}):
                self._transcribe_group(channels, [chunks[k] for k in sorted(lost)
                                                  if chunks[k][2] == ch],
                                       utterances, None, total)
        return share

    def reread(self, audio: np.ndarray, start: float, end: float) -> str | None:
        """The words of ``audio`` from ``start`` to ``end`` (seconds) decoded alone: none of
        the stream around them, no prompt, temperature 0 (see :mod:`analyzer.reread`); None
        when the decoder ran away (``max_chars_per_s``)."""
        o = self.options
        clip = audio[max(0, int(start * SAMPLE_RATE)): max(0, int(end * SAMPLE_RATE))]
        length = clip.size / SAMPLE_RATE
        if length < 0.1:
            return None
        segments, _ = self.model.transcribe(
            clip, language=o.language, beam_size=o.beam_size, vad_filter=False,
            without_timestamps=True, condition_on_previous_text=False, temperature=0.0,
            max_new_tokens=self._max_new_tokens(length, None))
        text = self.to_simplified("".join(seg.text for seg in segments).strip())
        if runaway(text, int(o.max_chars_per_s * max(length, 1.0))):
            log.debug("a second reading ran away: %r", text)
            return None
        return text

    def speech(self, channels: Sequence[np.ndarray],
               scores: Sequence[np.ndarray] | None = None) -> list[tuple[int, int, int]]:
        """``(start, end, channel)`` sample ranges of speech of all channels, in time order
        (what :meth:`transcribe` transcribes); ``scores``: the channels'
        :func:`analyzer.vad.speech_scores`, when already computed."""
        return sorted((s, e, ch) for ch, audio in enumerate(channels)
                      for s, e in speech_chunks(audio, self.options,
                                                None if scores is None else scores[ch]))

    def transcribe(self, channels: Sequence[np.ndarray],
                   progress: Callable[[float], None] | None = None, *,
                   chunks: Sequence[tuple[int, int, int]] | None = None) -> list[Utterance]:
        """Utterances of all channels, in time order; ``chunks``: their :meth:`speech`,
        when already found."""
        import ctranslate2

        o = self.options
        sr = SAMPLE_RATE
        ctranslate2.set_random_seed(o.seed)
        chunks = list(chunks) if chunks is not None else self.speech(channels)
        if not chunks:
            return []
        # Groups of chunks, each at most group_s of speech (a longer chunk is a group alone).
        groups: list[list[tuple[int, int, int]]] = [[]]
        size = 0
        for c in chunks:
            if groups[-1] and size + (c[1] - c[0]) > o.group_s * sr:
                groups.append([])
                size = 0
            groups[-1].append(c)
            size += c[1] - c[0]
        total = sum(e - s for s, e, _ in chunks) / sr
        done = 0.0
        utterances: list[Utterance] = []
        for group in groups:
            done += self._transcribe_group(channels, group, utterances,
                                           _offset(progress, done), total)
        out = self._kept(utterances)
        if progress is not None:
            progress(1.0)
        return out

    def fill_unwritten(self, channels: Sequence[np.ndarray], utterances: Sequence[Utterance],
                       chunks: Sequence[tuple[int, int, int]],
                       progress: Callable[[float], None] | None = None) -> list[Utterance]:
        """``utterances`` with those of the detector's speech (``chunks``, as
        :meth:`speech` gives them) that they leave unwritten: each stretch of a chunk at
        least ``unwritten_min_s`` long and 0.1 s from every utterance of its channel is
        transcribed alone, as :meth:`transcribe` does a group (its utterances pass the same
        checks). In one stream the decoder skips a quieter voice that follows a louder one;
        alone, it is heard. ``progress``: as :meth:`transcribe`'s, over the stretches."""
        o = self.options
        if o.unwritten_min_s <= 0:
            return list(utterances)
        sr = SAMPLE_RATE
        stretches: list[tuple[int, int, int]] = []
        for s, e, ch in chunks:
            taken = sorted((max(s, int((u.start - 0.1) * sr)), min(e, int((u.end + 0.1) * sr)))
                           for u in utterances if u.channel == ch
                           and u.end + 0.1 > s / sr and u.start - 0.1 < e / sr)
            at = s
            for a, b in [*taken, (e, e)]:
                if a - at >= o.unwritten_min_s * sr:
                    stretches.append((at, a, ch))
                at = max(at, b)
        if not stretches:
            return list(utterances)
        found: list[Utterance] = []
        total = sum(e - s for s, e, _ in stretches) / sr
        done = 0.0
        for stretch in stretches:
            done += self._transcribe_group(channels, [stretch], found,
                                           _offset(progress, done), total)
        added = self._kept(found)
        if progress is not None:
            progress(1.0)
        log.debug("decoded %d stretch(es) of unwritten speech alone: %d utterance(s)",
                  len(stretches), len(added))
        return sorted([*utterances, *added], key=lambda u: (u.start, u.channel))

    def _kept(self, utterances: list[Utterance]) -> list[Utterance]:
        """The utterances that pass the checks (text, confidence, not the prompt heard
        back), their text in simplified script, in time order."""
        o = self.options
        out = []
        prompt_words = set((self.hotwords or "").split()) | {o.initial_prompt}
        for u in utterances:
            u.text = self.to_simplified(u.text.strip())
            if not u.text:
                continue
            u.confidence = words_confidence(u.words)
            if u.confidence < o.min_confidence:
                log.debug("dropped low-confidence utterance %r (%.2f)", u.text, u.confidence)
                continue
            if set(u.text.split()) <= prompt_words:
                log.debug("dropped the prompt heard back: %r", u.text)
                continue
            u.start, u.end = round(u.start, 2), round(u.end, 2)
            out.append(u)
        out.sort(key=lambda u: (u.start, u.channel))
        return out
