"""The text analyzer: phrasebank + normalise + segment + match + adherence, loaded once.

:class:`Analyzer` is what every user of text calls: the CLI's ``check`` and ``score``, the
service's real-time check, the speech pipeline and the reviews' rescoring. Each utterance
is matched once per pass; a conversation whose scenario is inferred resolves the same
matches twice (for inference, then for its scenario's section), never matches them again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import phrasebank as pb
from phrasebank import check_speaker

from .adherence import AdherenceReport, Turn, score_conversation, score_turn_flags
from .matching import Flag, Matcher, MatchOptions, UtteranceMatch
from .matching.semantic import SemanticStage, UncivilMatch
from .matching.wording import WordingStage
from .normalise import Normaliser
from .segment import Segmenter, phrasebank_words

__all__ = ["Analyzer", "AnalyzerOptions", "turn_of"]

log = logging.getLogger(__name__)
_JOINER = "，"  # between two parts of a line: a clause boundary for the normaliser


@dataclass(frozen=True)
class AnalyzerOptions:
    """Options of the text analyzer; recorded in every result."""

    match: MatchOptions = field(default_factory=MatchOptions)
    """Thresholds and behaviour of the matching stage (see :class:`MatchOptions`)."""
    join_backchannel_chars: int = 4
    """In a conversation, a line may be said over two turns of one speaker with at most a
    back-channel of the other between them (嗯, 好的): one of at most this many characters."""
    join_gap_s: float = 1.5
    """With times, the two parts may be at most this far apart (seconds)."""
    semantic: bool = False
    """Compare the agent's utterances that no form or rule credits with the script lines by
    meaning (:mod:`analyzer.matching.semantic`). About 12 ms an utterance on one core, so
    off for the real-time check; recordings turn it on (``SpeechOptions.semantic``)."""
    wording: bool = True
    """Read the utterances the uncivil model would read (:meth:`Analyzer.uncivil_open`) for a
    taboo or discipline line said in words no rule lists, by their wording
    (:mod:`analyzer.matching.wording`), when ``semantic`` is off too: it needs no sentence
    model (about 0.1 ms an utterance it reads), so the real-time check reads it.
    ``semantic`` reads it in any case; False and ``semantic`` off: forms and rules only
    (``--no-semantic``, ``HUASHU_WORDING=false``)."""
    semantic_min_chars: int = 6
    """Shorter utterances never reach the semantic stage (嗯好的 says no line)."""
    uncivil_min_chars: int = 4
    """Shorter utterances are not read for uncivil meaning (the model is unsure of 好的好的;
    the short insults, 滚 or 傻逼, are the bank's words)."""
    uncivil_script_share: float = 0.7
    """An utterance whose script lines, found by form or rule, cover at least this share of
    its characters says those lines: it is not read for uncivil meaning (the model read
    不好意思让您久等了, found as 5.8, as uncivil at 0.98). 1: every utterance is read."""
    uncivil_min_confidence: float = 0.7
    """A recogniser's utterance is read for uncivil meaning only when its words were heard
    with at least this confidence: a meaning read from words half heard is half known
    (耽误了大笑你了, 0.63, for 耽误了,打扰您了 was uncivil at 1.0). Measured on the
    recognised utterances of the dev recordings: a fifth are under 0.7, none of the
    violations the rules find there (0.75-0.99)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> AnalyzerOptions:
        d = dict(d or {})
        match = MatchOptions(**(d.pop("match", None) or {}))
        return cls(match=match, **d)


class Analyzer:
    """Load once (phrasebank, OpenCC, jieba, compiled forms), then check and score text.

    >>> an = Analyzer.load()                                      # doctest: +SKIP
    >>> [f.ref for f in an.check("快下班了,明天再说。")]           # doctest: +SKIP
    ['8.7']
    """

    def __init__(self, bank: pb.Phrasebank, options: AnalyzerOptions | None = None) -> None:
        t0 = time.perf_counter()
        self.bank = bank
        self.options = options or AnalyzerOptions()
        self.segmenter = Segmenter(phrasebank_words(bank))
        self.normaliser = Normaliser(bank.equivalents, bank.fillers, self.segmenter.is_word)
        self.matcher = Matcher(bank, normaliser=self.normaliser, segmenter=self.segmenter,
                               options=self.options.match)
        self._semantic: SemanticStage | None = None
        self._semantic_lock = threading.Lock()
        self._wording: WordingStage | None = None
        self._wording_lock = threading.Lock()  # the semantic stage's build asks for it
        if self.options.wording:
            self.wording_stage().warm()
        if self.options.semantic:
            self.semantic_stage()
        self.load_seconds = time.perf_counter() - t0
        log.info("analyzer ready: phrasebank %s (%d entries) in %.2fs", bank.version,
                 len(bank.entries), self.load_seconds)

    @classmethod
    def load(cls, path: str | Path | None = None,
             options: AnalyzerOptions | None = None) -> Analyzer:
        """Build an analyzer over the bank at ``path`` (the embedded standard when None)."""
        return cls(pb.load(path), options)

    def with_bank(self, bank: pb.Phrasebank) -> Analyzer:
        """A new analyzer over another bank, with the same options."""
        return Analyzer(bank, self.options)

    @property
    def version(self) -> str:
        return self.bank.version

    def normalise(self, text: str) -> str:
        """The matching key of ``text`` (what the bank's trigger patterns read)."""
        return self.normaliser.normalise(text).text

    def semantic_stage(self) -> SemanticStage:
        """The semantic stage of this bank, built on first use (the model loads in ~0.3 s;
        the examples' embeddings come from the cache after the first time)."""
        with self._semantic_lock:
            if self._semantic is None:
                self._semantic = SemanticStage(self.bank, words=self.words,
                                               key=self.normalise,
                                               simplified=self.normaliser.to_simplified,
                                               wording=self.wording_stage())
            return self._semantic

    def wording_stage(self) -> WordingStage:
        """The wording model of this bank (:mod:`analyzer.matching.wording`), loaded on first
        use (0.13 s, its labelled sentences 0.05 s more) and shared with the semantic stage."""
        with self._wording_lock:
            if self._wording is None:
                self._wording = WordingStage(self.bank, words=self.words, key=self.normalise)
            return self._wording

    def reading_models(self, semantic: bool | None = None,
                       wording: bool | None = None) -> dict[str, Any] | None:
        """What reads utterances beyond forms and rules with these switches (default: the
        options'), for a result to record: the semantic stage's
        :meth:`~analyzer.matching.semantic.SemanticStage.describe`, or only the wording
        model's, or None."""
        if self._use_semantic(semantic):
            return self.semantic_stage().describe()
        if self._use_wording(wording):
            return {"wording": self.wording_stage().describe()}
        return None

    def check(self, text: str, *, speaker: str = "agent", source: str = "auto",
              prefer_section: str | None = None, semantic: bool | None = None,
              wording: bool | None = None) -> list[Flag]:
        """Flags of one utterance: taboos, discipline rules and the script lines it follows.
        ``source``: typed (matched as written), asr (a recogniser's output: sounds-alike
        matching), auto (unknown: sounds-alike only where a look-alike is unlikely).
        ``semantic`` (default: the options'): a line said in other words, by meaning;
        ``wording`` (default: the options'; read anyway with ``semantic``): a taboo or
        discipline line said in other words, by its wording."""
        flags = self.matcher.find_all(text, speaker=speaker, source=source,
                                      prefer_section=prefer_section)
        self._read_beyond_rules([text], [speaker], [flags], prefer_section, semantic, wording)
        return flags

    def _use_semantic(self, semantic: bool | None) -> bool:
        return self.options.semantic if semantic is None else semantic

    def _use_wording(self, wording: bool | None) -> bool:
        return self.options.wording if wording is None else wording

    def semantic_open(self, text: str, speaker: str, flags: Sequence[Flag]) -> bool:
        """Whether an utterance is left open for the semantic stage (:meth:`semantic_span`)."""
        return self.semantic_span(text, speaker, flags) is not None

    def semantic_span(self, text: str, speaker: str,
                      flags: Sequence[Flag]) -> tuple[int, int] | None:
        """What of an utterance the semantic stage compares, if any: an agent's (or unknown
        speaker's) utterance with no violation found; the whole of it when no script line
        was found either, else the longest stretch outside the lines found, when it holds
        at least twice ``semantic_min_chars`` (one utterance may say two lines: 不客气,
        应该的。以后想办个什么新业务…, where the first is a rule's and the second a
        paraphrase). Shorter ones say no line (嗯好的)."""
        if speaker == "customer" or any(f.is_violation for f in flags):
            return None
        least = self.options.semantic_min_chars
        taken = sorted(f.span for f in flags if f.kind == "script")
        if not taken:
            return (0, len(text)) if len(self.normalise(text)) >= least else None
        gaps, at = [], 0
        for s, e in taken:
            gaps.append((at, s))
            at = max(at, e)
        gaps.append((at, len(text)))
        s, e = max(gaps, key=lambda g: g[1] - g[0])
        while s < e and not text[s].isalnum():  # the stretch starts at its first word
            s += 1
        return (s, e) if len(self.normalise(text[s:e])) >= 2 * least else None

    def uncivil_open(self, text: str, speaker: str, flags: Sequence[Flag],
                     confidence: float | None = None) -> bool:
        """Whether an utterance is read for uncivil meaning: an agent's (or unknown
        speaker's) with no violation found, of at least ``uncivil_min_chars``, and, when
        the recogniser's ``confidence`` is known, heard with ``uncivil_min_confidence``."""
        return (speaker != "customer" and not any(f.is_violation for f in flags)
                and (confidence is None or confidence >= self.options.uncivil_min_confidence)
                and self._script_share(text, flags) < self.options.uncivil_script_share
                and len(self.normalise(text)) >= self.options.uncivil_min_chars)

    @staticmethod
    def _script_share(text: str, flags: Sequence[Flag]) -> float:
        """The share of ``text``'s letters and digits inside the spans of its script flags."""
        spans = [f.span for f in flags if not f.is_violation]
        if not spans:  # most utterances (every check reads this: the wording model's gate)
            return 0.0
        said = [i for i, ch in enumerate(text) if ch.isalnum()]
        if not said:
            return 0.0
        return sum(any(a <= i < b for a, b in spans) for i in said) / len(said)

    def by_wording(self, texts: Sequence[str], speakers: Sequence[str],
                   flags: Sequence[Sequence[Flag]],
                   confidences: Sequence[float | None] | None = None) -> list[Flag | None]:
        """For each utterance read for a violation beyond the rules (:meth:`uncivil_open`),
        the taboo or discipline line its wording says (:mod:`analyzer.matching.wording`),
        as a flag naming the nearest labelled sentence and the model's probability."""
        heard = confidences or [None] * len(texts)
        return self._by_wording(texts, [i for i in range(len(texts)) if self.uncivil_open(
            texts[i], speakers[i], flags[i], heard[i])])

    def _by_wording(self, texts: Sequence[str], unread: Sequence[int]) -> list[Flag | None]:
        """:meth:`by_wording` of the utterances ``unread`` (those :meth:`uncivil_open`)."""
        out: list[Flag | None] = [None] * len(texts)
        stage = self.wording_stage()
        for i, line in zip(unread, stage.read([texts[i] for i in unread]), strict=True):
            # a look-alike the bank names for that line (its entry's guards) is no finding
            # by its wording either
            if line is not None and not self.matcher.guarded(texts[i], line.ref):
                out[i] = stage.flag(texts[i], line)
        return out

    def by_meaning(self, texts: Sequence[str], speakers: Sequence[str],
                   flags: Sequence[Sequence[Flag]],
                   confidences: Sequence[float | None] | None = None) -> list[Flag | None]:
        """For each utterance, by meaning: a taboo or discipline line said in other words
        (by its wording, :mod:`models.wording`) or uncivil (8.0), where
        :meth:`uncivil_open`; else, if it is left open (:meth:`semantic_span`), the script
        line it says, unless that line (or its twin) is already found in it. A flag names
        the nearest example and its similarity (wording, uncivil: the model's
        probability). Each text asked is embedded once."""
        stage = self.semantic_stage()
        heard = confidences or [None] * len(texts)
        # read for a violation by meaning: a listed line in other words first (by its
        # wording: it names the line, and needs no embedding), then uncivil
        unread = [i for i in range(len(texts))
                  if self.uncivil_open(texts[i], speakers[i], flags[i], heard[i])]
        out = self._by_wording(texts, unread)
        spans = [None if out[i] is not None  # a violation: no script line by meaning
                 else self.semantic_span(t, s, f)
                 for i, (t, s, f) in enumerate(zip(texts, speakers, flags, strict=True))]
        rude_rows = ([i for i in unread if out[i] is None]
                     if stage.uncivil_model is not None else [])
        asked = {texts[i]: None for i in rude_rows}
        asked.update({texts[i][span[0]:span[1]]: None
                      for i, span in enumerate(spans) if span is not None})
        if not asked:
            return out
        keys = list(asked)
        vectors = stage.embed(keys)
        row_of = {k: n for n, k in enumerate(keys)}
        rude = stage.uncivil([texts[i] for i in rude_rows],
                             vectors[[row_of[texts[i]] for i in rude_rows]] if rude_rows else None)
        rude = self._beside_look_alikes([texts[i] for i in rude_rows], rude)
        for i, found in zip(rude_rows, rude, strict=True):
            if found is not None:
                out[i] = stage.uncivil_flag(texts[i], found)
                spans[i] = None  # a violation: no script line is credited by meaning
        open_rows = [i for i, span in enumerate(spans) if span is not None]
        if not open_rows:
            return out
        said = [texts[i][spans[i][0]:spans[i][1]] for i in open_rows]  # type: ignore[index]
        for i, m in zip(open_rows, stage.nearest(said, vectors[[row_of[t] for t in said]]),
                        strict=True):
            # nor a script line where the text holds a look-alike of it (its entry's guards,
            # as for a line read by its wording: 您家电脑桌在哪儿买的 is no 5.7)
            if m is not None and not any(f.ref in stage.twins.get(m.ref, (m.ref,))
                                         for f in flags[i]) \
                    and not self.matcher.guarded(texts[i], m.ref):
                out[i] = stage.flag(texts[i], m, spans[i])
        return out

    def _beside_look_alikes(self, texts: Sequence[str], found: Sequence[UncivilMatch | None],
                            ) -> list[UncivilMatch | None]:
        """The uncivil model's findings (``found``, one per text) that stand without the
        texts' look-alikes of uncivil words (the 8.0 guards: 傻瓜相机, 他妈妈): a text it reads
        as uncivil is read again with them taken out, and is uncivil only if it still is.
        The model alone read 这款路由器是傻瓜式操作 as uncivil at 0.98, for the 傻瓜 a guard
        had cleared. Taken out, they only clear a finding, never make one: what is left of
        我妈的手机也是你们这儿办的 (也是你们这儿办的) it read as uncivil at 0.96."""
        out = list(found)
        again = {k: left for k, m in enumerate(found) if m is not None
                 and (left := self._without_look_alikes(texts[k])) != texts[k]}
        if not again:
            return out
        # (what is left too short to judge is no finding: a look-alike and little else)
        asked = [k for k, t in again.items()
                 if len(self.normalise(t)) >= self.options.uncivil_min_chars]
        still = {k for k, m in zip(asked, self.semantic_stage().uncivil(
            [again[k] for k in asked]), strict=True) if m is not None}
        for k in again:
            if k not in still:
                out[k] = None
        return out

    def _without_look_alikes(self, text: str) -> str:
        """``text`` less its look-alikes of uncivil words (:meth:`Matcher.look_alikes`)."""
        spans = self.matcher.look_alikes(text)
        if not spans:
            return text
        kept, cursor = [], 0
        for start, end in spans:
            kept.append(text[cursor:max(cursor, start)])
            cursor = max(cursor, end)
        return "".join(kept) + text[cursor:]

    def words(self, text: str) -> list[str]:
        """The words of ``text`` as the wording model reads them (this bank's segmenter)."""
        return [w for w, _, _ in self.segmenter.cut(text)]

    def check_many(self, rows: Sequence[tuple[str, str]], *,
                   source: str | Sequence[str] = "auto",
                   prefer_section: str | None = None,
                   semantic: bool | None = None,
                   wording: bool | None = None) -> list[list[Flag]]:
        """:meth:`check` for each ``(text, speaker)`` of ``rows`` (``source``: one for all,
        or one per row), in order, cheaper per row than one call each (a batch job,
        ``huashu check --jsonl``). An unknown speaker or source raises ValueError naming
        its row, before any row is checked."""
        out = self.matcher.find_many(rows, source=source, prefer_section=prefer_section)
        self._read_beyond_rules([t for t, _ in rows], [s for _, s in rows], out,
                                prefer_section, semantic, wording)
        return out

    def _read_beyond_rules(self, texts: Sequence[str], speakers: Sequence[str],
                           out: Sequence[list[Flag]], prefer_section: str | None,
                           semantic: bool | None, wording: bool | None) -> None:
        """Add to each ``out[i]`` (the flags of forms and rules) what is read by meaning
        (``semantic``) or else by wording alone (``wording``)."""
        if self._use_semantic(semantic):
            found = self.by_meaning(texts, speakers, out)
            for flags, f in zip(out, found, strict=True):
                if f is not None:
                    flags.append(self.semantic_stage().in_section(f, prefer_section))
        elif self._use_wording(wording):
            for flags, f in zip(out, self.by_wording(texts, speakers, out), strict=True):
                if f is not None:
                    flags.append(f)  # a taboo or discipline line: no section's twin

    def match_turns(self, turns: Sequence[Turn], source: str = "auto") -> list[UtteranceMatch]:
        """Each turn matched once, unresolved (see :class:`UtteranceMatch`)."""
        norms = self.normaliser.normalise_many([t.text for t in turns])
        return [self.matcher.match(n, t.speaker, source)
                for n, t in zip(norms, turns, strict=True)]

    def score(self, turns: Iterable[Turn | Mapping[str, Any]], *,
              scenario: str | None = None, source: str = "auto",
              semantic: bool | None = None, wording: bool | None = None,
              extra_flags: Sequence[Sequence[Flag]] | None = None,
              observations: Sequence[Mapping[str, Any]] = ()) -> AdherenceReport:
        """Score a conversation's adherence; the scenario is inferred when not given.
        ``semantic`` (default: the options'): lines said in other words, by meaning, also
        over two utterances that may hold one line (:meth:`join_pairs`) where neither says
        anything alone (:meth:`_joined_by_meaning`);
        ``wording`` (default: the options'; read anyway with ``semantic``): taboo and
        discipline lines said in other words, by their wording.
        ``extra_flags[i]`` are flags of turn ``i`` found outside its words (call analytics:
        an interruption), ``observations`` analytics' findings that may carry a weight."""
        ts = [t if isinstance(t, Turn) else turn_of(t, i) for i, t in enumerate(turns)]
        if scenario is not None:
            self.bank.require_template(scenario)
        matches = self.match_turns(ts, source)
        joined = [(i, j, len(ts[i].text) + 1,
                   self.matcher.match(self.normaliser.normalise(
                       f"{ts[i].text}{_JOINER}{ts[j].text}"), ts[i].speaker, source))
                  for i, j in self.join_pairs(ts)]
        default = self.options.match.prefer_section
        by_meaning: list[Flag | None] = [None] * len(ts)
        reading = self._use_semantic(semantic)
        if reading or self._use_wording(wording):
            # what the words say, as matched or in a second reading (an extra flag with a
            # reading): not read for uncivil meaning again (an interruption is no word)
            said = [m.flags(default) + [f for f in (extra_flags[i] if extra_flags and
                                                     i < len(extra_flags) else ())
                                        if f.reading is not None]
                    for i, m in enumerate(matches)]
            by_meaning = (self.by_meaning if reading else self.by_wording)(
                [t.text for t in ts], [t.speaker for t in ts], said, [t.confidence for t in ts])
        joined_meaning = self._joined_by_meaning(ts, joined, matches, by_meaning, default) \
            if reading else {}

        def flags_for(prefer: str | None) -> list[list[Flag]]:
            per_turn = [m.flags(prefer or default) for m in matches]
            for i, j, second, jm in joined:
                said = {f.ref for f in per_turn[i]} | {f.ref for f in per_turn[j]}
                for f in jm.flags(prefer or default):
                    # only a line that neither part says alone, and that spans both
                    if f.ref in said or f.ref == "8.0" or not f.span[0] < second - 1 < f.span[1]:
                        continue
                    per_turn[i].append(replace(f, span=(f.span[0], second - 1), turns=(i, j)))
                    said.add(f.ref)
            for i, meant in enumerate(by_meaning):
                # (a joined line may have been found in the words the stage compared)
                if meant is not None and not any(
                        g.kind == "script" and g.span[0] < meant.span[1] and
                        meant.span[0] < g.span[1] for g in per_turn[i]):
                    per_turn[i].append(self.semantic_stage().in_section(meant, prefer or default)
                                       if meant.kind == "script" else meant)
            for (i, j), meant in joined_meaning.items():
                # a line by meaning that neither part says alone (nor its twin)
                said = {f.ref for f in per_turn[i]} | {f.ref for f in per_turn[j]}
                if said.isdisjoint(self.semantic_stage().twins.get(meant.ref, (meant.ref,))):
                    per_turn[i].append(replace(self.semantic_stage().in_section(
                        meant, prefer or default), span=(0, len(ts[i].text)), turns=(i, j)))
            for i, extra in enumerate(extra_flags or ()):
                per_turn[i].extend(extra)
            return per_turn

        return score_conversation(self.bank, ts, flags_for, self.normalise, scenario=scenario,
                                  options=self.options.to_dict(), observations=observations)

    def _joined_by_meaning(self, turns: Sequence[Turn],
                           joined: Sequence[tuple[int, int, int, UtteranceMatch]],
                           matches: Sequence[UtteranceMatch], by_meaning: Sequence[Flag | None],
                           prefer: str | None) -> dict[tuple[int, int], Flag]:
        """The script line said by meaning over each pair of :meth:`join_pairs` (``joined``)
        where neither part says a line or a violation, by words or by meaning: a recogniser
        cuts one line into two utterances at a pause, and each part alone is too little of
        it to be read as the line (noisy v2dd05's 对不起啊, | 我们大概是一向,也明天麻烦了,再见
        is 1.1.4)."""
        def quiet(i: int) -> bool:
            return by_meaning[i] is None and not matches[i].flags(prefer)

        pairs = [(i, j) for i, j, _, _ in joined if quiet(i) and quiet(j)]
        if not pairs:
            return {}
        texts = [f"{turns[i].text}{_JOINER}{turns[j].text}" for i, j in pairs]
        found = self.by_meaning(texts, [turns[i].speaker for i, _ in pairs],
                                [[] for _ in pairs],
                                [min((c for c in (turns[i].confidence, turns[j].confidence)
                                      if c is not None), default=None) for i, j in pairs])
        return {pair: f for pair, f in zip(pairs, found, strict=True)
                if f is not None and f.kind == "script"}

    def join_pairs(self, turns: Sequence[Turn]) -> list[tuple[int, int]]:
        """Pairs ``(i, j)`` of turns that may hold one line said in two parts: ``j`` is the
        next turn of ``i``'s speaker (agent or unknown), with nothing between them but at most
        one back-channel of the other speaker (``join_backchannel_chars``), and, where times
        are known, at most ``join_gap_s`` from the end of ``i`` to the start of ``j``."""
        o = self.options
        pairs = []
        for i, t in enumerate(turns):
            if t.speaker == "customer" or t.heard_behind:
                continue
            j = i + 1
            if j < len(turns) and turns[j].speaker != t.speaker and \
                    len(self.normalise(turns[j].text)) <= o.join_backchannel_chars:
                j += 1  # a back-channel of the other speaker between the two parts
            if j >= len(turns) or turns[j].speaker != t.speaker or turns[j].heard_behind:
                continue
            start = turns[j].start
            if t.end is not None and start is not None and start - t.end > o.join_gap_s:
                continue
            pairs.append((i, j))
        return pairs

    def rescore(self, turns: Sequence[Turn], turn_flags: Sequence[Sequence[Flag]], *,
                scenario: str | None = None, scenario_inferred: bool | None = None,
                observations: Sequence[Mapping[str, Any]] = ()) -> AdherenceReport:
        """Score turns whose flags are already known (a reviewer's corrections of the
        machine's): the scoring of :meth:`score` without matching."""
        return score_turn_flags(self.bank, turns, turn_flags, self.normalise,
                                scenario=scenario, scenario_inferred=scenario_inferred,
                                options=self.options.to_dict(), observations=observations)


def turn_of(d: Mapping[str, Any], i: int) -> Turn:
    """A :class:`Turn` from a JSON object ``{"speaker","text","start"?,"end"?,
    "confidence"?}`` (the ``i``-th of its conversation, for the error message)."""
    if not isinstance(d, Mapping):
        raise ValueError(f"turn {i}: must be an object with speaker and text")
    speaker = d.get("speaker", "unknown")
    text = d.get("text")
    if not isinstance(text, str):
        raise ValueError(f"turn {i}: text must be a string")
    try:
        check_speaker(speaker)
    except ValueError as exc:
        raise ValueError(f"turn {i}: {exc}") from None
    confidence = d.get("confidence")
    if confidence is not None and not isinstance(confidence, (int, float)):
        raise ValueError(f"turn {i}: confidence must be a number")
    return Turn(speaker=speaker, text=text, start=d.get("start"), end=d.get("end"),
                confidence=confidence)
