"""Voice activity: where each channel holds speech (Silero VAD, faster-whisper's), with the
speech threshold fitted to the channel.

Silero scores how speech-like each 32 ms frame sounds. Its usual threshold, 0.5, suits
wide-band audio: over the speech of the v2 badge recordings (16 kHz) half the frames score
0.95 or more. Telephone audio (8 kHz, band-limited) scores far lower: over the speech of the
clean v2 calls the median frame scores 0.45-0.65, so at 0.5 whole clauses were never
transcribed (对不起啊 of v2dd05's 1.1.4 line: 6 s of speech; 86 of 1,080 s of the v2
recordings' speech in all). Each channel therefore gets the threshold that best splits its
own frames' scores into two classes (Otsu's method over a histogram), when that is lower
than ``vad_threshold``, and never below ``vad_min_threshold``. A clean telephone channel (its
silences score ~0.01) gets 0.28-0.38; a noisy copy of it, whose noise itself scores up to
0.8, 0.38-0.46; badge audio keeps 0.5. Measured on the v2 recordings: speech not covered
86 s → 55 s of 1,080; time covered outside speech 69 s → 72 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .audio import SAMPLE_RATE

if TYPE_CHECKING:
    from .transcribe import TranscribeOptions

__all__ = ["FRAME_S", "STEP_S", "STEP_START_S", "above_telephone_band_db", "band_power",
           "crosstalk", "fitted_threshold", "pauses", "runs", "speech_chunks",
           "speech_likelihood", "speech_scores", "speech_threshold", "talk_chunks"]

_WINDOW = 512  # samples Silero scores at a time (32 ms at 16 kHz)
FRAME_S = _WINDOW / SAMPLE_RATE
"""Seconds of audio each speech score is of."""
_BINS = 50


def fitted_threshold(probs: np.ndarray, ceiling: float, floor: float) -> float:
    """The score that best splits ``probs`` into two classes (Otsu: the largest variance
    between them), within ``[floor, ceiling]``."""
    if probs.size == 0 or floor >= ceiling:
        return ceiling
    counts, edges = np.histogram(probs, bins=_BINS, range=(0.0, 1.0))
    weight = counts / counts.sum()
    centre = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(weight)[:-1]  # below each inner edge
    mass0 = np.cumsum(weight * centre)[:-1]
    total = float((weight * centre).sum())
    w1 = 1.0 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = w0 * w1 * (mass0 / w0 - (total - mass0) / w1) ** 2
    between = np.nan_to_num(between, nan=-1.0, posinf=-1.0, neginf=-1.0)
    if between.max() <= 0:
        return ceiling
    # splits anywhere in an empty stretch between the classes are equally good: its middle
    tied = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    best = float(edges[1 + int(tied[len(tied) // 2])])
    return min(ceiling, max(floor, best))


def speech_scores(audio: np.ndarray) -> np.ndarray:
    """Silero's speech score of each :data:`FRAME_S` window of one channel (16 kHz)."""
    from faster_whisper.vad import get_vad_model

    if audio.size == 0:
        return np.zeros(0, dtype=np.float32)
    return np.asarray(get_vad_model()(np.pad(audio, (0, _WINDOW - audio.size % _WINDOW))),
                      dtype=np.float32).ravel()


