"""Utterances as the recogniser cut them, reshaped where it cut them wrong.

Whisper cuts speech where the speaker pauses, which is not always where a line or a turn
ends. :func:`join_runs` finds the parts of a script line said in several breaths (the
shortest run of one side's utterances that together say a line none of them says alone)
and :func:`joined` makes one utterance of them. In a mono recording the recogniser may also
write the customer's answer into the agent's utterance (no pause between the two voices):
:func:`cut_at_voice_changes` cuts it where the voice changes
(:func:`analyzer.diarize.voice_changes`), at the boundary between two words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from .diarize import DiarizeOptions, voice_changes
from .matching import Flag
from .transcribe import Utterance, spoken_chars, words_confidence

__all__ = ["cut_at_voice_changes", "join_runs", "joined"]

log = logging.getLogger(__name__)


def join_runs(utts: Sequence[Utterance], sides: Sequence[object],
              script_refs: Callable[[str], list[Flag]], *, gap_s: float, max_parts: int,
              backchannel_chars: int) -> list[list[int]]:
    """The parts of script lines that the recogniser cut, as runs of utterance indices to
    join (every other utterance a run of one), in time order.

    Up to ``max_parts`` utterances of one side (``sides[i]``: the channel of a stereo call,
    the speaker of a mono one; ``"unknown"`` joins nothing), each at most ``gap_s`` after
    the one before, with nothing between them but back-channels of another side (嗯, 对: at
    most ``backchannel_chars`` spoken characters), are a run when together they say a
    script line (``script_refs``) that none of them says alone: a pause inside 您好!我是…,
    请问是…吗? splits it in two; a slow speaker's line may come in five. From each utterance
    the shortest such run is taken, and the joined line may begin a longer one.
    """
    runs: list[list[int]] = []
    pending = [[i] for i in range(len(utts))]  # runs not yet placed, in time order

    def text(run: list[int]) -> str:
        return "".join(utts[k].text for k in run)

    while pending:
        first = pending[0]
        side = sides[first[0]]
        parts, between, found = [0], [], None
        alone = {f.ref for f in script_refs(text(first))}
        j = 1
        while j < len(pending) and len(parts) < max_parts:
            nxt = pending[j]
            if sides[nxt[0]] != side or side == "unknown":
                if spoken_chars(text(nxt)) > backchannel_chars:
                    break
                between.append(j)  # a back-channel of the other side
                j += 1
                continue
            if utts[nxt[0]].start - utts[pending[parts[-1]][-1]].end > gap_s:
                break
            parts.append(j)
            alone |= {f.ref for f in script_refs(text(nxt))}
            run = [k for p in parts for k in pending[p]]
            if any(f.kind == "script" and f.ref not in alone for f in script_refs(text(run))):
                found = run
                break
            j += 1
        if found is None:
            runs.append(first)
            pending.pop(0)
            continue
        last = parts[-1]
        pending = [found, *(pending[k] for k in between if k < last), *pending[last + 1:]]
    runs.sort(key=lambda r: r[0])
    return runs


def joined(utts: Sequence[Utterance], run: Sequence[int]) -> Utterance:
    """The utterances of ``run`` as one (its words all of theirs)."""
    if len(run) == 1:
        return utts[run[0]]
    parts = [utts[k] for k in run]
    words = [w for u in parts for w in u.words]
    return Utterance(
        start=parts[0].start, end=parts[-1].end, text="".join(u.text for u in parts),
        confidence=words_confidence(words) if words else min(u.confidence for u in parts),
        channel=parts[0].channel, words=words)


def cut_at_voice_changes(utts: Sequence[Utterance], audio: np.ndarray, voices: np.ndarray,
                         encoder: object, options: DiarizeOptions,
                         to_text: Callable[[str], str]) -> list[Utterance]:
    """Each utterance in which the voice changes from one of ``voices`` to the other (in
    noise the recogniser ran three and four turns into one) cut at the boundaries between
    words nearest the changes; each part keeps its own words, its text made of them by
    ``to_text`` (the transcriber's: simplified)."""
    out: list[Utterance] = []
    for u in utts:
        changes = voice_changes(audio, u.start, u.end, voices, encoder, options) \
            if len(u.words) >= 2 else []
        bounds = sorted({min(range(1, len(u.words)), key=lambda k: abs(
            (u.words[k - 1]["end"] + u.words[k]["start"]) / 2 - at)) for at in changes})
        edges = [0, *bounds, len(u.words)]
        parts = [u.words[a:b] for a, b in zip(edges, edges[1:], strict=False)]
        texts = [to_text("".join(w["word"] for w in p)).strip() for p in parts]
        if len(parts) == 1 or not all(texts):
            out.append(u)
            continue
        log.debug("cut %r in %d: the voice changes at %s s", u.text, len(parts), changes)
        out.extend(Utterance(
            start=round(p[0]["start"], 2), end=round(p[-1]["end"], 2), text=text,
            confidence=words_confidence(p),
            channel=u.channel, words=p) for p, text in zip(parts, texts, strict=True))
    return out
