"""jieba with the phrasebank's words: boundaries for short phrases and lexicon words."""

from __future__ import annotations


def test_user_dictionary_keeps_domain_words(analyzer):
    words = [w for w, _, _ in analyzer.segmenter.cut("说明书上有你自己看")]
    assert "说明书" in words


def test_offsets_of_cut(analyzer):
    text = "我先把光猫重启一下"
    cut = analyzer.segmenter.cut(text)
    assert "".join(w for w, _, _ in cut) == text
    assert all(text[s:e] == w for w, s, e in cut)


def test_word_span(analyzer):
    seg = analyzer.segmenter
    assert seg.is_word_span("你滚吧", 1, 2)
    assert not seg.is_word_span("滚动条往下拉", 0, 1)
