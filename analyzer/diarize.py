"""Who speaks in a mono recording: speaker embeddings, two clusters, the agent by evidence.

A field engineer's badge recorder has both voices in one channel. Each utterance's audio is
embedded by the speaker encoder (:class:`models.speaker.VoiceEncoder`); the utterances of
at least ``min_embed_s`` are clustered into two voices (k-means on the unit sphere,
weighted by duration, from several starts: the partition whose utterances lie nearest their
voice); shorter ones (嗯, 好的, 对) take the nearer voice with a lower confidence, since 1 s
says little about a voice. Where one voice is louder than the other (a badge recorder hears
its wearer louder), each utterance's own level leans it towards the voice it is as loud
as (``level_weight``). Which voice is the agent's is decided by evidence, in this order
of weight: the script lines each voice said (only an agent says 您好,我是…号服务人员 or
请问您对我们的服务是否满意), the nearer voice (a badge recorder is worn by the engineer:
the louder voice by ``nearer_voice_db``), who opened the visit, and who talked more (the
engineer explains, the customer answers). When the two voices are not told apart (their
centroids too alike: one speaker, or two alike), the utterances fall back to the words: a
script line is the agent's, anything else unknown.

An utterance that says a script line is the agent's whatever its voice (customers do not say
the service's lines). Every utterance gets ``speaker`` and ``speaker_confidence`` (0-1: how
far nearer its voice it is than the other, times how clear the evidence for the agent was).

In one channel the recogniser may write two turns as one utterance (the customer answers
within the pause that would have ended it). :func:`voice_changes` finds where, inside a long
utterance, 1.6 s windows of speech turn from one voice to the other, so that the pipeline
cuts it there and attributes each part. A turn's last or first second written into the
other speaker's utterance is too short for those windows: :func:`edge_changes` looks for it
with 1 s windows, against the two voices' own leaning in the same recording.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .audio import SAMPLE_RATE, active_level_db

__all__ = ["Attribution", "DiarizeOptions", "SpeakerTurn", "attribute_speakers",
           "OwnVoices", "edge_changes", "own_voices", "speaker_levels", "voice_changes",
           "voice_levels", "voice_under", "wordless_voices"]

log = logging.getLogger(__name__)

OwnVoices = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]
"""Each speaker's windows and their unit centre (:func:`own_voices`)."""


