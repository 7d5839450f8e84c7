"""Load and validate a phrasebank YAML file; every problem found is reported at once."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from .concepts import build_concepts
from .forms import expand_form
from .lexical import is_han_word
from .model import (
    CallAnalyticsConfig,
    Entry,
    LexiconGroup,
    MatchingConfig,
    ObservationRule,
    Phrasebank,
    SemanticConfig,
    Step,
    Template,
    Trigger,
)
from .rules import Choice, Rule, RuleSyntaxError, parse_rule
from .vocab import ENTRY_SPEAKERS, KINDS

__all__ = ["DEFAULT_PATH", "PhrasebankError", "load", "loads"]

DEFAULT_PATH = Path(__file__).with_name("standard.yaml")
_REF_RE = re.compile(r"^\d+(\.\d+){1,2}$")


class PhrasebankError(ValueError):
    """A phrasebank that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], source: str = "phrasebank") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(problems))


# libyaml's safe loader when PyYAML was built with it: a tenth of the pure-Python one's
# start-up cost for the embedded bank; both accept the same documents.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


_ANALYTICS_NUMBERS = {  # key: (lowest, highest, integer)
    "min_overlap_s": (0.0, 10.0, False), "backchannel_max_s": (0.0, 10.0, False),
    "min_interrupted_s": (0.0, 60.0, False), "takeover_max_gap_s": (0.0, 2.0, False),
    "flag_from": (1, 1000, True), "flag_from_overlap_s": (0.0, 600.0, False),
    "long_silence_s": (0.5, 600.0, False), "raised_voice_db": (1.0, 40.0, False),
    "rushing_ratio": (1.05, 10.0, False), "rushing_min_chars": (1, 1000, True),
    "baseline_min_utterances": (2, 1000, True), "background_below_db": (0.0, 60.0, False),
    "words_reach_s": (0.0, 5.0, False), "wordless_max_s": (0.1, 60.0, False),
    "words_fill_gap_s": (0.0, 10.0, False), "talk_speech_threshold": (0.0, 0.99, False),
    "talk_noisy_score": (0.0, 1.0, False), "turn_pause_s": (0.0, 2.0, False)}
_ANALYTICS_RULES = ("interruption", "raised_voice", "rushing")


def _call_analytics(doc: Any, problems: list[str]) -> CallAnalyticsConfig:
    """The ``call_analytics`` section over the defaults of :class:`CallAnalyticsConfig`."""
    default = CallAnalyticsConfig()
    if doc is None:
        return default
    if not isinstance(doc, dict):
        problems.append("call_analytics: must be a mapping")
        return default
    unknown = set(doc) - set(_ANALYTICS_NUMBERS) - set(_ANALYTICS_RULES) - {"backchannel_words"}
    if unknown:
        problems.append(f"call_analytics: unknown keys {', '.join(sorted(map(str, unknown)))}")
    values: dict[str, Any] = {}
    for key, (low, high, integer) in _ANALYTICS_NUMBERS.items():
        if key not in doc:
            continue
        v = doc[key]
        ok = isinstance(v, int) if integer else isinstance(v, (int, float))
        if isinstance(v, bool) or not ok or not low <= v <= high:
            problems.append(f"call_analytics.{key}: must be {'an integer' if integer else 'a number'}"
                            f" from {low} to {high}, got {v!r}")
        else:
            values[key] = v
    if "backchannel_words" in doc:
        words = doc["backchannel_words"]
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip()
                                                  for w in words):
            problems.append("call_analytics.backchannel_words: must be a list of words, "
                            f"got {words!r}")
        else:
            values["backchannel_words"] = tuple(dict.fromkeys(w.strip() for w in words))
    for key in _ANALYTICS_RULES:
        if key not in doc:
            continue
        rule, base = doc[key], getattr(default, key)
        where = f"call_analytics.{key}"
        if not isinstance(rule, dict):
            problems.append(f"{where}: must be a mapping (ref, name, standard, weight)")
            continue
        extra = set(rule) - {"ref", "name", "standard", "weight"}
        if extra:
            problems.append(f"{where}: unknown keys {', '.join(sorted(map(str, extra)))}")
        ref = str(rule.get("ref", base.ref))
        weight = rule.get("weight", base.weight)
        if not _REF_RE.match(ref):
            problems.append(f"{where}.ref: not a ref like 9.12, got {ref!r}")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            problems.append(f"{where}.weight: must be an integer 0-100, got {weight!r}")
            weight = base.weight
        values[key] = ObservationRule(ref, str(rule.get("name", base.name)),
                                      str(rule.get("standard", base.standard)), weight)
    return CallAnalyticsConfig(**values)


