"""Recordings: upload (streamed to disk, capped, probed, deduplicated, queued), status and
result (with flag ids, verdicts, the reviewed report and a signed audio link), listing
(filters, review state, sort, paging)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from python_multipart.multipart import MultipartParser, parse_options_header

from analyzer.errors import AnalysisError
from analyzer.fingerprint import recording_key
from phrasebank import CHANNELS, UnknownScenario

from ..deps import ServiceDep, require
from ..jobs import SORTS, ListFilter
from ..service import Service

__all__ = ["router", "UploadRejected"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["recordings"])

_FIELDS = ("scenario", "agent_channel", "agent_id", "external_id")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_CHUNK = 1 << 20

_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary",
                         "description": "The recording (any format FFmpeg reads)."},
                "scenario": {"type": "string", "description": "Phrasebank template; "
                             "inferred when not given."},
                "agent_channel": {"type": "string", "enum": ["left", "right"],
                                  "description": "Agent's channel of a stereo recording."},
                "agent_id": {"type": "string", "maxLength": 200},
                "external_id": {"type": "string", "maxLength": 200},
            }}}},
    }
}


class UploadRejected(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _Sink:
    """The file part: written to a temporary file while hashing; never whole in memory."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.size = 0
        self.sha = hashlib.sha256()
        self.fh = open(path, "wb")  # noqa: SIM115 - closed in close()

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise UploadRejected(413, f"the file is larger than the limit of "
                                      f"{self.limit // (1024 * 1024)} MB")
        self.sha.update(data)
        self.fh.write(data)

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.close()

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


