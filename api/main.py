"""The FastAPI application: ``create_app()`` builds it; ``huashu serve`` runs it.

Routes: ``/healthz`` and ``/metrics`` (open), ``/v1/check``, ``/v1/calls/{id}``,
``/v1/stream`` (check scope), ``/v1/recordings`` (upload / review), verdicts, ``/v1/reviews``
and a recording's audio (review), ``/v1/phrasebank`` (admin). OpenAPI at ``/docs``. Every
error is JSON ``{"detail": …}``; no stack trace reaches a client.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from huashu.config import Settings, get_settings

from .guard import RequestGuard
from .metrics import MetricsMiddleware
from .routes import check, health, phrasebank, recordings, reviews, web
from .service import Service, new_executor

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        out.append({"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", ""))})
    return out


def _offline_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the ``swagger-ui-bundle`` package (Apache-2.0), served by
    this server: the page works with no network (FastAPI's own loads it from a CDN)."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
              name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Any:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="huashu API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service's ASGI app; the analyzer, model and database open in its lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import asyncio

        loop = asyncio.get_running_loop()
        executor = new_executor(settings)  # the one executor; the service owns it
        service = await loop.run_in_executor(executor, Service, settings, executor)
        app.state.service = service
        await service.start()
        # The analyzer's tables are built once and live as long as the process: moved out of
        # the collector's sight, a full collection no longer walks them in the middle of a
        # request (200 clients on /v1/check: p99 46-59 ms without, 38-40 ms with).
        gc.freeze()
        log.info("huashu service ready: phrasebank %s, database %s, %d threads",
                 service.analyzer.version, service.db.dialect, settings.service.threads)
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(title="huashu", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="Checks how broadband field engineers talk to customers "
                              "against the service standard (话术).")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def crashed(req: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", req.method, req.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    app.router.routes.append(check.hot_route)  # first: the service's hot path
    app.include_router(health.router)
    app.include_router(check.router)
    app.include_router(recordings.router)
    app.include_router(reviews.router)
    app.include_router(phrasebank.router)
    app.include_router(web.router)  # the review page at / and /static/
    _offline_docs(app)

    def openapi() -> dict[str, Any]:
        """The generated document, plus the Bearer scheme on every /v1 operation."""
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version,
                              description=app.description, routes=app.routes)
            item, schemas = check.check_openapi()  # a plain ASGI route: not FastAPI's
            doc.setdefault("paths", {})["/v1/check"] = item
            doc.setdefault("components", {}).setdefault("schemas", {}).update(schemas)
            doc["components"]["securitySchemes"] = {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "An API key from `huashu keys create`."}}
            for path, ops in doc.get("paths", {}).items():
                if path.startswith("/v1/"):
                    for op in ops.values():
                        op["security"] = [{"bearer": []}]
                        op.setdefault("responses", {}).update({
                            "401": {"description": "No key, or an unknown or revoked one"},
                            "403": {"description": "The key lacks the scope"}})
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    def metrics_of(scope: dict[str, Any]) -> Any:
        service = getattr(scope["app"].state, "service", None) if "app" in scope else None
        return service.metrics if service is not None else None

    def service_of(scope: dict[str, Any]) -> Any:
        return getattr(scope["app"].state, "service", None) if "app" in scope else None

    app.add_middleware(RequestGuard, service_of=service_of)  # inside the metrics: counted
    app.add_middleware(MetricsMiddleware, metrics_of=metrics_of)
    return app
