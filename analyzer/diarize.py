"""Who speaks in a mono recording: speaker embeddings, two clusters, the agent by evidence.

A field engineer's badge recorder has both voices in one channel. Each utterance's audio is
embedded by the speaker encoder (:class:`models.speaker.VoiceEncoder`); the utterances of
at least ``min_embed_s`` are clustered into two voices (k-means on the unit sphere, seeded by
the two least similar, weighted by duration); shorter ones (嗯, 好的, 对) take the nearer
voice with a lower confidence, since 1 s says little about a voice. Which voice is the
agent's is decided by evidence, in this order of weight: the script lines each voice said
(only an agent says 您好,我是…号服务人员 or 请问您对我们的服务是否满意), who opened the
visit, and who talked more (the engineer explains, the customer answers). When the two
voices are not told apart (their centroids too alike: one speaker, or two alike), the
utterances fall back to the words: a script line is the agent's, anything else unknown.

An utterance that says a script line is the agent's whatever its voice (customers do not say
the service's lines). Every utterance gets ``speaker`` and ``speaker_confidence`` (0-1: how
far nearer its voice it is than the other, times how clear the evidence for the agent was).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE

__all__ = ["DiarizeOptions", "SpeakerTurn", "attribute_speakers"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiarizeOptions:
    """Options of mono speaker attribution (recorded in every result)."""

    min_embed_s: float = 1.0
    """Utterances at least this long form the voices; shorter ones only join one."""
    same_voice: float = 0.90
    """Centroids at least this similar (cosine) are one voice: fall back to the words. On the
    v2 badge recordings two voices' centroids were 0.72-0.85 apart, one voice split in two
    0.85-0.97: a voice wrongly merged loses every attribution, one wrongly split only its
    stray utterances, so the bar sits high."""
    iterations: int = 10
    """k-means rounds."""


@dataclass
class SpeakerTurn:
    """What attribution says of one utterance."""

    speaker: str  # agent | customer | unknown
    confidence: float  # 0-1
    voice: int | None  # 0 or 1: the cluster; None when voices were not told apart


def _kmeans2(x: np.ndarray, w: np.ndarray, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Two clusters of unit vectors ``x`` (weights ``w``): labels and unit centroids."""
    sims = x @ x.T
    a, b = np.unravel_index(np.argmin(sims), sims.shape)
    cent = np.stack([x[a], x[b]])
    labels = np.zeros(len(x), dtype=int)
    for _ in range(rounds):
        new = np.argmax(x @ cent.T, axis=1)
        for k in (0, 1):
            members = new == k
            if members.any():
                c = (x[members] * w[members, None]).sum(axis=0)
                cent[k] = c / max(float(np.linalg.norm(c)), 1e-9)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels, cent


def attribute_speakers(audio: np.ndarray, spans: Sequence[tuple[float, float]],
                       says_script: Sequence[bool], encoder: object,
                       options: DiarizeOptions | None = None) -> tuple[list[SpeakerTurn], dict]:
    """The speaker of each utterance of a mono recording.

    ``spans`` are the utterances' times, ``says_script[i]`` whether utterance ``i`` says an
    agent's script line; ``encoder`` has ``embed_many(wavs) -> (n, d)``. Returns the turns
    and the evidence (for the result: how the agent's voice was chosen).
    """
    o = options or DiarizeOptions()
    n = len(spans)
    if n == 0:
        return [], {"method": "none"}
    wavs = [audio[int(s * SAMPLE_RATE): max(int(s * SAMPLE_RATE) + 1, int(e * SAMPLE_RATE))]
            for s, e in spans]
    emb = np.asarray(encoder.embed_many(wavs), dtype=np.float32)  # type: ignore[attr-defined]
    dur = np.array([max(0.0, e - s) for s, e in spans])
    long_ = dur >= o.min_embed_s
    by_words = [SpeakerTurn("agent" if s else "unknown", 0.9 if s else 0.0, None)
                for s in says_script]
    if long_.sum() < 2:
        return by_words, {"method": "words", "why": "too little speech to tell voices apart"}
    labels_long, cent = _kmeans2(emb[long_], dur[long_], o.iterations)
    between = float(cent[0] @ cent[1])
    if between >= o.same_voice or len(set(labels_long.tolist())) < 2:
        return by_words, {"method": "words", "why": "one voice heard",
                          "centroid_similarity": round(between, 3)}
    sims = emb @ cent.T  # (n, 2)
    labels = np.argmax(sims, axis=1)
    margin = np.abs(sims[:, 0] - sims[:, 1])

    # which voice is the agent's: script lines, then who opened, then who talked more
    script = [sum(1 for i in range(n) if labels[i] == k and says_script[i]) for k in (0, 1)]
    talk = [float(dur[labels == k].sum()) for k in (0, 1)]
    first = int(labels[int(np.argmax(long_))])  # the voice of the first long utterance
    score = [3.0 * script[k] + (1.0 if first == k else 0.0)
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
            "opened_by": "agent" if first == agent else "customer",
            "talk_s": {"agent": round(talk[agent], 1), "customer": round(talk[1 - agent], 1)},
            "evidence": evidence}
    return turns, info
