"""Alignment of one form against one utterance: pure functions over phonetic codes.

Codes hold two tokens per syllable (see :mod:`analyzer.phonetic`). :func:`align` scores a
form against the tightest span of the utterance that holds it: rapidfuzz's LCS inside a
window found by ``partial_ratio_alignment``, the Indel similarity between the form and the
span, with tokens that a slot or clause gap absorbs not counted against it.
:func:`exact_short` is the stricter test of short forms: the same sounds in a row, most
characters identical.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

__all__ = ["Alignment", "align", "exact_short"]


class Alignment(NamedTuple):
    score: float  # 0-1, rounded to 3 places
    start: int  # syllable offsets in the utterance
    end: int


def align(form_code: str, code: str, *, free_tokens: Mapping[int, int], margin: int,
          min_matched: int, must_hear: Sequence[int] = (),
          clauses: Sequence[tuple[int, int]] = (), clause_min: float = 0.0,
          ) -> Alignment | None:
    """The best alignment of ``form_code`` in ``code``, or None when fewer than
    ``min_matched`` of its tokens can be matched (the form must be covered, not merely
    overlapped), when a syllable at a token offset of ``must_hear`` is not matched whole
    (a negation lost turns a line into its opposite), or when a token range of
    ``clauses`` has two or more of its syllables not matched whole and less than
    ``clause_min`` of its tokens matched (each clause said, not one said for both; a
    clause may lose one syllable: 问我,我问谁 is 你问我…我问谁).

    ``free_tokens`` maps a token offset of the form to the number of utterance tokens a
    slot or gap there may absorb for free; ``margin`` widens the window found by
    ``partial_ratio_alignment`` on either side, in tokens.
    """
    la = len(form_code)
    w0 = 0
    window = code
    if len(code) > la + 2 * margin:
        al = fuzz.partial_ratio_alignment(form_code, code)
        if al is None:
            return None
        w0 = max(0, al.dest_start - margin)
        w0 -= w0 % 2
        window = code[w0: al.dest_end + margin]
    ops: list[tuple[str, int, int, int, int]] = \
        LCSseq.opcodes(form_code, window).as_list()  # type: ignore[assignment]
    # (form start, form end, utterance start, utterance end) of each matched block
    blocks = [(i1, i2, j1 + w0, j2 + w0) for tag, i1, i2, j1, j2 in ops if tag == "equal"]
    if not blocks:
        return None
    # Per gap between blocks: the inserted tokens that a slot or a clause gap absorbs.
    # A gap within a syllable of the slot's place draws on it too: a stray token of the
    # words said in the gap (这 of 说了吗这个怎么…) can split it in two.
    absorbed_at = []
    left = dict(free_tokens)
    for prev, nxt in zip(blocks, blocks[1:], strict=False):
        gap = nxt[2] - prev[3]
        use = 0
        if gap > 0 and left:
            for p, v in left.items():
                if v and prev[1] - 2 <= p <= nxt[0] + 2:
                    take = min(gap - use, v)
                    left[p] = v - take
                    use += take
                    if use == gap:
                        break
        absorbed_at.append(use)
    matched = sum(b[1] - b[0] for b in blocks)
    span = blocks[-1][3] - blocks[0][2]
    absorbed = sum(absorbed_at)
    lo, hi = 0, len(blocks) - 1
    score = 2 * matched / (la + span - absorbed)
    # Trim stray matches at either end while that tightens the span, but never below the
    # coverage the form needs: past it, a higher score is of a span no longer holding the
    # form. Of the longest common subsequences, rapidfuzz's matches each token as early as
    # it can, so a filler before a line lends it a stray first token (个 of 那个刚才…):
    # that block is trimmed, 刚才 is not.
    while hi > lo:
        first, last = blocks[lo], blocks[hi]
        matched_lo = matched - (first[1] - first[0])
        span_lo = span - (blocks[lo + 1][2] - first[2])
        absorbed_lo = absorbed - absorbed_at[lo]
        score_lo = 2 * matched_lo / (la + span_lo - absorbed_lo)
        matched_hi = matched - (last[1] - last[0])
        span_hi = span - (last[3] - blocks[hi - 1][3])
        absorbed_hi = absorbed - absorbed_at[hi - 1]
        score_hi = 2 * matched_hi / (la + span_hi - absorbed_hi)
        if matched_lo < min_matched:
            score_lo = 0.0
        if matched_hi < min_matched:
            score_hi = 0.0
        if score_lo > score and score_lo >= score_hi:
            lo, matched, span, absorbed, score = lo + 1, matched_lo, span_lo, absorbed_lo, \
                score_lo
        elif score_hi > score:
            hi, matched, span, absorbed, score = hi - 1, matched_hi, span_hi, absorbed_hi, \
                score_hi
        else:
            break
    if matched < min_matched:
        return None
    if must_hear or clauses:
        # the form's tokens matched, and its syllables matched whole: both tokens against
        # one syllable of the utterance (not 明's initial against 没 and its final against 今)
        heard: set[int] = set()
        whole: set[int] = set()
        for i1, i2, j1, _ in blocks[lo: hi + 1]:
            heard.update(range(i1, i2))
            whole.update(i for i in range(i1, i2 - 1) if not i & 1 and not (j1 + i - i1) & 1)
        if any(p not in whole for p in must_hear):
            return None
        for a, b in clauses:
            lost = sum(1 for p in range(a, b, 2) if p not in whole)
            if lost > 1 and len(heard.intersection(range(a, b))) < clause_min * (b - a):
                return None
    return Alignment(round(score, 3), blocks[lo][2] // 2, (blocks[hi][3] + 1) // 2)


def exact_short(form_chars: str, form_code: str, chars: str, code: str,
                is_word_span: Callable[[str, int, int], bool] | None,
                soundalike: bool = True) -> Alignment | None:
    """The first place where ``form_code`` occurs in ``code`` on a syllable, with all of
    its characters the same (with ``soundalike``, one may differ in forms of 3+
    syllables) and, when ``is_word_span`` is given, on word boundaries of ``chars``.
    Scores 0.9-1.0 by the share of identical characters."""
    n = len(form_chars)
    needed = n - (1 if soundalike and n >= 3 else 0)
    pos = code.find(form_code)
    while pos != -1:
        if pos % 2 == 0:
            s = pos // 2
            e = s + n
            same = sum(a == b for a, b in zip(chars[s:e], form_chars, strict=False))
            if same >= needed and (
                    is_word_span is None or is_word_span(chars, s, e)):
                return Alignment(round(0.9 + 0.1 * same / n, 3), s, e)
        pos = code.find(form_code, pos + 1)
    return None
