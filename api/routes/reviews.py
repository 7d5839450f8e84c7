"""Reviews: verdicts on a recording's flags (confirm, reject, add a missed one, withdraw),
their history, the export (CSV / JSON Lines, streamed), the precision report per ref, and
the recording's audio for the page's player (signed links, byte ranges)."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, BinaryIO, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..audio import RangeError, parse_range, playable
from ..deps import ServiceDep, authenticate, require
from ..reviews import EXPORT_FIELDS, ExportFilter, PrecisionFilter, ReviewError
from ..service import Service

__all__ = ["router", "JudgeIn", "AddIn"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["reviews"])

_RID = r"^[0-9a-f]{32}$"
_PAGE = 500
_CHUNK = 256 * 1024


def _text_ok(v: str | None, name: str) -> str | None:
    if v is None:
        return None
    if "\x00" in v:
        raise ValueError(f"{name} holds a NUL character")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} holds an unpaired UTF-16 surrogate at character "
                         f"{exc.start}") from None
    return v


class JudgeIn(BaseModel):
    """Confirm or reject a machine flag."""

    model_config = ConfigDict(extra="forbid")
    verdict: Literal["confirmed", "rejected"]
    flag_id: str = Field(min_length=1, max_length=100,
                         description="The flag's `id` in GET /v1/recordings/{id}: "
                                     "`<utterance>:<ref>:<span start>`.")
    comment: str | None = Field(default=None, max_length=2000)

    @field_validator("comment", "flag_id")
    @classmethod
    def _clean(cls, v: str | None, info: Any) -> str | None:
        return _text_ok(v, info.field_name)


class AddIn(BaseModel):
    """Add a flag the machine missed on an utterance."""

    model_config = ConfigDict(extra="forbid")
    verdict: Literal["added"]
    utterance: int = Field(ge=0, le=10_000_000, description="The utterance's `index`.")
    ref: str = Field(min_length=1, max_length=20,
                     description="A ref of the running phrasebank, e.g. 8.3.")
    comment: str | None = Field(default=None, max_length=2000)

    @field_validator("comment", "ref")
    @classmethod
    def _clean(cls, v: str | None, info: Any) -> str | None:
        return _text_ok(v, info.field_name)


VerdictIn = Annotated[JudgeIn | AddIn, Field(discriminator="verdict")]


def _rid(recording_id: str) -> str:
    if not re.fullmatch(_RID, recording_id):
        raise HTTPException(404, f"no recording {recording_id!r}")
    return recording_id


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _range_ok(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and since > until:
        raise HTTPException(422, "since is after until")


def _no_nul(**values: str | None) -> None:
    for name, v in values.items():
        if v is not None and "\x00" in v:
            raise HTTPException(422, f"{name} holds a NUL character")


async def _call(service: Service, fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return await service.run(fn, *args, **kw)
    except ReviewError as exc:
        raise HTTPException(exc.status, exc.detail) from None


_VERDICT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "{review, reviewed, verdict}: the recording's review, its "
                         "reviewed report and the verdict row"},
    404: {"description": "No such recording (or, on DELETE, no verdict on that flag)"},
    409: {"description": "The recording is not analysed yet (or failed)"},
    422: {"description": "Unknown flag_id, unknown ref, bad verdict, comment too long"},
}


@router.post("/recordings/{recording_id}/verdicts", dependencies=[require("review")],
             summary="Confirm or reject a flag, or add a missed one",
             responses=_VERDICT_RESPONSES)
async def post_verdict(request: Request, recording_id: str, service: ServiceDep,
                       body: Annotated[VerdictIn, Body()]) -> JSONResponse:
    """The newest verdict on a flag replaces the previous one (which stays in the history).
    ``{"flag_id", "verdict": "confirmed"|"rejected", "comment"?}`` judges a machine flag;
    ``{"utterance", "ref", "verdict": "added", "comment"?}`` adds a missed one (its flag id
    is ``<utterance>:<ref>:added``)."""
    rid = _rid(recording_id)
    who = request.state.key_name
    comment = body.comment or None
    if isinstance(body, AddIn):
        out = await _call(service, service.reviews.add, rid, utterance=body.utterance,
                          ref=body.ref, comment=comment, reviewer=who)
    else:
        out = await _call(service, service.reviews.judge, rid, flag_id=body.flag_id,
                          verdict=body.verdict, comment=comment, reviewer=who)
    return JSONResponse(out)


@router.delete("/recordings/{recording_id}/verdicts/{flag_id}",
               dependencies=[require("review")], summary="Withdraw the verdict on a flag",
               responses=_VERDICT_RESPONSES)
async def delete_verdict(request: Request, recording_id: str, service: ServiceDep,
                         flag_id: Annotated[str, Path(max_length=100)]) -> JSONResponse:
    """Withdraws the current verdict on ``flag_id`` (URL-encoded), or an added flag: the
    flag is back to the machine's say. The withdrawal is a row of the history."""
    rid = _rid(recording_id)
    _no_nul(flag_id=flag_id)
    out = await _call(service, service.reviews.withdraw, rid, flag_id,
                      request.state.key_name)
    return JSONResponse(out)


