"""Reviews: reviewers' verdicts on the flags of analysed recordings.

A verdict row is never changed: the newest row of a (recording, flag id) is that flag's
current verdict (``confirmed``, ``rejected`` or, for a flag the machine missed, ``added``),
and a ``withdrawn`` row withdraws it. Every change of a recording's verdicts recomputes, in
the same transaction, its review columns (``review_state``, ``reviewed_score``,
``review_verdicts``) so that listings filter and sort on plain columns.

The reviewed report is the analyzer's rescoring (:meth:`analyzer.text.Analyzer.rescore`) of
the recording's turns with the reviewed flags: the machine's flags minus the rejected ones,
plus the added ones, under the phrasebank the recording was analysed with.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

import phrasebank as pb
from analyzer.adherence import Turn
from analyzer.matching import Flag
from analyzer.speech import swap_speakers
from analyzer.suggest import Feedback, Suggestion, suggest
from analyzer.text import Analyzer
from phrasebank import VIOLATION_KINDS

from .db import Database
from .jobs import (
    flag_id,
    machine_flags,
    recording_dict,
    result_columns,
    review_dict,
    store_flags,
)
from .models import Recording, RecordingFlag, Verdict, iso_utc, utcnow

__all__ = ["ReviewStore", "ReviewError", "ExportFilter", "PrecisionFilter", "EXPORT_FIELDS",
           "VIOLATION_KINDS", "verdict_dict"]

log = logging.getLogger(__name__)


EXPORT_FIELDS = ("id", "recording_id", "flag_id", "utterance", "ref", "kind", "verdict",
                 "comment", "reviewer", "at", "machine_score", "reviewed_score", "agent_id",
                 "text", "matched", "standard")
_REPORT_KEYS = ("scenario", "scenario_inferred", "score", "steps", "missing", "out_of_order",
                "triggers", "violations", "deductions", "phrasebank_version")


class ReviewError(Exception):
    """A verdict that cannot be taken; ``status`` is the HTTP status, the message is for
    the client."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class ExportFilter:
    """Which current verdicts an export holds (``since``/``until``: the verdict's time)."""

    since: datetime | None = None
    until: datetime | None = None
    agent_id: str | None = None
    ref: str | None = None
    recording_id: str | None = None


@dataclass(frozen=True)
class PrecisionFilter:
    """Which recordings a precision report counts (``since``/``until``: uploaded)."""

    since: datetime | None = None
    until: datetime | None = None
    agent_id: str | None = None


def verdict_dict(v: Verdict, r: Recording) -> dict[str, Any]:
    """A verdict row as the API gives it (with its recording's agent and scores)."""
    return {"id": v.id, "recording_id": v.recording_id, "flag_id": v.flag_id,
            "utterance": v.utterance, "ref": v.ref, "kind": v.kind, "verdict": v.verdict,
            "comment": v.comment, "reviewer": v.reviewer, "at": iso_utc(v.created_at),
            "machine_score": r.score, "reviewed_score": r.reviewed_score,
            "agent_id": r.agent_id, "text": v.text, "matched": v.matched,
            "standard": v.standard}


def _ref_key(ref: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in ref.split("."))


def _newest() -> Any:
    """The condition 'this verdict row is the newest of its flag'."""
    newer = aliased(Verdict)
    return ~exists().where(newer.recording_id == Verdict.recording_id,
                           newer.flag_id == Verdict.flag_id, newer.id > Verdict.id)


