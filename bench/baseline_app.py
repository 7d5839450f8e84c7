"""The baseline of ``bench/api_bench.py``: a bare FastAPI route returning a constant.

``api_bench`` serves it with the same uvicorn settings as ``huashu serve`` (same loop,
same HTTP parser, no access log) and loads it with the same clients and bodies, so that the
ratio of the two throughputs shows what huashu's own work costs on this machine.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

__all__ = ["app"]

app = FastAPI()
_ANSWER = {"flags": [], "phrasebank_version": "baseline"}


@app.post("/v1/check")
async def check(request: Request) -> JSONResponse:
    # reads the body like a real route would, and answers a constant
    await request.body()
    return JSONResponse(_ANSWER)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
