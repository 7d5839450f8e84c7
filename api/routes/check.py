"""Real time: ``POST /v1/check``, ``GET /v1/calls/{call_id}``, ``WS /v1/stream``."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import orjson
from fastapi import (
    APIRouter,
    HTTPException,
    Path,
    Query,
    Request,
    WebSocket,
    WebSocketDisconnect,
)
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.routing import Route

from phrasebank import SOURCES, SPEAKERS, Source, Speaker, UnknownScenario

from ..deps import ServiceDep, admit, authenticate, require
from ..service import Service

__all__ = ["CheckIn", "CheckOut", "CheckEndpoint", "check_openapi", "hot_route", "router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["real time"])

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class CheckIn(BaseModel):
    """One utterance to check."""

    text: str = Field(description="What was said (at most HUASHU_MAX_TEXT_CHARS characters).")
    speaker: Speaker = Field(default="agent", description="Who said it.")
    source: Source = Field(
        default="typed",
        description="Where the text came from: typed (matched as written: a look-alike such "
                    "as 他妈妈 or 去世 is no finding), asr (a recogniser's output: homophones "
                    "match), auto (unknown).")
    call_id: str | None = Field(default=None, min_length=1, max_length=200,
                                description="Keep this utterance in a conversation; "
                                            "GET /v1/calls/{call_id} scores it so far.")
    scenario: str | None = Field(default=None, max_length=100,
                                 description="The conversation's scenario (a phrasebank "
                                             "template); inferred when not given.")
    meaning: bool = Field(
        default=False,
        description="Also read it by meaning (a sentence model: ~30 ms more, on the service's "
                    "executor): uncivil speech in words no rule lists (8.0, category "
                    "'meaning', with the nearest uncivil example as similar_to) and script "
                    "lines said in other words. Taboo and discipline lines said in words no "
                    "rule lists are read by their wording in any case (category 'wording', "
                    "with the nearest labelled sentence as similar_to; no sentence model).")


class FlagOut(BaseModel):
    ref: str
    kind: str
    score: float
    span: list[int]
    matched: str
    standard: str
    model_config = {"extra": "allow"}


class CheckOut(BaseModel):
    flags: list[FlagOut]
    phrasebank_version: str
    call_id: str | None = None


class Rejected(ValueError):
    """Input the analyzer cannot take; the message is for the client."""


def _validate(service: Service, text: Any, speaker: Any, call_id: Any,
              scenario: Any, source: Any = "typed", meaning: Any = False) -> None:
    if not isinstance(text, str):
        raise Rejected("'text' must be a string")
    if len(text) > service.config.max_text_chars:
        raise Rejected(f"'text' is {len(text)} characters; at most "
                       f"{service.config.max_text_chars} are accepted")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Rejected("'text' holds an unpaired UTF-16 surrogate "
                       f"at character {exc.start}") from None
    if speaker not in SPEAKERS:
        raise Rejected(f"'speaker' must be one of {', '.join(SPEAKERS)}")
    if source not in SOURCES:
        raise Rejected(f"'source' must be one of {', '.join(SOURCES)}")
    if not isinstance(meaning, bool):
        raise Rejected("'meaning' must be true or false")
    if call_id is not None and (not isinstance(call_id, str) or not 0 < len(call_id) <= 200):
        raise Rejected("'call_id' must be a string of 1 to 200 characters")
    if scenario is not None:
        try:
            service.analyzer.bank.require_template(scenario)
        except UnknownScenario as exc:
            raise Rejected(str(exc)) from None


async def _check(service: Service, text: str, speaker: str, call_id: str | None,
                 scenario: str | None, via: str, source: str = "typed",
                 meaning: bool = False) -> dict[str, Any]:
    an = service.analyzer
    try:
        if meaning:  # the sentence model would hold the loop: always on the executor
            flags = await service.run_batched(an.check, text, speaker=speaker, source=source,
                                              semantic=True)
        elif len(text) <= service.config.inline_check_chars:
            # A short check costs less than the hand-off to the executor, and under load the
            # hand-offs' batches served clients unevenly: 200 clients, p50 26 ms but p90
            # 104 ms; checked here, p50 34 ms and p90 37 ms at the same throughput
            # (bench/api_bench.py). A long text would hold the loop: it goes to the executor.
            flags = an.check(text, speaker=speaker, source=source)
        else:
            flags = await service.run_batched(an.check, text, speaker=speaker, source=source)
    except ValueError as exc:
        raise Rejected(str(exc)) from None
    service.metrics.checked(via)
    if call_id is not None:
        service.add_turn(call_id, scenario, speaker, text, source)
    out: dict[str, Any] = {"flags": [f.to_dict() for f in flags],
                           "phrasebank_version": an.version}
    if call_id is not None:
        out["call_id"] = call_id
    return out


async def _answer_check(request: Request) -> dict[str, Any]:
    """The answer to ``POST /v1/check`` (a :class:`CheckIn` body): it reads and validates the
    body itself (``_validate`` checks every field ``CheckIn`` declares); HTTPException for a
    bad request."""
    await admit(request, ("check",))
    service: Service = request.app.state.service
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise HTTPException(422, f"malformed JSON: {exc}") from None
    if not isinstance(body, dict):
        raise HTTPException(422, "the body must be a JSON object")
    if "text" not in body:
        raise HTTPException(422, "'text' is required")
    text, speaker = body["text"], body.get("speaker", "agent")
    call_id, scenario = body.get("call_id"), body.get("scenario")
    source, meaning = body.get("source", "typed"), body.get("meaning", False)
    try:
        _validate(service, text, speaker, call_id, scenario, source, meaning)
        return await _check(service, text, speaker, call_id, scenario, "http", source, meaning)
    except Rejected as exc:
        raise HTTPException(422, str(exc)) from None


class CheckEndpoint:
    """``POST /v1/check`` as a plain ASGI endpoint: the service's hot path.

    FastAPI's route machinery (request wrapper, dependency solving, pydantic parsing,
    response classes) cost more than the check itself. Measured with bench/api_bench.py,
    32 keep-alive clients on 2 cores: as a FastAPI route 3,360 requests/s, with its body read
    by hand 4,640, as this endpoint 6,600 (a bare FastAPI route returning a constant: 10,800
    in the same run). It is documented in the OpenAPI document by
    :func:`api.main.create_app` (CheckIn in, CheckOut out). A class, because Starlette
    wraps a plain function as request -> response."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope.setdefault("route", hot_route)  # FastAPI's router names only its own routes
        status, extra = 200, []
        try:
            body = orjson.dumps(await _answer_check(Request(scope, receive)))
        except HTTPException as exc:
            status = exc.status_code
            body = orjson.dumps({"detail": exc.detail})
            extra = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                     for k, v in (exc.headers or {}).items()]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *extra]})
        await send({"type": "http.response.body", "body": body})


