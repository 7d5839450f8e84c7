"""From a recording to flagged utterances and an adherence score.

``SpeechPipeline.load(spec)`` loads the Whisper model (see :mod:`models`) and the text
analyzer once; :func:`analyze_recording` decodes, transcribes, assigns speakers, flags every
utterance and scores the conversation, and returns a :class:`RecordingResult` or an
:class:`~analyzer.errors.AnalysisFailure` (never raises for a bad recording). The CLI, the
service and the batch all call it. Stereo call recordings carry one speaker per channel (the
agent on the left unless told otherwise). In a mono recording the speakers are inferred
(``"speakers": "inferred"``): the voices are told apart by speaker embeddings and the
agent's is chosen by evidence (:mod:`analyzer.diarize`); when the voices cannot be told
apart, an utterance that says an agent script line is the agent's and any other ``unknown``
(never guessed to be the customer's: an agent's taboo must not be excused as customer
speech). A line the recogniser cut into parts is joined, and, in one channel, an utterance
holding two voices is cut where the voice changes (:mod:`analyzer.utterances`). Call
analytics (:mod:`analyzer.analytics`) read the timing and loudness. A reviewer's swap of a
mono recording's two speakers re-matches and re-scores its stored words
(:func:`swap_speakers`).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from models.speaker import SPEAKER_MODEL, VoiceEncoder
from phrasebank import CHANNELS, ObservationRule

from .adherence import AdherenceReport, Turn
from .analytics import (
    CallAnalytics,
    analyse_call,
    edge_stretches_by_level,
    pauseless_changes,
    speech_less_pauses,
    speech_ranges,
    utterance_ranges,
    voice_activity,
    wordless_speech,
)
from .audio import SAMPLE_RATE, decode, probe
from .diarize import (
    Attribution,
    DiarizeOptions,
    SpeakerTurn,
    attribute_speakers,
    edge_changes,
    own_voices,
    voice_under,
    wordless_voices,
)
from .errors import AnalysisError, AnalysisFailure, Cancelled
from .fingerprint import Fingerprint
from .matching import Flag
from .reread import (
    OneOff,
    Reading,
    RereadOptions,
    reading_flags,
    reread_spans,
    unsure_positions,
    violation_words,
)
from .text import Analyzer, AnalyzerOptions
from .transcribe import TranscribeOptions, Transcriber, Utterance
from .utterances import (
    cut_around_lines,
    cut_at_edges,
    cut_at_pauses,
    cut_at_voice_changes,
    join_runs,
    joined,
    onsets_at_level_steps,
    pieces_by_level,
    rejoin,
    snap_to_pauses,
    word_offsets,
)
from .vad import FRAME_S, band_power, pauses, speech_scores, speech_threshold, talk_chunks

__all__ = ["RecordingResult", "SpeechOptions", "SpeechPipeline", "analyze_recording",
           "interruption_flags", "score_recording", "swap_speakers"]

log = logging.getLogger(__name__)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class SpeechOptions:
    """Options of a recording's analysis; recorded in every result."""

    agent_channel: str = "left"
    """Which channel of a stereo recording is the agent: left | right."""
    join_gap_s: float = 1.2
    """Neighbouring utterances of one channel at most this far apart are joined when only
    together they say a script line."""
    join_max_parts: int = 5
    """At most this many utterances are joined into one line (the recogniser cut a slow
    1.1.6 into five on a dev call)."""
    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    """Options of the ASR stage."""
    semantic: bool = True
    """Read by meaning too (the analyzer's semantic stage): lines said in other words, and
    the agent's uncivil speech that no 8.0 word or rule names. A recording's analysis takes
    seconds, the stage ~12 ms an utterance it reads."""
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)
    """Who speaks in a mono recording (:mod:`analyzer.diarize`)."""
    reread: RereadOptions = field(default_factory=RereadOptions)
    """Utterances decoded again alone where an unsure word stood in a violation's way
    (:mod:`analyzer.reread`)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RecordingResult:
    """The analysis of one recording (``to_dict()`` is the ``huashu analyze`` row)."""

    source: str
    duration: float
    channels: int
    scenario: str
    speakers: str  # stereo | inferred
    utterances: list[dict[str, Any]]
    score: int | None  # None: no template (the scenario is undetermined)
    missing: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    deductions: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    triggers: list[dict[str, Any]]
    out_of_order: list[dict[str, Any]]
    model: str
    phrasebank_version: str
    options: dict[str, Any]
    timing: dict[str, float] = field(default_factory=dict)
    scenario_evidence: list[dict[str, Any]] = field(default_factory=list)
    analytics: dict[str, Any] = field(default_factory=dict)
    """Timing and loudness: interruptions, talk, silences, pace (:mod:`analyzer.analytics`)."""
    speaker_attribution: dict[str, Any] = field(default_factory=dict)
    """How speakers were told: ``method`` channels | voices (speaker embeddings, mono) |
    words (mono, voices not told apart: script lines only), the speaker model, and the
    evidence that chose the agent's voice."""
    semantic_model: dict[str, Any] | None = None
    """What read the utterances by meaning (``options.semantic``): the sentence model, the
    semantic stage's bars, and the uncivil and wording models with their versions (sha256
    of their weights), so that a flag by meaning can be reproduced; with ``semantic`` off,
    the wording model alone when the analyzer reads by wording (``AnalyzerOptions.wording``);
    None when nothing was read beyond forms and rules."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SpeechPipeline:
    """The model and the analyzer, loaded once; :func:`analyze_recording` is the per-file
    work."""

    def __init__(self, model: Any, model_name: str, analyzer: Analyzer,
                 options: SpeechOptions | None = None, speaker_encoder: Any = None) -> None:
        self.analyzer = analyzer
        self.options = options or SpeechOptions()
        self.model = model
        self.model_name = model_name
        # 17 MB of weights, read in ~0.05 s
        self.speaker_encoder = speaker_encoder or VoiceEncoder.load()
        self.transcriber = Transcriber(
            model, self.options.transcribe,
            hotwords=analyzer.bank.hotwords(self.options.transcribe.hotwords_max_chars),
            to_simplified=analyzer.normaliser.to_simplified)
        self.one_off = OneOff(violation_words(analyzer.bank))  # 5,000 keys, built in ~10 ms

    @classmethod
    def load(cls, spec: Any, *, phrasebank: str | Path | None = None,
             analyzer: Analyzer | None = None,
             analyzer_options: AnalyzerOptions | None = None,
             options: SpeechOptions | None = None) -> SpeechPipeline:
        """Load the model of ``spec`` (a :class:`models.ModelSpec`) and the analyzer (of
        ``phrasebank`` with ``analyzer_options``, unless one is given)."""
        from models import load_whisper

        if analyzer is None:
            # The phrasebank's index is built while CTranslate2 loads the model (it releases
            # the GIL): start-up is the longer of the two, not their sum.
            with ThreadPoolExecutor(1, thread_name_prefix="huashu-load") as ex:
                pending = ex.submit(Analyzer.load, phrasebank, analyzer_options)
                model, info = load_whisper(spec)
                analyzer = pending.result()
        else:
            model, info = load_whisper(spec)
        return cls(model, info.name, analyzer, options)

    def with_analyzer(self, analyzer: Analyzer) -> SpeechPipeline:
        """The same model and options over another analyzer (a new phrasebank)."""
        return SpeechPipeline(self.model, self.model_name, analyzer, self.options,
                              self.speaker_encoder)

    def fingerprint(self, agent_channel: str | None = None) -> Fingerprint:
        """What this pipeline records in a result analysed with ``agent_channel``."""
        return speech_fingerprint(self.analyzer.version, self.model_name, self.options,
                                  self.analyzer.options.to_dict(),
                                  agent_channel or self.options.agent_channel)

    def analyze(self, path: str | Path, *, scenario: str | None = None,
                agent_channel: str | None = None,
                progress: Callable[[float], None] | None = None) -> RecordingResult:
        """Analyse one recording. Raises :class:`AnalysisError` for an unusable file."""
        agent_channel = agent_channel or self.options.agent_channel
        if agent_channel not in CHANNELS:
            raise AnalysisError(f"agent_channel must be left or right, got {agent_channel!r}",
                                "bad_input")
        if scenario is not None:
            try:
                self.analyzer.bank.require_template(scenario)
            except ValueError as exc:
                raise AnalysisError(str(exc), "bad_input") from None
        t0 = time.perf_counter()
        info = probe(path)  # refuses a bad file before any heavy work
        channels = decode(path)
        duration = round(channels[0].size / SAMPLE_RATE, 3)
        stereo = len(channels) == 2
        t1 = time.perf_counter()
        checked: dict[str, list[Flag]] = {}  # each text matched once per recording

        def script_refs(text: str) -> list[Flag]:
            if text not in checked:
                checked[text] = self.analyzer.check(text, speaker="unknown", source="asr",
                                                    semantic=False, wording=False)
            return checked[text]

        # mono: the detector's scores of the channel serve its threshold and the analytics
        scores = None if stereo else speech_scores(channels[0])
        chunks = self.transcriber.speech(channels, None if scores is None else [scores])
        # the bar's share of each stage: what comes after the decoder's pass took 1-5% of
        # the time of a stereo call and ~25% of a mono one (v2: 3.2 s of speaker embeddings
        # after 10.2 s of decoding in v2dd03), so a mono bar no longer sits at 100% for it
        decoded, filled, attributed = (0.7, 0.75, 0.95) if not stereo else (0.95, 0.95, 0.97)
        utts = self.transcriber.transcribe(channels, progress=_part(progress, 0.0, decoded),
                                           chunks=chunks)
        if stereo:  # one channel is one speaker: a line's parts are joined on their channel
            utts = [joined(utts, run) for run in
                    self._join_runs(utts, [u.channel for u in utts], script_refs,
                                    self.options.join_max_parts)]
        else:
            # two voices in one stream: the decoder skips a quieter one after a louder one.
            # Not in a call's channels, one voice each: there speech left unwritten was
            # babble (noisy v2dd02, 我以为你会不会有这种事 three times over the agent's greeting)
            utts = self.transcriber.fill_unwritten(channels, utts, chunks,
                                                   progress=_part(progress, decoded, filled))
        t2 = time.perf_counter()
        # mono: the channel's speech threshold, for the pauses of its voice
        scored = None if scores is None else \
            (scores, speech_threshold(scores, self.transcriber.options))
        voice_pauses = None if scored is None else \
            pauses(*scored, self.options.diarize.pause_cut_s)
        utts, who, attribution = self._speakers(utts, channels, stereo, agent_channel,
                                                script_refs, voice_pauses)
        if not stereo:
            # In one channel, a line's parts are joined once speakers are known: on one
            # side (as many as join_max_parts); then two neighbours whatever their sides, as
            # before speakers were known (the voices of one speaker can be told apart
            # wrongly: v1's single-voice dd04 lost 1.2.1 otherwise), there only by lines
            # heard whole: with a word half heard, v2dd07's greeting and the customer's
            # 师傅来了 after it read as 1.1.1. A joined line is the agent's.
            def heard_whole(text: str) -> list[Flag]:
                return [f for f in script_refs(text) if not f.near_sound]

            for sides, most, refs in (
                    ([w.speaker for w in who], self.options.join_max_parts, script_refs),
                    ([0] * len(who), 2, heard_whole)):
                runs = self._join_runs(utts, sides, refs, most)
                if len(runs) != len(utts):
                    who = [who[r[0]] if len(r) == 1 else SpeakerTurn(
                        "agent", min(who[k].confidence for k in r), who[r[0]].voice)
                        for r in runs]
                    utts = [joined(utts, r) for r in runs]
        t_speakers = time.perf_counter()
        if progress is not None:
            progress(attributed)
        readings = self._second_readings(utts, channels)
        t_reread = time.perf_counter()
        if scored is not None:
            # A change of speaker lies in the pause between the two voices, not where the
            # recogniser's word times put it. After the second readings, which read
            # each utterance's words where the recogniser timed them.
            o = self.options.diarize
            utts = snap_to_pauses(utts, [w.speaker for w in who],
                                  pauses(*scored, o.change_pause_min_s),
                                  reach_s=o.change_pause_reach_s)
            # and where the nearer voice cut in on the other's words that the recogniser
            # lost, at the step up in level
            stepped = onsets_at_level_steps(utts, [w.speaker for w in who], channels[0],
                                            *scored, FRAME_S, min_gap_db=o.nearer_voice_db,
                                            head_min_s=o.onset_head_min_s,
                                            reach_s=o.onset_reach_s)
            moved = sum(1 for a, b in zip(utts, stepped, strict=True) if a.start != b.start)
            if moved:
                attribution["start_at_level_step"] = moved
            utts = stepped
        turns = [Turn(speaker=w.speaker, text=u.text, start=u.start, end=u.end,
                      confidence=u.confidence) for u, w in zip(utts, who, strict=True)]
        analytics = self._analytics(utts, turns, channels, duration, agent_channel,
                                    attribution, chunks, scored, voice_pauses or ())
        del channels
        t_analytics = time.perf_counter()
        report = score_recording(self.analyzer, turns, analytics, scenario=scenario,
                                 semantic=self.options.semantic, readings=readings)
        utterances = []
        for u, t, w, rt, reading in zip(utts, turns, who, report.turns, readings, strict=True):
            utterances.append({"start": u.start, "end": u.end, "speaker": t.speaker,
                               "speaker_confidence": w.confidence, "channel": u.channel,
                               "text": u.text, "confidence": u.confidence,
                               "flags": rt["flags"],
                               **({"heard_behind": True} if rt.get("heard_behind") else {})})
            if reading is not None:
                utterances[-1]["reading"] = reading.to_dict()
        rep = report.to_dict()
        t3 = time.perf_counter()
        if progress is not None:
            progress(1.0)
        fp = self.fingerprint(agent_channel)
        return RecordingResult(
            source=str(path), duration=duration, channels=info.channels,
            scenario=report.scenario, speakers="stereo" if stereo else "inferred",
            utterances=utterances, score=report.score, missing=rep["missing"],
            violations=rep["violations"], deductions=rep["deductions"], steps=rep["steps"],
            triggers=rep["triggers"], out_of_order=rep["out_of_order"],
            model=fp.model, phrasebank_version=fp.phrasebank_version, options=fp.options,
            scenario_evidence=rep["scenario_evidence"], analytics=analytics.to_dict(),
            speaker_attribution=attribution,
            semantic_model=self.analyzer.reading_models(self.options.semantic),
            timing={"decode_s": round(t1 - t0, 3), "transcribe_s": round(t2 - t1, 3),
                    "speakers_s": round(t_speakers - t2, 3),
                    "reread_s": round(t_reread - t_speakers, 3),
                    "analytics_s": round(t_analytics - t_reread, 3),
                    "analyze_s": round(t3 - t_analytics, 3)})

    # -- second readings -----------------------------------------------------------------
    def _second_readings(self, utts: Sequence[Utterance], channels: Sequence[Any]
                         ) -> list[Reading | None]:
        """Per utterance, its second reading where an unsure word stood in a violation's
        way (:mod:`analyzer.reread`), else None. Looked for in every utterance, whoever said
        it, so that a reviewer's swap of the speakers finds them too; at most
        ``reread.most``, the least confident first."""
        o = self.options.reread
        out: list[Reading | None] = [None] * len(utts)
        if o.most <= 0:
            return out

        violations = _said_violations(self.analyzer, "agent")
        wanted: list[tuple[float, int, dict[str, tuple[int, int]]]] = []
        for k, u in enumerate(utts):
            unsure = unsure_positions(u, word_offsets(u, self.transcriber.to_simplified),
                                      o.unsure_below)
            spans = reread_spans(u.text, unsure, self.one_off, violations, o.min_chars) \
                if unsure else {}
            if spans:
                wanted.append((u.confidence, k, spans))
        for _, k, spans in sorted(wanted)[:o.most]:
            u = utts[k]
            text = self.transcriber.reread(channels[u.channel], u.start - o.pad_s,
                                           u.end + o.pad_s)
            log.debug("read %r again: %r (for %s)", u.text, text, sorted(spans))
            if text:
                out[k] = Reading(text, spans)
        return out

    # -- call analytics ------------------------------------------------------------------
    def _analytics(self, utts: list[Utterance], turns: list[Turn], channels: list[Any],
                   duration: float, agent_channel: str, attribution: dict[str, Any],
                   chunks: Sequence[tuple[int, int, int]],
                   scored: tuple[np.ndarray, float] | None,
                   voice_pauses: Sequence[tuple[float, float]] = ()) -> CallAnalytics:
        """``chunks``: the speech the recogniser was given (:meth:`Transcriber.speech`);
        ``scored``: a mono channel's :func:`analyzer.vad.speech_scores` and its
        :func:`analyzer.vad.speech_threshold`; ``voice_pauses``: that channel's pauses
        (:func:`analyzer.vad.pauses`), which are nobody's talk between the words."""
        speech: list[tuple[float, float]] = []
        no_pause: list[int] = []
        heard_under: Callable[[Sequence[tuple[float, float, str]]], list[float]] | None = None
        voiced: list[tuple[float, float, str]] = []
        cfg = self.analyzer.bank.call_analytics
        if attribution["method"] == "channels":
            # one speaker per channel: the voice activity shows who speaks over whom, a
            # turn's pauses (turn_pause_s) bridged
            who = ["agent", "customer"] if agent_channel == "left" else ["customer", "agent"]
            powers = [band_power(audio) for audio in channels]
            ranges = sorted((r for k, (audio, sp) in enumerate(zip(channels, who, strict=True))
                             for r in voice_activity(audio, sp, other=channels[1 - k],
                                                     power=powers[k],
                                                     other_power=powers[1 - k],
                                                     merge_gap_s=cfg.turn_pause_s)),
                            key=lambda r: r.start)
            method, confidence = "channels", "high"
        else:
            # speakers from their voices (or words); overlaps in one channel are not seen
            assert scored is not None  # analyze scores every mono channel
            speech = speech_less_pauses([(s / SAMPLE_RATE, e / SAMPLE_RATE)
                                         for s, e in talk_chunks(
                                             channels[0], chunks, *scored,
                                             self.transcriber.options,
                                             cfg.talk_speech_threshold,
                                             cfg.talk_noisy_score)],
                                        voice_pauses, turns)
            ranges = speech_ranges(speech, turns)
            if self.options.diarize.edge_stretch_max_s > 0:
                o = self.options.diarize
                ranges = edge_stretches_by_level(ranges, speech, turns, channels[0],
                                                 min_gap_db=o.nearer_voice_db,
                                                 min_off_db=o.piece_off_db,
                                                 max_s=o.edge_stretch_max_s,
                                                 reach_s=o.edge_stretch_reach_s)
            no_pause = pauseless_changes(turns, *scored, FRAME_S, cfg.takeover_max_gap_s)
            method = "utterances"
            if attribution["method"] == "voices":
                spans = [(t.start or 0.0, t.end or 0.0) for t in turns]
                names = [t.speaker for t in turns]
                # both measures below learn the two voices from the same utterances: once,
                # and only if one of them looks (the two measures of v2di04 took 0.45 s
                # instead of 0.74 s, of noisy v2dd08 0.50 s instead of 0.85 s; same results)
                learn = functools.cache(lambda: own_voices(
                    channels[0], spans, names, self.speaker_encoder, self.options.diarize))

                def heard_under(changes: Sequence[tuple[float, float, str]]) -> list[float]:
                    return voice_under(channels[0], spans, names, changes,
                                       self.speaker_encoder, self.options.diarize, learn=learn)
                # the speech no words were written for, by its voice (a soft answer the
                # recogniser dropped whole)
                voiced = wordless_voices(channels[0], spans, names,
                                         wordless_speech(speech, turns), self.speaker_encoder,
                                         self.options.diarize, learn=learn)
            confidence = "medium" if attribution["method"] == "voices" and \
                attribution.get("evidence", 0) >= 0.7 else "low"
        return analyse_call(turns, [u.channel for u in utts], ranges, channels, duration,
                            cfg, method=method,
                            speaker_confidence=confidence, speech=speech, no_pause=no_pause,
                            speech_pad_s=self.transcriber.options.speech_pad_ms / 1000
                            if speech else 0.0,
                            words=[[(float(w["start"]), float(w["end"])) for w in u.words]
                                   for u in utts], heard_under=heard_under, voiced=voiced)

    def _join_runs(self, utts: list[Utterance], sides: Sequence[object],
                   script_refs: Callable[[str], list[Flag]], max_parts: int) -> list[list[int]]:
        """:func:`analyzer.utterances.join_runs` with this pipeline's options."""
        return join_runs(utts, sides, script_refs, gap_s=self.options.join_gap_s,
                         max_parts=max_parts,
                         backchannel_chars=self.analyzer.options.join_backchannel_chars)

    # -- speakers ------------------------------------------------------------------------
    def _speakers(self, utts: list[Utterance], channels: list[Any], stereo: bool,
                  agent_channel: str, script_refs: Callable[[str], list[Flag]],
                  voice_pauses: Sequence[tuple[float, float]] | None = None,
                  ) -> tuple[list[Utterance], list[SpeakerTurn], dict[str, Any]]:
        """Stereo: one speaker per channel. Mono: voices by speaker embeddings, the agent's
        chosen by evidence (:func:`analyzer.diarize.attribute_speakers`). Long utterances
        are first cut at the pauses of the voice inside them (``voice_pauses``), the
        pieces attributed and the neighbouring pieces of one speaker joined again
        (:func:`analyzer.utterances.cut_at_pauses`, :func:`analyzer.utterances.rejoin`):
        the voices are then learnt from stretches that hold one each. An utterance in
        which the voice changes is cut there next
        (:func:`analyzer.utterances.cut_at_voice_changes`), then around the words only the
        agent says, script lines and violations, where a voice beside or inside them says
        another speaker (:func:`analyzer.utterances.cut_around_lines`), then where a second
        of the other voice lies at an edge (:func:`analyzer.diarize.edge_changes`,
        :func:`analyzer.utterances.cut_at_edges`); last, a piece between pauses of the voice
        that is as loud as the other speaker goes to them
        (:func:`analyzer.utterances.pieces_by_level`). The utterances (cut or not), their
        speakers and the evidence."""
        if stereo:
            agent = 0 if agent_channel == "left" else 1
            return utts, [SpeakerTurn("agent" if u.channel == agent else "customer", 1.0,
                                      u.channel) for u in utts], \
                {"method": "channels", "agent_channel": agent_channel}

        embedded: dict[tuple[float, float], Any] = {}

        def attribute(us: list[Utterance]) -> Attribution:
            says = [any(f.kind == "script" for f in script_refs(u.text)) for u in us]
            return attribute_speakers(channels[0], [(u.start, u.end) for u in us], says,
                                      self.speaker_encoder, self.options.diarize, embedded)

        def agent_only_spans(text: str) -> list[tuple[int, int]]:
            # words only the agent says: its script lines and its violations
            return [f.span for f in script_refs(text) if f.kind == "script" or f.is_violation]

        def recut(cut: list[Utterance], key: str) -> Attribution | None:
            # the voices again after a cut around lines or at edges, with the cuts counted
            # so far; None when they are no longer told apart: kept only while they are (in
            # noise, the pieces cut off around lines made v2dd03's two voices one, centroids
            # 0.97 alike, and every utterance lost its speaker)
            again = attribute(cut)
            if again.centroids is None:
                return None
            again.info.update({k: v for k, v in got.info.items() if k.startswith("cut_")})
            again.info[key] = len(cut) - len(utts)
            return again

        o = self.options.diarize

        def by_pauses(us: list[Utterance]) -> list[Utterance]:
            # ``us`` cut at the pauses of the voice inside them, the pieces attributed, and
            # neighbouring pieces of one speaker joined again (an utterance of one speaker
            # comes out as it went in, its text as written); as they were when nothing is
            # cut or the pieces' voices are not told apart
            if not voice_pauses or o.pause_cut_s <= 0:
                return us
            pieces, origin = cut_at_pauses(us, voice_pauses, agent_only_spans,
                                           self.transcriber.to_simplified,
                                           min_s=o.split_min_s, min_piece_s=o.min_embed_s,
                                           slack_s=o.pause_word_slack_s)
            if len(pieces) == len(us):
                return us
            voiced = attribute(pieces)
            if voiced.centroids is None:
                return us
            runs = rejoin(pieces, origin, [t.speaker for t in voiced.turns])
            pieces_of = Counter(origin)
            return [us[origin[r[0]]] if pieces_of[origin[r[0]]] == len(r) else joined(pieces, r)
                    for r in runs]

        # Turns the recogniser wrote into one utterance (in noise, four in one: noisy
        # v2dd04) mix the two voices' centroids, and every later step measures against
        # them. A pause of the voice is where a turn may change: the voices are learnt from
        # the utterances cut at their pauses and joined again by speaker (never cut inside
        # the words only the agent says: a line in pieces no longer matches; v1's dd02 lost
        # its 5.5 greeting, its pieces given to two "voices" of one synthetic voice).
        rejoined = by_pauses(utts)
        pause_cuts = len(rejoined) - len(utts)
        utts = rejoined
        got = attribute(utts)
        if got.centroids is not None:
            cut = cut_at_voice_changes(utts, channels[0], got.centroids,
                                       self.speaker_encoder, o, self.transcriber.to_simplified,
                                       voice_pauses or (), slack_s=o.pause_word_slack_s,
                                       keep_whole=agent_only_spans)
            if len(cut) != len(utts):
                again = attribute(cut)  # the voices again, without the mixed utterances
                again.info["cut_at_voice_change"] = len(cut) - len(utts)
                utts, got = cut, again
        if pause_cuts:
            got.info["cut_at_pause"] = pause_cuts
        if got.centroids is not None and isinstance(got.info.get("agent_voice"), int):
            cut = cut_around_lines(utts, [t.speaker == "agent" for t in got.turns],
                                   agent_only_spans,
                                   channels[0], got.centroids, got.info["agent_voice"],
                                   self.speaker_encoder, self.transcriber.to_simplified,
                                   min_s=o.min_embed_s, margin=o.split_margin,
                                   agent_margin=o.agent_words_margin)
            if len(cut) != len(utts) and (kept := recut(cut, "cut_around_line")) is not None:
                utts, got = cut, kept
        if got.centroids is not None:
            changes = edge_changes(channels[0], [(u.start, u.end) for u in utts],
                                   [t.voice for t in got.turns], got.centroids,
                                   self.speaker_encoder, o)
            cut = cut_at_edges(utts, changes, agent_only_spans, self.transcriber.to_simplified,
                               reach_s=o.edge_window_frames * 0.01 / 2)
            if len(cut) != len(utts) and (kept := recut(cut, "cut_at_edge")) is not None:
                utts, got = cut, kept
        turns = got.turns
        if voice_pauses and o.piece_off_db > 0:
            # a piece after a pause at the other voice's loudness is the other's, unless
            # it is long enough for its voice to say otherwise
            centroids, agent_voice = got.centroids, got.info.get("agent_voice")

            def voice_of(start: float, end: float) -> str | None:
                if centroids is None or not isinstance(agent_voice, int) or \
                        end - start < o.min_embed_s:
                    return None
                wav = channels[0][int(start * SAMPLE_RATE): int(end * SAMPLE_RATE)]
                sims = np.asarray(self.speaker_encoder.embed_many([wav]))[0] @ centroids.T
                return "agent" if sims[agent_voice] >= sims[1 - agent_voice] else "customer"

            pieces, said, origin = pieces_by_level(
                utts, [t.speaker for t in turns], channels[0], voice_pauses, agent_only_spans,
                self.transcriber.to_simplified, min_gap_db=o.nearer_voice_db,
                min_off_db=o.piece_off_db, min_piece_s=o.piece_min_s,
                min_words_s=o.piece_min_words_s,
                slack_s=o.pause_word_slack_s, voice_of=voice_of)
            if said != [turns[n].speaker for n in origin]:
                voice_id = {t.speaker: t.voice for t in turns}
                moved = sum(1 for sp, n in zip(said, origin, strict=True)
                            if sp != turns[n].speaker)
                turns = [turns[n] if sp == turns[n].speaker else
                         SpeakerTurn(sp, min(turns[n].confidence, 0.5), voice_id.get(sp))
                         for sp, n in zip(said, origin, strict=True)]
                utts = pieces
                got.info["cut_by_level"] = moved
        return utts, turns, {**got.info, "model": SPEAKER_MODEL}


