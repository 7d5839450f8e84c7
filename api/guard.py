"""Before a request's body is read: its key, then its size.

FastAPI reads and parses a JSON body before it runs a route's dependencies, so a route's
key check comes after the body is in memory: an unauthenticated client could make the
server hold any number of large bodies. :class:`RequestGuard` (pure ASGI) answers a
request with a body under ``/v1/`` with 401 when its key is missing or unknown, and any
request with 413 when its declared ``Content-Length`` is over the route's limit, before a
byte of the body is read; a body sent without a length (chunked) is counted as it arrives
and refused at the limit. The key it verified rides in the request's state: the routes
check its scopes and rate (:func:`api.deps.admit`) without verifying it again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException

from .deps import authenticate
from .service import Service

__all__ = ["RequestGuard", "body_limit"]

log = logging.getLogger(__name__)

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_MULTIPART_SLACK = 64 * 1024  # the form's other fields and part headers around the file
_BANK_BODY = 16 * 1024 * 1024  # a phrasebank of MAX_YAML characters, as JSON
_JSON_BODY = 1024 * 1024


def body_limit(service: Service, method: str, path: str) -> int:
    """The most bytes a request's body may hold."""
    if path == "/v1/recordings" and method == "POST":
        return service.config.max_upload_mb * 1024 * 1024 + _MULTIPART_SLACK
    if path.startswith("/v1/phrasebank"):
        return _BANK_BODY
    # a check of max_text_chars characters, escaped as JSON (\\uXXXX: 6 bytes each)
    return max(_JSON_BODY, service.config.max_text_chars * 6 + 4096)


def _limit_words(service: Service, path: str, limit: int) -> str:
    if path == "/v1/recordings":
        return f"the upload limit is {service.config.max_upload_mb} MB"
    return f"at most {limit} bytes ({limit / 1048576:.1f} MB) are accepted on {path}"


async def _answer(send: Any, status: int, detail: Any,
                  headers: Mapping[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    def __init__(self, app: Any, service_of: Callable[[dict[str, Any]], Service | None]) -> None:
        self.app = app
        self.service_of = service_of

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        service = self.service_of(scope)
        if service is None:  # not started yet
            await self.app(scope, receive, send)
            return
        authorization = declared = None
        for k, v in scope.get("headers") or ():  # only the two that matter here
            name = k.lower()
            if name == b"authorization":
                authorization = v.decode("latin-1")
            elif name == b"content-length":
                declared = v.decode("latin-1")
        path = scope["path"]
        if path.startswith("/v1/"):
            try:
                info = await authenticate(service, authorization)
            except HTTPException as exc:
                await _answer(send, exc.status_code, exc.detail, exc.headers)
                return
            # the routes' admit() takes it from here instead of verifying the key again
            scope.setdefault("state", {})["key"] = info
        limit = body_limit(service, scope["method"], path)
        if declared is not None:
            if not declared.isdigit():
                await _answer(send, 400, "Content-Length must be a number of bytes")
                return
            if int(declared) > limit:
                await _answer(send, 413, f"the request body is {int(declared)} bytes; "
                                         f"{_limit_words(service, path, limit)}")
                return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # the route's body reading ends here; the app's handler answers 413
                    raise HTTPException(413, f"the request body is over the limit: "
                                             f"{_limit_words(service, path, limit)}")
            return message

        await self.app(scope, counted, send)