@dataclass(frozen=True)
class DiarizeOptions:
    """Options of mono speaker attribution (recorded in every result)."""

    min_embed_s: float = 1.0
    """Utterances at least this long form the voices; shorter ones only join one."""
    same_voice: float = 0.94
    """Centroids at least this similar (cosine) are one voice: fall back to the words. With
    the voices partitioned as :func:`_kmeans2` does, two voices' centroids lay 0.69-0.83
    apart in the v2 badge recordings, 0.84-0.91 in their noisy copies, 0.73-0.91 in the v2
    telephone calls mixed into one channel and 0.938 in v1's noisy dd02; one voice alone
    (each channel of those calls by itself) split 0.71-0.94. The two overlap. A voice
    wrongly merged loses every attribution (all "unknown"), one wrongly split only its
    stray utterances, and a service call nearly always holds two speakers, so the bar sits
    above the two voices seen. At 0.90 the mixed calls v2dd06 and v2di03 were one voice:
    speaker accuracy 0.21 and 0.41, against 0.97 and 1.0 here."""
    iterations: int = 10
    """k-means rounds."""
    seed_utterances: int = 8
    """k-means also starts from every pair of this many longest utterances and keeps the
    partition whose utterances lie nearest their voice (see :func:`_kmeans2`): 28 starts
    (under 0.1 s for a recording of an hour's utterances)."""
    split_min_s: float = 3.0
    """Utterances at least this long are looked into for a change of voice inside them."""
    pause_cut_s: float = 0.15
    """Utterances of at least ``split_min_s`` are first cut at each pause of the voice of at
    least this long inside them (pieces under ``min_embed_s`` stay with a neighbour), the
    pieces attributed, and neighbouring pieces of one speaker joined again (0: not cut;
    see :func:`analyzer.utterances.cut_at_pauses`). In noisy v2dd04 the pauses between
    the turns written as one utterance were 0.22-0.44 s long (the detector's), and the
    corpus puts 0.25-2.3 s between turns: the bar sits below both. On the 15 mono badge
    recordings, 0.15 and 0.25 gave the same speakers; on the telephone calls mixed into
    one channel they differed both ways (one clean call 1.000 against 0.963, one noisy
    call 0.782 against 0.897). The same pauses, where one speaker's words end and the
    other's begin inside the speech detector's stretches, are nobody's talk in the call
    analytics (:func:`analyzer.analytics.speech_less_pauses`)."""
    pause_word_slack_s: float = 0.2
    """A boundary between words lies in a pause of the voice when it is within this of
    the pause: the recogniser stretches the word after a pause back over it (noisy
    v2dd04: 这个 timed 21.36-22.04 s over the pause from 21.50 to 21.92 s, the boundary
    before it 0.14 s ahead of the pause)."""
    split_hop_frames: int = 40
    """Hop of the 1.6 s windows looked at inside an utterance (10 ms frames: 0.4 s)."""
    split_pause_reach_s: float = 0.8
    """A change of voice inside an utterance is cut at a boundary between words in a pause
    of the voice within this reach of it, before a nearer boundary outside a pause (half
    the encoder's 1.6 s window: see :func:`analyzer.utterances.cut_at_voice_changes`)."""
    split_min_windows: int = 2
    """Each voice must hold at least this many windows (1.6 s + a hop: 2.0 s of speech)."""
    split_margin: float = 0.05
    """Each voice's run of windows must be nearer it than the other by at least this much
    on average (cosine)."""
    edge_window_frames: int = 100
    """Windows (10 ms frames: 1.0 s) that look for a turn the recogniser wrote into the
    edge of another's utterance (:func:`edge_changes`): a second of the other voice, too
    short for the 1.6 s windows of :func:`voice_changes`."""
    edge_hop_frames: int = 20
    """Their hop (0.2 s). At 0.4 s the encoder's work halves, but on the v2 badge recordings
    v2di02's change was missed and the customers' mean talk time error rose from 10.1% to
    14.8%."""
    edge_min_windows: int = 1
    """Each side of a change holds at least this many windows."""
    edge_min_step: float = 0.4
    """The two sides' mean leanings differ by at least this share of the voices' own
    separation (see ``edge_min_separation``)."""
    edge_min_separation: float = 0.15
    """The recording's two voices must lie this far apart, measured on the same windows
    (the mean leaning, cosine to one voice minus cosine to the other, of the windows of
    each voice's utterances), for a change to be looked for at all. Clean v2 badge
    recordings: 0.22-0.45; their 10 dB noisy copies 0.10-0.18, where most changes found
    at 0.10 were false."""
    agent_words_margin: float = 0.0
    """Words only the agent says (a script line, a violation) inside an utterance given to
    the customer are cut out when their voice is nearer the agent's than the customer's by
    at least this much (cosine): the words already say it is the agent, the voice need only
    lean that way. v2dd04's 这个不归我们管, its first word's start pulled 0.4 s back into
    the customer's question, leaned 0.03 to the agent; the customer's own words before it,
    0.20 to the customer."""
    change_pause_reach_s: float = 0.5
    """Where the speaker changes between two neighbouring utterances, their meeting moves to
    the pause nearest it (the speech detector's frames below the channel's threshold) within
    this reach, the first ending where the pause begins and the second starting where it
    ends. The recogniser's word times stray at a change of voice: on the 7 v2 badge
    recordings its edges lay up to 0.5 s from the timeline's (the customer's 能 of 能刷了
    written as the agent's last word, timed across the pause), while the pause's edges lay
    within 0.07 s of them at every change that had a pause (see
    :func:`analyzer.utterances.snap_to_pauses`)."""
    change_pause_min_s: float = 0.06
    """The shortest pause a change of speaker is moved to (two detector frames)."""
    onset_head_min_s: float = 0.45
    """The shortest first stretch of the nearer voice's utterance, at the other voice's
    level, that is taken for the other speaker still speaking (see
    :func:`analyzer.utterances.onsets_at_level_steps`). The customer's words the agent cut
    into lay 0.54 s (v2di02) and 0.66 s (v2di04) at the customer's level before the
    agent's; a soft first syllable of the agent's own, 0.34 s (不 of 不客气 in noisy v2dd03,
    the pause before it filled by babble), is not taken."""
    onset_reach_s: float = 1.5
    """How far into the nearer voice's utterance its own start is looked for."""
    nearer_voice_db: float = 3.0
    """A voice whose long utterances are this much louder than the other's (median active
    level) is the nearer one, the recorder's wearer's: evidence that it is the agent's,
    after the script lines (see :func:`attribute_speakers`). On the 11 v2 badge recordings
    (clean and noisy) the agent was 3.4-6.2 dB louder than the customer; in v1's mono
    recordings, synthesised at one level, the customer was 0.4-1.9 dB louder."""
    level_weight: float = 0.06
    """Each utterance's own level leans it towards the voice it is as loud as (a badge
    recorder hears its wearer louder in every word): ``level_weight`` times the level's
    evidence, ``gap * (level - mid) / spread**2`` (the log-likelihood ratio of two normal
    level distributions: ``gap`` between the voices' median levels, ``mid`` halfway,
    ``spread`` the voices' own spread about their medians, all over the long utterances;
    clipped at ``level_clip``), is added to its cosine margin between the voices. A voice
    heard for under a second is a poor embedding (v2dd08: the customer's 那要多久啊, 1.0 s,
    lay 0.05 nearer the agent's voice, 5 dB under it); two voices at one level give the
    level no say. Chosen on the 11 v2 badge recordings (clean and noisy) and 16 new
    synthesised visits (``bench/synth_badge_visits.py``, seed 3), with the voices and
    utterances of a run without it: share of the speech of utterances under 1.2 s put
    with the right speaker, voices alone 0.90 / 0.72 (v2 / new visits), at 0.06 0.98 /
    0.98; a weight on the level's place between the medians instead, given only above a
    3 dB gap, had 1.0 on v2 but 0.81 on the new visits, one of which had a gap of 2.9 dB.
    Through the whole pipeline, all speech put with the right speaker: v2 0.980 -> 0.992,
    new visits clean 0.973 -> 0.995, noisy 0.984 -> 1.0. 0: the voices alone."""
    level_clip: float = 4.0
    """The level's evidence is clipped to this (a raised voice, 9 dB over its own median,
    counts no more than a voice well inside its own)."""
    level_spread_floor_db: float = 1.0
    """The voices' spread of level is taken as at least this (a few utterances at one
    synthetic level would make every decibel decisive)."""
    piece_off_db: float = 3.5
    """A piece of an utterance between pauses of the voice, this far from its speaker's
    median level and nearer the other's, is the other speaker's, when the two voices lie
    ``nearer_voice_db`` apart (see :func:`analyzer.utterances.pieces_by_level`); 0: never."""
    piece_min_s: float = 0.4
    """Pieces shorter than this stay with their neighbour (see ``piece_off_db``): one
    syllable's level is no voice's (v2dd04's 了 at the end of 能上了, 0.33 s, read as the
    customer's)."""
    piece_min_words_s: float = 0.3
    """A piece of two syllables or more is judged from this much of its voice outside the
    pauses (``piece_min_s`` is for one syllable): two syllables' level is a voice's. v2di02:
    the customer's 给你 (签好了,给你), 0.33 s of voice after a pause, written at the head of
    the agent's 好的,打搅您了,再见 and 5 dB under the agent, within 1 dB of the customer."""
    edge_stretch_max_s: float = 1.5
    """Mono talk time: a stretch of the speech detector's (between pauses) this short or
    shorter at a change of speaker, at the farther voice's level, is the farther speaker's
    talk (see :func:`analyzer.analytics.edge_stretches_by_level`); 0: never."""
    edge_stretch_reach_s: float = 1.0
    """How near the stretch each speaker's talk must lie for it to sit at their change."""
    under_window_frames: int = 50
    """Windows (10 ms frames: 0.5 s) that look for the voice cut into going on under the
    one that cut in, in one channel (:func:`voice_under`)."""
    under_hop_frames: int = 20
    """Their hop (0.2 s). At 0.1 s the encoder's work after a change doubles, and on the
    cut-ins that :func:`voice_under` names the time found was off by 0.29 s instead of
    0.28 s."""
    under_min_lean: float = 0.10
    """A window holds the voice cut into when it leans at least this far from the voice
    that cut in towards it, on the scale where each voice's own windows sit at their median
    (0: the one that cut in, 1: the one cut into). Two voices at once lean between the two;
    see :func:`voice_under` for what 0.15 was chosen on (0.10 and 0.20 were within 0.02 s of
    it there, measured with the end of the first utterance that cut in as the limit). 0.10
    since: on another machine's transcripts of the 7 cut-ins of the v2 badge recordings
    (see ``under_start_s``) the time heard under was off by 0.14 s on average instead of
    0.23 s (bias +0.11 s instead of -0.10 s): v2di04's customer went on 1.38 s under the
    agent, and one window at 0.14 ended the run at 0.7 s."""
    under_start_s: float = 0.6
    """The voice cut into is heard from the change on: its run of leaning windows must
    begin within this of it (a window starting here still holds 0.5 s of the change's
    first second). Windows that lean towards it only later are the voice that cut in
    sounding like the other for a while: on the clean v2dd08 the agent's 刚在楼下看了一下,
    from 1.6 s after the change, leant 0.3-0.55 and was counted as 2.5 s of the customer
    under the agent, who had cut into 0.32 s of the customer's turn (the customer's talk
    16% over). On the 8 cut-ins of the v2 badge recordings (clean and noisy) the runs
    that were right all began within 0.4 s."""
    under_voice_windows: int = 16
    """Each speaker's voice, for :func:`voice_under`, is learnt from at most this many of
    their windows, from their longest utterances (the encoder's time for them is most of
    its cost: all 75 windows of v2di04 took 0.51 s)."""
    under_reach_s: float = 2.0
    """How far after the change the voice cut into is looked for (the corpus's cut-ins
    overlap 0.5-1.5 s)."""
    wordless_min_similarity: float = 0.84
    """Speech the recogniser wrote no words for is a voice's (:func:`wordless_voices`) when
    one of its windows is at least this similar (cosine) to one of the two voices. Of the 12
    such stretches in the v2 badge recordings and synthesised visits (all of them speech),
    the most similar window of each lay at 0.86-0.95; sounds made with sox (brown and pink noise, a
    tone, knocks, a scrape) at 0.74-0.81, but knocks made with numpy (decaying brown-noise
    bursts) at the level of speech passed it; the speech detector never called any of
    them speech (Silero at most 0.22), and only its speech is looked at."""
    wordless_smooth_windows: int = 5
    """Each window's lean is the median of this many around it (1: the window's own). With
    each turn of the v2 badge recordings (clean and noisy, 0.8 s or longer) taken out of
    the voices' utterances and given as wordless speech, its time went to its own speaker
    for 89.7% with each window alone, 94.2% with 5 (a change of voice held for about
    0.6 s still shows), 95.8% with 7; the rest is mostly where the other spoke over it."""


