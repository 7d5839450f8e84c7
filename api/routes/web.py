"""The review page: the single-page app under ``api/web/`` served at ``/`` and ``/static/…``,
and ``GET /v1/web/bank``, what a review key may read of the running phrasebank (scenarios
for uploads, refs and their standard text for added flags).

The static files are read once, gzipped once, and given a build id (a hash over all of
them): the page links its assets as ``/static/NAME?v=BUILD`` (cached for a year, immutable);
a request without the current ``v`` revalidates by ETag. No key is needed for the static
files. Every page response carries a Content-Security-Policy that admits only this origin's
scripts and styles (no inline script), so text from the API can never run as code even if a
bug let it through the page's escaping.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from ..deps import ServiceDep, require

__all__ = ["router", "WEB_DIR", "CSP", "assets"]

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                 "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
          ".json": "application/json", ".ico": "image/x-icon", ".png": "image/png"}
_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(css|js|svg|png|ico|json)$")
_IMPORT = re.compile(r"""(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(["'])\./([A-Za-z0-9_-]+\.js)\2""")

router = APIRouter()


@dataclass(frozen=True)
class Asset:
    body: bytes
    gz: bytes | None  # None when gzip would not make it smaller
    etag: str
    ctype: str


@dataclass(frozen=True)
class Assets:
    build: str
    files: dict[str, Asset]  # "index.html" and the static names


def _asset(name: str, body: bytes) -> Asset:
    gz = gzip.compress(body, 9, mtime=0)
    return Asset(body=body, gz=gz if len(gz) < len(body) else None,
                 etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
                 ctype=_TYPES.get(Path(name).suffix, "application/octet-stream"))


@lru_cache(maxsize=1)
def assets() -> Assets:
    """The page's files, versioned and compressed (read once per process)."""
    raw: dict[str, bytes] = {}
    for p in sorted(WEB_DIR.iterdir()) if WEB_DIR.is_dir() else []:
        if p.is_file() and (p.name == "index.html" or _NAME.match(p.name)):
            raw[p.name] = p.read_bytes()
    if "index.html" not in raw:
        raise RuntimeError(f"the review page is not installed: no {WEB_DIR / 'index.html'}")
    h = hashlib.sha256()
    for name, body in raw.items():
        h.update(name.encode() + b"\0" + body + b"\0")
    build = h.hexdigest()[:12]
    files: dict[str, Asset] = {}
    for name, body in raw.items():
        if name == "index.html":
            text = re.sub(r'(["\'])/static/([A-Za-z0-9_.-]+)\1',
                          lambda m: f'{m[1]}/static/{m[2]}?v={build}{m[1]}',
                          body.decode("utf-8"))
            body = text.replace("{{build}}", build).encode("utf-8")
        elif name.endswith(".js"):
            text = _IMPORT.sub(lambda m: f"{m[1]}{m[2]}./{m[3]}?v={build}{m[2]}",
                               body.decode("utf-8"))
            body = text.encode("utf-8")
        files[name] = _asset(name, body)
    return Assets(build=build, files=files)


def _send(request: Request, a: Asset, cache: str, extra: dict[str, str] | None = None,
          ) -> Response:
    headers = {"ETag": a.etag, "Cache-Control": cache, "Vary": "Accept-Encoding",
               **(extra or {})}
    inm = request.headers.get("if-none-match", "")
    if a.etag in [t.strip().removeprefix("W/") for t in inm.split(",")]:
        return Response(status_code=304, headers=headers)
    accept = request.headers.get("accept-encoding", "")
    if a.gz is not None and re.search(r"\bgzip\b(?!\s*;\s*q=0(\.0*)?\b)", accept):
        headers["Content-Encoding"] = "gzip"
        return Response(a.gz, media_type=a.ctype, headers=headers)
    return Response(a.body, media_type=a.ctype, headers=headers)


@router.get("/", include_in_schema=False)
@router.head("/", include_in_schema=False)
async def page(request: Request) -> Response:
    return _send(request, assets().files["index.html"], "no-cache", _PAGE_HEADERS)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon(request: Request) -> Response:
    a = assets().files.get("favicon.svg")
    if a is None:
        raise HTTPException(404, "no favicon")
    return _send(request, a, "public, max-age=86400")


@router.get("/static/{name}", include_in_schema=False)
@router.head("/static/{name}", include_in_schema=False)
async def static(name: str, request: Request) -> Response:
    got = assets()
    a = got.files.get(name) if _NAME.match(name) else None
    if a is None:
        raise HTTPException(404, f"no static file {name!r}")
    cache = ("public, max-age=31536000, immutable"
             if request.query_params.get("v") == got.build else "no-cache")
    return _send(request, a, cache, {"X-Content-Type-Options": "nosniff"})


@router.get("/v1/web/bank", tags=["review"], dependencies=[require("review", "upload")],
            summary="What the review page needs of the running phrasebank: scenarios and "
                    "the refs with the standard's wording")
async def bank(service: ServiceDep) -> JSONResponse:
    b = service.analyzer.bank
    refs: list[dict[str, Any]] = [{"ref": e.ref, "kind": e.kind, "standard": e.text}
                                  for e in b.entries]
    if b.lexicon and not any(r["ref"] == "8.0" for r in refs):
        refs.append({"ref": "8.0", "kind": "taboo", "standard": b.standard_text("8.0")})
    return JSONResponse({
        "version": b.version, "name": b.name,
        "scenarios": [{"scenario": t.scenario, "title": t.title} for t in b.templates],
        "refs": refs})
