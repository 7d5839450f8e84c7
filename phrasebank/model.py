"""The phrasebank as plain data: entries, the 8.0 lexicon, templates, triggers, weights."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .rules import Rule
from .vocab import VIOLATION_KINDS

__all__ = [
    "LEXICON_STANDARD",
    "CallAnalyticsConfig",
    "ObservationRule",
    "Entry",
    "LexiconGroup",
    "MatchingConfig",
    "Phrasebank",
    "SemanticConfig",
    "Step",
    "Template",
    "Trigger",
    "UnknownScenario",
]

LEXICON_STANDARD = "凡脏话、粗话、讽刺、训斥客户的话均列为服务禁语"
"""The standard's own words for 8.0 (uncivil language not on the list)."""


class UnknownScenario(ValueError):
    """A scenario that the phrasebank has no template for; the message lists those it has."""

    def __init__(self, scenario: object, known: list[str]) -> None:
        super().__init__(f"unknown scenario {scenario!r}; the phrasebank has: "
                         f"{', '.join(known)}")
        self.scenario = scenario


@dataclass(frozen=True)
class Entry:
    """One line of the standard: a script line, a taboo or a discipline rule."""

    ref: str
    kind: str  # script | taboo | discipline
    text: str  # the standard's wording, verbatim
    forms: tuple[str, ...]  # matchable forms (see the YAML header for the syntax)
    speaker: str = "agent"  # whose utterances it applies to: agent | customer | any
    threshold: float | None = None  # per-entry override of matching.thresholds[kind]
    rules: tuple[Rule, ...] = ()  # other ways of saying it, in the rule syntax
    guards: tuple[Rule, ...] = ()  # look-alikes: a match inside one of these is no match
    slot_max: int | None = None  # per-entry override of matching.slot_max (names: short)
    examples: tuple[str, ...] = ()  # paraphrases for the semantic stage (script lines)
    name: str = ""  # a short name for people (reports, the page); "" : from the text

    @property
    def short_name(self) -> str:
        """``name``, else the standard's wording up to its first clause (at most 16)."""
        if self.name:
            return self.name
        return re.split(r"[,,。;;!!??]", self.text, maxsplit=1)[0][:16]

    @property
    def is_violation(self) -> bool:
        return self.kind in VIOLATION_KINDS


@dataclass(frozen=True)
class LexiconGroup:
    """Words and rules of one kind of uncivil language (ref 8.0)."""

    category: str  # profanity | crude | sarcasm | scolding
    label: str
    words: tuple[str, ...]
    rules: tuple[Rule, ...]
    guards: tuple[Rule, ...] = ()  # look-alikes: a match inside one of these is no match
    exact: tuple[str, ...] = ()  # words matched only as written, never by sound
    ref: str = "8.0"


@dataclass(frozen=True)
class Step:
    name: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    scenario: str
    title: str
    steps: tuple[Step, ...]
    ends: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """The standard's section its first step comes from ("1", "5"): a line the standard
        repeats word for word (1.1.7 / 5.4) is credited to this section."""
        first = self.steps[0].refs[0] if self.steps else ""
        return first.split(".")[0]


@dataclass(frozen=True)
class Trigger:
    name: str
    kind: str
    patterns: tuple[str, ...]
    owed: tuple[str, ...]


@dataclass(frozen=True)
class MatchingConfig:
    slot_max: int = 8
    gap_max: int = 8
    short_max: int = 4
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"script": 0.78, "taboo": 0.82, "discipline": 0.82}
    )
    negations: tuple[str, ...] = ()
    """Characters that turn a violation's form into its opposite when lost: a form of a
    taboo or discipline line that holds one matches only where the utterance says it
    (这事归我们管 is not 这事不归我管)."""
    exact_sound: tuple[str, ...] = ()
    """Characters that a rule's words match by their own pinyin only, without the fuzzy
    pairs, also in a recogniser's text (你 is 泥 and 尼 as the recogniser writes it, not,
    with n and l alike, 里, 理, 力, 离 …)."""
    rule_adverbs: tuple[str, ...] = ()
    """Words a rule's two tokens said in a row may hold between them, unwritten (盒子背面都写着
    is 背面 [写着|印着] said with 都): adverbs that qualify a clause without turning it
    around. Not a negation: 不 and 没 between two words change what is said."""
    function_chars: tuple[str, ...] = ()
    """Characters of grammar (就, 的, 了 …): in a recogniser's text they are themselves, never
    another word of a violation's rule said by sound (谢谢您了,水我就不喝了: 就 is not 酒;
    理解错了您的意思: 的意思 is not 得意思)."""
    question_words: tuple[str, ...] = ()
    """Words that ask (什么, 哪, 多少 …): a form that holds none of them is no hit where
    the stretch of the utterance it aligned with holds one (请问您的电脑是什么系统 read as
    请问您是XX先生吗 at 0.88, 什么 by sound 先生: a question asked is not the line said)."""
    clause_min: float = 0.0
    """A violation's form in clauses (a gap between them) matches only where each clause
    has all its syllables but one heard, or at least this share of its sounds (刚才跟您说的
    …怎么样 is not 刚才跟你说了…怎么又问: the second clause lost 又 and 问); 0: the form as a
    whole only."""


