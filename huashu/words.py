"""Words for people: the readable CLI output, the demo and the batch report, in Chinese by
default (QA staff read Chinese) or English (``--lang en``). JSON output keeps its codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import phrasebank as pb

__all__ = ["LANGS", "Words"]

LANGS = ("zh", "en")

_CODES: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {"taboo": ("禁语", "taboo"), "discipline": ("纪律", "discipline"),
             "script": ("规范话术", "script")},
    "reason": {"missing_step": ("缺少步骤", "missing step"),
               "out_of_order": ("顺序不对", "out of order"),
               "unanswered_trigger": ("未回应客户", "unanswered trigger"),
               "violation": ("违规", "violation"),
               "observation": ("通话观察", "observation"),
               "violation (no template)": ("违规(无模板,不扣分)", "violation (no template)")},
    "speaker": {"agent": ("坐席", "agent"), "customer": ("客户", "customer"),
                "unknown": ("未知", "unknown")},
    # 8.0 kinds that are not the bank's (its lexicon's labels name the others)
    "category": {"meaning": ("按语义", "by meaning"),
                 "wording": ("按措辞(模型)", "by wording (model)")},
}

_TEXT: dict[str, tuple[str, str]] = {
    "no_flags": ("无标记", "no flags"),
    "standard": ("规范原文", "standard"),
    "by_meaning": ("按语义最接近", "by meaning, nearest"),
    "by_wording": ("措辞最接近", "by wording, nearest"),
    "near_sound": ("近音: 规则中一个词只听对一半 (声母或韵母)",
                   "by sound: one word of the rule half heard (its initial or final)"),
    "reading": ("重听", "read again"),
    "no_template": ("无模板", "no template"),
    "inferred": ("推断", "inferred"),
    "given": ("指定", "given"),
    "scenario": ("场景", "scenario"),
    "score": ("得分", "score"),
    "flags": ("标记", "flags"),
    "deductions": ("扣分", "deductions"),
    "turn": ("第 {n} 句", "turn {n}"),
    "no_turn": ("无对应语句", "no utterance"),
    "demo_title": ("huashu 演示 — 示例对话 “{id}”,话术库 {version}",
                   "huashu demo — sample dialogue '{id}', phrasebank {version}"),
    "recording": ("{source}:{duration:.1f} 秒,{channels} 个声道,说话人{speakers},场景 {scenario},"
                  "得分 {score}", "{source}: {duration:.1f}s, {channels} channel(s), speakers "
                  "{speakers}, scenario {scenario}, score {score}"),
    "analytics": ("通话分析:坐席说话 {agent:.0f} 秒(占 {share:.0%}),客户 {customer:.0f} 秒,"
                  "同时说话 {overlap:.1f} 秒,无人说话 {silence:.0f} 秒;坐席打断客户 {ai} 次,"
                  "客户打断坐席 {ci} 次,附和 {bc} 次;坐席语速 {pace:.0f} 字/分钟",
                  "call: agent talked {agent:.0f}s ({share:.0%}), customer {customer:.0f}s, "
                  "both at once {overlap:.1f}s, nobody {silence:.0f}s; the agent interrupted "
                  "{ai} time(s), the customer {ci}, back-channels {bc}; agent pace {pace:.0f} "
                  "characters/min"),
    "analytics_one_channel": ("通话分析:坐席说话 {agent:.0f} 秒(占 {share:.0%}),客户 {customer:.0f} 秒,"
                              "无人说话 {silence:.0f} 秒;坐席打断客户 {ai} 次,客户打断坐席 {ci} 次;"
                              "坐席语速 {pace:.0f} 字/分钟",
                              "call: agent talked {agent:.0f}s ({share:.0%}), customer "
                              "{customer:.0f}s, nobody {silence:.0f}s; the agent interrupted "
                              "{ai} time(s), the customer {ci}; agent pace {pace:.0f} "
                              "characters/min"),
    "analytics_mono": ("(单声道录音:说话人由声纹推断,同时说话分辨不出,以上数字仅供参考)",
                       "(mono recording: speakers inferred from their voices, overlapping "
                       "speech not seen; indicative only)"),
    "interruption": ("打断 {at}:坐席在客户说话时插话,同时说话 {overlap:.1f} 秒",
                     "interruption at {at}: the agent cut in while the customer spoke, "
                     "{overlap:.1f}s together"),
    "interruption_no_pause": ("打断 {at}:客户话音未停坐席即开口(单声道录音,同时说话多久测不出,不扣分)",
                              "interruption at {at}: the agent began with no pause after the "
                              "customer (mono: time together not measured; no deduction)"),
    "interruption_heard_under": ("打断 {at}:客户话音未停坐席即开口,客户在其下约又说了 {under:.1f} 秒"
                                 "(单声道录音,由声纹估计,不扣分)",
                                 "interruption at {at}: the agent began with no pause after "
                                 "the customer, who went on under them for about {under:.1f}s "
                                 "(mono: estimated from the voices; no deduction)"),
    "customer_interruption": ("客户插话 {at}(不扣分)", "the customer cut in at {at} (no deduction)"),
    "voiced": ("有声无字 {start}–{end}:识别未写出文字,按声音归{speaker},计入说话时长",
               "speech with no words {start}-{end}: none written, {speaker}'s voice by its "
               "sound, counted as talk"),
    "silence": ("长时间无人说话 {start}–{end}({seconds:.1f} 秒)",
                "long silence {start}-{end} ({seconds:.1f}s)"),
    "raised_voice": ("音量提高 {value:.1f} dB(高于坐席中位 {baseline:.1f} dBFS)",
                     "voice raised {value:.1f} dB above the agent's median ({baseline:.1f} dBFS)"),
    "rushing": ("语速过快:坐席中位语速的 {value:.1f} 倍({baseline:.0f} 字/分钟)",
                "rushing: {value:.1f}x the agent's median pace ({baseline:.0f} characters/min)"),
    "background": ("背景人声 {n} 句(声音远低于该方说话人,如电视、旁人说话、对方声音的回声;"
                   "不计入说话时长、打断、语速和评分):{turns}",
                   "voice behind a speaker in {n} utterance(s) (far quieter than that side's "
                   "speaker: a television, someone nearby, the other side's echo; not in talk "
                   "time, interruptions, pace or the score): {turns}"),
    "heard_behind": ("背景人声,不计分", "heard behind the speaker, not scored"),
    "stereo": ("按声道区分", "stereo"),
    "inferred_speakers": ("推断", "inferred"),
}


def _clock(t: float) -> str:
    m, s = divmod(max(0.0, t), 60)
    return f"{int(m)}:{s:04.1f}"


class Words:
    """People-facing words in one language, with the bank's names for refs and scenarios."""

    def __init__(self, lang: str = "zh", bank: pb.Phrasebank | None = None) -> None:
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
        self.lang = lang
        self.bank = bank
        self._i = LANGS.index(lang)

    def __call__(self, key: str, **fmt: Any) -> str:
        text = _TEXT[key][self._i]
        return text.format(**fmt) if fmt else text

    def code(self, group: str, value: str | None) -> str:
        """The word of a code (``kind``, ``reason``, ``speaker``); the code when unknown."""
        pair = _CODES[group].get(value or "")
        return pair[self._i] if pair else (value or "—")

    def ref(self, ref: str) -> str:
        """A ref with its short name in Chinese (``8.7 快下班了,明天再说``), bare in English."""
        name = self.bank.ref_name(ref) if self.bank is not None else ""
        return f"{ref} {name}" if name and self.lang == "zh" else ref

    def category(self, category: str | None) -> str:
        """An 8.0 kind: the bank's label in Chinese (脏话, 讽刺 …), the code in English."""
        if not category:
            return ""
        if category in _CODES["category"]:
            return self.code("category", category)
        if self.lang == "zh" and self.bank is not None:
            for g in self.bank.lexicon:
                if g.category == category and g.label:
                    return g.label
        return category

    def scenario(self, scenario: str | None) -> str:
        if scenario in (None, "", "undetermined"):
            return self("no_template")
        if self.lang == "zh" and self.bank is not None:
            t = self.bank.template(scenario)  # type: ignore[arg-type]
            if t is not None:
                return f"{t.title}({scenario})"
        return str(scenario)

    def score(self, score: int | None) -> str:
        return self("no_template") if score is None else f"{score}/100"

    def analytics_summary(self, a: Mapping[str, Any]) -> list[str]:
        """A recording's call analytics in a line (and a second when its speakers were
        inferred from one channel)."""
        if not a:
            return []
        # one channel: no time together and no back-channels measured (None), not shown
        key = "analytics" if a.get("overlap_s") is not None else "analytics_one_channel"
        out = [self(key, agent=a["talk_s"]["agent"], customer=a["talk_s"]["customer"],
                    share=a["talk_share"]["agent"], overlap=a.get("overlap_s"),
                    silence=a["non_talk_s"], ai=a["agent_interruptions"],
                    ci=a["customer_interruptions"], bc=a["backchannels"],
                    pace=a["pace_cpm"].get("agent", 0.0))]
        if a.get("speaker_confidence") != "high":
            out.append(self("analytics_mono"))
        if a.get("background"):
            out.append(self("background", n=len(a["background"]),
                            turns=", ".join(self("turn", n=i) for i in a["background"])))
        return out

    def analytics_events(self, a: Mapping[str, Any],
                         clock: Callable[[float], str] = _clock) -> list[tuple[float, str]]:
        """Each interruption, then each long silence, then each stretch of speech with no
        words given to a voice: ``(time, words)``, times written by ``clock`` (m:ss by
        default)."""
        out = []
        for i in a.get("interruptions", []):
            key = "customer_interruption" if i["by"] != "agent" else \
                "interruption" if i.get("overlap_s") is not None else \
                "interruption_heard_under" if (i.get("heard_under_s") or 0) > 0 else \
                "interruption_no_pause"
            out.append((i["at"], self(key, at=clock(i["at"]), overlap=i["overlap_s"],
                                      under=i.get("heard_under_s") or 0.0)))
        for s in a.get("long_silences", []):
            out.append((s["start"], self("silence", start=clock(s["start"]),
                                         end=clock(s["end"]), seconds=s["seconds"])))
        for start, end, speaker in a.get("voiced", []):
            out.append((start, self("voiced", start=clock(start), end=clock(end),
                                    speaker=self.code("speaker", speaker))))
        return out

    def analytics(self, a: Mapping[str, Any]) -> list[str]:
        """A recording's call analytics as lines: the summary, each interruption, long
        silence and observation (times as m:ss)."""
        if not a:
            return []
        out = self.analytics_summary(a) + [words for _, words in self.analytics_events(a)]
        for o in a["observations"]:
            out.append(self("turn", n=o["utterance"]) + " " +
                       self(o["kind"], value=o["value"], baseline=o["baseline"]))
        return out

    def deduction(self, d: Mapping[str, Any]) -> str:
        """One deduction: points, reason, the refs with names, where."""
        where = self("turn", n=d["turn"]) if d.get("turn") is not None else self("no_turn")
        refs = " / ".join(self.ref(r) for r in d.get("refs") or [])
        if self.lang == "en":
            return f"-{d['points']:<3} {self.code('reason', d['reason']):<18} {where:<12} " \
                   f"{d.get('detail', '')}"
        return f"-{d['points']:<3} {self.code('reason', d['reason'])} {refs}({where})"
