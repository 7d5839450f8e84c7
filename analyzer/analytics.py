"""Call analytics: who spoke when, interruptions, silences, pace and loudness.

The words of a call are checked by the matcher; this stage reads its timing and loudness,
as a QA reviewer listening to it would (section 9 item 12: never interrupt the customer;
item 16 and section 3: no hard or hurried manner). Input is the speech of each speaker as
time ranges: in a stereo call the voice activity of each channel (one speaker each, so
overlapping speech is seen as it happened, see :func:`voice_activity`), in a mono recording the utterances with the
speakers attributed to them (overlaps there are only as good as that attribution, and the
result says so with ``speaker_confidence``). Thresholds and what each finding costs are the
phrasebank's ``call_analytics`` section (:class:`phrasebank.CallAnalyticsConfig`).

- **Interruptions**: one speaker starts while the other is still speaking and both go on
  together for at least ``min_overlap_s``; the speech cut into lasts at least
  ``min_interrupted_s`` and the speech that cuts in at least ``backchannel_max_s`` (a
  嗯/对/好的 over someone is a back-channel, counted apart and never an interruption;
  speech the voice activity broke into pieces, in words of the speaker's own, is measured
  as the turn it begins: :func:`_turn_in_pieces`).
  In one channel two voices at once are not seen: there one speaker starting at most
  ``takeover_max_gap_s`` after the other's words while the voice never pauses around
  the change (the speech detector's score stays above the channel's threshold:
  :func:`pauseless_changes`) is an interruption with ``evidence`` ``no_pause`` and no
  overlap measured, never flagged. On the 7 v2 mono recordings the agent's are all 6 real
  ones and none false: 3 of 6 before the turns written into another's utterance were cut
  off (:func:`analyzer.diarize.edge_changes`), 5 of 6 before the nearer voice's start was
  moved to its step up in level where the recogniser had begun it on the customer's last
  words (:func:`analyzer.utterances.onsets_at_level_steps`; v2di02). The customer's were
  looked for only once each change of speaker had been moved into the pause between the
  voices (:func:`analyzer.utterances.snap_to_pauses`): before, the two found were both
  false, a cut between voices placed one word early inside the agent's own speech, with
  the pause just beside it; now none is found (the one real one, v2di04 at 44.9 s, has a
  pause of 0.23 s at the change). Each side is measured by its turn (:func:`_takeovers`).
- **Talk**: talk time and share per speaker, time both speak at once, time nobody speaks,
  and the silences of at least ``long_silence_s`` with the utterances around them. In a
  stereo call, a voice behind a side's speaker (a television, a colleague at the next
  desk: ``background_below_db`` under the speaker's own level) is nobody's talk, even
  where the recogniser wrote its words as theirs (:func:`voices_behind`,
  :func:`near_words`); the result lists those utterances in ``background``. In one
  channel, a short stretch of speech at a change of speaker at the farther voice's level is
  the farther speaker's talk, whoever's utterance the recogniser wrote it into
  (:func:`edge_stretches_by_level`).
- **Pace**: characters per minute of each utterance and of each speaker; an agent utterance
  at ``rushing_ratio`` times the agent's median pace is an observation.
- **Loudness**: each utterance's active level (dB relative to full scale, on its own
  channel); an agent utterance ``raised_voice_db`` above the agent's median in the same
  recording is an observation (relative, because recorders and lines differ).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from phrasebank import CallAnalyticsConfig

from .audio import active_level_db
from .diarize import speaker_levels
from .phonetic import ANY_INITIAL, PhoneticEncoder
from .transcribe import spoken_chars, spoken_text
from .vad import STEP_S, STEP_START_S, band_power, crosstalk, runs, speech_likelihood

__all__ = [
    "CallAnalytics",
    "Interruption",
    "Observation",
    "Silence",
    "Side",
    "SpeechRange",
    "analyse_call",
    "edge_stretches_by_level",
    "near_words",
    "pauseless_changes",
    "speech_less_pauses",
    "speech_ranges",
    "utterance_ranges",
    "voice_activity",
    "voices_behind",
    "wordless_speech",
    "words_in_gaps",
]

@dataclass(frozen=True)
class SpeechRange:
    """A stretch of one speaker's voice, in seconds of the recording."""

    speaker: str  # agent | customer | unknown
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass
class Interruption:
    """``by`` started speaking at ``at`` while the other was still speaking."""

    by: str  # agent | customer
    at: float
    overlap_s: float | None  # both speaking at once (None: not measured, one channel)
    cut_off_start: float  # when the speech cut into began
    interrupting: int | None  # the utterance that cut in (index in the result's utterances)
    interrupted: int | None  # the utterance cut into
    flagged: bool = False  # an agent interruption that is a discipline flag (flag_from on)
    evidence: str = "overlap"  # overlap (both voices measured) | no_pause (one channel)
    # one channel: how long the voice cut into was heard going on under the one that cut
    # in (seconds from ``at``; counted in its speaker's talk time); None: not looked for
    heard_under_s: float | None = None


@dataclass
class Silence:
    start: float
    end: float
    seconds: float
    after: int | None  # the utterance before it
    before: int | None  # the utterance after it


@dataclass
class Observation:
    """A finding of timing or loudness on one utterance (raised_voice | rushing)."""

    kind: str
    utterance: int
    ref: str
    name: str
    value: float  # dB above the median, or the pace's ratio to the median
    baseline: float  # the speaker's median (dBFS, or characters per minute)
    weight: int


@dataclass
class CallAnalytics:
    """The timing and loudness figures of one recording (``to_dict()`` is its JSON)."""

    method: str  # channels (stereo: one speaker per channel) | utterances (mono)
    speaker_confidence: str  # high (channels) | medium (mono, voices) | low (mono, words)
    duration_s: float
    talk_s: dict[str, float]
    talk_share: dict[str, float]
    overlap_s: float | None  # both speaking at once; None: one channel, not measured
    non_talk_s: float
    interruptions: list[Interruption]
    backchannels: int | None  # 嗯/对 over the other's speech; None: one channel, not seen
    long_silences: list[Silence]
    pace_cpm: dict[str, float]  # characters per minute per speaker
    utterances: list[dict[str, Any]]  # per utterance: pace_cpm, loudness_db
    observations: list[Observation]
    config: dict[str, Any] = field(default_factory=dict)
    speech: list[list[float]] = field(default_factory=list)
    """Mono: the voice activity detector's speech ``[start, end]`` that talk time is
    measured on (kept so that a speaker swap measures it again without the audio)."""
    no_pause: list[int] = field(default_factory=list)
    """Mono: the utterances ``i`` after which the next one follows with no pause in the
    voice (:func:`pauseless_changes`; kept for a speaker swap, like ``speech``)."""
    speech_pad_s: float = 0.0
    """Mono: the margin the detector put on each side of its ``speech`` (the transcriber's
    ``speech_pad_ms``; kept for a speaker swap, like ``speech``)."""
    voiced: list[list[Any]] = field(default_factory=list)
    """Mono: the speech no words were written for, as ``[start, end, speaker]`` by the
    speaker whose voice it is (:func:`analyzer.diarize.wordless_voices`): talk time, not
    silence (kept for a speaker swap, like ``speech``)."""
    background: list[int] = field(default_factory=list)
    """Stereo: the utterances heard as a voice behind a side's speaker (a television, a
    colleague at the next desk), not that side talking (:func:`voices_behind`):
    left out of talk time, interruptions, pace and loudness."""

    @property
    def agent_interruptions(self) -> list[Interruption]:
        return [i for i in self.interruptions if i.by == "agent"]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["agent_interruptions"] = len(self.agent_interruptions)
        d["customer_interruptions"] = len(self.interruptions) - d["agent_interruptions"]
        return d