@router.post("/recordings/{recording_id}/speakers/swap", dependencies=[require("review")],
             summary="Swap the two speakers of a mono recording (and score it again)",
             responses={
                 200: {"description": "{review, reviewed, speaker_attribution, score, "
                                      "withdrawn}: the review after the swap, the flag ids "
                                      "whose verdicts were withdrawn"},
                 404: {"description": "No such recording"},
                 409: {"description": "Not analysed yet, failed, or stereo (its speakers "
                                      "are its channels)"}})
async def swap_speakers(request: Request, recording_id: str,
                        service: ServiceDep) -> JSONResponse:
    """For a mono recording whose two voices were told the wrong way round: every agent
    utterance becomes the customer's and back, the words are matched and the recording
    scored again (the machine score changes; no audio is decoded again). Verdicts on
    flags that are gone are withdrawn (kept in the history). Swapping again restores it."""
    rid = _rid(recording_id)
    out = await _call(service, service.reviews.swap_speakers, rid, request.state.key_name)
    return JSONResponse(out)


@router.get("/recordings/{recording_id}/verdicts", dependencies=[require("review")],
            summary="Every verdict row of a recording, oldest first (the history)")
async def verdict_history(recording_id: str, service: ServiceDep) -> JSONResponse:
    rid = _rid(recording_id)
    rows = await service.run(service.reviews.history, rid)
    if rows is None:
        raise HTTPException(404, f"no recording {rid!r}")
    return JSONResponse({"items": rows})


# -- export and precision ------------------------------------------------------------------
def _csv(rows: list[dict[str, Any]], header: bool = False) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, extrasaction="ignore",
                       lineterminator="\r\n")
    if header:
        w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


@router.get("/reviews", dependencies=[require("review")],
            summary="Export the current verdicts (CSV or JSON Lines, streamed)",
            response_class=StreamingResponse,
            responses={200: {"description": "One row per current verdict, oldest first",
                             "content": {"application/x-ndjson": {},
                                         "text/csv": {}}}})
async def export(
        service: ServiceDep,
        format: Literal["jsonl", "csv"] = "jsonl",  # noqa: A002 - the query's name
        since: Annotated[datetime | None, Query(description="Verdict given at or after")] = None,
        until: Annotated[datetime | None, Query(description="Verdict given before")] = None,
        agent_id: Annotated[str | None, Query(max_length=200)] = None,
        ref: Annotated[str | None, Query(max_length=20)] = None,
        recording_id: Annotated[str | None, Query(pattern=_RID)] = None,
) -> StreamingResponse:
    """Columns (CSV header, JSON keys): id, recording_id, flag_id, utterance, ref, kind,
    verdict, comment, reviewer, at, machine_score, reviewed_score, agent_id, text, matched,
    standard. Withdrawn verdicts are left out; ``since``/``until`` are the verdict's time."""
    _no_nul(agent_id=agent_id, ref=ref)
    since, until = _utc(since), _utc(until)
    _range_ok(since, until)
    f = ExportFilter(since=since, until=until, agent_id=agent_id, ref=ref,
                     recording_id=recording_id)
    # The first page is read before the response starts: a failure is a clean error.
    first = await service.run(service.reviews.export_page, f, 0, _PAGE)

    async def body() -> AsyncIterator[bytes]:
        page = first
        if format == "csv":
            yield _csv([], header=True)
        while page:
            yield _csv(page) if format == "csv" else _jsonl(page)
            if len(page) < _PAGE:
                break
            page = await service.run(service.reviews.export_page, f, page[-1]["id"], _PAGE)

    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    name = f"huashu-reviews.{format}"
    return StreamingResponse(body(), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "Cache-Control": "no-store"})


@router.get("/reviews/precision", dependencies=[require("review")],
            summary="How often reviewers confirm each ref's flags")
async def precision(
        service: ServiceDep,
        since: Annotated[datetime | None, Query(description="Recording uploaded at or "
                                                            "after")] = None,
        until: Annotated[datetime | None, Query(description="Recording uploaded before")] = None,
        agent_id: Annotated[str | None, Query(max_length=200)] = None) -> JSONResponse:
    """Per ref: ``flagged`` (machine flags on done recordings), ``confirmed``, ``rejected``,
    ``unreviewed`` (flagged without a verdict), ``added`` (missed flags reviewers added) and
    ``precision`` = confirmed / (confirmed + rejected), null when none was judged; ``total``
    sums them."""
    _no_nul(agent_id=agent_id)
    since, until = _utc(since), _utc(until)
    _range_ok(since, until)
    f = PrecisionFilter(since=since, until=until, agent_id=agent_id)
    return JSONResponse(await service.run(service.reviews.precision, f))