def loads(text: str, source: str = "phrasebank") -> Phrasebank:
    """Parse and validate a phrasebank from YAML text."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    raw_text = text
    problems: list[str] = []
    try:
        doc = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise PhrasebankError([f"not valid YAML: {exc}"], source) from exc
    if not isinstance(doc, dict):
        raise PhrasebankError(["the top level must be a mapping"], source)

    norm = doc.get("normalise") or {}
    fillers = tuple(str(f) for f in _as_list(norm.get("fillers")))
    equivalents = {str(k): str(v) for k, v in (norm.get("equivalents") or {}).items()}
    for k, v in equivalents.items():
        if len(k) != 1 or len(v) != 1:
            problems.append(f"normalise.equivalents: {k!r}->{v!r} must map one character to one")

    m = doc.get("matching") or {}
    thresholds = {"script": 0.78, "taboo": 0.82, "discipline": 0.82}
    for k, v in (m.get("thresholds") or {}).items():
        if k not in KINDS:
            problems.append(f"matching.thresholds: unknown kind {k!r}")
        elif not isinstance(v, (int, float)) or not 0 < float(v) <= 1:
            problems.append(f"matching.thresholds.{k}: must be a number in (0, 1], got {v!r}")
        else:
            thresholds[k] = float(v)
    ints: dict[str, int] = {}
    for key, default in (("slot_max", 8), ("gap_max", 8), ("short_max", 4)):
        val = m.get(key, default)
        if not isinstance(val, int) or val < 0 or val > 40:
            problems.append(f"matching.{key}: must be an integer 0-40, got {val!r}")
            val = default
        ints[key] = val
    def characters(key: str) -> tuple[str, ...]:
        listed = tuple(str(c) for c in _as_list(m.get(key)))
        bad = [c for c in listed if len(c) != 1]
        if bad:
            problems.append(f"matching.{key}: each must be one character, got {bad!r}")
        return tuple(c for c in listed if len(c) == 1)

    def han_words(key: str) -> tuple[str, ...]:
        listed = tuple(str(w) for w in _as_list(m.get(key)))
        problems.extend(f"matching.{key}: {w!r} is not a word of Chinese characters"
                        for w in listed if not is_han_word(w))
        return listed

    negations = characters("negations")
    exact_sound = characters("exact_sound")
    function_chars = characters("function_chars")
    rule_adverbs = han_words("rule_adverbs")
    problems.extend(f"matching.rule_adverbs: {w!r} holds a negation; between two words it "
                    "turns what is said around"
                    for w in rule_adverbs if is_han_word(w) and any(n in w for n in negations))
    question_words = han_words("question_words")
    clause_min = m.get("clause_min", 0.0)
    if not isinstance(clause_min, (int, float)) or isinstance(clause_min, bool) or \
            not 0 <= float(clause_min) <= 1:
        problems.append(f"matching.clause_min: must be a number in [0, 1], got {clause_min!r}")
        clause_min = 0.0
    matching = MatchingConfig(thresholds=thresholds, negations=negations,
                              exact_sound=exact_sound, function_chars=function_chars,
                              clause_min=float(clause_min),
                              rule_adverbs=rule_adverbs, question_words=question_words,
                              **ints)

    concepts, concept_problems = build_concepts(doc.get("concepts"))
    problems.extend(concept_problems)

    single_fillers = {f for f in fillers if len(f) == 1}

    def rules_of(raw_rules: Any, where: str) -> tuple[Rule, ...]:
        out = []
        for j, text in enumerate(_as_list(raw_rules)):
            try:
                rule = parse_rule(str(text), concepts)
            except RuleSyntaxError as exc:
                problems.append(f"{where}[{j}] {str(text)!r}: {exc}")
                continue
            said = [w for t in rule.tokens if isinstance(t, Choice) for w in t.words]
            gone = [w for w in said if w in fillers or (set(w) <= single_fillers)]
            if gone:
                problems.append(f"{where}[{j}] {str(text)!r}: {', '.join(gone)} is a filler "
                                "(normalise.fillers), dropped before matching: leave it out")
                continue
            out.append(rule)
        return tuple(out)

    entries: list[Entry] = []
    seen_refs: set[str] = set()
    for i, raw in enumerate(_as_list(doc.get("entries"))):
        where = f"entries[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        ref = str(raw.get("ref", "")).strip()
        where = f"entries[{i}] (ref {ref or '?'})"
        if not _REF_RE.match(ref):
            problems.append(f"{where}: ref must look like 5.12 or 1.1.3")
        elif ref in seen_refs:
            problems.append(f"{where}: duplicate ref")
        seen_refs.add(ref)
        kind = raw.get("kind")
        if kind not in KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        speaker = raw.get("speaker", "agent")
        if speaker not in ENTRY_SPEAKERS:
            problems.append(f"{where}: speaker must be one of {', '.join(ENTRY_SPEAKERS)}")
        wording = str(raw.get("text") or "").strip()
        if not wording:
            problems.append(f"{where}: text (the standard's wording) is required")
        forms = [str(f) for f in _as_list(raw.get("forms")) + _as_list(raw.get("variants"))]
        entry_rules = rules_of(raw.get("rules"), f"{where}.rules")
        entry_guards = rules_of(raw.get("guards"), f"{where}.guards")
        if not forms and not entry_rules:
            problems.append(f"{where}: at least one form or rule is required")
        slot_max = raw.get("slot_max")
        if slot_max is not None and (not isinstance(slot_max, int) or not 0 <= slot_max <= 40):
            problems.append(f"{where}: slot_max must be an integer 0-40")
            slot_max = None
        for f in forms:
            try:
                expanded = expand_form(f)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            for x in expanded:
                core = re.sub(r"[\W_\x01\x02]", "", x)
                if not core:
                    problems.append(f"{where}: form {f!r} has an empty alternative with no words")
        threshold = raw.get("threshold")
        if threshold is not None and (
            not isinstance(threshold, (int, float)) or not 0 < float(threshold) <= 1
        ):
            problems.append(f"{where}: threshold must be a number in (0, 1]")
            threshold = None
        examples = tuple(str(x).strip() for x in _as_list(raw.get("examples"))
                         if str(x).strip())
        if examples and kind != "script":
            problems.append(f"{where}: examples are for script lines (a taboo or discipline "
                            "finding needs its words: write a rule)")
        entries.append(
            Entry(
                ref=ref,
                kind=str(kind),
                text=wording,
                forms=tuple(forms),
                speaker=str(speaker),
                threshold=float(threshold) if threshold is not None else None,
                rules=entry_rules,
                guards=entry_guards,
                slot_max=slot_max,
                examples=examples,
                name=str(raw.get("name") or "").strip()[:40],
            )
        )

    lexicon: list[LexiconGroup] = []
    for i, raw in enumerate(_as_list(doc.get("lexicon"))):
        where = f"lexicon[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        if "patterns" in raw:
            problems.append(f"{where}: 'patterns' are not read: write them as rules (words and "
                            "[a|b] groups in order, … for a gap; see the rule syntax)")
        rules = rules_of(raw.get("rules"), f"{where}.rules")
        guards = rules_of(raw.get("guards"), f"{where}.guards")
        words = tuple(str(w) for w in _as_list(raw.get("words")) if str(w).strip())
        exact = tuple(str(w) for w in _as_list(raw.get("exact")) if str(w).strip())
        if not words and not rules:
            problems.append(f"{where}: needs words or rules")
        lexicon.append(
            LexiconGroup(
                category=str(raw.get("category") or "uncivil"),
                label=str(raw.get("label") or ""),
                words=words,
                rules=rules,
                guards=guards,
                exact=exact,
            )
        )

    templates: list[Template] = []
    for i, raw in enumerate(_as_list(doc.get("templates"))):
        where = f"templates[{i}]"
        if not isinstance(raw, dict) or not raw.get("scenario"):
            problems.append(f"{where}: needs a scenario name")
            continue
        steps = []
        for j, s in enumerate(_as_list(raw.get("steps"))):
            refs = tuple(str(r) for r in _as_list((s or {}).get("refs")))
            if not refs:
                problems.append(f"{where}.steps[{j}]: needs refs")
            for r in refs:
                if r not in seen_refs:
                    problems.append(f"{where}.steps[{j}]: ref {r} is not an entry")
            steps.append(Step(name=str((s or {}).get("name") or "/".join(refs)), refs=refs))
        if not steps:
            problems.append(f"{where}: needs at least one step")
        ends = tuple(str(r) for r in _as_list(raw.get("ends")))
        for r in ends:
            if r not in seen_refs:
                problems.append(f"{where}.ends: ref {r} is not an entry")
        templates.append(
            Template(
                scenario=str(raw["scenario"]),
                title=str(raw.get("title") or raw["scenario"]),
                steps=tuple(steps),
                ends=ends,
            )
        )
    if len({t.scenario for t in templates}) != len(templates):
        problems.append("templates: scenario names must be unique")

    triggers: list[Trigger] = []
    for i, raw in enumerate(_as_list(doc.get("triggers"))):
        where = f"triggers[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        pats = tuple(str(p) for p in _as_list(raw.get("patterns")))
        for p in pats:
            try:
                re.compile(p)
            except re.error as exc:
                problems.append(f"{where}: pattern {p!r} is not a valid regular expression: {exc}")
        owed = tuple(str(r) for r in _as_list(raw.get("owed")))
        for r in owed:
            if r not in seen_refs:
                problems.append(f"{where}.owed: ref {r} is not an entry")
        if not pats or not owed:
            problems.append(f"{where}: needs patterns and owed refs")
        triggers.append(
            Trigger(
                name=str(raw.get("name") or raw.get("kind") or f"trigger {i}"),
                kind=str(raw.get("kind") or f"trigger_{i}"),
                patterns=pats,
                owed=owed,
            )
        )

    weights = {"missing_step": 15, "out_of_order": 5, "unanswered_trigger": 10,
               "taboo": 20, "discipline": 15}
    for k, v in (doc.get("weights") or {}).items():
        if k not in weights:
            problems.append(f"weights: unknown weight {k!r}")
        elif not isinstance(v, int) or not 0 <= v <= 100:
            problems.append(f"weights.{k}: must be an integer 0-100")
        else:
            weights[k] = v

    vocab = doc.get("vocabulary") or {}
    if not isinstance(vocab, dict):
        problems.append("vocabulary: must be a mapping")
        vocab = {}
    domain_words = tuple(str(w) for w in _as_list(vocab.get("words")) if str(w).strip())
    hotword_list = tuple(str(w) for w in _as_list(vocab.get("hotwords")) if str(w).strip())

    sem = doc.get("semantic") or {}
    semantic = SemanticConfig()
    if not isinstance(sem, dict):
        problems.append("semantic: must be a mapping")
    else:
        unknown = set(sem) - {"min_similarity", "margin", "negatives", "twin_similarity",
                              "uncivil_min_probability", "wording_min_probability",
                              "script_min_probability"}
        if unknown:
            problems.append(f"semantic: unknown keys {', '.join(sorted(map(str, unknown)))}")
        sim = sem.get("min_similarity", semantic.min_similarity)
        margin = sem.get("margin", semantic.margin)
        if not isinstance(sim, (int, float)) or not 0 < float(sim) <= 1:
            problems.append(f"semantic.min_similarity: must be a number in (0, 1], got {sim!r}")
            sim = semantic.min_similarity
        if not isinstance(margin, (int, float)) or not 0 <= float(margin) < 1:
            problems.append(f"semantic.margin: must be a number in [0, 1), got {margin!r}")
            margin = semantic.margin
        twin = sem.get("twin_similarity", semantic.twin_similarity)
        if not isinstance(twin, (int, float)) or not 0 < float(twin) <= 1:
            problems.append(f"semantic.twin_similarity: must be a number in (0, 1], got {twin!r}")
            twin = semantic.twin_similarity
        uncivil = sem.get("uncivil_min_probability", semantic.uncivil_min_probability)
        if not isinstance(uncivil, (int, float)) or not 0.5 <= float(uncivil) <= 1:
            problems.append("semantic.uncivil_min_probability: must be a number in [0.5, 1], "
                            f"got {uncivil!r}")
            uncivil = semantic.uncivil_min_probability
        by_wording = sem.get("wording_min_probability", semantic.wording_min_probability)
        if not isinstance(by_wording, (int, float)) or not 0.5 <= float(by_wording) <= 1:
            problems.append("semantic.wording_min_probability: must be a number in [0.5, 1], "
                            f"got {by_wording!r}")
            by_wording = semantic.wording_min_probability
        by_script = sem.get("script_min_probability", semantic.script_min_probability)
        if not isinstance(by_script, (int, float)) or not 0.2 <= float(by_script) <= 1:
            problems.append("semantic.script_min_probability: must be a number in [0.2, 1], "
                            f"got {by_script!r}")
            by_script = semantic.script_min_probability
        negatives = tuple(str(x).strip() for x in _as_list(sem.get("negatives"))
                          if str(x).strip())
        semantic = SemanticConfig(min_similarity=float(sim), margin=float(margin),
                                  negatives=negatives, uncivil_min_probability=float(uncivil),
                                  twin_similarity=float(twin),
                                  wording_min_probability=float(by_wording),
                                  script_min_probability=float(by_script))

    call_analytics = _call_analytics(doc.get("call_analytics"), problems)

    if not entries:
        problems.append("entries: the bank has no entries")
    if problems:
        raise PhrasebankError(problems, source)
    return Phrasebank(
        name=str(doc.get("name") or "phrasebank"),
        version=f"sha256:{digest}",
        entries=tuple(entries),
        lexicon=tuple(lexicon),
        templates=tuple(templates),
        triggers=tuple(triggers),
        fillers=fillers,
        equivalents=equivalents,
        matching=matching,
        weights=weights,
        concepts=concepts,
        domain_words=domain_words,
        hotword_list=hotword_list,
        semantic=semantic,
        call_analytics=call_analytics,
        source=source,
        raw=raw_text,
    )


def load(path: str | Path | None = None) -> Phrasebank:
    """Load and validate a phrasebank file (the embedded standard when ``path`` is None)."""
    p = Path(path) if path else DEFAULT_PATH
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PhrasebankError([f"cannot read: {exc}"], str(p)) from exc
    return loads(text, source=str(p))