# -- speech ranges -------------------------------------------------------------------------

def voice_activity(audio: np.ndarray, speaker: str, *, merge_gap_s: float = 0.65,
                   min_burst_s: float = 0.1, other: np.ndarray | None = None,
                   power: np.ndarray | None = None, other_power: np.ndarray | None = None,
                   ) -> list[SpeechRange]:
    """The speech of one speaker's own channel (16 kHz) as ranges, from how far each 20 ms
    frame's spectrum stands above the channel's noise
    (:func:`analyzer.vad.speech_likelihood`): a range holds frames whose likelihood,
    averaged over 0.3 s, reaches ``_CORE_TIMES`` the channel's quiet level (its 30th
    percentile of that average, at most ``_QUIET_MAX``; the threshold at least
    ``_CORE_MIN``), and reaches out to its edges while the 60 ms average stays at
    ``_EDGE_TIMES`` that level; frames more than 35 dB below the channel's loud speech (its
    95th percentile) never make a range. Pauses shorter than
    ``merge_gap_s`` (the pipeline gives the phrasebank's ``turn_pause_s``) stay inside a
    range (a comma's pause is part of a turn: cut there, "喂, | 您好…" looked like a 0.4 s
    back-channel and the rest like a late start), bursts
    shorter than ``min_burst_s`` are dropped. ``other``: the call's other channel; where
    this one holds only its voice leaking in (:func:`analyzer.vad.crosstalk`), it is no
    speech here. Without that, the other side's voice 40 dB down in a line's silence read
    as this side talking over it: on the v2 calls with such echo, customer talk time
    doubled and 2-4 interruptions a call were listed that never were. ``power`` and
    ``other_power``: the two channels' :func:`analyzer.vad.band_power`, where the caller
    has them (a call's two channels are each one side's own and the other's "other":
    computed once, the voice activity of a 10-minute call took 0.76 s instead of 1.13 s, of
    the 11 v2 calls 0.62 s instead of 0.84 s).

    Not the recogniser's VAD: Silero drops a short word followed by a pause ("好好,…",
    "喂,…"), which is exactly how an agent cuts in; on the v2 telephone recordings its
    ranges started 0.7-1.0 s late there and the interruptions went unseen. Not the frames'
    loudness either (the detector before this one: 10 dB above the channel's 10th
    percentile): babble and pink noise at 10 dB SNR have peaks that loud and hide the
    weak ends of words; on the 4 noisy v2 calls its talk time was off by a mean 9.7% and
    up to 27.9% per speaker, this one's by 5.2% and at most 11.7% (clean calls: 2.3%
    and 3.8% before, 0.6% and 1.1% now).
    """
    power = band_power(audio) if power is None else power
    likelihood = speech_likelihood(power)
    if likelihood.size == 0:
        return []
    leak = crosstalk(power, other, other_power=other_power)[: likelihood.size] \
        if other is not None else np.zeros(likelihood.size, dtype=bool)
    # the channel's quiet level over the steps that are not the other side's voice leaking
    # in: that is neither speech here nor the noise (counted as silence, it lowered the
    # level and let babble in: harder noisy copy of v2di05, customer talk 2.6% -> 17.9%
    # over; counted as it sounds, echo 25 dB down raised it)
    smooth = _moving_mean(likelihood, _CORE_FRAMES)
    quiet = min(float(np.percentile(smooth[~leak] if (~leak).any() else smooth, 30)),
                _QUIET_MAX)
    if leak.any():
        likelihood = np.where(leak, 0.0, likelihood)
        smooth = _moving_mean(likelihood, _CORE_FRAMES)
    high = max(_CORE_MIN, _CORE_TIMES * quiet)
    low = max(_CORE_MIN * 0.3, _EDGE_TIMES * quiet)
    level = 10 * np.log10(power.sum(axis=1))
    audible = level >= np.percentile(level, 95) - 35
    edge = _moving_mean(likelihood, _EDGE_FRAMES) >= low
    is_core = (smooth >= high) & audible
    spans = []
    trim = _EDGE_FRAMES // 2  # the edge average reaches that far past the speech
    for a, b in runs(edge):
        if b - a > 2 * trim and is_core[a:b].any():
            spans.append(((a + trim) * STEP_S + STEP_START_S,
                          (b - trim) * STEP_S + STEP_START_S))
    return [SpeechRange(speaker, round(s, 2), round(e, 2))
            for s, e in _merge(spans, gap=merge_gap_s) if e - s >= min_burst_s]


_CORE_FRAMES, _EDGE_FRAMES = 15, 3  # 0.3 s and 60 ms of 20 ms steps
_CORE_TIMES, _EDGE_TIMES, _CORE_MIN = 4.0, 1.2, 3.0
# the quiet level's ceiling: the 30th percentile is the noise's only while the speaker is
# silent for 30% of the channel; one that talks more (a monologue; wenet-long, 80%) put it
# inside the speech, ~1000, and lost its soft words (4.8 s of 6.4 s found). The v2 noisy
# calls' quiet levels are 0.9-1.2, noisier copies' of v2di01/03/05 (bench/noisy_calls.py)
# 1.4-2.3.
_QUIET_MAX = 3.0


def _moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    return np.convolve(x, np.ones(width) / width, mode="same") if width > 1 else x


def utterance_ranges(utterances: Sequence[Any]) -> list[SpeechRange]:
    """The speech of a mono recording as ranges: each utterance's own time, by its speaker
    (in one channel an overlap of two voices is not seen)."""
    return [SpeechRange(u.speaker, float(u.start or 0.0), float(u.end or 0.0))
            for u in utterances]


WORDS_REACH_S = 0.6  # the detector's speech this near an utterance is its speaker's


