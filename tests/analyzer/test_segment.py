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


def test_fast_boundaries_equal_jiebas_cut(analyzer, shared):
    """The matcher's boundary check for runs of Chinese characters reimplements jieba's
    dictionary cut without its generator layers; it must give the same words."""
    import json
    import random

    from analyzer.segment import _HAN

    corpus_texts = []
    for name in ("dev_utterances.jsonl", "dev_utterances_asr.jsonl", "dev_dialogues.jsonl"):
        for line in (shared / "corpus" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            corpus_texts += [row["text"]] if "text" in row else [t["text"] for t in row["turns"]]

    seg = analyzer.segmenter
    rnd = random.Random(7)
    checked = 0
    for text in corpus_texts:
        key = analyzer.normaliser.normalise(text).text
        for _ in range(5):
            if len(key) < 2:
                break
            a = rnd.randrange(len(key) - 1)
            window = key[a:a + rnd.randint(2, 12)]
            if _HAN.fullmatch(window):
                assert seg._han_boundaries(window) == seg.boundaries(window), window
                checked += 1
    assert checked > 500


def test_prefix_dictionary_cache_is_jiebas_dictionary(tmp_path, caplog):
    """huashu's copy of jieba's prefix dictionary is written once, read back equal to what
    jieba builds itself, and built again when damaged."""
    import logging

    import jieba

    from analyzer.segment import prefix_dict

    own = jieba.Tokenizer()
    own.initialize()
    first = prefix_dict(jieba.Tokenizer(), tmp_path)
    [cached] = list(tmp_path.glob("jieba-prefix-*.bin"))
    again = prefix_dict(jieba.Tokenizer(), tmp_path)
    assert first == again == (own.FREQ, own.total)
    assert len(own.FREQ) > 100000

    cached.write_bytes(cached.read_bytes()[:-5000])  # a write cut short
    with caplog.at_level(logging.WARNING):
        assert prefix_dict(jieba.Tokenizer(), tmp_path) == (own.FREQ, own.total)
    assert "building it again" in caplog.text
    assert prefix_dict(jieba.Tokenizer(), tmp_path) == (own.FREQ, own.total)  # rewritten


def test_an_unwritable_cache_folder_only_costs_time(tmp_path):
    import jieba

    from analyzer.segment import Segmenter, prefix_dict

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    freq, total = prefix_dict(jieba.Tokenizer(), blocker / "cache")
    assert total > 0 and "宽" in freq
    seg = Segmenter(["水晶头"], cache_dir=blocker / "cache")
    assert "水晶头" in [w for w, _, _ in seg.cut("换个水晶头")]
