"""Audio: probe and decode recordings with PyAV (FFmpeg) into 16 kHz float32 channels.

Any format FFmpeg reads (WAV PCM / A-law / μ-law, MP3, M4A/AAC, OGG/Opus, FLAC, AMR when
the build has it), any sample rate, mono or stereo. Decoding streams frame by frame through
a resampler, so memory stays at the size of the output (4 bytes per sample per channel).
Recordings of more than two channels are mixed down to one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AnalysisError

__all__ = ["AudioInfo", "SAMPLE_RATE", "active_level_db", "decode", "frame_power", "probe",
           "tile_to", "write_wav"]

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class AudioInfo:
    path: str
    duration: float  # seconds
    channels: int
    sample_rate: int
    codec: str
    format: str
    header_duration: float | None = None  # what the header said, when the audio was measured


def _open(path: str | Path):  # type: ignore[no-untyped-def]
    import av

    p = Path(path)
    if not p.exists():
        raise AnalysisError(f"{p}: no such file", "missing")
    if p.is_dir():
        raise AnalysisError(f"{p}: is a folder, not a recording", "not_a_file")
    if p.stat().st_size == 0:
        raise AnalysisError(f"{p}: empty file (0 bytes)", "empty")
    try:
        container = av.open(str(p))
    except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
        raise AnalysisError(f"{p}: not a readable audio file ({_reason(exc)})") from exc
    if not container.streams.audio:
        container.close()
        raise AnalysisError(f"{p}: has no audio stream")
    return container


def _reason(exc: Exception) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return str(msg).split(": '")[0]


def _measured_seconds(container: Any, stream: Any, stop_after: float) -> float:
    """The audio's length from its packets (demuxed, not decoded: a 3-hour WAV in well
    under a second), counting stops past ``stop_after``; a packet that gives no duration is
    decoded for its samples."""
    import av

    tb = float(stream.time_base) if stream.time_base is not None else 0.0
    rate = stream.codec_context.sample_rate or 1
    total = 0.0
    container.seek(0)
    for packet in container.demux(stream):
        if packet.size == 0:
            continue
        if packet.duration and tb:
            total += packet.duration * tb
        else:
            try:
                total += sum(f.samples for f in packet.decode()) / rate
            except av.error.FFmpegError:  # type: ignore[attr-defined]
                break  # the audio ends where its data stops decoding
        if total > stop_after:
            break
    return total


def probe(path: str | Path, *, measure: bool = False,
          max_seconds: float = float("inf")) -> AudioInfo:
    """Format, codec, channels, rate and duration; raises :class:`AnalysisError` when unusable.

    The first packets are decoded too, so that a file with a valid header and corrupt data
    is refused here rather than half-way through an analysis. With ``measure`` the duration
    is measured from the audio data, not read from the header: a file that holds less than
    half of what its header says (a fragment, a header alone) is refused as truncated, and
    one longer than ``max_seconds`` as too long, before any analysis.
    """
    import av

    container = _open(path)
    try:
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        decoded = 0
        try:
            for frame in container.decode(stream):
                decoded += frame.samples
                if decoded >= ctx.sample_rate or decoded >= 4096:
                    break
        except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
            raise AnalysisError(f"{path}: corrupt audio data ({_reason(exc)})",
                                 "corrupt") from exc
        if decoded == 0:
            raise AnalysisError(f"{path}: no audio samples could be decoded (empty or corrupt)",
                             "empty")
        channels = ctx.channels if hasattr(ctx, "channels") else len(ctx.layout.channels)
        header = None
        if measure:
            header = round(duration, 3)
            duration = _measured_seconds(container, stream, max_seconds)
            if duration > max_seconds:
                raise AnalysisError(f"{path}: the recording is longer than the limit of "
                                    f"{max_seconds:.0f} s", "too_long")
            if header > 1.0 and duration < 0.5 * header:
                raise AnalysisError(f"{path}: truncated: it holds {duration:.2f} s of audio "
                                    f"though its header says {header:.2f} s", "corrupt")
        return AudioInfo(path=str(path), duration=round(duration, 3), channels=int(channels),
                         sample_rate=int(ctx.sample_rate), codec=str(ctx.name),
                         format=str(container.format.name), header_duration=header)
    finally:
        container.close()


def decode(path: str | Path, sample_rate: int = SAMPLE_RATE) -> list[np.ndarray]:
    """One float32 array per channel (two for stereo, one otherwise) at ``sample_rate``."""
    import av

    container = _open(path)
    try:
        stream = container.streams.audio[0]
        n_in = len(stream.codec_context.layout.channels)
        layout = "stereo" if n_in == 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        channels = 2 if layout == "stereo" else 1
        # Write frames straight into arrays sized from the stated duration (grown if that
        # was short): peak memory is the output itself, not a list of frames plus a copy.
        est = 0
        if stream.duration is not None and stream.time_base is not None:
            est = int(float(stream.duration * stream.time_base) * sample_rate)
        elif container.duration is not None:
            est = int(container.duration / 1_000_000 * sample_rate)
        buf = np.empty((channels, max(est + sample_rate, sample_rate)), dtype=np.float32)
        n = 0

        def put(frames: list) -> None:  # type: ignore[type-arg]
            nonlocal buf, n
            for f in frames:
                a = f.to_ndarray()
                k = a.shape[1]
                if n + k > buf.shape[1]:
                    grown = np.empty((channels, max(2 * buf.shape[1], n + k)), np.float32)
                    grown[:, :n] = buf[:, :n]
                    buf = grown
                buf[:, n:n + k] = a
                n += k

        try:
            for frame in container.decode(stream):
                frame.pts = None  # the resampler keeps its own clock
                put(resampler.resample(frame))
            put(resampler.resample(None))
        except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
            if n == 0:
                raise AnalysisError(f"{path}: corrupt audio data ({_reason(exc)})",
                                 "corrupt") from exc
            # Keep what decoded before the damage: a call cut short is still a call.
            log.warning("%s: decoding stopped early (%s); using the first %.1f s", path,
                        _reason(exc), n / sample_rate)
        if n == 0:
            raise AnalysisError(f"{path}: no audio samples could be decoded (empty or corrupt)",
                             "empty")
        if buf.shape[1] - n > 30 * sample_rate:  # much over-allocated: give it back
            return [buf[ch, :n].copy() for ch in range(channels)]
        return [buf[ch, :n] for ch in range(channels)]  # views: no second copy
    finally:
        container.close()


def write_wav(path: str | Path, channels: list[np.ndarray], sample_rate: int = SAMPLE_RATE
              ) -> None:
    """Write float channels in [-1, 1] as 16-bit PCM WAV (for fixtures and benchmarks)."""
    import wave

    data = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes((np.clip(data, -1, 1) * 32767).astype("<i2").tobytes())


def tile_to(channels: list[np.ndarray], seconds: float,
            sample_rate: int = SAMPLE_RATE) -> list[np.ndarray]:
    """Each channel repeated to ``seconds`` long (a long call made from a short one)."""
    n = int(seconds * sample_rate)
    return [np.tile(c, int(np.ceil(n / c.size)))[:n] for c in channels]


LEVEL_FRAME = SAMPLE_RATE // 50
"""Samples in a 20 ms frame, the unit of loudness."""


def frame_power(audio: np.ndarray) -> np.ndarray:
    """Mean power of each whole 20 ms frame."""
    n = audio.size // LEVEL_FRAME
    return np.mean(np.square(audio[: n * LEVEL_FRAME].reshape(n, LEVEL_FRAME), dtype=np.float64),
                   axis=1)


def active_level_db(audio: np.ndarray, start: float, end: float) -> float | None:
    """The active level of ``audio`` between two times: the mean power of its louder half
    of 20 ms frames, in dB relative to full scale (pauses inside do not lower it); None
    under 0.1 s or in silence."""
    power = frame_power(audio[int(start * SAMPLE_RATE): int(end * SAMPLE_RATE)])
    n = power.size
    if n < 5:
        return None
    loud = np.sort(power)[n // 2:]
    mean = float(np.mean(loud))
    return round(10 * math.log10(mean), 2) if mean > 1e-12 else None