@dataclass
class Attribution:
    """What attribution says of a recording: each utterance's turn, the evidence (for the
    result's ``speaker_attribution``), and the two voices when they were told apart."""

    turns: list[SpeakerTurn]
    info: dict[str, Any]
    centroids: np.ndarray | None = field(default=None, repr=False)
    """``(2, d)`` unit rows: the two voices (None: not told apart)."""


@dataclass
class SpeakerTurn:
    """What attribution says of one utterance."""

    speaker: str  # agent | customer | unknown
    confidence: float  # 0-1
    voice: int | None  # 0 or 1: the cluster; None when voices were not told apart


def _kmeans2_from(x: np.ndarray, w: np.ndarray, cent: np.ndarray, rounds: int,
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """k-means of unit vectors ``x`` (weights ``w``) from the two unit centroids ``cent``:
    labels, unit centroids and the weighted cosine distance of each vector to its own."""
    cent = cent.copy()
    labels = np.argmax(x @ cent.T, axis=1)
    for _ in range(rounds):
        for k in (0, 1):
            members = labels == k
            if members.any():
                c = (x[members] * w[members, None]).sum(axis=0)
                cent[k] = c / max(float(np.linalg.norm(c)), 1e-9)
        new = np.argmax(x @ cent.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    cost = float((w * (1.0 - np.einsum("ij,ij->i", x, cent[labels]))).sum())
    return labels, cent, cost


def _kmeans2(x: np.ndarray, w: np.ndarray, rounds: int, seeds: int,
             ) -> tuple[np.ndarray, np.ndarray]:
    """Two clusters of unit vectors ``x`` (weights ``w``): labels and unit centroids.

    k-means runs from several starts and keeps the partition whose vectors lie nearest
    their own centroid (least weighted cosine distance): the two least similar vectors,
    and every pair of the ``seeds`` heaviest (the longest utterances, whose voices are the
    surest). Started from the least similar pair alone, one stray utterance could seed a
    cluster of its own and the voices stay mixed. Share of the long utterances' speech put
    with its own speaker's, least similar pair → best start: v2 noisy badge copies dd03
    0.77 → 0.94, dd07 0.77 → 1.0, dd08 0.73 → 1.0; v2 calls mixed into one channel dd06
    0.73 → 1.0, noisy dd05 0.67 → 1.0. Worse only in noisy dd04, 0.61 → 0.51, where the
    recogniser wrote half its utterances across both voices.
    """
    sims = x @ x.T
    a, b = np.unravel_index(np.argmin(sims), sims.shape)
    starts = [(int(a), int(b))]
    heavy = sorted(np.argsort(-w, kind="stable")[:max(2, seeds)].tolist())
    starts += [(i, j) for n, i in enumerate(heavy) for j in heavy[n + 1:]]
    found = [_kmeans2_from(x, w, np.stack([x[i], x[j]]), rounds)
             for i, j in dict.fromkeys(starts)]
    best = found[0]  # the least similar pair's, kept if every start ended in one cluster
    split = [got for got in found if len(set(got[0].tolist())) == 2]
    if split:
        best = split[0]
        for got in split[1:]:
            if got[2] < best[2] - 1e-9:
                best = got
    return best[0], best[1]


def voice_levels(audio: np.ndarray, spans: Sequence[tuple[float, float]], labels: np.ndarray,
                 long_: np.ndarray, levels: Sequence[float | None] | None = None,
                 ) -> list[float | None]:
    """Each voice's loudness (voices 0 and 1 of ``labels``): the median active level
    (dBFS) of its long utterances (``long_``); None for a voice without one. ``levels``:
    the spans' active levels, when already measured."""
    out: list[float | None] = []
    for k in (0, 1):
        got = [lv for i, (s, e) in enumerate(spans) if long_[i] and labels[i] == k
               and (lv := active_level_db(audio, s, e) if levels is None else levels[i])
               is not None]
        out.append(float(np.median(got)) if got else None)
    return out


def speaker_levels(audio: np.ndarray, spans: Sequence[tuple[float, float]],
                   speakers: Sequence[str], min_gap_db: float) -> dict[str, float] | None:
    """The agent's and the customer's median active level (dBFS, over their ``spans`` of at
    least 1 s; ``speakers[i]`` said ``spans[i]``), when both are known and at least
    ``min_gap_db`` apart (a badge recorder's wearer and the other voice); else None."""
    voice = np.array([{"agent": 0, "customer": 1}.get(sp, -1) for sp in speakers])
    seconds = np.array([end - start for start, end in spans])
    agent, customer = voice_levels(audio, spans, voice, seconds >= 1.0)
    if agent is None or customer is None or abs(agent - customer) < min_gap_db:
        return None
    return {"agent": agent, "customer": customer}


def _level_evidence(own: Sequence[float | None], labels: np.ndarray, long_: np.ndarray,
                    level: Sequence[float | None], o: DiarizeOptions) -> np.ndarray | None:
    """Per span, how much its level (``own``) says voice 0 rather than voice 1 (see
    ``DiarizeOptions.level_weight``); None without two long utterances of each voice or
    with no weight."""
    if o.level_weight <= 0 or level[0] is None or level[1] is None:
        return None
    spread: list[float] = []
    for k in (0, 1):
        mine = [own[i] for i in range(len(own))
                if long_[i] and labels[i] == k and own[i] is not None]
        if len(mine) < 2:
            return None
        spread += [abs(lv - level[k]) for lv in mine]  # type: ignore[operator]
    # 1.4826 x the median absolute deviation: a normal spread, robust to a raised voice
    sigma = max(1.4826 * float(np.median(spread)), o.level_spread_floor_db)
    gap, mid = level[0] - level[1], (level[0] + level[1]) / 2
    return np.array([0.0 if lv is None else
                     float(np.clip(gap * (lv - mid) / sigma ** 2, -o.level_clip, o.level_clip))
                     for lv in own])


def attribute_speakers(audio: np.ndarray, spans: Sequence[tuple[float, float]],
                       says_script: Sequence[bool], encoder: object,
                       options: DiarizeOptions | None = None,
                       cache: dict[tuple[float, float], np.ndarray] | None = None,
                       ) -> Attribution:
    """The speaker of each utterance of a mono recording.

    ``spans`` are the utterances' times, ``says_script[i]`` whether utterance ``i`` says an
    agent's script line; ``encoder`` has ``embed_many(wavs) -> (n, d)``; ``cache`` holds
    the embeddings of spans already embedded (filled here: attributing again after cuts
    embeds only the new parts). Returns the turns, the evidence (for the result: how the
    agent's voice was chosen) and the voices.
    """
    o = options or DiarizeOptions()
    n = len(spans)
    if n == 0:
        return Attribution([], {"method": "none"})
    cache = {} if cache is None else cache
    todo = [sp for sp in dict.fromkeys(spans) if sp not in cache]
    if todo:
        wavs = [audio[int(s * SAMPLE_RATE): max(int(s * SAMPLE_RATE) + 1, int(e * SAMPLE_RATE))]
                for s, e in todo]
        got = np.asarray(encoder.embed_many(wavs), dtype=np.float32)  # type: ignore[attr-defined]
        cache.update(zip(todo, got, strict=True))
    emb = np.stack([cache[sp] for sp in spans])
    dur = np.array([max(0.0, e - s) for s, e in spans])
    long_ = dur >= o.min_embed_s
    by_words = [SpeakerTurn("agent" if s else "unknown", 0.9 if s else 0.0, None)
                for s in says_script]
    if long_.sum() < 2:
        return Attribution(by_words, {"method": "words",
                                      "why": "too little speech to tell voices apart"})
    labels_long, cent = _kmeans2(emb[long_], dur[long_], o.iterations, o.seed_utterances)
    between = float(cent[0] @ cent[1])
    if between >= o.same_voice or len(set(labels_long.tolist())) < 2:
        return Attribution(by_words, {"method": "words", "why": "one voice heard",
                                      "centroid_similarity": round(between, 3)})
    sims = emb @ cent.T  # (n, 2)
    labels = np.argmax(sims, axis=1)
    margin = np.abs(sims[:, 0] - sims[:, 1])

    # the voices' levels: the nearer voice, and each utterance's lean towards one
    own = [active_level_db(audio, s, e) for s, e in spans]
    level = voice_levels(audio, spans, labels, long_, own)
    gap = level[0] - level[1] if level[0] is not None and level[1] is not None else 0.0
    nearer = (0 if gap > 0 else 1) if abs(gap) >= o.nearer_voice_db else None
    lean = _level_evidence(own, labels, long_, level, o)
    if lean is not None:
        leaning = sims[:, 0] - sims[:, 1] + o.level_weight * lean
        labels = np.where(leaning > 0, 0, 1)
        margin = np.abs(leaning)
    # which voice is the agent's: script lines, then the nearer voice, then who opened,
    # then who talked more
    script = [sum(1 for i in range(n) if labels[i] == k and says_script[i]) for k in (0, 1)]
    talk = [float(dur[labels == k].sum()) for k in (0, 1)]
    first = int(labels[int(np.argmax(long_))])  # the voice of the first long utterance
    # The nearer voice outweighs who opened and who talked more together (2.0 > 1.0 + 0.5),
    # not one script line (3.0): the words name the agent outright, a level only says who
    # wears the recorder.
    score = [3.0 * script[k] + (2.0 if nearer == k else 0.0) + (1.0 if first == k else 0.0)
             + (0.5 if talk[k] > talk[1 - k] else 0.0) for k in (0, 1)]
    agent = int(np.argmax(score))
    lead = abs(score[0] - score[1])
    # how clear the choice was: script lines on one side only is clear; who opened or talked
    # more alone is a guess
    evidence = 1.0 if script[agent] > script[1 - agent] else (0.7 if lead >= 1.0 else 0.5)
    turns = []
    for i in range(n):
        voice = int(labels[i])
        sure = min(1.0, 0.5 + 4.0 * float(margin[i]))
        if not long_[i]:
            sure *= 0.7
        if says_script[i] and voice != agent:
            # The words outweigh the voice: customers do not say the service's lines
            # (请问您对我们的服务是否满意), and a voice heard for a few seconds can be
            # split in two (v1's single-voice recordings: the 5.12 line went to a "second
            # voice" of 2 s, and the step was reported missing).
            turns.append(SpeakerTurn("agent", round(0.6 * evidence, 2), voice))
            continue
        turns.append(SpeakerTurn("agent" if voice == agent else "customer",
                                 round(sure * evidence, 2), voice))
    info = {"method": "voices", "centroid_similarity": round(between, 3),
            "agent_voice": agent, "script_lines": {"agent": script[agent],
                                                   "customer": script[1 - agent]},
            "nearer_voice": None if nearer is None else
            ("agent" if nearer == agent else "customer"),
            "level_gap_db": round(abs(gap), 1),
            "opened_by": "agent" if first == agent else "customer",
            "talk_s": {"agent": round(talk[agent], 1), "customer": round(talk[1 - agent], 1)},
            "evidence": evidence}
    return Attribution(turns, info, cent)


def voice_changes(audio: np.ndarray, start: float, end: float, voices: np.ndarray,
                  encoder: object, options: DiarizeOptions | None = None) -> list[float]:
    """Where the voice changes from one of ``voices`` (``(2, d)``) to the other inside the
    speech from ``start`` to ``end`` (seconds): the times, in order (none: one voice).

    ``encoder`` has ``embed_windows(wav, hop_frames=) -> ((n, d), window seconds)``. Each
    window is nearer one voice or the other; runs of windows nearer one voice that are
    shorter than ``split_min_windows``, or not clearly that voice's on average
    (``split_margin``), are taken into their longer neighbour (the shortest run first): the
    windows either side of a change hold both voices. A change lies midway between the
    centres of the last window of one run and the first of the next.
    """
    o = options or DiarizeOptions()
    if end - start < o.split_min_s:
        return []
    wav = audio[int(start * SAMPLE_RATE): int(end * SAMPLE_RATE)]
    emb, window_s = encoder.embed_windows(wav, hop_frames=o.split_hop_frames)  # type: ignore[attr-defined]
    nearer = np.asarray(emb, dtype=np.float32) @ (voices[0] - voices[1])  # > 0: the first
    if len(nearer) < 2 * o.split_min_windows:
        return []
    runs: list[list[int]] = []  # [first window, end window, sign]
    for j, x in enumerate(nearer):
        sign = 1 if x >= 0 else -1
        if runs and runs[-1][2] == sign:
            runs[-1][1] = j + 1
        else:
            runs.append([j, j + 1, sign])

    def weak(r: list[int]) -> bool:
        return r[1] - r[0] < o.split_min_windows or \
            abs(float(nearer[r[0]:r[1]].mean())) < o.split_margin

    while len(runs) > 1 and any(weak(r) for r in runs):
        k = min((i for i, r in enumerate(runs) if weak(r)),
                key=lambda i: runs[i][1] - runs[i][0])
        if k == 0 or (k + 1 < len(runs) and
                      runs[k + 1][1] - runs[k + 1][0] > runs[k - 1][1] - runs[k - 1][0]):
            runs[k + 1][0] = runs[k][0]
        else:
            runs[k - 1][1] = runs[k][1]
        del runs[k]
        merged: list[list[int]] = []  # runs of one sign that now meet are one
        for r in runs:
            if merged and merged[-1][2] == r[2]:
                merged[-1][1] = r[1]
            else:
                merged.append(r)
        runs = merged
    if len(runs) < 2 or any(weak(r) for r in runs):
        return []
    hop_s = o.split_hop_frames * 0.01
    return [round(start + window_s / 2 + (r[0] - 0.5) * hop_s, 3) for r in runs[1:]]


def edge_changes(audio: np.ndarray, spans: Sequence[tuple[float, float]],
                 span_voices: Sequence[int | None], voices: np.ndarray, encoder: object,
                 options: DiarizeOptions | None = None) -> list[tuple[float, int] | None]:
    """For each utterance (``spans``, their voices ``span_voices``), the one place where
    the voice changes from one of ``voices`` (``(2, d)``) to the other near its edge, as
    ``(time, voice after it)``, or None.

    In one channel the recogniser writes the end of one speaker's turn into the other's
    utterance when they overlap or follow without a pause (v2dd08: the customer's
    到底什么原因啊 and the agent's 我刚在楼下看了一下 in one utterance of 2.6 s; v2di04: the agent's
    打搅您了 at the end of 5 s of the customer's). Each utterance's short windows
    (``edge_window_frames``, ``edge_hop_frames`` apart) lean to one voice or the other
    (cosine to the first minus cosine to the second); the recording's two voices give the
    leaning's middle and its scale (the mean leaning of each voice's windows). The change
    is at the best split of an utterance's windows into a head and a tail, when the two
    lie on either side of the middle and differ by at least ``edge_min_step`` of the
    scale. Where the tail of one utterance and the head of the next, which follows at
    once, would both change, and to opposite voices, neither does: both see one overlap
    (v2di04 at 17.5 s, the voices together for 1.4 s). Nothing is looked for when the
    voices lie less than ``edge_min_separation`` apart. On the 7 v2 badge recordings 6
    utterances were cut this way, each where the timeline's speaker changes (the rule of
    opposite changes kept two cuts at that v2di04 place out); on the 7 stereo v2 calls
    mixed into one channel, never looked at while this was built, 6, each at a change of
    speaker too.
    """
    o = options or DiarizeOptions()
    hop_s = o.edge_hop_frames * 0.01
    window_s = o.edge_window_frames * 0.01
    looked = [i for i, ((start, end), voice) in enumerate(zip(spans, span_voices, strict=True))
              if voice is not None and end - start >= window_s + o.edge_min_windows * hop_s]
    embs, _ = encoder.embed_windows_many(  # type: ignore[attr-defined]
        [audio[int(spans[i][0] * SAMPLE_RATE): int(spans[i][1] * SAMPLE_RATE)] for i in looked],
        hop_frames=o.edge_hop_frames, window_frames=o.edge_window_frames)
    leans: list[np.ndarray | None] = [None] * len(spans)
    for i, emb in zip(looked, embs, strict=True):
        if len(emb):
            leans[i] = np.asarray(emb, dtype=np.float32) @ (voices[0] - voices[1])
    per_voice = [[x for x, v in zip(leans, span_voices, strict=True)
                  if x is not None and v == k] for k in (0, 1)]
    out: list[tuple[float, int] | None] = [None] * len(spans)
    if not per_voice[0] or not per_voice[1]:
        return out
    first, second = (float(np.concatenate(p).mean()) for p in per_voice)
    separation = first - second
    if separation < o.edge_min_separation:
        return out
    middle = (first + second) / 2
    for i, lean in enumerate(leans):
        if lean is None:
            continue
        # the split that explains the most of the leanings' variance (binary segmentation:
        # the largest k (n - k) (head - tail)^2); the largest step alone favours a few
        # extreme windows at an end and placed v2dd08's change 1.3 s early
        n = len(lean)
        splits = range(o.edge_min_windows, n - o.edge_min_windows + 1)
        if not splits:
            continue
        k = max(splits, key=lambda k: k * (n - k) * float(lean[:k].mean() - lean[k:].mean()) ** 2)
        head, tail = float(lean[:k].mean()), float(lean[k:].mean())
        if (head - middle) * (tail - middle) < 0 and \
                abs(head - tail) >= o.edge_min_step * separation:
            out[i] = (round(spans[i][0] + window_s / 2 + (k - 0.5) * hop_s, 3),
                      0 if tail > middle else 1)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a is not None and b is not None and spans[i + 1][0] - spans[i][1] <= hop_s \
                and a[1] != 1 - b[1]:
            out[i] = out[i + 1] = None  # the tail one voice, the next head the other
    return out


def voice_under(audio: np.ndarray, spans: Sequence[tuple[float, float]],
                speakers: Sequence[str], changes: Sequence[tuple[float, float, str]],
                encoder: object, options: DiarizeOptions | None = None, *,
                learn: Callable[[], OwnVoices | None] | None = None) -> list[float]:
    """In one channel, for each change of speaker without a pause (``changes``: the time
    the speaker ``by`` cut in, and the end of their turn, as ``(at, end, by)``), how
    long the speaker cut into goes on under them: seconds after ``at`` (0: not heard).

    The recogniser writes one voice at a time, and a change of speaker is cut where the
    one that cuts in starts: the rest of the turn cut into, said under them, is nobody's
    talk then (on the v2 badge recordings the customer's talk time was 15-19% short on the
    two with agent cut-ins). Each speaker's voice is learnt from their own utterances
    (``spans``, ``speakers``), in windows of ``under_window_frames``; after the change,
    windows ``under_hop_frames`` apart lean from the voice that cut in towards the other
    while both speak. The voice cut into is heard to the end of the first run of windows,
    beginning within ``under_start_s`` of the change and ending within ``under_reach_s``,
    that lean at least ``under_min_lean`` towards it. On 32 cut-ins
    without a pause (the 7 of the v2 badge recordings, clean and noisy, and 25 in
    synthesised visits, ``bench/synth_badge_visits.py --overlaps``, seeds 7-10; the bar was
    chosen on them) the time it went on was off by 0.28 s on average (bias +0.09 s),
    against 0.74 s when it is not looked for (0: what this replaced) and 0.37 s for the best
    single length (0.66 s); with the end of the first utterance that cut in as the limit
    instead of the end of the turn, 0.32 s (v2di04's agent said 写作业好不, 0.57 s, before
    the rest of the turn, and the customer's 1.13 s under it was cut to 0.5 s).
    ``encoder`` has ``embed_windows_many``; nothing is looked for when either speaker has
    fewer than two windows of their own, or their voices do not lean apart. ``learn``: the
    two voices (:func:`own_voices` of the same recording), when the caller shares them with
    :func:`wordless_voices`; by default they are learnt here."""
    o = options or DiarizeOptions()
    out = [0.0] * len(changes)
    if not changes:
        return out
    window_s = o.under_window_frames * 0.01
    learnt = learn() if learn is not None else own_voices(audio, spans, speakers, encoder, o)
    if learnt is None:
        return out
    voice, centre = learnt
    # the windows after each change, cut from one stretch (each piece's volume is brought to
    # one level first: windows cut as pieces of their own, each at its own level, put the
    # time found 0.35 s off on average instead of 0.28 s, for 0.05 s less work)
    heads, _ = encoder.embed_windows_many(  # type: ignore[attr-defined]
        [audio[int(at * SAMPLE_RATE): int(min(end, at + o.under_reach_s + window_s)
                                             * SAMPLE_RATE)] for at, end, _ in changes],
        hop_frames=o.under_hop_frames, window_frames=o.under_window_frames)
    hop_s = o.under_hop_frames * 0.01
    for n, ((at, end, by), head) in enumerate(zip(changes, heads, strict=True)):
        under = "customer" if by == "agent" else "agent"
        axis = centre[under] - centre[by]
        lo, hi = (float(np.median(voice[sp] @ axis)) for sp in (by, under))
        if hi - lo <= 1e-6 or not len(head):
            continue
        lean = (np.asarray(head, dtype=np.float32) @ axis - lo) / (hi - lo)
        within = lean[: int(round(min(o.under_start_s, o.under_reach_s) / hop_s)) + 1]
        leaning = np.flatnonzero(within >= o.under_min_lean)
        if not leaning.size:
            continue
        k = int(leaning[0])
        while k + 1 < len(lean) and lean[k + 1] >= o.under_min_lean:
            k += 1
        out[n] = round(min(k * hop_s + window_s, end - at), 2)
    return out


def own_voices(audio: np.ndarray, spans: Sequence[tuple[float, float]],
               speakers: Sequence[str], encoder: object, o: DiarizeOptions,
               ) -> OwnVoices | None:
    """Each speaker's windows of ``under_window_frames`` from their longest utterances (at
    most ``under_voice_windows``) and their unit centre; None when either has fewer than
    two windows."""
    window_s = o.under_window_frames * 0.01
    own: list[int] = []
    for sp in ("agent", "customer"):
        room = o.under_voice_windows
        for i in sorted((i for i, (s, e) in enumerate(spans) if speakers[i] == sp),
                        key=lambda i: spans[i][0] - spans[i][1]):
            if room <= 0 or spans[i][1] - spans[i][0] < window_s:
                break
            own.append(i)
            room -= int((spans[i][1] - spans[i][0]) / window_s)
    embs, _ = encoder.embed_windows_many(  # type: ignore[attr-defined]
        [audio[int(spans[i][0] * SAMPLE_RATE): int(spans[i][1] * SAMPLE_RATE)] for i in own],
        hop_frames=o.under_window_frames, window_frames=o.under_window_frames)
    voice: dict[str, np.ndarray] = {}
    for sp in ("agent", "customer"):
        rows = [e for i, e in zip(own, embs, strict=True) if speakers[i] == sp and len(e)]
        if sum(len(e) for e in rows) < 2:
            return None
        voice[sp] = np.concatenate(rows)[: o.under_voice_windows].astype(np.float32)
    centre = {sp: v.mean(axis=0) / max(float(np.linalg.norm(v.mean(axis=0))), 1e-9)
              for sp, v in voice.items()}
    return voice, centre


def _running_median(x: np.ndarray, width: int) -> np.ndarray:
    """``x`` with each value the median of the ``width`` around it (its edges repeated)."""
    if width <= 1 or len(x) < 2:
        return x
    padded = np.pad(x, width // 2, mode="edge")
    return np.array([np.median(padded[k:k + width]) for k in range(len(x))])


def wordless_voices(audio: np.ndarray, spans: Sequence[tuple[float, float]],
                    speakers: Sequence[str], stretches: Sequence[tuple[float, float]],
                    encoder: object, options: DiarizeOptions | None = None, *,
                    learn: Callable[[], OwnVoices | None] | None = None,
                    ) -> list[tuple[float, float, str]]:
    """In one channel, whose voice the speech is that the recogniser wrote no words for
    (``stretches``: :func:`analyzer.analytics.wordless_speech`), as ``(start, end,
    speaker)`` pieces. A badge recorder hears the customer farther off than its wearer,
    and the recogniser drops a soft answer whole (v2dd07 noisy: 满意,满意, 1.6 s): it was
    nobody's talk. Each speaker's voice is learnt from their own utterances as for
    :func:`voice_under`; each stretch is cut into windows of ``under_window_frames``,
    ``under_hop_frames`` apart, and each window's time goes to the voice it leans to (the
    scale where each voice's own windows sit at their median: past half-way, the other's;
    the median of ``wordless_smooth_windows`` around it).
    A stretch shorter than one window, or whose windows are none of them
    ``wordless_min_similarity`` like either voice (a door, a chair), is nobody's.

    Of the 12 such stretches of 0.5 s or more in the v2 badge recordings and in 45
    synthesised visits (``bench/synth_badge_visits.py --overlaps``, seeds 7, 8 and 10,
    clean and noisy), 10 were the customer's, one the agent's and one both (the customer's
    first 1.6 s, then the agent's 4 s); their windows leaned 0.51-1.92 where only the
    customer spoke, -0.12-0.16 where only the agent did. Nothing is looked for when either
    speaker has fewer than two windows of their own. ``learn``: as for :func:`voice_under`."""
    o = options or DiarizeOptions()
    window_s = o.under_window_frames * 0.01
    stretches = [(a, b) for a, b in stretches if b - a >= window_s]
    if not stretches:
        return []
    learnt = learn() if learn is not None else own_voices(audio, spans, speakers, encoder, o)
    if learnt is None:
        return []
    voice, centre = learnt
    axis = centre["customer"] - centre["agent"]
    lo, hi = (float(np.median(voice[sp] @ axis)) for sp in ("agent", "customer"))
    if hi - lo <= 1e-6:
        return []
    windows, _ = encoder.embed_windows_many(  # type: ignore[attr-defined]
        [audio[int(a * SAMPLE_RATE): int(b * SAMPLE_RATE)] for a, b in stretches],
        hop_frames=o.under_hop_frames, window_frames=o.under_window_frames)
    hop_s = o.under_hop_frames * 0.01
    out: list[tuple[float, float, str]] = []
    for (a, b), rows in zip(stretches, windows, strict=True):
        if not len(rows):
            continue
        rows = np.asarray(rows, dtype=np.float32)
        like = np.maximum(rows @ centre["agent"], rows @ centre["customer"])
        if float(like.max()) < o.wordless_min_similarity:
            continue
        lean = _running_median((rows @ axis - lo) / (hi - lo), o.wordless_smooth_windows)
        # each window's time runs from half-way to the previous window's centre to
        # half-way to the next one's (the stretch's own ends at either end)
        centres = [a + k * hop_s + window_s / 2 for k in range(len(rows))]
        edges = [a, *((x + y) / 2 for x, y in zip(centres, centres[1:], strict=False)), b]
        for k, value in enumerate(lean):
            who = "customer" if value >= 0.5 else "agent"
            s, e = round(edges[k], 2), round(edges[k + 1], 2)
            if out and out[-1][2] == who and abs(out[-1][1] - s) < 1e-6:
                out[-1] = (out[-1][0], e, who)
            elif e > s:
                out.append((s, e, who))
    return out