@router.get("/reviews/suggestions", dependencies=[require("review")],
            summary="Phrasebank changes that reviewers' verdicts suggest, each tested")
async def suggestions(
        service: ServiceDep,
        limit: Annotated[int, Query(ge=1, le=50, description="At most this many, most "
                                                            "asked-for first")] = 20) -> JSONResponse:
    """From the current ``rejected`` verdicts, a *guard* (the words around the finding: a
    look-alike); from the ``added`` ones, a *variant* of the line (the utterance's words).
    Each is tried on the stored utterances with a bank that holds it: ``test.adds`` and
    ``test.removes`` count the utterances that would gain or lose a flag of its line (with
    examples), ``test.fixes`` says whether it does what the reviewer asked. An admin key
    installs one with ``POST /v1/phrasebank/suggestions/{id}/apply``."""
    found, tested_on = await service.run(service.reviews.suggestions, limit=limit)
    return JSONResponse({"phrasebank_version": service.analyzer.version,
                         "tested_on": tested_on,
                         "suggestions": [s.to_dict() for s in found]})


# -- audio ---------------------------------------------------------------------------------
async def _audio_access(request: Request, service: Service, rid: str,
                        sig: str | None) -> None:
    """A Bearer key (upload or review scope) or a valid ``sig`` for this recording."""
    if request.headers.get("authorization") or sig is None:
        info = await authenticate(service, request.headers.get("authorization"))
        if not (info.allows("upload") or info.allows("review")):
            raise HTTPException(403, "this key lacks the upload or review scope")
        return
    why = service.signer.verify(rid, sig)
    if why is not None:
        raise HTTPException(403, f"the audio link is {why}: reload the recording for a "
                                 "new one")


def _open_binary(path: Any) -> BinaryIO:
    return open(path, "rb")  # noqa: SIM115 - closed by the body's finally


@router.api_route("/recordings/{recording_id}/audio", methods=["GET", "HEAD"],
                  summary="The recording for a browser's player (byte ranges supported)",
                  response_class=Response,
                  responses={200: {"description": "The whole file",
                                   "content": {"audio/*": {}}},
                             206: {"description": "The requested byte range"},
                             401: {"description": "No key and no sig"},
                             403: {"description": "A bad or expired sig, or a key without "
                                                  "the scope"},
                             404: {"description": "No such recording"},
                             416: {"description": "A malformed or unsatisfiable Range"}})
async def audio(request: Request, recording_id: str, service: ServiceDep,
                sig: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """The original when browsers play its format (PCM WAV, MP3, Ogg, FLAC, AAC/M4A, WebM),
    else a WAV transcoded once and cached. Auth: ``Authorization: Bearer KEY``, or
    ``?sig=`` from the recording's ``audio_url``."""
    rid = _rid(recording_id)
    await _audio_access(request, service, rid, sig)
    src = await service.run(service.queue.audio_of, rid)
    if src is None:
        raise HTTPException(404, f"no recording {rid!r}")
    path, sha = src
    if not await service.run(os.path.isfile, path):
        raise HTTPException(404, f"the audio of recording {rid} is no longer stored")
    play = await service.run(playable, path, sha, service.audio_cache_dir)
    size = (await service.run(play.path.stat)).st_size
    etag = f'"{sha[:32]}{"-wav" if play.transcoded else ""}"'
    headers = {"Accept-Ranges": "bytes", "ETag": etag, "Cache-Control": "private, max-age=3600",
               "Content-Type": play.media_type}
    rng_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        rng_header = None  # the client's copy is another file: send it whole
    try:
        rng = parse_range(rng_header, size)
    except RangeError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=416,
                            headers={"Content-Range": f"bytes */{size}",
                                     "Accept-Ranges": "bytes"})
    first, last = rng if rng is not None else (0, size - 1)
    length = last - first + 1
    headers["Content-Length"] = str(length)
    status = 200
    if rng is not None:
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)

    async def body() -> AsyncIterator[bytes]:
        fh = await service.run(_open_binary, play.path)
        try:
            await service.run(fh.seek, first)
            left = length
            while left > 0:
                chunk = await service.run(fh.read, min(_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
        finally:
            fh.close()

    return StreamingResponse(body(), status_code=status, headers=headers,
                             media_type=play.media_type)