def _part(progress: Callable[[float], None] | None, start: float,
          end: float) -> Callable[[float], None] | None:
    """``progress`` of one stage, 0-1, reported as ``start``-``end`` of the whole."""
    if progress is None:
        return None
    report = progress
    return lambda f: report(start + (end - start) * min(1.0, max(0.0, f)))


def interruption_flags(analytics: CallAnalytics, turns: Sequence[Turn],
                       rule: ObservationRule) -> list[list[Flag]]:
    """A discipline flag (``rule``: the bank's ``call_analytics.interruption``) on the
    agent's utterance that cut in, for each interruption that analytics flagged (from the
    ``flag_from``-th of the call on); one list per turn."""
    extra: list[list[Flag]] = [[] for _ in turns]
    for intr in analytics.agent_interruptions:
        i = intr.interrupting
        if not intr.flagged or i is None:
            continue
        text = turns[i].text
        extra[i].append(Flag(ref=rule.ref, kind="discipline", score=1.0,
                             span=(0, len(text)), matched=text, standard=rule.standard,
                             category="interruption", rule="call_analytics.interruption"))
    return extra


def _said_violations(analyzer: Analyzer, speaker: str) -> Callable[[str], list[Flag]]:
    """The violations that ``analyzer`` finds in a recogniser's text said by ``speaker``
    (what :mod:`analyzer.reread` looks for and confirms)."""
    def violations(text: str) -> list[Flag]:
        return [f for f in analyzer.check(text, speaker=speaker, source="asr", semantic=False,
                                          wording=False) if f.is_violation]
    return violations


