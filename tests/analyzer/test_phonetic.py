"""Pinyin keys: homophones equal, fuzzy pairs equal, initials and finals costed apart."""

from __future__ import annotations

from analyzer.phonetic import PhoneticEncoder, split_syllable, syllables


def test_asr_homophones_encode_alike():
    e = PhoneticEncoder()
    assert e.encode("宽代") == e.encode("宽带")
    assert e.encode("说民书") == e.encode("说明书")  # min/ming: a fuzzy pair
    assert e.encode("在") == e.encode("再")  # tones are ignored


def test_fuzzy_pairs():
    assert split_syllable("zhi") == split_syllable("zi")
    assert split_syllable("chang") == split_syllable("can")
    assert split_syllable("ning") == split_syllable("lin")
    assert split_syllable("ba") != split_syllable("pa")


def test_initial_and_final_are_separate_tokens():
    e = PhoneticEncoder()
    jie, jian = e.encode("姐"), e.encode("检")
    assert len(jie) == len(jian) == 2
    assert jie[0] == jian[0]  # same initial j: half a syllable apart
    assert jie[1] != jian[1]
    shi, he = e.encode("是"), e.encode("和")
    assert shi[0] != he[0] and shi[1] != he[1]


def test_y_w_spellings_are_not_initials():
    assert split_syllable("you") == split_syllable("iou")
    assert split_syllable("wei")[1] == split_syllable("gui")[1]


def test_non_chinese_characters_keep_their_identity():
    e = PhoneticEncoder()
    assert e.encode("ab") != e.encode("ba")
    assert len(e.encode("wifi密码")) == 12


def test_a_syllabic_nasal_is_heard_as_en():
    # 嗯 (pinyin n) is written 恩 (en) by the recogniser as often as not
    e = PhoneticEncoder()
    assert e.encode("嗯") == e.encode("恩")
    assert split_syllable("ng") == split_syllable("en")
    assert e.encode("嗯") != e.encode("能")


def test_syllables_are_what_homophones_keep():
    # the wording model's third part: one toneless syllable per Chinese character
    assert syllables("好频宁可") == syllables("好评您可") == ["h-ao", "p-in", "l-in", "k-e"]
    assert syllables("知识") == syllables("姿势") != syllables("加速")  # zh/z, sh/s
    assert syllables("wifi借我") == syllables("借我") and syllables("123,!") == []
    assert len(syllables("網線")) == 2 and syllables("網線") == syllables("网线")