class ReviewStore:
    """Verdicts, the reviewed reports, the export and the precision report (blocking:
    call through ``Service.run``)."""

    def __init__(self, db: Database, analyzer: Callable[[], Analyzer],
                 bank_yaml: Callable[[str], str | None]) -> None:
        self.db = db
        self._analyzer = analyzer  # the running analyzer (its bank changes on install)
        self._bank_yaml = bank_yaml
        self._lock = threading.Lock()  # one verdict write at a time in this process
        self._analyzers: OrderedDict[str, Analyzer] = OrderedDict()
        self._analyzers_lock = threading.Lock()
        self._suggest_lock = threading.Lock()  # one computation at a time; others wait for it
        self._suggested: tuple[Any, list[Suggestion], int] | None = None

    # -- the bank a recording was analysed with ----------------------------------------------
    def _analyzer_for(self, version: str | None) -> Analyzer:
        """An analyzer over the bank of ``version`` (the running one when it is that, or
        when that bank is not stored); the last four are kept."""
        an = self._analyzer()
        if version is None or version == an.version:
            return an
        with self._analyzers_lock:
            got = self._analyzers.get(version)
            if got is not None:
                self._analyzers.move_to_end(version)
                return got
        text = self._bank_yaml(version)
        if not text:
            log.warning("phrasebank %s of a recording is not stored; scoring its review with "
                        "the running one", version)
            return an
        got = an.with_bank(pb.loads(text, source=f"phrasebank {version}"))
        with self._analyzers_lock:
            self._analyzers[version] = got
            while len(self._analyzers) > 4:
                self._analyzers.popitem(last=False)
        return got

    # -- reading ---------------------------------------------------------------------------
    @staticmethod
    def _current(s: Session, rid: str) -> dict[str, Verdict]:
        """The current verdicts of a recording by flag id (withdrawn ones left out)."""
        cur: dict[str, Verdict] = {}
        for v in s.scalars(select(Verdict).where(Verdict.recording_id == rid)
                           .order_by(Verdict.id)):
            cur[v.flag_id] = v
        return {k: v for k, v in cur.items() if v.verdict != "withdrawn"}

    def reviewed_report(self, result: dict[str, Any],
                        current: dict[str, Verdict]) -> dict[str, Any]:
        """The adherence report of ``result`` recomputed from its reviewed flags."""
        an = self._analyzer_for(result.get("phrasebank_version"))
        bank = an.bank
        utts = result.get("utterances") or []
        # a voice heard behind a side is scored as its speaker's once a reviewer confirms
        # (or adds) a violation on it: they heard that it is the speaker after all
        owned = {v.utterance for v in current.values()
                 if v.verdict in ("confirmed", "added") and v.kind in VIOLATION_KINDS}
        turns = [Turn(speaker=u.get("speaker", "unknown"), text=u.get("text", ""),
                      start=u.get("start"), end=u.get("end"), confidence=u.get("confidence"),
                      heard_behind=bool(u.get("heard_behind")) and i not in owned)
                 for i, u in enumerate(utts)]
        turn_flags: list[list[Flag]] = []
        for i, u in enumerate(utts):
            kept = []
            for f in u.get("flags") or []:
                v = current.get(flag_id(i, f))
                if v is None or v.verdict != "rejected":
                    kept.append(Flag.from_dict(f))
            turn_flags.append(kept)
        for v in current.values():
            if v.verdict == "added" and 0 <= v.utterance < len(utts):
                text = turns[v.utterance].text
                turn_flags[v.utterance].append(Flag(ref=v.ref, kind=v.kind, score=1.0,
                                                    span=(0, len(text)), matched=text,
                                                    standard=v.standard))
        scenario = result.get("scenario")
        if scenario is not None and bank.template(scenario) is None:
            scenario = None  # a bank without it: inferred from the flags instead
        observations = (result.get("analytics") or {}).get("observations") or []
        rep = an.rescore(turns, turn_flags, scenario=scenario,
                         scenario_inferred=False if scenario else None,
                         observations=observations).to_dict()
        return {k: rep[k] for k in _REPORT_KEYS}

    @staticmethod
    def _state(result: dict[str, Any], current: dict[str, Verdict]) -> str:
        """unreviewed (no verdict), reviewed (every taboo/discipline flag has one), else
        partial."""
        if not current:
            return "unreviewed"
        required = {fid for fid, (_i, f) in machine_flags(result).items()
                    if f.get("kind") in VIOLATION_KINDS}
        return "reviewed" if required <= current.keys() else "partial"

    def recording(self, rid: str) -> dict[str, Any] | None:
        """A recording as ``GET /v1/recordings/{id}`` gives it: when done, every flag with
        its id and current verdict, every utterance with its index, the reviewed report and
        the added flags."""
        with self.db.session() as s:
            r = s.get(Recording, rid)
            if r is None:
                return None
            d = recording_dict(r)
            if r.status != "done" or "result" not in d:
                return d
            current = self._current(s, rid)
            added = [verdict_dict(v, r) for v in current.values() if v.verdict == "added"]
        result = d["result"]
        for i, u in enumerate(result.get("utterances") or []):
            u["index"] = i
            for f in u.get("flags") or []:
                f["id"] = fid = flag_id(i, f)
                v = current.get(fid)
                if v is not None:
                    f["verdict"] = {"verdict": v.verdict, "comment": v.comment,
                                    "reviewer": v.reviewer, "at": iso_utc(v.created_at)}
        d["reviewed"] = self.reviewed_report(result, current)
        d["added"] = sorted(added, key=lambda a: (a["utterance"], a["id"]))
        return d

    def history(self, rid: str) -> list[dict[str, Any]] | None:
        """Every verdict row of a recording, oldest first, each with ``current``."""
        with self.db.session() as s:
            r = s.get(Recording, rid)
            if r is None:
                return None
            rows = list(s.scalars(select(Verdict).where(Verdict.recording_id == rid)
                                  .order_by(Verdict.id)))
            newest = {v.flag_id: v.id for v in rows}
            return [{**verdict_dict(v, r), "current": newest[v.flag_id] == v.id
                     and v.verdict != "withdrawn"} for v in rows]

    # -- writing ---------------------------------------------------------------------------
    def _done(self, s: Session, rid: str) -> tuple[Recording, dict[str, Any]]:
        r = s.get(Recording, rid, with_for_update=not self.db.is_sqlite)
        if r is None:
            raise ReviewError(404, f"no recording {rid!r}")
        if r.status != "done" or r.result is None:
            raise ReviewError(409, f"recording {rid} is {r.status}: verdicts need its "
                                   "finished analysis")
        return r, json.loads(r.result)

    def _commit(self, s: Session, r: Recording, result: dict[str, Any],
                row: Verdict) -> dict[str, Any]:
        s.add(row)
        reviewed = self._refresh(s, r, result, row.created_at)
        return {"review": review_dict(r), "reviewed": reviewed, "verdict": verdict_dict(row, r)}

    def _refresh(self, s: Session, r: Recording, result: dict[str, Any],
                 at: datetime) -> dict[str, Any]:
        """Recompute a recording's review columns from its current verdicts (after a change
        at ``at``); its reviewed report."""
        s.flush()
        current = self._current(s, r.id)
        reviewed = self.reviewed_report(result, current)
        r.review_state = self._state(result, current)
        r.reviewed_score = reviewed["score"] if current else None
        r.review_verdicts = len(current)
        r.review_updated_at = at
        s.flush()
        return reviewed

    @staticmethod
    def _withdrawal(cur: Verdict, reviewer: str, at: datetime,
                    comment: str | None = None) -> Verdict:
        """The row that withdraws the current verdict ``cur``."""
        return Verdict(recording_id=cur.recording_id, flag_id=cur.flag_id,
                       utterance=cur.utterance, ref=cur.ref, kind=cur.kind,
                       verdict="withdrawn", comment=comment, reviewer=reviewer,
                       created_at=at, text=cur.text, matched=cur.matched,
                       standard=cur.standard)

    def judge(self, rid: str, *, flag_id: str, verdict: str, comment: str | None,
              reviewer: str) -> dict[str, Any]:
        """Confirm or reject a machine flag (replacing its current verdict, if any)."""
        if verdict not in ("confirmed", "rejected"):
            raise ReviewError(422, "verdict must be confirmed or rejected")
        with self._lock, self.db.session() as s:
            r, result = self._done(s, rid)
            found = machine_flags(result).get(flag_id)
            if found is None:
                hint = (" (an added flag is withdrawn with DELETE, not judged)"
                        if flag_id.endswith(":added") else "")
                raise ReviewError(422, f"unknown flag_id {flag_id!r}: recording {rid} has no "
                                       f"such flag{hint}")
            i, f = found
            text = result["utterances"][i].get("text", "")
            row = Verdict(recording_id=rid, flag_id=flag_id, utterance=i, ref=f["ref"],
                          kind=f["kind"], verdict=verdict, comment=comment, reviewer=reviewer,
                          created_at=utcnow(), text=text, matched=f.get("matched", ""),
                          standard=f.get("standard", ""))
            out = self._commit(s, r, result, row)
        log.info("verdict %s on %s of %s by %s", verdict, flag_id, rid, reviewer)
        return out

    def add(self, rid: str, *, utterance: int, ref: str, comment: str | None,
            reviewer: str) -> dict[str, Any]:
        """Add a flag the machine missed on an utterance (``ref`` of the running bank)."""
        bank = self._analyzer().bank
        entry = bank.entry(ref)
        if entry is not None:
            kind = entry.kind
        elif ref == "8.0" and bank.lexicon:
            kind = "taboo"
        else:
            raise ReviewError(422, f"ref {ref!r} is not in the running phrasebank "
                                   f"({bank.version})")
        standard = bank.standard_text(ref)
        with self._lock, self.db.session() as s:
            r, result = self._done(s, rid)
            utts = result.get("utterances") or []
            if not 0 <= utterance < len(utts):
                raise ReviewError(422, f"utterance {utterance} does not exist: recording "
                                       f"{rid} has {len(utts)} utterances (0-{len(utts) - 1})")
            same = [fid for fid, (i, f) in machine_flags(result).items()
                    if i == utterance and f["ref"] == ref]
            if same:
                raise ReviewError(422, f"utterance {utterance} already has a machine flag "
                                       f"{ref} (flag_id {same[0]!r}): confirm it instead")
            text = utts[utterance].get("text", "")
            row = Verdict(recording_id=rid, flag_id=f"{utterance}:{ref}:added",
                          utterance=utterance, ref=ref, kind=kind, verdict="added",
                          comment=comment, reviewer=reviewer, created_at=utcnow(), text=text,
                          matched=text, standard=standard)
            out = self._commit(s, r, result, row)
        log.info("flag %s added on utterance %d of %s by %s", ref, utterance, rid, reviewer)
        return out

    def withdraw(self, rid: str, flag_id: str, reviewer: str) -> dict[str, Any]:
        """Withdraw the current verdict on a flag (a ``withdrawn`` row; history kept)."""
        with self._lock, self.db.session() as s:
            r, result = self._done(s, rid)
            cur = self._current(s, rid).get(flag_id)
            if cur is None:
                raise ReviewError(404, f"flag {flag_id!r} of recording {rid} has no verdict "
                                       "to withdraw")
            out = self._commit(s, r, result, self._withdrawal(cur, reviewer, utcnow()))
        log.info("verdict on %s of %s withdrawn by %s", flag_id, rid, reviewer)
        return out

    def swap_speakers(self, rid: str, reviewer: str) -> dict[str, Any]:
        """Swap the two speakers of a mono recording (the voices were told the wrong way
        round): its utterances are matched and scored again under the phrasebank it was
        analysed with (:func:`analyzer.speech.swap_speakers`; no audio, no model), its
        flags and machine score replaced. A current verdict on a machine flag that is gone
        is withdrawn (a ``withdrawn`` row by ``reviewer``: the history keeps it); added
        flags stay. Swapping again restores the speakers and the flags."""
        with self._lock, self.db.session() as s:
            r, result = self._done(s, rid)
            an = self._analyzer_for(result.get("phrasebank_version"))
            try:
                new = swap_speakers(an, result, scenario=r.scenario)
            except ValueError as exc:  # a stereo call
                raise ReviewError(409, f"recording {rid}: {exc}") from None
            at = utcnow()
            new["speaker_attribution"].update(swapped_by=reviewer, swapped_at=iso_utc(at))
            flags = machine_flags(new)
            gone = [v for v in self._current(s, rid).values()
                    if v.verdict != "added" and v.flag_id not in flags]
            s.add_all(self._withdrawal(v, reviewer, at, "说话人已对调,原标记不再存在")
                      for v in gone)
            for column, value in result_columns(new).items():
                setattr(r, column, value)
            store_flags(s, rid, new)
            reviewed = self._refresh(s, r, new, at)
            out = {"review": review_dict(r), "reviewed": reviewed,
                   "speaker_attribution": new["speaker_attribution"],
                   "score": new.get("score"), "withdrawn": [v.flag_id for v in gone]}
        log.info("speakers of %s swapped by %s (%d verdicts withdrawn)", rid, reviewer,
                 len(gone))
        return out

    # -- export and precision --------------------------------------------------------------
    def export_page(self, f: ExportFilter, after: int = 0,
                    limit: int = 500) -> list[dict[str, Any]]:
        """Current verdicts (not withdrawn) with ``id > after``, oldest first, one page."""
        conds = [Verdict.id > after, Verdict.verdict != "withdrawn", _newest(),
                 *_window(Verdict.created_at, f.since, f.until, Recording.agent_id,
                          f.agent_id)]
        if f.ref is not None:
            conds.append(Verdict.ref == f.ref)
        if f.recording_id is not None:
            conds.append(Verdict.recording_id == f.recording_id)
        with self.db.session() as s:
            rows = s.execute(select(Verdict, Recording)
                             .join(Recording, Recording.id == Verdict.recording_id)
                             .where(*conds).order_by(Verdict.id).limit(limit))
            return [verdict_dict(v, r) for v, r in rows]

    def precision(self, f: PrecisionFilter) -> dict[str, Any]:
        """Per ref: machine flags on done recordings, their current verdicts, the flags
        added by reviewers, and precision = confirmed / (confirmed + rejected)."""
        rec = [Recording.status == "done",
               *_window(Recording.created_at, f.since, f.until, Recording.agent_id,
                        f.agent_id)]
        counts: dict[str, dict[str, Any]] = {}

        def row(ref: str, kind: str) -> dict[str, Any]:
            return counts.setdefault(ref, {"ref": ref, "kind": kind, "flagged": 0,
                                           "confirmed": 0, "rejected": 0, "added": 0})

        with self.db.session() as s:
            for ref, kind, n in s.execute(
                    select(RecordingFlag.ref, RecordingFlag.kind, func.count())
                    .join(Recording, Recording.id == RecordingFlag.recording_id)
                    .where(*rec).group_by(RecordingFlag.ref, RecordingFlag.kind)):
                row(ref, kind)["flagged"] += int(n)
            for ref, kind, verdict, n in s.execute(
                    select(Verdict.ref, Verdict.kind, Verdict.verdict, func.count())
                    .join(Recording, Recording.id == Verdict.recording_id)
                    .where(*rec, Verdict.verdict != "withdrawn", _newest())
                    .group_by(Verdict.ref, Verdict.kind, Verdict.verdict)):
                row(ref, kind)[verdict] += int(n)
        bank = self._analyzer().bank
        refs = []
        for ref in sorted(counts, key=_ref_key):
            c = counts[ref]
            entry = bank.entry(ref)
            refs.append(self._finish_counts({**c, "kind": entry.kind if entry else c["kind"],
                                             "standard": bank.standard_text(ref)}))
        total = self._finish_counts({k: sum(c[k] for c in counts.values()) for k in
                                     ("flagged", "confirmed", "rejected", "added")})
        return {"refs": refs, "total": total}

    @staticmethod
    def _finish_counts(c: dict[str, Any]) -> dict[str, Any]:
        judged = c["confirmed"] + c["rejected"]
        c["unreviewed"] = max(0, c["flagged"] - judged)
        c["precision"] = c["confirmed"] / judged if judged else None
        return c


    # -- suggestions for the phrasebank ------------------------------------------------------
    def feedback(self) -> list[Feedback]:
        """The current rejected and added verdicts, with what their analyses say of them
        (the utterance's speaker, the rejected flag's span and 8.0 kind)."""
        out: list[Feedback] = []
        with self.db.session() as s:
            rows = s.execute(select(Verdict, Recording)
                             .join(Recording, Recording.id == Verdict.recording_id)
                             .where(Verdict.verdict.in_(("rejected", "added")), _newest(),
                                    Recording.status == "done")
                             .order_by(Verdict.id))
            results: dict[str, dict[str, Any]] = {}
            for v, r in rows:
                if r.id not in results:
                    results[r.id] = json.loads(r.result or "{}")
                result = results[r.id]
                utts = result.get("utterances") or []
                speaker = utts[v.utterance].get("speaker", "unknown") \
                    if 0 <= v.utterance < len(utts) else "unknown"
                span, category = None, None
                if v.verdict == "rejected":
                    found = machine_flags(result).get(v.flag_id)
                    if found is not None:
                        span = (int(found[1]["span"][0]), int(found[1]["span"][1]))
                        category = found[1].get("category")
                out.append(Feedback(v.verdict, v.ref, v.text, speaker=speaker, span=span,
                                    category=category, where=f"{r.id} #{v.utterance}"))
        return out

    def stored_utterances(self, limit: int) -> list[tuple[str, str]]:
        """``(text, speaker)`` of the utterances of the newest finished recordings, at
        most ``limit`` of them."""
        out: list[tuple[str, str]] = []
        with self.db.session() as s:
            for (result,) in s.execute(select(Recording.result)
                                       .where(Recording.status == "done")
                                       .order_by(Recording.created_at.desc())):
                for u in json.loads(result or "{}").get("utterances") or []:
                    out.append((str(u.get("text", "")), str(u.get("speaker", "unknown"))))
                    if len(out) >= limit:
                        return out
        return out

    def suggestions(self, *, limit: int = 20,
                    max_utterances: int = 100_000) -> tuple[list[Suggestion], int]:
        """Suggestions for the running bank from the current verdicts, each tested on the
        stored utterances; and how many utterances that was. Kept until a verdict, a
        recording or the bank changes."""
        an = self._analyzer()
        with self.db.session() as s:
            stamp = (an.version, s.scalar(select(func.max(Verdict.id))),
                     s.scalar(select(func.count()).select_from(Recording)
                              .where(Recording.status == "done")), limit, max_utterances)
        with self._suggest_lock:
            if self._suggested is not None and self._suggested[0] == stamp:
                return self._suggested[1], self._suggested[2]
            utterances = self.stored_utterances(max_utterances)
            found = suggest(an, self.feedback(), utterances, source="asr", limit=limit)
            self._suggested = (stamp, found, len(utterances))
            return found, len(utterances)


def _window(at: Any, since: datetime | None, until: datetime | None, agent_col: Any,
            agent_id: str | None) -> list[Any]:
    """SQL conditions: ``since <= at < until`` and the agent, each when given."""
    conds = []
    if since is not None:
        conds.append(at >= since)
    if until is not None:
        conds.append(at < until)
    if agent_id is not None:
        conds.append(agent_col == agent_id)
    return conds