def score_recording(analyzer: Analyzer, turns: Sequence[Turn], analytics: CallAnalytics, *,
                    scenario: str | None, semantic: bool,
                    readings: Sequence[Reading | None] = ()) -> AdherenceReport:
    """A recording's turns matched and scored, with the flags and observations of its call
    analytics and the violations of the utterances' second readings (``readings``, one per
    turn or none: :mod:`analyzer.reread`) said by the agent: what
    :meth:`SpeechPipeline.analyze` and :func:`swap_speakers` both do."""
    # a voice behind a side (its echo of the other side, a television) is not that side's
    # speaker: what it says is shown and never scored as theirs (bench/noisy_calls.py
    # --echo: the customer's words leak into the agent's line and are written as the
    # agent's, and a customer who swears would cost the agent a taboo deduction)
    behind = set(analytics.background)
    turns = [replace(t, heard_behind=True) if k in behind else t for k, t in enumerate(turns)]
    extra = interruption_flags(analytics, turns, analyzer.bank.call_analytics.interruption)
    for k, (t, reading) in enumerate(zip(turns, readings, strict=False)):
        if reading is not None and t.speaker != "customer" and not t.heard_behind:
            extra[k].extend(reading_flags(t.text, reading,
                                          _said_violations(analyzer, t.speaker)))
    return analyzer.score(turns, scenario=scenario, source="asr", semantic=semantic,
                          extra_flags=extra,
                          observations=[asdict(o) for o in analytics.observations])


