"""Phrasebank admin: read, install (validated; a bad bank changes nothing), test a candidate,
list the versions kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from phrasebank import PhrasebankError, Source, Speaker

from ..deps import ServiceDep, require

__all__ = ["router"]

router = APIRouter(prefix="/v1/phrasebank", tags=["phrasebank"],
                   dependencies=[require("admin")])

MAX_YAML = 5_000_000


class BankIn(BaseModel):
    yaml: str = Field(max_length=MAX_YAML, description="The whole phrasebank as YAML text.")


class TestText(BaseModel):
    text: str = Field(max_length=10_000)
    speaker: Speaker = "agent"
    source: Source = "typed"


class BankTest(BaseModel):
    yaml: str | None = Field(default=None, max_length=MAX_YAML,
                             description="Candidate bank; the running one when omitted.")
    texts: list[TestText] = Field(default_factory=list, max_length=500)


def _rejected(exc: PhrasebankError) -> HTTPException:
    return HTTPException(422, {"message": "phrasebank rejected; the running one is unchanged",
                               "problems": exc.problems})


def _summary(an: Any) -> dict[str, Any]:
    b = an.bank
    return {"version": b.version, "name": b.name, "entries": len(b.entries),
            "scenarios": [t.scenario for t in b.templates]}


@router.get("", summary="The running phrasebank (or ?version= an earlier one)")
async def get_bank(service: ServiceDep,
                   version: Annotated[str | None, Query(max_length=64)] = None) -> JSONResponse:
    if version is None or version == service.analyzer.version:
        an = service.analyzer
        text = await service.run(service.bank_yaml, an.version)
        return JSONResponse({**_summary(an), "active": True, "yaml": text or an.bank.raw})
    text = await service.run(service.bank_yaml, version)
    if text is None:
        raise HTTPException(404, f"no phrasebank version {version!r}")
    return JSONResponse({"version": version, "active": False, "yaml": text})


@router.get("/versions", summary="Every phrasebank version the service has run")
async def versions(service: ServiceDep) -> JSONResponse:
    return JSONResponse({"versions": await service.run(service.bank_versions)})


@router.put("", summary="Install a new phrasebank (validated first)")
async def put_bank(body: BankIn, request: Request, service: ServiceDep) -> JSONResponse:
    try:
        an = await service.run(service.install_bank, body.yaml,
                               getattr(request.state, "key_name", None))
    except PhrasebankError as exc:
        raise _rejected(exc) from None
    return JSONResponse({**_summary(an), "active": True})


@router.post("/suggestions/{suggestion_id}/apply",
             summary="Install the running bank with one reviewers' suggestion added")
async def apply_suggestion(suggestion_id: Annotated[str, PathParam(pattern="^[0-9a-f]{12}$")],
                           request: Request, service: ServiceDep) -> JSONResponse:
    """The suggestion (an id of ``GET /v1/reviews/suggestions``) goes into the running
    bank's YAML, the bank is validated and installed as a new version; 404 when the
    suggestion is no longer offered (the bank or the verdicts changed)."""
    from analyzer.suggest import apply_suggestion as apply_to

    found, _ = await service.run(service.reviews.suggestions, limit=50)
    chosen = next((x for x in found if x.id == suggestion_id), None)
    if chosen is None:
        raise HTTPException(404, f"no suggestion {suggestion_id!r} for the running phrasebank")
    try:
        text = apply_to(service.analyzer.bank.raw, chosen)
        an = await service.run(service.install_bank, text,
                               getattr(request.state, "key_name", None))
    except ValueError as exc:  # PhrasebankError is one
        raise HTTPException(422, str(exc)) from None
    return JSONResponse({**_summary(an), "active": True, "applied": chosen.to_dict()})


@router.post("/test", summary="Run a candidate bank on texts without installing it")
async def test_bank(body: BankTest, service: ServiceDep) -> JSONResponse:
    for i, t in enumerate(body.texts):
        try:
            t.text.encode("utf-8")
        except UnicodeEncodeError:
            raise HTTPException(422, f"texts[{i}] holds an unpaired UTF-16 surrogate") from None
    try:
        an = await service.run(service.candidate, body.yaml)
    except PhrasebankError as exc:
        raise HTTPException(422, {"message": "phrasebank rejected",
                                  "problems": exc.problems}) from None

    def run_all() -> list[dict[str, Any]]:
        return [{"text": t.text, "speaker": t.speaker, "source": t.source,
                 "flags": [f.to_dict() for f in an.check(t.text, speaker=t.speaker,
                                                         source=t.source)]}
                for t in body.texts]

    results = await service.run(run_all)
    return JSONResponse({**_summary(an), "installed": an is service.analyzer,
                         "results": results})
