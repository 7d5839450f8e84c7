"""Adherence: score a conversation against its scenario's script template.

A conversation is a list of turns with speakers. Its scenario's template (phrasebank
``templates``) lists required steps in order; a step is met by the first agent turn that
carries one of its refs. The report gives the steps met and the turn behind each, the
missing steps, the steps out of order, the replies owed after customer triggers
(``triggers``: asks why → 6.x, complains → 7.x, upset → 5.8-5.10), every violation, and a
0-100 score whose every deduction names its utterance.

A conversation whose scenario is not given and meets no step (nor end) of any template is
``undetermined``: it gets no adherence score (a billing call is no failed visit); its
violations are still reported, and deducted nowhere. ``scenario_evidence`` says what chose
the scenario: the agent turns and refs of the steps met.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from phrasebank import Phrasebank

from .matching import Flag

__all__ = [
    "AdherenceReport",
    "Deduction",
    "StepResult",
    "TriggerResult",
    "Turn",
    "Violation",
    "UNDETERMINED",
    "infer_scenario",
    "score_conversation",
    "score_turn_flags",
]

# The flags of every turn of a conversation, resolved for a section preference (see
# Template.section): the matches are computed once, resolved once or twice.
FlagsFor = Callable[[str | None], list[list[Flag]]]

UNDETERMINED = "undetermined"
"""The scenario of a conversation that shows no template's steps."""


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation (times in seconds when it comes from a recording)."""

    speaker: str  # agent | customer | unknown
    text: str
    start: float | None = None
    end: float | None = None
    confidence: float | None = None  # the recogniser's, of its words (None: typed text)
    # a voice behind the speaker on their side of a call (a television, the other side's
    # echo; :func:`analyzer.analytics.voices_behind`): its flags are shown, never counted
    # as the speaker's, neither as a line said nor as a violation
    heard_behind: bool = False


@dataclass
class StepResult:
    name: str
    refs: list[str]
    met: bool
    turn: int | None = None  # the turn that met it
    ref: str | None = None  # which of refs met it
    in_order: bool = True
    excused: bool = False  # replaced by an end (1.1.4 / 1.2.1)


@dataclass
class TriggerResult:
    kind: str
    name: str
    turn: int
    owed: list[str]
    answered_turn: int | None = None
    answered_ref: str | None = None


@dataclass
class Violation:
    ref: str
    kind: str
    turn: int
    span: list[int]
    matched: str
    standard: str
    score: float
    category: str | None = None


@dataclass
class Deduction:
    reason: str  # missing_step | out_of_order | unanswered_trigger | violation | observation
    points: int
    refs: list[str]
    turn: int | None  # the utterance behind it (None: nothing was said)
    text: str | None
    detail: str


@dataclass
class AdherenceReport:
    """The adherence of one conversation; ``to_dict()`` is the JSON shape of the CLI/API."""

    scenario: str
    scenario_inferred: bool
    score: int | None  # None: no template (undetermined)
    steps: list[StepResult]
    missing: list[dict[str, Any]]
    out_of_order: list[dict[str, Any]]
    triggers: list[TriggerResult]
    violations: list[Violation]
    deductions: list[Deduction]
    turns: list[dict[str, Any]]
    phrasebank_version: str
    options: dict[str, Any] = field(default_factory=dict)
    scenario_evidence: list[dict[str, Any]] = field(default_factory=list)
    """Inferred: ``{"turn","ref","step"}`` of each step (or end) met that chose it; given:
    empty."""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for v in d["violations"]:
            if v.get("category") is None:
                v.pop("category", None)
        return d


# who is not the agent when turns are scored: the customer, and a voice heard behind a side
# (``Turn.heard_behind``, "background" in the speakers that scoring reads)
_NOT_AGENT = ("customer", "background")


def _scored_speakers(turns: Sequence[Turn]) -> list[str]:
    """Each turn's speaker as scoring reads it: "background" for a voice heard behind."""
    return ["background" if t.heard_behind else t.speaker for t in turns]


def infer_scenario(bank: Phrasebank, turn_flags: Sequence[Sequence[Flag]],
                   speakers: Sequence[str]) -> tuple[str, list[dict[str, Any]]]:
    """The template whose steps (and ends) the agent's turns meet best, and the evidence:
    ``{"turn","ref","step"}`` of each step or end met. :data:`UNDETERMINED` when no agent
    turn meets any."""
    said: dict[str, int] = {}  # ref -> the first agent turn that said it
    for i, (flags, sp) in enumerate(zip(turn_flags, speakers, strict=False)):
        if sp not in _NOT_AGENT:
            for f in flags:
                said.setdefault(f.ref, i)
    best, best_score = UNDETERMINED, 0.0
    for t in bank.templates:
        met = sum(1 for s in t.steps if said.keys() & set(s.refs))
        ends = sum(1 for r in t.ends if r in said)
        score = met / len(t.steps) + 0.5 * min(ends, 1) + 0.01 * met
        if score > best_score:
            best, best_score = t.scenario, score
    template = bank.template(best)
    if template is None:
        return UNDETERMINED, []
    evidence = []
    for step in template.steps:
        hit = [r for r in step.refs if r in said]
        if hit:
            evidence.append({"turn": said[hit[0]], "ref": hit[0], "step": step.name})
    evidence += [{"turn": said[r], "ref": r, "step": "end"} for r in template.ends if r in said]
    return best, sorted(evidence, key=lambda e: e["turn"])


