"""Done recordings put into a service's database through the real code paths (the job
queue's ``submit`` → ``claim`` → ``finish``), with results scored by the real analyzer, for the
review page's tests and ``bench/review_bench.py``.

Call these before the server starts (as ``Server.make_keys`` does): a running server's worker
would otherwise claim the queued row and analyse the audio itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HUASHU_SHARED", ROOT.parent / "shared"))
AUDIO = ROOT / "tests" / "fixtures" / "audio" / "taboo_agent_right.wav"

__all__ = ["dialogue_turns", "result_for", "insert_done", "AUDIO"]


def dialogue_turns(n: int, *, seconds: float = 1800.0) -> list[Any]:
    """``n`` turns from the shared dev dialogues, repeated in order, timed over ``seconds``
    (an utterance's length in proportion to its text, with pauses between)."""
    from analyzer.adherence import Turn

    rows = [json.loads(x) for x in (SHARED / "corpus" / "dev_dialogues.jsonl")
            .read_text(encoding="utf-8").splitlines() if x.strip()]
    base = [(t["speaker"], t["text"]) for d in rows for t in d["turns"]]
    if not base:
        raise RuntimeError("no dialogue turns in the shared corpus")
    picked = [base[i % len(base)] for i in range(n)]
    weights = [len(text) + 4 for _, text in picked]  # +4: a pause's worth
    scale = seconds / sum(weights)
    turns, t = [], 0.0
    for (speaker, text), w in zip(picked, weights, strict=True):
        dur = w * scale
        turns.append(Turn(speaker=speaker, text=text, start=round(t, 2),
                          end=round(t + dur * 0.8, 2)))
        t += dur
    return turns


def result_for(analyzer: Any, turns: list[Any], *, scenario: str | None = None,
               source: str = "synthetic.wav") -> dict[str, Any]:
    """The service's result JSON for ``turns`` (the shape of ``RecordingResult.to_dict``),
    flags and adherence from ``Analyzer.score``."""
    report = analyzer.score(turns, scenario=scenario)
    rep = report.to_dict()
    utterances = [{"start": t.start, "end": t.end, "speaker": t.speaker,
                   "channel": 0 if t.speaker == "agent" else 1, "text": t.text,
                   "confidence": 0.9, "flags": rt["flags"]}
                  for t, rt in zip(turns, report.turns, strict=True)]
    duration = max((t.end or 0.0) for t in turns) + 1.0 if turns else 0.0
    return {"source": source, "duration": round(duration, 3), "channels": 2,
            "scenario": rep["scenario"], "speakers": "stereo", "utterances": utterances,
            "score": rep["score"], "missing": rep["missing"], "violations": rep["violations"],
            "deductions": rep["deductions"], "steps": rep["steps"],
            "triggers": rep["triggers"], "out_of_order": rep["out_of_order"],
            "model": "synthetic", "phrasebank_version": rep["phrasebank_version"],
            "options": {"analyzer": rep["options"]}, "timing": {}}


def insert_done(data_dir: Path, result: dict[str, Any], *, filename: str,
                agent_id: str | None = None, scenario: str | None = None,
                created_at: datetime | None = None, audio: Path = AUDIO,  # aware, UTC
                database_url: str | None = None) -> str:
    """Queue a recording and finish it with ``result`` as a worker would; its id."""
    from sqlalchemy import update

    from api.db import Database
    from api.jobs import JobQueue
    from api.models import Recording
    from huashu.config import ServiceSettings

    settings = ServiceSettings(data_dir=data_dir, database_url=database_url)
    db = Database.from_settings(settings)
    try:
        q = JobQueue(db, worker="seed")
        sha = hashlib.sha256(f"{filename}\0{agent_id}\0{created_at}".encode()).hexdigest()
        rec, created = q.submit(
            key=sha, sha256=sha, path=str(audio), filename=filename,
            size=audio.stat().st_size, fmt="wav", duration=float(result["duration"]),
            channels=2, scenario=scenario, agent_channel="left", agent_id=agent_id)
        if not created:
            raise RuntimeError(f"{filename}: a recording with these options exists")
        job = q.claim()
        if job is None or job.id != rec["id"]:
            raise RuntimeError("another queued job was claimed: seed before the server starts")
        if not q.finish(job.id, result):
            raise RuntimeError("the seeded job could not be finished")
        if created_at is not None:
            with db.session() as s:
                s.execute(update(Recording).where(Recording.id == job.id)
                          .values(created_at=created_at))
        return job.id
    finally:
        db.dispose()
