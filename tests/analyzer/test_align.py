"""The pure pieces of matching: alignment scoring and the resolution of overlapping hits."""

from __future__ import annotations

import pytest

from analyzer.matching.align import align, exact_short
from analyzer.matching.forms import char_code
from analyzer.matching.resolve import Hit, resolve
from analyzer.phonetic import PhoneticEncoder
from phrasebank import Entry

# Phonetic codes: two tokens (initial, final) per syllable, as the matcher uses them.
P = PhoneticEncoder().encode
C = char_code


def test_a_form_said_word_for_word_scores_one_where_it_stands():
    a = align(P("我也没办法"), P("您好我也没办法了"), free_tokens={}, margin=4, min_matched=8)
    assert a is not None and a.score == 1.0 and (a.start, a.end) == (2, 7)


def test_a_changed_syllable_costs_its_tokens():
    # 有 for 办: 8 of the form's 10 tokens matched over a span of 10 → 2·8 / (10 + 10)
    a = align(P("我也没办法"), P("我也没有法"), free_tokens={}, margin=4, min_matched=6)
    assert a is not None and a.score == pytest.approx(0.8)
    # 法 left out: 8 tokens over a span of 8 → 2·8 / (10 + 8)
    b = align(P("我也没办法"), P("我也没办"), free_tokens={}, margin=4, min_matched=6)
    assert b is not None and b.score == pytest.approx(16 / 18, abs=1e-3)


def test_too_little_coverage_is_no_alignment():
    assert align(P("我也没办法"), P("办法"), free_tokens={}, margin=4, min_matched=8) is None


def test_a_slot_absorbs_the_words_said_in_it():
    form = P("我是号服务人员")  # 我是**号服务人员: a slot after 我是 (token offset 4)
    said = P("我是七九号服务人员")
    free = align(form, said, free_tokens={4: 16}, margin=8, min_matched=12)
    paid = align(form, said, free_tokens={}, margin=8, min_matched=12)
    assert free is not None and free.score == 1.0
    assert paid is not None and paid.score == pytest.approx(2 * 14 / (14 + 18), abs=1e-3)


def test_stray_ends_are_trimmed_down_to_the_coverage_the_form_needs():
    # By sound, 个 (g-e) of a filler shares its initial with 刚 (g-ang), and the line is said
    # with 都 for 不是, so the aligner lends the filler a stray token.
    form = P("刚才不是跟你说了吗")
    said = "那个刚才都跟你说了吗"
    a = align(form, P(said), free_tokens={}, margin=6, min_matched=12)
    assert a is not None and said[a.start:a.end] == "刚才都跟你说了吗"
    # Trimming it would leave fewer tokens than a form needing 14 must keep: it stays.
    b = align(form, P(said), free_tokens={}, margin=6, min_matched=14)
    assert b is not None and said[b.start:b.end] == "个刚才都跟你说了吗" and b.score < a.score


def test_a_violation_with_its_negation_lost_is_no_alignment():
    # 这事不归我管 and 这事归我们管 share 10 of 12 tokens: 0.83, a taboo's score, without the 不
    form = P("这事不归我管")
    said = P("这事归我们管")
    loose = align(form, said, free_tokens={}, margin=4, min_matched=10)
    assert loose is not None and loose.score >= 0.82
    assert align(form, said, free_tokens={}, margin=4, min_matched=10, must_hear=(4,)) is None
    # said with it (one syllable changed elsewhere), the negation is heard
    kept = align(form, P("这是不归我管"), free_tokens={}, margin=4, min_matched=10,
                 must_hear=(4,))
    assert kept is not None and kept.score >= 0.82


def test_each_clause_of_a_form_must_be_heard():
    # 刚才跟你说了…怎么又问 (a gap at token 12) against words whose first clause is the
    # form's and whose second says only 怎么
    form = P("刚才跟你说了怎么又问")
    said = P("刚才跟你说了那个套餐你考虑得怎么样")
    whole = align(form, said, free_tokens={12: 16}, margin=12, min_matched=16)
    assert whole is not None and whole.score >= 0.82
    assert align(form, said, free_tokens={12: 16}, margin=12, min_matched=16,
                 clauses=((0, 12), (12, 20)), clause_min=0.7) is None
    # both clauses said, one syllable of the second misheard (又 as 有): heard
    both = align(form, P("刚才跟你说了那个你怎么有问"), free_tokens={12: 16}, margin=12,
                 min_matched=16, clauses=((0, 12), (12, 20)), clause_min=0.7)
    assert both is not None
    # a clause of three that lost one syllable (你 of 你问我) is still heard: 4 of its 6
    # tokens is under clause_min, but only one syllable is gone
    short = align(P("你问我我问谁"), P("问我啊我问谁"), free_tokens={6: 16}, margin=12,
                  min_matched=8, clauses=((0, 6), (6, 12)), clause_min=0.7)
    assert short is not None


def test_exact_short_needs_word_boundaries_when_asked():
    chars = "我们必须先交费"
    code = C(chars)
    assert exact_short("们必须", C("们必须"), chars, code, None) is not None
    never = exact_short("们必须", C("们必须"), chars, code, lambda t, s, e: False)
    assert never is None
    a = exact_short("必须", C("必须"), chars, code, lambda t, s, e: True)
    assert a is not None and (a.start, a.end, a.score) == (2, 4, 1.0)


def _hit(ref: str, score: float, start: int, end: int, *, kind: str = "script",
         order: int = 0) -> Hit:
    entry = Entry(ref=ref, kind=kind, text=ref, forms=(ref,))
    return Hit(entry, score, start, end, end - start, order)


def test_the_better_of_two_overlapping_hits_is_kept():
    kept = resolve([_hit("5.8", 0.9, 0, 10), _hit("6.2", 0.95, 2, 12)], None)
    assert [r.hit.ref for r in kept] == ["6.2"]


def test_hits_apart_are_both_kept_and_input_is_untouched():
    hits = [_hit("5.8", 0.9, 0, 5), _hit("5.10", 0.9, 6, 12)]
    kept = resolve(hits, None)
    assert sorted(r.hit.ref for r in kept) == ["5.10", "5.8"]
    assert all(r.also == [] for r in kept)


def test_a_line_inside_a_longer_line_is_part_of_it():
    kept = resolve([_hit("5.1", 1.0, 4, 12), _hit("5.5", 0.9, 0, 30)], None)
    assert [r.hit.ref for r in kept] == ["5.5"]


def test_twins_prefer_the_section_and_name_each_other():
    twins = [_hit("1.1.7", 1.0, 0, 12, order=6), _hit("5.4", 1.0, 0, 12, order=12)]
    [first] = resolve(twins, None)
    assert (first.hit.ref, first.also) == ("1.1.7", ["5.4"])  # listed first in the bank
    [onsite] = resolve(twins, "5")
    assert (onsite.hit.ref, onsite.also) == ("5.4", ["1.1.7"])