def score_conversation(bank: Phrasebank, turns: Sequence[Turn], flags_for: FlagsFor,
                       normalise: Callable[[str], str], *, scenario: str | None = None,
                       options: dict[str, Any] | None = None,
                       observations: Sequence[Mapping[str, Any]] = ()) -> AdherenceReport:
    """Score ``turns``; ``flags_for(prefer_section)`` gives the flags of every turn."""
    speakers = _scored_speakers(turns)
    inferred = scenario is None
    if scenario is None:
        scenario, _ = infer_scenario(bank, flags_for(None), speakers)
    template = bank.template(scenario)
    if template is None and scenario != UNDETERMINED:
        bank.require_template(scenario)
    # Lines the standard repeats word for word (1.1.7 / 5.4) go to the scenario's section.
    return score_turn_flags(bank, turns, flags_for(template.section if template else None),
                            normalise, scenario=None if inferred else scenario,
                            scenario_inferred=inferred, options=options,
                            observations=observations)


def score_turn_flags(bank: Phrasebank, turns: Sequence[Turn],
                     turn_flags: Sequence[Sequence[Flag]], normalise: Callable[[str], str],
                     *, scenario: str | None = None, scenario_inferred: bool | None = None,
                     options: dict[str, Any] | None = None,
                     observations: Sequence[Mapping[str, Any]] = ()) -> AdherenceReport:
    """Score ``turns`` whose flags are already known: ``turn_flags[i]`` are the flags of
    ``turns[i]`` (the matcher's, or a reviewer's corrections of them).

    This is the scoring of :func:`score_conversation`, which flags the turns and calls it.
    ``scenario`` None infers it from ``turn_flags``; ``scenario_inferred`` (default: whether
    it was inferred here) is what the report says. ``observations`` are call analytics'
    findings (``{"utterance","kind","ref","name","value","weight"}``, see
    :class:`analyzer.analytics.Observation`): each with a weight is a deduction.
    """
    if len(turn_flags) != len(turns):
        raise ValueError(f"{len(turn_flags)} lists of flags for {len(turns)} turns")
    if scenario is not None and scenario != UNDETERMINED:
        bank.require_template(scenario)
    speakers = _scored_speakers(turns)
    inferred = scenario is None if scenario_inferred is None else scenario_inferred
    evidence: list[dict[str, Any]] = []
    if scenario is None:
        scenario, evidence = infer_scenario(bank, turn_flags, speakers)
    template = bank.template(scenario)
    w = bank.weights

    def is_agent(i: int) -> bool:
        return speakers[i] not in _NOT_AGENT

    def text_of(i: int) -> str:
        return turns[i].text

    # -- required steps ------------------------------------------------------------------
    steps: list[StepResult] = []
    for step in template.steps if template is not None else ():
        res = StepResult(name=step.name, refs=list(step.refs), met=False)
        for i, flags in enumerate(turn_flags):
            if not is_agent(i):
                continue
            hit = next((f.ref for f in flags if f.ref in step.refs), None)
            if hit:
                res.met, res.turn, res.ref = True, i, hit
                break
        steps.append(res)
    ends = template.ends if template is not None else ()
    ended_at = next((i for i, flags in enumerate(turn_flags)
                     if is_agent(i) and any(f.ref in ends for f in flags)), None)
    deductions: list[Deduction] = []
    missing: list[dict[str, Any]] = []
    for s in steps:
        if s.met:
            continue
        if ended_at is not None:
            s.excused = True  # the call ended early (never applied / cannot talk now)
            continue
        missing.append({"refs": s.refs, "name": s.name})
        deductions.append(Deduction("missing_step", w["missing_step"], s.refs, None, None,
                                    f"no agent turn met '{s.name}' ({' / '.join(s.refs)})"))
    # The fewest steps out of order: those outside the longest run of met steps whose
    # turns increase in template order (a greeting said last is one step out of order,
    # not four). Ties keep the earlier template steps in order.
    met = [s for s in steps if s.met and s.turn is not None]
    best_len = [1] * len(met)
    prev = [-1] * len(met)
    for i in range(len(met)):
        for j in range(i):
            if met[j].turn < met[i].turn and best_len[j] + 1 > best_len[i]:  # type: ignore[operator]
                best_len[i], prev[i] = best_len[j] + 1, j
    in_order: set[int] = set()
    if met:
        i = max(range(len(met)), key=lambda k: (best_len[k], -k))
        while i != -1:
            in_order.add(i)
            i = prev[i]
    out_of_order: list[dict[str, Any]] = []
    for i, s in enumerate(met):
        if i in in_order:
            continue
        s.in_order = False
        later = next((met[j] for j in sorted(in_order) if j < i and
                      met[j].turn > s.turn), None)  # type: ignore[operator]
        before = next((met[j] for j in sorted(in_order) if j > i and
                       met[j].turn < s.turn), None)  # type: ignore[operator]
        if later is not None:
            detail = f"'{s.name}' came before '{later.name}'"
        elif before is not None:
            detail = f"'{s.name}' came after '{before.name}'"
        else:
            detail = f"'{s.name}' is out of order"
        out_of_order.append({"refs": s.refs, "name": s.name, "turn": s.turn, "detail": detail})
        deductions.append(Deduction("out_of_order", w["out_of_order"], s.refs, s.turn,
                                    text_of(s.turn), detail))  # type: ignore[arg-type]

    # -- conditional steps owed after a customer trigger ---------------------------------
    compiled = [(t, [re.compile(p) for p in t.patterns]) for t in bank.triggers]
    triggers: list[TriggerResult] = []
    for i, turn in enumerate(turns):
        # A trigger is the customer's; an unknown speaker (a mono recording) may be the
        # customer, and a complaint there still owes its reply.
        if speakers[i] not in ("customer", "unknown"):
            continue
        key = normalise(turn.text)
        for trig, pats in compiled:
            if any(p.search(key) for p in pats):
                tr = TriggerResult(kind=trig.kind, name=trig.name, turn=i, owed=list(trig.owed))
                for j in range(i + 1, len(turns)):
                    if not is_agent(j):
                        continue
                    hit = next((f.ref for f in turn_flags[j] if f.ref in trig.owed), None)
                    if hit:
                        tr.answered_turn, tr.answered_ref = j, hit
                        break
                triggers.append(tr)
                if tr.answered_turn is None:
                    deductions.append(Deduction(
                        "unanswered_trigger", w["unanswered_trigger"], list(trig.owed), i,
                        turn.text, f"customer {trig.name}; no later agent turn said "
                                   f"{' / '.join(trig.owed)}"))
                break  # one trigger per turn: the first listed is the most specific

    # -- violations ----------------------------------------------------------------------
    violations: list[Violation] = []
    counted: set[str] = set()
    for i, flags in enumerate(turn_flags):
        if speakers[i] == "background":
            continue  # not the agent speaking, nor anyone answering them
        if not is_agent(i):
            counted = set()  # someone else spoke: the agent's next turn counts afresh
            continue
        for f in flags:
            # A ref said twice in one turn (two ways of one refusal) is one violation there,
            # and so it is across the agent's turns that nobody speaks between: a recogniser
            # cuts one turn into utterances at its pauses (v2dd04's 这个不归我们管,| 你家楼道
            # 那个箱子是物业的,你找物业去: one refusal, 8.8 in each half).
            if not f.is_violation or f.ref in counted:
                continue
            counted.add(f.ref)
            violations.append(Violation(f.ref, f.kind, i, list(f.span), f.matched, f.standard,
                                        f.score, f.category))
            deductions.append(Deduction("violation", w.get(f.kind, 20), [f.ref], i,
                                        turns[i].text, f"{f.kind} {f.ref}: {f.matched}"))

    for ob in observations:
        if int(ob.get("weight") or 0) > 0:
            i = int(ob["utterance"])
            deductions.append(Deduction(
                "observation", int(ob["weight"]), [str(ob["ref"])], i,
                turns[i].text if 0 <= i < len(turns) else None,
                f"{ob.get('name') or ob['kind']} ({ob['kind']} {ob['value']})"))

    score: int | None = max(0, 100 - sum(d.points for d in deductions))
    if template is None:  # no template: nothing to score against, nothing deducted
        score = None
        deductions = []
    turn_dicts = [{"speaker": t.speaker, "text": t.text,
                   **({"start": t.start, "end": t.end} if t.start is not None else {}),
                   **({"heard_behind": True} if t.heard_behind else {}),
                   "flags": [f.to_dict() for f in fl]}
                  for t, fl in zip(turns, turn_flags, strict=False)]
    return AdherenceReport(
        scenario=scenario,
        scenario_inferred=inferred,
        score=score,
        steps=steps,
        missing=missing,
        out_of_order=out_of_order,
        triggers=triggers,
        violations=violations,
        deductions=deductions,
        turns=turn_dicts,
        phrasebank_version=bank.version,
        options=options or {},
        scenario_evidence=evidence,
    )
