"""Normalisation keeps a map back to the text as received."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.normalise import Normaliser


@pytest.fixture(scope="module")
def norm(analyzer) -> Normaliser:
    return analyzer.normaliser


def test_traditional_fullwidth_digits_fillers(norm):
    n = norm.normalise("嗯，你們必須在３點前交費啊！")
    assert n.text == "你们必须在三点前交费"


def test_equivalents_and_stutters(norm):
    assert norm.normalise("您您您好").text == "你好"
    assert norm.normalise("我们我们必须").text == "我们必须"
    assert norm.normalise("我我我也没办法").text == "我也没办法"


def test_offsets_point_into_the_source(norm):
    src = "嗯，刚才不是跟你說了，怎麼又問？"
    n = norm.normalise(src)
    assert len(n.offsets) == len(n.text)
    # every kept character comes from a source character that converts to it
    for ch, off in zip(n.text, n.offsets, strict=True):
        assert norm.to_simplified(src[off]) == ch
    s, e = n.span(0, len(n.text))
    assert src[s:e] == "刚才不是跟你說了，怎麼又問"


def test_multi_character_nfkc_keeps_offsets(norm):
    src = "㈠你们必须"  # ㈠ becomes "(一)" under NFKC: three characters from one
    n = norm.normalise(src)
    assert n.text == "一你们必须"
    assert n.offsets[0] == 0 and n.offsets[1] == 1


def test_empty_and_punctuation_only(norm):
    assert norm.normalise("").text == ""
    assert norm.normalise("，。！？…… ").text == ""


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("你問我我说明書上有啊嘛，。！ ３5㈠ＡbＣ您您們") +
                                        ["\u200b", "\U0001f600", "\ufeff"]), max_size=30))
def test_offsets_agree_with_the_key_for_any_text(norm, text):
    n = norm.normalise(text)
    offs = n.offsets
    assert len(offs) == len(n.text)
    assert list(offs) == sorted(offs)
    assert all(0 <= o < len(text) for o in offs)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("你問我我说明書上有啊嘛，。！ ３5㈠ＡbＣ您們乾隆著")
                                                + ["\n", "\r", "\u2028", "\U0001f600"]),
                        max_size=12), max_size=8))
def test_normalising_many_at_once_is_normalising_each(norm, texts):
    """One OpenCC call for a batch gives each text what it gets alone (line breaks inside
    a text included), offsets too."""
    many = norm.normalise_many(texts)
    assert len(many) == len(texts)
    for text, n in zip(texts, many, strict=True):
        one = norm.normalise(text)
        assert (n.source, n.text, n.offsets) == (one.source, one.text, one.offsets)
