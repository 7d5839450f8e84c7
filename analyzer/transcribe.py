"""Transcription: speech chunks of every channel through Whisper once, cut into utterances.

Silero VAD (faster-whisper's) finds the speech in each channel. The chunks of all channels
are laid end to end, in time order, with a short silence between them, and the model
transcribes that one stream with word timestamps: a stereo call costs one pass over its
speech, not one pass per channel, and silence never reaches the decoder (so it cannot
hallucinate there). Each word is mapped back to its chunk, hence to its channel and its time
in the recording. An utterance ends where its chunk ends (the speaker paused for at least
``min_silence_ms``, or the chunk belongs to another channel), at a sentence end followed by
a short gap, or at a longer gap between words, so two turns are never merged.
``condition_on_previous_text`` is off (no repetition loops); the prompt is simplified
Chinese and the text is converted to simplified with OpenCC.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .audio import SAMPLE_RATE

__all__ = ["TranscribeOptions", "Transcriber", "Utterance", "speech_chunks"]

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
    group_s: float = 240.0
    """Speech is given to the model in groups of at most this many seconds (cut between
    chunks): the model computes a group's spectrogram at once, so this bounds memory."""
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4)
    """Decoding temperatures; fallback stops at 0.4 (hot samples are rarely right)."""
    initial_prompt: str = "以下是宽带上门服务的普通话对话。"
    """Prompt in simplified Chinese, so that Whisper writes simplified characters."""
    seed: int = 20261202
    """Seed of the sampling at temperatures above 0, set before each recording: the same
    file gives the same text (CTranslate2's generator is process-wide, so with several
    recordings at once in one process their order still matters)."""
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


def speech_chunks(audio: np.ndarray, options: TranscribeOptions) -> list[tuple[int, int]]:
    """``[(start, end)]`` sample ranges of speech in one channel (Silero VAD)."""
    if audio.size == 0:
        return []
    if not options.vad:
        return [(0, int(audio.size))]
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    ts = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=options.min_silence_ms,
                                                 speech_pad_ms=options.speech_pad_ms))
    return [(int(t["start"]), int(t["end"])) for t in ts]


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
        share = sum(e - s for s, e, _ in chunks) / sr / max(total, 1e-9)
        length = stream.size / sr
        segments, _ = self.model.transcribe(
            stream, language=o.language, beam_size=o.beam_size, vad_filter=False,
            word_timestamps=True, condition_on_previous_text=False,
            temperature=list(o.temperature), initial_prompt=o.initial_prompt,
            hotwords=self.hotwords)
        # Groups are cut between chunks, so no utterance goes on from one group to the next.
        cur: Utterance | None = None
        cur_chunk = -1
        for seg in segments:
            if progress is not None:
                progress(share * min(1.0, seg.end / length))
            for w in seg.words or ():
                # A word belongs to the chunk in which it ends: after a pause Whisper pulls a
                # word's start early into the silence laid before its chunk (often further
                # than half of it), while its end stays inside the chunk.
                k = max(0, bisect.bisect_right(starts, w.end - 0.02) - 1)
                s, e, ch = chunks[k]
                offset = s / sr - starts[k]
                w_start = max(s / sr, w.start + offset)
                w_end = max(w_start, min(e / sr, w.end + offset))
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
                cur.text += w.word
                cur.end = w_end
                cur.words.append({"start": w_start, "end": w_end, "word": w.word,
                                  "probability": w.probability})
        if cur is not None:
            utterances.append(cur)
        return share

    def transcribe(self, channels: Sequence[np.ndarray],
                   progress: Callable[[float], None] | None = None) -> list[Utterance]:
        """Utterances of all channels, in time order."""
        import ctranslate2

        o = self.options
        sr = SAMPLE_RATE
        ctranslate2.set_random_seed(o.seed)
        chunks = sorted((s, e, ch) for ch, audio in enumerate(channels)
                        for s, e in speech_chunks(audio, o))
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
        out = []
        prompt_words = set((self.hotwords or "").split()) | {o.initial_prompt}
        for u in utterances:
            u.text = self.to_simplified(u.text.strip())
            if not u.text:
                continue
            u.confidence = round(float(np.mean([w["probability"] for w in u.words])), 3)
            if u.confidence < o.min_confidence:
                log.debug("dropped low-confidence utterance %r (%.2f)", u.text, u.confidence)
                continue
            if set(u.text.split()) <= prompt_words:
                log.debug("dropped the prompt heard back: %r", u.text)
                continue
            u.start, u.end = round(u.start, 2), round(u.end, 2)
            out.append(u)
        out.sort(key=lambda u: (u.start, u.channel))
        if progress is not None:
            progress(1.0)
        return out
