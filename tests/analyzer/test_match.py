"""Matching: ASR robustness, slots, speaker rules, hard negatives, spans, cut-offs."""

from __future__ import annotations

import pytest


def refs(analyzer, text, speaker="agent"):
    return sorted({f.ref for f in analyzer.check(text, speaker=speaker)})


@pytest.mark.parametrize("text,ref", [
    ("您申告了寬代故障,需要姐修,请问您什么时间方便?", "5.3"),      # 宽代 / 姐修
    ("说民书上有,你自己看。", "8.6"),                               # 说民书
    ("刚才不都跟您说了吗,怎么还问", "8.3"),                         # paraphrase, order kept
    ("嗯嗯,那个,我我我也没办法啊", "8.4"),                          # fillers and stutter
    ("我都快下班了,明天再来吧", "8.7"),
    ("這是我們公司規定的", "8.9"),                                   # traditional script
])
def test_asr_and_paraphrase(analyzer, text, ref):
    assert ref in refs(analyzer, text)


@pytest.mark.parametrize("text", [
    "您好!我是三零六号服务人员,请问是陈女士吗?",
    "您好,我是一千二百零八号服务人员,请问是欧阳先生吗",
    "您好!我是2021号服务人员,请问是王先生吗?",
])
def test_slots_take_names_and_numbers_of_any_length(analyzer, text):
    assert refs(analyzer, text) == ["1.1.1"]


def test_time_slot(analyzer):
    for t in ("下午三点", "两点半", "晚上七点一刻"):
        assert "1.1.6" in refs(analyzer, f"您好!我是负责为您解决宽带故障检修工作的工程师,"
                                         f"我将在{t}上门为您服务,请问可以吗?")


def test_customer_words_are_not_the_agents_fault(analyzer):
    text = "你有没有搞错,昨天刚修好又坏了"
    assert refs(analyzer, text, "customer") == []
    assert refs(analyzer, text, "agent") == ["8.2"]
    assert refs(analyzer, text, "unknown") == ["8.2"]  # unknown speaker: checked as agent


@pytest.mark.parametrize("text", [
    "我们必须先确认一下线路",       # not 8.5 你们必须
    "我们必须保证施工的质量",
    "我把说明书放在抽屉里了",       # not 8.6
    "今天下班前我会把工单提交",     # not 8.7
    "滚动条往下拉一下",             # 滚 inside a word is not 8.0
    "您应该是改过密码了吧",
    "我先把光猫重启一下",
])
def test_hard_negatives_stay_clean(analyzer, text):
    assert refs(analyzer, text) == []


@pytest.mark.parametrize(("taboo", "opposite"), [
    # a violation's form read by sound must hear its negation: without it, the opposite
    ("不知道,这事不归我管", "这事归我们管,您放心"),
    ("我也没办法啊", "我也有办法啊,您放心"),
    # and each of its clauses: one said in full does not carry the other
    ("刚才不是跟你说了吗,怎么又问", "刚才跟您说的那个套餐,您考虑得怎么样"),
    ("说明书上有,你自己看", "说明书上有图,我给您指一下"),
    ("快下班了,明天再说吧", "快下班了也没事,我今天给您弄好"),
])
@pytest.mark.parametrize("source", ["typed", "asr"])
def test_a_violation_is_not_read_into_its_opposite(analyzer, taboo, opposite, source):
    found = [f.ref for f in analyzer.check(taboo, speaker="agent", source=source)
             if f.is_violation]
    assert found
    assert [f.ref for f in analyzer.check(opposite, speaker="agent", source=source)
            if f.is_violation] == []


def test_company_rule_is_the_taboo_only_as_the_answer(analyzer):
    assert refs(analyzer, "公司规定的") == ["8.9"]
    assert refs(analyzer, "没办法,公司规定的") == ["8.9"]
    # 公司规定的 before a noun describes it
    assert refs(analyzer, "这个路由器是你们公司规定的型号吗") == []


def test_this_is_what_we_should_do_is_5_13_not_8_9(analyzer):
    assert refs(analyzer, "这是我们应该做的。") == ["5.13"]


def test_short_phrases_are_held_strictly(analyzer):
    assert refs(analyzer, "你们必须今天把费用交了") == ["8.5"]
    assert refs(analyzer, "你们必需今天交") == ["8.5"]  # one homophone character allowed
    # but not a whole phrase of homophones: the forms and rules hold them strictly (the
    # wording model, trained on misheard copies, reads this one as the line it sounds like)
    assert [f.ref for f in analyzer.check("泥门必需今天交", speaker="agent", wording=False)
            ] == []


def test_a_part_of_a_long_line_does_not_match_it(analyzer):
    # the first clause of 1.1.2 / 5.3 alone covers too little of either
    assert refs(analyzer, "您申告了宽带故障") == []
    # and 5.3 said in full is not 1.1.2, which goes on
    assert refs(analyzer, "您申告了宽带故障,需要检修,请问您什么时间方便?") == ["5.3"]


def test_span_points_into_the_text_as_received(analyzer):
    text = "嗯，師傅說：快下班了，明天再說啊。"
    [flag] = analyzer.check(text)
    s, e = flag.span
    assert flag.ref == "8.7" and flag.kind == "taboo"
    assert text[s:e] == flag.matched == "快下班了，明天再說"
    assert flag.standard == "快下班了,明天再说。"


def test_several_flags_in_one_utterance(analyzer):
    text = "对不起,给您带来麻烦了。请问你的宽带设备装在什么位置?"
    flags = analyzer.check(text)
    assert [f.ref for f in flags] == ["5.8", "5.6"]
    assert flags[0].span[1] <= flags[1].span[0]


def test_lexicon_categories(analyzer):
    flags = analyzer.check("滚,别烦我")
    assert [(f.ref, f.category, f.matched) for f in flags] == [
        ("8.0", "crude", "滚"), ("8.0", "scolding", "别烦我")]
    cats = {f.category for f in analyzer.check("你这个笨蛋,说了你也不懂")}
    assert cats == {"insult"}  # a bad name and a put-down, both aimed at the listener


def test_discipline(analyzer):
    assert refs(analyzer, "能用下你家厕所吗") == ["9.5"]
    assert refs(analyzer, "记得给我个好评哦") == ["9.13"]
    assert refs(analyzer, "请问您对我们的服务是否满意?") == ["5.12"]  # asking is fine


def test_repeated_line_names_its_twin(analyzer):
    [f] = analyzer.check("好的,我将会在三点准时上门为您检修。")
    assert {f.ref, *f.also} == {"1.1.7", "5.4"}
    [g] = analyzer.check("好的,我将会在三点准时上门为您检修。", prefer_section="5")
    assert g.ref == "5.4"


def test_bad_speaker_is_an_error(analyzer):
    with pytest.raises(ValueError, match="speaker must be one of"):
        analyzer.check("你好", speaker="robot")


def test_odd_unicode_and_huge_input(analyzer):
    assert analyzer.check("\u200b\ufeff\U0001f600 \x00") == []
    text = "我先看一下线路。" * 10000 + "快下班了,明天再说。"
    flags = analyzer.check(text)
    assert [f.ref for f in flags] == ["8.7"]
    s, e = flags[0].span
    assert text[s:e] == "快下班了,明天再说"


def test_phonetic_off_compares_characters(analyzer):
    from analyzer import Analyzer, AnalyzerOptions, MatchOptions

    strict = Analyzer(analyzer.bank, AnalyzerOptions(match=MatchOptions(phonetic=False)))
    heard = "您申告了寬代故障,需要檢修,请问您什么时间方便?"  # 代 sounds as 带, is not 带
    [by_sound] = analyzer.check(heard)
    [by_chars] = strict.check(heard)
    assert by_sound.score == 1.0 and by_chars.score < 1.0
    assert "5.3" in refs(analyzer, "您申告了寬代故障,需要檢修,请问您什么时间方便?")
    assert [f.ref for f in strict.check("您申告了宽带故障,需要检修,请问您什么时间方便?")] == ["5.3"]


def test_sound_alikes_only_where_the_text_came_from_a_recogniser(analyzer):
    heard = "你脑子又问题吧"  # 又 for 有: what a recogniser writes
    assert [f.ref for f in analyzer.check(heard, source="asr")] == ["8.0"]
    assert analyzer.check(heard, source="typed") == []
    assert analyzer.check("你本来就没交费", source="asr") == []  # 本 sounds like 笨, but is not
    # (an oath said as written is still one)
    assert [f.ref for f in analyzer.check("你丫找抽是吧", source="asr")] == ["8.0"]
    # look-alikes of short words are no findings in typed text (去世 is not 去死)
    for text in ("老人家去世以后这个号就没人用了", "这个价该是多少就是多少", "宝马的车"):
        assert analyzer.check(text, source="typed") == [], text
        assert analyzer.check(text) == [], text  # nor when the source is unknown


def test_a_word_half_heard_in_a_recognisers_script_line(analyzer):
    from analyzer.matching import NEAR_RULE_SCORE, RULE_SCORE

    # 嘴时 for 准时: the initial right, the final wrong (what Whisper base wrote on a visit)
    heard = "那我明天早上七点半嘴时到您家给您修"
    [flag] = analyzer.check(heard, source="asr")
    assert (flag.ref, flag.score) == ("1.1.7", NEAR_RULE_SCORE)
    assert analyzer.check(heard, source="typed") == []  # typed text says what it says
    [whole] = analyzer.check("那我明天早上七点半准时到您家给您修", source="asr")
    assert (whole.ref, whole.score) == ("1.1.7", RULE_SCORE)
    # the flag says so, in a stored result too
    assert flag.near_sound and not whole.near_sound
    assert flag.to_dict()["near_sound"] is True and "near_sound" not in whole.to_dict()
    assert type(flag).from_dict(flag.to_dict()) == flag
    # 哪间 for 哪天: the final right
    assert refs_asr(analyzer, "您看哪间方便,我们派人过去") == ["1.1.2"]
    # one word, not two: 过气 for 过去 as well is no longer the line
    assert refs_asr(analyzer, "您看哪间方便,我们派人过气") == []
    # a word of one syllable is never half heard: 多 (its final) is not 我
    assert refs_asr(analyzer, "那多明天早上七点半准时到您家给您修") == []
    # a line's opening words open their clause: 要不你… is no 不急 half heard (5.10)
    assert refs_asr(analyzer, "要不你给我务实,我今天就给你弄好") == []
    assert refs_asr(analyzer, "不急不急,我今天就给你弄好") == ["5.10"]


def test_violations_need_their_words_heard(analyzer):
    # Half-heard words are for script lines only: a taboo's rule never matches that way
    # (read as a recogniser's, these routine sentences matched an 8.0 rule's words so).
    for text in ("您好,请问这是三单元吗", "我用我自己的手机测一下网速",
                 "这条线明天物业施工可能会断,到时候您打这个电话,我们马上过来",
                 # a name as a recogniser wrote it on a synthesised visit (read as 您是愤慨
                 # when DUTIR's anger words were traits), and 靠 as leaning after 我
                 "喂,您好,我是315号服务人员,请问您是分海院女士吗", "有的,我靠上,您家光猫在哪儿了",
                 # 有问题 is not 又问 (说明书…给你了…又问: the manual given, asked again)
                 "说明书我也给您留一份,有问题随时打我电话",
                 # 压 sounds like 丫: pressing the cable down is no 你丫, crushed no 丫的
                 "墙角这段我用线卡给你压一下", "线是被柜子压的"):
        assert [f for f in analyzer.check(text, source="asr")
                if f.kind != "script"] == [], text