def speech_ranges(speech: Sequence[Sequence[float]], utterances: Sequence[Any], *,
                  reach_s: float = WORDS_REACH_S) -> list[SpeechRange]:
    """The speech of a mono recording as ranges: the voice activity detector's speech
    (``speech``: ``[start, end]`` seconds), each stretch given to the speaker of the
    utterance it lies in, else of the nearest utterance within ``reach_s``; further from
    any words it is left out (a door, a chair: on v2dd04 and v2dd07 the detector's "speech"
    inside the long silences hid them; :func:`wordless_speech` lists what is left out, and
    :func:`analyse_call`'s ``voiced`` gives back what of it is a voice). Utterances are the
    words' times, tighter than the voice; and speech the recogniser wrote no words for
    (the end of a turn the other voice cut into) is still someone's talk. Measured on the 7
    v2 mono recordings against their timelines, mean talk time error agent 11.6% -> 10.3%,
    customer 24.6% -> 18.3% (utterance times alone: :func:`utterance_ranges`)."""
    spans = sorted((float(u.start or 0.0), float(u.end or 0.0), u.speaker)
                   for u in utterances)
    out: list[SpeechRange] = []
    for a, b in speech:
        near = [x for x in spans if x[1] > a - reach_s and x[0] < b + reach_s]
        cuts = {a, b}
        for (_, e1, _), (s2, _, _) in zip(near, near[1:], strict=False):
            cuts.add(min(max((e1 + s2) / 2, a), b))
        for s0, e0, _ in near:
            cuts.update(min(max(t, a), b) for t in (s0, e0, s0 - reach_s, e0 + reach_s))
        edges = sorted(cuts)
        for lo, hi in zip(edges, edges[1:], strict=False):
            if hi - lo <= 1e-6:
                continue
            mid = (lo + hi) / 2
            inside = [x for x in near if x[0] <= mid <= x[1]]
            if inside:
                who = inside[0][2]
            else:
                dist, who = min(((max(x[0] - mid, mid - x[1]), x[2]) for x in near),
                                default=(reach_s + 1.0, "unknown"))
                if dist > reach_s:
                    continue
            if out and out[-1].speaker == who and abs(out[-1].end - lo) < 1e-6:
                out[-1] = SpeechRange(who, out[-1].start, hi)
            else:
                out.append(SpeechRange(who, lo, hi))
    return out


def edge_stretches_by_level(ranges: Sequence[SpeechRange], speech: Sequence[Sequence[float]],
                            turns: Sequence[Any], audio: np.ndarray, *, min_gap_db: float,
                            min_off_db: float, max_s: float, reach_s: float,
                            ) -> list[SpeechRange]:
    """Mono, a badge recorder: ``ranges`` (:func:`speech_ranges`) with each short stretch of
    the detector's ``speech`` (at most ``max_s``, between pauses) that sits at a change of
    speaker, given to the nearer (louder) voice by the words around it, counted as the
    farther voice's talk where its level says so: the two speakers' median active levels
    (their ``turns`` of at least 1 s) lie ``min_gap_db`` or more apart, the stretch lies
    ``min_off_db`` or more under the louder's and nearer the quieter's, and the quieter
    speaks within ``reach_s`` on one side of it and the louder on the other. The
    recogniser writes the first syllable of an answer after a pause into the utterance
    before it (noisy v2dd03 at 52.8 s: the customer's 哦 written as the agent's 我, the
    stretch -23.2 dB, the agent's median -17.7, the customer's -21.2; a piece of one
    syllable is too short for :func:`analyzer.utterances.pieces_by_level` to move its words).
    Only the talk moves: the words stay where the speaker attribution put them. Measured
    with ``bench/analytics_bench.py``: noisy v2dd03's customer 11.5% -> 8.6% short (its
    agent 2.7% -> 1.6% over), the other 10 v2 badge recordings' figures unchanged, and the 16
    synthesised visits of ``bench/synth_badge_visits.py --overlaps --seed 50`` (clean and
    noisy, made after this was written) unchanged in every figure. A syllable the nearer
    speaker says 4 dB or more under their own median after a pause would be moved too:
    a level of under 1.5 s is a weak voice print, which is why only a change of speaker is
    looked at."""
    medians = speaker_levels(audio, [(float(t.start), float(t.end)) for t in turns],
                             [t.speaker for t in turns], min_gap_db)
    if medians is None:
        return list(ranges)
    louder = max(medians, key=lambda sp: medians[sp])
    quieter = "customer" if louder == "agent" else "agent"
    out = list(ranges)
    for a, b in speech:
        a, b = float(a), float(b)
        if b - a > max_s:
            continue
        inside = [r for r in out if r.end > a and r.start < b]
        if not inside or any(r.speaker != louder for r in inside):
            continue
        around = [r for r in out if not (r.end > a and r.start < b)]
        before = {r.speaker for r in around if a - reach_s <= r.end <= a}
        after = {r.speaker for r in around if b <= r.start <= b + reach_s}
        if not ((louder in before and quieter in after) or
                (quieter in before and louder in after)):
            continue
        level = active_level_db(audio, a, b)
        if level is None or medians[louder] - level < min_off_db or \
                abs(level - medians[quieter]) >= abs(level - medians[louder]):
            continue
        moved = []
        for r in out:
            if r.end <= a or r.start >= b:
                moved.append(r)
                continue
            moved.extend(x for x in (SpeechRange(r.speaker, r.start, a),
                                     SpeechRange(quieter, max(r.start, a), min(r.end, b)),
                                     SpeechRange(r.speaker, b, r.end)) if x.end - x.start > 1e-6)
        out = sorted(moved, key=lambda r: r.start)
    return out


def wordless_speech(speech: Sequence[Sequence[float]], utterances: Sequence[Any], *,
                    reach_s: float = WORDS_REACH_S) -> list[tuple[float, float]]:
    """Mono: the parts of the detector's ``speech`` that :func:`speech_ranges` leaves out,
    farther than ``reach_s`` from every utterance: speech the recogniser wrote no words
    for, or a sound that is not speech. Whose voice it is, if anyone's, is
    :func:`analyzer.diarize.wordless_voices`' to say."""
    near = _merge([(float(u.start or 0.0) - reach_s, float(u.end or 0.0) + reach_s)
                   for u in utterances])
    return [(round(a, 2), round(b, 2)) for a, b in
            _minus([(float(a), float(b)) for a, b in speech], near) if b - a > 1e-6]


def _minus(spans: Sequence[tuple[float, float]], cut: Sequence[tuple[float, float]],
           ) -> list[tuple[float, float]]:
    """``spans`` less every part of them that lies in ``cut``."""
    out = []
    for a, b in spans:
        pieces = [(a, b)]
        for c, d in cut:
            left = []
            for s, e in pieces:
                if d <= s or c >= e:  # the cut misses this piece
                    left.append((s, e))
                    continue
                left.extend(x for x in ((s, c), (d, e)) if x[1] > x[0])
            pieces = left
        out.extend(pieces)
    return out