_SWAPPED = {"agent": "customer", "customer": "agent"}


def swap_speakers(analyzer: Analyzer, result: Mapping[str, Any], *,
                  scenario: str | None = None) -> dict[str, Any]:
    """A mono recording's result (``RecordingResult.to_dict()``) with its two speakers
    swapped, as a reviewer who heard that the voices were told the wrong way round asks:
    every utterance's ``agent`` becomes ``customer`` and back (``unknown`` stays), and the
    words are matched and the conversation scored again (agent-only lines and taboos follow
    the speaker), the call analytics recomputed from the stored measurements (no audio, no
    model: ``analyzer`` is the one of the result's phrasebank). ``scenario``: the one the
    recording was submitted with (None: inferred again). Swapping twice gives the original
    speakers back; ``speaker_attribution.swapped`` says which way it stands. Raises
    ValueError for a stereo recording (its speakers are its channels)."""
    if result.get("speakers") != "inferred":
        raise ValueError("the speakers of a stereo recording are its channels: analyse it "
                         "again with the other agent_channel instead")
    utts = [dict(u) for u in result.get("utterances") or []]
    turns = [Turn(speaker=_SWAPPED.get(u.get("speaker", "unknown"), "unknown"),
                  text=u.get("text", ""), start=u.get("start"), end=u.get("end"),
                  confidence=u.get("confidence")) for u in utts]
    stored = result.get("analytics") or {}
    measured = stored.get("utterances") or []
    levels = [m.get("loudness_db") for m in measured] if len(measured) == len(utts) \
        else [None] * len(utts)
    speech = stored.get("speech") or []
    # how long the voice cut into went on under the one that cut in, as measured: the
    # voices are the same two, only their names change
    measured_under = {round(float(i["at"]), 2): float(i["heard_under_s"])
                      for i in stored.get("interruptions") or []
                      if i.get("heard_under_s") is not None}

    def heard_under(changes: Sequence[tuple[float, float, str]]) -> list[float]:
        return [measured_under.get(round(at, 2), 0.0) for at, _, _ in changes]

    analytics = analyse_call(
        turns, [int(u.get("channel") or 0) for u in utts],
        speech_ranges(speech, turns) if speech else utterance_ranges(turns),
        [], float(result.get("duration") or 0.0), analyzer.bank.call_analytics,
        method=stored.get("method", "utterances"),
        speaker_confidence=stored.get("speaker_confidence", "low"), levels=levels,
        speech=speech, no_pause=stored.get("no_pause") or (),
        speech_pad_s=float(stored.get("speech_pad_s") or 0.0), heard_under=heard_under,
        voiced=[(a, b, _SWAPPED.get(sp, sp)) for a, b, sp in stored.get("voiced") or []])
    semantic = bool(((result.get("options") or {}).get("speech") or {}).get("semantic", True))
    report = score_recording(analyzer, turns, analytics, scenario=scenario, semantic=semantic,
                             readings=[Reading.from_dict(u.get("reading")) for u in utts])
    for u, t, rt in zip(utts, turns, report.turns, strict=True):
        u["speaker"] = t.speaker
        u["flags"] = rt["flags"]
    rep = report.to_dict()
    attribution = dict(result.get("speaker_attribution") or {})
    attribution["swapped"] = not attribution.get("swapped", False)
    for key in ("script_lines", "talk_s"):
        if isinstance(attribution.get(key), dict):
            attribution[key] = {_SWAPPED.get(k, k): v for k, v in attribution[key].items()}
    for key in ("opened_by", "nearer_voice"):
        if attribution.get(key) in _SWAPPED:
            attribution[key] = _SWAPPED[attribution[key]]
    if isinstance(attribution.get("agent_voice"), int):
        attribution["agent_voice"] = 1 - attribution["agent_voice"]
    return {**result, "utterances": utts, "scenario": report.scenario, "score": report.score,
            "missing": rep["missing"], "violations": rep["violations"],
            "deductions": rep["deductions"], "steps": rep["steps"],
            "triggers": rep["triggers"], "out_of_order": rep["out_of_order"],
            "scenario_evidence": rep["scenario_evidence"], "analytics": analytics.to_dict(),
            "speaker_attribution": attribution}