def refs_asr(analyzer, text):
    return sorted({f.ref for f in analyzer.check(text, source="asr")})


def test_extension_b_characters_have_a_sound():
    from analyzer.phonetic import PhoneticEncoder

    code = PhoneticEncoder().encode("\U00020000")  # 𠀀 (CJK extension B)
    assert len(code) == 2


def test_every_lexicon_word_is_found_through_its_anchor(analyzer):
    """Words are looked up through their rarest sound pair: none may be unreachable."""
    for group in analyzer.bank.lexicon:
        for w in group.words:
            text = f"我说{w}了" if len(w) <= 2 else w  # short ones must stand as words
            assert any(f.ref == "8.0" for f in analyzer.check(text)), w

def test_every_rule_is_reachable_through_its_anchors(analyzer):
    """Rules run only when the utterance holds their anchors: each must still find the
    shortest text it describes (each group's first word, gaps left empty)."""
    from analyzer.matching import sounds_of
    from phrasebank.rules import END, Choice

    m = analyzer.matcher
    rules = [r for g in analyzer.bank.lexicon for r in g.rules] + \
        [r for e in analyzer.bank.entries for r in e.rules]
    assert len(rules) > 100
    for rule in rules:
        # commas between the words: gone in normalisation, they keep a repeat across two
        # words from being read as a stutter (你问我,我问谁)
        text = "，".join(next(w for w in t.words if w != END) for t in rule.tokens
                        if isinstance(t, Choice) and not t.optional)
        norm = analyzer.normaliser.normalise(text)
        found = m.rules.find(norm, sounds_of(m.compiled.encode(norm.text)), None)
        assert rule.text in {h.rule for h in found}, (rule.text, text)

def test_checking_many_rows_is_checking_each(analyzer, shared):
    """check_many gives every row the flags that check gives it alone, in order (agent,
    customer and unknown speakers, traditional script, a line break inside a text)."""
    import json

    rows = [json.loads(x) for x in (shared / "corpus" / "dev_utterances_asr.jsonl")
            .read_text(encoding="utf-8").splitlines()[:120]]
    batch = [(r["text"], r["speaker"]) for r in rows]
    batch += [("你們必須\n在三點前交費", "agent"), ("快下班了,明天再说。", "unknown"),
              ("", "agent"), ("你有没有搞错", "customer")]
    many = analyzer.check_many(batch)
    assert [[f.to_dict() for f in fl] for fl in many] == \
        [[f.to_dict() for f in analyzer.check(t, speaker=s)] for t, s in batch]
    assert sum(1 for fl in many if fl) > 20  # the rows are not all clean
    with pytest.raises(ValueError, match=r"row 1: speaker must be one of"):
        analyzer.check_many([("你好", "agent"), ("你好", "robot")])
    with pytest.raises(ValueError, match=r"row 2: .*surrogate"):
        analyzer.check_many([("你好", "agent"), ("再见", "agent"), ("你好\ud800", "agent")])