hot_route = Route("/v1/check", CheckEndpoint(), methods=["POST"])
"""Mounted ahead of the FastAPI routes by :func:`api.main.create_app`."""


def check_openapi() -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI path item of ``POST /v1/check`` and the schemas it names (FastAPI
    documents only its own routes)."""
    ref = "#/components/schemas/{model}"
    schemas: dict[str, Any] = {}
    for model in (CheckIn, CheckOut):
        doc = model.model_json_schema(ref_template=ref)
        schemas.update(doc.pop("$defs", {}))
        schemas[model.__name__] = doc
    error = {"description": "A bad body: the detail names the problem", "content": {
        "application/json": {"schema": {"type": "object", "properties": {
            "detail": {"type": "string"}}}}}}
    item = {"post": {
        "tags": ["real time"], "operationId": "check_v1_check_post",
        "summary": "Flag one utterance (taboos, discipline, script lines)",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": ref.format(model="CheckIn")}}}},
        "responses": {
            "200": {"description": "The utterance's flags", "content": {"application/json": {
                "schema": {"$ref": ref.format(model="CheckOut")}}}},
            "413": {"description": "The body is over the size limit"},
            "422": error,
            "429": {"description": "The key is over its rate limit"}}}}
    return item, schemas


async def _report(service: Service, call_id: str) -> dict[str, Any]:
    conv = service.calls.get(call_id)
    if conv is None:
        raise HTTPException(404, f"no conversation {call_id!r} (unknown, or dropped as the "
                                 "least recently used)")
    turns = list(conv.turns)
    try:
        report = await service.run(service.analyzer.score, turns, scenario=conv.scenario,
                                   source=conv.source)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"call_id": call_id, "utterances": len(turns), **report.to_dict()}


@router.get("/calls/{call_id}", dependencies=[require("check", "review")],
            summary="The running adherence report of a conversation")
async def call_report(call_id: Annotated[str, Path(min_length=1, max_length=200)],
                      service: ServiceDep) -> JSONResponse:
    return JSONResponse(await _report(service, call_id))


@router.delete("/calls/{call_id}", dependencies=[require("check")], status_code=204,
               summary="Forget a conversation (the call ended)")
async def end_call(call_id: Annotated[str, Path(min_length=1, max_length=200)],
                   service: ServiceDep) -> None:
    if service.calls.pop(call_id, None) is None:
        raise HTTPException(404, f"no conversation {call_id!r}")


@router.websocket("/stream")
async def stream(ws: WebSocket, call_id: Annotated[str | None, Query(max_length=200)] = None,
                 scenario: Annotated[str | None, Query(max_length=100)] = None) -> None:
    """One JSON message per utterance ``{"text","speaker","source"?,"call_id"?,"scenario"?,
    "meaning"?,"id"?}``;
    each is answered at once with ``{"id","flags","phrasebank_version","call_id"}``.
    ``{"type":"report","call_id"?}`` answers the conversation's running report. Bad
    messages get ``{"error": …}`` and the stream goes on. Needs a ``check`` key in the
    handshake's ``Authorization`` header."""
    service: Service = ws.app.state.service
    try:
        info = await authenticate(service, ws.headers.get("authorization"))
        if not info.allows("check"):
            raise HTTPException(403, "this key lacks the check scope")
    except HTTPException as exc:
        await _deny(ws, exc.status_code, str(exc.detail))
        return
    await ws.accept()
    send = ws.send_text
    try:
        while True:
            raw = await ws.receive_text()
            mid = None
            try:
                try:
                    msg = json.loads(raw)
                except ValueError as exc:
                    raise Rejected(f"malformed JSON: {exc}") from None
                if not isinstance(msg, dict):
                    raise Rejected("a message must be a JSON object")
                mid = msg.get("id")
                wait = service.rate_limiter.take(info.id)
                if wait > 0:
                    raise Rejected(f"over the key's rate limit of "
                                   f"{service.config.rate_limit_per_s:g} messages/s: retry in "
                                   f"{wait:.2f} s")
                cid = msg.get("call_id", call_id)
                scen = msg.get("scenario", scenario)
                if msg.get("type") == "report":
                    if not isinstance(cid, str):
                        raise Rejected("a report needs a call_id")
                    try:
                        out = await _report(service, cid)
                    except HTTPException as exc:
                        raise Rejected(str(exc.detail)) from None
                else:
                    speaker = msg.get("speaker", "agent")
                    source, meaning = msg.get("source", "typed"), msg.get("meaning", False)
                    _validate(service, msg.get("text"), speaker, cid, scen, source, meaning)
                    out = await _check(service, msg["text"], speaker, cid, scen, "ws", source,
                                       meaning)
                if mid is not None:
                    out["id"] = mid
                service.metrics.ws_messages.inc()
                await send(_ENCODE(out))
            except Rejected as exc:
                await send(_ENCODE({"id": mid, "error": str(exc)}))
    except WebSocketDisconnect:
        return


async def _deny(ws: WebSocket, status: int, detail: str) -> None:
    """Refuse the handshake with an HTTP status when the server can, else close 1008."""
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(JSONResponse({"detail": detail}, status_code=status))
    else:
        await ws.close(code=1008, reason=detail[:120])