def speech_fingerprint(phrasebank_version: str, model_name: str, options: SpeechOptions,
                       analyzer_options: dict[str, Any], agent_channel: str) -> Fingerprint:
    """The fingerprint of a pipeline with these parts, computed without loading it (the
    batch compares it with stored results before it loads a model). Reading by meaning
    (``options.semantic``) adds the models it reads with: another uncivil or wording
    model's weights (or the script model's) give other flags, so a result of the old ones
    is not reused for it."""
    doc: dict[str, Any] = {"speech": {**options.to_dict(), "agent_channel": agent_channel},
                           "analyzer": analyzer_options}
    if options.semantic:
        from models import script, uncivil, wording

        from .matching.semantic import sentence_model_name

        doc["semantic_models"] = {"sentence": sentence_model_name(),
                                  "uncivil": uncivil.shipped_version(),
                                  "wording": wording.shipped_version(),
                                  "script": script.shipped_version()}
    elif analyzer_options.get("wording"):
        from models import wording

        doc["semantic_models"] = {"wording": wording.shipped_version()}
    return Fingerprint(phrasebank_version, model_name, json.loads(_JSON(doc)))


def analyze_recording(pipeline: SpeechPipeline, path: str | Path, *,
                      name: str | None = None, scenario: str | None = None,
                      agent_channel: str | None = None,
                      progress: Callable[[float], None] | None = None,
                      ) -> RecordingResult | AnalysisFailure:
    """Analyse one recording: its result, or what went wrong (kinds of
    :mod:`analyzer.errors`). ``name`` is how messages and the result's ``source`` name the
    recording (default: the path as given). :class:`Cancelled`, raised by ``progress``,
    stops the analysis and is raised again."""
    shown = name or str(path)

    def named(message: str) -> str:
        return message.replace(str(path), shown) if name else message

    try:
        result = pipeline.analyze(path, scenario=scenario, agent_channel=agent_channel,
                                  progress=progress)
    except Cancelled:
        raise
    except AnalysisError as exc:
        return AnalysisFailure(exc.kind, named(str(exc)))
    except MemoryError:
        return AnalysisFailure("memory", f"{shown}: out of memory")
    except Exception as exc:  # one bad file never stops a batch or the service
        log.exception("%s: analysis failed", shown)
        return AnalysisFailure("internal", f"{shown}: analysis failed ({type(exc).__name__})")
    result.source = shown
    return result