@pytest.mark.parametrize("lead", ["那个,", "嗯那个,", "好的,", "师傅这边,"])
def test_a_lead_in_does_not_hide_a_line(analyzer, shared, lead):
    """Words before a line (a filler sharing a sound with its first syllable: 个/刚) leave
    its refs as they are; the span moves with the line."""
    import json

    rows = [json.loads(x) for x in (shared / "corpus" / "dev_utterances.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    for r in rows:
        if r["speaker"] != "agent" or not r["refs"]:
            continue
        alone = {f.ref for f in analyzer.check(r["text"])}
        led = analyzer.check(lead + r["text"])
        assert {f.ref for f in led} == alone, (lead, r["text"])
    [f] = analyzer.check(lead + "刚才不都跟您说了吗,怎么还问")
    assert f.ref == "8.3" and f.matched == "刚才不都跟您说了吗,怎么还问"


def test_words_in_a_slot_or_gap_cost_nothing_even_when_they_share_sounds(analyzer):
    """Slot and gap contents are free, also when one of their sounds lines up with the
    line's next word (这 of 这个 with 怎 of 怎么; 业 of 物业 inside the slot of 6.6)."""
    [f] = analyzer.check("刚才不都跟您说了吗,这个怎么还问")
    assert f.ref == "8.3"
    assert analyzer.check("刚才不都跟您说了吗,怎么还问")[0].score == f.score
    text = ("根据我们对故障情况的判断,本次故障是由物业公司引起的。我们已通知物业并协助他们"
            "完成了对本次故障的处理,现在业务已恢复")
    [f] = analyzer.check(text)
    assert (f.ref, f.score, f.matched) == ("6.6", 1.0, text)


@pytest.mark.parametrize("text,ref", [
    ("你问我,那我问谁", "8.1"),
    ("快下班了,明天来吧", "8.7"),
    ("记得给个好评", "9.13"),
    ("能用你家厕所吗", "9.5"),
])
def test_common_variants_of_taboo_and_discipline_lines(analyzer, text, ref):
    assert [f.ref for f in analyzer.check(text)] == [ref]
    assert analyzer.check(text, speaker="customer") == []


@pytest.mark.parametrize(("text", "ref"), [
    # constructions the bank's rules name (object fronted before its negation, a unit
    # between 我们 and 的, the retort turned back on the customer, a request for a rating
    # opening the utterance, feigning accused, contempt for "people like you")
    ("说实话我一丁点办法都没有", "8.4"),
    ("那不是我们班组的活,你找别人", "8.8"),
    ("你问我?我还想问你呢", "8.1"),
    ("跟你说了好几次了,你还在问", "8.3"),
    ("点个好评呗,谢谢啦", "9.13"),
    ("看你那熊样,还投诉", "8.0"),
    ("像你们这样的人我见得多了", "8.0"),
    ("一点常识都不懂,还自己拆路由器", "8.0"),
    ("你是听不懂还是装傻", "8.0"),
    ("自己去看说明书吧,写得很清楚", "8.6"),
    ("你是不是搞混了,我们没给你装过", "8.2"),
    # the same lines in wordings a later set of sentences said them in (bench/probes.jsonl
    # R and S): 管不着, a like asked for, a mistake charged, said N times, the toilet asked
    # for without 您家, a gift asked for in any quantity
    ("不清楚,这块儿我管不着", "8.8"),
    ("您看我修得这么快,给我点个赞呗", "9.13"),
    ("您这是自己记错了吧,我们根本没约今天", "8.2"),
    ("同样的话我都说第三遍了", "8.3"),
    ("厕所在哪儿,我上一下", "9.5"),
    ("您要是过意不去,给我拿两包烟就行", "9.11"),
    # and in those of set V: a mistake charged as not seen right, can't you read it,
    # printed there so follow it, the subject left out, 烦不烦 said to the listener
    ("您这是没看清楚吧,灯明明是绿的", "8.2"),
    ("你自己不会看啊,上面写着呢", "8.6"),
    ("操作方法盒子上都印着,您照着弄就行", "8.6"),
    ("我们这边信号正常得很,是你家里的问题,自己想办法", "8.10"),
    ("烦不烦啊,一直催催催", "8.0"),
    ("我靠,这线谁接的", "8.0"),
    # set X's (bench/probes.jsonl)
    ("这个问题你别问我,问了我也答不上来", "8.1"),
    ("我刚才已经讲得很清楚了,你再听一遍也一样", "8.3"),
    ("你们家得自己出钱把线槽弄好,我才能装", "8.5"),
    ("我这马上到点了,剩下的下回再弄", "8.7"),
    ("电视没信号找广电去,跟我说没用", "8.8"),
    ("天太热了,能给我开会儿空调吗", "9.5"),
    ("一会儿短信回访,您回个10分哈,拜托了", "9.13"),
    # set Z's
    ("你跑来问我,那我找谁说理去", "8.1"),
    ("今天没空了,等明天有时间再说吧", "8.7"),
    ("我们的设备好好的,问题出在你路由器上,你自己换一个去", "8.10"),
    ("行行行,您说什么都对", "8.0"),
    ("这些零食我拿几个路上吃", "9.11"),
    # set P2's taboo lines said in other words
    ("这种事谁知道啊,反正我不知道", "8.1"),
    ("你开什么玩笑,这能是我们的问题?", "8.2"),
    ("那能怎么办,我也是打工的", "8.4"),
    ("天都黑了还修什么,等明天", "8.7"),
    ("规矩就这样,别跟我讲价", "8.9"),
    ("光猫以后的线都是你们自己的,坏了自己找人", "8.10"),
    # set D2's discipline lines: the asking named, not each thing asked for
    ("您家微波炉借我热一下饭", "9.5"),
    ("您这有一次性拖鞋吗,给我一双", "9.5"),
    ("让我在您沙发上躺会儿,腰疼", "9.5"),
    ("您那个旧路由器不要了吧,送我得了", "9.11"),
    ("给我买包烟就当谢我了", "9.11"),
    ("评价那栏您就勾非常满意", "9.13"),
    # set Q's: you don't know, so how would I; one's slip charged with exasperation; told
    # just now, forgotten at once; 早该 with the thing between; printed there, follow it;
    # the rest put off; the procedure is just so; food asked for; a red packet as a token
    ("你都不清楚,我上哪儿清楚去", "8.1"),
    ("你这是自己插错口了吧,真是的", "8.2"),
    ("前面刚讲完,怎么一转头又忘了", "8.3"),
    ("你们家这线早该自己换了", "8.5"),
    ("操作步骤都印在盒子上,你照着弄就行", "8.6"),
    ("我这班马上交了,剩下的下回说", "8.7"),
    ("按流程就得这样,别跟我争", "8.9"),
    ("有没有吃的,我中午还没吃饭呢", "9.5"),
    ("给个红包意思意思就行", "9.11"),
    ("你是不是把账号输反了,脑子清醒点", "8.0"),
    # set Q3's: 哪门子知道; asking me is 白搭; didn't I tell you already; a demand with what
    # happens otherwise; an app's tutorial; written plainly, go and read it; this hour, so
    # tomorrow; someone else's job, not ours; the wrong person; the rule handed down; ours
    # fine, buy one yourself; a thing taken off for one's use; an errand; a meal asked for
    ("这事儿你得问你们物业,问我我哪门子知道", "8.1"),
    ("我也想知道为啥呢,你问我也白搭", "8.1"),
    ("上次来的时候不是都给你讲过了吗", "8.3"),
    ("你家得赶紧把这墙打个洞,不然没法走线", "8.5"),
    ("APP上都有教程,你自己点进去看", "8.6"),
    ("纸上写得明明白白,自己看去", "8.6"),
    ("都这个点了,谁还给你修,明天吧", "8.7"),
    ("那是装维的事,我们维护不管", "8.8"),
    ("你找错人了,这不归我这个组", "8.8"),
    ("没办法,上头定的死规矩", "8.9"),
    ("系统就这么设的,我改不了", "8.9"),
    ("我们的线路没一点毛病,你家路由器坏了自己买个去", "8.10"),
    ("大哥,你家那个梯子我拿去隔壁用一下", "9.5"),
    ("能不能帮我打个车,我手机没电了", "9.5"),
    ("你们小区门口那家饭店不错,要不请我吃一顿", "9.11"),
    # set Q5's: asked the Nth time today; no way, try another time; scan it and learn it
    # yourself; the hour, off, see you tomorrow; freeloading; set against me; shouting at
    # me is no use; complaining before understanding; the rule is not mine; a gift pocketed;
    # a token hinted at; five stars or I lose pay
    ("这个问题你今天问第四回了", "8.3"),
    ("实在是没法子,你换个时间再报吧", "8.4"),
    ("教程二维码贴在机器背面,扫了自己学", "8.6"),
    ("马上六点了,我得撤了,明儿见", "8.7"),
    ("你就是想白嫖一个路由器吧", "8.0"),
    ("我看你是存心跟我过不去", "8.0"),
    ("这规定又不是我定的,你冲我嚷有什么用", "8.0"),
    ("你自己都没弄明白就打投诉", "8.2"),
    ("规矩又不是我定的", "8.9"),
    ("这条烟我先揣着了", "9.11"),
    ("过节了,不表示表示?", "9.11"),
    ("回头评价记得五星哈,不然我要扣钱", "9.13"),
    # sets Q7-Q9: the head by any of its words, another day by any of its words, none of
    # our business, the fault put on the customer's side, the steps left to follow, a fee
    # asked for, a favour on the way, a banner or letter of praise asked for
    ("你脑袋是不是进水了,插头都没插", "8.0"),
    ("都快六点了,今天弄不完,改天吧", "8.7"),
    ("今天太晚了,下回再给你弄", "8.7"),
    ("这个你得找物业,不关我们的事", "8.8"),
    ("我们这边测过了,一切正常,问题在你那边", "8.10"),
    ("步骤都在单子上,你照着做就行了", "8.6"),
    ("给个两百块辛苦费,我给你加急", "9.11"),
    ("顺便帮我把这个箱子搬下楼吧", "9.5"),
    ("修好了,您给我们公司写封表扬信吧", "9.13"),
    ("同样的问题你问第三遍了", "8.3"),
    ("我哪清楚啊,你找别人打听去", "8.1"),
    ("光猫以外的都是你自己的事,我们只管到光猫", "8.10"),
    ("六点半了大姐,我得回家吃饭了,明天吧", "8.7"),
    ("就你们这样用,网不卡才怪", "8.0"),
    ("这归营业厅管,我管不了,你去营业厅问", "8.8"),
    ("我们五点下班,现在都四点五十了,明天再约吧", "8.7"),
    ("你家车借我开一下", "9.5"),
    ("催什么催,我这不正弄着嘛", "8.0"),
    ("流程规定必须先交费,没交费不能修", "8.9"),
    ("我尽力了,真没别的招了", "8.4"),
    ("要不是你乱动,能坏吗", "8.0"),
    # any token named as what will do, not only a red packet (set Q20's one typed miss)
    ("您要是过意不去,给包烟就行", "9.11"),
    ("不用别的,拿两瓶酒就好", "9.11"),
    # 不过 of 排不过来 is no "but": nothing is offered (a fresh dialogue's line, stop 43)
    ("那我也没办法,单子太多,排不过来", "8.4"),
])
def test_constructions_of_taboo_and_discipline_lines(analyzer, text, ref):
    assert ref in [f.ref for f in analyzer.check(text, speaker="agent") if f.is_violation]


@pytest.mark.parametrize("text", [
    "这个活是我们班组负责的,您放心",
    "看您这样子是刚下班吧,辛苦了",
    "您这个情况我见得多了,很好解决",
    "这点常识我跟您讲一下,光猫别频繁断电",
    "您还在问那个套餐的事吗?我帮您查",
    "给个建议,路由器最好放客厅",
    "不好意思,刚才手上有灰,我擦一下",  # wiping, not 我擦 the oath
    "今天先这样,明天我再过来复查一下",  # a follow-up visit, not the work put off
    "我们是不是搞混了,我再查一下",
    "您要是记错了也没关系,我帮您查一下",  # a mistake supposed, not charged
    "您孩子他妈在家吗,我跟她确认一下地址",  # 孩子他妈 names a wife, no oath
    "您放心,我看错了,是我的问题",  # one's own mistake, after addressing the customer
    "光猫押金您直接给我钱就行,我给您开收据",  # a deposit, not a gift asked for
    "您没听清楚的话我再说一遍",  # not heard clearly: said again, an offer
    "我刚才没看清楚,您再给我看一下",  # one's own
    "您自己不会看也没关系,我来教您",
    "步骤单上都写着,您照着弄就行,不会随时打我电话",
    "这天气热得有完没完,您家空调开着呢吧",  # the weather going on, not the listener
    "我靠着墙站一会儿,腿有点麻",  # leaning, not the oath
    "这个我帮不上忙的话,我让我们组长来",  # handed on to someone who can
    "墙里的线我们负责,不用您自己找电工",
    "您家wifi密码多少,我帮您把手机连上测一下",  # the customer's own phone, for the work
    "能帮我开一下灯吗,这里太暗看不清线",  # light to work by
    "今天时间来不及了,明天上午九点我准时过来给您修好",  # a time promised, not put off
    "问题出在您的路由器上,我这有备用的先给您换上",
    "您说得对,是我没解释清楚",  # agreement, not 说什么都对
    "您不用谢我,也别给红包,这是我们应该做的",  # a red packet refused
    "这个我们确实没办法在线上处理,得上门,我现在就给您约",  # the way that is left, offered
    "我也是打工的,跟您一样,都不容易,我尽量给您快点弄",
    "公司制度就是这样规定的,上门服务不收费,您放心",
    "您这有网线吗?没有的话我给您一根",  # given, not asked for
    "您先在沙发上坐会儿,我马上弄好",
    "让您家人帮忙看着点孩子,别碰到电源",
    "满意度调查您如实勾选就行",
    "您再问几遍都没关系,我慢慢给您讲",  # patience, not a complaint
    "您不用自己看说明书,我一步步带您操作",
    "我刚说完您就明白了,真聪明",
    "剩下的线我帮您整理好再走",
    "流程是先登记再上门,我已经帮您登记了",
    "红包您收回去,真不用",
    "我这班马上交了,不过您的单子我会交代给同事,明天一早他就来",
    "不是早就跟您说好了吗,今天下午三点,我准时到",
    "小程序里有视频教程,我先带您看一遍",
    "那是物业的活,不过我可以帮您联系他们",
    "我们这边信号好好的,您那光猫坏了,我给您换个新的",
    "要不我帮您点个外卖,您先吃饭",
    "下次有空我请您吃一顿",
    "你找错人了也没关系,我帮你转给负责的同事",
    "都这个点了还在加班,您辛苦了",
    "说明书我帮您收起来了",  # put away for the customer
    "您今天问第几次都行",
    "您别着急,规矩不是我定的,但我可以帮您申请特殊处理",
    "五点了,我先去下一家,您这边已经修好了,有问题随时打我电话",
    "不用表示,这是我们应该做的",
    "我冲您喊是我不对,对不起",
    "您不用给我好评,有问题随时找我们",  # the rating not asked for
    "我估计是有人蹭您家的网,我帮您改个密码",  # someone else on the network
    "问题出在您家的路由器上,我帮您换一个",
    "这个我不太清楚,我帮您问一下别人",
    "您放心,不用给我们写什么表扬信",
    "今天太晚了,怕打扰您休息,您看明天上午我过来可以吗",
    "我们只负责到光猫,不过路由器我也可以帮您看看",
    "你家wifi借我连一下,我测个网速",
    "这个问题我讲了几遍您都理解了,真好",
    "六点半我再过来一趟,您看行吗",
    "我下班了也可以过来,明天不用等",
    "这归物业管,不过我帮您联系他们",
    "跟您说了几遍,您都记住了,真棒",
    "您家小区的人素质都挺高的",
    "烟我不抽,您收着吧",  # handed back
    "谢谢您,我不抽烟",  # a thing declined (set Q16)
    "水我不喝了,谢谢,我自己带了",
    "我去车里给您拿两瓶饮料就行,天热",  # given to the customer, not asked of them
    "我这边也没办法改,不过我可以帮您申请一下",  # but, and what is offered
    "您让我怎么办都行,我听您的",
    "流程规定必须先交费,不过我先帮您修上",
    "没别的办法了,只能换个光猫,我给您换",
])
def test_their_look_alikes_stay_clean(analyzer, text):
    # by the rules and by the wording model alike (the real-time check: both)
    assert [f.ref for f in analyzer.check(text, speaker="agent") if f.is_violation] == []


def test_a_common_sound_does_not_stand_for_borrowing_a_phone(analyzer):
    """In a recogniser's text a word of a rule may be said by another character of its
    sound; 使 (shi: 是, 时, 试 …) was one of 9.5's verbs, and 是您的电话, 时候我给你打电话
    read as asking to use the customer's phone."""
    for text in ("是您的电话响了吗", "到时候我给你打电话", "试一下您的手机能不能上网",
                 "他妈妈在家的话让她接一下电话"):  # 接 (jie) sounds like 借
        assert "9.5" not in [f.ref for f in analyzer.check(text, speaker="agent",
                                                           source="asr")], text
    assert "9.5" in [f.ref for f in analyzer.check("借一下你的手机", speaker="agent",
                                                   source="asr")]


def test_a_recogniser_reading_keeps_you_its_own_sound_and_common_words_themselves(analyzer):
    """Read by sound, 你 is 泥 and 尼, not (with n and l alike) 里, 理, 力, 离 … (the bank's
    ``matching.exact_sound``); and a word sounding like a rare trait drawn from HowNet is the
    commoner word it is (因为, not 淫猥). Slips of one character still read by sound."""
    def violations(text: str) -> list[str]:
        return [f.ref for f in analyzer.check(text, speaker="agent", source="asr")
                if f.is_violation]

    assert violations("他们的简历非常丰富,大多数人不太熟悉") == []
    assert violations("您是因为网速慢才换的套餐吗") == []
    assert violations("你是因为什么原因打的电话") == []
    assert "8.0" in violations("你这人真是烦任")  # 任 for 人: a slip
    assert "8.0" in violations("说了泥也不懂")  # the recogniser writes 泥 for 你/您
    assert "9.13" in violations("克服问你,你就说非常满意")  # 克服 for 客服: one in common
    # 事 needs its 的: by sound 是 is 事 (不是我,是同事来装的 is no 8.8); 时 for 事 is a slip
    assert violations("不是我是同事来装的") == []
    assert "8.8" in violations("这不是我的事")
    # one's own head is no half-heard 猪脑子; the listener's still is
    assert violations("我的脑子有点乱,让我理一理线路") == []
    assert "8.0" in violations("你是猪脑子吗")


@pytest.mark.parametrize(("text", "ref"), [
    ("咱家的光猫和路由器装哪儿了", "5.6"),  # 咱家: the service's "your home"; two devices
    ("原因我们还在查,查清楚了马上告诉您", "6.1"),  # the line's second sentence alone
    ("行,那我按您说的时间,让工程师跟您联系", "1.1.3"),
    ("应该的,这是我们的本职工作", "5.13"),
    ("不客气,这都是应该的", "5.13"),
    ("打扰了,再见", "5.16"),
    ("这次故障是电力公司那边引起的,我们正在配合他们处理,很快就能好", "6.5"),
    ("您的心情我能体会,碰上断网谁都窝火", "5.9"),  # UNDERSTAND: 体会 said for 理解
    ("我特别能体谅您的难处", "5.9"),
    ("今天给您修的这个,您觉得还满意吗", "5.12"),  # the question said last, no 服务
    ("都是应该的,您别客气", "5.13"),  # said alone, beside 别客气
    ("那先不打扰了,半小时后再打给您,行", "1.2.1"),  # 行 alone closing the question
    ("让您跑了好几趟,给您添麻烦了,实在过意不去", "5.8"),  # the apology said after
    ("还在查,有结果了第一时间通知您,耽误您用网了,对不起", "6.1"),  # the apology said last
    ("您甭着急,我争取早点修好", "5.10"),  # how soon, in other words
    ("您好,我这边是客服专员,三十六号,请问是李阿姨吗", "1.1.1"),  # the title before the number
    ("可以了,通了,您拿电脑上个网试试", "5.11"),  # the device to try it on named
    ("谢什么呀,这是我们分内的活儿", "5.13"),  # thanks waved off
    ("不好意思,我们会查一查,查完给您个说法,感谢您的提醒", "7.4"),  # the investigation's words
    ("可能是登记错了,我们再核实一下,打扰您了,再见", "1.1.4"),  # registered wrongly
    ("这个情况我记下来了,回单位再想办法,有结果第一时间通知您", "6.8"),  # looked into back at the office
    ("原因我们正在仔细排查,一查明就马上回复您,抱歉", "6.1"),
    ("您甭着急,我一会儿就给您整利索", "5.10"),  # made right said otherwise
    ("要是对新业务有兴趣,可以直接打电话找我们", "5.15"),  # interest said after the thing
    ("这个原因还不好说,我们核实以后马上给您答复", "6.7"),  # no conclusion yet
    ("这个问题我们回去以后会反映给有关部门,好好改进", "7.5"),  # no apology beside it
    ("这次是开发商施工导致的断网,他们正在抢修,我们也在旁边配合,很快就能好", "6.5"),
    ("这个情况我已经记下来了,回公司研究一下,再给您个准信", "6.8"),  # news given back
    ("您好,这边是宽带客服中心,我的工号是零七,请问您是孙女士吗", "1.1.1"),  # 工号 at the desk
    ("那您先忙,我过半个钟头再拨给您,可以吗", "1.2.1"),
    ("真抱歉,我们这边正在处理,一有结果马上跟您说", "7.1"),  # news given back
    ("行,就按您说的周四下午,到时候让我们的师傅跟您联系", "1.1.3"),  # the day named, not 时间
    ("不急不急,我马上给您弄好", "5.10"),  # no hurry said as 不急
    ("真是对不住,是我们的设备故障让您上不了网,原因查明以后故障受理台会向您解释", "6.3"),
    ("这次是施工队弄断了光纤,我们已经通知他们一起处理完了,现在已经通了", "6.6"),
    ("这件事是我们做得不好,我们会查一下,结果告诉您,谢谢您的意见", "7.4"),  # a fault owned
    ("具体原因还吃不准,我们再核对一下,尽快给您回个话", "6.7"),
    ("不好意思,这个故障比较复杂,修得久了点,我们抓紧弄完", "7.2"),  # the other wording
    ("这个问题我带回去跟相关部门反映,让他们整改,抱歉", "7.5"),
    ("是赵女士吗?您好,我这里是宽带客服中心,工号二一七", "1.1.1"),  # the name asked first
    ("您家报了网络故障,我们要上门处理,您今天还是明天有空?", "1.1.2"),  # a choice of times
    ("您别上火,我尽快给您弄好", "5.10"),
    ("信号差的问题我会向管网络的部门反映,让他们尽快改善", "7.3"),  # those in charge named
    ("好,那就约在明早九点,我准时过来", "1.1.7"),  # the time fixed before 我
    ("网修好了,您打开电脑看看能不能上", "5.11"),  # see whether it works
    ("电话老打不通这个问题,回去我跟上级反映", "7.5"),  # the failed channel named
    ("行,按您说的时间,到时候师傅会跟您联系", "1.1.3"),  # the engineer will call
    ("对不住,看样子是登记的信息弄混了,我们查明白,打扰您了,再见", "1.1.4"),
    ("我是负责这片宽带维护的工程师,我明早九点过去,可不可以", "1.1.6"),  # yes or no asked
    ("把您的事办好,是我们的本分", "5.13"),
    ("因为物业检修把电停了,我们联系物业一块处理完了,网已经通了", "6.6"),  # the cause first
    ("又掉线了,真不好意思,正在排查,有消息我第一时间跟您通个气", "7.1"),  # news as 通气
    ("害您空等一下午,对不住了", "5.8"),  # kept waiting, and sorry
    ("这回是我们机房设备闹的,原因查明后客户经理会给您说法", "6.3"),  # ours, as what caused it
    ("现在还说不准,等查清了再给您答复", "6.7"),  # no conclusion yet
    ("耽误您好几天了,最迟周五修好,您多担待", "7.2"),  # when it will be done, bear with us
    ("您说得对,我们回去查一查,查清楚把结果反馈给您", "7.4"),  # criticism accepted, result told
])
def test_script_lines_said_in_other_words(analyzer, text, ref):
    assert ref in [f.ref for f in analyzer.check(text, speaker="agent")]


def test_a_thing_named_after_what_should_be_done_is_no_5_13(analyzer):
    """应该…的 followed by the thing (这是我们应该换的那个配件; Whisper wrote 应该把的那个配件)
    names a part, not the duty: no 5.13. The line and its short reply stay 5.13."""
    for text in ("这是我们应该换的那个配件", "这是我们应该把的那个配件"):
        assert "5.13" not in [f.ref for f in analyzer.check(text, speaker="agent",
                                                            source="asr")], text
    for text in ("应该的,这是我们应该做的", "应该的,这是我们的工作", "这是我们应该做的"):
        assert "5.13" in [f.ref for f in analyzer.check(text, speaker="agent")], text


def _one_entry_bank(matching: str, entry: str):
    """An analyzer over a bank of one entry (``entry``: its YAML fields, indented as a list
    item's) with the ``matching`` settings given (a YAML mapping)."""
    from analyzer import Analyzer
    from phrasebank import loader

    return Analyzer(loader.loads(f"matching: {matching}\nentries:\n  - {entry.strip()}\n"))


def _bank_with_adverbs(adverbs: str):
    return _one_entry_bank(f"{{rule_adverbs: [{adverbs}]}}", """
    ref: "8.6"
    kind: taboo
    speaker: agent
    text: 说明书上有,你自己看
    forms: ["说明书上有你自己看"]
    rules: ["盒子 背面 写着 …6 自己 看"]
""")


def test_an_adverb_said_between_two_words_of_a_rule():
    """The bank's ``matching.rule_adverbs`` may stand between two of a rule's words said in
    a row (盒子背面都写着 for the rule's 背面 写着), as written only: by sound 兜 is 都, and
    the adverb is not read into a recogniser's slip."""
    with_adverbs, without = _bank_with_adverbs("都, 也"), _bank_with_adverbs("")
    said = "盒子背面都写着呢,自己看一下就懂了"
    assert [f.ref for f in with_adverbs.check(said, speaker="agent")] == ["8.6"]
    assert without.check(said, speaker="agent", wording=False) == []  # (the model's line)
    # the words themselves still by sound (鞋 for 写); the adverb only as written
    assert [f.ref for f in with_adverbs.check("盒子背面鞋着呢,自己看", speaker="agent",
                                              source="asr")] == ["8.6"]
    # (the rule's; the wording model reads it as 8.6, as it is meant)
    assert with_adverbs.check("盒子背面兜写着呢,自己看", speaker="agent", source="asr",
                              wording=False) == []
    assert with_adverbs.check("盒子背面没写着,自己看", speaker="agent", wording=False) == []


def _bank_with_questions(words: str):
    return _one_entry_bank(f"{{question_words: [{words}]}}", """
    ref: "5.2"
    kind: script
    speaker: agent
    text: 请问您是XX先生/女士吗?
    forms: ["请问您是XX[先生|女士]吗"]
    slot_max: 4
""")


def test_a_question_asked_is_not_a_line_stated():
    """``matching.question_words``: a form that holds none of them is no hit where the
    stretch it aligned with asks (by sound 什么 is 先生: shen/sheng, the fuzzy pair)."""
    asks, plain = _bank_with_questions("什么, 哪, 多少"), _bank_with_questions("")
    question = "请问您的电脑是什么系统"
    assert [f.ref for f in plain.check(question, speaker="agent", semantic=False)] == ["5.2"]
    assert asks.check(question, speaker="agent", semantic=False) == []
    # the line itself, said word for word or with a slip, is still the line
    for said in ("请问您是王先生吗", "请问你是李女士嘛"):
        assert [f.ref for f in asks.check(said, speaker="agent", semantic=False)] == ["5.2"]


def _bank_read_by_sound(function_chars: str):
    return _one_entry_bank(f"{{function_chars: [{function_chars}]}}", """
    ref: "9.11"
    kind: discipline
    speaker: agent
    text: 不吃、拿、卡、要和接受客户礼物
    rules: ["谢谢 …4 [酒|烟]", "给 我 [酒|烟]", "服了 [你|您]"]
""")


def test_a_short_rule_by_sound_needs_whole_words_and_takes_grammar_as_written():
    """A rule that can match three characters also matches a recogniser's text by sound
    (久 for 酒), but only as whole words (恢复了您 holds 复了您, 服了你 by sound, from inside
    恢复), with the bank's ``matching.function_chars`` as written (就 is not 酒), and a
    word of one character by sound only beside another word of the rule (with a gap on
    either side, one syllable is any of the characters of its sound)."""
    strict, loose = _bank_read_by_sound("就, 的"), _bank_read_by_sound("")

    def found(bank, text, source="asr"):
        return [f.ref for f in bank.check(text, speaker="agent", source=source,
                                          semantic=False, wording=False)]

    assert found(strict, "给我久吧") == ["9.11"]  # 久 for 酒: a slip of the recogniser
    assert found(strict, "给我久吧", source="typed") == []  # typed text says what it says
    assert found(strict, "真浮了您") == ["9.11"]  # whole words, by sound
    # a character of grammar, as written
    assert found(loose, "给我就不喝了") == ["9.11"]
    assert found(strict, "给我就不喝了") == []
    # inside a word
    assert found(strict, "网络恢复了您试一下") == []
    # one syllable with a gap before it: as written only
    assert found(strict, "谢谢您的酒") == ["9.11"]
    assert found(strict, "谢谢您的久") == []


def test_a_rules_end_is_any_clauses_end_and_its_start_the_utterances():
    """A rule's $ matches at the end of any clause of the utterance (a turn of several
    sentences), one with ^ and $ any stretch of whole clauses, and one with ^ alone only
    the utterance's start: a clause inside an utterance often goes on with the one before
    (…,连只鸟都看不到 is no put-down)."""
    bank = _one_entry_bank("{}", """
    ref: "8.0"
    kind: taboo
    speaker: agent
    text: 脏话、粗话、讽刺、训斥客户的话
    rules: ["有病 [你|] $", "^ 滚 $", "^ 连 …5 都 [不会|看不到]"]
""")

    def found(text):
        return [f.ref for f in bank.check(text, speaker="agent", semantic=False,
                                          wording=False)]

    assert found("真是有病你,大半夜打电话") == ["8.0"]  # the end of the first clause
    assert found("真是有病你大半夜打电话") == []  # one clause: its end is the utterance's
    assert found("行了,滚,别在这儿碍事") == ["8.0"]  # a whole clause
    assert found("行了滚别在这儿碍事") == []
    assert found("连这个都不会") == ["8.0"]  # ^ alone: the utterance's start
    assert found("这地方太偏了,连只鸟都看不到") == []


def test_clause_starts_are_where_a_clause_mark_stood():
    from analyzer.normalise import Normaliser

    norm = Normaliser(fillers=["啊"]).normalise("好的啊,烦不烦、真是。滚!")
    assert norm.text == "好的烦不烦真是滚"
    # after 的 (the comma: the filler 啊 went with it) and after 是; not at 、 (a list)
    assert [norm.text[i] for i in norm.clause_starts] == ["烦", "滚"]
    assert Normaliser().normalise("你好。").clause_starts == ()


def _violations_by_rule(analyzer, text):
    """The violations forms and rules find (the sentence models left out)."""
    return sorted({f.ref for f in analyzer.check(text, speaker="agent", semantic=False,
                                                 wording=False) if f.is_violation})


def test_helplessness_is_drawn_from_cilin(analyzer):
    """8.4's words of helplessness come from 同义词词林's class of it (HELPLESS, Ga12B01=),
    not only from those the bank lists: 束手无策, 一筹莫展 and 无计可施 are not written in
    it. 无法, which goes on to what cannot be done, is left out."""
    from phrasebank import DEFAULT_PATH

    written = "\n".join(line for line in DEFAULT_PATH.read_text(encoding="utf-8").splitlines()
                        if not line.lstrip().startswith("#"))  # the data, not its comments
    for text, word in (("这情况我也是束手无策了", "束手无策"), ("这事我也一筹莫展", "一筹莫展"),
                       ("这个我也无计可施", "无计可施")):
        assert word not in written
        assert _violations_by_rule(analyzer, text) == ["8.4"], text
    assert _violations_by_rule(analyzer, "我无法确定原因,得回去查一下") == []


@pytest.mark.parametrize(("text", "ref"), [
    ("我是真的无能为力啊", "8.4"),  # an emphatic adverb between two words of a rule
    ("你这是完全搞反了吧", "8.2"),
    ("你这问题问得,我能知道吗?", "8.1"),  # asked back
    ("都跟你说三遍了,怎么就记不住", "8.3"),  # the speaker left out
    ("你会不会好好说话?", "8.0"),
    ("您这眼神儿可真够好的,灯亮着都看不见", "8.0"),  # a faculty praised, then failing
    ("等会儿您开车顺路捎我去下一家吧", "9.5"),
    ("我帮您这么快弄好了,您得表扬表扬我", "9.13"),  # the repeat said once
    ("这么简单的事,小学生都会", "8.0"),  # even a child could
    ("您真是我见过最会折腾的客户", "8.0"),
    ("反正我是没什么好办法了", "8.4"),
    ("您老可真行,把光猫放微波炉上", "8.0"),  # 您老: the respectful you
    ("你长没长眼睛,这写着呢", "8.0"),
    ("说实话,这种故障我也无从下手", "8.4"),
    ("那是装机的人弄的,跟我们维修没关系", "8.8"),
    ("您家应该自己去营业厅办,我这儿办不了", "8.5"),
    ("这我也是干着急,一点招都没有", "8.4"),  # no way at all, closing a clause
    ("一把年纪了连个开关都找不着", "8.0"),  # the age put-down with what one cannot do
    ("他奶奶的,又断了", "8.0"),
    ("您下楼的时候顺便帮我把车挪一下", "9.5"),
    ("你看那张卡片,上面都写了,我就不一个一个说了", "8.6"),  # written there, not gone through
    ("都解释了好几遍了还不明白啊", "8.3"),  # told N times, still not understood
    ("明天上午家里必须得有人,不然我白跑", "8.5"),  # the home told, a wasted trip threatened
    ("您可真会挑时候,我饭刚端起来", "8.0"),
    ("哎呀,这线接得跟狗啃的似的", "8.0"),  # work likened to an animal's
    ("我喝口您家的水啊,跑了一上午了", "9.5"),  # the agent helping himself
    ("这个旧手机您不要的话送我吧", "9.11"),
    ("这个归运营商那边的客服,我这边管不着", "8.8"),
    ("反正我是想不出什么办法了", "8.4"),
    ("哼,您家这网速,也就配刷刷抖音", "8.0"),
    ("您老人家可真是活宝", "8.0"),
    ("嘴巴放干净点", "8.0"),
    ("我车没油了,您先借我两百块加油", "9.5"),  # money borrowed
    ("逢年过节的,您意思意思就行", "9.11"),  # a token hinted at
    ("第三回了,同样的话我不想再说了", "8.3"),
    ("我也是一点办法没有", "8.4"),
    ("光猫坏了你们自个儿去营业厅换", "8.5"),  # 自个儿: SELF, as the north says it
    ("说明书你们自个儿翻翻就知道了", "8.6"),
    ("具体怎么弄您看盒子里那张纸就明白了,我就不多说了", "8.6"),
    ("那是物业的线,我们不管的", "8.8"),
    ("不清楚,你打10086问问吧", "8.8"),
    ("老糊涂了吧,密码都记不住", "8.0"),  # an epithet as a clause of its own
    ("我伺候不起您这样的大爷", "8.0"),
    ("我劝你说话客气点", "8.0"),
    ("您这wifi我连上了啊,我手机流量快没了", "9.5"),
    ("路由器你们家得换个好点的", "8.5"),  # the household told what it must get
    ("外面的信号好好的,是您屋里的问题,您另请高明吧", "8.10"),  # ELSEWHERE
    ("哟,您家这网速可真够快的,跟蜗牛赛跑呢", "8.0"),  # praise belied by a slow creature
    ("这箱牛奶您留着也喝不完,我拿两盒走", "9.11"),  # FOOD, from 同义词词林
    ("今天收功了,有啥是明兒個在打電話", "8.7"),  # as recognised: RESUME, 明儿个
    ("我都給您解釋半貼輪怎麼還要回來問我", "8.3"),  # as recognised
    ("簡單的東西都搞不定", "8.0"),  # as recognised, the "this" lost
    ("大过年的,您不给点红包", "9.11"),
    ("线断在墙里头了,我也拿它没办法", "8.4"),  # the thing named between
    ("电视信号不归我们宽带这边管", "8.8"),  # the department named between
    ("这事儿跟我说不着,我就是个修网的", "8.8"),
    ("站那儿别动,碍手碍脚的", "8.0"),
    ("您家电脑先让我登一下微信,我发个东西", "9.5"),  # the customer's computer, for oneself
    ("您开车顺路把我捎到地铁站吧", "9.5"),  # a ride, with 把
    ("我这么快给您修好门。您不表扬一下说不过去吧。", "9.13"),  # as recognised: praise owed
    ("啧啧,这么大岁数了连个手机都玩不明白", "8.0"),  # a device handled: ABILITY_FAIL
    ("这么大年纪了,连个开关都摁不对", "8.0"),
    ("麻烦您帮我把这箱工具扛到楼下车上", "9.5"),  # the agent's own things carried
    ("你帮我把梯子抬下去", "9.5"),
    ("顺手给我把这些拎到车里", "9.5"),  # anything carried to the agent's car
    ("你都弄不明白,还指望我知道?", "8.1"),  # you don't know, and expect me to
    ("您自己都不清楚,倒要我讲清楚", "8.1"),
    ("看你那笨手笨脚的样子,还是我来吧", "8.0"),  # a bad trait as the listener's look
    ("瞧你这磨叽的劲儿", "8.0"),
    ("我要是知道还用在这儿跟你耗着?", "8.1"),  # had I known, would I
    ("你自己看看你填的什么,这号码少一位", "8.2"),  # look at what you wrote
    ("你瞧瞧你写的是啥", "8.2"),
    ("你们最好自己买个好点的路由器,别指望我们送的", "8.5"),  # 最好 yourselves
    ("呵呵,您家这网速真是感人啊", "8.0"),  # 感人 of what is poor
    ("这手艺可真感人", "8.0"),
    ("别在那儿乱按了,越按越糟", "8.0"),
    ("你越弄越乱", "8.0"),  # made worse by the listener's doing
    ("您家这么多酒,匀我一瓶呗", "9.11"),  # a share of what the customer has
    ("你是不是记错套餐了,你办的就是五十兆的", "8.2"),  # MISTAKE_VERB: 记错
    ("你这是自己插反了", "8.2"),
    ("那是物业的事,找我们没用", "8.8"),  # someone else's business
    ("这是营业厅的事儿,跟我没关系", "8.8"),
    ("操作方法都在说明书第五页,您翻开看看就知道了", "8.6"),
    ("少在这儿给我摆谱", "8.0"),  # airs told off
    ("真服了,修个网还得伺候您这大爷", "8.0"),  # the customer served as a lord
    ("去去去,一边凉快去", "8.0"),
    ("哼,有本事你自己装啊", "8.0"),  # do it yourself if you can
    ("外面太冷了,我在您家坐会儿暖和暖和", "9.5"),  # rest in the customer's home
    ("这瓶好酒放着也是放着,不如给我尝尝", "9.5"),  # a drink asked for (9.5, as D205)
    ("以后有事直接找我,费用私下给我就行", "9.11"),  # paid privately
    ("你都不晓得的事,我一个外人上哪儿知道", "8.1"),  # the agent described between
    ("您再仔细看看,灯明明是绿的,您别看岔了", "8.2"),  # plainly so, misread
    ("这个真整不了,我也是有心无力", "8.4"),  # HELPLESS: 有心无力
    ("我就是个跑腿的,这些事我做不了主,你找别人", "8.8"),  # no say: someone else
    ("给你脸了是吧", "8.0"),
    ("你们家人脑子都不太灵光啊", "8.0"),  # wits not working
    ("这活儿不好干,您得加点钱", "9.11"),  # more money for a hard job
    ("都给你修好了,跟领导说句好话不过分吧", "9.13"),
    ("说八百遍了,拔电源等一分钟再插上", "8.3"),  # the count said first
    ("就这破网还好意思天天刷视频", "8.0"),  # this poor thing, and still you dare
    ("一把年纪了还这么较真", "8.0"),  # the age put-down with a trait
    ("一会儿回访电话打过来,记得说我好话", "9.13"),  # not 1.2.1: 好 of 好话 closes nothing
    ("你们家客厅脏得跟猪圈一样", "8.0"),  # the home likened to a filthy place (HOVEL)
    ("这屋简直就是个垃圾场", "8.0"),
    ("这会儿才想起来着急了?", "8.0"),  # concern come late, the moment and the remembering named otherwise
    ("家里得留个人,不在家我们就不上门", "8.5"),  # someone home, or no visit
    ("背面写得清清楚楚,你翻过来看看", "8.6"),  # printed plainly, look it over
    ("我们不负责那些,您问问卖家", "8.8"),
    ("上头发的通知就这么规定的,没办法", "8.9"),  # the higher-ups' paper says so
    ("屋里的毛病您再找个电工吧", "8.10"),  # someone else found for it
    ("这台旧电脑您不用了的话,我搬回去用", "9.5"),  # what is no longer used, taken home
    ("修得这么快,在小区群里帮我吹吹", "9.13"),  # 吹 for praise
    ("能不能挑重点说", "8.0"),  # talk cut short
    ("犯得着老打电话催吗", "8.0"),  # worth no call, said back
    ("给你点颜色就开染坊", "8.0"),
    ("我口水都说干了,你咋还不明白", "8.3"),  # said till the lips wore thin
    ("这毛病天王老子来了也没辙", "8.4"),  # nobody could
    ("我实在没那本事修这个", "8.4"),
    ("你们家自己先把线槽装好了我再来", "8.5"),  # yourselves first, then the agent
    ("小程序里有图解,你跟着做就行", "8.6"),  # pictures to follow
    ("今天单子都排满了,您这个往后推", "8.7"),  # put back in the queue
    ("这事不由我们做主", "8.8"),
    ("光猫那儿信号正常,屋里的问题跟我们没关系", "8.10"),  # fine up to here, none of ours inside
    ("你家网我连着呢,晚上回去追个剧", "9.5"),  # the customer's wifi for the agent's own viewing
    ("这份心意我就收下了", "9.11"),
    ("回访的时候就说师傅态度特别好", "9.13"),  # told what to say of the agent
    ("你耳背吗", "8.0"),
    ("心眼真小", "8.0"),
    ("芝麻大的事也要打电话", "8.0"),
    ("这屋子连个落脚的地儿都没有", "8.0"),
    ("嘁,我还以为什么大问题呢", "8.0"),  # the trouble belittled
    ("别在旁边杵着", "8.0"),
    ("自己瞎拆什么", "8.0"),
    ("没这金刚钻别揽瓷器活", "8.0"),
    ("你铁定是记错日子了", "8.2"),  # certainty said otherwise, the thing misread between
    ("就算有天大的本事也修不了", "8.4"),
    ("抖音上教程多的是,您自己搜一下跟着学", "8.6"),  # any video found and followed
    ("上面有规定,周末上门要加钱,我也改不了", "8.9"),  # a rule up there, nothing to do
    ("信号一点毛病都没有,是你家光猫坏了,自己换个新的", "8.10"),
    ("我刚才说什么来着,你又忘了", "8.3"),
    ("您家卫生间我用一下", "9.5"),
    ("给您装好了,收您一百块,不开发票啊", "9.11"),  # paid in hand, no invoice
    ("回访的时候给我打个五颗星", "9.13"),
    ("成天开着二十个网页,网不卡才怪", "8.0"),  # the customer's habits blamed
    ("你对我嚷嚷啥", "8.0"),
    ("少跟我玩花样", "8.0"),
    ("真行啊,自己把路由器拆了", "8.0"),  # praise belied by what the listener broke
    ("你自己都搞不清,我上哪知道", "8.1"),  # you don't know, how would I
    ("你这是把网线和电话线插反了", "8.2"),  # the two things mixed up named between
    ("这问题我一点办法都想不出来", "8.4"),
    ("我后面还有两家没去,您这个改天再约", "8.7"),  # other calls still to make
    ("我们只负责网络,别的找物业", "8.8"),
    ("毛病就出在你家屋里,你自己找个电工吧", "8.10"),  # the fault placed inside
    ("麻烦帮我洗下衣服,我这一身灰", "9.5"),  # the agent's own chores
    ("这台旧平板不用了就给我儿子玩", "9.11"),
    ("回头评价里说我服务热情啊", "9.13"),
    ("您这小算盘打得可真响", "8.0"),  # a shrewd calculation
    ("是你自己想错了,我们没这么说过", "8.2"),  # 想 among what one gets wrong
    ("你别胡说,我们根本没收过这笔钱", "8.2"),  # talking nonsense: it never happened
    ("这个我一开始就讲过了", "8.3"),  # answered already
    ("这把岁数了连个遥控器都按不对", "8.0"),
    ("整栋楼就数你家事儿最多", "8.0"),
    ("你这房子脏得跟猪圈似的", "8.0"),
    ("这箱水果您要是不吃,我拿回去", "9.11"),  # the customer's food taken home
    ("你们是不是把脑子忘在家里了", "8.0"),  # wits left at home
    ("这么多年都说不通,您属驴的吧", "8.0"),  # born in a year no zodiac has
    ("线都让您扯断了,您可真是个天才", "8.0"),  # a talent said last, emphatically
    ("五十块钱的套餐,还指望跑满千兆", "8.0"),  # the price as the measure of hope
    ("方便的话帮我开个热点,我传个照片", "9.5"),  # the customer's phone as the agent's hotspot
    ("您真要谢我,发我支付宝就行", "9.11"),  # thanks taken as a transfer
    ("这花生能不能给我匀一点", "9.11"),  # a share of the customer's food
    ("这个操作我反复讲了好几遍了", "8.3"),  # over and over, a count of times
    ("我嘴皮子都说破了您还听不懂", "8.3"),
    ("您把插头插到电话口了,这都能插错", "8.2"),  # even this got wrong
    ("你们这单元必须先把楼道门打开,不开我进不去", "8.5"),  # the lack as the condition
    ("这个流程是系统写死的,我动不了", "8.9"),  # the rule fixed fast
    ("我们这个岗位做不了主", "8.9"),  # the agent's rank too low
    ("前面我都把步骤交代过了,您怎么又来问", "8.3"),  # told in other verbs
    ("这事你打了五通电话来问,我每次都解释一样的", "8.3"),  # the count of calls
    ("这种楼我们也拿它没办法", "8.4"),
    ("碰上这情况我也只能干着急", "8.4"),  # left only to stare
    ("你们家当初就应该选光纤套餐", "8.5"),  # back then it should have been done
    ("步骤贴在路由器上面,照着挨个点就行", "8.6"),  # the paper pointed at, followed alone
    ("快六点了我得收工,剩下的往后放放", "8.7"),  # off work, put back
    ("规定上白纸黑字写着,我们也只好照做", "8.9"),  # the paper written, obeyed
    ("我渴死了,您冰箱里的矿泉水我拿一瓶", "9.5"),  # had on the spot for thirst
    ("大过年的,您看着打点打点", "9.11"),  # palms to be greased
    ("这剩菜给我打包带回去", "9.11"),  # packed to be taken away
    ("你家这屋乱成这样,咋住得下去", "8.0"),  # how can anyone live here
    ("这点事也犯得着打电话", "8.0"),  # a small thing, still worth a call
    ("跟你说的话你全当耳旁风", "8.0"),  # in at one ear
    ("插口都插反了,这么简单的错误也犯", "8.2"),  # an elementary mistake made
    ("办法都想遍了,我真不知道怎么办了", "8.4"),  # no idea what to do next
    ("都到饭点了,我先去吃饭,明天再弄", "8.7"),  # the agent's meal first
    ("今天人手不够,我们下班了,礼拜一吧", "8.7"),  # a weekday as another day
    ("那段线路属于物业的,我们不负责", "8.8"),  # someone else's part, so not ours
    ("你这种老赖就别跟我讲理了", "8.0"),
    ("你不让修就算了,我还乐得清闲", "8.0"),  # the work refused, the agent glad of it
    ("您这烟不错,借我一根", "9.5"),  # a cigarette smoked there
    ("梯子您帮我抬到电梯口", "9.5"),  # the agent's kit named first
    ("谢谢您,那这箱水果给我捎车上吧", "9.11"),  # thanks taken as the customer's goods
    ("剩下的水管送我两截", "9.11"),  # a piece of the customer's things
    ("您在评论区夸一下我们", "9.13"),  # the agent named after the praise
    # a request with 不要 or 不用 after it (not the hotspot offer declined)
    ("您帮我倒杯水,不要太烫", "9.5"),
    ("给我倒杯水,不用太满", "9.5"),
    ("帮我拿瓶饮料,不要冰的", "9.5"),
    ("这事您问我,我也一头雾水", "8.1"),  # asked, and nothing known
    ("您再仔细想想,是不是您自己把路由器复位了", "8.2"),  # think again: the customer's doing
    ("这种线路问题我这边根本插不上手", "8.4"),  # how little stressed
    ("家里得有个人,没人的话我们是不会过来的", "8.5"),
    ("设置步骤官网上写得清清楚楚", "8.6"),  # where to read it, and nothing more
    ("跟我说也白搭,我们只负责装机,不管售后", "8.8"),  # asking the agent is no use
    ("信号在楼道里测是满格的,屋里您另找个电工", "8.10"),
    ("您一天催五遍,您不烦我都烦了", "8.0"),
    ("你们这帮用户真叫人头疼", "8.0"),
    ("您是不是糊涂了,这根本不是我们的线", "8.0"),
    ("那破路由器用了八年了,还指望网速快", "8.0"),
    ("再嚷嚷我就挂电话了", "8.0"),
    ("您帮我把这包材料送到楼下车上", "9.5"),  # the agent's errand
    ("您非要给,那这盒月饼我就收着了", "9.11"),  # pressed on the agent, and kept
    ("帮我交下这个月电费,就当给我的跑腿费", "9.11"),
    ("嫌我磨蹭的话,您自己上去装", "8.0"),  # found wanting, so do it yourself
    ("别把我们师傅当跑腿的使唤", "8.0"),  # the agent used as a servant
    ("您催单比闹钟还准时", "8.0"),  # the customer's calls praised as zeal
    ("再磨叨下去,这宽带谁都别想修", "8.0"),  # the repair withheld
    ("我说一句你顶三句,还讲不讲理了", "8.0"),  # talking back counted
    ("你们就是来找茬的吧", "8.0"),
    ("在我这儿装可怜没用", "8.0"),  # pleading mocked
    ("天王老子来了也不好使,欠费就停机", "8.0"),
    ("起开,我要过去", "8.0"),
    ("别在我身后晃来晃去", "8.0"),
    ("您也表示表示,我下回给您优先排", "9.11"),  # a token asked by name
    ("这牛肉味道正,给我装一袋带走", "9.11"),  # a piece of the customer's food
    ("您的笔记本借我打印一下派工单", "9.5"),  # the customer's computer for the agent's work
    ("规矩在那摆着,谁来我也没法破例", "8.9"),  # the rule standing there
    ("我们不能给您一家破例", "8.9"),
    ("这种事我上哪儿给你找出原因来", "8.1"),  # where would I conjure it from
    ("你是不是把账号和密码搞混了,这俩能一样吗", "8.2"),  # asked, and told they differ
    ("地址我早就发给您了,您怎么又来跟我要", "8.3"),  # given already, asked again
    ("背面那张标签扫一眼就懂了", "8.6"),  # a look at the paper enough
    ("这是联通的网络,找我们干什么", "8.8"),  # another company's, why come to us
    ("公司管得死死的,我不敢给您通融", "8.9"),  # the rule held fast above
    ("您一动手就出问题", "8.0"),  # whatever the customer touches
    ("就您这三脚猫功夫也想自己修", "8.0"),
    ("您简直就是我亲祖宗", "8.0"),
    ("您那大嗓门,楼上楼下都听见了", "8.0"),  # a loud voice mocked
    ("这台老电脑都上个世纪的了", "8.0"),  # an old thing mocked
    ("人家邻居塞了五百,您自己看", "9.11"),  # what others gave, hinted
    ("回访的时候帮我说一句,报我的名字", "9.13"),  # the agent named in the rating
    ("我要是知道哪根线坏了,早就跟你说了", "8.1"),  # had I known, I'd have said
    ("这事您都问过不止三次了", "8.3"),  # asked no fewer than a count of times
    ("我这一天累趴了,您这个后天再来", "8.7"),  # the agent worn out
    ("规矩摆着呢,您跟我讲不着", "8.9"),  # telling the agent is no use
    ("哪有这么多为什么,按我说的做", "8.0"),  # questions refused
    ("能不能让我省点心", "8.0"),
    ("什么叫我骗你,单子上写得清清楚楚", "8.0"),  # the customer's word thrown back
    ("您就是故意的吧,线都给扯断了", "8.0"),  # called deliberate
    ("您的观念还停留在十年前那个时候", "8.0"),  # stuck in another age
    ("您算是我见过最挑剔的", "8.0"),  # the hardest of all
    ("您家这地板好几个月没拖了吧", "8.0"),  # a home never cleaned
    ("您这水平,跟小学没毕业似的", "8.0"),  # unschooled
    ("给您便宜点,剩下的私下转我微信就行", "9.11"),  # the rest paid to the agent in hand
    ("您可别考我了,这个我真不会", "8.1"),  # don't test me
    ("我脑袋里压根没这个概念", "8.1"),
    ("您先弄明白合同写的啥,再来问我", "8.2"),  # figure it out first
    ("明明是您签的字,您偏说没签过", "8.2"),  # the customer insists otherwise
    ("剩下的就爱莫能助了", "8.4"),  # the rest beyond the agent
    ("线断在墙里,我们也是干瞪眼", "8.4"),
    ("你们业主都得自己把线槽留好", "8.5"),  # you householders should
    ("单子上都印着呢,拿回家慢慢看", "8.6"),  # studied at home
    ("我正忙着呢,后天再联系吧", "8.7"),  # the agent busy now
    ("宽带以外的是另外的单位的事,我们管不着", "8.8"),  # another department's business
    ("您倒埋怨起我来了", "8.0"),  # blamed for a kindness
    ("再投诉我就把您这单压着", "8.0"),  # slower service threatened
    ("当初干嘛找我们装", "8.0"),
    ("您家那点鸡毛蒜皮,明天再说", "8.0"),  # the trouble called trifling
    ("谁叫您图便宜", "8.0"),
    ("您以为我们是做慈善的", "8.0"),
    ("说难听点就是小气", "8.0"),
    ("别出幺蛾子了", "8.0"),
    ("我车停您家门口了啊", "9.5"),  # the customer's space for the agent's car
    ("您那台不用的旧电脑,给我拉走吧", "9.11"),  # what the customer does not use
    ("这些月饼吃不完的话给我", "9.11"),  # gifts more than they can use
    ("您好好想想,是不是把账号当成密码输了", "8.2"),  # one thing taken for another
    ("这不是您自己改的套餐吗", "8.2"),  # the customer's own doing
    ("照着步骤做就行,不需要我", "8.6"),  # the agent not needed
    ("您这单先放着,下周再来", "8.7"),  # put aside to another day
    ("我们不干这种活,您找别人", "8.8"),  # such work refused
    ("我们又不是您的受气包", "8.0"),  # SERVANT
    ("您的想法也太荒唐了", "8.0"),
    ("您这种客户,我真是见识到了", "8.0"),
    ("您说的我就当放屁", "8.0"),
    ("您家是开电视台的吗", "8.0"),  # a home mocked as a business
    ("您家八字太硬", "8.0"),
    ("您这嘴开过光吧", "8.0"),
    ("风扇给我吹一会儿", "9.5"),  # the customer's fan for the agent
    ("帮我打盆水,我洗个脸", "9.5"),
    ("那盆绿萝分我一株", "9.11"),
    ("这台旧电脑留着也没啥用,我带回去", "9.11"),  # of no use, so taken
    ("弄得这么好,不表扬表扬我?", "9.13"),  # praise asked as a question
    ])
def test_constructions_of_fresh_probe_sets(analyzer, text, ref):
    assert ref in _violations_by_rule(analyzer, text)


def test_the_customers_food_had_on_the_spot_is_9_5_taken_away_9_11(analyzer):
    # as the corpus labels them: a drink or a bite had there (泡杯茶) is 9.5's favour, food
    # taken home (包点带回去) 9.11's
    for text in ("我渴死了,您冰箱里的矿泉水我拿一瓶", "饿了,桌上的饼干我吃一块"):
        assert _violations_by_rule(analyzer, text) == ["9.5"], text
    assert _violations_by_rule(analyzer, "您家这饼干不错,我拿一块带回去") == ["9.11"]


@pytest.mark.parametrize("text", [
    "我没办法现在就给您答复,回去查清楚了给您打电话",  # unable now, the answer promised
    "您问得好,这个我正好知道",
    "您会不会用微信?我教您扫码",
    "这个我不清楚,我帮您问一下他们",
    "我这个笨办法虽然慢,但是稳",
    "我也没什么别的办法,只能先给您换个猫试试",  # the one way there is, offered
    "我没办法确认是哪根线,得一根一根试",  # unable to tell, not unwilling to help
    "您别担心,也不是一点办法都没有,我换个模块试试",
    "他奶奶家也是我们装的宽带",
    "这台电脑是他奶奶的,密码得问老人家",  # a grandmother's, not the oath
    "他奶奶的确是老用户了,套餐还是十年前办的",  # 的确: indeed
    "您家狗啃坏的那根线我换了",  # the dog did chew it
    "您不用送我了,我自己下楼",
    "讲了两遍您就明白了,您理解得真快",
    "不好意思,我刚才搞错了,您家是四楼",  # 意思 at a clause's end: sorry, not a token
    "葱花意思意思就可以了",
    "我想不出什么好办法,只能先给您换个猫试试",
    "我奶奶有点老糊涂了,总忘关灯",  # an epithet inside a clause, said of one's own
    "您可以自己去营业厅换,也可以我帮您带过去",
    "这个问题我确实不太清楚,我帮您问一下我们技术",
    "说话客气点是我们的基本要求",  # a rule named, no one told off
    "您家得换个新光猫了,我这就给您申请",  # the household's need, the agent's errand
    "您家网速慢得跟蜗牛似的,我帮您查查",  # a thing likened to an animal, not a person
    "这水果您拿着路上吃",  # handed to the customer
    "我都跟您解释过了,您还有什么要问的吗",
    "简单的问题我们电话里就能处理",
    "明天下午三点我再过来装",
    "您家电脑让我看一下网络设置",  # the customer's computer, for the work
    "这根线我顺路把它带到楼下扔了",
    "这个问题不归我们管,但我帮您联系物业",
    "您有什么不满意的可以跟我说,不着急",  # 说 and 不着 in two clauses
    "小朋友在旁边有点碍事,您帮忙看着点",
    "不给好评也没关系,您如实评价就行",
    "我帮您把旧光猫带到楼下扔了",  # the agent carries, for the customer
    "您帮我把门打开一下,我把梯子搬进来",
    "您不必自己动手,这些我来弄",  # the agent takes the work on: no 8.8 by wording
    "说明书您不用看,我来给您设置",
    "这种情况也不是没办法,我试试换个端口",  # not without a way
    "这款路由器操作很傻瓜,插上就能用",  # 傻瓜 of how a thing is used
    "您不清楚的话,让我给您讲清楚",  # the offer, not 8.1
    "看您那么着急的样子,我先修这个",  # a feeling, no trait
    "这个账号是他妈的名字开的,得本人来办",  # his mother's name
    "明天再来给您装电视盒子,今天先把网弄好",  # today's work done today: no 8.7 by wording
    "我在楼道里找一下你们家的线",  # the customer's line, for the work: no 9.5 by wording
    "这个故事真感人",
    "这根线越弄越乱,我重新给您整理一下",  # no one blamed
    "我要是知道您今天在家,早就过来了",
    "这是我们的事,跟您没关系,您歇着",  # the agent's own business
    "您有本事的话也可以自己装,我在旁边教您",
    "这只猫真机灵,一直盯着网线玩",  # an animal watched: no 8.0 by meaning
    "这瓶酒您留着自己尝尝,我不能收",
    "我刚才说的步骤您记不住没关系,我写下来",  # reassured, not scolded
    "换千兆的话您得加点钱,我把套餐价格发给您",  # a price, not a favour
    "我这脑子不太灵光,刚才记错了,是三楼",  # one's own head
    "您别插错了,左边那个口是网口",  # an instruction, no contradiction
    "一把年纪了还这么精神,您身体真好",
    "就这么点活儿,我马上弄完",
    "这些线缠得跟鸡窝似的,我帮您理顺",  # tangled cables, not the home
    "您家里收拾得真干净,跟样板间一样",
    "这个不归物业管,归我们管,我现在就去处理",  # not another's: ours (8.8 by form)
    "下周三是公司规定的维护时间,晚上可能会断网一小时",  # the schedule told (8.9 by form)
    "我现在知道原因了,马上给您修",
    "卡片上写得很清楚,我指给您看看这一行",  # shown, not sent to read it
    "家里得有人在,我们到了好给我们开门",  # the need said, no visit refused
    "至于费用,您不用担心",  # 至于: as for
    "您必须今天用网的话,我先给您装个临时的",  # a condition, the agent's help after it
    "老人家耳背,我说话大声点",  # said of someone else
    "我还以为多大的事,原来是线松了,插好了",  # relief, not belittling
    "他问我,我也说不清楚,所以请了技术员过来",  # someone else asked the agent (8.1 by form)
    "您别看错了,红灯那个口不能插",  # an instruction, no contradiction
    "您要是不清楚,我来跟您讲讲怎么回事",  # the agent offers to explain
    "这不归您管,是我们的活,您歇着",  # not the customer's to mind (8.8 by wording)
    "您自己找人修的话可能要花钱,还是我来吧",  # someone else would cost (8.10 by rule)
    "不是您输错了,是我们系统的问题",  # not the customer's mistake: ours (8.2 by rule)
    "我这也能记错,不好意思,是五楼",  # one's own slip marvelled at
    "我属猪的,比您小两岁",  # a year of birth
    "您属狗的吧,跟我家老大一样",
    "您儿子可真是个人才,这么小就会编程",  # praise of someone else
    "给我开个发票就行,报销要用",  # an invoice, no favour
    "您记错了也没关系,我重新给您登记",  # a mistake that is no matter (8.2 by rule)
    "手册上这一步印错了,您别照着做,我来",  # the paper is wrong (8.6 by wording)
    "他们家装修的时候应该没留网线口",  # 应该: probably, and their household
    "我们五点下班,您这个今天一定弄完",
    "我刚才念给您的号码,您再核对一下",
    "您说要帮我开热点?不用了,谢谢",  # the offer declined (9.5 by rule)
    "我们五点交班,您这个三点前肯定能装好",  # done before closing (8.7 by wording)
    "饭点了,您先吃饭,我在这接着弄",
    "礼拜一我再来复查一下信号",  # a weekday for a follow-up
    "安装不收钱,这是公司规定的,您放心",  # free of charge (8.9 by rule)
    "上面写得很详细,我也给您演示一遍",  # the agent shows it anyway (8.6 by rule)
    "手册里写得很详细,我指给您看是哪一页",
    # praise, or a plan: today's rules keep their context (the talent after what was
    # wrecked, the price with 指望, the hotspot for the job, the meal with 再说, the help
    # after 不管, the belittled thing before 用得着)
    "你可真是个能人,这么快就装好了",
    "这点钱还想着存起来给孩子上学用",
    "给我开个热点就行,我测一下您家的网速",
    "您的脑子真好使,一下就记住了",
    "那台电视是广电的,我们不管,但我可以帮您看看",
    "还用得着打电话吗,我直接过来就行",
    "我老糊涂了,刚才把楼层记错了",  # one's own head
    "您家老人说不用麻烦,我们就没进屋",
    # look-alikes of the constructions of set Q50
    "嫌慢的话,您也可以自己去营业厅办",  # advice: what the customer may do
    "您要是嫌麻烦,我来帮您弄",
    "您别把我们当外人,有事尽管说",
    "我说一句您记一句,别漏了",  # dictation, not talking back
    "我说一句您回一句,咱们把信息对一下",
    "我不是来吵架的,是来帮您解决问题的",
    "您把那个面板起开,我看看里面",  # 起开: prised open
    "我不是哭穷,公司确实不给报销",
    "天王老子来了也得排队",
    "您不用意思意思,真的",
    "您的电脑借我登一下您的宽带账号,我看看套餐",  # the customer's business
    "规定摆在那儿,但我可以帮您申请特殊处理",
    "不能为您破例,不过我可以帮您申请",  # no exception, one asked for
    "这次给您破例了,下不为例",
    # look-alikes of the constructions of set Q51
    "这张图您看一眼就明白了,我再给您讲讲",  # the agent explains it still
    "电信的线我们管不了,不过我可以帮您联系他们",
    "您一动手就学会了,真快",
    "都上个世纪的事了,您还记得",
    "您的嗓门真亮,唱歌一定好听",
    "您可真是我的贵人",
    "不归我们管的那段,我也帮您问问物业",  # not ours, helped all the same
    "这截线不归我们管,我也顺手帮您理整齐了",
    "我不能给您开后门,但是可以帮您加急申请",
    "上回那家给了好评,您也可以在回访里说说感受",
    "备注里写上您的名字和电话",
    # 意思意思 is read as 意思 (stutters collapsed): a view or a meaning is no token asked
    "然后你表示外国人在海关也会遇到骗子",
    "我是这么想的,您意思呢?",
    # look-alikes of the constructions of set Q52
    "我要是知道您在家,早就过来了",
    "您问过不止一次了吧?没关系,我再说一遍",  # asked again, and no matter
    "您是不是累坏了?您先歇着,我明天再来",  # the customer let rest (8.7 by wording)
    "哪有那么多问题,放心吧",  # reassurance
    "什么叫光衰?就是信号在光纤里的损耗",
    "您不是故意的,我知道",
    "您是故意留的这个口吧",
    "您是我见过最好说话的客户",
    "您家这空调几个月没开了吧,我帮您试试",
    "说句实在话,这个套餐不太划算",
    "我们这行的规矩是先勘察后施工,跟您说一下",
    # look-alikes of the constructions of set Q53
    "考考您,这个灯亮是什么意思?",
    "明明说好三点,您不用急,我马上到",
    "剩下的我来帮您弄",
    "你们业主群里通知了吗?",
    "您在开会的话,我明天再打",  # the customer busy
    "别的部门的业务我不太熟,我帮您问问",
    "我把车停楼下了,不占您车位",
    "您不用的旧设备我们可以免费回收",
    "月饼您留着自己吃,吃不完放冰箱",
    "您倒是提醒我了,我差点忘了",
    "说难听点,这台电脑真该换了",
    "当初选我们就对了,网速是真快",
    "我又不是不管,马上就给您弄",  # the work promised (9.11 by wording)
    "手册那一页印反了,您按我说的顺序来",  # the paper printed wrong (8.6 by wording)
    "你問我,我幾輛回答,不清楚的我幫你問同事",  # asked of a colleague (8.1 by wording)
    # look-alikes of the constructions of set Q54
    "您看看是不是把网线插到电话口了?我帮您改过来",
    "这不是您上次说的那个路由器吗?挺好的",
    "跟着提示走就行,不明白的我来教您",
    "您这个先放着别动,明天我带新设备来换",
    "这种活我们也接,放心",
    "我们又不是第一次来,熟门熟路",
    "您的想法挺好,就按您说的办",
    "您说的话我都记下了",
    "您家是开店的吗?可以办商务宽带",
    "这个风扇给我看看,是不是也插这个插座",
    "您家风水好,这个位置信号也好",
    "开过光的玉?真漂亮",
    "不归屋也滾的那段,我們已經幫你切好冷",  # a recogniser's 滚 for 管 after 不归
    # look-alikes found reading the stop's rules again
    "我对这些东西跟文盲一样,全靠同事教",  # the agent of themself
    "公司管得严严的,您放心,我们不会泄露您的信息",
    "系统卡得死死的,我重启一下",  # a frozen system
    "您当初为什么选我们移动?我们做个回访",  # a survey's question
    "您是诚心的,我知道",  # sincere, not deliberate
    "您是开网吧的吗?那得办企业宽带",
    "我们不干这种事,您放心",  # deeds the firm would never do
    "我脑子里没这个印象,您是哪天报的修?",
    "等我把原因搞清楚了再来说",  # the agent's promise
    "遥控器给我,我帮您调一下信号源",  # the customer's TV
])

def test_look_alikes_of_those_constructions(analyzer, text):
    assert [f.ref for f in analyzer.check(text, speaker="agent") if f.is_violation] == []


def test_a_towel_lent_to_wipe_with_is_no_oath(analyzer):
    """借我擦擦 (a towel lent to wipe with) is normalised with its stutter collapsed, 借我擦:
    the oath 我擦's guards looked for the word after it, and the request read as 脏话 too.
    It is the agent's favour asked (9.5), and nothing uncivil."""
    for text in ("我手上都是灰,您家毛巾借我擦擦", "您家抹布借我擦擦鞋"):
        assert _violations_by_rule(analyzer, text) == ["9.5"], text


def test_food_taken_is_9_11_and_a_drink_asked_for_is_9_5(analyzer):
    """FOOD is drawn from 同义词词林's classes of food and drink (酸奶, 饺子 are not written in
    the bank): the customer's food taken is 9.11, whatever it is; a drink asked to be
    handed over (给我拿一瓶) is the extra request of 9.5, not the taking of 9.11."""
    from phrasebank import DEFAULT_PATH

    written = DEFAULT_PATH.read_text(encoding="utf-8")
    for food in ("酸奶", "饺子", "巧克力", "香肠"):
        assert food not in written and food in analyzer.bank.concepts["FOOD"]
        assert _violations_by_rule(analyzer, f"这{food}您一家也吃不完,我拿两盒回去") == ["9.11"]
    for text in ("师傅渴了,您家有矿泉水给我拿一瓶", "師傅可樂,您家有礦泉水給我拿一瓶"):
        assert _violations_by_rule(analyzer, text) == ["9.5"], text


def test_a_look_alike_the_bank_names_is_no_finding_by_wording_either(analyzer):
    """A line's look-alikes (its entry's guards) hold for what the wording model reads as
    well: the agent's own must (我必须先…, 不然…) is no 8.5, nor the work taken on (这些我来弄)
    8.8, though the model reads them so.
    (没办法…的话, unable as a condition of what the agent does next, was the 8.4 case
    until the model learnt from set Q28, which says it.)"""
    stage = analyzer.wording_stage()
    for text, ref in (("我必须先断电,不然没法接线", "8.5"),
                      ("我必须先断开电源,要不然没法测", "8.5"),
                      # the agent takes the work on (OFFER): no refusal of it
                      ("您不必自己动手,这些我来弄", "8.8")):
        [read] = stage.read([text])
        assert read is not None and read.ref == ref, text  # what the model alone says
        assert analyzer.matcher.guarded(text, ref)
        assert [f.ref for f in analyzer.check(text, speaker="agent") if f.is_violation] == []
    # the line itself, with no look-alike in it, is still read
    [flag] = [f for f in analyzer.check("我也没辙了,真修不了", speaker="agent") if f.is_violation]
    assert flag.ref == "8.4"


def test_a_look_alike_misspelt_by_the_recogniser_is_still_a_look_alike(analyzer):
    """An 8.0 word's guards match a recogniser's text by sound too: 滚筒 written 滚痛 is no
    滚, 屁帘儿 written 屁蓮兒 no 个屁. The word itself, said as a word, still is."""
    def violations(text: str, source: str = "asr") -> list[str]:
        return [f.ref for f in analyzer.check(text, speaker="agent", source=source,
                                             semantic=False, wording=False) if f.is_violation]

    assert violations("滚痛再转,声音有点大,我们到客厅说") == []
    assert violations("這個屁蓮兒是老人家做的吧真好看") == []
    assert violations("你给我滚,快点") == ["8.0"]
    # typed text says what it says: there 滚痛 is no 滚筒, and 滚 stands alone
    assert violations("滚痛再转", source="typed") == ["8.0"]