def speech_less_pauses(speech: Sequence[Sequence[float]],
                       pauses: Sequence[tuple[float, float]],
                       utterances: Sequence[Any]) -> list[tuple[float, float]]:
    """Mono: the voice activity detector's ``speech`` (``[start, end]`` seconds) less the
    pauses of the voice (``pauses``: :func:`analyzer.vad.pauses`) that lie inside one of
    its stretches where one speaker's words end and the other's begin. The detector keeps
    a stretch whole over a pause shorter than its ``min_silence_ms``, which is how turns
    meet (the v2 corpus puts 0.25-2.3 s between them); each such pause went to the
    utterance nearest it (:func:`speech_ranges`) and was someone's talk. A pause between
    two utterances of one speaker stays their talk, as a comma's pause is in a stereo
    call's voice activity and in the corpus's timelines: of the pauses cut anywhere between
    words on the 7 v2 badge recordings, those inside one speaker's turn were all talk by
    the timelines (3.3 s of 3.3 s), those at a change of speaker mostly not (1.2 s of
    5.3 s). Only inside a stretch: at its ends the detector's padding holds the soft ends
    of words (trimming it made the v2 dialogues' talk 8.5% short). The speech of both
    speakers together against the timelines, off on average: on the 11 v2 badge recordings
    (clean and noisy) 5.2% before, 3.3% now; on 45 synthesised visits (``bench/
    synth_badge_visits.py --overlaps --voices corpus``, seeds 7, 8 and 10, clean and noisy;
    nothing here was set on them) 4.8% and 4.1%; on the 7 stereo calls mixed into one
    channel (``bench/analytics_bench.py --mixdown``) 2.7% and 3.3%, the one check it does
    not help. Per speaker on the badge recordings, v2dd04's customer went from 10.6% to
    5.6% over; where the customer's speech is not in the customer's words (嗯 said under
    the agent, words written into the agent's utterance) the customer's talk, short
    already, is shorter (v2di02 8.9% -> 10.5% short)."""
    order = sorted(utterances, key=lambda u: float(u.start))
    changes = [(float(u.end), float(v.start)) for u, v in zip(order, order[1:], strict=False)
               if u.speaker != v.speaker and float(v.start) > float(u.end)]
    out: list[tuple[float, float]] = []
    for a, b in speech:
        a, b = float(a), float(b)
        holes = [(max(p, lo), min(q, hi)) for p, q in pauses if a < p and q < b
                 for lo, hi in changes if min(q, hi) > max(p, lo)]
        out.extend(_minus([(a, b)], holes))
    return out


# an utterance is the voice behind when this share of its words' time is: one the
# recogniser ran on from the voice behind into the speaker's own words (the echo of the
# customer into the agent's "晚上看更是…延迟好几百 | 您家…", v2di03 with echo 30 dB down) is
# the speaker's, whose cutting in is a 9.12 (at half, 3 of the call's 3 went unflagged)
_BEHIND_SHARE = 0.8


@dataclass(frozen=True)
class Side:
    """One side of a stereo call as :func:`near_words` judges its voice activity."""

    own_words: list[tuple[float, float]]  # the times of the words of the side's speaker
    floor_db: float  # a voice at or under this level (dBFS) is behind the speaker
    heard_behind: bool  # words of a voice behind the speaker were written as the side's


def voices_behind(utterances: Sequence[Any], levels: Sequence[float | None],
                  word_levels: Sequence[Sequence[tuple[float, float, float | None]]] | None,
                  below_db: float, min_s: float = 1.0, min_utterances: int = 3,
                  ) -> tuple[list[bool], dict[str, Side]]:
    """Stereo: what each side's line carries of a voice behind its speaker, written down
    by the recogniser as that side: a television, someone else in the room, a colleague at
    the next desk. Each side's own speaker is the loudest voice at its microphone; a word
    whose active level lies ``below_db`` or more under the side's own level (the 75th
    percentile of its utterances' ``levels``, dBFS: one raised turn does not move it) is
    the voice behind. ``word_levels``: per utterance, its words' ``(start, end, level)``
    (None: each utterance is one word).

    Returns which utterances are the voice behind (nearly all their words' time, and
    ``min_s`` or longer: a word or two of the side's own timed onto the line's silence
    measures as low), and for each side the times of its own words and the level under
    which a voice is behind it (what :func:`near_words` judges its speech by). A side with
    fewer than ``min_utterances`` levels, or ``below_db`` 0, has neither.
    ``Side.heard_behind``: the side's words under its floor add up to ``min_s`` or more.

    On the 7 v2 calls with a real voice 20 dB under the customer in the customer's channel
    (``bench/noisy_calls.py --tv -20``) the recogniser wrote that voice's words as 15 of the
    customer's utterances, 20-35 dB under the customer's own, and into two more of the
    customer's own; the customer's utterances on the v2 calls, clean and noisy, lie within
    10 dB of that level, save three words of 0.14-0.2 s timed onto the line's silence."""
    behind = [False] * len(utterances)
    own_words: dict[str, Side] = {}
    if below_db <= 0:
        return behind, own_words
    spans = word_levels if word_levels is not None else \
        [[(float(u.start), float(u.end), lvl)] for u, lvl in zip(utterances, levels, strict=True)]
    for speaker in sorted({u.speaker for u in utterances}):
        mine = [i for i, u in enumerate(utterances) if u.speaker == speaker]
        measured = [float(lvl) for i in mine if (lvl := levels[i]) is not None]
        if len(measured) < min_utterances:
            continue
        floor = float(np.percentile(measured, 75)) - below_db
        own: list[tuple[float, float]] = []
        heard = 0.0
        for i in mine:
            low = sum(e - s for s, e, lvl in spans[i] if lvl is not None and lvl <= floor)
            said = sum(e - s for s, e, _ in spans[i])
            u = utterances[i]
            behind[i] = u.end - u.start >= min_s and said > 0 and low >= _BEHIND_SHARE * said
            heard += low
            own.extend((s, e) for s, e, lvl in spans[i] if lvl is None or lvl > floor)
        own_words[speaker] = Side(own, floor, heard >= min_s)
    return behind, own_words


