"""``/healthz`` (open) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from ..deps import ServiceDep
from ..metrics import CONTENT_TYPE

__all__ = ["router"]

router = APIRouter()


@router.get("/healthz", tags=["service"], summary="Liveness and what is loaded (no key)")
async def healthz(service: ServiceDep) -> dict[str, Any]:
    return {"status": "ok", "phrasebank_version": service.analyzer.version,
            "model_loaded": service.pipeline is not None,
            "database": service.db.dialect}


@router.get("/metrics", tags=["service"], summary="Prometheus metrics",
            response_class=Response,
            responses={200: {"content": {CONTENT_TYPE: {}}}})
async def metrics(service: ServiceDep) -> Response:
    body = await service.run(service.metrics.render)
    return Response(body, media_type=CONTENT_TYPE)