async def _receive(request: Request, service: Service) -> tuple[_Sink, str, dict[str, str]]:
    """Parse the multipart body as it arrives; the file part goes to disk."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadRejected(415, "the body must be multipart/form-data with a 'file' part")
    limit = service.config.max_upload_mb * 1024 * 1024
    clen = request.headers.get("content-length")
    if clen and clen.isdigit() and int(clen) > limit + 64 * 1024:
        raise UploadRejected(413, f"the body is {int(clen)} bytes; the limit is "
                                  f"{service.config.max_upload_mb} MB")
    fields: dict[str, str] = {}
    state: dict[str, Any] = {"hname": b"", "hval": b"", "headers": {}, "name": None,
                             "filename": None, "buf": bytearray(), "file_seen": False}
    pending: list[bytes] = []
    sink: _Sink | None = None

    def on_part_begin() -> None:
        state.update(headers={}, name=None, filename=None, buf=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["hname"] += data[start:end]
        if len(state["hname"]) > 200:
            raise UploadRejected(400, "malformed multipart body: a part header is too long")

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["hval"] += data[start:end]
        if len(state["hval"]) > 4000:
            raise UploadRejected(400, "malformed multipart body: a part header is too long")

    def on_header_end() -> None:
        state["headers"][state["hname"].lower()] = state["hval"]
        state["hname"], state["hval"] = b"", b""

    def on_headers_finished() -> None:
        _, p = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["name"] = p.get(b"name", b"").decode("utf-8", "replace")
        fn = p.get(b"filename")
        state["filename"] = fn.decode("utf-8", "replace") if fn is not None else None
        if state["name"] == "file":
            if state["file_seen"]:
                raise UploadRejected(422, "give one 'file' part, not several")
            state["file_seen"] = True
            fields["__filename__"] = (state["filename"] or "upload")[:300]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["name"] == "file":
            pending.append(data[start:end])
        elif state["name"] in _FIELDS:
            state["buf"] += data[start:end]
            if len(state["buf"]) > 1000:
                raise UploadRejected(422, f"the field {state['name']!r} is too long")

    def on_part_end() -> None:
        if state["name"] in _FIELDS:
            try:
                fields[state["name"]] = state["buf"].decode("utf-8")
            except UnicodeDecodeError:
                raise UploadRejected(422, f"the field {state['name']!r} is not UTF-8") \
                    from None

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end})
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except UploadRejected:
                raise
            except Exception as exc:  # python-multipart's ParseError and friends
                raise UploadRejected(400, f"malformed multipart body: {exc}") from None
            if pending:
                if sink is None:
                    suffix = Path(fields.get("__filename__", "")).suffix.lower()
                    suffix = suffix if _SUFFIX.match(suffix) else ""
                    sink = _Sink(service.tmp_dir / f"{uuid.uuid4().hex}{suffix}", limit)
                data = b"".join(pending)
                pending.clear()
                await service.run(sink.write, data)
        try:
            parser.finalize()
        except Exception as exc:
            raise UploadRejected(400, f"malformed multipart body: {exc}") from None
        if not state["file_seen"]:
            raise UploadRejected(422, "the form needs a 'file' part")
        if sink is None:  # a file part with no bytes
            suffix = ""
            sink = _Sink(service.tmp_dir / f"{uuid.uuid4().hex}{suffix}", limit)
        await service.run(sink.close)
        return sink, fields.pop("__filename__", "upload"), fields
    except BaseException:
        if sink is not None:
            await service.run(sink.discard)
        raise


def _probe(path: Path, filename: str, max_seconds: float) -> Any:
    """The upload's audio, measured from its data (a fragment or a header alone is refused,
    and so is a recording over the duration limit), before it is stored or queued."""
    from analyzer.audio import probe

    try:
        return probe(path, measure=True, max_seconds=max_seconds)
    except AnalysisError as exc:
        msg = str(exc).replace(str(path), filename)
        if exc.kind in ("empty", "corrupt", "too_long"):
            raise UploadRejected(422, msg) from None
        raise UploadRejected(415, msg) from None


def _store(service: Service, sink: _Sink, sha: str, filename: str) -> str:
    suffix = sink.path.suffix  # the upload's own, vetted by _SUFFIX
    dest = service.audio_dir / sha[:2] / f"{sha}{suffix}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        sink.path.unlink(missing_ok=True)
    else:
        os.replace(sink.path, dest)
    return str(dest)


@router.post("/recordings", status_code=202, dependencies=[require("upload")],
             openapi_extra=_UPLOAD_SCHEMA,
             summary="Upload a recording; it is analysed by the job queue",
             responses={200: {"description": "The same file with the same options was "
                                             "uploaded before: that recording"},
                        202: {"description": "Accepted and queued: {id, status}"},
                        413: {"description": "Larger than HUASHU_MAX_UPLOAD_MB"},
                        415: {"description": "Not audio"},
                        422: {"description": "Empty or corrupt audio, or bad fields"}})
async def upload(request: Request, service: ServiceDep) -> JSONResponse:
    try:
        sink, filename, fields = await _receive(request, service)
        try:
            scenario = fields.get("scenario") or None
            agent_channel = fields.get("agent_channel") or "left"
            if agent_channel not in CHANNELS:
                raise UploadRejected(422, "agent_channel must be left or right")
            if scenario is not None:
                try:
                    service.analyzer.bank.require_template(scenario)
                except UnknownScenario as exc:
                    raise UploadRejected(422, str(exc)) from None
            for f in ("agent_id", "external_id"):
                if len(fields.get(f) or "") > 200:
                    raise UploadRejected(422, f"{f} is longer than 200 characters")
            if sink.size == 0:
                raise UploadRejected(422, f"{filename}: empty file (0 bytes)")
            info = await service.run(_probe, sink.path, filename,
                                     service.config.max_duration_s)
            sha = sink.sha.hexdigest()
            path = await service.run(_store, service, sink, sha, filename)
        except BaseException:
            await service.run(sink.discard)
            raise
    except UploadRejected as exc:
        service.metrics.uploads.labels(str(exc.status)).inc()
        raise HTTPException(exc.status, exc.detail) from None
    # the same bytes for another agent or call are another recording (not the old one with
    # its old agent)
    who = [fields.get("agent_id") or None, fields.get("external_id") or None]
    key = recording_key(sha, service.fingerprint(agent_channel), scenario,
                        recording=json.dumps(who) if any(who) else None)
    rec, created = await service.run(
        service.queue.submit, key=key, sha256=sha, path=path, filename=filename,
        size=sink.size, fmt=info.format, duration=info.duration, channels=info.channels,
        scenario=scenario, agent_channel=agent_channel,
        agent_id=fields.get("agent_id") or None, external_id=fields.get("external_id") or None)
    service.wake()
    service.metrics.uploads.labels("queued" if created else "duplicate").inc()
    if created:
        return JSONResponse({"id": rec["id"], "status": rec["status"]}, status_code=202)
    rec.pop("result", None)
    return JSONResponse({**rec, "duplicate": True},
                        status_code=202 if rec["status"] == "queued" else 200)


@router.get("/recordings/{recording_id}", dependencies=[require("upload", "review")],
            summary="A recording's status, and its analysis when done",
            description="Every recording carries `review` (state, machine and reviewed "
                        "score) and `audio_url` (a signed link for an `<audio>` element, "
                        "valid HUASHU_AUDIO_LINK_S). When done, `result` has every utterance's "
                        "`index` and every flag's `id` and current `verdict`; `reviewed` is "
                        "the adherence report recomputed from the reviewed flags and `added` "
                        "the flags reviewers added.")
async def get_recording(recording_id: str, service: ServiceDep) -> JSONResponse:
    if not re.fullmatch(r"[0-9a-f]{32}", recording_id):
        raise HTTPException(404, f"no recording {recording_id!r}")
    rec = await service.run(service.reviews.recording, recording_id)
    if rec is None:
        raise HTTPException(404, f"no recording {recording_id!r}")
    rec["audio_url"] = (f"/v1/recordings/{recording_id}/audio"
                        f"?sig={service.signer.sign(recording_id)}")
    return JSONResponse(rec)


SortKey = Literal["created_at", "-created_at", "score", "-score", "duration", "-duration",
                  "violations", "-violations", "agent_id", "-agent_id", "reviewed_score",
                  "-reviewed_score"]
assert {s.lstrip("-") for s in SortKey.__args__} == set(SORTS)  # type: ignore[attr-defined]


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


@router.get("/recordings", dependencies=[require("review")],
            summary="List recordings (newest first by default), with filters, sort and paging")
async def list_recordings(
        service: ServiceDep,
        agent_id: Annotated[str | None, Query(max_length=200)] = None,
        external_id: Annotated[str | None, Query(max_length=200)] = None,
        status: Literal["queued", "running", "done", "failed"] | None = None,
        since: Annotated[datetime | None, Query(description="Uploaded at or after")] = None,
        until: Annotated[datetime | None, Query(description="Uploaded before")] = None,
        has_violations: bool | None = None,
        review_state: Literal["unreviewed", "partial", "reviewed"] | None = None,
        unreviewed: Annotated[bool | None, Query(
            description="true: review state is not 'reviewed'; false: it is")] = None,
        sort: Annotated[SortKey, Query(
            description="Column to sort by; '-' first for descending")] = "-created_at",
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> JSONResponse:
    try:
        f = ListFilter(agent_id=agent_id, external_id=external_id, status=status,
                       since=_utc(since), until=_utc(until), has_violations=has_violations,
                       review_state=review_state, unreviewed=unreviewed, sort=sort,
                       limit=limit, offset=offset)
    except (ValueError, OverflowError) as exc:
        raise HTTPException(422, str(exc)) from None
    return JSONResponse(await service.run(service.queue.list, f))