def near_words(ranges: Sequence[SpeechRange], sides: dict[str, Side], reach_s: float,
               wordless_max_s: float,
               level_of: Callable[[str, float, float], float | None]) -> list[SpeechRange]:
    """Stereo: each side's voice activity (``ranges``) where it is that side talking
    (``sides``: :func:`voices_behind`). A stretch farther than ``reach_s`` from every word
    of the side's own speaker, lasting ``wordless_max_s`` or more and no louder than the
    side's floor (``level_of(speaker, start, end)``: its active level, dBFS), is the voice
    behind the speaker and left out. Where a side has such a voice (its words written as
    the side's, or such a stretch), it goes on between the speaker's words too: there a
    stretch farther than ``reach_s`` from them is left out when it is no louder than the
    floor, however short (within 0.1 s of the words instead, the speaker's own soft word
    ends went too: on the v2 calls with echo 30 dB down, whose words the recogniser also
    wrote, talk time up to 12.3% short instead of 7.2%). Elsewhere what is near the words,
    short, or as loud as the speaker stays: a 嗯 not written down, a turn's soft end, the
    speaker's words the recogniser missed under noise (on harder noisy copies of
    v2di01/03/05, bench/noisy_calls.py, leaving out every long stretch without words made
    talk time up to 28% short instead of 8% and lost one of the agent's interruptions).
    The television of bench/noisy_calls.py --tv -20 was written down as words on 6 of the
    7 calls; on the seventh none, and its voice went on under the whole call. In a mono
    recording :func:`speech_ranges` keeps only speech near words."""

    def loud(speaker: str, a: float, b: float) -> bool:
        level = level_of(speaker, a, b)
        return level is None or level > sides[speaker].floor_db

    windows = {sp: _merge([(s - reach_s, e + reach_s) for s, e in side.own_words])
               for sp, side in sides.items()}

    def pieces(r: SpeechRange) -> list[tuple[float, float, bool]]:
        """``r`` cut into stretches near the speaker's words and the rest."""
        out, cursor = [], r.start
        for a, b in windows[r.speaker]:
            if b <= cursor or a >= r.end:
                continue
            if a > cursor:
                out.append((cursor, a, False))
            out.append((max(cursor, a), min(b, r.end), True))
            cursor = min(b, r.end)
        if r.end > cursor:
            out.append((cursor, r.end, False))
        return out

    behind = {sp for sp, side in sides.items() if side.heard_behind}
    for r in ranges:
        if r.speaker in sides and r.speaker not in behind and any(
                not near_word and b - a >= wordless_max_s and not loud(r.speaker, a, b)
                for a, b, near_word in pieces(r)):
            behind.add(r.speaker)
    out: list[SpeechRange] = []
    for r in ranges:
        if r.speaker not in sides:
            out.append(r)
            continue
        kept = [(a, b) for a, b, near_word in pieces(r)
                if near_word or (b - a < wordless_max_s and r.speaker not in behind) or
                loud(r.speaker, a, b)]
        out.extend(SpeechRange(r.speaker, round(a, 2), round(b, 2))
                   for a, b in _merge(kept) if b - a > 1e-6)
    return out


def words_in_gaps(ranges: Sequence[SpeechRange],
                  words: Mapping[str, Sequence[tuple[float, float]]],
                  max_gap_s: float, pause_s: float = 0.0) -> list[SpeechRange]:
    """Stereo: the talk a side's voice activity (``ranges``) left out inside its turns: the
    times of its speaker's words (``words``: ``(start, end)`` by speaker, the voice behind
    left out: :func:`voices_behind`) where they lie in a gap shorter than ``max_gap_s``
    between two of its stretches (0: none). Talk time counts them; interruptions are read
    from the voice activity alone (a piece of a turn is not a turn's start: that is
    :func:`_turn_in_pieces`'s to judge). Under babble and pink noise at 10 dB SNR a
    turn's softer clause stands too little above the noise for the detector and the turn
    falls apart, while the recogniser still writes its words (noisy v2dd05's
    "…登记的信息有误": 1.4 s of the agent's turn left out; on the 4 noisy v2 calls the
    talk time was up to 11.8% short, 5.7% of it inside turns). Only between two stretches,
    never at a stretch's outer edge, and not in longer gaps: there the recogniser's
    first word of a turn, timed up to 1.9 s early in babble, would fill the pause before
    it (on noisier copies of v2di01/03/05, ``bench/noisy_calls.py``, a 2 s limit made one
    side's talk 16% long and a customer interruption that was not).

    ``pause_s``: where words were heard in a gap, the speaker was still in their turn, and
    its pauses shorter than this, between those words and between them and the stretches
    on either side, are its talk too (a comma's pause: the timelines count it; the voice
    activity bridges the same pauses, :func:`voice_activity`'s ``merge_gap_s``, where it
    hears the voice). Noisy v2dd02's customer, 7.7%
    short without, 2.7% with; bridging such pauses in every gap instead, not only in those
    the words show a turn going on, put the agents of clean calls 2-3% over."""
    if max_gap_s <= 0:
        return []
    out: list[SpeechRange] = []
    for speaker, spans in words.items():
        own = _merge([(r.start, r.end) for r in ranges if r.speaker == speaker])
        heard = _merge(spans)
        for (_, a), (b, _) in zip(own, own[1:], strict=False):
            if b - a >= max_gap_s:
                continue
            pieces = [(max(a, s), min(b, e)) for s, e in heard if min(b, e) > max(a, s)]
            if pieces and pause_s > 0:
                # the turn's pauses: to the stretch before, between the words, to the next
                pieces = _merge([(a, a), *pieces, (b, b)], gap=pause_s)
            out.extend(SpeechRange(speaker, round(s, 2), round(e, 2)) for s, e in pieces
                       if e > s)
    return sorted(out, key=lambda r: (r.start, r.end))


def pauseless_changes(utterances: Sequence[Any], scores: np.ndarray, threshold: float,
                      frame_s: float, max_gap_s: float, *, margin_s: float = 0.2) -> list[int]:
    """Mono: the utterances ``i`` that the next one follows within ``max_gap_s`` while the
    voice never pauses: the speech detector's ``scores`` (one per ``frame_s``) stay at or
    above the channel's ``threshold`` from ``margin_s`` before the first of the two times to
    ``margin_s`` after the other. Where the turn passed without overlap on the 7 v2 badge
    recordings, the scores fell below the threshold (mostly for 0.35-0.75 s); at 5 of the 6
    places the agent cut in, they stayed above the threshold through the change as the
    utterances were cut (at the sixth, v2di02, the customer's last words were never
    written and a pause inside the customer's turn came just before the agent's utterance,
    which the recogniser began on them: it meets the customer's once its start is moved
    to the step up in level, :func:`analyzer.utterances.onsets_at_level_steps`). Speakers
    are not looked at: :func:`analyse_call` does."""
    out = []
    for i, (a, b) in enumerate(zip(utterances, utterances[1:], strict=False)):
        if b.start - a.end > max_gap_s:
            continue
        lo = max(0, int((min(a.end, b.start) - margin_s) / frame_s))
        hi = int((max(a.end, b.start) + margin_s) / frame_s) + 1
        window = scores[lo:hi]
        if window.size and float(window.min()) >= threshold:
            out.append(i)
    return out