def speech_threshold(scores: np.ndarray, options: TranscribeOptions) -> float:
    """The speech threshold of a channel with these :func:`speech_scores`: fitted to them
    between ``vad_min_threshold`` and ``vad_threshold``."""
    threshold = options.vad_threshold
    if options.vad_min_threshold < threshold:
        threshold = fitted_threshold(scores, threshold, options.vad_min_threshold)
    return threshold


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` indices (end exclusive) of each run of true frames in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def pauses(scores: np.ndarray, threshold: float, min_s: float) -> list[tuple[float, float]]:
    """The pauses of a channel with these :func:`speech_scores`: ``(start, end)`` seconds of
    each run of frames scoring below ``threshold`` at least ``min_s`` long."""
    min_frames = max(1, round(min_s / FRAME_S))
    return [(round(a * FRAME_S, 3), round(b * FRAME_S, 3))
            for a, b in runs(scores < threshold) if b - a >= min_frames]


def speech_chunks(audio: np.ndarray, options: TranscribeOptions,
                  scores: np.ndarray | None = None) -> list[tuple[int, int]]:
    """``[(start, end)]`` sample ranges of speech in one channel (16 kHz); ``scores``: its
    :func:`speech_scores`, when already computed."""
    if audio.size == 0:
        return []
    if not options.vad:
        return [(0, int(audio.size))]
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    threshold = options.vad_threshold
    if options.vad_min_threshold < threshold:
        # Scoring the channel costs ~0.13% of its duration on a core: it is scored twice
        # (here and in get_speech_timestamps), 1.3 s over the 33 bench recordings.
        threshold = speech_threshold(speech_scores(audio) if scores is None else scores,
                                     options)
    ts = get_speech_timestamps(audio, VadOptions(threshold=threshold,
                                                 min_silence_duration_ms=options.min_silence_ms,
                                                 speech_pad_ms=options.speech_pad_ms))
    return [(int(t["start"]), int(t["end"])) for t in ts]


_WIDE_BAND_MIN_DB = -37.0
"""A channel whose :func:`above_telephone_band_db` is lower carries the telephone band only.
Measured: the v2 badge recordings, synthesised visits and ``real_speech/`` -34 to -20 dB;
the v2 calls (8 kHz, one channel or both mixed, clean or noisy) and the telephone test
fixtures (A-law, mu-law, AMR) -59 to -41 dB."""


def above_telephone_band_db(audio: np.ndarray) -> float:
    """How much sound one channel (16 kHz) carries above the telephone band: the power at
    4-7.6 kHz against 300-3400 Hz, in dB, over its loudest fifth of 32 ms frames."""
    frames = np.asarray(audio, dtype=np.float32)[: audio.size // _WINDOW * _WINDOW] \
        .reshape(-1, _WINDOW)
    if frames.shape[0] == 0:
        return float("-inf")
    freq = np.fft.rfftfreq(_WINDOW, 1 / SAMPLE_RATE)
    in_band, over = (freq >= 300) & (freq <= 3400), (freq >= 4000) & (freq <= 7600)
    window = np.hanning(_WINDOW)
    band, above = np.empty(frames.shape[0]), np.empty(frames.shape[0])
    # in blocks of frames, as band_power: a 10-minute channel's spectra at once take 77 MB
    for a in range(0, frames.shape[0], _BLOCK):
        power = np.abs(np.fft.rfft(frames[a:a + _BLOCK] * window, axis=1)) ** 2
        band[a:a + _BLOCK] = power[:, in_band].sum(axis=1)
        above[a:a + _BLOCK] = power[:, over].sum(axis=1)
    loud = band >= np.percentile(band, 80)
    if band[loud].sum() <= 0:  # silence
        return float("-inf")
    return float(10 * np.log10((above[loud].sum() + 1e-12) / band[loud].sum()))


def talk_chunks(audio: np.ndarray, chunks: Sequence[tuple[int, int, int]], scores: np.ndarray,
                threshold: float, options: TranscribeOptions, talk_threshold: float,
                noisy_from: float) -> list[tuple[int, int]]:
    """A mono channel's sample ranges of speech that talk time is measured on. The
    recogniser's ``chunks`` (``(start, end, channel)``) come from the channel's fitted
    speech ``threshold``, low so as to lose no word. On a wide-band channel (the threshold
    not lowered below ``vad_threshold``) whose non-speech itself scores like weak speech
    (the median of its :func:`speech_scores` ``scores`` under ``threshold`` at least
    ``noisy_from``: babble), talk is speech from ``talk_threshold`` instead (one more pass
    of the detector: ~0.13% of the channel's duration). In the v2 noisy badge recordings
    babble scores 0.5-0.7 for up to a second around the turns, and all of it was talk: over
    noisy v2dd04 the speech outside every turn went 7.8 s -> 5.2 s at 0.7, the turns' speech
    not covered 0.1 s -> 0.9 s. The median under the threshold is 0.14-0.23 on the 4 noisy
    v2 badge recordings and 0.07-0.11 on 8 synthesised noisy visits, 0.03-0.04 on the 7
    clean ones, their 8 clean visits and 3 real recordings of ``real_speech/``: those keep
    their chunks (there the higher threshold only cut the quieter customer's soft
    syllables), as does a telephone-band channel, whose speech itself scores 0.45-0.65,
    and a ``talk_threshold`` not above ``threshold`` (0: off). A noisy telephone channel's
    threshold is not always lowered (the v2 noisy calls mixed into one channel: 0.5), so
    the band is looked at too (:func:`above_telephone_band_db`)."""
    asr = [(s, e) for s, e, _ in chunks]
    if not options.vad or not talk_threshold > threshold >= options.vad_threshold:
        return asr
    quiet = scores[scores < threshold]
    if quiet.size == 0 or float(np.median(quiet)) < noisy_from or \
            above_telephone_band_db(audio) < _WIDE_BAND_MIN_DB:
        return asr
    return speech_chunks(audio, replace(options, vad_threshold=talk_threshold,
                                        vad_min_threshold=talk_threshold))


# -- spectral likelihood of speech (per 20 ms step) ---------------------------------------

_SPECTRUM_WINDOW = 512  # 32 ms at 16 kHz
_STEP = SAMPLE_RATE // 50
STEP_S = _STEP / SAMPLE_RATE
"""Seconds between the steps :func:`speech_likelihood` scores (20 ms)."""
STEP_START_S = (_SPECTRUM_WINDOW / 2 - _STEP / 2) / SAMPLE_RATE
"""Where the 20 ms in the middle of step 0's window begins (step ``i``'s: ``i * STEP_S``
later)."""
_QUIET_SHARE = 0.2  # of steps, the quietest, whose mean spectrum is taken for the noise's
_BLOCK = 2000  # steps transformed at a time (40 s)


def band_power(audio: np.ndarray) -> np.ndarray:
    """The power spectrum of each :data:`STEP_S` step of one channel (16 kHz; 32 ms Hann
    windows), telephone band only (300-3400 Hz: what every recording here carries)."""
    x = np.asarray(audio, dtype=np.float32)
    n = (x.size - _SPECTRUM_WINDOW) // _STEP + 1
    if n <= 0:
        return np.zeros((0, 1))
    frames = np.lib.stride_tricks.sliding_window_view(x, _SPECTRUM_WINDOW)[::_STEP][:n]
    freq = np.fft.rfftfreq(_SPECTRUM_WINDOW, 1 / SAMPLE_RATE)
    band = (freq >= 300) & (freq <= 3400)
    window = np.hanning(_SPECTRUM_WINDOW)
    out = np.empty((n, int(band.sum())))
    # in blocks of steps: transformed at once, a 10-minute channel's windowed frames and
    # spectra took 235 MiB at the peak (the bench's 10-minute call rose 899 -> 960 MiB);
    # in blocks, 41 MiB
    for a in range(0, n, _BLOCK):
        spectrum = np.fft.rfft(frames[a:a + _BLOCK] * window, axis=1)
        out[a:a + _BLOCK] = np.abs(spectrum[:, band]) ** 2
    return out + 1e-12


def speech_likelihood(power: np.ndarray) -> np.ndarray:
    """Per :data:`STEP_S` step of one channel (``power``: its :func:`band_power`), the mean
    over frequency of the log likelihood ratio of speech against the channel's noise (Sohn,
    Kim and Sung, 1999, the a-priori SNR taken as the measured one less 1); the noise's
    spectrum is the mean of the quietest ``_QUIET_SHARE`` of steps. About 0.1-1 in noise, tens and far more in speech. Unlike
    loudness it weighs each frequency against the noise there: speech's harmonics stand far
    above babble and pink noise where their sum barely does."""
    if power.shape[0] < 10:
        return np.zeros(0)
    quiet = np.argsort(power.sum(axis=1))[: max(10, int(_QUIET_SHARE * power.shape[0]))]
    ratio = power / power[quiet].mean(axis=0)
    prior = np.maximum(ratio - 1.0, 0.0)
    return np.asarray((ratio * prior / (1 + prior) - np.log1p(prior)).mean(axis=1))


def crosstalk(mine: np.ndarray, other: np.ndarray, *, min_gap_db: float = 15.0,
              min_similarity: float = 0.8, max_lag_s: float = 0.2,
              other_power: np.ndarray | None = None) -> np.ndarray:
    """Per step of a channel (``mine``: its :func:`band_power`), whether what it holds is
    the ``other`` channel's (audio) voice leaking in (line echo, a handset's sidetone): the other channel is at
    least ``min_gap_db`` louder, at most ``max_lag_s`` before (in 10 ms steps), and the two
    spectra have one shape (the correlation of their magnitudes over frequency at least
    ``min_similarity``).

    Measured on the 7 clean v2 stereo calls with each channel copied into the other 30 dB
    down (20 ms and 150 ms late): where only the other side spoke, the best correlation
    had a median of 0.94-1.0; where the two spoke at once, 0.44-0.62, and their levels lie
    within a few dB of each other, not 15 dB apart. Half a step (10 ms) off, the spectra of
    32 ms windows no longer match: the other channel is looked at on two grids.
    ``other_power``: the other channel's :func:`band_power`, where the caller has it (the
    first grid's; computed here otherwise)."""
    n = mine.shape[0]
    leak = np.zeros(n, dtype=bool)
    if n == 0:
        return leak

    def shapes(power: np.ndarray) -> np.ndarray:
        mag = np.sqrt(power)
        mag = mag - mag.mean(axis=1, keepdims=True)
        return mag / (np.linalg.norm(mag, axis=1, keepdims=True) + 1e-12)

    a, level_a = shapes(mine), 10 * np.log10(mine.sum(axis=1))
    max_lag = int(round(max_lag_s / STEP_S))
    # the other channel 0 and 10 ms later than the steps: lag k on the second grid is an
    # echo k steps less 10 ms late
    for shift in (0, _STEP // 2):
        theirs = (other_power if shift == 0 and other_power is not None
                  else band_power(np.asarray(other)[shift:]))[:n]
        m = theirs.shape[0]
        b, level_b = shapes(theirs), 10 * np.log10(theirs.sum(axis=1))
        for lag in range(max_lag + 1):
            k = min(n - lag, m)  # own step i against the other's step i - lag
            if k <= 0:
                break
            similar = np.einsum("ij,ij->i", a[lag:lag + k], b[:k]) >= min_similarity
            louder = level_b[:k] - level_a[lag:lag + k] >= min_gap_db
            leak[lag:lag + k] |= similar & louder
    return leak
