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


def test_remembered_boundaries_are_the_cut(analyzer):
    """Boundaries are remembered per window: a second look-up gives what cutting gives."""
    seg = analyzer.segmenter
    for text in ("我先把光猫重启一下", "滚动条往下拉", "你们必须先交费"):
        cut = {0, len(text)} | {e for _, _, e in seg.cut(text)}
        assert seg.boundaries(text) == cut
        assert seg.boundaries(text) == cut


def test_domain_words_come_from_the_phrasebank(analyzer):
    from analyzer.segment import phrasebank_words

    assert set(analyzer.bank.domain_words) <= set(phrasebank_words(analyzer.bank))
    assert "水晶头" in [w for w, _, _ in analyzer.segmenter.cut("换个水晶头")]