def _takeovers(utterances: Sequence[Any], no_pause: Sequence[int],
               speech: dict[str, list[tuple[float, float]]],
               cfg: CallAnalyticsConfig, pad_s: float = 0.0) -> list[Interruption]:
    """The changes of speaker among ``no_pause`` (:func:`pauseless_changes`) that are
    interruptions, the agent's and the customer's: the turn cut into at least
    ``min_interrupted_s``, the turn that cuts in at least ``backchannel_max_s``
    (``speech``: each speaker's merged speech ranges, padded by ``pad_s`` on each side).
    The words decide what is short: speech under ``backchannel_max_s`` that cuts in is a
    back-channel only when it says nothing but back-channel words, and a turn cut into
    after half ``min_interrupted_s`` is one when it has words of its own."""
    found = []
    for i in no_pause:
        if i + 1 >= len(utterances):
            continue
        a, b = utterances[i], utterances[i + 1]
        if {a.speaker, b.speaker} != {"customer", "agent"}:
            continue
        # each side's speech is its turn: its run of utterances before or from the change
        # (an utterance cut where the voice changed is a part of one), the last one
        # reaching to the end of its speaker's voice (``speech``: the detector's goes on
        # where the recogniser wrote no more words: v2di04's 打搅您了, 再见)
        first = i
        while first > 0 and utterances[first - 1].speaker == a.speaker:
            first -= 1
        last = _run_last(utterances, i + 1)
        end = utterances[last].end
        # (less the detector's padding: with it, v2dd03's 好的,好的, 0.87 s of words said
        # as the agent finished, measured 1.02 s and was listed as the customer cutting in)
        end = max([end, *(e - pad_s for s, e in speech[b.speaker] if s - 0.05 <= end <= e)])
        # the turn cut into: at least min_interrupted_s written before the change, or, in
        # words of its own (not 嗯/好的), at least half that: its rest is under the other
        # voice (v2 mono synthesised visits, seed 9: the customer's 那你也, 0.93 s written
        # of a turn of 2.4 s, the agent cutting in with 得赶快去吧)
        cut_into = a.end - utterances[first].start
        if cut_into < cfg.min_interrupted_s and (
                cut_into < cfg.min_interrupted_s / 2 or
                _backchannel("".join(u.text for u in utterances[first:i + 1]),
                             cfg.backchannel_words)):
            continue
        if end - b.start < cfg.backchannel_max_s and \
                _backchannel("".join(u.text for u in utterances[i + 1:last + 1]),
                             cfg.backchannel_words):
            continue
        found.append(Interruption(by=b.speaker, at=b.start, overlap_s=None, cut_off_start=a.start,
                                  interrupting=i + 1, interrupted=i, evidence="no_pause"))
    return found


def _run_last(utterances: Sequence[Any], i: int) -> int:
    """The last of the run of utterances of ``utterances[i]``'s speaker from ``i`` on (a turn
    the recogniser wrote in several utterances)."""
    last = i
    while last + 1 < len(utterances) and utterances[last + 1].speaker == utterances[i].speaker:
        last += 1
    return last


def _backchannel(text: str, words: Sequence[str]) -> bool:
    """Whether ``text``, said under ``backchannel_max_s``, is a back-channel: nothing but
    ``words`` (嗯, 对, 好的, in any number), or no words at all; any short speech when
    ``words`` is empty. v2 mono synthesised visits (seed 7): the agent's 先看看就 (0.98 s, the
    timeline's turn 1.03 s) cut into the customer's 那你也得打个电话 and was taken for a
    back-channel by its length.

    The words are compared by sound (:func:`_backchannel_sounds`): the recogniser mishears a
    short answer under the other voice, and the words of its mishearing are no turn (v2dd03:
    the customer's 好的好的 over the agent's last words written 好个好根, and listed as the
    customer cutting in)."""
    said = spoken_text(text)
    if not words or not said:
        return True
    return _backchannel_sounds(tuple(words)).fullmatch(_PHONETIC.encode(said)) is not None


_PHONETIC = PhoneticEncoder()


@functools.lru_cache(maxsize=8)
def _backchannel_sounds(words: tuple[str, ...]) -> re.Pattern[str]:
    """The back-channel ``words`` as a pattern of sounds (:class:`PhoneticEncoder` tokens):
    a run of them whose first syllable is heard as said (its initial and final, the fuzzy
    pairs of Mandarin alike) and whose other syllables keep their final, whatever their
    initial: 好个好根 is 好的 好 嗯 by sound (个 for 的, 根 for 嗯), while a short turn of its
    own (不是, 等一下, 先看看就, 那你也) begins with a syllable no back-channel begins with.
    A back-channel word after the first counts with any initial (对,不是 reads as 对 唔 是:
    one syllable in a back-channel's place is all it takes)."""
    def loose(code: str) -> str:
        return "".join(ANY_INITIAL + re.escape(code[k + 1]) for k in range(0, len(code), 2))

    codes = sorted({_PHONETIC.encode(w) for w in words if w}, key=len, reverse=True)
    head = "|".join(re.escape(c[:2]) + loose(c[2:]) for c in codes)
    rest = "|".join(loose(c) for c in codes)
    return re.compile(f"(?:{head})(?:{rest})*")


