"""Utterances as the recogniser cut them, reshaped where it cut them wrong.

Whisper cuts speech where the speaker pauses, which is not always where a line or a turn
ends. Before the voices are learnt, :func:`cut_at_pauses` cuts a long utterance at the
pauses of the voice inside it, and :func:`rejoin` joins the pieces that one speaker said
again once they are attributed. :func:`join_runs` finds the parts of a script line said in
several breaths (the shortest run of one side's utterances that together say a line none
of them says alone) and :func:`joined` makes one utterance of them. In a mono recording
the recogniser may also write the customer's answer into the agent's utterance (no pause
between the two voices): :func:`cut_at_voice_changes` cuts it where the voice changes
(:func:`analyzer.diarize.voice_changes`), at the boundary between two words. Where the two
voices overlap or follow closely, the windows hold both and no change is seen; but words
only the agent says (a script line, a violation) are the agent's, so
:func:`cut_around_lines` cuts off what comes beside them in the agent's utterance when its
voice is the other's, and cuts them out of the customer's when their voice is the
agent's. A second of the other voice at an utterance's edge, too short for those windows
(:func:`analyzer.diarize.edge_changes`), is cut off by :func:`cut_at_edges`. Once the
speakers are known, :func:`snap_to_pauses` moves each change of speaker into the pause
between the two voices, where the recogniser's word times put it up to 0.5 s away, and
:func:`onsets_at_level_steps` moves the nearer voice's start to its step up in level where
the recogniser began it on the other speaker's lost words.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from .audio import SAMPLE_RATE, active_level_db
from .diarize import DiarizeOptions, speaker_levels, voice_changes
from .matching import Flag
from .transcribe import Utterance, spoken_chars, words_confidence

__all__ = ["cut_around_lines", "cut_at_edges", "cut_at_pauses", "cut_at_voice_changes",
           "join_runs", "joined", "onsets_at_level_steps", "pieces_by_level", "rejoin",
           "snap_to_pauses", "word_offsets"]

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
                         to_text: Callable[[str], str],
                         pauses: Sequence[tuple[float, float]] = (), *, slack_s: float = 0.05,
                         keep_whole: Callable[[str], list[tuple[int, int]]] | None = None,
                         ) -> list[Utterance]:
    """Each utterance in which the voice changes from one of ``voices`` to the other (in
    noise the recogniser ran three and four turns into one) cut at the boundaries between
    words nearest the changes; each part keeps its own words, its text made of them by
    ``to_text`` (the transcriber's: simplified). Never inside the character spans
    ``keep_whole`` gives for its text (the words only the agent says, as
    :func:`cut_at_edges`): v2di06's change to the agent, placed between 您 and 家 of
    您家光猫装在哪儿了, left 5.6 in two parts, neither of them the line.

    The 1.6 s windows place a change only to within about half a window: a boundary between
    words that lies in one of the voice's ``pauses`` within that reach is taken before a
    nearer one that does not (noisy v2dd03: the change after the customer's 谢谢你啊师傅
    was placed inside the agent's 不客气, cut after 不, and 5.13 was lost)."""
    reach = options.split_pause_reach_s
    out: list[Utterance] = []
    for u in utts:
        changes = voice_changes(audio, u.start, u.end, voices, encoder, options) \
            if len(u.words) >= 2 else []
        offsets = word_offsets(u, to_text) if changes and keep_whole is not None else None
        free = list(range(1, len(u.words))) if offsets is None or keep_whole is None else \
            _outside(u, offsets, keep_whole(u.text))
        bounds = set()
        for at in changes if free else ():
            near = [k for k in free
                    if abs(_between(u, k) - at) <= reach
                    and any(s - slack_s <= _between(u, k) <= e + slack_s for s, e in pauses)]
            bounds.add(min(near or free, key=lambda k: abs(_between(u, k) - at)))
        parts = _cut(u, bounds, to_text)
        if len(parts) > 1:
            log.debug("cut %r in %d: the voice changes at %s s", u.text, len(parts), changes)
        out.extend(parts)
    return out


def cut_at_edges(utts: Sequence[Utterance], changes: Sequence[tuple[float, int] | None],
                 keep_whole: Callable[[str], list[tuple[int, int]]],
                 to_text: Callable[[str], str], *, reach_s: float) -> list[Utterance]:
    """Each utterance with a change of voice (``changes[i]``: its time, from
    :func:`analyzer.diarize.edge_changes`) cut at the boundary between words nearest it,
    when that is within ``reach_s`` of it (where voices overlap there is no pause to cut
    at: v2di04's 打搅您了 over the customer's 不耽误了); not inside the character spans
    ``keep_whole`` gives for its text (the words only the agent says: a line cut in two
    would be lost) while a boundary outside them is within reach, and inside one only
    where none is (the voice changing inside what was read as one line)."""
    out: list[Utterance] = []
    for u, change in zip(utts, changes, strict=True):
        offsets = word_offsets(u, to_text) if change is not None and len(u.words) >= 2 \
            else None
        if change is None or offsets is None:
            out.append(u)
            continue
        at = change[0]
        near = [k for k in _outside(u, offsets, keep_whole(u.text))
                if abs(_between(u, k) - at) <= reach_s]
        if not near:
            # A line whose words the voice changes inside, farther than reach_s from both
            # its edges, is no one speaker's line: the recogniser's text read as one across
            # the change (v2dd07: the agent's 写两句意见 and the customer's 我眼神不好,你给
            # 我指指签哪儿, written 写两句一件我眼神不好,你给我制止千马儿, held 5.14's rule
            # 意见…签 by sound, and the customer's 2.9 s stayed the agent's talk).
            near = [k for k in range(1, len(u.words)) if abs(_between(u, k) - at) <= reach_s]
        if not near:
            out.append(u)
            continue
        k = min(near, key=lambda k: abs(_between(u, k) - at))
        parts = _cut(u, {k}, to_text)
        if len(parts) > 1:
            log.debug("cut %r at %.2f s: the voice changes at its edge", u.text, at)
        out.extend(parts)
    return out


def cut_at_pauses(utts: Sequence[Utterance], pauses: Sequence[tuple[float, float]],
                  keep_whole: Callable[[str], list[tuple[int, int]]],
                  to_text: Callable[[str], str], *, min_s: float, min_piece_s: float,
                  slack_s: float = 0.05) -> tuple[list[Utterance], list[int]]:
    """Each utterance of at least ``min_s`` cut at the boundary between words inside each
    pause of the voice within it (``pauses``: ``(start, end)`` seconds, in time order), and
    the utterance each piece came from. A boundary is used when it lies in the pause, or
    within ``slack_s`` of it (the recogniser stretches the word after a pause back over
    it); never inside the character spans ``keep_whole`` gives for an utterance's text
    (the words only the agent says: a line in pieces no longer matches). The recogniser
    writes two turns as one utterance when nothing marks the change but the
    pause (noisy v2dd04: four turns in one), and a pause within one speaker's turn gives
    two pieces of one voice, joined again by :func:`rejoin` once the voices are known."""
    out: list[Utterance] = []
    origin: list[int] = []
    for n, u in enumerate(utts):
        bounds: set[int] = set()
        offsets = word_offsets(u, to_text) if u.end - u.start >= min_s and \
            len(u.words) >= 2 else None
        if offsets is not None:
            free = _outside(u, offsets, keep_whole(u.text))
            for s, e in pauses:
                if e <= u.start or s >= u.end:
                    continue
                inside = [k for k in free if s - slack_s <= _between(u, k) <= e + slack_s]
                if inside:
                    bounds.add(min(inside, key=lambda k: abs(_between(u, k) - (s + e) / 2)))
        # a piece shorter than ``min_piece_s`` says too little of its voice to be
        # attributed alone (v2di02's 进来吧 went to the agent): it stays with the
        # neighbour across the shorter pause
        edges = sorted({0, len(u.words), *bounds})
        while len(edges) > 2:
            lengths = [u.words[b - 1]["end"] - u.words[a]["start"]
                       for a, b in zip(edges, edges[1:], strict=False)]
            k = int(np.argmin(lengths))
            if lengths[k] >= min_piece_s:
                break
            gap_before = u.words[edges[k]]["start"] - u.words[edges[k] - 1]["end"] \
                if k > 0 else -1.0
            gap_after = u.words[edges[k + 1]]["start"] - u.words[edges[k + 1] - 1]["end"] \
                if k + 2 < len(edges) else -1.0
            del edges[k if gap_before >= 0 and (gap_after < 0 or gap_before <= gap_after)
                      else k + 1]
        bounds = set(edges[1:-1])
        parts = _cut(u, bounds, to_text) if bounds else [u]
        out.extend(parts)
        origin.extend([n] * len(parts))
    return out, origin


def rejoin(pieces: Sequence[Utterance], origin: Sequence[int], sides: Sequence[object],
           ) -> list[list[int]]:
    """Runs of neighbouring ``pieces`` of one utterance (``origin``) said by one side
    (``sides``): the pieces to join again after :func:`cut_at_pauses`."""
    runs: list[list[int]] = []
    for k in range(len(pieces)):
        if runs and origin[runs[-1][-1]] == origin[k] and sides[runs[-1][-1]] == sides[k]:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


def snap_to_pauses(utts: Sequence[Utterance], speakers: Sequence[str],
                   pauses: Sequence[tuple[float, float]], *, reach_s: float) -> list[Utterance]:
    """``utts`` (in time order, ``speakers[i]`` said ``utts[i]``) with each change of speaker
    moved to a pause: where two neighbours' speakers differ, the first now ends where the
    pause nearest their meeting (``pauses``: ``(start, end)`` seconds, in time order) begins
    and the second starts where it ends, when that pause lies within ``reach_s`` of the
    meeting and inside the two (after the first's start, before the second's end). Without
    such a pause (the voices overlap, or follow at once) the times stay. Texts and words
    stay: only the times move, for the analytics' talk time and silences."""
    out = list(utts)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if speakers[i] == speakers[i + 1]:
            continue
        lo, hi = min(a.end, b.start), max(a.end, b.start)
        near = [(round(s, 2), round(e, 2)) for s, e in pauses
                if e > lo - reach_s and s < hi + reach_s]
        near = [(s, e) for s, e in near if a.start < s and e < b.end]
        if not near:
            continue
        start, end = min(near, key=lambda p: max(p[0] - hi, lo - p[1], 0.0))
        out[i] = replace(a, end=start)
        out[i + 1] = replace(b, start=end)
    return out


_LAST_S = 0.2  # the end of an utterance whose level says whose voice is there as it ends
_MEET_S = 0.1  # two utterances this close meet: no pause of the voice between them


def _voiced(scores: np.ndarray, threshold: float, frame_s: float, start: float,
            end: float) -> bool:
    """Whether the speech detector's ``scores`` stay at or above ``threshold`` from
    ``start`` to ``end`` (seconds): the voice does not pause there."""
    window = scores[int(start / frame_s): int(end / frame_s) + 1]
    return bool(window.size) and float(window.min()) >= threshold


def _best_step(times: Iterable[float], step: Callable[[float], float | None]) -> float | None:
    """The time among ``times`` where ``step`` (the step up in level there, dB; None: none
    that counts) is largest, to 0.01 s; None when there is none."""
    best: tuple[float, float] | None = None
    for t in times:
        gain = step(float(t))
        if gain is not None and (best is None or gain > best[0]):
            best = (gain, float(t))
    return None if best is None else round(best[1], 2)


def onsets_at_level_steps(utts: Sequence[Utterance], speakers: Sequence[str], audio: np.ndarray,
                          scores: np.ndarray, threshold: float, frame_s: float, *,
                          min_gap_db: float, head_min_s: float, reach_s: float,
                          tail_s: float = 0.5) -> list[Utterance]:
    """``utts`` (in time order, ``speakers[i]`` said ``utts[i]``) with the start of the
    nearer voice's utterances moved to where that voice begins, when the recogniser began
    them early on the other speaker's words.

    On a badge recorder the wearer's voice is the louder, by ``min_gap_db`` or more (each
    speaker's median active level over its utterances of at least 1 s). Where an utterance
    of the louder speaker follows one of the quieter, its first stretch of at least
    ``head_min_s`` (within ``reach_s`` of its start) at the quieter voice's level (nearer
    it than the louder's), followed by ``tail_s`` at the louder's, with the voice never
    pausing between (the speech detector's ``scores``, one per ``frame_s``, at or above
    ``threshold``), is the quieter speaker still speaking: the words it said there were
    lost under the other voice (v2di02: the customer's 你看看是不是坏了, the agent cutting
    in). The louder's utterance then starts at the step up, where the two voices meet, and
    the quieter's ends there. Where instead the step up to the louder voice's level comes
    ``head_min_s`` or more before the end of the quieter's utterance, the voice never
    pausing from it to the louder's, the louder came in over the quieter's last words:
    the louder's utterance starts at the step, the quieter's keeps its end (the two
    overlap). Texts and words stay: only the times move, for the analytics."""
    out = list(utts)
    levels = speaker_levels(audio, [(u.start, u.end) for u in utts], speakers, min_gap_db)
    if levels is None:
        return out
    louder = max(levels, key=lambda w: levels[w])
    quieter = "customer" if louder == "agent" else "agent"
    gap = levels[louder] - levels[quieter]
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if speakers[i] != quieter or speakers[i + 1] != louder:
            continue
        last = active_level_db(audio, max(a.start, a.end - _LAST_S), a.end) \
            if b.start - a.end <= _MEET_S else None
        if last is not None and last >= levels[louder] - gap / 2:
            # the louder voice was there already at the end of the quieter's utterance: it
            # came in before the recogniser began its utterance, not after (v2di04: the
            # agent's 好, at 52.23 s, the agent's utterance written from 52.41 s on the
            # customer's 不耽误了, then its own 打搅您了 at the agent's level: moved to that
            # step, the cut-in was found 0.63 s late)
            continue
        def step_after_head(t: float, b: Utterance = b) -> float | None:
            head = active_level_db(audio, b.start, t)
            tail = active_level_db(audio, t, t + tail_s)
            if head is None or tail is None or abs(head - levels[quieter]) > gap / 2 or \
                    tail < levels[louder] - gap / 2:
                return None
            return tail - head

        at = _best_step(np.arange(b.start + head_min_s, min(b.start + reach_s, b.end - tail_s),
                                  0.02), step_after_head)
        if at is None:
            continue
        if not _voiced(scores, threshold, frame_s, b.start + 0.05, at + 0.15):
            continue  # a pause: the quieter voice ended before the louder began
        log.debug("%r starts at %.2f s, not %.2f s: before it, the other voice's level",
                  b.text, at, b.start)
        out[i] = replace(a, end=max(a.end, at))
        out[i + 1] = replace(b, start=at)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if speakers[i] != quieter or speakers[i + 1] != louder or \
                b.start != utts[i + 1].start or b.start - a.end > _MEET_S:
            continue  # (the two utterances meet: no pause between them)
        # the other way round: the nearer voice came in over the quieter one's last words,
        # which the recogniser went on writing (v2di04: the agent's 好,打搅您了 from 52.23 s,
        # under the customer's 孩子写作业不耽误了 written to 52.86 s, where the agent's
        # utterance began: the agent's cut-in found 0.63 s late). The step up to the
        # louder voice's level, lasting ``head_min_s`` or more up to the louder's
        # utterance, after ``tail_s`` at the quieter's, is where it came in; the quieter's
        # utterance keeps its end (both speak).
        def step_under_tail(t: float, b: Utterance = b) -> float | None:
            before = active_level_db(audio, t - tail_s, t)
            after = active_level_db(audio, t, b.start)
            # (each half of it at that level: one loud last syllable is no second voice)
            halves = [active_level_db(audio, *h) for h in ((t, (t + b.start) / 2),
                                                          ((t + b.start) / 2, b.start))]
            if before is None or after is None or abs(before - levels[quieter]) > gap / 2 or \
                    any(h is None or h < levels[louder] - gap / 2 for h in (after, *halves)):
                return None
            return after - before

        at = _best_step(np.arange(max(a.start + tail_s, b.start - reach_s),
                                  b.start - head_min_s + 1e-6, 0.02), step_under_tail)
        if at is None:
            continue
        if not _voiced(scores, threshold, frame_s, at - 0.15, b.start):
            continue  # a pause: the louder voice began after the quieter one ended
        log.debug("%r starts at %.2f s, not %.2f s: the step up to its level under the "
                  "other voice", b.text, at, b.start)
        out[i + 1] = replace(b, start=at)
    return out


def pieces_by_level(utts: Sequence[Utterance], speakers: Sequence[str], audio: np.ndarray,
                    pauses: Sequence[tuple[float, float]],
                    keep_whole: Callable[[str], list[tuple[int, int]]],
                    to_text: Callable[[str], str], *, min_gap_db: float, min_off_db: float,
                    min_piece_s: float, slack_s: float, min_words_s: float | None = None,
                    voice_of: Callable[[float, float], str | None] | None = None,
                    ) -> tuple[list[Utterance], list[str], list[int]]:
    """``utts`` (``speakers[i]`` said ``utts[i]``) with the pieces between the pauses of the
    voice inside an utterance (:func:`cut_at_pauses`, pieces of at least ``min_piece_s``)
    given to the other speaker where their loudness says so: the two speakers' median
    active levels (over their utterances of at least 1 s) lie ``min_gap_db`` or more apart
    (a badge recorder: its wearer nearer), and the piece's own level lies ``min_off_db`` or
    more from its speaker's, nearer the other's (its voice outside the pauses at least
    ``min_piece_s`` long, or ``min_words_s`` for two syllables or more), and ``voice_of``
    (the speaker whose voice a stretch is nearer, None when too short to tell) does not
    say otherwise: a speaker
    says a sentence softly too (an apology, 4 dB under the agent's median in a synthesised
    visit, ov05), and in 2 s the voice is heard. An utterance keeps at least one piece
    (the one most like its speaker) and a piece its words (never cut inside the spans
    ``keep_whole`` gives). Returns the utterances, their speakers and, per utterance, the
    index of the one it came from.

    The recogniser writes a short answer that follows within a breath into the other's
    utterance (v2dd04: the agent's 我先用一下 and the customer's 在那边, 0.3 s apart, one
    utterance; its 0.66 s too short to embed), and in noise more (noisy v2dd04: three
    turns in one). Measured on the pieces at the voice's pauses in the 7 v2 badge
    recordings and their noisy copies: of 296, 9 were the other speaker's, all but one
    3.6-5.2 dB off their utterance's speaker's median and within 1.7 dB of the other's;
    of the 287 right ones, 5% lay 1.4 dB or more under their speaker's median, 5% 2.6 dB
    over it. Through the pipeline, 4 pieces moved there, each to the speaker the timeline
    gives (在那边 twice, the customer's 三点半了 and 烦死了), speaker accuracy on the noisy
    copies (score_audio.py) 0.991 -> 0.998, the clean ones unchanged (1.0, 0.995); none
    moved in 32 synthesised visits (bench/synth_badge_visits.py --voices corpus, seeds 9
    and 10), where without the voice's say and the pauses left out three right pieces had
    moved: an apology said 3.7 dB under the agent's median, twice, and a 我 timed from
    0.5 s before it.
    """
    out_speakers = list(speakers)
    levels = speaker_levels(audio, [(u.start, u.end) for u in utts], speakers, min_gap_db)
    if levels is None:
        return list(utts), out_speakers, list(range(len(utts)))
    pieces, origin = cut_at_pauses(utts, pauses, keep_whole, to_text, min_s=0.0,
                                   min_piece_s=min_piece_s, slack_s=slack_s)
    if len(pieces) == len(utts):
        return list(utts), out_speakers, list(range(len(utts)))
    said = [speakers[n] for n in origin]
    for n in range(len(utts)):
        own = speakers[n]
        if own not in levels:
            continue
        other = "customer" if own == "agent" else "agent"
        mine = [k for k in range(len(pieces)) if origin[k] == n]
        if len(mine) < 2:
            continue
        off: dict[int, float] = {}
        for k in mine:
            # a word after a pause is often timed from before it (the recogniser stretches
            # it back over the pause, onto the other voice's last words: a synthesised
            # visit's 我, 0.66 s of which 0.48 s pause, 0.1 s the customer's): a piece is
            # judged by its voice outside the pauses, when there is enough of it
            a, b = pieces[k].start, pieces[k].end
            paused = sum(max(0.0, min(b, e) - max(a, s)) for s, e in pauses)
            heard = min_piece_s if spoken_chars(pieces[k].text) < 2 or min_words_s is None \
                else min(min_piece_s, min_words_s)
            if b - a - paused < heard:
                continue
            level = active_level_db(audio, a, b)
            if level is not None and abs(level - levels[own]) >= min_off_db and \
                    abs(level - levels[other]) < abs(level - levels[own]) and \
                    (voice_of is None or voice_of(a, b) in (None, other)):
                off[k] = abs(level - levels[own])
        if len(off) == len(mine):  # the utterance keeps the piece most like its speaker
            del off[min(off, key=lambda k: off[k])]
        for k in off:
            said[k] = other
            log.debug("%r (%.2f-%.2f s) is the %s's by its level", pieces[k].text,
                      pieces[k].start, pieces[k].end, other)
    runs = rejoin(pieces, origin, said)
    pieces_of = Counter(origin)
    out = [utts[origin[r[0]]] if pieces_of[origin[r[0]]] == len(r) else joined(pieces, r)
           for r in runs]
    return out, [said[r[0]] for r in runs], [origin[r[0]] for r in runs]


def _outside(u: Utterance, offsets: Sequence[int], kept: Sequence[tuple[int, int]],
             ) -> list[int]:
    """The boundaries between words of ``u`` (``k``: before word k) that lie outside every
    character span of ``kept`` in its text (``offsets``: :func:`word_offsets`)."""
    return [k for k in range(1, len(u.words)) if not any(a < offsets[k] < b for a, b in kept)]


def _between(u: Utterance, k: int) -> float:
    """The time of the boundary before word ``k`` of ``u``: between its words k-1 and k."""
    return float((u.words[k - 1]["end"] + u.words[k]["start"]) / 2)


def _cut(u: Utterance, bounds: set[int], to_text: Callable[[str], str]) -> list[Utterance]:
    """``u`` cut before each word of ``bounds``, each part keeping its own words, its text
    made of them by ``to_text``; ``[u]`` when that leaves one part (or none: no words) or a
    part without text."""
    edges = sorted({0, len(u.words), *bounds})
    parts = [u.words[a:b] for a, b in zip(edges, edges[1:], strict=False)]
    texts = [to_text("".join(w["word"] for w in p)).strip() for p in parts]
    if len(parts) <= 1 or not all(texts):
        return [u]
    # plain floats: word times may come as numpy scalars, which JSON does not write
    return [Utterance(start=round(float(p[0]["start"]), 2), end=round(float(p[-1]["end"]), 2),
                      text=text,
                      confidence=words_confidence(p), channel=u.channel, words=p)
            for p, text in zip(parts, texts, strict=True)]


def word_offsets(u: Utterance, to_text: Callable[[str], str]) -> list[int] | None:
    """Where each word of ``u`` starts in ``u.text`` (and where the text ends), or None when
    the words, made text one by one, do not add up to it."""
    offsets, pos = [], 0
    for k, w in enumerate(u.words):
        t = to_text(w["word"])
        if k == 0:
            t = t.lstrip()
        offsets.append(pos)
        pos += len(t)
    if pos != len(u.text.rstrip()) and pos != len(u.text):
        return None
    offsets.append(pos)
    return offsets


def cut_around_lines(utts: Sequence[Utterance], agent_said: Sequence[bool],
                     line_spans: Callable[[str], list[tuple[int, int]]], audio: np.ndarray,
                     voices: np.ndarray, agent_voice: int, encoder: object,
                     to_text: Callable[[str], str], *, min_s: float, margin: float,
                     agent_margin: float) -> list[Utterance]:
    """Utterances that hold words only the agent says (``line_spans``: the character spans
    of script lines and violations) beside other words, cut at the boundaries between words
    where the voices say the two are different speakers:

    - given to the agent (``agent_said``): the words before or after the line (at least
      ``min_s`` of them) are cut off when their voice is nearer the other of ``voices``
      than the agent's by ``margin`` (cosine). v2di06: the customer's 我看个戏曲视频转半天圈
      ran into the agent's 您家光猫装在哪儿了, the two voices overlapping;
    - given to the customer: the line itself (at least ``min_s`` of it) is cut out when its
      voice is nearer the agent's by ``agent_margin``. v2dd04: the agent's 这个不归我们管 came
      0.4 s after the customer's question, too short a stretch for the 1.6 s windows of
      :func:`analyzer.diarize.voice_changes` to see, and the recogniser wrote the two as one.
    """
    out: list[Utterance] = []
    for u, said in zip(utts, agent_said, strict=True):
        spans = line_spans(u.text) if len(u.words) >= 2 else []
        offsets = word_offsets(u, to_text) if spans else None
        if not spans or offsets is None:
            out.append(u)
            continue
        first = min(s for s, _ in spans)
        last = max(e for _, e in spans)
        # the word in which the line starts, and the first word after it ends
        k0 = max(k for k in range(len(u.words)) if offsets[k] <= first)
        k1 = min((k for k in range(len(u.words)) if offsets[k] >= last), default=len(u.words))
        pieces = []  # (first word, end word) of the stretches to look at
        if said:
            if k0 > 0 and u.words[k0]["start"] - u.start >= min_s:
                pieces.append((0, k0))
            if k1 < len(u.words) and u.end - u.words[k1]["start"] >= min_s:
                pieces.append((k1, len(u.words)))
        elif (k0 > 0 or k1 < len(u.words)) and \
                u.words[k1 - 1]["end"] - u.words[k0]["start"] >= min_s:
            pieces.append((k0, k1))
        if not pieces:
            out.append(u)
            continue
        wavs = [audio[int(u.words[a]["start"] * SAMPLE_RATE): int(u.words[b - 1]["end"]
                                                                  * SAMPLE_RATE)]
                for a, b in pieces]
        emb = np.asarray(encoder.embed_many(wavs), dtype=np.float32)  # type: ignore[attr-defined]
        sims = emb @ voices.T
        # the piece's voice is the one it should not be: the customer's beside the agent's
        # line, the agent's inside the customer's utterance
        nearer_customer = sims[:, 1 - agent_voice] - sims[:, agent_voice]
        other = [p for p, lean in zip(pieces, nearer_customer, strict=True)
                 if (lean >= margin if said else -lean >= agent_margin)]
        parts = _cut(u, {k for p in other for k in p}, to_text)
        if len(parts) > 1:
            log.debug("cut %r in %d around words only the agent says: %s", u.text, len(parts),
                      "another voice beside them" if said else "the agent's voice")
        out.extend(parts)
    return out