@dataclass(frozen=True)
class SemanticConfig:
    """The semantic stage's settings (see :mod:`analyzer.matching.semantic`)."""

    min_similarity: float = 0.93  # the nearest example must be at least this close
    margin: float = 0.01  # and closer than any other line's or negative's by this much
    negatives: tuple[str, ...] = ()  # ordinary talk of the trade that credits no line
    uncivil_min_probability: float = 0.95
    """An agent utterance that no 8.0 word or rule flags is uncivil by meaning when the
    model of :mod:`models.uncivil` gives it at least this probability (1: never)."""
    wording_min_probability: float = 0.8
    """An agent utterance that no word or rule flags says a taboo or discipline line in
    other words when the model of :mod:`models.wording` gives it at least this probability
    (1: never); the line is that of the labelled sentence nearest to it."""
    script_min_probability: float = 0.5
    """An agent utterance left open that no nearest example credits says a script line when
    the model of :mod:`models.script` gives that line at least this probability (1: never)."""
    twin_similarity: float = 0.6
    """Script lines of different sections whose standard texts are at least this alike
    (rapidfuzz ratio / 100) are twins (1.1.2 and 5.3, 1.1.7 and 5.4): their examples do not
    compete for the margin, and the conversation's section names the one credited."""


@dataclass(frozen=True)
class ObservationRule:
    """A finding of call analytics (timing, loudness), with the standard line it serves."""

    ref: str
    name: str  # the short name shown beside the ref
    standard: str  # the standard's words
    weight: int  # points each one takes off a scored conversation; 0: reported only


@dataclass(frozen=True)
class CallAnalyticsConfig:
    """The ``call_analytics`` section: how timing and loudness become findings (see
    :mod:`analyzer.analytics`). Each default is the one in ``standard.yaml``."""

    interruption: ObservationRule = field(default_factory=lambda: ObservationRule(
        "9.12", "无故打断客户", "不无故打断客户的话,要等待客户将问题讲完后再询问或答复。", 15))
    min_overlap_s: float = 0.3  # both voices at once at least this long
    backchannel_max_s: float = 1.0  # speech shorter than this (嗯, 对, 好的) never interrupts
    backchannel_words: tuple[str, ...] = (
        "嗯", "嗯嗯", "唔", "哦", "噢", "啊", "对", "对的", "是", "是的", "好", "好的", "行", "可以",
        "没错", "知道了", "明白", "了解")
    """Mono: speech under ``backchannel_max_s`` is a back-channel only when its words are
    these alone (empty: its length alone decides)."""
    min_interrupted_s: float = 1.0  # the speech cut into is at least this long
    takeover_max_gap_s: float = 0.25  # mono: the agent this soon after, with no pause
    flag_from: int = 1  # interruptions in one call before the first is flagged
    flag_from_overlap_s: float = 0.0
    """Seconds both voices spoke at once over the call's agent interruptions, summed, before
    one is flagged (0: the count alone decides)."""
    long_silence_s: float = 3.0  # a silence at least this long is listed
    raised_voice: ObservationRule = field(default_factory=lambda: ObservationRule(
        "9.16", "提高音量", "任何情况下不与客户争执。不以粗鲁语言和生、冷、硬、顶的态度对待客户。", 0))
    raised_voice_db: float = 6.0  # an agent utterance this far above the agent's median
    rushing: ObservationRule = field(default_factory=lambda: ObservationRule(
        "3.4", "语速过快", "态度热情大方,诚恳有礼。", 0))
    rushing_ratio: float = 1.5  # an agent utterance this many times the agent's median pace
    rushing_min_chars: int = 8  # shorter utterances have no meaningful pace
    baseline_min_utterances: int = 3  # a speaker's median needs at least this many
    background_below_db: float = 12.0
    """Stereo: words this far under their side's own level are a voice behind the
    speaker (a television, a colleague), not that side talking (0: none are)."""
    words_reach_s: float = 0.3  # stereo: a side's voice this near its words is its talk
    wordless_max_s: float = 1.0
    """Stereo: a side's voice farther than ``words_reach_s`` from its words, as quiet as a
    voice behind, for this long or longer is not its talk."""
    words_fill_gap_s: float = 1.5
    """Stereo: in a gap shorter than this between two stretches of a side's voice, the
    time its speaker's words were heard is its talk (0: never)."""
    turn_pause_s: float = 0.65
    """Stereo: a pause shorter than this inside a side's voice is part of its turn (a
    comma's pause: the timelines count it): the channel's voice activity bridges it, and in
    a gap its words fill (``words_fill_gap_s``) the pauses this short between those words
    and the stretches around them are its talk too (0: never)."""
    talk_speech_threshold: float = 0.7
    """Mono, wide-band, noisy: the speech detector's score (Silero's) from which a moment
    is talk, for talk time. The recogniser is given speech from the channel's fitted
    threshold (0.5 on badge audio) so as to lose no word; babble scores up to 0.7 around
    the turns. A channel whose fitted threshold is lower (telephone band), or that is not
    noisy (``talk_noisy_score``), keeps it; 0: always the recogniser's speech."""
    talk_noisy_score: float = 0.06
    """Mono: a channel is noisy for ``talk_speech_threshold`` when the median score of its
    frames under its speech threshold is at least this (clean badge audio: 0.03-0.04)."""