def _merge(ranges: Sequence[tuple[float, float]], gap: float = 0.0,
           ) -> list[tuple[float, float]]:
    """Ranges joined where they overlap or are less than ``gap`` apart."""
    out: list[list[float]] = []
    for s, e in sorted(ranges):
        if out and (s <= out[-1][1] or s - out[-1][1] < gap):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _overlap(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> float:
    """Seconds covered by both of two sets of merged ranges."""
    i = j = 0
    total = 0.0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if e > s:
            total += e - s
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


# -- the figures ---------------------------------------------------------------------------

def _at(utterances: Sequence[Any], speaker: str, t: float, slack: float = 0.6) -> int | None:
    """The utterance of ``speaker`` under time ``t`` (or the nearest within ``slack``)."""
    best, best_d = None, slack
    for i, u in enumerate(utterances):
        if u.speaker != speaker:
            continue
        d = 0.0 if u.start <= t <= u.end else min(abs(u.start - t), abs(u.end - t))
        if d < best_d or (best is None and d <= best_d):
            best, best_d = i, d
    return best


def _interruptions(ranges: Sequence[SpeechRange], cfg: CallAnalyticsConfig,
                   utterances: Sequence[Any]) -> tuple[list[Interruption], int]:
    """Interruptions both ways, and the number of back-channels."""
    found: list[Interruption] = []
    backchannels = 0
    by_speaker = {sp: [r for r in ranges if r.speaker == sp] for sp in ("agent", "customer")}
    for who, other in (("agent", "customer"), ("customer", "agent")):
        for r in by_speaker[who]:
            # the other's speech going on when r starts
            under = [o for o in by_speaker[other] if o.start < r.start < o.end]
            if not under:
                continue
            o = max(under, key=lambda x: x.end)
            overlap = min(o.end, r.end) - r.start
            if overlap < cfg.min_overlap_s:
                continue
            piece_of = None
            if r.length < cfg.backchannel_max_s:
                piece_of = _turn_in_pieces(r, by_speaker[who], utterances, cfg)
                if piece_of is None:
                    if who == "customer":
                        backchannels += 1
                    continue
            if o.length < cfg.min_interrupted_s:
                continue
            interrupting = piece_of if piece_of is not None else \
                _at(utterances, who, r.start + min(0.3, r.length / 2))
            if interrupting is not None and any(
                    f.by == who and f.interrupting == interrupting for f in found):
                continue  # a later piece of a turn already counted
            found.append(Interruption(
                by=who, at=r.start, overlap_s=round(overlap, 2), cut_off_start=o.start,
                interrupting=interrupting, interrupted=_at(utterances, other, r.start)))
    found.sort(key=lambda i: i.at)
    # from the flag_from-th agent interruption of the call on, once their overlap adds up to
    # flag_from_overlap_s, each is a 9.12 flag (when the utterance that cut in is known: the
    # flag is put on it)
    agent = [i for i in found if i.by == "agent"]
    overlap_so_far = 0.0
    for n, intr in enumerate(agent, start=1):
        overlap_so_far += intr.overlap_s or 0.0
        intr.flagged = n >= cfg.flag_from and intr.interrupting is not None and \
            overlap_so_far >= cfg.flag_from_overlap_s - 1e-9
    return found, backchannels


def _turn_in_pieces(r: SpeechRange, own: Sequence[SpeechRange], utterances: Sequence[Any],
                    cfg: CallAnalyticsConfig) -> int | None:
    """The utterance that the short range ``r`` begins, when ``r`` is the first piece of a
    turn, not a back-channel: the same speaker speaks again within ``_PIECE_GAP_S``, the
    pieces together last at least ``backchannel_max_s``, and the utterance under ``r`` (or
    starting at most ``_PIECE_LAG_S`` after it: the recogniser starts late on soft words)
    has words of its own (not only 嗯/好的). The voice activity breaks a turn up where its
    words are soft under noise. Noisy copies of v2di01 (bench/noisy_calls.py): the agent's
    interruption at 48.2 s came as 0.54 s, 0.74 s and 1.4 s of speech 0.7 s apart, its
    utterance written from 48.84 s; the customer's at 42.5 s as 0.78 s (三点不行) and,
    0.68 s later, the rest of the turn; both were taken for back-channels."""
    after = [o for o in own if r.end < o.start <= r.end + _PIECE_GAP_S]
    if not after or after[0].end - r.start < cfg.backchannel_max_s:
        return None
    for i, u in enumerate(utterances):
        if u.speaker == r.speaker and r.start < u.end and u.start <= r.end + _PIECE_LAG_S:
            return None if _backchannel(u.text, cfg.backchannel_words) else i
    return None


_PIECE_GAP_S = 1.0  # between pieces of one turn (the voice activity bridges 0.65 s itself)
_PIECE_LAG_S = 0.4


def _median(xs: Sequence[float]) -> float:
    return float(np.median(np.asarray(xs))) if xs else 0.0


def analyse_call(utterances: Sequence[Any], channel_of: Sequence[int],
                 ranges: Sequence[SpeechRange], channels: Sequence[np.ndarray],
                 duration: float, cfg: CallAnalyticsConfig, *, method: str,
                 speaker_confidence: str = "high",
                 levels: Sequence[float | None] | None = None,
                 speech: Sequence[Sequence[float]] = (),
                 no_pause: Sequence[int] = (), speech_pad_s: float = 0.0,
                 words: Sequence[Sequence[tuple[float, float]]] | None = None,
                 heard_under: Callable[[Sequence[tuple[float, float, str]]], list[float]]
                 | None = None,
                 voiced: Sequence[Sequence[Any]] = (),
                 ) -> CallAnalytics:
    """The analytics of one recording.

    ``utterances`` have ``start``, ``end``, ``speaker`` and ``text`` (the conversation's
    turns), ``channel_of[i]`` is the channel utterance ``i`` was heard on; ``ranges`` are
    the speech of each speaker (see :func:`voice_activity`; for a mono
    recording, the utterances' own times); ``channels`` the decoded audio. ``levels``: the
    utterances' loudness already measured (a stored result's ``utterances[i].loudness_db``,
    when its speakers are corrected without the audio), instead of measuring ``channels``.
    ``speech``: what ``ranges`` were made of, for a mono recording (kept in the result); the
    long silences then lie between the utterances, not between the detector's speech, which
    is padded (v2dd04's and v2dd07's silences of 3.2 s measured 2.99 s between it).
    ``no_pause``: for a mono recording, :func:`pauseless_changes` of its utterances;
    ``speech_pad_s``: the margin on each side of ``speech``. ``words``: each utterance's
    words' ``(start, end)`` (a stereo call's voice behind a side is found word by word,
    :func:`voices_behind`; without them, utterance by utterance). ``heard_under``: for a
    mono recording, given each change of speaker without a pause as ``(at, end of the turn
    that cut in, who cut in)``, how long the voice cut into went on under it
    (:func:`analyzer.diarize.voice_under`): that time is its speaker's talk too.
    ``voiced``: for a mono recording, ``(start, end, speaker)`` of the speech no words were
    written for (:func:`wordless_speech`) that is a speaker's voice
    (:func:`analyzer.diarize.wordless_voices`): their talk, and no silence.
    """
    def level_at(ch: int | None, start: float, end: float) -> float | None:
        """The active level of channel ``ch`` from ``start`` to ``end`` (None: no audio)."""
        if ch is None or not channels:
            return None
        return active_level_db(channels[min(ch, len(channels) - 1)], start, end)

    if levels is None:
        levels = [level_at(ch, u.start, u.end)
                  for u, ch in zip(utterances, channel_of, strict=True)]
    background = [False] * len(utterances)
    in_gaps: list[SpeechRange] = []  # stereo: talk inside turns the voice activity lost
    if method == "channels":
        # a side's channel also carries what is said behind its speaker; its words were
        # written as theirs (bench/noisy_calls.py --tv -20 before this: the customer's talk
        # time 1.8-3.2 times the truth, 29 agent interruptions listed on 7 calls where 6
        # were, 14 false 9.12 flags)
        word_levels = None
        if words is not None and channels:
            word_levels = [[(s, e, level_at(ch, s, e)) for s, e in spans] or
                           [(float(u.start), float(u.end), lvl)]
                           for u, ch, spans, lvl in zip(utterances, channel_of, words, levels,
                                                        strict=True)]
        background, own_words = voices_behind(
            utterances, levels, word_levels, cfg.background_below_db, cfg.wordless_max_s,
            cfg.baseline_min_utterances)
        side_channel = {u.speaker: ch for u, ch in zip(utterances, channel_of, strict=True)}
        ranges = near_words(ranges, own_words, cfg.words_reach_s, cfg.wordless_max_s,
                            lambda sp, a, b: level_at(side_channel.get(sp), a, b))
        if words is not None:
            # each side's words that are its speaker's (all of them where too few
            # utterances gave the side a level to judge a voice behind by)
            heard = {sp: list(side.own_words) for sp, side in own_words.items()}
            for u, spans in zip(utterances, words, strict=True):
                if u.speaker not in own_words:
                    heard.setdefault(u.speaker, []).extend(spans)
            in_gaps = words_in_gaps(ranges, heard, cfg.words_fill_gap_s, cfg.turn_pause_s)
        # what the rest of the figures see: the voice behind as nobody's
        utterances = [SimpleNamespace(speaker="background", start=u.start, end=u.end,
                                      text=u.text) if behind else u
                      for u, behind in zip(utterances, background, strict=True)]
    speakers = ("agent", "customer", "unknown")
    voiced = [(float(a), float(b), str(sp)) for a, b, sp in voiced]
    ranges = [*ranges, *(SpeechRange(sp, a, b) for a, b, sp in voiced)]

    def merged_by_speaker() -> dict[str, list[tuple[float, float]]]:
        return {sp: _merge([(r.start, r.end) for r in (*ranges, *in_gaps) if r.speaker == sp])
                for sp in speakers}

    merged = merged_by_speaker()
    interruptions, backchannels = _interruptions(ranges, cfg, utterances)
    if no_pause:
        takeovers = _takeovers(utterances, no_pause, merged, cfg, speech_pad_s)
        looked = [(t, t.interrupting) for t in takeovers if t.interrupting is not None]
        if heard_under is not None and looked:
            # the rest of the turn cut into, said under the one that cut in (one channel
            # writes one voice: v2 badge recordings, the customer's talk 15-19% short)
            under = heard_under([(t.at, float(utterances[_run_last(utterances, k)].end), t.by)
                                 for t, k in looked])
            for (t, _), seconds in zip(looked, under, strict=True):
                t.heard_under_s = seconds
                if seconds > 0:
                    ranges = [*ranges, SpeechRange("customer" if t.by == "agent" else "agent",
                                                   t.at, round(t.at + seconds, 2))]
            merged = merged_by_speaker()
        interruptions = sorted(interruptions + takeovers, key=lambda i: i.at)
    talk = {sp: round(sum(e - s for s, e in merged[sp]), 2) for sp in speakers}
    everyone = _merge([(r.start, r.end) for r in (*ranges, *in_gaps)])
    total_talk = sum(e - s for s, e in everyone)
    share = {sp: round(talk[sp] / sum(talk.values()), 3) if sum(talk.values()) else 0.0
             for sp in speakers}
    overlap = _overlap(merged["agent"], merged["customer"])

    silences = []
    spoken = _merge([*((r.start, r.end) for r in utterance_ranges(utterances)),
                     *((a, b) for a, b, _ in voiced)]) if speech else everyone
    edges = [(0.0, 0.0), *spoken, (duration, duration)]
    for (_, prev_end), (next_start, _) in zip(edges, edges[1:], strict=False):
        gap = next_start - prev_end
        if gap >= cfg.long_silence_s and 0 < prev_end and next_start < duration:
            before = max((i for i, u in enumerate(utterances) if u.end <= prev_end + 0.3),
                         default=None)
            after = min((i for i, u in enumerate(utterances) if u.start >= next_start - 0.3),
                        default=None)
            silences.append(Silence(round(prev_end, 2), round(next_start, 2), round(gap, 2),
                                    before, after))
    silences.sort(key=lambda s: -s.seconds)

    per_utt: list[dict[str, Any]] = []
    chars_of = [spoken_chars(u.text) for u in utterances]
    chars_by: dict[str, int] = {}
    secs_by: dict[str, float] = {}
    for u, level, chars in zip(utterances, levels, chars_of, strict=True):
        seconds = max(u.end - u.start, 1e-3)
        per_utt.append({"pace_cpm": round(chars / seconds * 60, 1), "loudness_db": level})
        chars_by[u.speaker] = chars_by.get(u.speaker, 0) + chars
        secs_by[u.speaker] = secs_by.get(u.speaker, 0.0) + seconds
    pace = {sp: round(chars_by[sp] / secs_by[sp] * 60, 1) for sp in chars_by
            if secs_by[sp] and sp != "background"}

    observations: list[Observation] = []
    agent = [i for i, u in enumerate(utterances) if u.speaker == "agent"]
    agent_levels = [per_utt[i]["loudness_db"] for i in agent
                    if per_utt[i]["loudness_db"] is not None]
    if len(agent_levels) >= cfg.baseline_min_utterances:
        median = _median(agent_levels)
        for i in agent:
            lvl = per_utt[i]["loudness_db"]
            if lvl is not None and lvl - median >= cfg.raised_voice_db:
                rule = cfg.raised_voice
                observations.append(Observation("raised_voice", i, rule.ref, rule.name,
                                                round(lvl - median, 1), round(median, 1),
                                                rule.weight))
    timed = [i for i in agent if chars_of[i] >= cfg.rushing_min_chars]
    if len(timed) >= cfg.baseline_min_utterances:
        median = _median([per_utt[i]["pace_cpm"] for i in timed])
        for i in timed:
            ratio = per_utt[i]["pace_cpm"] / median if median else 0.0
            if ratio >= cfg.rushing_ratio:
                rule = cfg.rushing
                observations.append(Observation("rushing", i, rule.ref, rule.name,
                                                round(ratio, 2), round(median, 1), rule.weight))
    observations.sort(key=lambda o: (o.utterance, o.kind))

    # One channel gives each moment to one speaker: the time both spoke and the 嗯 said
    # under the other's words are not seen there, and a 0 would read as "none".
    one_channel = method != "channels"
    # the thresholds that made these figures, as JSON has them (a word list is a list)
    config = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
    return CallAnalytics(
        method=method, speaker_confidence=speaker_confidence,
        duration_s=round(duration, 2), talk_s=talk, talk_share=share,
        overlap_s=None if one_channel else round(overlap, 2),
        non_talk_s=round(max(0.0, duration - total_talk), 2),
        interruptions=interruptions, backchannels=None if one_channel else backchannels,
        long_silences=silences,
        pace_cpm=pace, utterances=per_utt, observations=observations,
        config=config, speech=[[round(float(a), 2), round(float(b), 2)] for a, b in speech],
        no_pause=list(no_pause), speech_pad_s=speech_pad_s,
        voiced=[[round(a, 2), round(b, 2), sp] for a, b, sp in voiced],
        background=[i for i, behind in enumerate(background) if behind])