@dataclass(frozen=True)
class Phrasebank:
    """A validated phrasebank. Build it with :func:`phrasebank.load` or :func:`loads`."""

    name: str
    version: str  # "sha256:<first 16 hex digits>" of the file's bytes
    entries: tuple[Entry, ...]
    lexicon: tuple[LexiconGroup, ...]
    templates: tuple[Template, ...]
    triggers: tuple[Trigger, ...]
    fillers: tuple[str, ...]
    equivalents: dict[str, str]
    matching: MatchingConfig
    weights: dict[str, int]
    concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Named word groups that rules use as ``{NAME}`` (see :mod:`phrasebank.concepts`)."""
    domain_words: tuple[str, ...] = ()
    """Words the segmenter keeps whole (宽带, 工单 …)."""
    hotword_list: tuple[str, ...] = ()
    """Domain vocabulary for the recogniser, most useful first."""
    semantic: SemanticConfig = field(default_factory=SemanticConfig)
    call_analytics: CallAnalyticsConfig = field(default_factory=CallAnalyticsConfig)
    source: str = ""
    raw: str = field(default="", repr=False, compare=False)

    def entry(self, ref: str) -> Entry | None:
        for e in self.entries:
            if e.ref == ref:
                return e
        return None

    def template(self, scenario: str) -> Template | None:
        for t in self.templates:
            if t.scenario == scenario:
                return t
        return None

    def require_template(self, scenario: object) -> Template:
        """The template of ``scenario``; :class:`UnknownScenario` when there is none."""
        t = self.template(scenario) if isinstance(scenario, str) else None
        if t is None:
            raise UnknownScenario(scenario, [t.scenario for t in self.templates])
        return t

    def _analytics_rule(self, ref: str) -> ObservationRule | None:
        ca = self.call_analytics
        return next((r for r in (ca.interruption, ca.raised_voice, ca.rushing)
                     if r.ref == ref), None)

    def ref_name(self, ref: str) -> str:
        """The short name of a ref (8.0: the standard's words for uncivil speech; a call
        analytics finding: its rule's name)."""
        if ref == "8.0":
            return "其他不文明用语"
        e = self.entry(ref)
        if e is not None:
            return e.short_name
        rule = self._analytics_rule(ref)
        return rule.name if rule is not None else ""

    def standard_text(self, ref: str) -> str:
        if ref == "8.0":
            return LEXICON_STANDARD
        e = self.entry(ref)
        if e is not None:
            return e.text
        rule = self._analytics_rule(ref)
        return rule.standard if rule is not None else ""

    def hotwords(self, max_chars: int = 120) -> str:
        """The hotword list as one space-separated string of at most ``max_chars``."""
        out = ""
        for w in dict.fromkeys(self.hotword_list):
            if len(out) + len(w) + 1 > max_chars:
                break
            out = f"{out} {w}" if out else w
        return out
